//! The state the handlers of a server's two transports share: the user's
//! [`SocketHandler`](crate::channel::SocketHandler), the server's
//! [`Core`], and the LongPoll sessions it holds.

use std::sync::Arc;

use super::longpoll_session::Sessions;
use super::server_core::Core;

/// The router's state.
pub(crate) struct Endpoint<S> {
    pub(crate) handler: S,
    pub(crate) core: Arc<Core>,
    /// The LongPoll sessions this server holds.
    pub(crate) sessions: Arc<Sessions>,
}
