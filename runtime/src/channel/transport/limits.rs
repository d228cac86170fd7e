//! The limits a server enforces on what clients may make it hold, their
//! defaults, and the metric each hit is counted in.
//!
//! Every limit is set on [`Server`](crate::channel::Server); each hit is
//! answered (an error reply, a close code, an HTTP status) and counted in
//! `tracewire.channel.limit_hits` with the limit's name as `limit`.

use std::time::{Duration, Instant};

use crate::channel::wire::outbound::CloseReason;

/// The default [`Server::handshake_timeout`](crate::channel::Server::handshake_timeout):
/// 10 seconds.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`Server::max_connections`](crate::channel::Server::max_connections):
/// 100,000 open WebSocket connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 100_000;
/// The default [`Server::max_channels`](crate::channel::Server::max_channels): 100
/// channels per socket, as Phoenix.
pub const DEFAULT_MAX_CHANNELS: usize = 100;
/// The default [`Server::max_topic_length`](crate::channel::Server::max_topic_length):
/// 256 bytes.
pub const DEFAULT_MAX_TOPIC_LENGTH: usize = 256;
/// The default [`Server::max_event_length`](crate::channel::Server::max_event_length):
/// 128 bytes.
pub const DEFAULT_MAX_EVENT_LENGTH: usize = 128;
/// The default [`Server::max_frame_size`](crate::channel::Server::max_frame_size): 1 MiB.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 1024 * 1024;
/// The default [`Server::outbound_buffer`](crate::channel::Server::outbound_buffer): 8 MiB.
pub const DEFAULT_OUTBOUND_BUFFER: usize = 8 * 1024 * 1024;
/// The default [`Server::idle_timeout`](crate::channel::Server::idle_timeout),
/// Phoenix's 60 seconds.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// The default [`Server::longpoll_window`](crate::channel::Server::longpoll_window):
/// Phoenix's 10 seconds.
pub const DEFAULT_LONGPOLL_WINDOW: Duration = Duration::from_secs(10);
/// The default
/// [`Server::longpoll_session_timeout`](crate::channel::Server::longpoll_session_timeout):
/// 20 seconds, two windows.
pub const DEFAULT_LONGPOLL_SESSION_TIMEOUT: Duration = Duration::from_secs(20);

/// A limit, by the name it is counted under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Limit {
    /// An upgrade request not read in time (the connection is closed).
    HandshakeTimeout,
    /// An upgrade beyond the connection limit (HTTP 503).
    Connections,
    /// A join beyond the channels-per-socket limit (an error reply).
    Channels,
    /// A message whose topic is too long (an error reply).
    TopicLength,
    /// A message whose event name is too long (an error reply).
    EventLength,
    /// A message beyond the socket's message rate (an error reply).
    MessageRate,
    /// A frame over the frame limit (close code 1009).
    FrameSize,
    /// A client too slow to read what it is sent (close code 1013).
    OutboundBuffer,
    /// A connection silent for too long (closed).
    IdleTimeout,
}

impl Limit {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Limit::HandshakeTimeout => "handshake_timeout",
            Limit::Connections => "connections",
            Limit::Channels => "channels",
            Limit::TopicLength => "topic_length",
            Limit::EventLength => "event_length",
            Limit::MessageRate => "message_rate",
            Limit::FrameSize => "frame_size",
            Limit::OutboundBuffer => "outbound_buffer",
            Limit::IdleTimeout => "idle_timeout",
        }
    }

    /// Counts a hit.
    pub(crate) fn hit(self) {
        crate::metrics::limit_hit(self.as_str());
    }

    /// The limit a connection was closed for, if it was closed for one.
    pub(crate) fn closed_by(reason: &CloseReason) -> Option<Limit> {
        match reason.code {
            1009 => Some(Limit::FrameSize),
            1013 => Some(Limit::OutboundBuffer),
            _ if *reason == CloseReason::IDLE => Some(Limit::IdleTimeout),
            _ => None,
        }
    }
}

/// A socket's allowance of messages: a token bucket that refills at `rate`
/// per second up to `burst`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MessageRate {
    pub(crate) per_second: u32,
    pub(crate) burst: u32,
}

/// One socket's bucket.
#[derive(Debug)]
pub(crate) struct RateBucket {
    rate: MessageRate,
    tokens: f64,
    at: Instant,
}

impl RateBucket {
    pub(crate) fn new(rate: MessageRate, now: Instant) -> Self {
        RateBucket {
            rate,
            tokens: f64::from(rate.burst),
            at: now,
        }
    }

    /// Takes one message's token at `now`; `false` when the socket is over
    /// its rate.
    pub(crate) fn take(&mut self, now: Instant) -> bool {
        let refill = now.duration_since(self.at).as_secs_f64() * f64::from(self.rate.per_second);
        self.tokens = (self.tokens + refill).min(f64::from(self.rate.burst));
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let start = Instant::now();
        let rate = MessageRate {
            per_second: 10,
            burst: 3,
        };
        let mut bucket = RateBucket::new(rate, start);
        assert!((0..3).all(|_| bucket.take(start)));
        assert!(!bucket.take(start));
        let later = start + Duration::from_millis(100);
        assert!(bucket.take(later));
        assert!(!bucket.take(later));
        let much_later = later + Duration::from_secs(60);
        assert_eq!((0..10).filter(|_| bucket.take(much_later)).count(), 3);
    }
}
