//! Elixir's Task patterns in plain tokio, with no `Ctx.get_current()` or
//! `Ctx.attach()`: spawn sites inside traced fns carry the context by
//! themselves.
//!
//! - `process_batch` spawns one task per item (`Task.async`) and awaits them;
//!   each item goes through nested `transform` and `validate`, and an invalid
//!   item fails with an exception recorded at every level.
//! - `generate_report` fetches three sources in parallel tasks, then compiles.
//!
//! Run with `cargo run --example tasks`.

use std::fmt;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::trace::TraceContextExt;
use tracewire::prelude::*;

#[derive(Clone, Debug)]
pub struct Item {
    pub id: u64,
    pub kind: &'static str,
    pub value: i64,
}

#[derive(Debug)]
pub struct ValidationError {
    pub item_id: u64,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "validation failed: item {} has an invalid value",
            self.item_id
        )
    }
}

/// `data_processor.process_batch`: one spawned task per item, all awaited.
#[traced(name = "data_processor.process_batch", fields(batch_size = items.len()), skip(items))]
pub async fn process_batch(items: Vec<Item>) -> Result<Vec<Item>, ValidationError> {
    let tasks: Vec<_> = items
        .into_iter()
        .map(|item| tokio::spawn(process_item(item)))
        .collect();
    let mut processed = Vec::with_capacity(tasks.len());
    for task in tasks {
        // A panicking task is a bug in this example, not a case it handles.
        processed.push(task.await.expect("item task panicked")?);
    }
    Ok(processed)
}

#[traced(
    name = "data_processor.process_item",
    fields(item_id = item.id, item_type = item.kind),
    skip(item)
)]
async fn process_item(item: Item) -> Result<Item, ValidationError> {
    tokio::time::sleep(Duration::from_millis(5 * item.id)).await;
    transform(item)
}

#[traced(name = "data_processor.transform", skip(item))]
fn transform(item: Item) -> Result<Item, ValidationError> {
    let transformed = Item {
        value: item.value * 2,
        ..item
    };
    validate(&transformed)?;
    Ok(transformed)
}

#[traced(name = "data_processor.validate", fields(value = item.value), skip(item))]
fn validate(item: &Item) -> Result<(), ValidationError> {
    if item.value > 0 {
        Ok(())
    } else {
        Err(ValidationError { item_id: item.id })
    }
}

#[derive(Debug)]
pub struct Report {
    pub user: String,
    pub page_views: u64,
    pub transactions: Vec<u64>,
}

/// `report_generator.generate`: three parallel fetches, then `compile`.
#[traced(name = "report_generator.generate")]
pub async fn generate_report(user_id: u64, report_type: &str) -> Report {
    let user = tokio::spawn(fetch_user_data(user_id));
    let analytics = tokio::spawn(fetch_analytics(user_id));
    let transactions = tokio::spawn(fetch_transactions(user_id));
    let (user, analytics, transactions) = tokio::join!(user, analytics, transactions);
    let (user, page_views, transactions) = (
        user.expect("fetch task panicked"),
        analytics.expect("fetch task panicked"),
        transactions.expect("fetch task panicked"),
    );
    compile_report(user, page_views, transactions)
}

fn event(name: &'static str, user_id: u64) {
    opentelemetry::Context::current()
        .span()
        .add_event(name, vec![KeyValue::new("user_id", user_id as i64)]);
}

#[traced(name = "report_generator.fetch_user")]
async fn fetch_user_data(user_id: u64) -> String {
    event("fetching_user_data", user_id);
    tokio::time::sleep(Duration::from_millis(50)).await;
    format!("User {user_id}")
}

#[traced(name = "report_generator.fetch_analytics")]
async fn fetch_analytics(user_id: u64) -> u64 {
    event("fetching_analytics", user_id);
    tokio::time::sleep(Duration::from_millis(100)).await;
    1000
}

#[traced(name = "report_generator.fetch_transactions")]
async fn fetch_transactions(user_id: u64) -> Vec<u64> {
    event("fetching_transactions", user_id);
    tokio::time::sleep(Duration::from_millis(75)).await;
    vec![100, 200]
}

#[traced(
    name = "report_generator.compile",
    fields(transaction_count = transactions.len(), total_page_views = page_views),
    skip_all
)]
fn compile_report(user: String, page_views: u64, transactions: Vec<u64>) -> Report {
    Report {
        user,
        page_views,
        transactions,
    }
}

/// The example's work: a good batch, a batch with an invalid item, a report.
pub async fn run() {
    let good = vec![
        Item {
            id: 1,
            kind: "order",
            value: 5,
        },
        Item {
            id: 2,
            kind: "refund",
            value: 7,
        },
    ];
    let bad = vec![
        Item {
            id: 3,
            kind: "order",
            value: 1,
        },
        Item {
            id: 4,
            kind: "order",
            value: -2,
        },
    ];
    println!(
        "process_batch(good) -> {:?}",
        process_batch(good).await.map(|v| v.len())
    );
    println!(
        "process_batch(bad)  -> {:?}",
        process_batch(bad).await.map(|v| v.len())
    );
    let report = generate_report(42, "monthly").await;
    println!("generate_report      -> {report:?}\n");
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
