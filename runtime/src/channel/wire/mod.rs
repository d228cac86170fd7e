//! What travels to a client and to a joined channel, and the queues it
//! waits in: the Phoenix V2 frames ([`protocol`]), a connection's outbound
//! queue and writer ([`outbound`]), and the inbox of a joined channel's task
//! ([`inbox`]).
//!
//! The bottom of `channel/`: every other part (the cluster's PubSub, the
//! handlers' `Socket`, the transports) writes frames and queues messages
//! through these, and they use nothing of the others.

pub(crate) mod inbox;
pub(crate) mod outbound;
pub(crate) mod protocol;
