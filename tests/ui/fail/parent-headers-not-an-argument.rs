// `parent = headers` on an HTTP handler that does not take the request's
// headers.
use tracewire::prelude::*;

#[traced(parent = headers)]
async fn get_order(id: u64) -> u64 {
    id
}

fn main() {}
