//! The names of every option and helper attribute the macros understand, in
//! one place so that parsing, validation and messages agree.

pub const NAME: &str = "name";
pub const CRATE: &str = "crate";
pub const TOPIC: &str = "topic";
pub const KIND: &str = "kind";
pub const FIELDS: &str = "fields";
pub const SKIP: &str = "skip";
pub const SKIP_ALL: &str = "skip_all";
pub const REDACT: &str = "redact";
pub const PROPAGATE: &str = "propagate";
pub const PARENT: &str = "parent";
pub const LINK: &str = "link";
pub const SAMPLE: &str = "sample";

/// `#[derive(Message)]`'s helper attribute.
pub const MESSAGE: &str = "message";
/// `#[message(attr)]` / `#[message(attr = "key")]` on a field.
pub const ATTR: &str = "attr";

/// Helper attributes read off methods inside a traced impl.
pub const SPAN: &str = "span";
pub const EVENT: &str = "event";
pub const HANDLE_OUT: &str = "handle_out";
pub const UNTRACED: &str = "untraced";
pub const TRACED: &str = "traced";

/// Span kinds accepted by `kind = ...`.
pub const KINDS: &[&str] = &["client", "server", "producer", "consumer", "internal"];

/// Calls and method calls whose first argument is work to run elsewhere:
/// tokio's and std's spawns, `JoinSet`'s, task and thread builders', and
/// the runtime handle's.
pub const SPAWNS: &[&str] = &[
    "spawn",
    "spawn_blocking",
    "spawn_local",
    "spawn_on",
    "spawn_local_on",
    "spawn_blocking_on",
];
