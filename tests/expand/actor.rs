// Expansion snapshot input: a representative actor. The expansion is
// checked in beside it as actor.expanded.rs.

#[traced_actor]
impl Actor for UserCache {
    type Args = Db;
    type Call = CacheCall;
    type Reply = Result<User, DbError>;
    type Cast = CacheCast;
    type Info = NoMessage;

    async fn init(db: Db) -> Result<Self, StopReason> {
        Ok(UserCache { db, users: HashMap::new() })
    }

    #[span(fields(cache_size = self.users.len()))]
    async fn handle_call(&mut self, msg: CacheCall, ctx: &mut ActorContext<Self>) -> Result<User, DbError> {
        let CacheCall::GetUser { user_id } = msg;
        tokio::spawn(refresh(user_id));
        self.db.fetch(user_id).await
    }

    #[untraced]
    fn len(&self) -> usize {
        self.users.len()
    }
}
