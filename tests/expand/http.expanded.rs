use tracewire::prelude::*;
struct Orders;
impl Orders {
    async fn get_order(&self, headers: &http::HeaderMap, id: u64) -> u64 {
        let mut __tw_span = ::tracewire::__private::SpanGuard::start_remote(
            &::tracewire::__private::SpanMeta {
                name: "orders.get_order",
                kind: ::tracewire::__private::SpanKind::Server,
                sample: ::tracewire::__private::None,
            },
            ::tracewire::__private::InboundRequest::remote_parent(
                &headers,
                ::tracewire::__private::TrustPolicy::Link,
            ),
        );
        if ::tracewire::__private::SpanGuard::is_recording(&__tw_span) {
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "id",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&id)).__tw_value()
                },
            );
            ::tracewire::__private::InboundRequest::record_request(
                &headers,
                &mut __tw_span,
            );
        }
        let __tw_ret = ::tracewire::__private::SpanGuard::instrument(
                &mut __tw_span,
                async move {
                    #[allow(
                        unreachable_code,
                        clippy::diverging_sub_expression,
                        clippy::empty_loop,
                        clippy::let_unit_value,
                        clippy::needless_return
                    )]
                    if false {
                        let __tw_hint: u64 = loop {};
                        return __tw_hint;
                    }
                    id
                },
            )
            .await;
        ::tracewire::__private::SpanGuard::finish(
            __tw_span,
            {
                #[allow(unused_imports)]
                use ::tracewire::__private::{UnsetOutcome as _, ViaSpanOutcome as _};
                (&::tracewire::__private::OutcomeProbe(&__tw_ret)).__tw_outcome()
            },
        );
        __tw_ret
    }
    async fn sync_order(&self, trace: tracewire::axum::TraceParent) {
        let mut __tw_span = ::tracewire::__private::SpanGuard::start_remote(
            &::tracewire::__private::SpanMeta {
                name: "orders.sync_order",
                kind: ::tracewire::__private::SpanKind::Server,
                sample: ::tracewire::__private::None,
            },
            ::tracewire::__private::InboundRequest::remote_parent(
                &trace,
                ::tracewire::__private::TrustPolicy::Parent,
            ),
        );
        if ::tracewire::__private::SpanGuard::is_recording(&__tw_span) {
            ::tracewire::__private::InboundRequest::record_request(
                &trace,
                &mut __tw_span,
            );
        }
        let __tw_ret = ::tracewire::__private::SpanGuard::instrument(
                &mut __tw_span,
                async move {},
            )
            .await;
        ::tracewire::__private::SpanGuard::finish(
            __tw_span,
            ::tracewire::__private::Outcome::Unset,
        );
        __tw_ret
    }
}
