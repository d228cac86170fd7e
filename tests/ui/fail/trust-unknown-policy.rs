// `trust` takes one of the trust policies: parent, link, ignore.
use tracewire::prelude::*;

#[traced(parent = headers, trust = always)]
async fn get_order(headers: http::HeaderMap) -> usize {
    headers.len()
}

fn main() {}
