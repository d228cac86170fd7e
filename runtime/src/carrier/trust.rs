//! What an incoming context becomes: the [`TrustPolicy`] and the
//! [`RemoteParent`] it gives.

use opentelemetry::Context;
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::{SpanContext, TraceContextExt};

use super::extract;

/// What to do with trace context that arrives from outside (a client payload,
/// a request header).
///
/// The default is [`Link`](TrustPolicy::Link); the
/// [module docs](super#why-trustpolicylink-is-the-default) explain why.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrustPolicy {
    /// Continue the caller's trace: the incoming span context becomes the
    /// parent, and its baggage is adopted. For trusted peers only.
    Parent,
    /// Start a new trace whose span links to the incoming span context. The
    /// caller cannot choose the trace id or the sampling decision, and its
    /// baggage is not adopted.
    #[default]
    Link,
    /// Disregard incoming trace context entirely; it is not even parsed.
    Ignore,
}

impl TrustPolicy {
    /// Extracts the context from an untrusted `carrier` (see [`extract`]) and
    /// applies this policy to it (see [`RemoteParent::from_context`]).
    ///
    /// ```
    /// use std::collections::HashMap;
    ///
    /// use tracewire::carrier::{RemoteParent, TrustPolicy};
    ///
    /// let mut headers = HashMap::new();
    /// headers.insert(
    ///     "traceparent".to_owned(),
    ///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
    /// );
    ///
    /// // The default policy links to the caller instead of adopting its trace.
    /// let remote = TrustPolicy::default().apply(&headers);
    /// let link = remote.link().expect("a valid traceparent");
    /// assert_eq!(link.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
    /// assert!(remote.parent_context().is_none());
    ///
    /// assert!(TrustPolicy::Parent.apply(&headers).parent_context().is_some());
    /// assert!(matches!(TrustPolicy::Ignore.apply(&headers), RemoteParent::None));
    ///
    /// // Malformed input is ignored whatever the policy.
    /// headers.insert("traceparent".to_owned(), "00-garbage".to_owned());
    /// assert!(matches!(TrustPolicy::Parent.apply(&headers), RemoteParent::None));
    /// ```
    pub fn apply(self, carrier: &dyn Extractor) -> RemoteParent {
        match self {
            TrustPolicy::Ignore => RemoteParent::None,
            policy => RemoteParent::from_context(&extract(carrier), policy),
        }
    }
}

/// The result of applying a [`TrustPolicy`] to an incoming context.
#[derive(Clone, Debug)]
pub enum RemoteParent {
    /// Use this context (holding the remote span context and the incoming
    /// baggage) as the parent of the new span.
    Parent(Context),
    /// Start a new trace with a link to this remote span context.
    Link(SpanContext),
    /// No usable incoming context, or the policy said to ignore it.
    None,
}

impl RemoteParent {
    /// Applies `policy` to an already extracted context. A context without a
    /// valid span context gives [`RemoteParent::None`], whatever the policy.
    pub fn from_context(cx: &Context, policy: TrustPolicy) -> Self {
        if policy == TrustPolicy::Ignore {
            return RemoteParent::None;
        }
        let span = cx.span();
        let span_context = span.span_context();
        if !span_context.is_valid() {
            return RemoteParent::None;
        }
        match policy {
            TrustPolicy::Parent => RemoteParent::Parent(cx.clone()),
            TrustPolicy::Link => RemoteParent::Link(span_context.clone()),
            TrustPolicy::Ignore => RemoteParent::None,
        }
    }

    /// The context to start the new span in, for [`RemoteParent::Parent`].
    pub fn parent_context(&self) -> Option<&Context> {
        match self {
            RemoteParent::Parent(cx) => Some(cx),
            _ => None,
        }
    }

    /// The span context to link to, for [`RemoteParent::Link`].
    pub fn link(&self) -> Option<&SpanContext> {
        match self {
            RemoteParent::Link(span_context) => Some(span_context),
            _ => None,
        }
    }
}
