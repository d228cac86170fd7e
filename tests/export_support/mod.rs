//! Shared by the `export` tests: a real OTLP collector (rotel) in front of
//! a sink that records what reaches it, a TCP listener that never answers,
//! and helpers to run a test body in a child process.
//!
//! The collector comes from `bash scripts/install/collector.sh` (a `.venv`
//! at the repository root). Without it, collector tests fail under `CI=true`
//! and are skipped, loudly, elsewhere.

#![allow(dead_code)] // not every part is used by the tests

use std::io::{BufRead, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long to wait for data to reach the sink.
pub const SINK_WAIT: Duration = Duration::from_secs(20);

/// Telemetry is process-global, so tests that install it take turns.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn venv_python() -> PathBuf {
    repo().join(".venv/bin/python")
}

fn rotel_agent() -> PathBuf {
    repo().join(".venv/bin/rotel-agent")
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "tracewire-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind a free port")
        .port()
}

/// Whether the collector is installed; under `CI=true` its absence is a
/// failure, elsewhere a loud skip.
pub fn collector_available(test: &str) -> bool {
    let installed = venv_python().exists() && rotel_agent().exists();
    if installed {
        return true;
    }
    let message = format!(
        "the OTLP collector is not installed ({} or {} is missing): \
         run `bash scripts/install/collector.sh`",
        venv_python().display(),
        rotel_agent().display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: {message}");
    }
    // Written to stderr directly, past the test harness's output capture,
    // so the skip shows even when the test passes.
    let rule = "=".repeat(72);
    let _ = writeln!(
        std::io::stderr(),
        "\n{rule}\nSKIPPED {test}: {message}\n{rule}\n"
    );
    false
}

/// rotel receiving OTLP on loopback (gRPC and HTTP) and forwarding over
/// OTLP/HTTP to `scripts/test/otlp_sink.py`, which writes one JSON line per span
/// and per metric data point. Both processes are killed on drop.
pub struct Collector {
    pub grpc_port: u16,
    pub http_port: u16,
    sink_file: PathBuf,
    children: Vec<(&'static str, Child)>,
    dir: TempDir,
}

impl Collector {
    /// Starts the sink and rotel on free ports.
    pub fn start() -> Collector {
        Collector::start_on(free_port(), free_port())
    }

    /// Starts the sink and rotel with its receivers on these ports.
    pub fn start_on(grpc_port: u16, http_port: u16) -> Collector {
        let dir = TempDir::new("collector");
        let sink_file = dir.path().join("sink.jsonl");
        let mut collector = Collector {
            grpc_port,
            http_port,
            sink_file: sink_file.clone(),
            children: Vec::new(),
            dir,
        };

        let mut sink = Command::new(venv_python())
            .arg(repo().join("scripts/test/otlp_sink.py"))
            .arg(&sink_file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start scripts/test/otlp_sink.py");
        let stdout = sink.stdout.take().expect("sink stdout");
        collector.children.push(("otlp_sink.py", sink));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the sink did not start within 20 s");
        let sink_port: u16 = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the sink: {line:?}"));

        let log = std::fs::File::create(collector.dir.path().join("rotel.out")).unwrap();
        let rotel = Command::new(rotel_agent())
            .args(collector.rotel_args(sink_port))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start rotel-agent");
        collector.children.push(("rotel-agent", rotel));
        collector.wait_until_listening();
        collector
    }

    /// The exact rotel command line (after the program name).
    fn rotel_args(&self, sink_port: u16) -> Vec<String> {
        let dir = self.dir.path();
        vec![
            "start".into(),
            "--otlp-grpc-endpoint".into(),
            format!("127.0.0.1:{}", self.grpc_port),
            "--otlp-http-endpoint".into(),
            format!("127.0.0.1:{}", self.http_port),
            "--exporter".into(),
            "otlp".into(),
            "--otlp-exporter-endpoint".into(),
            format!("http://127.0.0.1:{sink_port}"),
            "--otlp-exporter-protocol".into(),
            "http".into(),
            "--batch-timeout".into(),
            "50ms".into(),
            "--pid-file".into(),
            dir.join("rotel.pid").display().to_string(),
            "--log-file".into(),
            dir.join("rotel.log").display().to_string(),
        ]
    }

    fn wait_until_listening(&mut self) {
        let started = Instant::now();
        loop {
            let up = |port| TcpStream::connect(("127.0.0.1", port)).is_ok();
            if up(self.grpc_port) && up(self.http_port) {
                return;
            }
            let output = self.rotel_output();
            for (name, child) in &mut self.children {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("{name} exited early ({status}):\n{output}");
                }
            }
            if started.elapsed() > Duration::from_secs(20) {
                panic!(
                    "rotel did not listen on {} and {} within 20 s:\n{}",
                    self.grpc_port,
                    self.http_port,
                    self.rotel_output()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn rotel_output(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("rotel.out")).unwrap_or_default()
    }

    pub fn http_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    pub fn grpc_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    /// Everything the sink has recorded so far.
    pub fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.sink_file)
            .unwrap_or_default()
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| serde_json::from_str(line).expect("a JSON line from the sink"))
            .collect()
    }

    pub fn spans(&self) -> Vec<Value> {
        of_type(&self.records(), "span")
    }

    pub fn metric_points(&self) -> Vec<Value> {
        of_type(&self.records(), "metric")
    }

    /// Polls the sink until `done` holds for its records, for up to
    /// [`SINK_WAIT`]; panics with everything recorded when it doesn't.
    pub fn wait_for(&self, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let records = self.records();
            if done(&records) {
                return records;
            }
            if started.elapsed() > SINK_WAIT {
                panic!(
                    "{what} did not reach the sink within {SINK_WAIT:?}; it recorded:\n{}\nrotel:\n{}",
                    records
                        .iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join("\n"),
                    self.rotel_output()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        for (_, child) in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn of_type(records: &[Value], kind: &str) -> Vec<Value> {
    records
        .iter()
        .filter(|r| r["type"] == kind)
        .cloned()
        .collect()
}

pub fn named<'a>(records: &'a [Value], name: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["name"] == name).collect()
}

pub mod black_hole;
pub mod certs;
pub mod inventory;
pub mod receiver;
pub use black_hole::BlackHole;

/// Runs `export-child CHILD` (the package's helper binary, see
/// `tests/export_support/child.rs`) with a clean environment (no `OTEL_*`
/// or `TRACEWIRE_*` variables) plus `vars`, and returns its stderr, which is
/// piped: not a terminal.
pub fn run_child(child: &str, vars: &[(&str, &str)]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_export-child"));
    command.arg(child).stdin(Stdio::null());
    for (name, _) in std::env::vars() {
        if name.starts_with("OTEL_") || name.starts_with("TRACEWIRE_") {
            command.env_remove(name);
        }
    }
    command.envs(vars.iter().copied());
    let output = command.output().expect("run the export-child binary");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "export-child {child} failed ({}):\nstdout:\n{}\nstderr:\n{stderr}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
    stderr
}
