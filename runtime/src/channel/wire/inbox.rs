//! A joined channel's inbox, what its task receives: client events, the
//! client's leave, and the broadcasts it intercepts, each a [`Broadcast`] carrying the
//! broadcast span's context beside the payload (clients never see it).

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::Context;

use opentelemetry::trace::SpanContext;
use serde_json::Value;
use tokio::sync::OwnedSemaphorePermit;

use super::protocol::RawRef;

/// What a channel's task receives, in order.
///
/// Kept small (the client event is boxed): the inbox's first block of
/// slots is allocated when the channel is joined, and an idle connection
/// keeps it.
pub(crate) enum ChannelMsg {
    /// A client event for `handle_in`.
    Event(Box<ClientEvent>),
    /// The client's `phx_leave`.
    Leave { msg_ref: RawRef },
    /// A broadcast of an event this channel intercepts.
    Broadcast {
        message: Arc<Broadcast>,
        _permit: OwnedSemaphorePermit,
    },
}

/// A client event for `handle_in`.
pub(crate) struct ClientEvent {
    pub(crate) msg_ref: RawRef,
    pub(crate) event: String,
    pub(crate) payload: Value,
    /// The context `handle_in` runs under (see the trust policy).
    pub(crate) cx: Context,
    pub(crate) _permit: OwnedSemaphorePermit,
}

/// One broadcast as PubSub carries it: the payload, its encoded frame tail,
/// and the metadata (the broadcast span's context) that clients never see.
pub(crate) struct Broadcast {
    /// `'static` when broadcast on this node; another node's arrives owned.
    pub(crate) event: Cow<'static, str>,
    /// The event as recipients' span names show it (see
    /// `pubsub::remote_event_name` for another node's).
    pub(crate) span_event: &'static str,
    pub(crate) payload: Value,
    /// `,null,"topic","event",payload]`, shared by every recipient.
    pub(crate) tail: String,
    /// The `channel.broadcast` span, which each recipient's span links to.
    pub(crate) link: SpanContext,
}

impl Broadcast {
    /// Bytes it holds against a connection's outbound buffer while queued.
    pub(crate) fn cost(&self) -> usize {
        self.tail.len()
    }
}
