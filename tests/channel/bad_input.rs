//! Every kind of bad input a client can send, in two tables: frames on an
//! open connection (each gets an error reply, a `phx_error` on the
//! `phoenix` topic, or a close with a reason), and upgrade requests (each
//! gets an HTTP status or is closed). The connection survives whatever it
//! can survive, nothing the client sent too much of is echoed back, and the
//! server and other connections are never affected.

use std::net::SocketAddr;
use std::time::Duration;

use crate::channel_support::{Client, Refused, serve, server};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// The frame limit of the server under test.
const MAX_FRAME: usize = 64 * 1024;
/// Its topic and event name limits.
const MAX_TOPIC: usize = 64;
const MAX_EVENT: usize = 32;
/// Its channels per socket: each case's client has joined `room:a`.
const MAX_CHANNELS: usize = 1;
/// Its message rate per socket, and how many messages the rate case sends
/// at once: far more than the burst.
const RATE: (u32, u32) = (20, 50);
const FLOOD: usize = 100;
/// No answer to bad input is longer than this: nothing big is echoed.
const MAX_ANSWER: usize = 512;

/// What the server must answer.
enum Expect {
    /// `phx_reply` `error` to `ref` on `topic`, with this `reason` and, if
    /// given, `details` containing the text.
    ErrorReply {
        msg_ref: Value,
        topic: &'static str,
        reason: &'static str,
        details: Option<&'static str>,
    },
    /// `phx_error` on the `phoenix` topic, details containing the text.
    PhoenixError { details: &'static str },
    /// `phx_reply` `ok` to `ref` with this response.
    Ok { msg_ref: Value, response: Value },
    /// The connection is closed with this code, the reason containing the
    /// text.
    Close { code: u16, reason: &'static str },
}

struct Case {
    name: &'static str,
    /// Sent in one go; the expectation is about the last one.
    frames: Vec<Message>,
    expect: Expect,
}

fn text(s: &str) -> Message {
    Message::text(s.to_owned())
}

/// A V2 binary push, as the `phoenix` client sends `ArrayBuffer` payloads.
fn binary_push(join_ref: &str, msg_ref: &str, topic: &str, event: &str, data: &[u8]) -> Message {
    let mut frame = vec![
        0,
        join_ref.len() as u8,
        msg_ref.len() as u8,
        topic.len() as u8,
        event.len() as u8,
    ];
    for part in [join_ref, msg_ref, topic, event] {
        frame.extend_from_slice(part.as_bytes());
    }
    frame.extend_from_slice(data);
    Message::binary(frame)
}

fn cases() -> Vec<Case> {
    use Expect::*;
    let unmatched = |msg_ref: &str, topic| ErrorReply {
        msg_ref: json!(msg_ref),
        topic,
        reason: "unmatched topic",
        details: None,
    };
    let malformed = |msg_ref: &str, details| ErrorReply {
        msg_ref: json!(msg_ref),
        topic: "room:a",
        reason: "malformed message",
        details: Some(details),
    };
    vec![
        Case {
            name: "malformed JSON",
            frames: vec![text(r#"["1","2","room:a","echo",{"#)],
            expect: PhoenixError {
                details: "not JSON",
            },
        },
        Case {
            name: "JSON that is not an array",
            frames: vec![text(r#"{"topic":"room:a","event":"echo"}"#)],
            expect: PhoenixError {
                details: "expected a JSON array",
            },
        },
        Case {
            name: "an empty array",
            frames: vec![text("[]")],
            expect: PhoenixError { details: "got 0" },
        },
        Case {
            name: "too few elements",
            frames: vec![text(r#"["1","10","room:a","echo"]"#)],
            expect: malformed("10", "expected 5 elements"),
        },
        Case {
            name: "too many elements",
            frames: vec![text(r#"["1","11","room:a","echo",{},"extra"]"#)],
            expect: malformed("11", "got 6"),
        },
        Case {
            name: "a non-string topic",
            frames: vec![text(r#"["1","12",42,"echo",{}]"#)],
            expect: PhoenixError {
                details: "topic must be a string",
            },
        },
        Case {
            name: "a non-string event",
            frames: vec![text(r#"["1","13","room:a",7,{}]"#)],
            expect: malformed("13", "event must be a string"),
        },
        Case {
            name: "an object as ref",
            frames: vec![text(r#"["1",{"r":1},"room:a","echo",{}]"#)],
            expect: PhoenixError {
                details: "ref must be",
            },
        },
        Case {
            name: "an array as join_ref",
            frames: vec![text(r#"[[1],"14","room:a","echo",{}]"#)],
            expect: malformed("14", "join_ref must be"),
        },
        Case {
            name: "a join of a topic no route matches",
            frames: vec![text(r#"["15","15","nowhere:1","phx_join",{}]"#)],
            expect: unmatched("15", "nowhere:1"),
        },
        Case {
            name: "an event for a topic not joined",
            frames: vec![text(r#"[null,"16","room:b","echo",{}]"#)],
            expect: unmatched("16", "room:b"),
        },
        Case {
            name: "an event on the phoenix topic other than heartbeat",
            frames: vec![text(r#"[null,"17","phoenix","hello",{}]"#)],
            expect: unmatched("17", "phoenix"),
        },
        Case {
            name: "an event the channel does not handle",
            frames: vec![text(r#"["1","18","room:a","no_such_event",{}]"#)],
            expect: ErrorReply {
                msg_ref: json!("18"),
                topic: "room:a",
                reason: "unknown event",
                details: None,
            },
        },
        Case {
            name: "a payload the handler cannot decode",
            frames: vec![text(r#"["1","19","room:a","typed",{"body":5}]"#)],
            expect: ErrorReply {
                msg_ref: json!("19"),
                topic: "room:a",
                reason: "invalid payload",
                details: Some("invalid type"),
            },
        },
        Case {
            name: "a malformed trace_context is dropped, the event handled",
            frames: vec![text(
                r#"["1","20","room:a","echo",{"a":1,"trace_context":{"traceparent":"00-zz"}}]"#,
            )],
            expect: Ok {
                msg_ref: json!("20"),
                response: json!({"a": 1}),
            },
        },
        Case {
            name: "a trace_context that is not an object",
            frames: vec![text(
                r#"["1","21","room:a","echo",{"a":2,"trace_context":"00-aa"}]"#,
            )],
            expect: Ok {
                msg_ref: json!("21"),
                response: json!({"a": 2}),
            },
        },
        Case {
            name: "a V2 binary push",
            frames: vec![binary_push("1", "22", "room:a", "echo", &[0xde, 0xad])],
            expect: ErrorReply {
                msg_ref: json!("22"),
                topic: "room:a",
                reason: "binary payloads are not supported",
                details: None,
            },
        },
        Case {
            name: "a binary frame that is not a V2 push",
            frames: vec![Message::binary(vec![0xff, 0x00, 0x13])],
            expect: PhoenixError {
                details: "binary frame",
            },
        },
        Case {
            name: "a text frame over the limit",
            frames: vec![Message::text("x".repeat(MAX_FRAME + 1))],
            expect: Close {
                code: 1009,
                reason: "the limit is 65536 bytes",
            },
        },
        Case {
            name: "a binary frame over the limit",
            frames: vec![Message::binary(vec![0u8; MAX_FRAME * 2])],
            expect: Close {
                code: 1009,
                reason: "message too big",
            },
        },
        Case {
            name: "a text frame that is not UTF-8",
            frames: vec![Message::Frame(Frame::message(
                vec![b'[', 0xff, 0xfe, b']'],
                OpCode::Data(Data::Text),
                true,
            ))],
            expect: Close {
                code: 1007,
                reason: "not valid UTF-8",
            },
        },
        // The limits: each answered without handling the message, and
        // without repeating what was too long.
        Case {
            name: "a join of a topic over the topic limit",
            frames: vec![text(&format!(
                r#"["30","30","room:{}","phx_join",{{}}]"#,
                "x".repeat(MAX_TOPIC)
            ))],
            // The socket answers, on `phoenix`: the topic is not repeated.
            expect: ErrorReply {
                msg_ref: json!("30"),
                topic: "phoenix",
                reason: "topic too long",
                details: Some("the limit is 64 bytes"),
            },
        },
        Case {
            name: "an event on a topic over the topic limit",
            frames: vec![text(&format!(
                r#"["1","31","room:{}","echo",{{}}]"#,
                "x".repeat(MAX_TOPIC)
            ))],
            expect: ErrorReply {
                msg_ref: json!("31"),
                topic: "phoenix",
                reason: "topic too long",
                details: Some("the limit is 64 bytes"),
            },
        },
        Case {
            name: "a malformed frame naming a topic over the topic limit",
            frames: vec![text(&format!(
                r#"["1","32","room:{}","echo"]"#,
                "x".repeat(MAX_TOPIC)
            ))],
            expect: PhoenixError {
                details: "expected 5 elements",
            },
        },
        Case {
            name: "an event name over the event limit",
            frames: vec![text(&format!(
                r#"["1","33","room:a","{}",{{}}]"#,
                "e".repeat(MAX_EVENT + 1)
            ))],
            expect: ErrorReply {
                msg_ref: json!("33"),
                topic: "room:a",
                reason: "event name too long",
                details: Some("the limit is 32 bytes"),
            },
        },
        Case {
            name: "a join over the channels-per-socket limit",
            frames: vec![text(r#"["34","34","room:b","phx_join",{}]"#)],
            expect: ErrorReply {
                msg_ref: json!("34"),
                topic: "room:b",
                reason: "too many channels",
                details: Some("the limit is 1 channels per socket"),
            },
        },
        Case {
            name: "messages over the message rate",
            frames: (0..FLOOD)
                .map(|n| text(&format!(r#"["1","f{n}","room:a","echo",{{}}]"#)))
                .collect(),
            expect: ErrorReply {
                msg_ref: json!(format!("f{}", FLOOD - 1)),
                topic: "room:a",
                reason: "rate limit exceeded",
                details: Some("the limit is 20 messages a second"),
            },
        },
    ]
}

/// Calls `echo` until it is answered `ok` (a case may have used up the
/// socket's message rate, which refills within a second).
async fn echo_ok(client: &mut Client, join_ref: &str, payload: Value) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let reply = client
            .call(join_ref, "room:a", "echo", payload.clone())
            .await;
        if reply[4]["response"]["reason"] != "rate limit exceeded" {
            return reply;
        }
        assert!(tokio::time::Instant::now() < deadline, "still rate limited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_bad_input_is_answered_and_harms_nothing_else() {
    let server = serve(
        server()
            .max_frame_size(MAX_FRAME)
            .max_topic_length(MAX_TOPIC)
            .max_event_length(MAX_EVENT)
            .max_channels(MAX_CHANNELS)
            .max_message_rate(RATE.0, RATE.1),
    )
    .await;
    // A bystander connection, open throughout, checked after every case.
    let mut bystander = Client::connect(&server.url(), "user=bystander").await;
    let bystander_ref = bystander.join_ok("room:a").await;

    for case in cases() {
        let name = case.name;
        let mut client = Client::connect(&server.url(), "").await;
        let join_ref = client.join_ok("room:a").await;
        assert_eq!(join_ref, "1");
        for frame in case.frames {
            client.send_raw(frame).await;
        }

        let closes = matches!(case.expect, Expect::Close { .. });
        match case.expect {
            Expect::ErrorReply {
                msg_ref,
                topic,
                reason,
                details,
            } => {
                let reply = client
                    .recv_where(|f| f[1] == msg_ref && f[3] == "phx_reply")
                    .await;
                assert!(reply.to_string().len() < MAX_ANSWER, "{name}: {reply}");
                assert_eq!(reply[2], topic, "{name}: {reply}");
                assert_eq!(reply[4]["status"], "error", "{name}: {reply}");
                assert_eq!(reply[4]["response"]["reason"], reason, "{name}: {reply}");
                if let Some(details) = details {
                    let got = reply[4]["response"]["details"].as_str().unwrap_or("");
                    assert!(got.contains(details), "{name}: {reply}");
                }
            }
            Expect::PhoenixError { details } => {
                let error = client
                    .recv_where(|f| f[2] == "phoenix" && f[3] == "phx_error")
                    .await;
                assert!(error.to_string().len() < MAX_ANSWER, "{name}: {error}");
                assert_eq!(error[0], Value::Null, "{name}: {error}");
                assert_eq!(error[1], Value::Null, "{name}: {error}");
                assert_eq!(error[4]["reason"], "malformed message", "{name}: {error}");
                let got = error[4]["details"].as_str().unwrap_or("");
                assert!(got.contains(details), "{name}: {error}");
            }
            Expect::Ok { msg_ref, response } => {
                let reply = client.recv_where(|f| f[1] == msg_ref).await;
                assert_eq!(
                    reply[4],
                    json!({"status": "ok", "response": response}),
                    "{name}"
                );
            }
            Expect::Close { code, reason } => {
                let (got_code, got_reason) = client.closed().await;
                assert_eq!(got_code, code, "{name}: {got_reason}");
                assert!(got_reason.contains(reason), "{name}: {got_reason}");
            }
        }

        if !closes {
            // The same connection and its channel carry on.
            client.heartbeat().await;
            let reply = echo_ok(&mut client, &join_ref, json!({"ok": name})).await;
            assert_eq!(reply[4]["response"], json!({"ok": name}), "{name}");
            client.close().await;
        }
        bystander.heartbeat().await;
        let reply = bystander
            .call(&bystander_ref, "room:a", "echo", json!({"after": name}))
            .await;
        assert_eq!(reply[4]["response"], json!({"after": name}));
    }

    // A new connection after all of it.
    let mut late = Client::connect(&server.url(), "").await;
    let join_ref = late.join_ok("room:late").await;
    let reply = late.call(&join_ref, "room:late", "echo", json!(1)).await;
    assert_eq!(reply[4]["response"], 1);
    server.shutdown().await;
}

/// What an upgrade request gets.
enum Upgrade {
    /// An HTTP response with this status, before any upgrade.
    Status(u16),
    /// The connection is closed, with no response, in time.
    Closed,
}

struct UpgradeCase {
    name: &'static str,
    /// The request as written to the socket (`{path}` is the socket path
    /// and query, `{host}` the server's address).
    request: String,
    expect: Upgrade,
}

/// The handshake timeout of the server under test, short for the test.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_millis(300);
/// Its connection limit: the bystander and one more.
const MAX_CONNECTIONS: usize = 2;

fn upgrade_cases() -> Vec<UpgradeCase> {
    use Upgrade::*;
    const UPGRADE: &str = "Upgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    // `UPGRADE` is spliced in below: these are complete requests.
    let cases = [
        (
            "an upgrade from another site's page",
            "Origin: http://evil.example\r\n",
            Status(403),
        ),
        (
            "an upgrade with Origin: null",
            "Origin: null\r\n",
            Status(403),
        ),
        (
            "an upgrade with two Origin headers",
            "Origin: http://{host}\r\nOrigin: http://{host}\r\n",
            Status(403),
        ),
        ("an upgrade over the connection limit", "", Status(503)),
    ];
    let mut out: Vec<UpgradeCase> = cases
        .into_iter()
        .map(|(name, headers, expect)| UpgradeCase {
            name,
            request: format!("GET {{path}} HTTP/1.1\r\nHost: {{host}}\r\n{UPGRADE}{headers}\r\n"),
            expect,
        })
        .collect();
    out.push(UpgradeCase {
        name: "an upgrade request whose headers never finish",
        request: "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n".to_owned(),
        expect: Closed,
    });
    out.push(UpgradeCase {
        name: "a connection that sends nothing",
        request: String::new(),
        expect: Closed,
    });
    out
}

/// Writes `request` on a new connection and reads what comes back: a
/// status, or the connection closing without one.
async fn send_upgrade(addr: SocketAddr, path: &str, request: &str) -> (Option<u16>, TcpStream) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = request
        .replace("{path}", path)
        .replace("{host}", &addr.to_string());
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    // Bounded well beyond the handshake timeout.
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => response.extend_from_slice(&buf[..n]),
            }
            if response.windows(4).any(|w| w == b"\r\n\r\n") {
                return;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no response and not closed: {request:?}");
    let status = String::from_utf8_lossy(&response)
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok());
    (status, stream)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_bad_upgrade_is_refused_or_closed_and_harms_nothing_else() {
    let server = serve(
        server()
            .handshake_timeout(HANDSHAKE_TIMEOUT)
            .max_connections(MAX_CONNECTIONS),
    )
    .await;
    let addr = server.local_addr();
    let url = server.url();
    let path = format!(
        "{}&token=secret",
        url.trim_start_matches(&format!("ws://{addr}"))
    );
    let mut bystander = Client::connect(&url, "user=bystander").await;
    let bystander_ref = bystander.join_ok("room:a").await;

    for case in upgrade_cases() {
        let name = case.name;
        let full = case.name.contains("connection limit");
        // Fill the server up to its limit for the case that needs it.
        let holder = if full {
            Some(Client::connect(&url, "").await)
        } else {
            None
        };
        let (status, _stream) = send_upgrade(addr, &path, &case.request).await;
        match case.expect {
            Upgrade::Status(expected) => assert_eq!(status, Some(expected), "{name}"),
            Upgrade::Closed => assert_eq!(status, None, "{name}"),
        }
        if let Some(holder) = holder {
            holder.close().await;
        }
        bystander.heartbeat().await;
        let reply = bystander
            .call(&bystander_ref, "room:a", "echo", json!({"after": name}))
            .await;
        assert_eq!(reply[4]["response"], json!({"after": name}), "{name}");
    }

    // A slow-loris burst: 200 half-written upgrade requests are all closed,
    // within the timeout, and the server still takes connections.
    let half_written = "GET {path} HTTP/1.1\r\nHost: {host}\r\n";
    let started = tokio::time::Instant::now();
    let attempts = (0..200).map(|_| send_upgrade(addr, &path, half_written));
    let results = futures_util::future::join_all(attempts).await;
    assert!(results.iter().all(|(status, _)| status.is_none()));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // What is allowed: a page of the server's own origin, and a client
    // that sends no Origin (as the Node client and this test's do), once a
    // place under the connection limit is free again.
    let own = format!("http://{addr}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut client = loop {
        match Client::connect_with(&format!("{url}&token=secret"), &[("origin", &own)]).await {
            Ok(client) => break client,
            Err(Refused { status: 503, .. }) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(refused) => panic!("own origin refused: {refused:?}"),
        }
    };
    let join_ref = client.join_ok("room:late").await;
    let reply = client.call(&join_ref, "room:late", "echo", json!(1)).await;
    assert_eq!(reply[4]["response"], 1);
    client.close().await;
    bystander.close().await;
    server.shutdown().await;
}
