// Expansion snapshot input: a representative channel handler. The expansion
// is checked in beside it as channel.expanded.rs: the traced methods, then
// the `Channel` impl that dispatches events to them.

#[traced_channel(topic = "room:*")]
impl RoomChannel {
    async fn join(topic: &str, params: JoinParams, socket: &mut Socket) -> Result<Self, JoinError> {
        Rooms::authorize(topic, &params, socket).await
    }

    #[event("message:new")]
    #[span(fields(body.len = msg.body.len()), skip(msg))]
    async fn new_message(&mut self, msg: NewMessage, socket: &mut Socket) -> Result<Sent, ChatError> {
        socket.broadcast_from("message:new", &msg).await?;
        Ok(Sent { id: self.next_id() })
    }

    #[handle_out("message:new")]
    fn filter_blocked(&mut self, payload: &Payload, socket: &mut Socket) -> bool {
        !self.blocked(payload, socket)
    }

    async fn terminate(&mut self, reason: &LeaveReason, socket: &mut Socket) {
        self.leave(socket).await;
    }
}
