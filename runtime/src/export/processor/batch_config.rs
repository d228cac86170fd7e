//! [`BatchConfig`]: the limits and timings of a
//! [`BoundedSpanProcessor`](super::BoundedSpanProcessor), read by the
//! processor (its capacity) and by its export thread (batches, delays,
//! timeouts).

use std::time::Duration;

/// Limits and timings of a [`BoundedSpanProcessor`](super::BoundedSpanProcessor).
///
/// ```
/// use std::time::Duration;
/// use tracewire::export::BatchConfig;
///
/// let config = BatchConfig {
///     queue_size: 4096,
///     ..BatchConfig::default()
/// };
/// assert_eq!(config.max_export_batch_size, 512);
/// assert_eq!(config.schedule_delay, Duration::from_secs(5));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchConfig {
    /// The most spans held at once, queued or being exported. A span that
    /// arrives when this many are held is dropped and counted. Default 2048.
    pub queue_size: usize,
    /// The most spans sent in one export. Capped at `queue_size`.
    /// Default 512.
    pub max_export_batch_size: usize,
    /// How long spans may wait for a batch to fill before it is exported
    /// anyway. Default 5 s.
    pub schedule_delay: Duration,
    /// The longest one export may take, retries included, before its spans
    /// are counted as failed. Default 10 s.
    pub export_timeout: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            queue_size: 2048,
            max_export_batch_size: 512,
            schedule_delay: Duration::from_secs(5),
            export_timeout: Duration::from_secs(10),
        }
    }
}
