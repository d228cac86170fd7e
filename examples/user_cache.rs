//! A GenServer-style user cache as a traced actor, with a client API of
//! calls and casts.
//!
//! An Elixir GenServer wraps every client function and every callback in
//! `Tracer.with_span` by hand. Here `#[traced_actor]` writes those spans, and
//! the actor runtime joins them: each `ActorRef::call` is a CLIENT span
//! `user_cache.call get_user` whose child is the SERVER span
//! `user_cache.handle_call get_user`, and each `ActorRef::cast` is a
//! PRODUCER span `user_cache.cast refresh` whose child is the CONSUMER span
//! `user_cache.handle_cast refresh`. The span kinds say what a hand-set
//! `call_type` sync/async attribute would.
//!
//! The trace shows a cache miss (with the nested ~10 ms
//! `user_cache.fetch_from_db`), a hit for the same user, then a refresh.
//!
//! Run with `cargo run --example user_cache`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use opentelemetry::KeyValue;
use opentelemetry::trace::TraceContextExt;
use tracewire::actor::{self, Actor, ActorContext, ActorRef, CallError, NoMessage, StopReason};
use tracewire::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: u64,
    pub name: String,
}

/// The cache's start options: `ttl` defaults to 3600 seconds.
#[derive(Clone, Debug, Default)]
pub struct CacheOpts {
    pub ttl: Option<u64>,
}

pub struct UserCache {
    /// Each user with when it was fetched.
    users: HashMap<u64, (User, Instant)>,
    /// How long an entry counts as fresh.
    ttl: Duration,
}

#[derive(Message, Debug)]
pub enum CacheCall {
    GetUser {
        #[message(attr)]
        user_id: u64,
    },
}

#[derive(Message, Debug)]
pub enum CacheCast {
    Refresh {
        #[message(attr)]
        user_id: u64,
    },
}

#[traced_actor]
impl Actor for UserCache {
    type Args = CacheOpts;
    type Call = CacheCall;
    type Reply = User;
    type Cast = CacheCast;
    type Info = NoMessage;

    /// Span `user_cache.init` with the effective `ttl`.
    #[span(fields(ttl = opts.ttl.unwrap_or(3600)))]
    async fn init(opts: CacheOpts) -> Result<Self, StopReason> {
        let ttl = Duration::from_secs(opts.ttl.unwrap_or(3600));
        Ok(UserCache {
            users: HashMap::new(),
            ttl,
        })
    }

    /// Span `user_cache.handle_call get_user` with `user_id` (from the
    /// message) and `cache_size`, and a `cache_hit` event (an entry younger
    /// than `ttl`) or a `cache_miss` event.
    #[span(fields(cache_size = self.users.len()))]
    async fn handle_call(&mut self, msg: CacheCall, _ctx: &mut ActorContext<Self>) -> User {
        let CacheCall::GetUser { user_id } = msg;
        if let Some((user, fetched)) = self.users.get(&user_id)
            && fetched.elapsed() < self.ttl
        {
            event("cache_hit", user_id);
            return user.clone();
        }
        event("cache_miss", user_id);
        let user = fetch_user_from_db(user_id).await;
        self.users.insert(user_id, (user.clone(), Instant::now()));
        user
    }

    /// Span `user_cache.handle_cast refresh`, a child of the cast's span.
    async fn handle_cast(&mut self, msg: CacheCast, _ctx: &mut ActorContext<Self>) {
        let CacheCast::Refresh { user_id } = msg;
        let user = fetch_user_from_db(user_id).await;
        self.users.insert(user_id, (user, Instant::now()));
    }
}

fn event(name: &'static str, user_id: u64) {
    opentelemetry::Context::current()
        .span()
        .add_event(name, vec![KeyValue::new("user_id", user_id as i64)]);
}

/// Span `user_cache.fetch_from_db`, nested in whichever handler missed.
#[traced(name = "user_cache.fetch_from_db")]
async fn fetch_user_from_db(user_id: u64) -> User {
    tokio::time::sleep(Duration::from_millis(10)).await;
    User {
        id: user_id,
        name: format!("User {user_id}"),
    }
}

/// Client API, like a GenServer's `get_user/1`: a synchronous call.
pub async fn get_user(cache: &ActorRef<UserCache>, user_id: u64) -> Result<User, CallError> {
    cache.call(CacheCall::GetUser { user_id }).await
}

/// Client API, like a GenServer's `refresh_user/1`: an asynchronous cast.
pub async fn refresh_user(cache: &ActorRef<UserCache>, user_id: u64) {
    let sent = cache.cast(CacheCast::Refresh { user_id }).await;
    sent.expect("the cache is running");
}

/// A miss, a hit, then a refresh.
pub async fn run() {
    let cache = actor::spawn::<UserCache>(CacheOpts { ttl: Some(600) })
        .await
        .expect("the cache starts");
    println!("get_user(7)     -> {:?}  (miss)", get_user(&cache, 7).await);
    println!("get_user(7)     -> {:?}  (hit)", get_user(&cache, 7).await);
    refresh_user(&cache, 7).await;
    println!("refresh_user(7) -> cast");
    // `stop` waits for the messages already queued, so the refresh is done.
    cache.stop(StopReason::Normal).await.expect("stops");
    println!();
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
