// An HTTP handler continuing its caller's trace (`parent = headers`): its
// span is SERVER, and the request's headers go through the trust policy
// (a link by default, the parent with `trust = parent`).
use tracewire::prelude::*;

struct Orders;

#[traced_actor]
impl Orders {
    #[span(parent = headers)]
    async fn get_order(&self, headers: &http::HeaderMap, id: u64) -> u64 {
        id
    }

    #[span(parent = trace, trust = parent)]
    async fn sync_order(&self, trace: tracewire::axum::TraceParent) {}
}
