//! Installing [`layer`](super::layer) as the process's global default
//! `tracing` subscriber, once, with a `RUST_LOG`-style level filter.

use std::sync::OnceLock;

use ::tracing::level_filters::LevelFilter;
use ::tracing::subscriber::Interest;
use ::tracing::{Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt as _};

use super::handoff::{is_handoff, is_kameo_handler};

/// What [`init`](crate::init) did about the global `tracing` subscriber;
/// see [`TelemetryGuard::tracing_subscriber`](crate::TelemetryGuard::tracing_subscriber).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GlobalSubscriber {
    /// A registry with [`layer`](super::layer) is the global default
    /// subscriber: installed by this call, or by an earlier `init()` or
    /// `tracewire::testing::TestTracing` (whose level filter
    /// stays: the global default is set once per process).
    Installed,
    /// Another global default subscriber was set first; it was left alone.
    /// Add [`layer`](super::layer) to it to see `tracing` in the traces:
    ///
    /// ```
    /// use tracewire::tracing::GlobalSubscriber;
    /// use tracing_subscriber::layer::SubscriberExt as _;
    ///
    /// let subscriber = tracing_subscriber::registry().with(tracewire::tracing::layer());
    /// tracing::subscriber::set_global_default(subscriber)?;
    /// let telemetry = tracewire::Telemetry::builder()
    ///     .env_vars([("TRACEWIRE_TERMINAL", "off")])
    ///     .install()?;
    /// assert_eq!(telemetry.tracing_subscriber(), GlobalSubscriber::AlreadySet);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    AlreadySet,
    /// Not asked for: [`TelemetryBuilder::tracing_subscriber(false)`](crate::TelemetryBuilder::tracing_subscriber).
    NotInstalled,
}

/// Whether tracewire's subscriber is the global default: decided by the
/// first call to [`install`], since the global default can be set only
/// once in a process.
static INSTALLED: OnceLock<GlobalSubscriber> = OnceLock::new();

/// Makes a registry with tracewire's layer, keeping what `levels` enables,
/// the global default subscriber, unless one is set already (by an earlier
/// call, or by someone else).
pub(crate) fn install(levels: Targets) -> GlobalSubscriber {
    *INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry()
            .with(KeepLevels { levels })
            .with(super::layer());
        match ::tracing::subscriber::set_global_default(subscriber) {
            Ok(()) => GlobalSubscriber::Installed,
            Err(_) => GlobalSubscriber::AlreadySet,
        }
    })
}

/// The levels `RUST_LOG` asks for, in the `target=level,level` form
/// (`info`, `warn,my_app=debug`); INFO when unset. `Err` holds the value
/// when it is not of that form (an `EnvFilter` span filter, say).
pub(crate) fn levels(rust_log: Option<&str>) -> Result<Targets, String> {
    match rust_log.map(str::trim) {
        None | Some("") => Ok(Targets::new().with_default(LevelFilter::INFO)),
        Some(value) => value.parse::<Targets>().map_err(|_| value.to_owned()),
    }
}

/// A global filter: what the levels enable, and always the spans that only
/// carry a context (handoff spans, kameo's handler spans), so that a level
/// filter never cuts a trace across a mailbox.
struct KeepLevels {
    levels: Targets,
}

impl KeepLevels {
    fn keeps(&self, meta: &Metadata<'_>) -> bool {
        is_handoff(meta)
            || is_kameo_handler(meta)
            || self.levels.would_enable(meta.target(), meta.level())
    }
}

impl<S: Subscriber> Layer<S> for KeepLevels {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.keeps(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        self.keeps(meta)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // kameo's handler spans are at INFO, handoff spans at ERROR.
        let levels = Layer::<S>::max_level_hint(&self.levels).unwrap_or(LevelFilter::TRACE);
        Some(levels.max(LevelFilter::INFO))
    }
}

#[cfg(test)]
mod tests {
    use ::tracing::Level;

    use super::*;

    #[test]
    fn rust_log_sets_the_levels_and_info_is_the_default() {
        let default = levels(None).unwrap();
        assert!(default.would_enable("any", &Level::INFO));
        assert!(!default.would_enable("any", &Level::DEBUG));
        assert_eq!(levels(Some(" ")).unwrap(), default);

        let set = levels(Some("warn,my_app=debug")).unwrap();
        assert!(set.would_enable("my_app::db", &Level::DEBUG));
        assert!(!set.would_enable("other", &Level::INFO));
        assert!(set.would_enable("other", &Level::WARN));

        assert_eq!(
            levels(Some("my_app[request{id=1}]=debug")).unwrap_err(),
            "my_app[request{id=1}]=debug"
        );
    }

    #[test]
    fn handoff_and_kameo_handler_spans_pass_any_level() {
        // The filter alone: it is what decides whether a span is enabled
        // (tracewire's layer filters nothing), and without the layer no
        // span reaches a pipeline another test's capture could see.
        let subscriber = tracing_subscriber::registry().with(KeepLevels {
            levels: Targets::new().with_default(LevelFilter::ERROR),
        });
        ::tracing::subscriber::with_default(subscriber, || {
            let handoff = crate::tracing::handoff::handoff_span(&opentelemetry::Context::new());
            let kameo = ::tracing::info_span!(target: "kameo::actor::kind", "actor.handle_message");
            let other = ::tracing::info_span!(target: "kameo::actor::kind", "other");
            let error = ::tracing::error_span!("error");
            assert!(!handoff.is_disabled());
            assert!(!kameo.is_disabled());
            assert!(other.is_disabled());
            assert!(!error.is_disabled());
        });
    }
}
