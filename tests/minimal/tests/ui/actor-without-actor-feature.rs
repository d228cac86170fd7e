use tracewire::actor::ActorRef;

fn main() {
    let _: Option<ActorRef<()>> = None;
}
