#![deny(warnings)]
// Generated code is warning-free: every lint that `warnings` covers is an
// error here, across a rich set of handler shapes.
// One-line bodies are covered by unused-braces-one-line-body.rs.
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

#[derive(Debug)]
struct QueueError(String);

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "queue error: {}", self.0)
    }
}

struct Queue<T> {
    items: Vec<T>,
    name: String,
}

#[traced_actor]
impl<T> Queue<T>
where
    T: Clone + fmt::Debug + Send + Sync,
{
    /// Creates an empty queue.
    fn new(name: &str) -> Self {
        let name = name.to_owned();
        Queue {
            items: Vec::new(),
            name,
        }
    }

    #[span(fields(queue.len = self.items.len(), queue.name = %self.name))]
    fn push(&mut self, item: T) {
        self.items.push(item);
    }

    fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }

    fn peek(&self) -> Option<&T> {
        self.items.last()
    }

    fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.items.iter()
    }

    #[span(kind = consumer, skip(timeout_ms))]
    async fn pop_async(&mut self, timeout_ms: u64) -> Result<T, QueueError> {
        tokio::task::yield_now().await;
        let _ = timeout_ms;
        let item = self.items.pop().ok_or_else(|| QueueError("empty".into()))?;
        Ok(item)
    }

    fn drain_later(&mut self) -> impl Future<Output = Vec<T>> + '_ {
        let items = std::mem::take(&mut self.items);
        async move { items }
    }

    fn len_boxed(&self) -> Pin<Box<dyn Future<Output = usize> + Send + '_>> {
        let len = self.items.len();
        Box::pin(async move { len })
    }

    fn shared_len(self: Arc<Self>) -> usize {
        self.items.len()
    }

    /// # Safety
    /// Always safe; `unsafe` only to show the shape.
    unsafe fn unchecked_first(&self) -> Option<T> {
        // SAFETY: `first` is a safe call; the block only shows an unsafe context.
        unsafe { first_unchecked(&self.items) }
    }

    #[untraced]
    fn capacity(&self) -> usize {
        self.items.capacity()
    }

    #[span(redact(secret), fields(debug = ?self.items))]
    fn with_secret(&self, secret: String, n: u8) -> u8 {
        let _ = secret;
        n
    }
}

/// # Safety
/// Always safe.
unsafe fn first_unchecked<T: Clone>(items: &[T]) -> Option<T> {
    items.first().cloned()
}

struct RoomChannel;

#[traced_channel(topic = "room:*")]
impl RoomChannel {
    async fn join(&self, topic: &str) -> Result<(), QueueError> {
        tokio::task::yield_now().await;
        let allowed = topic.starts_with("room:");
        if !allowed {
            return Err(QueueError(format!("bad topic {topic}")));
        }
        Ok(())
    }

    #[event("message:new")]
    #[span(skip_all)]
    async fn new_message(&self, body: String) {
        let _ = body;
        tokio::task::yield_now().await;
    }

    #[handle_out("message:new")]
    fn push_message(&self, recipient: u64) {
        let _ = recipient;
    }

    fn terminate(&self, reason: &str) {
        let _ = reason;
    }
}

#[async_trait]
trait Store: Send + Sync {
    async fn get(&self, key: u64) -> Option<String>;
}

struct MemoryStore;

#[async_trait]
#[traced_actor]
impl Store for MemoryStore {
    async fn get(&self, key: u64) -> Option<String> {
        tokio::task::yield_now().await;
        let value = format!("value-{key}");
        Some(value)
    }
}

#[traced(name = "app.start", kind = server, fields(version = 1))]
async fn start(port: u16) -> Result<u16, QueueError> {
    tokio::task::yield_now().await;
    let port = port
        .checked_add(1)
        .ok_or_else(|| QueueError("port".into()))?;
    Ok(port)
}

#[traced]
fn compute(n: u64) -> u64 {
    n * 2
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();
    let mut queue: Queue<u32> = Queue::new("jobs");
    queue.push(1);
    queue.push(2);
    assert_eq!(queue.peek(), Some(&2));
    assert_eq!(queue.iter().count(), 2);
    assert_eq!(queue.pop(), Some(2));
    assert_eq!(queue.pop_async(10).await.ok(), Some(1));
    assert!(queue.pop_async(10).await.is_err());
    queue.push(3);
    // SAFETY: always safe.
    assert_eq!(unsafe { queue.unchecked_first() }, Some(3));
    assert_eq!(queue.with_secret("s".into(), 4), 4);
    assert!(queue.capacity() >= 1);
    assert_eq!(queue.len_boxed().await, 1);
    assert_eq!(queue.drain_later().await, vec![3]);
    assert_eq!(Arc::new(queue).shared_len(), 0);

    RoomChannel.join("room:1").await.expect("joined");
    RoomChannel.new_message("hi".into()).await;
    RoomChannel.push_message(1);
    RoomChannel.terminate("done");
    assert_eq!(MemoryStore.get(1).await.as_deref(), Some("value-1"));
    assert_eq!(start(80).await.ok(), Some(81));
    assert_eq!(compute(2), 4);

    let tree = tracing.tree();
    assert_eq!(tree.spans_named("queue.push").len(), 3);
    tree.span("queue.with_secret")
        .assert_attr("secret", tracewire::semconv::REDACTED)
        .assert_attr("n", 4i64);
    tree.span("room.handle_in message:new")
        .assert_no_attr("body");
    tree.span("memory_store.get").assert_attr("key", 1i64);
    tree.span("app.start").assert_attr("port", 80i64);
    tree.span("compute").assert_attr("n", 2i64);
}
