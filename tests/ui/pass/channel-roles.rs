// A `#[traced_channel]` impl with every role: `connect`, `join`, `handle_in`,
// `#[event(..)]` methods, `handle_out`, `#[handle_out(..)]` methods,
// `terminate` and a plain method, each with its default name and kind.
use opentelemetry::trace::SpanKind;
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

struct Socket {
    user_id: u64,
}

#[derive(Debug, PartialEq)]
struct Refused(&'static str);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused: {}", self.0)
    }
}

struct RoomChannel {
    members: Vec<u64>,
}

#[traced_channel(topic = "room:*")]
impl RoomChannel {
    fn connect(token: &str) -> Result<Socket, Refused> {
        if token == "valid" {
            return Ok(Socket { user_id: 7 });
        }
        Err(Refused("bad token"))
    }

    async fn join(&mut self, topic: &str, socket: &Socket) -> Result<(), Refused> {
        tokio::task::yield_now().await;
        if topic == "room:lobby" {
            self.members.push(socket.user_id);
            Ok(())
        } else {
            Err(Refused("private room"))
        }
    }

    fn handle_in(&self, event: &str, payload: String) {
        let _ = (event, payload);
    }

    #[event("message:new")]
    async fn new_message(&self, body: String, socket: &Socket) -> usize {
        tokio::task::yield_now().await;
        let _ = socket;
        body.len()
    }

    #[event("typing")]
    fn typing(&self) {}

    fn handle_out(&self, event: &str) {
        let _ = event;
    }

    #[handle_out("message:new")]
    fn push_message(&self, recipient: u64) -> bool {
        self.members.contains(&recipient)
    }

    fn terminate(&mut self, reason: &str) {
        let _ = reason;
        self.members.clear();
    }

    fn member_count(&self) -> usize {
        self.members.len()
    }
}

struct LobbyChannel;

// No topic: the name comes from the type, less its `Channel` suffix.
#[traced_channel]
impl LobbyChannel {
    #[event("ping")]
    fn ping(&self) {}
}

// An explicit name wins over the topic.
#[traced_channel(name = "chat", topic = "chat:*")]
impl LobbyChannel {
    fn join(&self) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();
    let mut channel = RoomChannel { members: vec![] };
    let socket = RoomChannel::connect("valid").expect("valid token");
    assert_eq!(
        RoomChannel::connect("forged").err(),
        Some(Refused("bad token"))
    );
    channel.join("room:lobby", &socket).await.expect("joined");
    assert!(channel.join("room:vip", &socket).await.is_err());
    channel.handle_in("custom", "{}".into());
    assert_eq!(channel.new_message("hi".into(), &socket).await, 2);
    channel.typing();
    channel.handle_out("custom");
    assert!(channel.push_message(7));
    assert_eq!(channel.member_count(), 1);
    channel.terminate("left");
    LobbyChannel.ping();
    LobbyChannel.join();

    let tree = tracing.tree();
    let connects = tree.spans_named("socket.connect");
    assert_eq!(connects.len(), 2);
    connects[0]
        .assert_kind(SpanKind::Server)
        .assert_status_unset();
    connects[1].assert_status_error("refused: bad token");
    let joins = tree.spans_named("room.join");
    joins[0]
        .assert_kind(SpanKind::Server)
        .assert_attr("topic", "room:lobby")
        .assert_status_unset();
    joins[1].assert_status_error("refused: private room");
    tree.span("room.handle_in")
        .assert_kind(SpanKind::Server)
        .assert_attr("event", "custom");
    tree.span("room.handle_in message:new")
        .assert_kind(SpanKind::Server)
        .assert_attr("body", "hi");
    tree.span("room.handle_in typing")
        .assert_kind(SpanKind::Server);
    tree.span("room.handle_out").assert_kind(SpanKind::Consumer);
    tree.span("room.handle_out message:new")
        .assert_kind(SpanKind::Consumer)
        .assert_attr("recipient", 7i64);
    tree.span("room.terminate")
        .assert_kind(SpanKind::Internal)
        .assert_attr("reason", "left");
    tree.span("room.member_count")
        .assert_kind(SpanKind::Internal);
    tree.span("lobby.handle_in ping")
        .assert_kind(SpanKind::Server);
    tree.span("chat.join").assert_kind(SpanKind::Server);
}
