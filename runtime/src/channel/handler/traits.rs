//! What a channel handler is and returns: the [`Channel`] and
//! [`SocketHandler`] traits the server drives, and the conversions that let
//! handler methods return natural Rust types.
//!
//! With `#[traced_channel]` on an inherent impl that has a `join` fn, the
//! macro writes the `Channel` impl: `handle_in` dispatches each
//! `#[event("..")]` to its method, decoding the payload into the method's
//! payload type with serde, and `handle_out` dispatches each
//! `#[handle_out("..")]`. An unknown event or an undecodable payload gets an
//! error reply; the connection carries on.

use std::fmt;
use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::socket::{Assigns, Socket};

/// A message body on the wire: any JSON value.
pub type Payload = Value;

/// The answer to a client's push, sent as `phx_reply` with
/// `{"status": "ok" | "error", "response": ..}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// `status: "ok"`.
    Ok(Payload),
    /// `status: "error"`.
    Error(Payload),
}

impl Reply {
    /// An error reply `{"reason": reason}`.
    pub fn error(reason: impl fmt::Display) -> Self {
        Reply::Error(json!({ "reason": reason.to_string() }))
    }

    /// The reply to an event no handler declares.
    pub fn unknown_event(event: &str) -> Self {
        Reply::Error(json!({ "reason": "unknown event", "event": event }))
    }

    /// The reply to a payload that does not decode into the handler's type.
    pub fn invalid_payload(error: &serde_json::Error) -> Self {
        Reply::Error(json!({ "reason": "invalid payload", "details": error.to_string() }))
    }

    /// `"ok"` or `"error"`.
    pub fn status(&self) -> &'static str {
        match self {
            Reply::Ok(_) => "ok",
            Reply::Error(_) => "error",
        }
    }

    /// The response body.
    pub fn response(&self) -> &Payload {
        match self {
            Reply::Ok(p) | Reply::Error(p) => p,
        }
    }
}

/// An error reply is a failed `handle_in`: its span gets status Error with
/// the reply's `reason` (or the whole response when it has none).
impl crate::SpanOutcome for Reply {
    fn span_outcome(&self) -> crate::Outcome<'_> {
        match self {
            Reply::Ok(_) => crate::Outcome::Unset,
            Reply::Error(response) => match response.get("reason") {
                Some(Value::String(reason)) => crate::Outcome::error("error_reply", reason),
                _ => crate::Outcome::error("error_reply", response),
            },
        }
    }
}

/// What a `#[event]` method may return; `None` sends no reply (Phoenix's
/// `{:noreply, socket}`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a reply an event handler can send",
    label = "return `()` (no reply), a `Reply`, or a `Result<T, E>` whose `T` and `E` serialise",
    note = "for a plain value, return `Ok::<_, ()>(value)` or `Reply::Ok(serde_json::json!(..))`"
)]
pub trait IntoReply {
    /// The reply to send, if any.
    fn into_reply(self) -> Option<Reply>;
}

impl IntoReply for () {
    fn into_reply(self) -> Option<Reply> {
        None
    }
}

impl IntoReply for Reply {
    fn into_reply(self) -> Option<Reply> {
        Some(self)
    }
}

impl IntoReply for Option<Reply> {
    fn into_reply(self) -> Option<Reply> {
        self
    }
}

/// `Ok(value)` replies `ok` with the value, `Err(error)` replies `error`
/// with the error; both serialised with serde.
impl<T: Serialize, E: Serialize> IntoReply for Result<T, E> {
    fn into_reply(self) -> Option<Reply> {
        Some(match self {
            Ok(value) => match serde_json::to_value(value) {
                Ok(value) => Reply::Ok(value),
                Err(e) => Reply::error(format_args!("the reply does not serialise: {e}")),
            },
            Err(error) => match serde_json::to_value(error) {
                Ok(error) => Reply::Error(error),
                Err(e) => Reply::error(format_args!("the error does not serialise: {e}")),
            },
        })
    }
}

/// Why a join was refused, sent as an error reply `{"reason": ..}` plus any
/// details.
#[derive(Clone, Debug, PartialEq)]
pub struct JoinError {
    reason: String,
    details: Option<Payload>,
}

impl JoinError {
    /// A refusal with a reason such as `"unauthorized"`.
    pub fn new(reason: impl Into<String>) -> Self {
        JoinError {
            reason: reason.into(),
            details: None,
        }
    }

    /// Adds details to the error response.
    pub fn with_details(mut self, details: impl Serialize) -> Self {
        self.details = serde_json::to_value(details).ok();
        self
    }

    /// The join params did not decode into the join fn's params type.
    pub fn invalid_params(error: &serde_json::Error) -> Self {
        JoinError::new("invalid params").with_details(error.to_string())
    }

    /// The reason.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The error response sent to the client.
    pub fn response(&self) -> Payload {
        match &self.details {
            Some(details) => json!({ "reason": self.reason, "details": details }),
            None => json!({ "reason": self.reason }),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for JoinError {}

impl crate::SpanOutcome for JoinError {
    fn span_outcome(&self) -> crate::Outcome<'_> {
        crate::Outcome::error("join_refused", self)
    }
}

impl From<&str> for JoinError {
    fn from(reason: &str) -> Self {
        JoinError::new(reason)
    }
}

impl From<String> for JoinError {
    fn from(reason: String) -> Self {
        JoinError::new(reason)
    }
}

/// What a `join` fn may return: the channel state, plus a response for the
/// join reply (`{}` when there is none), or the refusal.
pub trait IntoJoin<C> {
    /// The state and the reply response, or the refusal.
    fn into_join(self) -> Result<(C, Payload), JoinError>;
}

impl<C, E: Into<JoinError>> IntoJoin<C> for Result<C, E> {
    fn into_join(self) -> Result<(C, Payload), JoinError> {
        self.map(|c| (c, json!({}))).map_err(Into::into)
    }
}

impl<C, T: Serialize, E: Into<JoinError>> IntoJoin<C> for Result<(C, T), E> {
    fn into_join(self) -> Result<(C, Payload), JoinError> {
        let (channel, response) = self.map_err(Into::into)?;
        let response = serde_json::to_value(response)
            .map_err(|e| JoinError::new(format!("the join response does not serialise: {e}")))?;
        Ok((channel, response))
    }
}

/// What happens to a broadcast on its way to one subscriber.
#[derive(Clone, Debug, PartialEq)]
pub enum Outgoing {
    /// Push this payload to the client.
    Push(Payload),
    /// Push nothing to this client.
    Skip,
}

/// What a `#[handle_out]` method may return.
pub trait IntoOutgoing {
    /// The decision, given the payload as broadcast.
    fn into_outgoing(self, payload: Payload) -> Outgoing;
}

impl IntoOutgoing for Outgoing {
    fn into_outgoing(self, _payload: Payload) -> Outgoing {
        self
    }
}

/// `()`: push the payload unchanged.
impl IntoOutgoing for () {
    fn into_outgoing(self, payload: Payload) -> Outgoing {
        Outgoing::Push(payload)
    }
}

/// `true`: push it; `false`: skip this client.
impl IntoOutgoing for bool {
    fn into_outgoing(self, payload: Payload) -> Outgoing {
        if self {
            Outgoing::Push(payload)
        } else {
            Outgoing::Skip
        }
    }
}

/// Why a channel stopped, given to `terminate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeaveReason {
    /// The client left the topic (`phx_leave`).
    Leave,
    /// The connection closed.
    Closed,
    /// The client joined the same topic again, which replaces this channel.
    Rejoined,
    /// A handler panicked, with the panic message.
    Crashed(String),
    /// The server is shutting down.
    Shutdown,
}

impl fmt::Display for LeaveReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeaveReason::Leave => f.write_str("leave"),
            LeaveReason::Closed => f.write_str("closed"),
            LeaveReason::Rejoined => f.write_str("rejoined"),
            LeaveReason::Crashed(m) => write!(f, "crashed: {m}"),
            LeaveReason::Shutdown => f.write_str("shutdown"),
        }
    }
}

impl crate::AttributeValue for LeaveReason {
    fn attribute_value(&self) -> Option<opentelemetry::Value> {
        Some(self.to_string().into())
    }
}

/// A channel handler: one value per joined topic per connection, created by
/// [`join`](Self::join). Usually written by `#[traced_channel]` from an
/// inherent impl (see the module documentation); implement it by hand to
/// dispatch events yourself.
///
/// A type that is not a `Channel` where one is needed (most often a
/// `#[traced_channel]` impl whose `join` takes `self`, which is traced for
/// its spans but gets no generated impl) is reported with the `join` shape
/// that would make it one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `tracewire::channel::Channel`",
    label = "not a channel",
    note = "`#[traced_channel]` writes the `Channel` impl for an inherent impl whose `join` creates the channel, so it takes no `self`: `async fn join(topic: &str, params: P, socket: &mut Socket) -> Result<Self, E>` (each argument is optional; return `Result<(Self, R), E>` to reply with `R`)",
    note = "a `join(&self, ..)` makes the impl a spans-only one; or implement `tracewire::channel::Channel` by hand"
)]
pub trait Channel: Sized + Send + 'static {
    /// The channel's name in span names (`room`).
    const NAME: &'static str;

    /// Joins `topic` with the client's join params, or refuses.
    fn join(
        topic: &str,
        params: Payload,
        socket: &mut Socket,
    ) -> impl Future<Output = Result<(Self, Payload), JoinError>> + Send;

    /// Handles an event the client pushed; `None` sends no reply.
    fn handle_in(
        &mut self,
        event: &str,
        payload: Payload,
        socket: &mut Socket,
    ) -> impl Future<Output = Option<Reply>> + Send;

    /// Whether broadcasts of `event` go through [`handle_out`](Self::handle_out)
    /// before reaching this channel's client.
    fn intercepts(event: &str) -> bool {
        let _ = event;
        false
    }

    /// Decides what this channel's client gets of an intercepted broadcast.
    fn handle_out(
        &mut self,
        event: &str,
        payload: Payload,
        socket: &mut Socket,
    ) -> impl Future<Output = Outgoing> + Send {
        let _ = (event, socket);
        async move { Outgoing::Push(payload) }
    }

    /// Runs once when the channel stops, whatever the reason.
    fn terminate(
        &mut self,
        reason: &LeaveReason,
        socket: &mut Socket,
    ) -> impl Future<Output = ()> + Send {
        let _ = (reason, socket);
        async {}
    }
}

/// Decodes a payload into a handler's payload type. Generated code calls it.
#[doc(hidden)]
pub fn decode<P: DeserializeOwned>(payload: Payload) -> Result<P, serde_json::Error> {
    serde_json::from_value(payload)
}

/// A connection's parameters: the query string of the socket URL, where the
/// Phoenix client puts its `params` (such as a `token`) and `vsn`.
pub type ConnectParams = std::collections::HashMap<String, String>;

/// What the server knows about a connecting client.
#[derive(Clone, Debug)]
pub struct ConnectInfo {
    /// Always `"websocket"` here.
    pub transport: &'static str,
    /// The `User-Agent` header, if sent.
    pub user_agent: Option<String>,
    /// The peer's address. Never recorded on spans by tracewire: a client
    /// address is personal data in many places; record it yourself if your
    /// policy allows.
    pub peer: Option<std::net::SocketAddr>,
}

/// Why a connection was refused. The client gets a plain HTTP 403.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectError {
    reason: String,
}

impl ConnectError {
    /// A refusal with a reason such as `"authentication failed"`.
    pub fn new(reason: impl Into<String>) -> Self {
        ConnectError {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ConnectError {}

/// Authenticates connections (Phoenix's `UserSocket`). The server wraps each
/// `connect` in a `socket.connect` span (SERVER, with `socket.transport` and
/// `socket.user_agent`), records `socket.authenticated` as an event on
/// success and status Error on refusal.
pub trait SocketHandler: Send + Sync + 'static {
    /// Accepts the connection with its assigns, or refuses it.
    fn connect(
        &self,
        params: &ConnectParams,
        info: &ConnectInfo,
    ) -> impl Future<Output = Result<Assigns, ConnectError>> + Send;

    /// The socket's id, from its assigns (Phoenix's `id/1`), for example
    /// `user_socket:42`.
    fn id(&self, assigns: &Assigns) -> Option<String> {
        let _ = assigns;
        None
    }
}

// Rejections the generated dispatch makes before any handler method runs
// (an unknown event, a payload or join params that do not decode) get a
// span of their own, named as the handler's would be, so that failed
// requests are never invisible. What the client sent is not recorded: the
// event name is cut to a bounded length, and the decoding error is
// recorded without the values it quotes (join params carry tokens).

fn rejected_span(span_name: &'static str, event: Option<&str>, outcome: crate::Outcome<'_>) {
    let meta = crate::span::SpanMeta {
        name: span_name,
        kind: opentelemetry::trace::SpanKind::Server,
        sample: None,
    };
    let mut span = crate::span::SpanGuard::start(&meta);
    if let Some(event) = event
        && span.is_recording()
    {
        let event = crate::value::bounded_str(event).into_owned();
        span.record("channel.event", Some(event.into()));
    }
    span.finish(outcome);
}

/// An event no `#[event]` method handles: a span `{name}.handle_in` with the
/// event as `channel.event`, and an error reply.
#[doc(hidden)]
pub fn reject_unknown_event(span_name: &'static str, event: &str) -> Option<Reply> {
    let reply = Reply::unknown_event(event);
    rejected_span(
        span_name,
        Some(event),
        crate::SpanOutcome::span_outcome(&reply),
    );
    Some(reply)
}

/// A payload that does not decode into the handler's payload type.
#[doc(hidden)]
pub fn reject_payload(span_name: &'static str, error: &serde_json::Error) -> Option<Reply> {
    let reply = Reply::invalid_payload(error);
    let recorded = without_values(error);
    rejected_span(
        span_name,
        None,
        crate::Outcome::error("invalid_payload", &recorded),
    );
    Some(reply)
}

/// Join params that do not decode into the join fn's params type.
#[doc(hidden)]
pub fn reject_params(span_name: &'static str, error: &serde_json::Error) -> JoinError {
    let recorded = without_values(error);
    rejected_span(
        span_name,
        None,
        crate::Outcome::error("invalid_params", &recorded),
    );
    JoinError::invalid_params(error)
}

/// A decoding error's message without the client's values that serde
/// quotes in it (`invalid type: string "hunter2", expected u64` becomes
/// `invalid type: string, expected u64`; an unknown enum variant loses its
/// name), cut to a bounded length: what a span may keep of it. Field names
/// come from the handler's own types and stay.
fn without_values(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let kept = strip_values(&message);
    crate::value::bounded_str(&kept).into_owned()
}

fn strip_values(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((unexpected, expected)) = rest.rsplit_once(", expected ")
        {
            // `string "…"`, `integer `5``, `floating point `1.5``: the kind
            // is what comes before the quoted value.
            let kind = unexpected
                .split(['"', '`'])
                .next()
                .unwrap_or_default()
                .trim_end();
            return format!("{prefix}{kind}, expected {expected}");
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        for tail in ["`, expected ", "`, there are no variants"] {
            if let Some(at) = rest.find(tail) {
                return format!("unknown variant{}", &rest[at + 1..]);
            }
        }
        return "unknown variant".to_owned();
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_error<T: DeserializeOwned>(value: Value) -> serde_json::Error {
        match decode::<T>(value) {
            Ok(_) => panic!("decoded"),
            Err(e) => e,
        }
    }

    #[test]
    fn decoding_errors_are_recorded_without_the_clients_values() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Params {
            room: u64,
            mode: Mode,
        }
        #[derive(Debug, serde::Deserialize)]
        enum Mode {
            Read,
        }
        let wrong_type = decode_error::<Params>(json!({"room": "hunter2", "mode": "Read"}));
        assert!(wrong_type.to_string().contains("hunter2"));
        assert_eq!(
            without_values(&wrong_type),
            "invalid type: string, expected u64"
        );
        let number = decode_error::<Params>(json!({"room": -4312, "mode": "Read"}));
        assert_eq!(
            without_values(&number),
            "invalid value: integer, expected u64"
        );
        let variant = decode_error::<Params>(json!({"room": 1, "mode": "s3cr3t"}));
        assert!(variant.to_string().contains("s3cr3t"));
        assert_eq!(without_values(&variant), "unknown variant, expected `Read`");
        let missing = decode_error::<Params>(json!({"mode": "Read"}));
        assert_eq!(without_values(&missing), "missing field `room`");
    }
}
