// Expansion snapshot input: a representative channel handler. The expansion
// is checked in beside it as channel.expanded.rs.

#[traced_channel(topic = "room:*")]
impl RoomChannel {
    async fn join(&self, topic: &str, socket: &mut Socket) -> Result<JoinReply, JoinError> {
        self.rooms.join(topic, socket.user_id).await
    }

    #[event("message:new")]
    #[span(fields(user.id = socket.user_id, body.len = body.len()), skip(body))]
    fn new_message(&self, body: String, socket: &mut Socket) -> Reply {
        self.broadcast(socket, "message:new", body)
    }
}
