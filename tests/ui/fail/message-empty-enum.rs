// #[derive(Message)] on an enum with no variants.
use tracewire::Message;

#[derive(Message)]
enum Never {}

fn main() {
    let _ = Never::VARIANTS;
}
