//! A Phoenix Channels chat server, traced with no hand-written span:
//!
//! - `UserSocket::connect`: token authentication (`socket.connect`, with the
//!   `socket.authenticated` event, or status Error);
//! - `RoomChannel`: `join` (with `room.joined`), `message:new` (a broadcast,
//!   `message.created`, and the validation error path), `typing:start`,
//!   `handle_out` per recipient, `terminate`;
//! - the traced broadcast: `channel.broadcast` spans, each recipient's
//!   delivery linked to it, and trace context kept out of the payloads;
//! - the announcements fan-out: one `announcement.broadcast` per room;
//! - `DocumentChannel`: processing in a spawned task, which later pushes the
//!   result to the client;
//! - the metrics: every handler's call count and duration by outcome.
//!
//! `cargo run --example chat` serves on loopback, runs scripted clients,
//! prints each trace as a tree and the handler metrics, and exits.
//! `cargo run --example chat -- --serve 127.0.0.1:4000` keeps serving, for
//! outside clients such as the official `phoenix` JavaScript client
//! (tokens: `alice`, `bob`, `carol`), and serves a chat page at
//! <http://127.0.0.1:4000/> (`examples/chat.html`) that uses that client:
//! open it in two browser tabs and chat while the traces scroll by.
//!
//! `cargo run --example chat -- --serve 127.0.0.1:4000 --redis
//! redis://127.0.0.1:6379` runs one node of a cluster: start another with
//! `--serve 127.0.0.1:4001` and the same `--redis`, open the page on each,
//! and the rooms are shared. `--node NAME` names the node (a unique
//! `node-{pid}-…` unless given).
//!
//! It needs tracewire's `channel` feature, and `redis` for `--redis`; the
//! workspace builds its examples with every feature.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use opentelemetry::KeyValue;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tracewire::channel::{
    Assigns, ConnectError, ConnectInfo, ConnectParams, JoinError, LeaveReason, Payload, PubSub,
    PushError, Pusher, Server, ServerHandle, Socket, SocketHandler,
};
use tracewire::prelude::*;

fn span_event(name: &'static str, attributes: Vec<KeyValue>) {
    opentelemetry::Context::current()
        .span()
        .add_event(name, attributes);
}

/// Authenticates connections by token, as a Phoenix `UserSocket`'s
/// `connect/3` does.
pub struct UserSocket;

impl SocketHandler for UserSocket {
    async fn connect(
        &self,
        params: &ConnectParams,
        _info: &ConnectInfo,
    ) -> Result<Assigns, ConnectError> {
        match params.get("token").map(String::as_str) {
            Some(user @ ("alice" | "bob" | "carol")) => {
                let mut assigns = Assigns::new();
                assigns.insert("user_id".into(), json!(user));
                Ok(assigns)
            }
            _ => Err(ConnectError::new("authentication failed")),
        }
    }

    fn id(&self, assigns: &Assigns) -> Option<String> {
        let user = assigns.get("user_id")?.as_str()?;
        Some(format!("user_socket:{user}"))
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A chat room: the channel behind the `room:*` topics.
pub struct RoomChannel {
    user: String,
}

#[derive(Deserialize)]
pub struct NewMessage {
    body: String,
}

#[derive(Serialize)]
pub struct Sent {
    id: u64,
}

#[derive(Serialize)]
pub struct ValidationErrors {
    errors: HashMap<&'static str, Vec<&'static str>>,
}

/// A rejected message is a failed handler: the status an Elixir handler
/// sets by hand with `set_status(:error, "validation_failed")`.
impl SpanOutcome for ValidationErrors {
    fn span_outcome(&self) -> Outcome<'_> {
        Outcome::error("validation_failed", &"validation_failed")
    }
}

#[derive(Deserialize)]
pub struct Announcement {
    title: String,
    rooms: Vec<String>,
}

#[traced_channel(topic = "room:*")]
impl RoomChannel {
    #[span(fields(user.id = socket.get::<String>("user_id")))]
    async fn join(topic: &str, socket: &mut Socket) -> Result<Self, JoinError> {
        let user: String = socket.get("user_id").ok_or("unauthorized")?;
        if topic == "room:private" {
            span_event(
                "room.join_failed",
                vec![KeyValue::new("error.reason", "unauthorized")],
            );
            return Err(JoinError::new("unauthorized"));
        }
        let members = socket.pubsub().subscriber_count(topic) + 1;
        span_event(
            "room.joined",
            vec![KeyValue::new("room.member_count", members as i64)],
        );
        Ok(RoomChannel { user })
    }

    #[event("message:new")]
    #[span(
        fields(message.length = msg.body.chars().count(), user.id = self.user.as_str()),
        skip(msg)
    )]
    async fn new_message(
        &mut self,
        msg: NewMessage,
        socket: &mut Socket,
    ) -> Result<Sent, ValidationErrors> {
        if msg.body.trim().is_empty() {
            span_event(
                "message.validation_failed",
                vec![KeyValue::new("validation.errors", "body: can't be blank")],
            );
            let errors = HashMap::from([("body", vec!["can't be blank"])]);
            return Err(ValidationErrors { errors });
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        // Other members get it; the sender has its reply.
        let message = json!({ "id": id, "user": self.user, "body": msg.body });
        if socket.broadcast_from("message:new", message).is_ok() {
            span_event(
                "message.created",
                vec![KeyValue::new("message.id", id as i64)],
            );
        }
        Ok(Sent { id })
    }

    #[event("typing:start")]
    #[span(fields(user.id = self.user.as_str()))]
    fn typing_start(&mut self, socket: &mut Socket) {
        // Ephemeral: a failed broadcast is not worth a reply.
        let _ = socket.broadcast_from("typing:start", json!({ "user_id": self.user }));
    }

    #[event("announcement:create")]
    #[span(fields(announcement.title = announcement.title.as_str()), skip(announcement))]
    fn create_announcement(
        &mut self,
        announcement: Announcement,
        socket: &mut Socket,
    ) -> Result<Sent, String> {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        for room in &announcement.rooms {
            broadcast_announcement(socket.pubsub(), id, room, &announcement.title);
        }
        span_event(
            "announcement.broadcasted",
            vec![KeyValue::new(
                "broadcast.room_count",
                announcement.rooms.len() as i64,
            )],
        );
        Ok(Sent { id })
    }

    /// Runs once per recipient of a `message:new` broadcast; its span is
    /// linked to the broadcast's.
    #[handle_out("message:new")]
    #[span(fields(user.id = self.user.as_str()))]
    fn deliver_message(&mut self, payload: &Payload, socket: &mut Socket) -> bool {
        let _ = socket;
        // Nobody needs their own message echoed.
        payload.get("user").and_then(Value::as_str) != Some(self.user.as_str())
    }

    #[span(fields(user.id = self.user.as_str(), channel.topic = socket.topic()))]
    async fn terminate(&mut self, reason: &LeaveReason, socket: &mut Socket) {
        let _ = (reason, socket);
    }
}

/// One room of an announcement's fan-out.
#[traced(
    name = "announcement.broadcast",
    fields(announcement.id = id, target.room = room),
    skip_all
)]
fn broadcast_announcement(pubsub: &PubSub, id: u64, room: &str, title: &str) {
    let topic = format!("room:{room}");
    let _ = pubsub.broadcast(
        &topic,
        "announcement:new",
        json!({ "id": id, "title": title }),
    );
}

/// Documents processed in the background: the channel behind the
/// `document:*` topics.
pub struct DocumentChannel {
    user: String,
}

#[derive(Deserialize)]
pub struct ProcessRequest {
    document_id: u64,
}

#[traced_channel(topic = "document:*")]
impl DocumentChannel {
    async fn join(topic: &str, socket: &mut Socket) -> Result<Self, JoinError> {
        let _ = topic;
        let user: String = socket.get("user_id").ok_or("unauthorized")?;
        Ok(DocumentChannel { user })
    }

    #[event("document:process")]
    #[span(fields(document.id = request.document_id, user.id = self.user.as_str()), skip(request))]
    fn process(&mut self, request: ProcessRequest, socket: &mut Socket) -> Result<Value, String> {
        // The task starts under this handler's span: no Ctx.attach needed.
        tokio::spawn(process_document(request.document_id, socket.pusher()));
        Ok(json!({ "status": "processing" }))
    }
}

#[traced(name = "document.process", fields(processing.async = true), skip(pusher))]
async fn process_document(document_id: u64, pusher: Pusher) -> Result<(), PushError> {
    tokio::time::sleep(Duration::from_millis(20)).await;
    notify_complete(&pusher, document_id)
}

#[traced(name = "document.notify_complete", skip(pusher))]
fn notify_complete(pusher: &Pusher, document_id: u64) -> Result<(), PushError> {
    pusher.push(
        "document:processed",
        json!({ "status": "complete", "document_id": document_id }),
    )
}

/// The server: sockets authenticated by `UserSocket`, two channels, and
/// the chat page beside them.
pub fn server() -> Server<UserSocket> {
    Server::new(UserSocket)
        .channel::<RoomChannel>("room:*")
        .channel::<DocumentChannel>("document:*")
        .merge(page())
}

/// The chat page, with no build step: plain HTML and the official
/// `phoenix` client's browser build.
const PAGE: &str = include_str!("chat.html");

/// Where the `phoenix` npm package (installed by `scripts/install/js.sh`)
/// keeps its browser build; `PHOENIX_JS` names another file.
fn phoenix_js_path() -> std::path::PathBuf {
    std::env::var_os("PHOENIX_JS").map_or_else(
        || {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/js/node_modules/phoenix/priv/static/phoenix.min.js")
        },
        Into::into,
    )
}

/// `/`: the page; `/phoenix.min.js`: the client, read once, here.
fn page() -> axum::Router {
    use axum::http::{StatusCode, header};
    use axum::response::{Html, IntoResponse};
    use axum::routing::get;

    let path = phoenix_js_path();
    let client: Option<Arc<str>> = std::fs::read_to_string(&path).ok().map(Arc::from);
    let script = move || {
        let client = client.clone();
        async move {
            match client {
                Some(js) => {
                    ([(header::CONTENT_TYPE, "text/javascript")], js.to_string()).into_response()
                }
                None => (
                    StatusCode::NOT_FOUND,
                    "the phoenix client is not installed: run `bash scripts/install/js.sh`",
                )
                    .into_response(),
            }
        }
    };
    axum::Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/phoenix.min.js", get(script))
}

/// Serves on an ephemeral loopback port.
pub async fn serve() -> std::io::Result<ServerHandle> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    server().serve(listener)
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A scripted Phoenix V2 client, enough for this walk-through.
pub struct ChatClient {
    ws: Ws,
    next_ref: u64,
    join_refs: HashMap<String, String>,
    inbox: VecDeque<Value>,
}

impl ChatClient {
    /// Connects with `token`; `Err(status)` if the server refuses.
    pub async fn connect(url: &str, token: &str) -> Result<Self, u16> {
        match tokio_tungstenite::connect_async(format!("{url}&token={token}")).await {
            Ok((ws, _)) => Ok(ChatClient {
                ws,
                next_ref: 0,
                join_refs: HashMap::new(),
                inbox: VecDeque::new(),
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(_) => Err(0),
        }
    }

    async fn send(&mut self, topic: &str, event: &str, payload: Value) -> String {
        self.next_ref += 1;
        let msg_ref = self.next_ref.to_string();
        let join_ref = self.join_refs.get(topic).cloned();
        let frame = json!([join_ref, msg_ref, topic, event, payload]).to_string();
        // The scripted server is on loopback; a failed send shows up as the
        // missing reply below.
        let _ = self.ws.send(Message::text(frame)).await;
        msg_ref
    }

    /// The next frame that `wanted` accepts, keeping the others for later.
    async fn receive(&mut self, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(i) = self.inbox.iter().position(&wanted) {
            return self.inbox.remove(i);
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??;
            let Ok(Message::Text(text)) = frame else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if wanted(&value) {
                return Some(value);
            }
            self.inbox.push_back(value);
        }
    }

    /// Sends `event` for a handler that does not reply (Phoenix's
    /// `{:noreply, socket}`).
    pub async fn cast(&mut self, topic: &str, event: &str, payload: Value) {
        self.send(topic, event, payload).await;
    }

    /// Sends `event` and waits for its reply: `(status, response)`.
    pub async fn push(&mut self, topic: &str, event: &str, payload: Value) -> (String, Value) {
        let msg_ref = self.send(topic, event, payload).await;
        let reply = self
            .receive(|f| f[1] == json!(msg_ref) && f[3] == "phx_reply")
            .await
            .unwrap_or(Value::Null);
        let status = reply[4]["status"].as_str().unwrap_or("no reply").to_owned();
        (status, reply[4]["response"].clone())
    }

    /// Joins `topic`: `(status, response)`.
    pub async fn join(&mut self, topic: &str) -> (String, Value) {
        self.next_ref += 1;
        let join_ref = self.next_ref.to_string();
        self.join_refs.insert(topic.to_owned(), join_ref.clone());
        let frame = json!([join_ref, join_ref, topic, "phx_join", {}]).to_string();
        let _ = self.ws.send(Message::text(frame)).await;
        let reply = self
            .receive(|f| f[1] == json!(join_ref) && f[3] == "phx_reply")
            .await
            .unwrap_or(Value::Null);
        let status = reply[4]["status"].as_str().unwrap_or("no reply").to_owned();
        (status, reply[4]["response"].clone())
    }

    /// The payload of the next `event` pushed on `topic`.
    pub async fn expect(&mut self, topic: &str, event: &str) -> Option<Value> {
        let frame = self.receive(|f| f[2] == topic && f[3] == event).await?;
        Some(frame[4].clone())
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// What the walk-through saw, for the printout and the test.
#[derive(Debug, Default)]
pub struct Transcript {
    pub lines: Vec<String>,
}

impl Transcript {
    fn note(&mut self, line: String) {
        println!("{line}");
        self.lines.push(line);
    }
}

/// The walk-through: every pattern listed at the top of this file, against
/// a live server.
pub async fn run() -> std::io::Result<Transcript> {
    let server = serve().await?;
    let url = server.url();
    let mut t = Transcript::default();

    let refused = ChatClient::connect(&url, "mallory").await.err();
    t.note(format!("connect with a bad token -> HTTP {refused:?}"));

    let connect = |token| ChatClient::connect(&url, token);
    let (Ok(mut alice), Ok(mut bob), Ok(mut carol)) = (
        connect("alice").await,
        connect("bob").await,
        connect("carol").await,
    ) else {
        return Err(std::io::Error::other("a valid token was refused"));
    };
    t.note(format!(
        "alice joins room:lobby -> {:?}",
        alice.join("room:lobby").await
    ));
    t.note(format!(
        "bob joins room:lobby -> {:?}",
        bob.join("room:lobby").await
    ));
    t.note(format!(
        "carol joins room:random -> {:?}",
        carol.join("room:random").await
    ));
    t.note(format!(
        "alice joins room:private -> {:?}",
        alice.join("room:private").await
    ));

    alice.cast("room:lobby", "typing:start", json!({})).await;
    t.note(format!(
        "bob sees typing:start -> {:?}",
        bob.expect("room:lobby", "typing:start").await
    ));

    let sent = alice
        .push(
            "room:lobby",
            "message:new",
            json!({ "body": "Hello, lobby!" }),
        )
        .await;
    t.note(format!("alice sends message:new -> {sent:?}"));
    t.note(format!(
        "bob receives message:new -> {:?}",
        bob.expect("room:lobby", "message:new").await
    ));

    let blank = alice
        .push("room:lobby", "message:new", json!({ "body": "  " }))
        .await;
    t.note(format!("alice sends a blank message -> {blank:?}"));

    let announcement = json!({ "title": "Maintenance at noon", "rooms": ["lobby", "random"] });
    let announced = alice
        .push("room:lobby", "announcement:create", announcement)
        .await;
    t.note(format!("alice announces to 2 rooms -> {announced:?}"));
    t.note(format!(
        "bob receives -> {:?}",
        bob.expect("room:lobby", "announcement:new").await
    ));
    t.note(format!(
        "carol receives -> {:?}",
        carol.expect("room:random", "announcement:new").await
    ));

    t.note(format!(
        "bob joins document:42 -> {:?}",
        bob.join("document:42").await
    ));
    let processing = bob
        .push(
            "document:42",
            "document:process",
            json!({ "document_id": 42 }),
        )
        .await;
    t.note(format!("bob asks to process it -> {processing:?}"));
    t.note(format!(
        "bob is pushed document:processed -> {:?}",
        bob.expect("document:42", "document:processed").await
    ));

    let left = carol.push("room:random", "phx_leave", json!({})).await;
    t.note(format!("carol leaves room:random -> {left:?}"));
    // The server goes first, so the channels still joined end with
    // `shutdown`; a client closing first would race it and end them `closed`.
    server.shutdown().await;
    for client in [alice, bob, carol] {
        client.close().await;
    }
    Ok(t)
}

/// The handler metrics tracewire records for every handler
/// (`tracewire.handler.duration`, `tracewire.handler.calls`), which a Phoenix
/// app would emit itself from `:telemetry` handlers: read here as
/// they are exported, to print a summary. With an OTLP endpoint configured,
/// `init()` exports them to the collector instead.
#[derive(Clone, Default)]
struct MetricsSummary(Arc<Mutex<DurationsByHandler>>);

/// (handler, outcome) → (calls, total seconds).
type DurationsByHandler = BTreeMap<(String, String), (u64, f64)>;

impl PushMetricExporter for MetricsSummary {
    fn export(&self, metrics: &ResourceMetrics) -> impl Future<Output = OTelSdkResult> + Send {
        let mut rows = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let histograms = metrics
            .scope_metrics()
            .flat_map(|scope| scope.metrics())
            .filter(|m| m.name() == tracewire::semconv::HANDLER_DURATION);
        for metric in histograms {
            if let AggregatedMetrics::F64(MetricData::Histogram(h)) = metric.data() {
                for point in h.data_points() {
                    let attr = |key: &str| {
                        point
                            .attributes()
                            .find(|kv| kv.key.as_str() == key)
                            .map(|kv| kv.value.to_string())
                            .unwrap_or_default()
                    };
                    let key = (attr("handler"), attr("outcome"));
                    rows.insert(key, (point.count(), point.sum()));
                }
            }
        }
        std::future::ready(Ok(()))
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

impl MetricsSummary {
    fn print(&self) {
        let rows = self.0.lock().unwrap_or_else(|e| e.into_inner());
        println!(
            "\n{:<40} {:<8} {:>5} {:>10}",
            "handler", "outcome", "calls", "mean"
        );
        for ((handler, outcome), (count, sum)) in rows.iter() {
            let mean = Duration::from_secs_f64(sum / (*count).max(1) as f64);
            println!("{handler:<40} {outcome:<8} {count:>5} {mean:>10.1?}");
        }
    }
}

/// The command line: nothing (the scripted walk-through), or
/// `--serve [ADDR] [--redis URL] [--node NAME]`.
#[derive(Default)]
struct Args {
    serve: Option<String>,
    redis: Option<String>,
    node: Option<String>,
}

impl Args {
    fn parse() -> Result<Args, String> {
        let mut args = Args::default();
        let mut words = std::env::args().skip(1).peekable();
        while let Some(word) = words.next() {
            // A flag's value is the next word unless that is a flag too.
            let value = words.next_if(|next| !next.starts_with("--"));
            match word.as_str() {
                // `--serve` alone serves on the default address.
                "--serve" => args.serve = Some(value.unwrap_or_else(|| "127.0.0.1:4000".into())),
                "--redis" => args.redis = Some(value.ok_or("--redis needs a URL")?),
                "--node" => args.node = Some(value.ok_or("--node needs a name")?),
                other => {
                    return Err(format!(
                        "unknown argument `{other}`: use --serve [ADDR] [--redis URL] [--node NAME]"
                    ));
                }
            }
        }
        if args.serve.is_none() && (args.redis.is_some() || args.node.is_some()) {
            return Err("--redis and --node need --serve".into());
        }
        Ok(args)
    }
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // With no OTLP endpoint configured, each finished trace is printed to
    // stderr as a tree; set OTEL_EXPORTER_OTLP_ENDPOINT to send it instead.
    let telemetry = tracewire::init()?;
    let summary = MetricsSummary::default();
    let meters = (!telemetry.exports_metrics()).then(|| {
        let meters = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(summary.clone()).build())
            .build();
        tracewire::export::set_meter_provider(&meters);
        meters
    });
    let args = Args::parse()?;
    if let Some(addr) = args.serve {
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        let mut server = server();
        if let Some(url) = &args.redis {
            let mut redis = tracewire::channel::cluster::RedisAdapter::new(url)?;
            if let Some(node) = &args.node {
                redis = redis.node_name(node);
            }
            server = server.adapter(redis);
        }
        let node = server.pubsub().node_name().to_owned();
        let server = server.serve(listener)?;
        println!(
            "serving Phoenix channels at {} (Ctrl-C stops)",
            server.url()
        );
        if let Some(url) = &args.redis {
            println!("node {node} of the cluster on {url}");
        }
        if phoenix_js_path().exists() {
            println!(
                "open http://{}/ in a browser (two tabs) to chat",
                server.local_addr()
            );
        } else {
            println!("the chat page needs the phoenix client: run `bash scripts/install/js.sh`");
        }
        tokio::signal::ctrl_c().await?;
        server.shutdown().await;
    } else {
        run().await?;
    }
    // Flushes, so the last traces are printed before the program exits.
    drop(telemetry);
    if let Some(meters) = meters {
        meters.force_flush()?;
        summary.print();
    }
    Ok(())
}
