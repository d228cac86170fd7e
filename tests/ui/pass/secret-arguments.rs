// Nothing secret is recorded by default: an argument whose name looks like
// a secret's is recorded as the mask (when its type would be recorded at
// all), a channel's connect arguments and join params are left out, and a
// long string recorded by default is cut. `record(..)` asks for any of them
// as they are.
use tracewire::prelude::*;
use tracewire::semconv::{MAX_RECORDED_STRING, REDACTED};
use tracewire::testing::TestTracing;

/// A type that is never recorded.
struct Session;

#[traced]
#[allow(clippy::too_many_arguments)]
fn login(
    user: &str,
    password: &str,
    user_password: String,
    auth_token: Option<String>,
    api_key: &str,
    session: &Session,
    session_id: u64,
    author: &str,
) {
    let _ = (user, password, user_password, auth_token, api_key, session);
    let _ = (session_id, author);
}

#[traced(record(api_key))]
fn call_partner(api_key: &str) {
    let _ = api_key;
}

struct RoomChannel;

#[traced_channel(topic = "room:*")]
impl RoomChannel {
    fn connect(token: &str, user: &str) -> bool {
        token == "valid" && !user.is_empty()
    }

    fn join(&self, topic: &str, params: String) {
        let _ = (topic, params);
    }

    #[event("message:new")]
    fn new_message(&self, body: String) {
        let _ = body;
    }
}

struct AuditChannel;

#[traced_channel(topic = "audit:*")]
impl AuditChannel {
    #[span(record(token))]
    fn connect(token: &str) -> bool {
        token == "valid"
    }

    #[span(record(params))]
    fn join(&self, topic: &str, params: String) {
        let _ = (topic, params);
    }
}

fn main() {
    let tracing = TestTracing::install();
    login(
        "ann",
        "hunter2",
        "hunter3".into(),
        Some("t0k3n".into()),
        "k3y",
        &Session,
        42,
        "bob",
    );
    call_partner("partner-key");
    assert!(RoomChannel::connect("valid", "ann"));
    RoomChannel.join("room:lobby", r#"{"token":"t0k3n"}"#.into());
    let long = "x".repeat(MAX_RECORDED_STRING * 4);
    RoomChannel.new_message(long);
    assert!(AuditChannel::connect("valid"));
    AuditChannel.join("audit:1", "since=7".into());

    let tree = tracing.tree();
    tree.span("login")
        .assert_attr("user", "ann")
        .assert_attr("password", REDACTED)
        .assert_attr("user_password", REDACTED)
        .assert_attr("auth_token", REDACTED)
        .assert_attr("api_key", REDACTED)
        .assert_no_attr("session")
        .assert_attr("session_id", REDACTED)
        .assert_attr("author", "bob");
    tree.span("call_partner").assert_attr("api_key", "partner-key");
    let connects = tree.spans_named("socket.connect");
    assert_eq!(connects.len(), 2);
    connects[0].assert_no_attr("token").assert_no_attr("user");
    connects[1].assert_attr("token", "valid");
    tree.span("room.join")
        .assert_attr("topic", "room:lobby")
        .assert_no_attr("params");
    let body = tree.span("room.handle_in message:new").attr("body").unwrap().to_string();
    assert!(body.len() <= MAX_RECORDED_STRING && body.ends_with('…'), "{body}");
    tree.span("audit.join")
        .assert_attr("topic", "audit:1")
        .assert_attr("params", "since=7");
}
