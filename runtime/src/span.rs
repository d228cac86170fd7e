//! The handler span: what generated code starts, feeds and ends.
//!
//! A [`HandlerSpan`] owns one span from start to end. Its life has two phases:
//!
//! 1. *Pending*: the span has been started but is not yet the current context.
//!    Attributes are written straight onto the owned SDK span: no lock, no
//!    dynamic dispatch, and nothing at all when the span is not recording.
//! 2. *Active*: the span has moved into an OpenTelemetry [`Context`] that is
//!    made current around the handler body (for async handlers, around every
//!    poll), so nested handlers and plain OpenTelemetry calls see it.
//!
//! The span ends exactly once, whatever way the handler leaves: a return
//! value (mapped through [`SpanOutcome`](crate::SpanOutcome)), a panic
//! (recorded and then resumed unchanged), or the handler future being dropped
//! before completion (marked cancelled).

use std::any::Any;
use std::borrow::Cow;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use opentelemetry::global::{self, BoxedSpan, BoxedTracer};
use opentelemetry::trace::{
    Link, Span as _, SpanBuilder, SpanContext, SpanKind, Status, TraceContextExt, Tracer as _,
    TracerProvider as _,
};
use opentelemetry::{Context, InstrumentationScope, Key, KeyValue, Value};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use crate::metrics::{self, CallOutcome};
use crate::outcome::Outcome;
use crate::panic::panic_message;
use crate::record::Pipeline;
use crate::record::live::LiveSpan;
use crate::record::pipeline::Begun;
use crate::semconv::INSTRUMENTATION_SCOPE;
use crate::{sampling, semconv};

/// The tracer used by generated code when one has been installed through
/// [`set_tracer_provider`]. Keeping the concrete SDK tracer here (rather than
/// going through `opentelemetry::global`) avoids boxing a tracer on every
/// handler call and lets attributes go straight onto the concrete span.
static TRACER: RwLock<Option<Installed>> = RwLock::new(None);

/// Whether the installed provider's `parent_decides`: read without the
/// lock by [`HandlerSpan::start`], so that a handler under an unsampled
/// local parent costs a load and a look at the current context.
static PARENT_DECIDES: AtomicBool = AtomicBool::new(false);

/// Whether the installed provider has a record path: read without the lock
/// by [`HandlerSpan::start`], which then starts a span under a sampled local
/// parent the short way. A hint only: the record path itself is read under
/// the lock.
static RECORDS_INSTALLED: AtomicBool = AtomicBool::new(false);

/// The installed provider's tracer, and what is known of its sampler.
struct Installed {
    tracer: SdkTracer,
    /// The sampler is a [`HandlerSampler`](crate::sampling::HandlerSampler),
    /// so a span whose parent is a local unsampled span is always dropped:
    /// such a handler span need not be started at all.
    parent_decides: bool,
    /// Set when tracewire built the provider itself: handler spans then
    /// take the record path (`crate::record`) rather than the SDK's.
    records: Option<Arc<Pipeline>>,
}

/// Installs `provider` as the tracer provider for every traced handler, and as
/// the OpenTelemetry global tracer provider.
///
/// Handlers work without this call: they then fall back to
/// [`opentelemetry::global`], which costs an extra allocation per span.
///
/// # Examples
///
/// ```
/// use opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let provider = SdkTracerProvider::builder().build();
/// tracewire::export::set_tracer_provider(provider.clone());
/// # let _ = provider.shutdown();
/// ```
pub fn set_tracer_provider(provider: SdkTracerProvider) {
    install(provider, false, None);
}

/// Installs `provider`, whose sampler is a
/// [`HandlerSampler`](crate::sampling::HandlerSampler), as
/// [`set_tracer_provider`] does, and lets handlers rely on that sampler's
/// rule: a span whose parent is a local span that is not sampled is
/// dropped. Such a handler then skips the SDK altogether and runs in its
/// parent's context, which roughly halves what an unsampled handler call
/// costs. [`init`](crate::init) and [`TestTracing`](crate::testing::TestTracing)
/// install their providers this way.
///
/// The SDK does not tell which sampler a provider has, hence a function of
/// its own. With any other sampler at the top (`AlwaysOn`, say, or your own
/// sampler wrapping a `HandlerSampler`), use [`set_tracer_provider`]:
/// handler spans under an unsampled local parent would otherwise be left
/// out where that sampler would have kept them.
///
/// # Examples
///
/// ```
/// use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
/// use tracewire::sampling::HandlerSampler;
///
/// let provider = SdkTracerProvider::builder()
///     .with_sampler(HandlerSampler::new(Sampler::TraceIdRatioBased(0.1)))
///     .build();
/// tracewire::export::set_handler_sampled_tracer_provider(provider.clone());
/// # let _ = provider.shutdown();
/// ```
pub fn set_handler_sampled_tracer_provider(provider: SdkTracerProvider) {
    install(provider, true, None);
}

/// Installs `provider`, built by tracewire with a
/// [`HandlerSampler`](crate::sampling::HandlerSampler), and lets handler
/// spans take the record path `records` describes (same sampler, limits,
/// and processors as the provider's). Other spans, plain OpenTelemetry or
/// `tracing` ones, still go through `provider`.
pub(crate) fn set_owned_tracer_provider(provider: SdkTracerProvider, records: Option<Pipeline>) {
    install(provider, true, records.map(Arc::new));
}

/// [`set_owned_tracer_provider`], with a pipeline already shared.
pub(crate) fn install_owned(provider: SdkTracerProvider, records: Arc<Pipeline>) {
    install(provider, true, Some(records));
}

fn install(provider: SdkTracerProvider, parent_decides: bool, records: Option<Arc<Pipeline>>) {
    let scope = InstrumentationScope::builder(INSTRUMENTATION_SCOPE)
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let tracer = provider.tracer_with_scope(scope);
    // A poisoned lock only means another thread panicked mid-write of an
    // `Option`; the value is still whole, so carry on with it.
    let mut installed = TRACER.write().unwrap_or_else(|e| e.into_inner());
    RECORDS_INSTALLED.store(records.is_some(), Ordering::Release);
    *installed = Some(Installed {
        tracer,
        parent_decides,
        records,
    });
    PARENT_DECIDES.store(parent_decides, Ordering::Release);
    drop(installed);
    global::set_tracer_provider(provider);
}

/// Whether handler spans take the record path now.
#[cfg(all(test, feature = "testing"))]
pub(crate) fn records_installed() -> bool {
    let installed = TRACER.read().unwrap_or_else(|e| e.into_inner());
    installed.as_ref().is_some_and(|i| i.records.is_some())
}

/// Removes the provider installed by [`set_tracer_provider`], so handlers fall
/// back to the OpenTelemetry global provider.
pub fn clear_tracer_provider() {
    let mut installed = TRACER.write().unwrap_or_else(|e| e.into_inner());
    PARENT_DECIDES.store(false, Ordering::Release);
    RECORDS_INSTALLED.store(false, Ordering::Release);
    *installed = None;
}

/// Runs `f` with the tracer installed by [`set_tracer_provider`], if any.
/// The `tracing` bridge starts `tracing` spans through it, so that they
/// always go to the provider installed now, whenever the layer was built.
#[cfg(feature = "tracing")]
pub(crate) fn with_installed_tracer<R>(f: impl FnOnce(Option<&SdkTracer>) -> R) -> R {
    let guard = TRACER.read().unwrap_or_else(|e| e.into_inner());
    f(guard.as_ref().map(|installed| &installed.tracer))
}

type SdkSpan = opentelemetry_sdk::trace::Span;

/// A recording span a handler has started but not yet made current.
///
/// The SDK span is boxed as soon as it is known to be recording. It is some
/// 300 bytes, and on its way into a context it would otherwise be copied at
/// every move: out of the tracer, into the handler span, out of it, and twice
/// more inside `Context::with_span`. Boxed, each of those moves a pointer,
/// which costs less than the one small allocation it adds (see
/// BENCHMARKS.md). A span that is not recording is never boxed.
enum OwnedSpan {
    Sdk(Box<SdkSpan>),
    Global(BoxedSpan),
    /// A record-path span started without a context (see
    /// [`HandlerSpan::start_send`]); boxed, so that every handler span
    /// does not carry its size.
    Record(Box<LiveSpan>),
}

/// What starting a span gave.
enum Started {
    Recording(OwnedSpan),
    /// Recording, on the record path: the span's own context.
    Active(Context),
    /// Not recording: all that is left of it is its span context, which
    /// carries the sampling decision.
    NotRecording(SpanContext),
    /// Not started: the installed sampler would follow the parent, which
    /// is not sampled and whose context already carries the decision.
    UnderUnsampledParent,
}

/// Whether [`HandlerSampler`](crate::sampling::HandlerSampler) would drop a
/// span `meta` describes under `parent` by following the parent.
#[inline]
fn parent_drops(meta: &HandlerMeta, parent: &Context) -> bool {
    let span = parent.span();
    let sc = span.span_context();
    !sc.is_sampled() && sampling::follows_parent(sc, meta.sample)
}

impl OwnedSpan {
    /// Starts the span `meta` describes, with `links`. The builder is made
    /// here, where it is used, rather than passed down by value.
    fn start<const DETACHED: bool>(
        meta: &HandlerMeta,
        links: Option<Vec<Link>>,
        parent: &Context,
    ) -> Started {
        let builder = move |links| {
            let mut builder = meta.builder();
            builder.links = links;
            builder
        };
        let guard = TRACER.read().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(installed) => {
                if installed.parent_decides && parent_drops(meta, parent) {
                    return Started::UnderUnsampledParent;
                }
                if let Some(records) = &installed.records {
                    let records = Arc::clone(records);
                    drop(guard);
                    return match Pipeline::start::<DETACHED>(
                        records,
                        meta.name,
                        &meta.kind,
                        meta.sample,
                        links,
                        parent,
                    ) {
                        Begun::Recording(cx) => Started::Active(cx),
                        Begun::Detached(span) => {
                            Started::Recording(OwnedSpan::Record(Box::new(span)))
                        }
                        Begun::NotRecording(sc) => Started::NotRecording(sc),
                    };
                }
                let span = installed.tracer.build_with_context(builder(links), parent);
                if span.is_recording() {
                    // Written straight into the allocation: `Box::new(span)`
                    // copies it once more, through a temporary.
                    let mut boxed = Box::<SdkSpan>::new_uninit();
                    boxed.write(span);
                    // SAFETY: written on the line above.
                    let boxed = unsafe { boxed.assume_init() };
                    Started::Recording(OwnedSpan::Sdk(boxed))
                } else {
                    Started::NotRecording(span.span_context().clone())
                }
            }
            None => {
                drop(guard);
                let tracer: BoxedTracer = global::tracer(INSTRUMENTATION_SCOPE);
                let span = tracer.build_with_context(builder(links), parent);
                if span.is_recording() {
                    Started::Recording(OwnedSpan::Global(span))
                } else {
                    Started::NotRecording(span.span_context().clone())
                }
            }
        }
    }

    fn set_attribute(&mut self, kv: KeyValue) {
        match self {
            OwnedSpan::Sdk(s) => s.set_attribute(kv),
            OwnedSpan::Global(s) => s.set_attribute(kv),
            OwnedSpan::Record(s) => s.set_attribute(kv),
        }
    }

    #[cfg(feature = "actor")]
    fn span_context(&self) -> &SpanContext {
        match self {
            OwnedSpan::Sdk(s) => s.span_context(),
            OwnedSpan::Global(s) => s.span_context(),
            OwnedSpan::Record(s) => s.span_context(),
        }
    }

    fn end(&mut self) {
        match self {
            OwnedSpan::Sdk(s) => s.end(),
            OwnedSpan::Global(s) => s.end(),
            OwnedSpan::Record(s) => s.end(),
        }
    }

    fn into_context(self, parent: &Context) -> Context {
        match self {
            OwnedSpan::Sdk(s) => parent.with_span(HeapSpan(s)),
            OwnedSpan::Global(s) => parent.with_span(s),
            OwnedSpan::Record(s) => parent.with_span(*s),
        }
    }
}

/// A boxed SDK span, as a span: what a context holds for a recording
/// handler span. Every method is the SDK span's own.
struct HeapSpan(Box<SdkSpan>);

impl opentelemetry::trace::Span for HeapSpan {
    #[inline]
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: std::time::SystemTime,
        attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        self.0.add_event_with_timestamp(name, timestamp, attributes)
    }

    #[inline]
    fn span_context(&self) -> &SpanContext {
        self.0.span_context()
    }

    #[inline]
    fn is_recording(&self) -> bool {
        self.0.is_recording()
    }

    #[inline]
    fn set_attribute(&mut self, attribute: KeyValue) {
        self.0.set_attribute(attribute)
    }

    #[inline]
    fn set_status(&mut self, status: Status) {
        self.0.set_status(status)
    }

    #[inline]
    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        self.0.update_name(new_name)
    }

    #[inline]
    fn add_link(&mut self, span_context: SpanContext, attributes: Vec<KeyValue>) {
        self.0.add_link(span_context, attributes)
    }

    #[inline]
    fn end_with_timestamp(&mut self, timestamp: std::time::SystemTime) {
        self.0.end_with_timestamp(timestamp)
    }
}

/// What a handler's span is, fixed at compile time: generated code passes a
/// constant `&HandlerMeta { .. }`, which the compiler promotes to a static.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct HandlerMeta {
    pub name: &'static str,
    pub kind: SpanKind,
    /// The handler's own head-sampling rate (`sample = ..`), if any.
    pub sample: Option<f64>,
}

impl HandlerMeta {
    /// An internal span with no sampling rate of its own.
    pub const fn internal(name: &'static str) -> Self {
        HandlerMeta {
            name,
            kind: SpanKind::Internal,
            sample: None,
        }
    }

    fn builder(&self) -> SpanBuilder {
        SpanBuilder::from_name(Cow::Borrowed(self.name)).with_kind(self.kind.clone())
    }
}

/// One handler invocation's span. Created by generated code; see the module
/// documentation for its life cycle.
#[doc(hidden)]
pub struct HandlerSpan {
    /// `Some` while pending; taken when the span becomes active.
    pending: Option<OwnedSpan>,
    /// The parent while pending, the span's own context once active.
    cx: Context,
    recording: bool,
    ended: bool,
    name: &'static str,
    /// When the call started, if handler metrics are being recorded.
    started: Option<Instant>,
    failed: bool,
    /// Not recording, under an unsampled local parent: `cx` is the context
    /// that was current when the span started, so a sync body, which runs
    /// right then, needs nothing attached.
    inherits: bool,
}

/// The context a handler whose span is not recording runs in: it only has
/// to carry the sampling decision to children. When the parent already
/// carries "not sampled" for a valid trace it says the same thing, so it is
/// kept and nothing is allocated.
fn unsampled_context(parent: Context, sc: &SpanContext) -> Context {
    let parent_says_same = {
        let parent_span = parent.span();
        let parent_sc = parent_span.span_context();
        parent_sc.is_valid() && !parent_sc.is_sampled()
    };
    if parent_says_same || !sc.is_valid() {
        parent
    } else {
        parent.with_remote_span_context(sc.clone())
    }
}

/// A context value asking the next handler span started under it, when no
/// span is active, to start a new trace linked to this span context. The
/// actor runtime uses it for timer messages.
#[derive(Clone, Debug)]
pub(crate) struct LinkTo(pub(crate) opentelemetry::trace::SpanContext);

impl HandlerSpan {
    /// Starts a handler span as a child of the current context.
    #[inline]
    pub fn start(meta: &HandlerMeta) -> Self {
        Self::start_as::<false>(meta)
    }

    /// Starts the CLIENT or PRODUCER span of a message the runtime sends,
    /// as a child of the current context. The span is open around the send
    /// but never current (the send runs no user code), so on the record
    /// path it is not put in a context: its record is written directly,
    /// and [`context_to_send`](Self::context_to_send) makes the context
    /// the message carries.
    #[cfg(feature = "actor")]
    pub(crate) fn start_send(meta: &HandlerMeta) -> Self {
        Self::start_as::<true>(meta)
    }

    /// [`start`](Self::start), or with `DETACHED` [`start_send`](Self::start_send):
    /// one copy each, so a handler span's path has no branch for the other.
    #[inline]
    fn start_as<const DETACHED: bool>(meta: &HandlerMeta) -> Self {
        let parent = Context::current();
        let (follows, sampled) = {
            let span = parent.span();
            let sc = span.span_context();
            (sampling::follows_parent(sc, meta.sample), sc.is_sampled())
        };
        // `parent_drops`, from what was just read.
        if follows && !sampled && PARENT_DECIDES.load(Ordering::Acquire) {
            return HandlerSpan {
                pending: None,
                cx: parent,
                recording: false,
                ended: false,
                name: meta.name,
                started: metrics::start(),
                failed: false,
                inherits: true,
            };
        }
        if follows
            && sampled
            && RECORDS_INSTALLED.load(Ordering::Acquire)
            && let Some(span) = Self::start_sampled_child::<DETACHED>(meta, &parent)
        {
            return Self::started(meta, span, parent, metrics::start());
        }
        if !parent.has_active_span()
            && let Some(LinkTo(link)) = parent.get::<LinkTo>()
        {
            let linked = Context::new().with_remote_span_context(link.clone());
            return Self::start_linked(meta, Context::new(), &linked);
        }
        Self::start_inner::<DETACHED>(meta, None, parent)
    }

    /// On the record path, the common case of a handler span under a
    /// sampled parent that the installed `HandlerSampler` follows without
    /// being asked (a valid local one, or a remote one with a handler
    /// rate), as the caller has checked: the recording span, made as
    /// [`start_inner`](Self::start_inner) would make it, without the
    /// layers it goes through to decide; in its context, or `DETACHED`,
    /// alone. `None` in a suppressed scope, or when the provider has
    /// changed meanwhile: the general way then decides.
    #[inline]
    fn start_sampled_child<const DETACHED: bool>(
        meta: &HandlerMeta,
        parent: &Context,
    ) -> Option<Started> {
        if parent.is_telemetry_suppressed() {
            return None;
        }
        let parent_span = parent.span();
        let psc = parent_span.span_context();
        let installed = TRACER.read().unwrap_or_else(|e| e.into_inner());
        let records = installed.as_ref()?.records.as_ref()?;
        Some(if DETACHED {
            let span = records.start_detached_child(meta.name, &meta.kind, psc);
            Started::Recording(OwnedSpan::Record(Box::new(span)))
        } else {
            Started::Active(records.start_child(meta.name, &meta.kind, psc, parent))
        })
    }

    /// Starts a handler span as a child of `parent`.
    pub fn start_with_parent(meta: &HandlerMeta, parent: Context) -> Self {
        Self::start_inner::<false>(meta, None, parent)
    }

    /// Starts a handler span as a child of `parent`, linked to the span
    /// carried by `linked` (when it carries a valid one).
    pub fn start_linked(meta: &HandlerMeta, parent: Context, linked: &Context) -> Self {
        let sc = linked.span().span_context().clone();
        let links = sc.is_valid().then(|| vec![Link::with_context(sc)]);
        Self::start_inner::<false>(meta, links, parent)
    }

    /// Starts a handler span for context that arrived from outside, after
    /// its [`TrustPolicy`](crate::carrier::TrustPolicy): a child of a
    /// trusted parent, a new trace linked to an untrusted one, or a new
    /// trace when there was none. The current context is never the parent:
    /// a request from outside starts from what it carried.
    pub fn start_remote(meta: &HandlerMeta, remote: crate::carrier::RemoteParent) -> Self {
        use crate::carrier::RemoteParent;
        match remote {
            RemoteParent::Parent(cx) => Self::start_inner::<false>(meta, None, cx),
            RemoteParent::Link(sc) => {
                Self::start_inner::<false>(meta, Some(vec![Link::with_context(sc)]), Context::new())
            }
            RemoteParent::None => Self::start_inner::<false>(meta, None, Context::new()),
        }
    }

    fn start_inner<const DETACHED: bool>(
        meta: &HandlerMeta,
        links: Option<Vec<Link>>,
        parent: Context,
    ) -> Self {
        let started = metrics::start();
        let span = sampling::with_handler_rate(meta.sample, || {
            OwnedSpan::start::<DETACHED>(meta, links, &parent)
        });
        Self::started(meta, span, parent, started)
    }

    /// The handler span for what starting it gave.
    #[inline]
    fn started(
        meta: &HandlerMeta,
        span: Started,
        parent: Context,
        started: Option<Instant>,
    ) -> Self {
        let (pending, cx, recording) = match span {
            // A record-path span is in its context from the start.
            Started::Active(cx) => (None, cx, true),
            Started::Recording(span) => (Some(span), parent, true),
            // A span that is not recording has nothing to end and nothing
            // to record: its context, made now, carries its sampling
            // decision.
            Started::NotRecording(sc) => (None, unsampled_context(parent, &sc), false),
            Started::UnderUnsampledParent => (None, parent, false),
        };
        HandlerSpan {
            pending,
            cx,
            recording,
            ended: false,
            name: meta.name,
            started,
            failed: false,
            inherits: false,
        }
    }

    /// Whether attributes, events and status will be kept. Generated code
    /// evaluates attribute expressions only when this is true.
    #[inline]
    pub fn is_recording(&self) -> bool {
        self.recording
    }

    /// Records `value` under `key`, if the value converts to one.
    #[inline]
    pub fn record(&mut self, key: &'static str, value: Option<Value>) {
        let Some(value) = value else { return };
        if let Some(span) = self.pending.as_mut() {
            span.set_attribute(KeyValue::new(Key::from_static_str(key), value));
        } else if self.recording {
            self.cx
                .span()
                .set_attribute(KeyValue::new(Key::from_static_str(key), value));
        }
    }

    /// Makes the span part of its context so it can be made current. Only a
    /// recording span is pending; one that is not recording got its context
    /// when it started. Inline, as it is called on every poll and mostly
    /// finds nothing to do.
    #[inline]
    fn activate(&mut self) {
        if self.pending.is_some() {
            self.activate_pending();
        }
    }

    fn activate_pending(&mut self) {
        if let Some(span) = self.pending.take() {
            self.cx = span.into_context(&self.cx);
        }
    }

    /// The context in which the handler body runs: this span, current.
    pub fn context(&mut self) -> &Context {
        self.activate();
        &self.cx
    }

    /// The context a message this span sends carries, for the receiver's
    /// spans to be its children. The receiver needs the span's identity
    /// (ids, flags, trace state) and the context's entries, not the span
    /// itself, which ends on this side: a recording span's context is
    /// copied with the span context alone, so the span, its record and its
    /// reference counts stay on this thread and are freed here. A span
    /// that is not recording has no further use for its context, which is
    /// handed over.
    #[cfg(feature = "actor")]
    pub(crate) fn context_to_send(&mut self) -> Context {
        if let Some(span) = &self.pending {
            // Pending, `cx` is still the parent's context.
            self.cx
                .with_remote_span_context(span.span_context().clone())
        } else if self.recording {
            let sc = self.cx.span().span_context().clone();
            self.cx.with_remote_span_context(sc)
        } else {
            std::mem::replace(&mut self.cx, Context::new())
        }
    }

    /// Runs a synchronous handler body with this span current. A panic in the
    /// body is recorded on the span, the span is ended, and the panic resumes.
    #[inline]
    pub fn in_scope<R>(&mut self, body: impl FnOnce() -> R) -> R {
        let result = if self.inherits {
            // The current context is the span's: nothing to attach.
            catch_unwind(AssertUnwindSafe(body))
        } else {
            self.activate();
            let _current = self.cx.clone().attach();
            catch_unwind(AssertUnwindSafe(body))
        };
        match result {
            Ok(value) => value,
            Err(payload) => {
                self.record_panic(&*payload);
                resume_unwind(payload)
            }
        }
    }

    /// Wraps an async handler body so that this span is current on every poll.
    #[inline]
    pub fn instrument<F: Future>(&mut self, future: F) -> Instrumented<'_, F> {
        self.activate();
        Instrumented { span: self, future }
    }

    /// Polls `future` once with this span current. A panic is recorded on
    /// the span, which is then ended, and the panic resumes.
    pub(crate) fn poll_in_scope<F: Future>(
        &mut self,
        future: Pin<&mut F>,
        task: &mut TaskContext<'_>,
    ) -> Poll<F::Output> {
        self.activate();
        let polled = {
            let _current = self.cx.clone().attach();
            catch_unwind(AssertUnwindSafe(|| future.poll(task)))
        };
        match polled {
            Ok(poll) => poll,
            Err(payload) => {
                self.record_panic(&*payload);
                resume_unwind(payload)
            }
        }
    }

    /// Ends the span with the outcome of the handler's return value.
    #[inline]
    pub fn finish(mut self, outcome: Outcome<'_>) {
        if let Outcome::Error {
            error_type,
            message,
        } = outcome
        {
            self.failed = true;
            if self.recording {
                self.record_error(error_type, &message.to_string());
            }
        }
        self.end();
    }

    fn record_error(&mut self, error_type: &str, message: &str) {
        self.activate();
        let span = self.cx.span();
        let error_type = Value::String(error_type.to_owned().into());
        span.set_attribute(KeyValue::new(semconv::ERROR_TYPE, error_type.clone()));
        span.add_event(
            semconv::EXCEPTION_EVENT,
            vec![
                KeyValue::new(semconv::EXCEPTION_TYPE, error_type),
                KeyValue::new(semconv::EXCEPTION_MESSAGE, message.to_owned()),
            ],
        );
        span.set_status(Status::error(message.to_owned()));
    }

    fn record_panic(&mut self, payload: &(dyn Any + Send)) {
        self.failed = true;
        if self.recording {
            self.record_error(semconv::PANIC_TYPE, panic_message(payload));
        }
        self.end();
    }

    fn record_cancelled(&mut self) {
        if self.recording {
            self.activate();
            let span = self.cx.span();
            span.set_attribute(KeyValue::new(semconv::CANCELLED, true));
            span.add_event(semconv::CANCELLED_EVENT, Vec::new());
        }
        self.end_with(CallOutcome::Cancelled);
    }

    #[inline]
    fn end(&mut self) {
        let outcome = if self.failed {
            CallOutcome::Error
        } else {
            CallOutcome::Ok
        };
        self.end_with(outcome);
    }

    /// Inline, with what it seldom does (metrics, a pending SDK span) out
    /// of line: an unsampled handler comes here for a few checks only.
    #[inline]
    fn end_with(&mut self, outcome: CallOutcome) {
        if std::mem::replace(&mut self.ended, true) {
            return;
        }
        if let Some(started) = self.started {
            record_metrics(self.name, started, outcome);
        }
        if self.pending.is_some() {
            self.end_pending();
        } else if self.recording {
            self.cx.span().end();
        }
    }

    #[inline(never)]
    fn end_pending(&mut self) {
        if let Some(span) = self.pending.as_mut() {
            span.end();
        }
    }
}

#[inline(never)]
fn record_metrics(handler: &'static str, started: Instant, outcome: CallOutcome) {
    metrics::record(handler, started, outcome);
}

impl Drop for HandlerSpan {
    /// Inline: mostly the span has ended, and this is one check.
    #[inline]
    fn drop(&mut self) {
        if !self.ended {
            self.drop_unfinished();
        }
    }
}

impl HandlerSpan {
    #[inline(never)]
    fn drop_unfinished(&mut self) {
        // Dropped unfinished: either the handler's future was dropped before
        // it completed (cancellation: a timeout, a `select!` branch that lost,
        // an aborted task, a future that was never polled), or a panic is
        // unwinding through code outside the guarded body, such as an
        // attribute expression, whose message is not available here.
        if std::thread::panicking() {
            self.record_panic(&"panicked outside the handler body");
        } else {
            self.record_cancelled();
        }
    }
}

pin_project_lite::pin_project! {
    /// An async handler body that runs with its span current. Returned by
    /// [`HandlerSpan::instrument`].
    ///
    /// If it is dropped before completing, the span it borrows is dropped
    /// unfinished right after, which marks it cancelled.
    #[doc(hidden)]
    pub struct Instrumented<'a, F> {
        span: &'a mut HandlerSpan,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Instrumented<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        this.span.poll_in_scope(this.future, task)
    }
}

/// Attribute detection by autoref specialisation: `(&AttrProbe(&arg)).__tw_value()`
/// resolves to [`RecordAttr`] when the argument's type implements
/// [`AttributeValue`](crate::AttributeValue), and to [`SkipAttr`] (records
/// nothing) otherwise. This is how arguments "of plain value types" are found
/// without the macro having to guess from type syntax.
#[doc(hidden)]
pub struct AttrProbe<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait RecordAttr {
    fn __tw_value(&self) -> Option<Value>;

    /// The mask, for an argument whose name looks like a secret's.
    #[inline]
    fn __tw_masked(&self) -> Option<Value> {
        crate::__private::redacted()
    }
}

impl<T: crate::AttributeValue + ?Sized> RecordAttr for AttrProbe<'_, T> {
    /// An argument is recorded without anyone asking for it, and often comes
    /// from a client: a string is cut to a bounded length.
    #[inline]
    fn __tw_value(&self) -> Option<Value> {
        self.0.attribute_value().map(crate::value::bounded)
    }
}

#[doc(hidden)]
pub trait SkipAttr {
    #[inline]
    fn __tw_value(&self) -> Option<Value> {
        None
    }

    #[inline]
    fn __tw_masked(&self) -> Option<Value> {
        None
    }
}

impl<T: ?Sized> SkipAttr for &AttrProbe<'_, T> {}

/// Outcome detection by autoref specialisation, as for [`AttrProbe`]: types
/// that implement [`SpanOutcome`](crate::SpanOutcome) are asked, others leave
/// the status unset.
#[doc(hidden)]
pub struct OutcomeProbe<'a, T: ?Sized>(pub &'a T);

// The outcome borrows from the probed value (`'a`), not from the probe: the
// probe is a temporary that is gone by the time the outcome is recorded.
#[doc(hidden)]
pub trait ViaSpanOutcome<'a> {
    fn __tw_outcome(&self) -> Outcome<'a>;
}

impl<'a, T: crate::SpanOutcome + ?Sized> ViaSpanOutcome<'a> for OutcomeProbe<'a, T> {
    #[inline]
    fn __tw_outcome(&self) -> Outcome<'a> {
        self.0.span_outcome()
    }
}

#[doc(hidden)]
pub trait UnsetOutcome {
    #[inline]
    fn __tw_outcome(&self) -> Outcome<'static> {
        Outcome::Unset
    }
}

impl<T: ?Sized> UnsetOutcome for &OutcomeProbe<'_, T> {}

/// The outcome of an `Err` value, by autoref specialisation:
/// `(&&ErrorProbe(e)).__tw_error_outcome()` asks the error's own
/// [`SpanOutcome`](crate::SpanOutcome) if it has one (so an error type can
/// name its `error.type`, or declare itself benign), else records it as an
/// error with its type name and `Display`, else (no `Display`) with its type
/// name alone. An `Err` is never silently left unrecorded.
#[doc(hidden)]
pub struct ErrorProbe<'a, E: ?Sized>(pub &'a E);

impl<E: ?Sized> Clone for ErrorProbe<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E: ?Sized> Copy for ErrorProbe<'_, E> {}

#[doc(hidden)]
pub trait ErrorViaSpanOutcome<'a> {
    fn __tw_error_outcome(&self) -> Outcome<'a>;
}

impl<'a, E: crate::SpanOutcome + ?Sized> ErrorViaSpanOutcome<'a> for &ErrorProbe<'a, E> {
    #[inline]
    fn __tw_error_outcome(&self) -> Outcome<'a> {
        self.0.span_outcome()
    }
}

#[doc(hidden)]
pub trait ErrorViaDisplay<'a> {
    fn __tw_error_outcome(&self) -> Outcome<'a>;
}

impl<'a, E: std::fmt::Display> ErrorViaDisplay<'a> for ErrorProbe<'a, E> {
    #[inline]
    fn __tw_error_outcome(&self) -> Outcome<'a> {
        Outcome::Error {
            error_type: std::any::type_name::<E>(),
            message: self.0,
        }
    }
}

#[doc(hidden)]
pub trait ErrorViaTypeName {
    fn __tw_error_outcome(self) -> Outcome<'static>;
}

impl<E: ?Sized> ErrorViaTypeName for ErrorProbe<'_, E> {
    #[inline]
    fn __tw_error_outcome(self) -> Outcome<'static> {
        let name = std::any::type_name::<E>();
        Outcome::Error {
            error_type: name,
            message: &TypeNameMessage,
        }
    }
}

/// The message of an error that has no `Display`: its `error.type` already
/// names it.
struct TypeNameMessage;

impl std::fmt::Display for TypeNameMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error (no Display)")
    }
}

/// The outcome of a `Result` whose `Ok` type is an `impl Trait` being
/// defined by the handler itself, where autoref specialisation cannot see
/// the type: `Err` is an error described by its `Display`.
#[doc(hidden)]
#[inline]
pub fn required_outcome<T: crate::SpanOutcome + ?Sized>(value: &T) -> Outcome<'_> {
    value.span_outcome()
}
