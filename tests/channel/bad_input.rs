//! Every kind of bad input a client can send, in one table: each gets an
//! error reply, a `phx_error` on the `phoenix` topic, or a close with a
//! reason; the connection survives whatever it can survive, and the server
//! and other connections are never affected.

use crate::channel_support::{Client, serve, server};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// The frame limit of the server under test.
const MAX_FRAME: usize = 64 * 1024;

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
    frame: Message,
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
            frame: text(r#"["1","2","room:a","echo",{"#),
            expect: PhoenixError {
                details: "not JSON",
            },
        },
        Case {
            name: "JSON that is not an array",
            frame: text(r#"{"topic":"room:a","event":"echo"}"#),
            expect: PhoenixError {
                details: "expected a JSON array",
            },
        },
        Case {
            name: "an empty array",
            frame: text("[]"),
            expect: PhoenixError { details: "got 0" },
        },
        Case {
            name: "too few elements",
            frame: text(r#"["1","10","room:a","echo"]"#),
            expect: malformed("10", "expected 5 elements"),
        },
        Case {
            name: "too many elements",
            frame: text(r#"["1","11","room:a","echo",{},"extra"]"#),
            expect: malformed("11", "got 6"),
        },
        Case {
            name: "a non-string topic",
            frame: text(r#"["1","12",42,"echo",{}]"#),
            expect: PhoenixError {
                details: "topic must be a string",
            },
        },
        Case {
            name: "a non-string event",
            frame: text(r#"["1","13","room:a",7,{}]"#),
            expect: malformed("13", "event must be a string"),
        },
        Case {
            name: "an object as ref",
            frame: text(r#"["1",{"r":1},"room:a","echo",{}]"#),
            expect: PhoenixError {
                details: "ref must be",
            },
        },
        Case {
            name: "an array as join_ref",
            frame: text(r#"[[1],"14","room:a","echo",{}]"#),
            expect: malformed("14", "join_ref must be"),
        },
        Case {
            name: "a join of a topic no route matches",
            frame: text(r#"["15","15","nowhere:1","phx_join",{}]"#),
            expect: unmatched("15", "nowhere:1"),
        },
        Case {
            name: "an event for a topic not joined",
            frame: text(r#"[null,"16","room:b","echo",{}]"#),
            expect: unmatched("16", "room:b"),
        },
        Case {
            name: "an event on the phoenix topic other than heartbeat",
            frame: text(r#"[null,"17","phoenix","hello",{}]"#),
            expect: unmatched("17", "phoenix"),
        },
        Case {
            name: "an event the channel does not handle",
            frame: text(r#"["1","18","room:a","no_such_event",{}]"#),
            expect: ErrorReply {
                msg_ref: json!("18"),
                topic: "room:a",
                reason: "unknown event",
                details: None,
            },
        },
        Case {
            name: "a payload the handler cannot decode",
            frame: text(r#"["1","19","room:a","typed",{"body":5}]"#),
            expect: ErrorReply {
                msg_ref: json!("19"),
                topic: "room:a",
                reason: "invalid payload",
                details: Some("invalid type"),
            },
        },
        Case {
            name: "a malformed trace_context is dropped, the event handled",
            frame: text(
                r#"["1","20","room:a","echo",{"a":1,"trace_context":{"traceparent":"00-zz"}}]"#,
            ),
            expect: Ok {
                msg_ref: json!("20"),
                response: json!({"a": 1}),
            },
        },
        Case {
            name: "a trace_context that is not an object",
            frame: text(r#"["1","21","room:a","echo",{"a":2,"trace_context":"00-aa"}]"#),
            expect: Ok {
                msg_ref: json!("21"),
                response: json!({"a": 2}),
            },
        },
        Case {
            name: "a V2 binary push",
            frame: binary_push("1", "22", "room:a", "echo", &[0xde, 0xad]),
            expect: ErrorReply {
                msg_ref: json!("22"),
                topic: "room:a",
                reason: "binary payloads are not supported",
                details: None,
            },
        },
        Case {
            name: "a binary frame that is not a V2 push",
            frame: Message::binary(vec![0xff, 0x00, 0x13]),
            expect: PhoenixError {
                details: "binary frame",
            },
        },
        Case {
            name: "a text frame over the limit",
            frame: Message::text("x".repeat(MAX_FRAME + 1)),
            expect: Close {
                code: 1009,
                reason: "the limit is 65536 bytes",
            },
        },
        Case {
            name: "a binary frame over the limit",
            frame: Message::binary(vec![0u8; MAX_FRAME * 2]),
            expect: Close {
                code: 1009,
                reason: "message too big",
            },
        },
        Case {
            name: "a text frame that is not UTF-8",
            frame: Message::Frame(Frame::message(
                vec![b'[', 0xff, 0xfe, b']'],
                OpCode::Data(Data::Text),
                true,
            )),
            expect: Close {
                code: 1007,
                reason: "not valid UTF-8",
            },
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_bad_input_is_answered_and_harms_nothing_else() {
    let server = serve(server().max_frame_size(MAX_FRAME)).await;
    // A bystander connection, open throughout, checked after every case.
    let mut bystander = Client::connect(&server.url(), "user=bystander").await;
    let bystander_ref = bystander.join_ok("room:a").await;

    for case in cases() {
        let name = case.name;
        let mut client = Client::connect(&server.url(), "").await;
        let join_ref = client.join_ok("room:a").await;
        assert_eq!(join_ref, "1");
        client.send_raw(case.frame).await;

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
            let reply = client
                .call(&join_ref, "room:a", "echo", json!({"ok": name}))
                .await;
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
