//! Cross-node against single-node delivery: deliveries per second, and the
//! latency a Redis hop adds, with CLIENTS joined WebSocket clients per node
//! (500 by default) on loopback.
//!
//! Run it through `scripts/bench/cluster-bench.sh`, which starts a `redis-server`
//! of its own on a free port, builds this in release and runs it. By hand:
//!
//! ```text
//! cluster --redis redis://127.0.0.1:6379 [--clients 500] [--rounds 200] [--burst 1000]
//! ```
//!
//! Two setups, in one process, the servers on a runtime of their own and
//! the clients on another (as in the `load` test):
//!
//! - **single node**: one server (the default in-process adapter) with
//!   CLIENTS clients in `room:bench`;
//! - **two nodes**: servers A and B, each with its own Redis adapter
//!   connection, CLIENTS clients on each.
//!
//! In both, broadcasts go out from node A's `PubSub` (as a handler's would,
//! without a client in the way): ROUNDS one at a time, each waited for,
//! then BURST back to back. For each broadcast the time until the *last*
//! recipient of a group (node A's clients, node B's clients) has read it is
//! recorded; p50/p99 are over the rounds, deliveries per second are the
//! burst's deliveries over the time until the last arrived. No tracer is
//! installed: this is the cost of the transport, not of the spans.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;
use tracewire::channel::{
    Assigns, Channel, ConnectError, ConnectInfo, ConnectParams, JoinError, Payload, PubSub, Reply,
    Server, ServerHandle, Socket, SocketHandler, cluster::RedisAdapter,
};

const TOPIC: &str = "room:bench";
/// A lost delivery shows up as a wait that runs out.
const PATIENCE: Duration = Duration::from_secs(60);

struct Anyone;

impl SocketHandler for Anyone {
    async fn connect(&self, _: &ConnectParams, _: &ConnectInfo) -> Result<Assigns, ConnectError> {
        Ok(Assigns::new())
    }
}

struct Room;

impl Channel for Room {
    const NAME: &'static str = "room";

    async fn join(_: &str, _: Payload, _: &mut Socket) -> Result<(Self, Payload), JoinError> {
        Ok((Room, json!({})))
    }

    async fn handle_in(&mut self, event: &str, _: Payload, _: &mut Socket) -> Option<Reply> {
        Some(Reply::unknown_event(event))
    }
}

/// When each broadcast reached each group of clients: per broadcast, how
/// many of the group have it and when the last one read it (nanoseconds
/// since `start`).
struct Arrivals {
    start: Instant,
    clients: u64,
    count: Vec<AtomicU64>,
    last: Vec<AtomicU64>,
    /// Notified when the group's last client has a broadcast.
    complete: Vec<Notify>,
}

impl Arrivals {
    fn new(start: Instant, clients: u64, broadcasts: usize) -> Arc<Self> {
        Arc::new(Arrivals {
            start,
            clients,
            count: (0..broadcasts).map(|_| AtomicU64::new(0)).collect(),
            last: (0..broadcasts).map(|_| AtomicU64::new(0)).collect(),
            complete: (0..broadcasts).map(|_| Notify::new()).collect(),
        })
    }

    fn arrived(&self, seq: usize) {
        if seq >= self.count.len() {
            return;
        }
        let now = self.start.elapsed().as_nanos() as u64;
        self.last[seq].fetch_max(now, Ordering::Relaxed);
        if self.count[seq].fetch_add(1, Ordering::AcqRel) + 1 == self.clients {
            // A permit is kept if nobody waits yet.
            self.complete[seq].notify_one();
        }
    }

    /// Waits until every client of the group has broadcast `seq`: when the
    /// last read it, or `None` past the patience.
    async fn all(&self, seq: usize) -> Option<Duration> {
        tokio::time::timeout(PATIENCE, self.complete[seq].notified())
            .await
            .ok()?;
        Some(Duration::from_nanos(self.last[seq].load(Ordering::Relaxed)))
    }
}

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Connects `count` clients to `server`, joined to the topic, each counting
/// what it reads into `arrivals`.
async fn clients(url: String, count: usize, arrivals: Arc<Arrivals>) {
    let mut joins = JoinSet::new();
    for _ in 0..count {
        let url = url.clone();
        let arrivals = arrivals.clone();
        joins.spawn(async move {
            let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
            let join = json!(["1", "1", TOPIC, "phx_join", {}]).to_string();
            ws.send(Message::text(join)).await.unwrap();
            // The join's reply.
            while let Some(Ok(message)) = ws.next().await {
                if message.is_text() {
                    break;
                }
            }
            tokio::spawn(async move {
                while let Some(Ok(message)) = ws.next().await {
                    let Message::Text(text) = message else {
                        continue;
                    };
                    let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else {
                        continue;
                    };
                    if let Some(seq) = frame[4]["seq"].as_u64() {
                        arrivals.arrived(seq as usize);
                    }
                }
            });
        });
    }
    joins.join_all().await;
}

struct Figures {
    p50: Duration,
    p99: Duration,
    deliveries_per_second: f64,
    lost: u64,
}

/// Broadcasts `rounds` one at a time, then `burst` back to back, from
/// `pubsub`; measures `groups`' arrivals (each of `clients`).
async fn measure(
    pubsub: &PubSub,
    groups: &[&Arc<Arrivals>],
    clients: u64,
    rounds: usize,
    burst: usize,
) -> Vec<Figures> {
    let mut latencies: Vec<Vec<Duration>> = vec![Vec::new(); groups.len()];
    let mut lost = vec![0; groups.len()];
    for seq in 0..rounds {
        let sent = groups[0].start.elapsed();
        pubsub
            .broadcast(TOPIC, "bench", json!({"seq": seq}))
            .unwrap();
        for (g, group) in groups.iter().enumerate() {
            match group.all(seq).await {
                Some(last) => latencies[g].push(last.saturating_sub(sent)),
                None => lost[g] += 1,
            }
        }
    }
    let started = groups[0].start.elapsed();
    for seq in rounds..rounds + burst {
        pubsub
            .broadcast(TOPIC, "bench", json!({"seq": seq}))
            .unwrap();
    }
    let mut figures = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let mut last = started;
        for seq in rounds..rounds + burst {
            match group.all(seq).await {
                Some(at) => last = last.max(at),
                None => lost[g] += 1,
            }
        }
        let elapsed = (last - started).as_secs_f64();
        latencies[g].sort();
        let pick = |q: f64| {
            let list = &latencies[g];
            list.get(((list.len() as f64 * q) as usize).min(list.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        figures.push(Figures {
            p50: pick(0.50),
            p99: pick(0.99),
            deliveries_per_second: (burst as u64 * clients) as f64 / elapsed,
            lost: lost[g],
        });
    }
    figures
}

async fn serve(server: Server<Anyone>) -> ServerHandle {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    server.channel::<Room>("room:*").serve(listener).unwrap()
}

/// Waits until node messages cross both ways: both nodes are on Redis.
async fn linked(a: &PubSub, b: &PubSub) {
    let mut on_a = a.node_subscribe("ready");
    let mut on_b = b.node_subscribe("ready");
    let (mut a_heard, mut b_heard) = (false, false);
    let deadline = Instant::now() + PATIENCE;
    while !(a_heard && b_heard) {
        assert!(
            Instant::now() < deadline,
            "the nodes never linked through Redis"
        );
        a.node_broadcast("ready", json!({})).unwrap();
        b.node_broadcast("ready", json!({})).unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        a_heard |= on_a.try_recv().is_some();
        b_heard |= on_b.try_recv().is_some();
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let redis = arg(&args, "--redis").expect("--redis redis://127.0.0.1:PORT");
    let per_node: usize = arg(&args, "--clients").map_or(500, |n| n.parse().unwrap());
    let rounds: usize = arg(&args, "--rounds").map_or(200, |n| n.parse().unwrap());
    let burst: usize = arg(&args, "--burst").map_or(1000, |n| n.parse().unwrap());
    let total = rounds + burst;
    let clients_n = per_node as u64;
    let server_rt = runtime();
    let client_rt = runtime();

    // Single node.
    let single = server_rt.block_on(async { serve(Server::new(Anyone)).await });
    let start = Instant::now();
    let local = Arrivals::new(start, clients_n, total);
    client_rt.block_on(clients(single.url(), per_node, local.clone()));
    let pubsub = single.pubsub().clone();
    let one =
        server_rt.block_on(async { measure(&pubsub, &[&local], clients_n, rounds, burst).await });
    server_rt.block_on(single.shutdown());

    // Two nodes through Redis.
    let (a, b) = server_rt.block_on(async {
        let adapter = |node: &str| {
            RedisAdapter::new(&redis)
                .unwrap()
                .node_name(node)
                .channel("tracewire-bench")
        };
        let a = serve(Server::new(Anyone).adapter(adapter("a"))).await;
        let b = serve(Server::new(Anyone).adapter(adapter("b"))).await;
        linked(a.pubsub(), b.pubsub()).await;
        (a, b)
    });
    let start = Instant::now();
    let on_a = Arrivals::new(start, clients_n, total);
    let on_b = Arrivals::new(start, clients_n, total);
    client_rt.block_on(async {
        tokio::join!(
            clients(a.url(), per_node, on_a.clone()),
            clients(b.url(), per_node, on_b.clone())
        )
    });
    let pubsub = a.pubsub().clone();
    let two = server_rt
        .block_on(async { measure(&pubsub, &[&on_a, &on_b], clients_n, rounds, burst).await });

    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    println!(
        "{per_node} clients per node, {rounds} broadcasts one at a time, a burst of {burst}; \
         latency to the last recipient of the group"
    );
    println!("| | p50 | p99 | deliveries/s (burst) | lost |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    let rows = [
        ("single node", &one[0]),
        ("two nodes: node A's own clients", &two[0]),
        ("two nodes: node B's clients (through Redis)", &two[1]),
    ];
    for (name, f) in rows {
        println!(
            "| {name} | {} | {} | {:.0} | {} |",
            ms(f.p50),
            ms(f.p99),
            f.deliveries_per_second,
            f.lost
        );
    }
    println!(
        "added, node B vs single node: p50 {}, p99 {}",
        ms(two[1].p50.saturating_sub(one[0].p50)),
        ms(two[1].p99.saturating_sub(one[0].p99))
    );
    // Same run, same load on the server runtime: the Redis hop alone.
    println!(
        "added, node B vs node A in the same run: p50 {}, p99 {}",
        ms(two[1].p50.saturating_sub(two[0].p50)),
        ms(two[1].p99.saturating_sub(two[0].p99))
    );
    // Not shut down gracefully: the process ends.
    drop((a, b));
}
