//! Shared by the `channel` and `channel_traced` test binaries: a Phoenix V2
//! WebSocket client on tokio-tungstenite, a token-checking socket handler,
//! and a `RoomChannel` written by hand (no macro), with a per-test log of
//! what its callbacks saw.

#![allow(dead_code)] // each test binary uses a different part

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tracewire::channel::{
    Assigns, Channel, ConnectError, ConnectInfo, ConnectParams, JoinError, LeaveReason, Outgoing,
    Payload, Pusher, Reply, Server, Socket, SocketHandler,
};

pub mod presence_room;

/// How long a client waits for a frame before failing the test.
pub const RECV_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// Server side
// ---------------------------------------------------------------------------

/// Accepts `token=secret`; assigns `user` (default `anon`) and `test` (the
/// key of the test's log) from the query string.
pub struct TokenAuth;

impl SocketHandler for TokenAuth {
    async fn connect(
        &self,
        params: &ConnectParams,
        _info: &ConnectInfo,
    ) -> Result<Assigns, ConnectError> {
        if params.get("token").map(String::as_str) != Some("secret") {
            return Err(ConnectError::new("invalid token"));
        }
        let mut assigns = Assigns::new();
        let user = params.get("user").cloned().unwrap_or_else(|| "anon".into());
        assigns.insert("user".into(), user.into());
        if let Some(test) = params.get("test") {
            assigns.insert("test".into(), test.clone().into());
        }
        Ok(assigns)
    }

    fn id(&self, assigns: &Assigns) -> Option<String> {
        Some(format!("user_socket:{}", assigns.get("user")?.as_str()?))
    }
}

/// What the channels of one test saw, keyed by the `test` assign.
static LOGS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
/// Pushers handed out by the `keep_pusher` event, by test.
static PUSHERS: Mutex<Vec<(String, Pusher)>> = Mutex::new(Vec::new());

fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn test_key(socket: &Socket) -> String {
    socket.get::<String>("test").unwrap_or_default()
}

pub fn log(socket: &Socket, entry: String) {
    lock(&LOGS).push((test_key(socket), entry));
}

/// The entries logged for `test`, in order.
pub fn logged(test: &str) -> Vec<String> {
    lock(&LOGS)
        .iter()
        .filter(|(t, _)| t == test)
        .map(|(_, e)| e.clone())
        .collect()
}

/// Waits until `test`'s log has an entry equal to `entry`.
pub async fn wait_logged(test: &str, entry: &str) {
    let deadline = tokio::time::Instant::now() + RECV_TIMEOUT;
    while !logged(test).iter().any(|e| e == entry) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "`{entry}` never logged for {test}: {:?}",
            logged(test)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The pusher the channel of `test` handed out last.
pub fn pusher(test: &str) -> Pusher {
    lock(&PUSHERS)
        .iter()
        .rev()
        .find(|(t, _)| t == test)
        .map(|(_, p)| p.clone())
        .expect("no pusher kept for this test")
}

/// A room, written without the macro: `handle_in` dispatches with `match`.
pub struct RoomChannel;

#[derive(serde::Deserialize)]
struct Typed {
    body: String,
}

impl Channel for RoomChannel {
    const NAME: &'static str = "room";

    async fn join(
        topic: &str,
        params: Payload,
        socket: &mut Socket,
    ) -> Result<(Self, Payload), JoinError> {
        log(socket, format!("join {topic} {params}"));
        if params.get("refuse").is_some() {
            return Err(JoinError::new("unauthorized"));
        }
        if params.get("crash").is_some() {
            panic!("join exploded");
        }
        Ok((RoomChannel, json!({ "joined": topic })))
    }

    async fn handle_in(
        &mut self,
        event: &str,
        payload: Payload,
        socket: &mut Socket,
    ) -> Option<Reply> {
        match event {
            "echo" => Some(Reply::Ok(payload)),
            "whoami" => Some(Reply::Ok(json!({
                "id": socket.id(),
                "user": socket.get::<String>("user"),
                "topic": socket.topic(),
            }))),
            "assign" => {
                socket.assign("note", &payload).ok()?;
                Some(Reply::Ok(json!({})))
            }
            "get" => Some(Reply::Ok(json!({ "note": socket.get::<Value>("note") }))),
            "typed" => match serde_json::from_value::<Typed>(payload) {
                Ok(typed) => Some(Reply::Ok(json!({ "body": typed.body }))),
                Err(e) => Some(Reply::invalid_payload(&e)),
            },
            "push_me" => {
                socket.push("pushed", &payload).ok()?;
                Some(Reply::Ok(json!({})))
            }
            "shout" => {
                socket.broadcast("shout", &payload).ok()?;
                None
            }
            "shout_others" => {
                socket.broadcast_from("shout", &payload).ok()?;
                Some(Reply::Ok(json!({})))
            }
            "filtered" => {
                socket.broadcast("filtered", &payload).ok()?;
                None
            }
            "announce" => {
                // Fan-out: one broadcast per listed topic.
                for topic in payload["topics"].as_array()? {
                    socket
                        .pubsub()
                        .broadcast(topic.as_str()?, "announcement", &payload["text"])
                        .ok()?;
                }
                Some(Reply::Ok(json!({})))
            }
            "keep_pusher" => {
                let pusher = socket.pusher();
                lock(&PUSHERS).push((test_key(socket), pusher.clone()));
                let delay = payload["after_ms"].as_u64()?;
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                    let _ = pusher.push("later", json!({ "done": true }));
                });
                Some(Reply::Ok(json!({ "status": "processing" })))
            }
            "crash" => panic!("handler exploded"),
            "silent" => None,
            other => Some(Reply::unknown_event(other)),
        }
    }

    fn intercepts(event: &str) -> bool {
        event == "filtered"
    }

    /// `filtered` reaches only the user named in `to`, marked as seen.
    async fn handle_out(
        &mut self,
        _event: &str,
        mut payload: Payload,
        socket: &mut Socket,
    ) -> Outgoing {
        let user = socket.get::<String>("user");
        if payload["to"].as_str() != user.as_deref() {
            return Outgoing::Skip;
        }
        payload["seen_by"] = json!(user);
        Outgoing::Push(payload)
    }

    async fn terminate(&mut self, reason: &LeaveReason, socket: &mut Socket) {
        log(socket, format!("terminate {} {reason:?}", socket.topic()));
    }
}

/// Another channel, for routing tests.
pub struct LobbyChannel;

impl Channel for LobbyChannel {
    const NAME: &'static str = "lobby";

    async fn join(_: &str, _: Payload, _: &mut Socket) -> Result<(Self, Payload), JoinError> {
        Ok((LobbyChannel, json!({ "channel": "lobby" })))
    }

    async fn handle_in(&mut self, event: &str, _: Payload, _: &mut Socket) -> Option<Reply> {
        Some(Reply::unknown_event(event))
    }
}

/// The standard test server: `room:*` to [`RoomChannel`].
pub fn server() -> Server<TokenAuth> {
    Server::new(TokenAuth).channel::<RoomChannel>("room:*")
}

/// Serves `server` on an ephemeral loopback port.
pub async fn serve(server: Server<TokenAuth>) -> tracewire::channel::ServerHandle {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    server.serve(listener).unwrap()
}

// ---------------------------------------------------------------------------
// Client side
// ---------------------------------------------------------------------------

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A Phoenix V2 client: sends frames, and sorts what arrives.
pub struct Client {
    ws: Ws,
    next_ref: u64,
    /// How long to wait for a frame before failing.
    timeout: Duration,
    /// Frames read while looking for another.
    inbox: VecDeque<Value>,
}

/// How a connection attempt ended, when it did not upgrade.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub body: String,
}

impl Client {
    /// Connects with `token=secret` and `query` appended (`"user=bob"`).
    pub async fn connect(url: &str, query: &str) -> Client {
        let url = format!("{url}&token=secret&{query}");
        Client::connect_with(&url, &[]).await.unwrap()
    }

    /// Connects to `url` exactly, with extra headers.
    pub async fn connect_with(url: &str, headers: &[(&str, &str)]) -> Result<Client, Refused> {
        let mut request = url.into_client_request().unwrap();
        for (name, value) in headers {
            request.headers_mut().insert(
                tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => Ok(Client {
                ws,
                next_ref: 0,
                timeout: RECV_TIMEOUT,
                inbox: VecDeque::new(),
            }),
            Err(tungstenite::Error::Http(response)) => Err(Refused {
                status: response.status().as_u16(),
                body: String::from_utf8_lossy(response.body().as_deref().unwrap_or_default())
                    .into_owned(),
            }),
            Err(e) => panic!("cannot connect to {url}: {e}"),
        }
    }

    /// Waits up to `timeout` for each frame from now on.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    pub fn fresh_ref(&mut self) -> String {
        self.next_ref += 1;
        self.next_ref.to_string()
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.ws.send(message).await.unwrap();
    }

    pub async fn send(&mut self, frame: Value) {
        self.send_raw(Message::text(frame.to_string())).await;
    }

    /// Sends `[join_ref, ref, topic, event, payload]` with a fresh ref.
    pub async fn push(
        &mut self,
        join_ref: Option<&str>,
        topic: &str,
        event: &str,
        payload: Value,
    ) -> String {
        let msg_ref = self.fresh_ref();
        self.send(json!([join_ref, msg_ref, topic, event, payload]))
            .await;
        msg_ref
    }

    /// Joins `topic`; returns the join_ref and the whole reply frame.
    pub async fn join(&mut self, topic: &str, params: Value) -> (String, Value) {
        let join_ref = self.fresh_ref();
        self.send(json!([join_ref, join_ref, topic, "phx_join", params]))
            .await;
        let reply = self.reply_to(&join_ref).await;
        (join_ref, reply)
    }

    /// Joins `topic` and asserts it succeeded; returns the join_ref.
    pub async fn join_ok(&mut self, topic: &str) -> String {
        let (join_ref, reply) = self.join(topic, json!({})).await;
        assert_eq!(reply[4]["status"], "ok", "join {topic}: {reply}");
        join_ref
    }

    /// Pushes an event and waits for its reply frame.
    pub async fn call(
        &mut self,
        join_ref: &str,
        topic: &str,
        event: &str,
        payload: Value,
    ) -> Value {
        let msg_ref = self.push(Some(join_ref), topic, event, payload).await;
        self.reply_to(&msg_ref).await
    }

    /// The next frame, whatever it is (frames set aside first).
    pub async fn recv(&mut self) -> Value {
        if let Some(frame) = self.inbox.pop_front() {
            return frame;
        }
        self.recv_wire().await
    }

    async fn recv_wire(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(self.timeout, self.ws.next())
                .await
                .expect("no frame from the server in time")
                .expect("the connection ended")
                .expect("the connection failed");
            match message {
                Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
                Message::Close(frame) => panic!("the server closed the connection: {frame:?}"),
                _ => {}
            }
        }
    }

    /// The first frame matching `wanted`; others are set aside for later.
    pub async fn recv_where(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.inbox.iter().position(&wanted) {
            return self.inbox.remove(i).unwrap();
        }
        loop {
            let frame = self.recv_wire().await;
            if wanted(&frame) {
                return frame;
            }
            self.inbox.push_back(frame);
        }
    }

    /// The `phx_reply` to `msg_ref`.
    pub async fn reply_to(&mut self, msg_ref: &str) -> Value {
        let msg_ref = msg_ref.to_owned();
        self.recv_where(move |f| f[1] == msg_ref.as_str() && f[3] == "phx_reply")
            .await
    }

    /// The next frame of `event` on `topic`.
    pub async fn event(&mut self, topic: &str, event: &str) -> Value {
        self.recv_where(|f| f[2] == topic && f[3] == event).await
    }

    /// Sends a heartbeat and asserts its `ok` reply.
    pub async fn heartbeat(&mut self) {
        let msg_ref = self.push(None, "phoenix", "heartbeat", json!({})).await;
        let reply = self.reply_to(&msg_ref).await;
        assert_eq!(
            reply,
            json!([null, msg_ref, "phoenix", "phx_reply", {"status": "ok", "response": {}}])
        );
    }

    /// Reads until the server closes; returns the close code and reason.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            let message = tokio::time::timeout(self.timeout, self.ws.next())
                .await
                .expect("the server did not close the connection in time");
            match message {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return (u16::from(frame.code), frame.reason.as_str().to_owned());
                }
                Some(Ok(Message::Close(None))) | None => return (1005, String::new()),
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("the connection failed before a close frame: {e}"),
            }
        }
    }

    /// Asserts that nothing arrives for `wait`.
    pub async fn assert_silent(&mut self, wait: Duration) {
        assert!(self.inbox.is_empty(), "unexpected frames: {:?}", self.inbox);
        if let Ok(Some(message)) = tokio::time::timeout(wait, self.ws.next()).await {
            panic!("expected nothing, got {message:?}");
        }
    }

    /// Every frame set aside so far, and empties the set.
    pub fn take_inbox(&mut self) -> Vec<Value> {
        self.inbox.drain(..).collect()
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }

    /// The underlying stream, for tests that read it themselves.
    pub fn into_inner(self) -> Ws {
        self.ws
    }
}

/// Counts frames per event name.
pub fn count_events(frames: &[Value]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for frame in frames {
        *counts
            .entry(frame[3].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    counts
}
