// `parent = headers` naming an argument that is not an `http::HeaderMap`
// (nor `tracewire::axum::TraceParent`).
use std::collections::HashMap;

use tracewire::prelude::*;

#[traced(parent = headers)]
async fn get_order(headers: HashMap<String, String>) -> usize {
    headers.len()
}

fn main() {}
