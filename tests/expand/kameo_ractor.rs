// Expansion snapshot input: a kameo message handler, whose span name and
// kind are decided per message, and a caller whose kameo `ask` and ractor
// `cast!` run in send spans. The expansion is checked in beside it as
// kameo_ractor.expanded.rs.

#[traced_actor]
impl Message<Inc> for Counter {
    type Reply = i64;

    async fn handle(&mut self, msg: Inc, _: &mut Context<Self, Self::Reply>) -> i64 {
        self.count += msg.amount;
        self.count
    }
}

#[traced_actor]
impl Checkout {
    async fn run(&self) -> i64 {
        ractor::cast!(self.audit, AuditMsg::Checkout).ok();
        self.counter.ask(Inc { amount: 1 }).await.unwrap_or_default()
    }
}
