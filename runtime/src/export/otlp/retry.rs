//! Retries as the OTLP specification says: a request is tried again only
//! when the failure is one that can pass (HTTP 429, 502, 503, 504; the gRPC
//! codes the specification lists; a collector that cannot be reached),
//! after the delay the server asked for (`Retry-After`, gRPC `RetryInfo`) or
//! else an exponential backoff with jitter, and never past the export
//! timeout. Everything else fails at once.
//!
//! The waiting happens on the export thread's own runtime, so a handler
//! never waits: while an export retries, new spans queue up to the queue's
//! bound and the rest are dropped and counted; a batch given up is counted
//! as failed by the processor.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use tokio::time::Instant;

/// The first backoff; each retry doubles it, up to [`MAX_BACKOFF`].
const INITIAL_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Why one attempt failed, and whether to try again.
#[derive(Debug)]
pub(super) struct Failure {
    /// What went wrong, for the error the export returns. Never holds a
    /// header value or anything the server sent back (which may echo one).
    pub(super) message: String,
    pub(super) retry: Retry,
}

/// Whether a failed attempt may be tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Retry {
    /// No: trying again would fail the same way (a 400, a certificate).
    No,
    /// Yes, after the exponential backoff.
    Backoff,
    /// Yes, after at least what the server asked for.
    After(Duration),
}

impl Failure {
    pub(super) fn fatal(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            retry: Retry::No,
        }
    }
}

/// The backoff before retry number `retry` (0 for the first): exponential,
/// with "equal jitter" (half fixed, half random) so that many processes
/// failing together do not retry together, yet never less than half the
/// exponential delay.
pub(super) fn backoff(retry: u32, random: f64) -> Duration {
    let base = INITIAL_BACKOFF
        .saturating_mul(1 << retry.min(16))
        .min(MAX_BACKOFF);
    base / 2 + base.mul_f64(random.clamp(0.0, 1.0) / 2.0)
}

/// A number in `[0, 1)`, different on every call: std's random hasher
/// keys, without a dependency on a random number crate.
fn random() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Runs `attempt` until it succeeds, fails for good, or the next try would
/// not start before `deadline`; each attempt is itself cut off at the
/// deadline.
pub(super) async fn with_retries<F, Fut>(deadline: Instant, mut attempt: F) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let mut retries = 0;
    loop {
        let failure = match tokio::time::timeout_at(deadline, attempt()).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(failure)) => failure,
            Err(_) => {
                let tried = if retries == 0 {
                    String::new()
                } else {
                    format!(" ({} attempts)", retries + 1)
                };
                return Err(format!(
                    "no answer from the collector within the export timeout{tried}"
                ));
            }
        };
        let wait = match failure.retry {
            Retry::No => return Err(failure.message),
            Retry::After(delay) => delay,
            Retry::Backoff => backoff(retries, random()),
        };
        if Instant::now() + wait >= deadline {
            return Err(format!(
                "{}; not retried again: waiting {} ms would pass the export timeout",
                failure.message,
                wait.as_millis()
            ));
        }
        tokio::time::sleep(wait).await;
        retries += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for retry in 0..8 {
            let base = (INITIAL_BACKOFF * (1 << retry)).min(MAX_BACKOFF);
            assert_eq!(backoff(retry, 0.0), base / 2, "retry {retry}");
            assert_eq!(backoff(retry, 1.0), base, "retry {retry}");
            let some = backoff(retry, random());
            assert!(some >= base / 2 && some <= base, "retry {retry}: {some:?}");
        }
        assert_eq!(backoff(40, 1.0), MAX_BACKOFF);
        let draws: Vec<u64> = (0..8).map(|_| (random() * 1e9) as u64).collect();
        assert!(draws.windows(2).any(|w| w[0] != w[1]), "{draws:?}");
    }

    /// Plays `outcomes` in turn, recording when each attempt started.
    async fn run(
        outcomes: Vec<Result<(), Failure>>,
        timeout: Duration,
    ) -> (Result<(), String>, Vec<Duration>) {
        let start = Instant::now();
        let outcomes = Mutex::new(outcomes.into_iter());
        let started = Mutex::new(Vec::new());
        let result = with_retries(start + timeout, || {
            started.lock().unwrap().push(start.elapsed());
            let outcome = outcomes.lock().unwrap().next().expect("an outcome");
            async move { outcome }
        })
        .await;
        (result, started.into_inner().unwrap())
    }

    fn retry(retry: Retry) -> Result<(), Failure> {
        Err(Failure {
            message: "503 Service Unavailable".into(),
            retry,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn the_server_delay_is_honoured_then_backoff_grows() {
        let second = Duration::from_secs(1);
        let (result, started) = run(
            vec![
                retry(Retry::After(second)),
                retry(Retry::Backoff),
                retry(Retry::Backoff),
                Ok(()),
            ],
            Duration::from_secs(10),
        )
        .await;
        assert_eq!(result, Ok(()));
        assert_eq!(started.len(), 4);
        assert_eq!(started[1], second, "Retry-After: exactly the delay asked");
        // The backoff counts every retry so far, the one the server timed
        // included: the second retry waits about 2x the initial backoff.
        let first = started[2] - started[1];
        let then = started[3] - started[2];
        let base = INITIAL_BACKOFF * 2;
        assert!(first >= base / 2 && first <= base, "{first:?}");
        assert!(then >= base && then <= base * 2, "{then:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_fatal_failure_is_not_retried() {
        let (result, started) = run(
            vec![Err(Failure::fatal("401 Unauthorized"))],
            Duration::from_secs(10),
        )
        .await;
        assert_eq!(result, Err("401 Unauthorized".into()));
        assert_eq!(started.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn no_retry_waits_past_the_deadline() {
        let (result, started) = run(
            vec![retry(Retry::After(Duration::from_secs(30)))],
            Duration::from_secs(10),
        )
        .await;
        let message = result.unwrap_err();
        assert!(
            message.starts_with("503 Service Unavailable; not retried again: waiting 30000 ms"),
            "{message}"
        );
        assert_eq!(
            started,
            [Duration::ZERO],
            "gave up at once, without waiting"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_attempt_that_hangs_ends_at_the_deadline() {
        let start = Instant::now();
        let result = with_retries(start + Duration::from_secs(2), || {
            std::future::pending::<Result<(), Failure>>()
        })
        .await;
        assert_eq!(
            result,
            Err("no answer from the collector within the export timeout".into())
        );
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }
}
