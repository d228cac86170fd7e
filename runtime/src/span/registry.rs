//! The provider registry: which tracer tracewire's spans start on, and
//! what is known of its sampler. Installed by the `set_*_tracer_provider`
//! functions, by [`OwnedProvider::install`](super::owned::OwnedProvider::install),
//! and read by [`start`](super::start) on every span.
//!
//! Nothing installed, spans fall back to [`opentelemetry::global`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use opentelemetry::InstrumentationScope;
use opentelemetry::global;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use super::direct::DirectTracer;
use crate::semconv::INSTRUMENTATION_SCOPE;

/// The tracer used when one has been installed through
/// [`set_tracer_provider`]. Keeping the concrete SDK tracer here (rather than
/// going through `opentelemetry::global`) avoids boxing a tracer on every
/// span and lets attributes go straight onto the concrete span.
static INSTALLED: RwLock<Option<Installed>> = RwLock::new(None);

/// Whether the installed provider's `parent_decides`: read without the
/// lock, so that a span under an unsampled local parent costs a load and a
/// look at the current context.
static PARENT_DECIDES: AtomicBool = AtomicBool::new(false);

/// Whether the installed provider has a direct tracer: read without the
/// lock, so that a span under a sampled local parent starts the short way.
/// A hint only: the direct tracer itself is read under the lock.
static DIRECT_INSTALLED: AtomicBool = AtomicBool::new(false);

/// The installed provider's tracer, and what is known of its sampler.
pub(super) struct Installed {
    pub(super) tracer: SdkTracer,
    /// The sampler is a [`HandlerSampler`](crate::sampling::HandlerSampler),
    /// so a span whose parent is a local unsampled span is always dropped:
    /// such a span need not be started at all.
    pub(super) parent_decides: bool,
    /// Set when tracewire built the provider itself: its spans then take
    /// the direct path ([`super::direct`]) rather than the SDK's.
    pub(super) direct: Option<Arc<DirectTracer>>,
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
/// [`HandlerSampler`](crate::sampling::HandlerSampler), and lets spans take
/// the direct path `direct` describes (same sampler, limits, and
/// processors as the provider's) when there is one. Other spans, plain
/// OpenTelemetry or `tracing` ones, still go through `provider`.
pub(super) fn install_owned(provider: SdkTracerProvider, direct: Option<Arc<DirectTracer>>) {
    install(provider, true, direct);
}

fn install(provider: SdkTracerProvider, parent_decides: bool, direct: Option<Arc<DirectTracer>>) {
    let scope = InstrumentationScope::builder(INSTRUMENTATION_SCOPE)
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let tracer = provider.tracer_with_scope(scope);
    // A poisoned lock only means another thread panicked mid-write of an
    // `Option`; the value is still whole, so carry on with it.
    let mut installed = INSTALLED.write().unwrap_or_else(|e| e.into_inner());
    DIRECT_INSTALLED.store(direct.is_some(), Ordering::Release);
    *installed = Some(Installed {
        tracer,
        parent_decides,
        direct,
    });
    PARENT_DECIDES.store(parent_decides, Ordering::Release);
    drop(installed);
    global::set_tracer_provider(provider);
}

/// Removes the provider installed by [`set_tracer_provider`], so handlers fall
/// back to the OpenTelemetry global provider.
pub fn clear_tracer_provider() {
    let mut installed = INSTALLED.write().unwrap_or_else(|e| e.into_inner());
    PARENT_DECIDES.store(false, Ordering::Release);
    DIRECT_INSTALLED.store(false, Ordering::Release);
    *installed = None;
}

/// What is installed now, read under the lock.
#[inline]
pub(super) fn installed() -> RwLockReadGuard<'static, Option<Installed>> {
    INSTALLED.read().unwrap_or_else(|e| e.into_inner())
}

/// Whether the installed provider's sampler follows an unsampled local
/// parent: [`PARENT_DECIDES`], without the lock.
#[inline]
pub(super) fn parent_decides() -> bool {
    PARENT_DECIDES.load(Ordering::Acquire)
}

/// Whether a direct tracer is installed, as a hint: [`DIRECT_INSTALLED`],
/// without the lock.
#[inline]
pub(super) fn direct_hint() -> bool {
    DIRECT_INSTALLED.load(Ordering::Acquire)
}

/// Whether spans take the direct path now.
#[cfg(all(test, feature = "testing"))]
pub(crate) fn direct_installed() -> bool {
    installed().as_ref().is_some_and(|i| i.direct.is_some())
}

/// Runs `f` with the tracer installed by [`set_tracer_provider`], if any.
/// The `tracing` bridge starts `tracing` spans through it, so that they
/// always go to the provider installed now, whenever the layer was built.
#[cfg(feature = "tracing")]
pub(crate) fn with_installed_tracer<R>(f: impl FnOnce(Option<&SdkTracer>) -> R) -> R {
    let guard = installed();
    f(guard.as_ref().map(|installed| &installed.tracer))
}
