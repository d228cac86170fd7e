//! Handler metrics: a duration histogram and a call counter for every traced
//! handler; the count of limits the channel server enforced; and what the
//! PubSub adapters could not deliver. Their names are in
//! [`semconv`](crate::semconv).
//!
//! | instrument | kind | unit | attributes |
//! | --- | --- | --- | --- |
//! | `tracewire.handler.duration` | histogram | `s` | `handler`, `outcome` |
//! | `tracewire.handler.calls` | counter | `{call}` | `handler`, `outcome` |
//! | `tracewire.channel.limit_hits` | counter | `{hit}` | `limit` |
//! | `tracewire.pubsub.unpublished` | counter | `{message}` | `reason` |
//! | `tracewire.pubsub.rejected` | counter | `{message}` | `reason` |
//!
//! `handler` is the span name (`room.handle_in message:new`). `outcome` is
//! `ok`, `error` (an `Err`, an error outcome or a panic) or `cancelled`.
//! Metrics are recorded for every call, sampled or not, because counts and
//! latencies must not depend on trace sampling.
//!
//! They are recorded once a meter provider has been installed with
//! [`set_meter_provider`] (which [`init`](crate::init) does). Handler
//! metrics can be switched off with [`set_handler_metrics_enabled`]; limit
//! hits are rare and always counted. Both functions are public as
//! `tracewire::export::*`.

use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider as _};
use opentelemetry_sdk::metrics::SdkMeterProvider;

use crate::semconv::{HANDLER, HANDLER_CALLS as CALLS, HANDLER_DURATION as DURATION, OUTCOME};

struct Instruments {
    duration: Histogram<f64>,
    calls: Counter<u64>,
    // Read by the channel server's counters; without it, a stand-in.
    #[cfg_attr(not(feature = "channel"), allow(dead_code))]
    channel: ChannelInstruments,
}

static INSTRUMENTS: RwLock<Option<Instruments>> = RwLock::new(None);
/// Checked before reading the clock, so that handlers pay nothing for
/// metrics when none are wanted.
static ENABLED: AtomicBool = AtomicBool::new(false);
static SWITCHED_OFF: AtomicBool = AtomicBool::new(false);

/// Records handler metrics through `provider` from now on.
///
/// # Examples
///
/// ```
/// use opentelemetry_sdk::metrics::SdkMeterProvider;
///
/// let provider = SdkMeterProvider::builder().build();
/// tracewire::export::set_meter_provider(&provider);
/// # let _ = provider.shutdown();
/// ```
pub fn set_meter_provider(provider: &SdkMeterProvider) {
    let meter = provider.meter(crate::semconv::INSTRUMENTATION_SCOPE);
    let instruments = Instruments {
        duration: meter
            .f64_histogram(DURATION)
            .with_unit("s")
            .with_description("Duration of traced handler calls")
            .build(),
        calls: meter
            .u64_counter(CALLS)
            .with_unit("{call}")
            .with_description("Traced handler calls")
            .build(),
        channel: ChannelInstruments::new(&meter),
    };
    *INSTRUMENTS.write().unwrap_or_else(|e| e.into_inner()) = Some(instruments);
    ENABLED.store(!SWITCHED_OFF.load(Ordering::Relaxed), Ordering::Release);
}

/// Stops recording handler metrics (and forgets the provider).
pub fn clear_meter_provider() {
    ENABLED.store(false, Ordering::Release);
    *INSTRUMENTS.write().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Switches handler metrics on or off, whatever provider is installed.
pub fn set_handler_metrics_enabled(enabled: bool) {
    SWITCHED_OFF.store(!enabled, Ordering::Relaxed);
    let installed = INSTRUMENTS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .is_some();
    ENABLED.store(enabled && installed, Ordering::Release);
}

/// The start time of a call, if metrics are being recorded.
#[inline]
pub(crate) fn start() -> Option<Instant> {
    ENABLED.load(Ordering::Acquire).then(Instant::now)
}

/// How a handler call ended, for the `outcome` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallOutcome {
    Ok,
    Error,
    Cancelled,
}

impl CallOutcome {
    fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Ok => "ok",
            CallOutcome::Error => "error",
            CallOutcome::Cancelled => "cancelled",
        }
    }
}

pub(crate) fn record(handler: &'static str, started: Instant, outcome: CallOutcome) {
    let elapsed = started.elapsed().as_secs_f64();
    let guard = INSTRUMENTS.read().unwrap_or_else(|e| e.into_inner());
    let Some(instruments) = guard.as_ref() else {
        return;
    };
    let attributes = [
        KeyValue::new(HANDLER, handler),
        KeyValue::new(OUTCOME, outcome.as_str()),
    ];
    instruments.duration.record(elapsed, &attributes);
    instruments.calls.add(1, &attributes);
}

cfg_channel! {
    use crate::semconv::{
        CHANNEL_LIMIT_HITS as LIMIT_HITS, LIMIT, PUBSUB_REJECTED, PUBSUB_UNPUBLISHED, REASON,
    };

    /// What the channel server and its PubSub adapters count.
    struct ChannelInstruments {
        limit_hits: Counter<u64>,
        unpublished: Counter<u64>,
        rejected: Counter<u64>,
    }

    impl ChannelInstruments {
        fn new(meter: &Meter) -> Self {
            ChannelInstruments {
                limit_hits: meter
                    .u64_counter(LIMIT_HITS)
                    .with_unit("{hit}")
                    .with_description("Times a channel server limit refused or cut something")
                    .build(),
                unpublished: meter
                    .u64_counter(PUBSUB_UNPUBLISHED)
                    .with_unit("{message}")
                    .with_description("Messages a PubSub adapter did not get to the other nodes")
                    .build(),
                rejected: meter
                    .u64_counter(PUBSUB_REJECTED)
                    .with_unit("{message}")
                    .with_description("Messages from a PubSub adapter that were ignored")
                    .build(),
            }
        }
    }

    /// A limit of the channel server was hit: counted under `limit`, whether
    /// or not handler metrics are switched on.
    pub(crate) fn limit_hit(limit: &'static str) {
        count(|i| &i.limit_hits, LIMIT, limit);
    }

    /// A PubSub adapter did not get a message to the other nodes.
    pub(crate) fn pubsub_unpublished(reason: &'static str) {
        count(|i| &i.unpublished, REASON, reason);
    }

    /// A node ignored something its PubSub adapter received.
    pub(crate) fn pubsub_rejected(reason: &'static str) {
        count(|i| &i.rejected, REASON, reason);
    }

    fn count(
        counter: impl Fn(&ChannelInstruments) -> &Counter<u64>,
        key: &'static str,
        value: &'static str,
    ) {
        let guard = INSTRUMENTS.read().unwrap_or_else(|e| e.into_inner());
        if let Some(instruments) = guard.as_ref() {
            counter(&instruments.channel).add(1, &[KeyValue::new(key, value)]);
        }
    }
}

cfg_not_channel! {
    /// Without the channel server nothing else is counted.
    struct ChannelInstruments;

    impl ChannelInstruments {
        fn new(_: &Meter) -> Self {
            ChannelInstruments
        }
    }
}
