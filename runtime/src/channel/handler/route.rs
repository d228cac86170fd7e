//! Topic routing: which [`Channel`] type serves a topic, by pattern
//! (`"room:*"` or an exact topic), in declaration order.

use std::marker::PhantomData;

use tokio::task::JoinHandle;

use super::joined::{ChannelStart, run};
use super::traits::Channel;

/// A topic pattern: `"room:*"` (a prefix) or an exact topic.
#[derive(Clone, Debug)]
pub(crate) enum TopicPattern {
    Prefix(String),
    Exact(String),
}

impl TopicPattern {
    /// Parses a pattern.
    ///
    /// # Panics
    ///
    /// If `*` appears anywhere but at the end, as Phoenix refuses too.
    pub(crate) fn parse(pattern: &str) -> Self {
        match pattern.strip_suffix('*') {
            Some(prefix) if !prefix.contains('*') => TopicPattern::Prefix(prefix.to_owned()),
            _ if pattern.contains('*') => panic!(
                "invalid channel pattern {pattern:?}: `*` is only allowed at the end, as in \"room:*\""
            ),
            _ => TopicPattern::Exact(pattern.to_owned()),
        }
    }

    pub(crate) fn matches(&self, topic: &str) -> bool {
        match self {
            TopicPattern::Prefix(prefix) => topic.starts_with(prefix.as_str()),
            TopicPattern::Exact(exact) => topic == exact,
        }
    }
}

/// A channel type behind a topic pattern, without its type.
pub(crate) trait Route: Send + Sync {
    fn matches(&self, topic: &str) -> bool;
    fn spawn(&self, start: ChannelStart) -> JoinHandle<()>;
}

pub(crate) struct ChannelRoute<C> {
    pub(crate) pattern: TopicPattern,
    pub(crate) channel: PhantomData<fn() -> C>,
}

impl<C: Channel> Route for ChannelRoute<C> {
    fn matches(&self, topic: &str) -> bool {
        self.pattern.matches(topic)
    }

    fn spawn(&self, start: ChannelStart) -> JoinHandle<()> {
        tokio::spawn(run::<C>(start))
    }
}
