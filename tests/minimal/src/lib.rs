//! What a crate gets from tracewire with `default-features = false`, used
//! the way such a crate would: generated code must compile, and spans must
//! be recorded, without any subsystem feature.

#![deny(warnings, clippy::all)]

use std::fmt;

use tracewire::prelude::*;

/// A cache traced with `#[traced_actor]` on an inherent impl: spans alone,
/// no actor runtime.
pub struct UserCache {
    users: Vec<(u64, String)>,
}

/// The error of a failed look-up.
#[derive(Debug)]
pub struct NotFound(pub u64);

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user {} not found", self.0)
    }
}

/// A message enum naming its handler spans per variant.
#[derive(Message, Debug)]
pub enum CacheCall {
    /// Look one user up.
    Get {
        /// The user looked up, recorded as a span attribute.
        #[message(attr)]
        user_id: u64,
    },
    /// Count the users.
    Count,
}

#[traced_actor]
impl UserCache {
    /// Creates an empty cache.
    #[untraced]
    pub fn new() -> Self {
        UserCache { users: Vec::new() }
    }

    /// Adds a user (span `user_cache.insert`, attribute `user_id`).
    #[span(fields(cache_size = self.users.len()))]
    pub fn insert(&mut self, user_id: u64, name: &str) {
        self.users.push((user_id, name.to_owned()));
    }

    /// Looks a user up; `Err` marks the span as failed.
    pub async fn get_user(&self, user_id: u64) -> Result<String, NotFound> {
        let name = self
            .users
            .iter()
            .find(|(id, _)| *id == user_id)
            .map(|(_, name)| name.clone());
        // Rewritten so the task runs under this span.
        let checked = tokio::spawn(async move { name }).await.unwrap_or(None);
        checked.ok_or(NotFound(user_id))
    }

    /// Answers a message (span `user_cache.handle_call get` or `... count`).
    pub fn handle_call(&self, msg: CacheCall) -> usize {
        match msg {
            CacheCall::Get { user_id } => {
                usize::from(self.users.iter().any(|(id, _)| *id == user_id))
            }
            CacheCall::Count => self.users.len(),
        }
    }
}

impl Default for UserCache {
    fn default() -> Self {
        Self::new()
    }
}

/// A plain function traced with `#[traced]`.
#[traced(name = "report.render")]
pub fn render(rows: u32) -> String {
    format!("{rows} rows")
}
