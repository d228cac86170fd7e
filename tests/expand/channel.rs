// Expansion snapshot input: a representative channel handler. The expansion
// is checked in beside it as channel.expanded.rs: the traced methods, then
// the `Channel` impl that dispatches events to them. The join params
// (`params`) are never recorded: they carry the client's tokens.

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

    // A name that looks like a secret's is recorded as the mask by default.
    #[event("session:refresh")]
    async fn refresh(&mut self, auth_token: String, socket: &mut Socket) -> Result<Sent, ChatError> {
        self.sessions.refresh(&auth_token, socket).await
    }

    // `record(..)` asks for it as it is.
    #[event("session:check")]
    #[span(record(session_id))]
    fn check(&mut self, session_id: u64, socket: &mut Socket) -> bool {
        self.sessions.is_live(session_id)
    }

    #[handle_out("message:new")]
    fn filter_blocked(&mut self, payload: &Payload, socket: &mut Socket) -> bool {
        !self.blocked(payload, socket)
    }

    async fn terminate(&mut self, reason: &LeaveReason, socket: &mut Socket) {
        self.leave(socket).await;
    }
}
