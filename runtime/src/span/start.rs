//! Starting a span: one function per kind of parent, and the one place
//! where a recording direct-path span is placed (`Current` or
//! `Detached`).
//!
//! | parent | function |
//! | --- | --- |
//! | the current context | [`SpanGuard::start`] (a send span: `start_send`) |
//! | a context given | [`SpanGuard::start_with_parent`] |
//! | a context given, linked to another span | [`SpanGuard::start_linked`] |
//! | what arrived from outside, after its trust policy | [`SpanGuard::start_remote`] |
//!
//! Each asks the [registry](super::registry) what is installed and starts
//! the span there: on the direct path, on the installed SDK provider, or on
//! the OpenTelemetry global provider.

use opentelemetry::trace::{Link, Span as _, SpanContext, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, global};
use opentelemetry_sdk::trace::Span as SdkSpan;

use super::direct::{LiveSpan, Placement};
use super::guard::SpanGuard;
use super::meta::{LinkTo, SpanMeta};
use super::pending::{PendingSpan, Started};
use super::registry;
use crate::carrier::RemoteParent;
use crate::metrics;
use crate::sampling;
use crate::semconv::INSTRUMENTATION_SCOPE;

/// Into a child context of its parent, made current around the span's
/// body: every span whose body runs user code.
pub(super) enum Current {}

/// Alone, never current: the CLIENT or PRODUCER span of a message the
/// runtime sends, which runs no user code. Its contents are written
/// directly, and [`SpanGuard::context_to_send`] makes the context the
/// message carries.
#[cfg(feature = "actor")]
pub(super) enum Detached {}

// The one place a recording direct-path span is placed. Chosen at compile
// time by the start function, so that each start path is one copy with no
// branch for the other. Spans on the SDK and global paths are pending
// either way, and become current when their body first runs.

impl Placement for Current {
    type Started = Started;

    #[inline(always)]
    fn place(span: LiveSpan, parent: &Context) -> Started {
        Started::InContext(parent.with_span(span))
    }

    #[inline(always)]
    fn not_recording(span_context: SpanContext) -> Started {
        Started::NotRecording(span_context)
    }
}

#[cfg(feature = "actor")]
impl Placement for Detached {
    type Started = Started;

    #[inline(always)]
    fn place(span: LiveSpan, _parent: &Context) -> Started {
        Started::Pending(PendingSpan::Direct(Box::new(span)))
    }

    #[inline(always)]
    fn not_recording(span_context: SpanContext) -> Started {
        Started::NotRecording(span_context)
    }
}

impl SpanGuard {
    /// Starts a span as a child of the current context.
    #[inline]
    pub fn start(meta: &SpanMeta) -> Self {
        Self::start_in_current::<Current>(meta)
    }

    /// Starts the CLIENT or PRODUCER span of a message the runtime sends,
    /// as a child of the current context: [`start`](Self::start), placed
    /// [`Detached`].
    #[cfg(feature = "actor")]
    pub(crate) fn start_send(meta: &SpanMeta) -> Self {
        Self::start_in_current::<Detached>(meta)
    }

    /// Starts a span as a child of `parent`.
    pub fn start_with_parent(meta: &SpanMeta, parent: Context) -> Self {
        Self::begin::<Current>(meta, None, parent)
    }

    /// Starts a span as a child of `parent`, linked to the span carried by
    /// `linked` (when it carries a valid one).
    pub fn start_linked(meta: &SpanMeta, parent: Context, linked: &Context) -> Self {
        let sc = linked.span().span_context().clone();
        let links = sc.is_valid().then(|| vec![Link::with_context(sc)]);
        Self::begin::<Current>(meta, links, parent)
    }

    /// Starts a span for context that arrived from outside, after its
    /// [`TrustPolicy`](crate::carrier::TrustPolicy): a child of a trusted
    /// parent, a new trace linked to an untrusted one, or a new trace when
    /// there was none. The current context is never the parent: a request
    /// from outside starts from what it carried.
    pub fn start_remote(meta: &SpanMeta, remote: RemoteParent) -> Self {
        match remote {
            RemoteParent::Parent(cx) => Self::begin::<Current>(meta, None, cx),
            RemoteParent::Link(sc) => {
                Self::begin::<Current>(meta, Some(vec![Link::with_context(sc)]), Context::new())
            }
            RemoteParent::None => Self::begin::<Current>(meta, None, Context::new()),
        }
    }

    /// Under the current context, the two common cases the short way: a
    /// parent whose "not sampled" the installed sampler follows (nothing
    /// started), and a sampled one on the direct path; a [`LinkTo`] with
    /// no active span as [`start_linked`](Self::start_linked); anything
    /// else as [`begin`](Self::begin).
    #[inline]
    fn start_in_current<P: Placement<Started = Started>>(meta: &SpanMeta) -> Self {
        let parent = Context::current();
        let (follows, sampled) = {
            let span = parent.span();
            let sc = span.span_context();
            (sampling::follows_parent(sc, meta.sample), sc.is_sampled())
        };
        // `parent_drops`, from what was just read.
        if follows && !sampled && registry::parent_decides() {
            return SpanGuard::inherited(meta, parent, metrics::start());
        }
        if follows
            && sampled
            && registry::direct_hint()
            && let Some(span) = Self::start_sampled_child::<P>(meta, &parent)
        {
            return SpanGuard::new(meta, span, parent, metrics::start());
        }
        if !parent.has_active_span()
            && let Some(LinkTo(link)) = parent.get::<LinkTo>()
        {
            let linked = Context::new().with_remote_span_context(link.clone());
            return Self::start_linked(meta, Context::new(), &linked);
        }
        Self::begin::<P>(meta, None, parent)
    }

    /// On the direct path, a span under a sampled parent that the
    /// installed `HandlerSampler` follows without being asked (a valid
    /// local one, or a remote one with a handler rate), as the caller has
    /// checked: the recording span, made as [`begin`](Self::begin) would
    /// make it, without the layers it goes through to decide. `None` in a
    /// suppressed scope, or when the provider has changed meanwhile: the
    /// general way then decides.
    #[inline]
    fn start_sampled_child<P: Placement<Started = Started>>(
        meta: &SpanMeta,
        parent: &Context,
    ) -> Option<Started> {
        if parent.is_telemetry_suppressed() {
            return None;
        }
        let parent_span = parent.span();
        let psc = parent_span.span_context();
        let installed = registry::installed();
        let direct = installed.as_ref()?.direct.as_ref()?;
        Some(direct.start_child::<P>(meta.name, &meta.kind, psc, parent))
    }

    /// The general way: starts the span `meta` describes, with `links`,
    /// under `parent`, on whatever is installed.
    fn begin<P: Placement<Started = Started>>(
        meta: &SpanMeta,
        links: Option<Vec<Link>>,
        parent: Context,
    ) -> Self {
        let started_at = metrics::start();
        let span =
            sampling::with_handler_rate(meta.sample, || start_installed::<P>(meta, links, &parent));
        SpanGuard::new(meta, span, parent, started_at)
    }
}

/// Whether [`HandlerSampler`](crate::sampling::HandlerSampler) would drop a
/// span `meta` describes under `parent` by following the parent.
#[inline]
fn parent_drops(meta: &SpanMeta, parent: &Context) -> bool {
    let span = parent.span();
    let sc = span.span_context();
    !sc.is_sampled() && sampling::follows_parent(sc, meta.sample)
}

/// Starts the span `meta` describes on the installed provider: on its
/// direct tracer if it has one, else on the SDK provider; or, with nothing
/// installed, on the OpenTelemetry global provider. The builder is made
/// here, where it is used, rather than passed down by value.
fn start_installed<P: Placement<Started = Started>>(
    meta: &SpanMeta,
    links: Option<Vec<Link>>,
    parent: &Context,
) -> Started {
    let builder = move |links| {
        let mut builder = meta.builder();
        builder.links = links;
        builder
    };
    let guard = registry::installed();
    match guard.as_ref() {
        Some(installed) => {
            if installed.parent_decides && parent_drops(meta, parent) {
                return Started::UnderUnsampledParent;
            }
            if let Some(direct) = &installed.direct {
                let direct = std::sync::Arc::clone(direct);
                drop(guard);
                return direct.start::<P>(meta.name, &meta.kind, meta.sample, links, parent);
            }
            let span = installed.tracer.build_with_context(builder(links), parent);
            if span.is_recording() {
                // Written straight into the allocation: `Box::new(span)`
                // copies it once more, through a temporary.
                let mut boxed = Box::<SdkSpan>::new_uninit();
                boxed.write(span);
                // SAFETY: written on the line above.
                let boxed = unsafe { boxed.assume_init() };
                Started::Pending(PendingSpan::Sdk(boxed))
            } else {
                Started::NotRecording(span.span_context().clone())
            }
        }
        None => {
            drop(guard);
            let tracer = global::tracer(INSTRUMENTATION_SCOPE);
            let span = tracer.build_with_context(builder(links), parent);
            if span.is_recording() {
                Started::Pending(PendingSpan::Global(span))
            } else {
                Started::NotRecording(span.span_context().clone())
            }
        }
    }
}
