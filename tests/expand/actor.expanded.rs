impl UserCache {
    async fn get_user(&mut self, user_id: u64, token: &str) -> Result<User, DbError> {
        let mut __tw_span = ::tracewire::__private::HandlerSpan::start(
            &::tracewire::__private::HandlerMeta {
                name: "user_cache.get_user",
                kind: ::tracewire::__private::SpanKind::Internal,
                sample: ::tracewire::__private::None,
            },
        );
        if __tw_span.is_recording() {
            __tw_span
                .record(
                    "user_id",
                    {
                        #[allow(unused_imports)]
                        use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                        (&::tracewire::__private::AttrProbe(&user_id)).__tw_value()
                    },
                );
            __tw_span.record("token", ::tracewire::__private::redacted());
            __tw_span
                .record(
                    "cache_size",
                    ::tracewire::__private::field_value(&(self.users.len())),
                );
        }
        let __tw_ret = __tw_span
            .instrument(async move {
                #[allow(
                    unreachable_code,
                    clippy::diverging_sub_expression,
                    clippy::empty_loop,
                    clippy::let_unit_value,
                    clippy::needless_return
                )]
                if false {
                    let __tw_hint: Result<User, DbError> = loop {};
                    return __tw_hint;
                }
                { self.db.fetch(user_id, token).await }
            })
            .await;
        __tw_span.finish(::tracewire::__private::required_outcome(&__tw_ret));
        __tw_ret
    }
    fn handle_cast(&mut self, user_id: u64) {
        let mut __tw_span = ::tracewire::__private::HandlerSpan::start(
            &::tracewire::__private::HandlerMeta {
                name: "user_cache.handle_cast",
                kind: ::tracewire::__private::SpanKind::Consumer,
                sample: ::tracewire::__private::None,
            },
        );
        if __tw_span.is_recording() {
            __tw_span
                .record(
                    "user_id",
                    {
                        #[allow(unused_imports)]
                        use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                        (&::tracewire::__private::AttrProbe(&user_id)).__tw_value()
                    },
                );
        }
        let __tw_ret = __tw_span
            .in_scope(move || {
                {
                    self.users.remove(&user_id);
                }
            });
        __tw_span.finish(::tracewire::__private::Outcome::Unset);
        __tw_ret
    }
    fn len(&self) -> usize {
        self.users.len()
    }
}
