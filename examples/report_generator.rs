//! A report built from three supervised fetches in parallel, then a compile
//! step.
//!
//! Elixir's `Task.Supervisor.async` becomes `TaskSupervisor::async_linked`,
//! which starts each task under the caller's span, so the
//! `Ctx.get_current()`/`Ctx.attach()` pair an Elixir task needs is not
//! needed. The trace:
//!
//! ```text
//! report_generator.generate
//!   report_generator.fetch_user          • fetching_user_data
//!   report_generator.fetch_analytics     • fetching_analytics
//!   report_generator.fetch_transactions  • fetching_transactions
//!   report_generator.compile
//! ```
//!
//! The three fetches overlap in time (50, 100 and 75 ms, about 100 ms in
//! all), and `compile` starts once all three are done.
//!
//! Run with `cargo run --example report_generator`.

use std::time::{Duration, SystemTime};

use opentelemetry::KeyValue;
use opentelemetry::trace::TraceContextExt;
use tracewire::actor::task::{TaskError, TaskSupervisor};
use tracewire::prelude::*;

/// How long each fetch is awaited (Elixir's `Task.await(&1, 10_000)`).
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct UserData {
    pub id: u64,
    pub name: String,
}

#[derive(Debug)]
pub struct Analytics {
    pub page_views: u64,
    pub sessions: u64,
}

#[derive(Debug)]
pub struct Transaction {
    pub amount: u64,
}

#[derive(Debug)]
pub struct Report {
    pub user: UserData,
    pub analytics: Analytics,
    pub transactions: Vec<Transaction>,
    pub generated_at: SystemTime,
}

/// Span `report_generator.generate` with `user_id` and `report_type`.
#[traced(name = "report_generator.generate", skip(tasks))]
pub async fn generate_report(
    tasks: &TaskSupervisor,
    user_id: u64,
    report_type: &str,
) -> Result<Report, TaskError> {
    // All three start now and run while we wait for the first.
    let user = tasks.async_linked(fetch_user_data(user_id));
    let analytics = tasks.async_linked(fetch_analytics(user_id));
    let transactions = tasks.async_linked(fetch_transactions(user_id));
    let user = user.await_timeout(FETCH_TIMEOUT).await?;
    let analytics = analytics.await_timeout(FETCH_TIMEOUT).await?;
    let transactions = transactions.await_timeout(FETCH_TIMEOUT).await?;
    Ok(compile_report(user, analytics, transactions))
}

/// Adds an event with `user_id` to the current span.
fn event(name: &'static str, user_id: u64) {
    opentelemetry::Context::current()
        .span()
        .add_event(name, vec![KeyValue::new("user_id", user_id as i64)]);
}

#[traced(name = "report_generator.fetch_user", skip_all)]
async fn fetch_user_data(user_id: u64) -> UserData {
    event("fetching_user_data", user_id);
    tokio::time::sleep(Duration::from_millis(50)).await;
    UserData {
        id: user_id,
        name: format!("User {user_id}"),
    }
}

#[traced(name = "report_generator.fetch_analytics", skip_all)]
async fn fetch_analytics(user_id: u64) -> Analytics {
    event("fetching_analytics", user_id);
    tokio::time::sleep(Duration::from_millis(100)).await;
    Analytics {
        page_views: 1000,
        sessions: 50,
    }
}

#[traced(name = "report_generator.fetch_transactions", skip_all)]
async fn fetch_transactions(user_id: u64) -> Vec<Transaction> {
    event("fetching_transactions", user_id);
    tokio::time::sleep(Duration::from_millis(75)).await;
    vec![Transaction { amount: 100 }, Transaction { amount: 200 }]
}

/// Span `report_generator.compile` with `transaction_count` and
/// `total_page_views`.
#[traced(
    name = "report_generator.compile",
    fields(transaction_count = transactions.len(), total_page_views = analytics.page_views),
    skip_all
)]
fn compile_report(user: UserData, analytics: Analytics, transactions: Vec<Transaction>) -> Report {
    Report {
        user,
        analytics,
        transactions,
        generated_at: SystemTime::now(),
    }
}

/// Generates one monthly report for user 42.
pub async fn run() {
    let tasks = TaskSupervisor::new();
    let report = generate_report(&tasks, 42, "monthly")
        .await
        .expect("fetched");
    let total: u64 = report.transactions.iter().map(|t| t.amount).sum();
    println!(
        "report for {} (user {}): {} page views in {} sessions, {} transactions totalling {total}\n",
        report.user.name,
        report.user.id,
        report.analytics.page_views,
        report.analytics.sessions,
        report.transactions.len(),
    );
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
