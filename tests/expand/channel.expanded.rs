impl RoomChannel {
    async fn join(
        &self,
        topic: &str,
        socket: &mut Socket,
    ) -> Result<JoinReply, JoinError> {
        let mut __tw_span = ::tracewire::__private::HandlerSpan::start(
            &::tracewire::__private::HandlerMeta {
                name: "room.join",
                kind: ::tracewire::__private::SpanKind::Server,
                sample: ::tracewire::__private::None,
            },
        );
        if __tw_span.is_recording() {
            __tw_span
                .record(
                    "topic",
                    {
                        #[allow(unused_imports)]
                        use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                        (&::tracewire::__private::AttrProbe(&topic)).__tw_value()
                    },
                );
            __tw_span
                .record(
                    "socket",
                    {
                        #[allow(unused_imports)]
                        use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                        (&::tracewire::__private::AttrProbe(&socket)).__tw_value()
                    },
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
                    let __tw_hint: Result<JoinReply, JoinError> = loop {};
                    return __tw_hint;
                }
                self.rooms.join(topic, socket.user_id).await
            })
            .await;
        __tw_span
            .finish(
                match &__tw_ret {
                    ::core::result::Result::Ok(__tw_ok) => {
                        #[allow(unused_imports)]
                        use ::tracewire::__private::{
                            UnsetOutcome as _, ViaSpanOutcome as _,
                        };
                        (&::tracewire::__private::OutcomeProbe(__tw_ok)).__tw_outcome()
                    }
                    ::core::result::Result::Err(__tw_err) => {
                        #[allow(unused_imports)]
                        use ::tracewire::__private::{
                            ErrorViaDisplay as _, ErrorViaSpanOutcome as _,
                            ErrorViaTypeName as _,
                        };
                        (&&::tracewire::__private::ErrorProbe(__tw_err))
                            .__tw_error_outcome()
                    }
                },
            );
        __tw_ret
    }
    fn new_message(&self, body: String, socket: &mut Socket) -> Reply {
        let mut __tw_span = ::tracewire::__private::HandlerSpan::start(
            &::tracewire::__private::HandlerMeta {
                name: "room.handle_in message:new",
                kind: ::tracewire::__private::SpanKind::Server,
                sample: ::tracewire::__private::None,
            },
        );
        if __tw_span.is_recording() {
            __tw_span
                .record(
                    "socket",
                    {
                        #[allow(unused_imports)]
                        use ::tracewire::__private::{RecordAttr as _, SkipAttr as _};
                        (&::tracewire::__private::AttrProbe(&socket)).__tw_value()
                    },
                );
            __tw_span
                .record(
                    "user.id",
                    ::tracewire::__private::field_value(&(socket.user_id)),
                );
            __tw_span
                .record("body.len", ::tracewire::__private::field_value(&(body.len())));
        }
        let __tw_ret = __tw_span
            .in_scope(move || -> Reply { self.broadcast(socket, "message:new", body) });
        __tw_span
            .finish({
                #[allow(unused_imports)]
                use ::tracewire::__private::{UnsetOutcome as _, ViaSpanOutcome as _};
                (&::tracewire::__private::OutcomeProbe(&__tw_ret)).__tw_outcome()
            });
        __tw_ret
    }
}
