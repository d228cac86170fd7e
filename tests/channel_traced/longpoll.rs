//! The LongPoll transport's protocol at the HTTP level: a session's life
//! (410 with a token, POSTed frames, polls answered 200 or 204), and the
//! edge cases: an unknown token (410), a bad body (400, nothing handled),
//! a body over the limit (413, counted), a refused origin (403), a
//! session that times out (410, counted), none of them harming the
//! session or the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tracewire::channel::ServerHandle;
use tracewire::testing::TestTracing;

use crate::channel_support::{self, RECV_TIMEOUT};

/// One HTTP/1.1 request on a connection of its own; the status and the
/// body as JSON (`Value::Null` when it is not JSON).
async fn http(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Value) {
    let (status, body, _) = http_with_head(addr, method, target, headers, body).await;
    (status, body)
}

/// As [`http`], with the response head (lowercased) too.
async fn http_with_head(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Value, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(RECV_TIMEOUT, stream.read_to_end(&mut response))
        .await
        .expect("an answer in time")
        .unwrap();
    let response = String::from_utf8_lossy(&response);
    let status = response[9..12].parse().unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        // One chunk: its size line, the data, then the last chunk.
        body.split_once("\r\n")
            .map_or("", |(_, rest)| rest)
            .rsplit_once("\r\n0\r\n")
            .map_or("", |(data, _)| data)
            .to_owned()
    } else {
        body.to_owned()
    };
    let head = head.to_ascii_lowercase();
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::Null),
        head,
    )
}

struct Session {
    /// Where requests go: any node of the cluster.
    addr: SocketAddr,
    token: String,
}

impl Session {
    /// Opens a session (`GET` without a session token).
    async fn open(server: &ServerHandle) -> Session {
        let addr = server.local_addr();
        let (status, body) = http(
            addr,
            "GET",
            "/socket/longpoll?vsn=2.0.0&token=secret&user=lp",
            &[],
            b"",
        )
        .await;
        assert_eq!((status, &body["status"]), (200, &json!(410)), "{body}");
        let token = body["token"].as_str().expect("a session token").to_owned();
        Session { addr, token }
    }

    async fn post(&self, body: &[u8]) -> (u16, Value) {
        let target = format!("/socket/longpoll?vsn=2.0.0&token={}", self.token);
        let ndjson = [("content-type", "application/x-ndjson")];
        http(self.addr, "POST", &target, &ndjson, body).await
    }

    async fn poll(&self) -> (u16, Value) {
        let target = format!("/socket/longpoll?vsn=2.0.0&token={}", self.token);
        http(self.addr, "GET", &target, &[], b"").await
    }

    /// Polls until frames come; returns them decoded.
    async fn frames(&self) -> Vec<Value> {
        let (status, body) = self.poll().await;
        assert_eq!((status, &body["status"]), (200, &json!(200)), "{body}");
        assert_eq!(body["token"], json!(self.token));
        body["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| serde_json::from_str(m.as_str().expect("each a frame's text")).unwrap())
            .collect()
    }
}

async fn serve() -> ServerHandle {
    let server = channel_support::server()
        .longpoll_window(Duration::from_millis(200))
        .max_frame_size(4096);
    channel_support::serve(server).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_joins_pushes_and_polls() {
    let tracing = TestTracing::install();
    let server = serve().await;
    let session = Session::open(&server).await;

    // Two frames in one batch, as the client sends them.
    let batch = concat!(
        r#"["1","1","room:lobby","phx_join",{}]"#,
        "\n",
        r#"["1","2","room:lobby","echo",{"n":1}]"#
    );
    assert_eq!(
        session.post(batch.as_bytes()).await,
        (200, json!({ "status": 200 }))
    );
    let mut frames = Vec::new();
    while frames.len() < 2 {
        frames.extend(session.frames().await);
    }
    assert_eq!(
        frames,
        vec![
            json!(["1", "1", "room:lobby", "phx_reply", { "status": "ok", "response": { "joined": "room:lobby" } }]),
            json!(["1", "2", "room:lobby", "phx_reply", { "status": "ok", "response": { "n": 1 } }]),
        ]
    );
    // Nothing more: the poll waits out its window.
    assert_eq!(
        session.poll().await,
        (200, json!({ "status": 204, "token": session.token }))
    );
    server.shutdown().await;

    let tree = tracing.tree();
    tree.span("socket.connect")
        .assert_attr("socket.transport", "longpoll")
        .assert_event("socket.authenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tokens_bad_bodies_and_refused_origins_are_answered_not_handled() {
    let tracing = TestTracing::install();
    let server = serve().await;
    let addr = server.local_addr();
    let session = Session::open(&server).await;

    // A token of this node that no session has: 410, no new session.
    let node = server.pubsub().node_name();
    let unknown = format!("{node}.0123456789abcdef0123456789abcdef");
    let target = format!("/socket/longpoll?vsn=2.0.0&token={unknown}");
    assert_eq!(
        http(addr, "GET", &target, &[], b"").await,
        (200, json!({ "status": 410 }))
    );
    assert_eq!(
        http(
            addr,
            "POST",
            &target,
            &[],
            b"[null,\"1\",\"phoenix\",\"heartbeat\",{}]"
        )
        .await,
        (200, json!({ "status": 410 }))
    );

    // A batch with a line that is not JSON, or a body that is not UTF-8:
    // 400, and none of it handled.
    let bad = concat!(r#"["1","1","room:lobby","phx_join",{}]"#, "\n", "not json");
    assert_eq!(
        session.post(bad.as_bytes()).await,
        (400, json!({ "status": 400 }))
    );
    assert_eq!(
        session.post(b"[\xff]").await,
        (400, json!({ "status": 400 }))
    );
    // Over the frame limit: 413, counted.
    let big = format!(
        r#"[null,"1","phoenix","heartbeat",{{"pad":"{}"}}]"#,
        "x".repeat(5000)
    );
    assert_eq!(
        session.post(big.as_bytes()).await,
        (413, json!({ "status": 413 }))
    );
    assert_eq!(tracing.limit_hits("frame_size"), 1);
    // From another site's page: 403, on every request.
    let evil = [("origin", "https://evil.example")];
    let target = format!("/socket/longpoll?vsn=2.0.0&token={}", session.token);
    assert_eq!(
        http(addr, "GET", &target, &evil, b"").await,
        (200, json!({ "status": 403 }))
    );
    assert_eq!(
        http(addr, "POST", &target, &evil, b"").await,
        (200, json!({ "status": 403 }))
    );
    // Another method: 405.
    assert_eq!(http(addr, "PUT", &target, &[], b"").await.0, 405);
    // A browser's CORS preflight: allowed from an allowed origin only.
    let preflight = [("access-control-request-headers", "content-type")];
    let (status, _, head) = http_with_head(addr, "OPTIONS", &target, &preflight, b"").await;
    assert_eq!(status, 200, "{head}");
    assert!(
        head.contains("access-control-allow-methods: get, post, options"),
        "{head}"
    );
    assert!(
        head.contains("access-control-allow-headers: content-type"),
        "{head}"
    );
    let (_, refused, _) = http_with_head(addr, "OPTIONS", &target, &evil, b"").await;
    assert_eq!(refused, json!({ "status": 403 }));

    // The session is unharmed: the heartbeat is the first frame handled.
    let heartbeat = br#"[null,"7","phoenix","heartbeat",{}]"#;
    assert_eq!(
        session.post(heartbeat).await,
        (200, json!({ "status": 200 }))
    );
    assert_eq!(
        session.frames().await,
        vec![json!([null, "7", "phoenix", "phx_reply", { "status": "ok", "response": {} }])]
    );
    // Newer clients send the token in a header; every answer may be read
    // by any page the origin check let in, and is never cached.
    assert_eq!(session.post(heartbeat).await.0, 200);
    let by_header = [("x-phoenix-longpoll-token", session.token.as_str())];
    let (status, polled, head) =
        http_with_head(addr, "GET", "/socket/longpoll?vsn=2.0.0", &by_header, b"").await;
    assert_eq!((status, &polled["status"]), (200, &json!(200)), "{polled}");
    assert!(head.contains("access-control-allow-origin: *"), "{head}");
    assert!(head.contains("cache-control: no-store"), "{head}");
    server.shutdown().await;
    // Only the one session was ever opened.
    assert_eq!(tracing.tree().spans_named("socket.connect").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_without_requests_times_out() {
    let tracing = TestTracing::install();
    let server = channel_support::server()
        .longpoll_window(Duration::from_millis(50))
        .longpoll_session_timeout(Duration::from_millis(200));
    let server = channel_support::serve(server).await;
    let session = Session::open(&server).await;
    let join = br#"["1","1","room:lobby","phx_join",{}]"#;
    assert_eq!(session.post(join).await, (200, json!({ "status": 200 })));
    assert_eq!(session.frames().await.len(), 1);

    // Nobody polls: the session ends, its channel terminates, and the
    // next poll is told it is gone.
    let deadline = tokio::time::Instant::now() + RECV_TIMEOUT;
    while server.connection_count() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the session did not time out"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(session.poll().await, (200, json!({ "status": 410 })));
    assert_eq!(tracing.limit_hits("idle_timeout"), 1);
    server.shutdown().await;
}

/// A request that lands on another node than its session's is relayed to
/// it through the adapter: a session opened on node a, then joined, pushed
/// to and polled through node b.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_to_another_node_reach_the_session_through_the_adapter() {
    let _tracing = TestTracing::install();
    let cluster = tracewire::channel::cluster::InProcess::new("lp-a");
    let node = |adapter| {
        channel_support::server()
            .adapter(adapter)
            .longpoll_window(Duration::from_millis(200))
    };
    let a = channel_support::serve(node(cluster.clone())).await;
    let b = channel_support::serve(node(cluster.node("lp-b"))).await;
    let mut session = Session::open(&a).await;
    assert!(session.token.starts_with("lp-a."), "{}", session.token);
    session.addr = b.local_addr();

    let batch = concat!(
        r#"["1","1","room:lobby","phx_join",{}]"#,
        "\n",
        r#"["1","2","room:lobby","echo",{"via":"b"}]"#
    );
    assert_eq!(
        session.post(batch.as_bytes()).await,
        (200, json!({ "status": 200 }))
    );
    let mut frames = Vec::new();
    while frames.len() < 2 {
        frames.extend(session.frames().await);
    }
    assert_eq!(
        frames[1],
        json!(["1", "2", "room:lobby", "phx_reply", { "status": "ok", "response": { "via": "b" } }])
    );
    assert_eq!(a.connection_count(), 1);
    assert_eq!(b.connection_count(), 0, "the session lives on a only");
    // Nothing more: b answers 204 when a's poll window ends.
    assert_eq!(
        session.poll().await,
        (200, json!({ "status": 204, "token": session.token }))
    );
    a.shutdown().await;
    b.shutdown().await;
}

/// A client that gave up on a poll (its request was cut) polls again: the
/// new poll replaces the old one, which is answered at once, with nothing,
/// rather than holding the frames or refusing the new poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_poll_replaces_one_still_waiting() {
    let _tracing = TestTracing::install();
    let window = Duration::from_secs(5);
    let server = channel_support::serve(channel_support::server().longpoll_window(window)).await;
    let session = Arc::new(Session::open(&server).await);
    let started = tokio::time::Instant::now();
    let mut first = tokio::spawn({
        let session = session.clone();
        async move { session.poll().await }
    });
    let mut second = tokio::spawn({
        let session = session.clone();
        async move { session.poll().await }
    });
    // Whichever came first is answered 204 before its window ends; the
    // other takes the heartbeat's reply.
    let (replaced, waiting) = tokio::select! {
        answer = &mut first => (answer.unwrap(), second),
        answer = &mut second => (answer.unwrap(), first),
    };
    assert_eq!(
        replaced,
        (200, json!({ "status": 204, "token": session.token }))
    );
    assert!(
        started.elapsed() < window,
        "the replaced poll waited its window"
    );
    let heartbeat = br#"[null,"9","phoenix","heartbeat",{}]"#;
    assert_eq!(
        session.post(heartbeat).await,
        (200, json!({ "status": 200 }))
    );
    let (status, body) = waiting.await.unwrap();
    assert_eq!((status, &body["status"]), (200, &json!(200)), "{body}");
    assert_eq!(body["messages"].as_array().map(Vec::len), Some(1), "{body}");
    server.shutdown().await;
}
