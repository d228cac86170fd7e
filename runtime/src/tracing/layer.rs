//! [`layer`]: tracing-opentelemetry on tracewire's tracer provider, plus
//! [`ContextLayer`], which gives `tracing` events to the current
//! OpenTelemetry span and carries contexts through mailboxes.

use std::cell::RefCell;
use std::sync::OnceLock;

use ::tracing::dispatcher::WeakDispatch;
use ::tracing::span::{Attributes, Id};
use ::tracing::{Dispatch, Event, Metadata, Subscriber};
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, ContextGuard};
use opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::Context as LayerContext;
use tracing_subscriber::registry::LookupSpan;

use super::handoff::{self, is_handoff, is_kameo, is_kameo_handler};
use super::event;
use super::logs::CurrentLoggerProvider;
use super::tracer::CurrentTracer;

/// The `tracing_subscriber` layer that joins `tracing` to tracewire's
/// traces. [`init`](crate::init) installs it; add it yourself to a
/// `tracing_subscriber::registry()` stack of your own.
///
/// - Every `tracing` span becomes an OpenTelemetry span (through
///   tracing-opentelemetry) on the tracer provider tracewire has installed
///   *when the span starts*, so building the layer before or after
///   [`init`](crate::init) makes no difference. Inside a traced handler a
///   `tracing` span is the handler span's child; a handler called inside
///   an entered `tracing` span (or a future instrumented with one) is that
///   span's child: entering a span makes it the current OpenTelemetry
///   context.
/// - Every `tracing` event becomes an event of the current OpenTelemetry
///   span, the innermost of the handler spans and `tracing` spans around
///   it, with its message as the event's name, its `level` and `target`,
///   and its fields as attributes of their own types.
/// - Every `tracing` event becomes an OpenTelemetry log record too, with
///   the trace and span ids of the current span, once a logger provider is
///   installed: by [`init`](crate::init) when logs are exported, or
///   [`set_logger_provider`](super::set_logger_provider).
/// - A kameo handler (kameo's `actor.handle_message` span) runs in the
///   context of the span it follows from, the sender's, so tracewire's
///   handler span is the sender's child; kameo's own span is not exported.
///
/// # Examples
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt as _;
///
/// let subscriber = tracing_subscriber::registry().with(tracewire::tracing::layer());
/// tracing::subscriber::with_default(subscriber, || {
///     tracing::info_span!("request").in_scope(|| tracing::info!(user = 7, "hello"));
/// });
/// ```
pub fn layer<S>() -> impl Layer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let spans = tracing_opentelemetry::layer()
        .with_tracer(CurrentTracer)
        .with_context_activation(true)
        // Nothing a tracewire handler span does not record either: the
        // target, the code location, the thread and busy/idle times would
        // be new attributes on every `tracing` span.
        .with_target(false)
        .with_location(false)
        .with_threads(false)
        .with_tracked_inactivity(false)
        .with_filter(filter_fn(exported as fn(&Metadata<'_>) -> bool));
    let logs = OpenTelemetryTracingBridge::new(&CurrentLoggerProvider);
    ContextLayer::default().and_then(spans).and_then(logs)
}

/// What tracing-opentelemetry sees: spans, not events (which
/// [`ContextLayer`] adds, also to handler spans, which tracing-opentelemetry
/// does not know), and neither handoff spans nor kameo's handler spans,
/// which only carry a context.
fn exported(meta: &Metadata<'_>) -> bool {
    !meta.is_event() && !is_handoff(meta) && !is_kameo_handler(meta)
}

/// A context a span makes current while it is entered: a handoff span's,
/// or that of the span a kameo handler span follows from.
struct Activate(Context);

thread_local! {
    /// The contexts attached by spans entered on this thread, innermost
    /// last, each with the span that attached it.
    static ATTACHED: RefCell<Vec<(Id, ContextGuard)>> = const { RefCell::new(Vec::new()) };
}

/// tracewire's own part of [`layer`].
#[derive(Default)]
struct ContextLayer {
    /// The subscriber this layer is part of, to ask tracing-opentelemetry
    /// for another span's context.
    dispatch: OnceLock<WeakDispatch>,
}

impl ContextLayer {
    /// The OpenTelemetry context of span `id`: a handoff span's own, or the one
    /// tracing-opentelemetry keeps for it.
    fn context_of<S>(&self, id: &Id, ctx: &LayerContext<'_, S>) -> Option<Context>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        let span = ctx.span(id)?;
        if let Some(Activate(cx)) = span.extensions().get::<Activate>() {
            return Some(cx.clone());
        }
        // Not while holding the span's extensions: this locks them.
        let dispatch = self.dispatch.get()?.upgrade()?;
        tracing_opentelemetry::get_otel_context(id, &dispatch)
    }
}

impl<S> Layer<S> for ContextLayer
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        let _ = self.dispatch.set(subscriber.downgrade());
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        if is_handoff(attrs.metadata())
            && let Some(cx) = handoff::take_pending()
            && let Some(span) = ctx.span(id)
        {
            span.extensions_mut().insert(Activate(cx));
        }
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        // The first span followed wins: kameo names the sender's first,
        // then its own actor span, which `is_kameo` leaves out anyway.
        if !is_kameo_handler(span.metadata()) || span.extensions().get::<Activate>().is_some() {
            return;
        }
        let Some(from) = ctx.span(follows) else {
            return;
        };
        if is_kameo(from.metadata()) {
            return;
        }
        if let Some(cx) = self.context_of(follows, &ctx)
            && cx.span().span_context().is_valid()
        {
            span.extensions_mut().insert(Activate(cx));
        }
    }

    fn on_enter(&self, id: &Id, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let cx = match span.extensions().get::<Activate>() {
            Some(Activate(cx)) => cx.clone(),
            None => return,
        };
        let guard = cx.attach();
        ATTACHED.with(|attached| attached.borrow_mut().push((id.clone(), guard)));
    }

    fn on_exit(&self, id: &Id, _ctx: LayerContext<'_, S>) {
        let guard = ATTACHED.with(|attached| {
            let mut attached = attached.borrow_mut();
            let at = attached.iter().rposition(|(entered, _)| entered == id)?;
            Some(attached.remove(at).1)
        });
        // Dropped outside the borrow: detaching runs no code of ours, but
        // keep the thread-local free whatever it runs.
        drop(guard);
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        if let Some(parent) = event.parent() {
            if let Some(cx) = self.context_of(parent, &ctx) {
                event::add_to_span(event, &cx);
            }
        } else if event.is_contextual() {
            event::add_to_span(event, &Context::current());
        }
    }
}
