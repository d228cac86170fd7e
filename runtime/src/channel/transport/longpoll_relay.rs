//! A LongPoll request that lands on another node than its session's (a
//! load balancer without sticky sessions) is relayed to that node through
//! the cluster's [`Adapter`](crate::channel::cluster::Adapter), as Phoenix does over PubSub:
//! the session token names its node; the receiving node sends the poll or
//! the frames to it as a node message on [`NODE_TOPIC`], and answers the
//! client with the reply.
//!
//! ```text
//! {"type": "poll", "id": 7, "token": T}                   to the session's node
//! {"type": "publish", "id": 8, "token": T, "frames": [..]}
//! {"type": "reply", "id": 7, "body": {"status": 200, ..}}  back, to the asking node
//! ```
//!
//! A relayed request is as good as the adapter: delivery across nodes is
//! at most once, so a request or reply lost on the way (or a session node
//! that is down) is answered `410` after the
//! [window](crate::channel::Server::longpoll_window) and [`RELAY_GRACE`], and the
//! client starts a new session.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{oneshot, watch};

use super::longpoll_session::{Sessions, poll_session, publish_frames, valid_frame};
use super::server_core::{Core, stopped};
use crate::channel::cluster::node_message::{NodeMessage, NodeSubscription};

/// The node topic relayed requests travel on.
pub(crate) const NODE_TOPIC: &str = "phx:longpoll";
/// How much longer than the window a relayed request waits for its reply:
/// Phoenix's `pubsub_timeout_ms`, 2 seconds.
pub(crate) const RELAY_GRACE: Duration = Duration::from_secs(2);

/// Relayed requests waiting for their reply, by id.
#[derive(Default)]
pub(crate) struct Relayed {
    next: AtomicU64,
    waiting: Mutex<HashMap<u64, Waiting>>,
}

/// A relayed request: the node that must answer it, and where its reply
/// goes.
type Waiting = (Arc<str>, oneshot::Sender<Value>);

impl Relayed {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Waiting>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Sends `request` to `node` and waits for its reply's body; `410` if none
/// comes in time.
pub(crate) async fn request(
    core: &Core,
    sessions: &Sessions,
    node: &str,
    mut request: Value,
) -> Value {
    let relayed = &sessions.relayed;
    let id = relayed.next.fetch_add(1, Ordering::Relaxed);
    let (reply, replied) = oneshot::channel();
    relayed.lock().insert(id, (Arc::from(node), reply));
    request["id"] = id.into();
    let _ = core.pubsub.node_send(node, NODE_TOPIC, request);
    let wait = core.config.longpoll.window + RELAY_GRACE;
    let answer = tokio::time::timeout(wait, replied).await;
    relayed.lock().remove(&id);
    match answer {
        Ok(Ok(body)) => body,
        _ => json!({ "status": 410 }),
    }
}

/// Answers the requests other nodes relay to this one, and hands their
/// replies to the requests waiting here, until the server stops.
pub(crate) async fn run(
    core: Weak<Core>,
    sessions: Weak<Sessions>,
    mut subscription: NodeSubscription,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let message = tokio::select! {
            () = stopped(&mut shutdown) => return,
            message = subscription.recv() => message,
        };
        let (Some(message), Some(core), Some(sessions)) =
            (message, core.upgrade(), sessions.upgrade())
        else {
            return;
        };
        receive(core, sessions, message);
    }
}

fn receive(core: Arc<Core>, sessions: Arc<Sessions>, message: NodeMessage) {
    let payload = message.payload();
    let Some(id) = payload.get("id").and_then(Value::as_u64) else {
        return;
    };
    match payload.get("type").and_then(Value::as_str) {
        Some("reply") => {
            let mut waiting = sessions.relayed.lock();
            // Only the node asked may answer.
            if waiting
                .get(&id)
                .is_some_and(|(node, _)| &**node == message.node())
                && let Some((_, reply)) = waiting.remove(&id)
            {
                let body = payload.get("body").cloned().unwrap_or(Value::Null);
                let _ = reply.send(body);
            }
        }
        Some(kind @ ("poll" | "publish")) => {
            let poll = kind == "poll";
            let token = payload
                .get("token")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let frames: Option<Vec<String>> = if poll {
                None
            } else {
                payload
                    .get("frames")
                    .and_then(Value::as_array)
                    .and_then(|frames| {
                        frames
                            .iter()
                            .map(|f| f.as_str().filter(|f| valid_frame(f)).map(str::to_owned))
                            .collect()
                    })
            };
            let from = message.node().to_owned();
            let session = sessions.get(&token);
            tokio::spawn(async move {
                let body = match (session, poll, frames) {
                    (None, _, _) => json!({ "status": 410 }),
                    (Some(session), true, _) => {
                        let window = core.config.longpoll.window;
                        poll_session(&session, &token, window, core.shutdown.clone()).await
                    }
                    (Some(session), _, Some(frames)) => {
                        publish_frames(&session, frames, core.config.longpoll.window).await
                    }
                    (Some(_), _, None) => json!({ "status": 400 }),
                };
                let reply = json!({ "type": "reply", "id": id, "body": body });
                let _ = core.pubsub.node_send(&from, NODE_TOPIC, reply);
            });
        }
        _ => {}
    }
}
