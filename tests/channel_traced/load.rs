//! Load: hundreds of WebSocket clients in one room, every one sending
//! messages that the channel broadcasts to the whole room. Every client must
//! receive every message exactly once, and every broadcast (and every
//! delivery) must be traced.
//!
//! The server runs on a runtime of its own, as it would in its own process,
//! and the clients on another: in one shared runtime the clients' tasks
//! compete with the server's for the same two worker threads, which
//! measures tokio's scheduler rather than the server.
//!
//! The figures (clients, messages, deliveries, wall time, rates) are printed
//! on stderr: `cargo test --test channel_traced load:: -- --nocapture` (add
//! `--release` for optimised figures).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::channel_support::{Client, serve, server};
use serde_json::json;
use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinSet;
use tracewire::testing::TestTracing;

const CLIENTS: usize = 500;
const MESSAGES_PER_CLIENT: usize = 4;
const TOPIC: &str = "room:load";
/// The whole exchange must finish within this (it takes about 8 s in a
/// debug build on two cores, under 2 s optimised); a lost message shows up
/// as a client still waiting at the deadline.
const DEADLINE: Duration = Duration::from_secs(60);

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn every_client_gets_every_broadcast_and_every_broadcast_is_traced() {
    let tracing = TestTracing::install();
    let server_rt = runtime();
    let client_rt = runtime();
    let server = server_rt.block_on(serve(server()));
    let url = server.url();
    let expected = CLIENTS * MESSAGES_PER_CLIENT;
    let deliveries = expected * CLIENTS;

    let (connected_in, elapsed) = client_rt.block_on(async {
        // Connect and join, all at once, as a crowd arriving.
        let connecting = Instant::now();
        let mut joins = JoinSet::new();
        for i in 0..CLIENTS {
            let url = url.clone();
            joins.spawn(async move {
                let mut client = Client::connect(&url, &format!("user=u{i}")).await;
                client.set_timeout(DEADLINE);
                let join_ref = client.join_ok(TOPIC).await;
                (i, client, join_ref)
            });
        }
        let clients = joins.join_all().await;
        assert_eq!(server.pubsub().subscriber_count(TOPIC), CLIENTS);
        let connected_in = connecting.elapsed();

        // Everyone talks at once; each reads until it has heard everyone.
        tracing.reset();
        let start = Instant::now();
        let mut talkers = JoinSet::new();
        for (i, mut client, join_ref) in clients {
            talkers.spawn(async move {
                for seq in 0..MESSAGES_PER_CLIENT {
                    let payload = json!({"from": i, "seq": seq});
                    client.push(Some(&join_ref), TOPIC, "shout", payload).await;
                }
                let mut heard = HashSet::with_capacity(expected);
                while heard.len() < expected {
                    let frame = client.recv().await;
                    assert_eq!(
                        frame[0],
                        join_ref.as_str(),
                        "not this client's join: {frame}"
                    );
                    assert_eq!(frame[3], "shout", "an unexpected frame: {frame}");
                    let from = frame[4]["from"].as_u64().unwrap();
                    let seq = frame[4]["seq"].as_u64().unwrap();
                    assert!(heard.insert((from, seq)), "client {i} got {frame} twice");
                }
                // Nothing else is on its way: the heartbeat's reply is next.
                client.heartbeat().await;
                assert!(
                    client.take_inbox().is_empty(),
                    "client {i} got extra frames"
                );
                client
            });
        }
        let clients = tokio::time::timeout(DEADLINE, talkers.join_all())
            .await
            .expect("some client never heard every message");
        let elapsed = start.elapsed();
        for client in clients {
            client.close().await;
        }
        (connected_in, elapsed)
    });

    // Every broadcast has its span, and every delivery its consumer span
    // (these end just after their frame is written: wait for the last few).
    let deadline = Instant::now() + Duration::from_secs(30);
    let (broadcasts, handle_outs) = loop {
        let spans = tracing.spans();
        let count = |name: &str| spans.iter().filter(|s| s.name == name).count();
        let counts = (count("channel.broadcast"), count("room.handle_out shout"));
        if counts == (expected, deliveries) || Instant::now() > deadline {
            break counts;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(broadcasts, expected, "every broadcast is traced");
    assert_eq!(handle_outs, deliveries, "every delivery is traced");

    let secs = elapsed.as_secs_f64();
    eprintln!(
        "channel load: {CLIENTS} clients (connected and joined in {connected_in:.2?}), \
         {expected} messages sent, {deliveries} delivered, none lost, in {elapsed:.2?}: \
         {:.0} messages/s in, {:.0} deliveries/s out; \
         {broadcasts} channel.broadcast spans, {handle_outs} room.handle_out spans",
        expected as f64 / secs,
        deliveries as f64 / secs,
    );
    server_rt.block_on(server.shutdown());
}
