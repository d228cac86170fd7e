// `trust` with no `parent = headers` whose context it would apply to.
use tracewire::prelude::*;

#[traced(trust = parent)]
async fn get_order(headers: http::HeaderMap) -> usize {
    headers.len()
}

fn main() {}
