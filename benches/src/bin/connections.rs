//! A load generator for the channel server: holds tens of thousands of
//! joined WebSocket connections on loopback, sends heartbeats, then
//! broadcasts to everyone, and reports what the server paid for it.
//!
//! Run it through `scripts/bench/connections.sh`, which raises the file limit,
//! builds and starts the `chat` example's server (release), and runs this
//! against it. By hand:
//!
//! ```text
//! connections run --urls ws://127.0.0.1:4100/socket/websocket --server-pids 1234 --clients 1000
//! ```
//!
//! What it measures, per run:
//!
//! - **RSS per connection**: the servers' `VmRSS` (from `/proc/PID/status`)
//!   once every client has joined and answered a heartbeat, minus the same
//!   before any client connected, divided by the connections;
//! - **fan-out latency**: from sending one `message:new` until the *last*
//!   recipient has it, p50 and p99 over the broadcasts sent one at a time;
//! - **deliveries per second**: a burst of broadcasts sent back to back,
//!   every recipient's copy counted, over the time until the last arrived;
//! - **CPU seconds** of the servers (and of the generator) per phase, from
//!   `/proc/PID/stat`.
//!
//! One process may hold only so many sockets (`ulimit -n`): the clients are
//! spread over worker processes (this program again, `connections worker`),
//! each binding its sockets to its own 127.0.0.x source address before
//! connecting, because the ephemeral ports of one source address run out
//! near 28 000. The coordinator talks to its workers over their stdin and
//! stdout, one line per command or report. The server may likewise be
//! several processes (one per URL and pid), each holding a share of the
//! clients; a broadcast then goes to every one of them at the same instant,
//! and its latency runs to the last recipient in any of them.
//!
//! Every client sends a heartbeat every 30 s, as the `phoenix` JavaScript
//! client does, so the server's 60 s idle timeout never closes a client
//! while the others are still connecting.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// The room every client joins.
const TOPIC: &str = "room:lobby";
/// The token recipients connect with; the chat example knows it.
const RECIPIENT_TOKEN: &str = "bob";
/// The token broadcasts are sent with: another user, so that the chat
/// example's `handle_out` (which skips a user's own messages) delivers to
/// every recipient.
const SENDER_TOKEN: &str = "alice";
/// How often each client sends a heartbeat, as the `phoenix` client does.
const KEEPALIVE: Duration = Duration::from_secs(30);
/// Connections each worker opens at once.
const CONNECTING_AT_ONCE: usize = 128;
/// How long any one phase may take before the run gives up.
const PHASE_TIMEOUT: Duration = Duration::from_secs(600);

type Ws = WebSocketStream<TcpStream>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => Options::parse(&args[1..]).and_then(coordinate),
        Some("worker") => WorkerOptions::parse(&args[1..]).and_then(work),
        _ => Err(USAGE.to_owned()),
    };
    if let Err(error) = result {
        eprintln!("connections: {error}");
        std::process::exit(1);
    }
}

const USAGE: &str = "usage:
  connections run --urls URL[,URL..] --server-pids PID[,PID..] [--clients N] [--workers W]
                  [--sources S] [--broadcasts B] [--burst K]
  connections worker --urls URL[,URL..] --clients N --source 127.0.0.X   (started by run)";

/// The coordinator's options.
#[derive(Debug)]
struct Options {
    urls: Vec<String>,
    server_pids: Vec<u32>,
    clients: usize,
    workers: usize,
    sources: usize,
    broadcasts: usize,
    burst: usize,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let flags = flags(args)?;
        let get = |name: &str| flags.get(name).map(String::as_str);
        let number = |name: &str, default: usize| -> Result<usize, String> {
            get(name).map_or(Ok(default), |v| {
                v.parse().map_err(|_| format!("--{name} {v}: not a number"))
            })
        };
        let urls: Vec<String> = get("urls")
            .ok_or("--urls is required")?
            .split(',')
            .map(str::to_owned)
            .collect();
        let server_pids = get("server-pids")
            .ok_or("--server-pids is required")?
            .split(',')
            .map(|pid| pid.parse().map_err(|_| format!("bad pid {pid}")))
            .collect::<Result<Vec<u32>, String>>()?;
        let clients = number("clients", 1_000)?;
        let workers = number("workers", clients.div_ceil(15_000))?.max(1);
        Ok(Options {
            urls,
            server_pids,
            clients,
            workers,
            sources: number("sources", workers)?.clamp(1, 250),
            broadcasts: number("broadcasts", 20)?,
            burst: number("burst", 10)?,
        })
    }
}

/// A worker's options.
#[derive(Debug)]
struct WorkerOptions {
    urls: Vec<String>,
    clients: usize,
    source: Ipv4Addr,
}

impl WorkerOptions {
    fn parse(args: &[String]) -> Result<Self, String> {
        let flags = flags(args)?;
        let get = |name: &str| flags.get(name).ok_or(format!("--{name} is required"));
        Ok(WorkerOptions {
            urls: get("urls")?.split(',').map(str::to_owned).collect(),
            clients: get("clients")?.parse().map_err(|_| "bad --clients")?,
            source: get("source")?.parse().map_err(|_| "bad --source")?,
        })
    }
}

/// `--name value` pairs.
fn flags(args: &[String]) -> Result<HashMap<String, String>, String> {
    let mut flags = HashMap::new();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let name = flag
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected {flag}\n{USAGE}"))?;
        let value = args
            .next()
            .ok_or_else(|| format!("--{name} needs a value"))?;
        flags.insert(name.to_owned(), value.clone());
    }
    Ok(flags)
}

// ---------------------------------------------------------------------------
// The coordinator

/// A worker process and its two pipes.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    reports: std::sync::mpsc::Receiver<String>,
    clients: usize,
}

impl Worker {
    fn start(index: usize, options: &Options, clients: usize) -> Result<Self, String> {
        let source = source_address(index % options.sources);
        let mut child = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
            .args(["worker", "--urls", &options.urls.join(",")])
            .args(["--clients", &clients.to_string()])
            .args(["--source", &source.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting worker {index}: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout: ChildStdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, reports) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Worker {
            child,
            stdin,
            reports,
            clients,
        })
    }

    fn command(&mut self, line: &str) -> Result<(), String> {
        writeln!(self.stdin, "{line}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("worker gone: {e}"))
    }

    /// The next report line starting with `what`.
    fn report(&self, what: &str, deadline: Instant) -> Result<Vec<String>, String> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .reports
                .recv_timeout(left)
                .map_err(|_| format!("no `{what}` report from a worker in time"))?;
            let mut words = line.split_whitespace().map(str::to_owned);
            match words.next().as_deref() {
                Some(w) if w == what => return Ok(words.collect()),
                Some("error") => return Err(format!("a worker failed: {line}")),
                _ => eprintln!("worker: {line}"),
            }
        }
    }
}

/// 127.0.0.2, 127.0.0.3, ...: the servers listen on 127.0.0.1.
fn source_address(index: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, 2 + index as u8)
}

/// Memory and CPU of a set of processes, read from /proc.
#[derive(Clone, Copy, Debug, Default)]
struct Usage {
    rss_kib: u64,
    cpu_seconds: f64,
}

fn usage(pids: &[u32]) -> Usage {
    pids.iter().fold(Usage::default(), |sum, &pid| {
        let (rss_kib, cpu_seconds) = (rss_kib(pid), cpu_seconds(pid));
        Usage {
            rss_kib: sum.rss_kib + rss_kib,
            cpu_seconds: sum.cpu_seconds + cpu_seconds,
        }
    })
}

/// `VmRSS` of `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

/// User plus system CPU time of `pid` (all its threads), in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name, in parentheses, may hold spaces: count fields after it.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here
    // (state is the first after the name).
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|t| t.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // USER_HZ, which Linux fixes at 100 for /proc on every architecture
    // that matters here.
    (ticks(11) + ticks(12)) as f64 / 100.0
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// The value at quantile `q` (0..=1) of `sorted`, nearest rank.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn coordinate(options: Options) -> Result<(), String> {
    if options.urls.len() != options.server_pids.len() {
        return Err("one server pid per URL".into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let n = options.clients;
    println!(
        "connections: {n} clients over {} worker processes and {} source addresses, \
         {} server process(es)",
        options.workers,
        options.sources.min(options.workers),
        options.urls.len()
    );

    // One sender per server process, connected first so that it counts in
    // the baseline.
    let mut senders = runtime.block_on(async {
        let mut senders = Vec::new();
        for url in &options.urls {
            let ws = connect(url, SENDER_TOKEN, None).await?;
            senders.push(ws);
        }
        Ok::<_, String>(senders)
    })?;
    std::thread::sleep(Duration::from_millis(500));
    let baseline = usage(&options.server_pids);
    println!(
        "server before: {:.1} MiB RSS, {:.2} s CPU",
        mib(baseline.rss_kib),
        baseline.cpu_seconds
    );

    let mut workers = Vec::new();
    for index in 0..options.workers {
        let share = n / options.workers + usize::from(index < n % options.workers);
        workers.push(Worker::start(index, &options, share)?);
    }
    let worker_pids: Vec<u32> = workers.iter().map(|w| w.child.id()).collect();

    // Connect and join.
    let started = Instant::now();
    for worker in &mut workers {
        worker.command("connect")?;
    }
    let deadline = Instant::now() + PHASE_TIMEOUT;
    for worker in &workers {
        let report = worker.report("connected", deadline)?;
        let connected: usize = report.first().and_then(|n| n.parse().ok()).unwrap_or(0);
        if connected != worker.clients {
            return Err(format!(
                "a worker joined {connected} of {} clients",
                worker.clients
            ));
        }
    }
    let connect_time = started.elapsed();
    println!(
        "connected and joined {n} in {connect_time:.1?} ({:.0}/s)",
        n as f64 / connect_time.as_secs_f64()
    );
    let joined = usage(&options.server_pids);

    // A heartbeat from every client.
    let started = Instant::now();
    for worker in &mut workers {
        worker.command("heartbeat")?;
    }
    let deadline = Instant::now() + PHASE_TIMEOUT;
    for worker in &workers {
        worker.report("heartbeats", deadline)?;
    }
    let heartbeat_time = started.elapsed();
    println!(
        "{n} heartbeats answered in {heartbeat_time:.1?} ({:.0}/s)",
        n as f64 / heartbeat_time.as_secs_f64()
    );
    // Let freed memory settle before reading it (the allocator returns
    // nothing to the system, but the last replies may still be queued).
    std::thread::sleep(Duration::from_secs(2));
    let idle = usage(&options.server_pids);
    let per_connection = |u: Usage| (u.rss_kib.saturating_sub(baseline.rss_kib)) as f64 / n as f64;
    println!(
        "server idle with {n} joined: {:.1} MiB RSS, {:.2} KiB per connection \
         ({:.2} KiB right after the joins)",
        mib(idle.rss_kib),
        per_connection(idle),
        per_connection(joined)
    );

    // Broadcasts one at a time: latency to the last recipient.
    let mut seq = 0u64;
    let mut latencies = Vec::with_capacity(options.broadcasts);
    let before_broadcasts = usage(&options.server_pids);
    let broadcasts_started = Instant::now();
    for _ in 0..options.broadcasts {
        let sent = now_ns();
        runtime.block_on(broadcast(&mut senders, seq))?;
        let last = last_delivery(&workers, seq)?;
        latencies.push(Duration::from_nanos(last.saturating_sub(sent) as u64));
        seq += 1;
    }
    let broadcasts_time = broadcasts_started.elapsed();
    latencies.sort();
    let after_broadcasts = usage(&options.server_pids);
    if !latencies.is_empty() {
        println!(
            "fan-out to {n}, one broadcast at a time ({} broadcasts): latency to the last \
             recipient p50 {:.1?}, p99 {:.1?}, max {:.1?}; {:.0} deliveries/s; server CPU {:.2} s",
            latencies.len(),
            quantile(&latencies, 0.5),
            quantile(&latencies, 0.99),
            latencies.last().copied().unwrap_or_default(),
            (n * latencies.len()) as f64 / broadcasts_time.as_secs_f64(),
            after_broadcasts.cpu_seconds - before_broadcasts.cpu_seconds,
        );
    }

    // A burst, back to back: deliveries per second.
    if options.burst > 0 {
        let first = seq;
        let sent = now_ns();
        for _ in 0..options.burst {
            runtime.block_on(broadcast(&mut senders, seq))?;
            seq += 1;
        }
        let mut last = 0;
        for s in first..seq {
            last = last.max(last_delivery(&workers, s)?);
        }
        let elapsed = Duration::from_nanos(last.saturating_sub(sent) as u64);
        let after_burst = usage(&options.server_pids);
        println!(
            "burst of {} broadcasts to {n}: {} deliveries in {elapsed:.2?}, {:.0} deliveries/s; \
             server CPU {:.2} s",
            options.burst,
            options.burst * n,
            (options.burst * n) as f64 / elapsed.as_secs_f64(),
            after_burst.cpu_seconds - after_broadcasts.cpu_seconds,
        );
    }

    let end = usage(&options.server_pids);
    let generator = usage(&worker_pids);
    println!(
        "server at the end: {:.1} MiB RSS ({:.2} KiB per connection), {:.2} s CPU in all \
         ({:.2} s for the connections, {:.2} s for the heartbeats); generator workers {:.2} s CPU, \
         {:.1} MiB RSS",
        mib(end.rss_kib),
        per_connection(end),
        end.cpu_seconds - baseline.cpu_seconds,
        joined.cpu_seconds - baseline.cpu_seconds,
        idle.cpu_seconds - joined.cpu_seconds,
        generator.cpu_seconds,
        mib(generator.rss_kib),
    );
    // One line for scripts: the figures above, space-separated.
    println!(
        "RESULT clients={n} servers={} rss_per_connection_kib={:.2} p50_ms={:.2} p99_ms={:.2} \
         server_cpu_s={:.2}",
        options.urls.len(),
        per_connection(idle),
        quantile(&latencies, 0.5).as_secs_f64() * 1e3,
        quantile(&latencies, 0.99).as_secs_f64() * 1e3,
        end.cpu_seconds - baseline.cpu_seconds,
    );

    for worker in &mut workers {
        let _ = worker.command("quit");
    }
    for mut worker in workers {
        let _ = worker.child.wait();
    }
    runtime.block_on(async {
        for mut sender in senders {
            let _ = sender.close(None).await;
        }
    });
    Ok(())
}

/// Sends broadcast `seq` from every sender, at once.
async fn broadcast(senders: &mut [Ws], seq: u64) -> Result<(), String> {
    for sender in senders.iter_mut() {
        let frame =
            json!(["1", format!("m{seq}"), TOPIC, "message:new", {"body": format!("b{seq}")}]);
        sender
            .send(Message::text(frame.to_string()))
            .await
            .map_err(|e| format!("sending broadcast {seq}: {e}"))?;
    }
    Ok(())
}

/// When the last recipient (in any worker) got broadcast `seq`, in ns
/// since the epoch.
fn last_delivery(workers: &[Worker], seq: u64) -> Result<u128, String> {
    let deadline = Instant::now() + PHASE_TIMEOUT;
    let mut last = 0u128;
    for worker in workers {
        let report = worker.report("delivered", deadline)?;
        let (Some(got), Some(at)) = (report.first(), report.get(1)) else {
            return Err("a malformed delivery report".into());
        };
        if got.parse::<u64>().ok() != Some(seq) {
            return Err(format!("expected broadcast {seq}, a worker reported {got}"));
        }
        last = last.max(at.parse().map_err(|_| "a malformed time")?);
    }
    Ok(last)
}

// ---------------------------------------------------------------------------
// A worker

/// What a worker's clients share: delivery and heartbeat counts.
struct Tally {
    clients: usize,
    heartbeats: AtomicUsize,
    /// Per broadcast: recipients so far and the latest arrival.
    deliveries: Mutex<HashMap<u64, (usize, u128)>>,
    out: Mutex<std::io::Stdout>,
}

impl Tally {
    fn say(&self, line: &str) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    fn delivered(&self, seq: u64, at: u128) {
        let mut deliveries = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = deliveries.entry(seq).or_insert((0, 0));
        entry.0 += 1;
        entry.1 = entry.1.max(at);
        if entry.0 == self.clients {
            let last = entry.1;
            deliveries.remove(&seq);
            drop(deliveries);
            self.say(&format!("delivered {seq} {last}"));
        }
    }

    fn heartbeat_answered(&self) {
        if self.heartbeats.fetch_add(1, Ordering::AcqRel) + 1 == self.clients {
            self.say("heartbeats");
        }
    }
}

fn work(options: WorkerOptions) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (commands_tx, mut commands) = mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if commands_tx.send(line).is_err() {
                break;
            }
        }
    });
    let tally = Arc::new(Tally {
        clients: options.clients,
        heartbeats: AtomicUsize::new(0),
        deliveries: Mutex::new(HashMap::new()),
        out: Mutex::new(std::io::stdout()),
    });
    runtime.block_on(async move {
        let (heartbeat_tx, heartbeat_rx) = watch::channel(0u64);
        let (quit_tx, quit_rx) = watch::channel(false);
        let mut clients = Vec::new();
        while let Some(command) = commands.recv().await {
            match command.as_str() {
                "connect" => {
                    let start = |ws| {
                        tokio::spawn(client(
                            ws,
                            tally.clone(),
                            heartbeat_rx.clone(),
                            quit_rx.clone(),
                        ))
                    };
                    match connect_all(&options, start).await {
                        Ok(started) => {
                            tally.say(&format!("connected {}", started.len()));
                            clients.extend(started);
                        }
                        Err(error) => tally.say(&format!("error {error}")),
                    }
                }
                "heartbeat" => {
                    heartbeat_tx.send_modify(|round| *round += 1);
                }
                "quit" => break,
                other => tally.say(&format!("error unknown command {other}")),
            }
        }
        quit_tx.send_replace(true);
        for client in clients {
            let _ = client.await;
        }
    });
    Ok(())
}

/// Opens and joins every client of this worker, a few at a time, and
/// `start`s each as soon as it has joined (so that it keeps itself alive
/// while the others connect).
async fn connect_all(
    options: &WorkerOptions,
    start: impl Fn(Ws) -> JoinHandle<()>,
) -> Result<Vec<JoinHandle<()>>, String> {
    let gate = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let mut joins = tokio::task::JoinSet::new();
    for i in 0..options.clients {
        let url = options.urls[i % options.urls.len()].clone();
        let source = options.source;
        let gate = gate.clone();
        joins.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let mut last_error = String::new();
            // A crowd arriving at once can overflow the listen backlog;
            // a refused client tries again, as a browser would.
            for attempt in 0..5 {
                match connect(&url, RECIPIENT_TOKEN, Some(source)).await {
                    Ok(ws) => return Ok(ws),
                    Err(error) => last_error = error,
                }
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
            }
            Err(last_error)
        });
    }
    let mut started = Vec::with_capacity(options.clients);
    while let Some(joined) = joins.join_next().await {
        started.push(start(joined.map_err(|e| e.to_string())??));
    }
    Ok(started)
}

/// Clients keep their buffers small: tens of thousands share this machine
/// with the server.
fn client_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
}

/// Connects (from `source`, if given) and joins [`TOPIC`].
async fn connect(url: &str, token: &str, source: Option<Ipv4Addr>) -> Result<Ws, String> {
    let url = format!("{url}?vsn=2.0.0&token={token}");
    let authority = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("not a ws:// URL: {url}"))?;
    let server: SocketAddr = authority
        .parse()
        .map_err(|_| format!("not an IP address and port: {authority}"))?;
    let socket = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    if let Some(source) = source {
        socket
            .bind(SocketAddr::new(IpAddr::V4(source), 0))
            .map_err(|e| format!("binding {source}: {e}"))?;
    }
    let stream = socket
        .connect(server)
        .await
        .map_err(|e| format!("connecting to {server}: {e}"))?;
    let (mut ws, _) =
        tokio_tungstenite::client_async_with_config(url.as_str(), stream, Some(client_config()))
            .await
            .map_err(|e| format!("upgrading: {e}"))?;
    let join = json!(["1", "1", TOPIC, "phx_join", {}]);
    ws.send(Message::text(join.to_string()))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(60), ws.next())
            .await
            .map_err(|_| "no join reply in 60 s")?
            .ok_or("closed before the join reply")?
            .map_err(|e| e.to_string())?;
        let Message::Text(text) = frame else { continue };
        let value: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        if value[1] == "1" && value[3] == "phx_reply" {
            return match value[4]["status"].as_str() {
                Some("ok") => Ok(ws),
                _ => Err(format!("join refused: {value}")),
            };
        }
    }
}

/// One client: reads everything, records broadcasts, answers heartbeat
/// rounds, and keeps itself alive.
async fn client(
    mut ws: Ws,
    tally: Arc<Tally>,
    mut heartbeats: watch::Receiver<u64>,
    mut quit: watch::Receiver<bool>,
) {
    let mut keepalive = tokio::time::interval(KEEPALIVE);
    keepalive.tick().await;
    let mut next_ref = 1u64;
    loop {
        tokio::select! {
            _ = quit.changed() => break,
            changed = heartbeats.changed() => {
                if changed.is_err() {
                    break;
                }
                next_ref += 1;
                let frame = json!([null, format!("hb{next_ref}"), "phoenix", "heartbeat", {}]);
                if ws.send(Message::text(frame.to_string())).await.is_err() {
                    break;
                }
            }
            _ = keepalive.tick() => {
                next_ref += 1;
                let frame = json!([null, format!("k{next_ref}"), "phoenix", "heartbeat", {}]);
                if ws.send(Message::text(frame.to_string())).await.is_err() {
                    break;
                }
            }
            frame = ws.next() => {
                let Some(Ok(Message::Text(text))) = frame else {
                    match frame {
                        Some(Ok(_)) => continue,
                        _ => break,
                    }
                };
                let at = now_ns();
                let Ok(value) = serde_json::from_str::<Value>(&text) else { continue };
                match value[3].as_str() {
                    Some("message:new") => {
                        let seq = value[4]["body"]
                            .as_str()
                            .and_then(|body| body.strip_prefix('b'))
                            .and_then(|seq| seq.parse().ok());
                        if let Some(seq) = seq {
                            tally.delivered(seq, at);
                        }
                    }
                    Some("phx_reply") if value[1].as_str().is_some_and(|r| r.starts_with("hb")) => {
                        tally.heartbeat_answered();
                    }
                    _ => {}
                }
            }
        }
    }
    let _ = ws.close(None).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(quantile(&sorted, 0.5), Duration::from_millis(50));
        assert_eq!(quantile(&sorted, 0.99), Duration::from_millis(99));
        assert_eq!(quantile(&sorted[..1], 0.99), Duration::from_millis(1));
        assert_eq!(quantile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn reads_cpu_and_memory_of_this_process() {
        let me = std::process::id();
        assert!(rss_kib(me) > 0);
        assert!(cpu_seconds(me) >= 0.0);
    }
}
