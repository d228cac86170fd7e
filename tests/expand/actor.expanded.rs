impl Actor for UserCache {
    const TRACED: bool = true;
    type Args = Db;
    type Call = CacheCall;
    type Reply = Result<User, DbError>;
    type Cast = CacheCast;
    type Info = NoMessage;
    async fn init(db: Db) -> Result<Self, StopReason> {
        let mut __tw_span = ::tracewire::__private::SpanGuard::start(
            &::tracewire::__private::SpanMeta {
                name: "user_cache.init",
                kind: ::tracewire::__private::SpanKind::Internal,
                sample: ::tracewire::__private::None,
            },
        );
        if ::tracewire::__private::SpanGuard::is_recording(&__tw_span) {
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "db",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&db)).__tw_value()
                },
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
                        let __tw_hint: Result<Self, StopReason> = loop {};
                        return __tw_hint;
                    }
                    Ok(UserCache {
                        db,
                        users: HashMap::new(),
                    })
                },
            )
            .await;
        ::tracewire::__private::SpanGuard::finish(
            __tw_span,
            match &__tw_ret {
                ::core::result::Result::Ok(__tw_ok) => {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{UnsetOutcome as _, ViaSpanOutcome as _};
                    (&::tracewire::__private::OutcomeProbe(__tw_ok)).__tw_outcome()
                }
                ::core::result::Result::Err(__tw_err) => {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{
                        ErrorViaDisplay as _, ErrorViaSpanOutcome as _,
                        ErrorViaTypeName as _,
                    };
                    (&&::tracewire::__private::ErrorProbe(__tw_err)).__tw_error_outcome()
                }
            },
        );
        __tw_ret
    }
    async fn handle_call(
        &mut self,
        msg: CacheCall,
        ctx: &mut ActorContext<Self>,
    ) -> Result<User, DbError> {
        static __TW_NAMES: ::tracewire::__private::VariantNames = ::tracewire::__private::VariantNames::new(
            "user_cache.handle_call",
        );
        #[allow(unused_imports)]
        use ::tracewire::__private::{NotAMessage as _, ViaMessage as _};
        let mut __tw_span = ::tracewire::__private::SpanGuard::start(
            &::tracewire::__private::SpanMeta {
                name: (&::tracewire::__private::MessageProbe(&msg))
                    .__tw_span_name(&__TW_NAMES, "user_cache.handle_call"),
                kind: ::tracewire::__private::SpanKind::Server,
                sample: ::tracewire::__private::None,
            },
        );
        if ::tracewire::__private::SpanGuard::is_recording(&__tw_span) {
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "msg",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&msg)).__tw_value()
                },
            );
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "cache_size",
                ::tracewire::__private::field_value(&(self.users.len())),
            );
            (&::tracewire::__private::MessageProbe(&msg))
                .__tw_record(
                    &mut |key, value| ::tracewire::__private::SpanGuard::record(
                        &mut __tw_span,
                        key,
                        ::tracewire::__private::Some(value),
                    ),
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
                        let __tw_hint: Result<User, DbError> = loop {};
                        return __tw_hint;
                    }
                    let CacheCall::GetUser { user_id } = msg;
                    tokio::spawn({
                        let __tw_work = refresh(user_id);
                        #[allow(unused_imports)]
                        use ::tracewire::__private::{
                            PropagateClosure as _, PropagateFuture as _,
                            PropagateOther as _,
                        };
                        (&&&::tracewire::__private::PropagateProbe::of(&__tw_work))
                            .__tw_kind()
                            .wrap(__tw_work)
                    });
                    self.db.fetch(user_id).await
                },
            )
            .await;
        ::tracewire::__private::SpanGuard::finish(
            __tw_span,
            match &__tw_ret {
                ::core::result::Result::Ok(__tw_ok) => {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{UnsetOutcome as _, ViaSpanOutcome as _};
                    (&::tracewire::__private::OutcomeProbe(__tw_ok)).__tw_outcome()
                }
                ::core::result::Result::Err(__tw_err) => {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{
                        ErrorViaDisplay as _, ErrorViaSpanOutcome as _,
                        ErrorViaTypeName as _,
                    };
                    (&&::tracewire::__private::ErrorProbe(__tw_err)).__tw_error_outcome()
                }
            },
        );
        __tw_ret
    }
    fn len(&self) -> usize {
        self.users.len()
    }
}
