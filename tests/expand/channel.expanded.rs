impl RoomChannel {
    async fn join(
        topic: &str,
        params: JoinParams,
        socket: &mut Socket,
    ) -> Result<Self, JoinError> {
        let mut __tw_span = ::tracewire::__private::SpanGuard::start(
            &::tracewire::__private::SpanMeta {
                name: "room.join",
                kind: ::tracewire::__private::SpanKind::Server,
                sample: ::tracewire::__private::None,
            },
        );
        if ::tracewire::__private::SpanGuard::is_recording(&__tw_span) {
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "topic",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&topic)).__tw_value()
                },
            );
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "socket",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&socket)).__tw_value()
                },
            );
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "channel.name",
                ::tracewire::__private::Some(::tracewire::__private::Value::from("room")),
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
                        let __tw_hint: Result<Self, JoinError> = loop {};
                        return __tw_hint;
                    }
                    Rooms::authorize(topic, &params, socket).await
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
    async fn new_message(
        &mut self,
        msg: NewMessage,
        socket: &mut Socket,
    ) -> Result<Sent, ChatError> {
        let mut __tw_span = ::tracewire::__private::SpanGuard::start(
            &::tracewire::__private::SpanMeta {
                name: "room.handle_in message:new",
                kind: ::tracewire::__private::SpanKind::Server,
                sample: ::tracewire::__private::None,
            },
        );
        if ::tracewire::__private::SpanGuard::is_recording(&__tw_span) {
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "socket",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&socket)).__tw_value()
                },
            );
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "body.len",
                ::tracewire::__private::field_value(&(msg.body.len())),
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
                        let __tw_hint: Result<Sent, ChatError> = loop {};
                        return __tw_hint;
                    }
                    socket.broadcast_from("message:new", &msg).await?;
                    Ok(Sent { id: self.next_id() })
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
    async fn refresh(
        &mut self,
        auth_token: String,
        socket: &mut Socket,
    ) -> Result<Sent, ChatError> {
        let mut __tw_span = ::tracewire::__private::SpanGuard::start(
            &::tracewire::__private::SpanMeta {
                name: "room.handle_in session:refresh",
                kind: ::tracewire::__private::SpanKind::Server,
                sample: ::tracewire::__private::None,
            },
        );
        if ::tracewire::__private::SpanGuard::is_recording(&__tw_span) {
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "auth_token",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&auth_token)).__tw_masked()
                },
            );
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "socket",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&socket)).__tw_value()
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
                        let __tw_hint: Result<Sent, ChatError> = loop {};
                        return __tw_hint;
                    }
                    self.sessions.refresh(&auth_token, socket).await
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
    fn check(&mut self, session_id: u64, socket: &mut Socket) -> bool {
        let mut __tw_span = ::tracewire::__private::SpanGuard::start(
            &::tracewire::__private::SpanMeta {
                name: "room.handle_in session:check",
                kind: ::tracewire::__private::SpanKind::Server,
                sample: ::tracewire::__private::None,
            },
        );
        if ::tracewire::__private::SpanGuard::is_recording(&__tw_span) {
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "session_id",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&session_id)).__tw_value()
                },
            );
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "socket",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&socket)).__tw_value()
                },
            );
        }
        let __tw_ret = ::tracewire::__private::SpanGuard::in_scope(
            &mut __tw_span,
            move || -> bool { self.sessions.is_live(session_id) },
        );
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
    fn filter_blocked(&mut self, payload: &Payload, socket: &mut Socket) -> bool {
        let mut __tw_span = ::tracewire::__private::SpanGuard::start(
            &::tracewire::__private::SpanMeta {
                name: "room.handle_out message:new",
                kind: ::tracewire::__private::SpanKind::Consumer,
                sample: ::tracewire::__private::None,
            },
        );
        if ::tracewire::__private::SpanGuard::is_recording(&__tw_span) {
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "payload",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&payload)).__tw_value()
                },
            );
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "socket",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&socket)).__tw_value()
                },
            );
        }
        let __tw_ret = ::tracewire::__private::SpanGuard::in_scope(
            &mut __tw_span,
            move || -> bool { !self.blocked(payload, socket) },
        );
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
    async fn terminate(&mut self, reason: &LeaveReason, socket: &mut Socket) {
        let mut __tw_span = ::tracewire::__private::SpanGuard::start(
            &::tracewire::__private::SpanMeta {
                name: "room.terminate",
                kind: ::tracewire::__private::SpanKind::Internal,
                sample: ::tracewire::__private::None,
            },
        );
        if ::tracewire::__private::SpanGuard::is_recording(&__tw_span) {
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "reason",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&reason)).__tw_value()
                },
            );
            ::tracewire::__private::SpanGuard::record(
                &mut __tw_span,
                "socket",
                {
                    #[allow(unused_imports)]
                    use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                    (&::tracewire::__private::AttrProbe(&socket)).__tw_value()
                },
            );
        }
        let __tw_ret = ::tracewire::__private::SpanGuard::instrument(
                &mut __tw_span,
                async move {
                    self.leave(socket).await;
                },
            )
            .await;
        ::tracewire::__private::SpanGuard::finish(
            __tw_span,
            ::tracewire::__private::Outcome::Unset,
        );
        __tw_ret
    }
}
::tracewire::__private::channel_impl! {
    impl ::tracewire::channel::Channel for RoomChannel {
        const NAME: &'static str = "room";
        async fn join(
            __tw_topic: &str,
            __tw_params: ::tracewire::channel::Payload,
            __tw_socket: &mut ::tracewire::channel::Socket,
        ) -> ::core::result::Result<
            (Self, ::tracewire::channel::Payload),
            ::tracewire::channel::JoinError,
        > {
            let _ = (&__tw_topic, &__tw_params, &__tw_socket);
            let __tw_decoded: JoinParams = match ::tracewire::__private::decode::<
                JoinParams,
            >(__tw_params) {
                ::core::result::Result::Ok(__tw_decoded) => __tw_decoded,
                ::core::result::Result::Err(__tw_error) => {
                    return ::core::result::Result::Err(
                        ::tracewire::__private::reject_params("room.join", &__tw_error),
                    );
                }
            };
            ::tracewire::channel::IntoJoin::into_join(
                <RoomChannel>::join(__tw_topic, __tw_decoded, &mut *__tw_socket).await,
            )
        }
        async fn handle_in(
            &mut self,
            __tw_event: &str,
            __tw_payload: ::tracewire::channel::Payload,
            __tw_socket: &mut ::tracewire::channel::Socket,
        ) -> ::core::option::Option<::tracewire::channel::Reply> {
            let _ = (&__tw_payload, &__tw_socket);
            match __tw_event {
                "message:new" => {
                    let __tw_decoded: NewMessage = match ::tracewire::__private::decode::<
                        NewMessage,
                    >(__tw_payload) {
                        ::core::result::Result::Ok(__tw_decoded) => __tw_decoded,
                        ::core::result::Result::Err(__tw_error) => {
                            return ::tracewire::__private::reject_payload(
                                "room.handle_in message:new",
                                &__tw_error,
                            );
                        }
                    };
                    let __tw_returned = self
                        .new_message(__tw_decoded, &mut *__tw_socket)
                        .await;
                    ::tracewire::channel::IntoReply::into_reply(__tw_returned)
                }
                "session:refresh" => {
                    let __tw_decoded: String = match ::tracewire::__private::decode::<
                        String,
                    >(__tw_payload) {
                        ::core::result::Result::Ok(__tw_decoded) => __tw_decoded,
                        ::core::result::Result::Err(__tw_error) => {
                            return ::tracewire::__private::reject_payload(
                                "room.handle_in session:refresh",
                                &__tw_error,
                            );
                        }
                    };
                    let __tw_returned = self.refresh(__tw_decoded, &mut *__tw_socket).await;
                    ::tracewire::channel::IntoReply::into_reply(__tw_returned)
                }
                "session:check" => {
                    let __tw_decoded: u64 = match ::tracewire::__private::decode::<
                        u64,
                    >(__tw_payload) {
                        ::core::result::Result::Ok(__tw_decoded) => __tw_decoded,
                        ::core::result::Result::Err(__tw_error) => {
                            return ::tracewire::__private::reject_payload(
                                "room.handle_in session:check",
                                &__tw_error,
                            );
                        }
                    };
                    let __tw_returned = self.check(__tw_decoded, &mut *__tw_socket);
                    ::tracewire::channel::IntoReply::into_reply(__tw_returned)
                }
                _ => {
                    ::tracewire::__private::reject_unknown_event(
                        "room.handle_in",
                        __tw_event,
                    )
                }
            }
        }
        fn intercepts(__tw_event: &str) -> bool {
            ::core::matches!(__tw_event, "message:new")
        }
        async fn handle_out(
            &mut self,
            __tw_event: &str,
            __tw_payload: ::tracewire::channel::Payload,
            __tw_socket: &mut ::tracewire::channel::Socket,
        ) -> ::tracewire::channel::Outgoing {
            let _ = &__tw_socket;
            match __tw_event {
                "message:new" => {
                    let __tw_out = ::core::clone::Clone::clone(&__tw_payload);
                    let __tw_decoded: Payload = match ::tracewire::__private::decode::<
                        Payload,
                    >(__tw_out) {
                        ::core::result::Result::Ok(__tw_decoded) => __tw_decoded,
                        ::core::result::Result::Err(__tw_error) => {
                            return {
                                let _ = __tw_error;
                                ::tracewire::channel::Outgoing::Push(__tw_payload)
                            };
                        }
                    };
                    ::tracewire::channel::IntoOutgoing::into_outgoing(
                        self.filter_blocked(&__tw_decoded, &mut *__tw_socket),
                        __tw_payload,
                    )
                }
                _ => ::tracewire::channel::Outgoing::Push(__tw_payload),
            }
        }
        async fn terminate(
            &mut self,
            __tw_reason: &::tracewire::channel::LeaveReason,
            __tw_socket: &mut ::tracewire::channel::Socket,
        ) {
            let _ = (&__tw_reason, &__tw_socket);
            self.terminate(__tw_reason, &mut *__tw_socket).await;
        }
    }
}
