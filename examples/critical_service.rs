//! A supervised service whose whole lifecycle is on spans: `init` and
//! `terminate` as well as its handlers.
//!
//! `critical_service.init` records its options in Debug form (what Elixir's
//! `inspect(opts)` gives). When `setup_resources` fails, `init` returns `Err`
//! (the `{:stop, reason}` an Elixir GenServer's `init/1` returns), so the
//! span ends with status Error and the supervisor refuses to start. `critical_service.terminate` records the
//! stop `reason` and the final `state`, then releases the resources.
//!
//! Both instances run under a `Supervisor`: one starts, is stopped with
//! `ActorRef::stop(StopReason::Normal)` (a transient child, so it is not
//! restarted), and its supervisor shuts down; the other never starts.
//!
//! Run with `cargo run --example critical_service`.

use std::fmt;

use tracewire::actor::supervisor::{ChildSpec, Restart, Supervisor};
use tracewire::actor::{Actor, ActorContext, ActorRef, NoMessage, StopReason};
use tracewire::prelude::*;

/// What the service is started with.
#[derive(Clone, Debug)]
pub struct ServiceOpts {
    pub database_url: &'static str,
    pub pool_size: u32,
}

/// What `setup_resources` holds on to.
#[derive(Debug)]
pub struct Resources {
    pub connections: u32,
}

#[derive(Debug)]
pub struct SetupError(pub &'static str);

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot reach {}", self.0)
    }
}

pub struct CriticalService {
    resources: Resources,
}

#[traced_actor]
impl Actor for CriticalService {
    type Args = ServiceOpts;
    type Call = NoMessage;
    type Reply = ();
    type Cast = NoMessage;
    type Info = NoMessage;

    /// Span `critical_service.init` with `opts` in Debug form; an `Err`
    /// ends it with status Error.
    #[span(fields(opts = ?opts), skip(opts))]
    async fn init(opts: ServiceOpts) -> Result<Self, StopReason> {
        match setup_resources(&opts) {
            Ok(resources) => Ok(CriticalService { resources }),
            Err(e) => Err(StopReason::error(e)),
        }
    }

    async fn handle_call(&mut self, msg: NoMessage, _ctx: &mut ActorContext<Self>) {
        match msg {}
    }

    /// Span `critical_service.terminate` with `reason` and `state`.
    #[span(fields(state = ?self.resources))]
    async fn terminate(&mut self, reason: &StopReason) {
        cleanup_resources(&mut self.resources);
    }
}

fn setup_resources(opts: &ServiceOpts) -> Result<Resources, SetupError> {
    if opts.database_url.starts_with("postgres://") {
        Ok(Resources {
            connections: opts.pool_size,
        })
    } else {
        Err(SetupError(opts.database_url))
    }
}

fn cleanup_resources(resources: &mut Resources) {
    resources.connections = 0;
}

/// A supervisor with one transient `CriticalService` child.
fn supervised(opts: ServiceOpts) -> (ChildSpec, ActorRef<CriticalService>) {
    let (spec, service) = ChildSpec::actor::<CriticalService>(opts);
    (spec.restart(Restart::Transient), service)
}

/// A service that starts and stops, then one that cannot start.
pub async fn run() {
    let good = ServiceOpts {
        database_url: "postgres://db/app",
        pool_size: 4,
    };
    let (spec, service) = supervised(good);
    let supervisor = Supervisor::builder("critical_app")
        .child(spec)
        .start()
        .await;
    let supervisor = supervisor.expect("the good service starts");
    println!("started: running = {}", service.is_running());
    service.stop(StopReason::Normal).await.expect("stops");
    let restarts = supervisor.restarts();
    println!(
        "stopped: running = {}, restarts = {restarts}",
        service.is_running()
    );
    supervisor.shutdown().await;

    let bad = ServiceOpts {
        database_url: "mysql://gone",
        pool_size: 4,
    };
    let (spec, _service) = supervised(bad);
    let refused = Supervisor::builder("critical_app")
        .child(spec)
        .start()
        .await;
    println!("second start -> {:?}\n", refused.err());
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), tracewire::InitError> {
    // With no OTLP endpoint configured, each finished trace is printed to
    // stderr as a tree; set OTEL_EXPORTER_OTLP_ENDPOINT to send it instead.
    let telemetry = tracewire::init()?;
    run().await;
    // Flushes, so the last traces are printed before the program exits.
    drop(telemetry);
    Ok(())
}
