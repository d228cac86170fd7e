impl Message<Inc> for Counter {
    type Reply = i64;
    async fn handle(
        &mut self,
        msg: Inc,
        __tw_reply_cx: &mut Context<Self, Self::Reply>,
    ) -> i64 {
        static __TW_NAMES: ::tracewire::__private::VariantNames = ::tracewire::__private::VariantNames::new(
            "counter.handle",
        );
        #[allow(unused_imports)]
        use ::tracewire::__private::{NotAMessage as _, ViaMessage as _};
        let mut __tw_span = ::tracewire::__private::SpanGuard::start(
            &::tracewire::__private::SpanMeta {
                name: (&::tracewire::__private::MessageProbe(&msg))
                    .__tw_handle_name(&__TW_NAMES, "counter.handle"),
                kind: ::tracewire::__private::handle_kind(
                    {
                        #[allow(unused_imports)]
                        use ::tracewire::__private::{
                            NoReplyContext as _, ViaReplyContext as _,
                        };
                        (&::tracewire::__private::ReplyProbe(&__tw_reply_cx))
                            .__tw_expects_reply()
                    },
                    {
                        #[allow(unused_imports)]
                        use ::tracewire::__private::{NotAMessage as _, ViaMessage as _};
                        (&::tracewire::__private::MessageProbe(&msg))
                            .__tw_expects_reply()
                    },
                ),
                sample: ::tracewire::__private::None,
            },
        );
        if ::tracewire::__private::SpanGuard::is_recording(&__tw_span) {
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
                        let __tw_hint: i64 = loop {};
                        return __tw_hint;
                    }
                    self.count += msg.amount;
                    self.count
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
}
impl Checkout {
    async fn run(&self) -> i64 {
        let mut __tw_span = ::tracewire::__private::SpanGuard::start(
            &::tracewire::__private::SpanMeta {
                name: "checkout.run",
                kind: ::tracewire::__private::SpanKind::Internal,
                sample: ::tracewire::__private::None,
            },
        );
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
                        let __tw_hint: i64 = loop {};
                        return __tw_hint;
                    }
                    {
                        let __tw_msg = AuditMsg::Checkout;
                        let __tw_actor = {
                            #[allow(unused_imports)]
                            use ::tracewire::__private::{
                                NotASendSite as _, ViaSendSite as _,
                            };
                            (&::tracewire::__private::SendProbe(&self.audit))
                                .__tw_send_actor()
                        };
                        let mut __tw_send = ::tracewire::__private::SendSpan::start(
                            __tw_actor,
                            "cast",
                            match __tw_actor {
                                ::tracewire::__private::Some(_) => {
                                    #[allow(unused_imports)]
                                    use ::tracewire::__private::{
                                        LabelViaMessage as _, LabelViaType as _,
                                    };
                                    ::tracewire::__private::Some(
                                        (&::tracewire::__private::MessageLabel(&__tw_msg))
                                            .__tw_label(),
                                    )
                                }
                                ::tracewire::__private::None => ::tracewire::__private::None,
                            },
                            ::tracewire::__private::SpanKind::Producer,
                        );
                        let __tw_out = {
                            let __tw_guard = ::tracewire::__private::SendSpan::enter(
                                &mut __tw_send,
                            );
                            ractor::cast!(self.audit, __tw_msg)
                        };
                        ::tracewire::__private::SendSpan::finish(
                            __tw_send,
                            {
                                #[allow(unused_imports)]
                                use ::tracewire::__private::{
                                    UnsetSendResult as _, ViaSendResult as _,
                                };
                                (&::tracewire::__private::SendResultProbe(&__tw_out))
                                    .__tw_send_outcome()
                            },
                        );
                        __tw_out
                    }
                        .ok();
                    {
                        let __tw_msg = Inc { amount: 1 };
                        let __tw_actor = {
                            #[allow(unused_imports)]
                            use ::tracewire::__private::{
                                NotASendSite as _, ViaSendSite as _,
                            };
                            (&::tracewire::__private::SendProbe(&self.counter))
                                .__tw_send_actor()
                        };
                        let mut __tw_send = ::tracewire::__private::SendSpan::start(
                            __tw_actor,
                            "ask",
                            match __tw_actor {
                                ::tracewire::__private::Some(_) => {
                                    #[allow(unused_imports)]
                                    use ::tracewire::__private::{
                                        LabelViaMessage as _, LabelViaType as _,
                                    };
                                    ::tracewire::__private::Some(
                                        (&::tracewire::__private::MessageLabel(&__tw_msg))
                                            .__tw_label(),
                                    )
                                }
                                ::tracewire::__private::None => ::tracewire::__private::None,
                            },
                            ::tracewire::__private::SpanKind::Client,
                        );
                        let __tw_out = ::tracewire::__private::SendSpan::instrument(
                                &mut __tw_send,
                                self.counter.ask(__tw_msg),
                            )
                            .await;
                        ::tracewire::__private::SendSpan::finish(
                            __tw_send,
                            {
                                #[allow(unused_imports)]
                                use ::tracewire::__private::{
                                    UnsetSendResult as _, ViaSendResult as _,
                                };
                                (&::tracewire::__private::SendResultProbe(&__tw_out))
                                    .__tw_send_outcome()
                            },
                        );
                        __tw_out
                    }
                        .unwrap_or_default()
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
}
