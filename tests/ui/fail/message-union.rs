// #[derive(Message)] on a union: only enums and structs can derive it.
use tracewire::Message;

#[derive(Message)]
union Bits {
    int: u32,
    float: f32,
}

fn main() {
    // The impl is still emitted, so uses of the type add no further errors.
    let _ = Bits::VARIANTS;
}
