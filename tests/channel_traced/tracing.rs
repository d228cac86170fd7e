//! The spans the channel server creates (`socket.connect`,
//! `channel.broadcast`, `{name}.handle_out {event}`), how they relate to the
//! handlers' own spans, and the trust policy for client trace context.

use std::sync::Mutex;
use std::time::Duration;

use crate::channel_support::{Client, TokenAuth};
use opentelemetry::trace::{SpanId, SpanKind, TraceId};
use serde_json::{Value, json};
use tracewire::carrier::TrustPolicy;
use tracewire::channel::{
    Channel, JoinError, Outgoing, Payload, Reply, Server, ServerHandle, Socket,
};
use tracewire::prelude::*;
use tracewire::testing::{TestTracing, TraceTree};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID: &str = "00f067aa0ba902b7";

fn trace_context() -> Value {
    json!({ "traceparent": format!("00-{TRACE_ID}-{SPAN_ID}-01") })
}

/// What the handlers were given, to check that `trace_context` was removed.
static SEEN: Mutex<Vec<Value>> = Mutex::new(Vec::new());

fn seen() -> Vec<Value> {
    SEEN.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn see(value: &Value) {
    SEEN.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(value.clone());
}

/// A channel whose handlers have spans, as `#[traced_channel]` would give
/// them, written here with `#[traced]` so the test does not depend on the
/// channel macro.
struct TracedRoom;

impl Channel for TracedRoom {
    const NAME: &'static str = "traced_room";

    async fn join(
        topic: &str,
        params: Payload,
        socket: &mut Socket,
    ) -> Result<(Self, Payload), JoinError> {
        join_span(topic, params, socket).await
    }

    async fn handle_in(
        &mut self,
        event: &str,
        payload: Payload,
        socket: &mut Socket,
    ) -> Option<Reply> {
        match event {
            "echo" => echo_span(payload).await,
            "shout" => shout_span(payload, socket).await,
            "filtered" => filtered_span(payload, socket).await,
            "announce" => announce_span(payload, socket).await,
            other => Some(Reply::unknown_event(other)),
        }
    }

    fn intercepts(event: &str) -> bool {
        event == "filtered"
    }

    async fn handle_out(
        &mut self,
        _event: &str,
        payload: Payload,
        socket: &mut Socket,
    ) -> Outgoing {
        filtered_out_span(payload, socket).await
    }
}

#[traced(name = "traced_room.join", kind = server)]
async fn join_span(
    topic: &str,
    params: Payload,
    _socket: &mut Socket,
) -> Result<(TracedRoom, Payload), JoinError> {
    see(&params);
    Ok((TracedRoom, json!({ "topic": topic })))
}

#[traced(name = "traced_room.handle_in echo", kind = server)]
async fn echo_span(payload: Payload) -> Option<Reply> {
    see(&payload);
    Some(Reply::Ok(payload))
}

#[traced(name = "traced_room.handle_in shout", kind = server)]
async fn shout_span(payload: Payload, socket: &mut Socket) -> Option<Reply> {
    socket.broadcast("shout", payload).ok()?;
    None
}

#[traced(name = "traced_room.handle_in filtered", kind = server)]
async fn filtered_span(payload: Payload, socket: &mut Socket) -> Option<Reply> {
    socket.broadcast("filtered", payload).ok()?;
    None
}

#[traced(name = "traced_room.handle_in announce", kind = server)]
async fn announce_span(payload: Payload, socket: &mut Socket) -> Option<Reply> {
    for topic in payload["topics"].as_array()? {
        socket
            .pubsub()
            .broadcast(topic.as_str()?, "announcement", &payload["text"])
            .ok()?;
    }
    Some(Reply::Ok(json!({})))
}

#[traced(name = "traced_room.handle_out filtered", kind = consumer)]
async fn filtered_out_span(payload: Payload, _socket: &mut Socket) -> Outgoing {
    Outgoing::Push(payload)
}

async fn serve(policy: Option<TrustPolicy>) -> ServerHandle {
    let mut server = Server::new(TokenAuth).channel::<TracedRoom>("room:*");
    if let Some(policy) = policy {
        server = server.trust_policy(policy);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    server.serve(listener).unwrap()
}

/// Waits until `count` spans named `name` have ended, then snapshots.
pub(crate) async fn wait_spans(tracing: &TestTracing, name: &str, count: usize) -> TraceTree {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let tree = tracing.tree();
        let found = tree.spans_named(name).len();
        if found >= count {
            assert_eq!(found, count, "too many `{name}` spans\n{tree}");
            return tree;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected {count} `{name}` spans, found {found}\n{tree}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_connect_records_transport_user_agent_and_authentication_but_no_peer_address() {
    let tracing = TestTracing::install();
    let server = serve(None).await;
    let url = format!("{}&token=secret&user=bob", server.url());
    let client = Client::connect_with(&url, &[("user-agent", "test-agent/1.0")])
        .await
        .unwrap();

    let tree = wait_spans(&tracing, "socket.connect", 1).await;
    let connect = tree.span("socket.connect");
    connect
        .assert_root()
        .assert_kind(SpanKind::Server)
        .assert_attr("socket.transport", "websocket")
        .assert_attr("socket.user_agent", "test-agent/1.0")
        .assert_event_attr("socket.authenticated", "socket.id", "user_socket:bob")
        .assert_status_unset();
    // The peer address is personal data: not on the span, under any name.
    let peer = server.local_addr().ip().to_string();
    for kv in connect.data().attributes.iter() {
        assert!(
            !kv.value.to_string().contains(&peer),
            "the peer address leaked as {}",
            kv.key
        );
    }

    // A refusal: status Error, no authentication event.
    tracing.reset();
    let url = format!("{}&token=nope", server.url());
    assert_eq!(
        Client::connect_with(&url, &[]).await.err().unwrap().status,
        403
    );
    let tree = wait_spans(&tracing, "socket.connect", 1).await;
    tree.span("socket.connect")
        .assert_status_error("invalid token")
        .assert_attr("error.type", "connect_refused")
        .assert_no_event("socket.authenticated");

    client.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_is_a_producer_span_under_the_handler_and_each_delivery_a_linked_consumer_span()
{
    let tracing = TestTracing::install();
    let server = serve(None).await;
    let mut alice = Client::connect(&server.url(), "user=alice").await;
    let mut bob = Client::connect(&server.url(), "user=bob").await;
    let a = alice.join_ok("room:a").await;
    bob.join_ok("room:a").await;
    tracing.reset();

    let payload = json!({"body": "hello", "trace_context": trace_context()});
    alice.push(Some(&a), "room:a", "shout", payload).await;
    // Clients get exactly the payload: the trace context that came in was
    // removed, and the broadcast's travels beside the payload, not in it.
    for client in [&mut alice, &mut bob] {
        let frame = client.event("room:a", "shout").await;
        assert_eq!(frame[4], json!({"body": "hello"}));
    }

    let tree = wait_spans(&tracing, "traced_room.handle_out shout", 2).await;
    let payload_size = json!({"body": "hello"}).to_string().len() as i64;
    tree.span("channel.broadcast")
        .assert_parent("traced_room.handle_in shout")
        .assert_kind(SpanKind::Producer)
        .assert_attr("messaging.destination.name", "room:a")
        .assert_attr("broadcast.event", "shout")
        .assert_attr("broadcast.payload_size", payload_size)
        .assert_attr("broadcast.recipients", 2);
    for delivery in tree.spans_named("traced_room.handle_out shout") {
        delivery
            .assert_root()
            .assert_kind(SpanKind::Consumer)
            .assert_linked_to("channel.broadcast");
    }

    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intercepted_event_links_the_handlers_own_span_and_the_server_adds_none() {
    let tracing = TestTracing::install();
    let server = serve(None).await;
    let mut alice = Client::connect(&server.url(), "user=alice").await;
    let mut bob = Client::connect(&server.url(), "user=bob").await;
    let a = alice.join_ok("room:a").await;
    bob.join_ok("room:a").await;
    tracing.reset();

    alice
        .push(Some(&a), "room:a", "filtered", json!({"n": 1}))
        .await;
    alice.event("room:a", "filtered").await;
    bob.event("room:a", "filtered").await;

    let tree = wait_spans(&tracing, "traced_room.handle_out filtered", 2).await;
    for out in tree.spans_named("traced_room.handle_out filtered") {
        out.assert_root()
            .assert_kind(SpanKind::Consumer)
            .assert_linked_to("channel.broadcast");
    }
    // One broadcast, one handler span, two handle_out spans: nothing else.
    assert_eq!(tree.len(), 4, "{tree}");

    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fan_out_to_n_topics_gives_n_broadcast_spans_under_the_handler() {
    let tracing = TestTracing::install();
    let server = serve(None).await;
    let mut client = Client::connect(&server.url(), "").await;
    let join_ref = client.join_ok("room:hq").await;
    let mut listeners = Vec::new();
    for room in ["room:1", "room:2", "room:3"] {
        let mut listener = Client::connect(&server.url(), "").await;
        listener.join_ok(room).await;
        listeners.push((room, listener));
    }
    tracing.reset();

    let topics = json!(["room:1", "room:2", "room:3"]);
    let reply = client
        .call(
            &join_ref,
            "room:hq",
            "announce",
            json!({"topics": topics, "text": "hi"}),
        )
        .await;
    assert_eq!(reply[4]["status"], "ok");
    for (room, listener) in &mut listeners {
        assert_eq!(listener.event(room, "announcement").await[4], "hi");
    }

    let tree = wait_spans(&tracing, "traced_room.handle_out announcement", 3).await;
    let broadcasts = tree.spans_named("channel.broadcast");
    assert_eq!(broadcasts.len(), 3, "{tree}");
    let mut destinations = Vec::new();
    for broadcast in broadcasts {
        broadcast
            .assert_parent("traced_room.handle_in announce")
            .assert_attr("broadcast.recipients", 1);
        destinations.push(
            broadcast
                .attr("messaging.destination.name")
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(destinations, ["room:1", "room:2", "room:3"]);

    client.close().await;
    for (_, listener) in listeners {
        listener.close().await;
    }
    server.shutdown().await;
}

/// Joins and sends one event, both carrying `trace_context`; returns the
/// captured spans.
async fn join_and_echo_with_trace_context(policy: Option<TrustPolicy>) -> (TestTracing, TraceTree) {
    let tracing = TestTracing::install();
    SEEN.lock().unwrap_or_else(|e| e.into_inner()).clear();
    let server = serve(policy).await;
    let mut client = Client::connect(&server.url(), "").await;
    let (join_ref, reply) = client
        .join(
            "room:t",
            json!({"since": 1, "trace_context": trace_context()}),
        )
        .await;
    assert_eq!(reply[4]["status"], "ok");
    let reply = client
        .call(
            &join_ref,
            "room:t",
            "echo",
            json!({"body": "x", "trace_context": trace_context()}),
        )
        .await;
    // The handlers never see the trace context, whatever the policy.
    assert_eq!(reply[4]["response"], json!({"body": "x"}));
    assert_eq!(seen(), vec![json!({"since": 1}), json!({"body": "x"})]);

    let tree = wait_spans(&tracing, "traced_room.handle_in echo", 1).await;
    client.close().await;
    server.shutdown().await;
    (tracing, tree)
}

fn remote_trace() -> TraceId {
    TraceId::from_hex(TRACE_ID).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_client_trace_context_is_linked_not_adopted() {
    let (_tracing, tree) = join_and_echo_with_trace_context(None).await;
    for name in ["traced_room.join", "traced_room.handle_in echo"] {
        let span = tree.span(name).assert_root();
        let links = span.links();
        assert_eq!(links.len(), 1, "{tree}");
        assert_eq!(links[0].span_context.trace_id(), remote_trace());
        assert_eq!(
            links[0].span_context.span_id(),
            SpanId::from_hex(SPAN_ID).unwrap()
        );
        assert_ne!(span.data().span_context.trace_id(), remote_trace());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_parent_policy_continues_the_clients_trace() {
    let (_tracing, tree) = join_and_echo_with_trace_context(Some(TrustPolicy::Parent)).await;
    for name in ["traced_room.join", "traced_room.handle_in echo"] {
        let span = tree.span(name);
        assert_eq!(
            span.data().span_context.trace_id(),
            remote_trace(),
            "{tree}"
        );
        assert_eq!(
            span.data().parent_span_id,
            SpanId::from_hex(SPAN_ID).unwrap()
        );
        assert!(span.links().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ignore_policy_drops_client_trace_context() {
    let (_tracing, tree) = join_and_echo_with_trace_context(Some(TrustPolicy::Ignore)).await;
    for name in ["traced_room.join", "traced_room.handle_in echo"] {
        let span = tree.span(name).assert_root();
        assert!(span.links().is_empty(), "{tree}");
        assert_ne!(span.data().span_context.trace_id(), remote_trace());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_client_message_starts_its_own_trace() {
    let tracing = TestTracing::install();
    let server = serve(None).await;
    let mut client = Client::connect(&server.url(), "").await;
    let join_ref = client.join_ok("room:a").await;
    for n in 0..3 {
        client
            .call(&join_ref, "room:a", "echo", json!({"n": n}))
            .await;
    }
    let tree = wait_spans(&tracing, "traced_room.handle_in echo", 3).await;
    let mut traces: Vec<TraceId> = tree
        .spans_named("traced_room.handle_in echo")
        .iter()
        .map(|span| {
            span.assert_root();
            span.data().span_context.trace_id()
        })
        .collect();
    traces.push(
        tree.span("traced_room.join")
            .assert_root()
            .data()
            .span_context
            .trace_id(),
    );
    traces.push(tree.span("socket.connect").data().span_context.trace_id());
    let distinct: std::collections::HashSet<_> = traces.iter().collect();
    assert_eq!(distinct.len(), traces.len(), "{tree}");

    client.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_traceparent_header_on_the_upgrade_links_socket_connect() {
    let tracing = TestTracing::install();
    let server = serve(None).await;
    let url = format!("{}&token=secret", server.url());
    let traceparent = format!("00-{TRACE_ID}-{SPAN_ID}-01");
    let client = Client::connect_with(&url, &[("traceparent", &traceparent)])
        .await
        .unwrap();
    let tree = wait_spans(&tracing, "socket.connect", 1).await;
    let connect = tree.span("socket.connect").assert_root();
    assert_eq!(connect.links()[0].span_context.trace_id(), remote_trace());
    client.close().await;
    server.shutdown().await;
}
