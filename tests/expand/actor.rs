// Expansion snapshot input: a representative actor. The expansion is
// checked in beside it as actor.expanded.rs.

#[traced_actor]
impl UserCache {
    #[span(fields(cache_size = self.users.len()), redact(token))]
    async fn get_user(&mut self, user_id: u64, token: &str) -> Result<User, DbError> {
        self.db.fetch(user_id, token).await
    }

    fn handle_cast(&mut self, user_id: u64) {
        self.users.remove(&user_id);
    }

    #[untraced]
    fn len(&self) -> usize {
        self.users.len()
    }
}
