// `link = headers`: a request's context is linked by default; the option
// is `parent = headers`.
use tracewire::prelude::*;

#[traced(link = headers)]
async fn get_order(headers: http::HeaderMap) -> usize {
    headers.len()
}

fn main() {}
