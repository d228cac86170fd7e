//! A GenServer-style `UserCache`, traced by `#[traced_actor]` instead of a
//! hand-written `with_span` per callback, plus a channel handler. Prints each
//! trace as a tree on stderr.
//!
//! Run with `cargo run --example quickstart` (the channel handler needs
//! tracewire's `channel` feature; the workspace builds its examples with
//! every feature).

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::trace::{TraceContextExt, Tracer};
use tracewire::prelude::*;

#[derive(Debug)]
struct DbError(u64);

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user {} not in the database", self.0)
    }
}

struct UserCache {
    users: HashMap<u64, String>,
}

#[traced_actor]
impl UserCache {
    /// `user_cache.get_user`, with `user_id` and `cache_size`; a miss that the
    /// database cannot fill becomes status Error with an exception event.
    #[span(fields(cache_size = self.users.len()))]
    async fn get_user(&mut self, user_id: u64) -> Result<String, DbError> {
        let cx = opentelemetry::Context::current();
        if let Some(user) = self.users.get(&user_id) {
            cx.span()
                .add_event("cache_hit", vec![KeyValue::new("user_id", user_id as i64)]);
            return Ok(user.clone());
        }
        cx.span()
            .add_event("cache_miss", vec![KeyValue::new("user_id", user_id as i64)]);
        let user = self.fetch_from_db(user_id).await?;
        self.users.insert(user_id, user.clone());
        Ok(user)
    }

    /// A nested handler: its span is a child of `get_user`'s.
    async fn fetch_from_db(&self, user_id: u64) -> Result<String, DbError> {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if user_id < 100 {
            Ok(format!("User {user_id}"))
        } else {
            Err(DbError(user_id))
        }
    }
}

struct RoomChannel;

#[traced_channel(topic = "room:*")]
impl RoomChannel {
    /// `room.handle_in message:new`; the body is recorded as a mask.
    #[event("message:new")]
    #[span(redact(body), fields(message.length = body.len()))]
    fn new_message(&self, room_id: u32, body: &str) -> usize {
        // A plain OpenTelemetry span inside a handler is its child as well.
        opentelemetry::global::tracer("chat")
            .in_span("repo.insert_message", |_| body.len() + room_id as usize)
    }
}

#[tokio::main]
async fn main() -> Result<(), tracewire::InitError> {
    // With no OTLP endpoint configured, each finished trace is printed to
    // stderr as a tree; set OTEL_EXPORTER_OTLP_ENDPOINT to send it instead.
    let telemetry = tracewire::init()?;

    let mut cache = UserCache {
        users: HashMap::new(),
    };
    let first = cache.get_user(42).await;
    let second = cache.get_user(42).await;
    let missing = cache.get_user(404).await;
    println!("get_user(42) -> {first:?}, again -> {second:?}, get_user(404) -> {missing:?}");

    let stored = RoomChannel.new_message(1, "hello");
    println!("new_message -> {stored}\n");

    // Flushes, so the last traces are printed before the program exits.
    drop(telemetry);
    Ok(())
}
