//! The names of every option and helper attribute the macros understand, in
//! one place so that parsing, validation and messages agree.

/// `name = ".."`: the span name's base or the span name; on a message
/// variant, its name.
pub const NAME: &str = "name";
/// `crate = path`: where generated code finds the tracewire crate.
pub const CRATE: &str = "crate";
/// `topic = "room:*"`: a channel's topic pattern, a span-name source.
pub const TOPIC: &str = "topic";
/// `kind = server`: the span kind.
pub const KIND: &str = "kind";
/// `fields(key = expr, ..)`: attributes declared on the span.
pub const FIELDS: &str = "fields";
/// `skip(arg, ..)`: arguments not recorded.
pub const SKIP: &str = "skip";
/// `skip_all`: no argument recorded.
pub const SKIP_ALL: &str = "skip_all";
/// `redact(arg, ..)`: arguments recorded as a mask.
pub const REDACT: &str = "redact";
/// `record(arg, ..)`: arguments recorded as they are although left out or
/// masked by default (secret-looking names, connect and join params).
pub const RECORD: &str = "record";
/// `propagate = false`: spawn sites in the body are left as written.
pub const PROPAGATE: &str = "propagate";
/// `parent = arg`: the argument whose trace context is the span's parent.
pub const PARENT: &str = "parent";
/// `link = arg`: the argument whose trace context the span links to.
pub const LINK: &str = "link";
/// `trust = parent`: what becomes of the trace context an incoming
/// request carries (`parent = headers`): one of [`TRUST_POLICIES`].
pub const TRUST: &str = "trust";
/// `sample = 0.1`: the head-sampling rate.
pub const SAMPLE: &str = "sample";

/// `#[derive(Message)]`'s helper attribute.
pub const MESSAGE: &str = "message";
/// `#[message(attr)]` / `#[message(attr = "key")]` on a field.
pub const ATTR: &str = "attr";

// Helper attributes read off methods inside a traced impl.

/// `#[span(..)]`: per-method options.
pub const SPAN: &str = "span";
/// `#[event("..")]`: the incoming channel event a method handles.
pub const EVENT: &str = "event";
/// `#[handle_out("..")]`: the outgoing channel event a method intercepts.
pub const HANDLE_OUT: &str = "handle_out";
/// `#[untraced]`: a method left without a span.
pub const UNTRACED: &str = "untraced";
/// `#[traced]`, a mistake on a method of a traced impl.
pub const TRACED: &str = "traced";

/// Span kinds accepted by `kind = ...`.
pub const KINDS: &[&str] = &["client", "server", "producer", "consumer", "internal"];

/// Values of `trust = ...`, as `tracewire::carrier::TrustPolicy` names them.
pub const TRUST_POLICIES: &[&str] = &["parent", "link", "ignore"];

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
