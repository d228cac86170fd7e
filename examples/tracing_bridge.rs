//! `tracing` and tracewire in one trace (tracewire's `tracing` feature).
//!
//! An HTTP-ish request span from `tracing` wraps a traced handler; inside
//! it, `tracing::info!` events land on the handler's span, and a
//! `#[tracing::instrument]`ed function and a `tracing::info_span!` become
//! its children, with their own events. `init()` installs the `tracing`
//! subscriber, so nothing else is set up: the tree printed on stderr is
//!
//! ```text
//! trace af472a45… · 4 spans · 6.53ms
//! http.request             6.53ms  ████████████████████  path="/orders"
//! └─ orders.place          6.42ms  ████████████████████  items=2 order_id=7
//!    │  · INFO placing order +25.6µs {items=2, order_id=7}
//!    ├─ inventory.reserve  6.27ms  ▐███████████████████  sku="tea-42"
//!    │     · INFO reserved +6.25ms {sku="tea-42"}
//!    │     · WARN low stock +6.26ms {left=1}
//!    └─ payment.charge     19.5µs                     ▐
//!          · INFO charged +17.6µs {amount_cents=1250}
//! ```
//!
//! With an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT) the spans go to the
//! collector instead.
//!
//! Run with `cargo run --example tracing_bridge`.

use std::time::Duration;

use tracewire::prelude::*;
use tracing::Instrument as _;

struct Orders;

#[traced_actor]
impl Orders {
    /// `orders.place`: the `info!` is an event of this span, the spans
    /// below are its children.
    async fn place(&self, order_id: u64, items: u64) -> u64 {
        tracing::info!(order_id, items, "placing order");
        reserve("tea-42").await;
        let amount_cents = 625 * items;
        tracing::info_span!("payment.charge").in_scope(|| {
            tracing::info!(amount_cents, "charged");
        });
        amount_cents
    }
}

/// Code that was instrumented with `tracing` already: its span is a child
/// of whichever span is current, here the traced handler's.
#[tracing::instrument(name = "inventory.reserve")]
async fn reserve(sku: &str) {
    tokio::time::sleep(Duration::from_millis(5)).await;
    tracing::info!(sku, "reserved");
    tracing::warn!(left = 1_u64, "low stock");
}

/// One request: a `tracing` span around the traced handler.
pub async fn run() -> u64 {
    Orders
        .place(7, 2)
        .instrument(tracing::info_span!("http.request", path = "/orders"))
        .await
}

#[tokio::main]
async fn main() -> Result<(), tracewire::InitError> {
    // Installs the exporter and, with the `tracing` feature, the global
    // `tracing` subscriber with tracewire's layer.
    let telemetry = tracewire::init()?;
    let total = run().await;
    println!("charged {total} cents");
    // Flushes, so the trace is printed before the program exits.
    drop(telemetry);
    Ok(())
}
