//! Installing [`layer`](super::layer) as the process's global default
//! `tracing` subscriber, once.

use std::sync::OnceLock;

use ::tracing::level_filters::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;

/// Whether tracewire's subscriber is the global default: decided by the
/// first call to [`install`], since the global default can be set only
/// once in a process.
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Makes a registry with tracewire's layer, keeping spans and events up to
/// `max_level`, the global default subscriber, unless one is set already.
/// Returns whether tracewire's subscriber is the global default: installed
/// now or by an earlier call (whatever that call's level), or `false` when
/// another subscriber was set first.
// Until `init()` calls it too, only `TestTracing` does.
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
pub(crate) fn install(max_level: LevelFilter) -> bool {
    *INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry()
            .with(max_level)
            .with(super::layer());
        ::tracing::subscriber::set_global_default(subscriber).is_ok()
    })
}
