//! A batch processed as one linked task per item, awaited, with the trace
//! context carried into every task.
//!
//! In Elixir the context is captured with `Ctx.get_current()` before
//! `Task.async` and attached inside. `TaskSupervisor::async_linked` starts
//! every task under the caller's current span, so each
//! `data_processor.process_item` is a child of `data_processor.process_batch`
//! with no extra code. Each item goes through `data_processor.transform` and,
//! nested in it, `data_processor.validate`.
//!
//! An invalid item takes the error path. Where Elixir code sets the status,
//! records the exception and raises, `validate` returns `Err` and `?`
//! carries it up: `validate`, `transform`, `process_item` and
//! `process_batch` each end with status Error and an `exception` event. (A
//! valid item leaves the status unset, OpenTelemetry's default for success,
//! rather than an explicit `set_status(:ok)`.)
//!
//! Run with `cargo run --example data_processor`.

use std::fmt;
use std::time::Duration;

use tracewire::actor::task::{TaskError, TaskSupervisor};
use tracewire::prelude::*;

/// How long each item's task is awaited (Elixir's `Task.await(&1, 30_000)`).
pub const ITEM_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Debug)]
pub struct Item {
    pub id: u64,
    pub kind: &'static str,
    pub value: i64,
}

/// An invalid item: Elixir's `{:error, :invalid_value}`.
#[derive(Debug)]
pub struct ValidationError {
    pub item_id: u64,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Validation failed: invalid_value (item {})",
            self.item_id
        )
    }
}

/// Why a batch failed: an item was invalid, or its task gave no result.
#[derive(Debug)]
pub enum BatchError {
    Invalid(ValidationError),
    Task(TaskError),
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Invalid(e) => e.fmt(f),
            BatchError::Task(e) => e.fmt(f),
        }
    }
}

/// Span `data_processor.process_batch` with `batch_size`: starts every
/// item's task, then awaits them in order, as `Enum.map(&Task.await/2)` does.
#[traced(name = "data_processor.process_batch", fields(batch_size = items.len()), skip_all)]
pub async fn process_batch(
    tasks: &TaskSupervisor,
    items: Vec<Item>,
) -> Result<Vec<Item>, BatchError> {
    let running: Vec<_> = items
        .into_iter()
        .map(|item| tasks.async_linked(process_item(item)))
        .collect();
    let mut processed = Vec::with_capacity(running.len());
    for task in running {
        let item = task.await_timeout(ITEM_TIMEOUT).await;
        processed.push(
            item.map_err(BatchError::Task)?
                .map_err(BatchError::Invalid)?,
        );
    }
    Ok(processed)
}

/// Span `data_processor.process_item` with `item_id` and `item_type`.
#[traced(
    name = "data_processor.process_item",
    fields(item_id = item.id, item_type = item.kind),
    skip(item)
)]
async fn process_item(item: Item) -> Result<Item, ValidationError> {
    transform(item)
}

/// Span `data_processor.transform`; `validate` runs inside it.
#[traced(name = "data_processor.transform", skip(item))]
fn transform(item: Item) -> Result<Item, ValidationError> {
    let transformed = Item {
        value: item.value * 2,
        ..item
    };
    validate(&transformed)?;
    Ok(transformed)
}

/// Span `data_processor.validate` with the transformed `value`.
#[traced(name = "data_processor.validate", fields(value = item.value), skip(item))]
fn validate(item: &Item) -> Result<(), ValidationError> {
    if item.value > 0 {
        Ok(())
    } else {
        Err(ValidationError { item_id: item.id })
    }
}

fn item(id: u64, kind: &'static str, value: i64) -> Item {
    Item { id, kind, value }
}

/// A good batch, then a batch whose last item is invalid.
pub async fn run() {
    let tasks = TaskSupervisor::new();
    let good = vec![item(1, "order", 5), item(2, "refund", 7)];
    let bad = vec![item(3, "order", 1), item(4, "order", -2)];
    match process_batch(&tasks, good).await {
        Ok(items) => println!("good batch -> {} items processed", items.len()),
        Err(e) => println!("good batch -> failed: {e}"),
    }
    match process_batch(&tasks, bad).await {
        Ok(items) => println!("bad batch  -> {} items processed", items.len()),
        Err(e) => println!("bad batch  -> failed: {e}"),
    }
    println!("{} tasks started\n", tasks.started());
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
