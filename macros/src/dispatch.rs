//! The `tracewire::channel::Channel` impl that `#[traced_channel]` writes for
//! an inherent impl with a `join` fn, so handlers are plain typed methods:
//!
//! - `join(topic: &str, params: P, socket: &mut Socket) -> R` becomes
//!   `Channel::join`, decoding the params into `P` with serde;
//! - each `#[event("e")]` method is a `match` arm of `Channel::handle_in`,
//!   decoding the payload into its payload type; an unknown event or an
//!   undecodable payload is an error reply;
//! - each `#[handle_out("e")]` method is an arm of `Channel::handle_out`, and
//!   `Channel::intercepts` lists their events;
//! - `terminate(&mut self, reason: &LeaveReason, socket)` becomes
//!   `Channel::terminate`.
//!
//! Arguments are passed by their types: a reference to a `Socket` gets the
//! socket, `&str` in `join` the topic, `&LeaveReason` in `terminate` the
//! reason, and the one remaining argument the payload. The methods keep
//! their own spans; this glue adds none. The impl is emitted inside the
//! runtime's `__private::channel_impl!`, which passes it on only when the
//! runtime has its `channel` feature.
//!
//! Which impls get one is [`Container::generates_channel_impl`]; the rules
//! the dispatched methods must follow are checked in `valid`, before this
//! runs. An inherent impl whose `join` takes `self`, or that has no `join`,
//! is traced for its spans alone and gets no `Channel` impl.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Generics, Ident, Type};

use crate::ast::{ArgRole, Container, Form, Handler, Role, arg_role};

struct Names {
    topic: Ident,
    params: Ident,
    socket: Ident,
    event: Ident,
    payload: Ident,
    reason: Ident,
    decoded: Ident,
    out: Ident,
}

impl Names {
    fn new() -> Self {
        let id = |s: &str| Ident::new(s, Span::mixed_site());
        Names {
            topic: id("__tw_topic"),
            params: id("__tw_params"),
            socket: id("__tw_socket"),
            event: id("__tw_event"),
            payload: id("__tw_payload"),
            reason: id("__tw_reason"),
            decoded: id("__tw_decoded"),
            out: id("__tw_out"),
        }
    }
}

/// The arguments for a call of `handler`, and the statements that decode
/// its payload first (returning `on_error` if that fails).
fn call_args(
    handler: &Handler,
    n: &Names,
    body: &Ident,
    private: &TokenStream,
    on_error: &dyn Fn(&Ident) -> TokenStream,
) -> (Vec<TokenStream>, TokenStream) {
    let mut args = Vec::new();
    let mut decode = TokenStream::new();
    for ty in handler.input_types() {
        match arg_role(ty, &handler.role) {
            ArgRole::Socket { mutable: true } => {
                let s = &n.socket;
                args.push(quote!(&mut *#s));
            }
            ArgRole::Socket { mutable: false } => {
                let s = &n.socket;
                args.push(quote!(&*#s));
            }
            ArgRole::Topic => args.push(n.topic.clone().into_token_stream()),
            ArgRole::Reason => args.push(n.reason.clone().into_token_stream()),
            ArgRole::Payload(ty) => {
                let decoded = &n.decoded;
                let err = Ident::new("__tw_error", Span::mixed_site());
                let on_error = on_error(&err);
                let (target, pass) = match ty {
                    // `&Payload` in `handle_out`: the broadcast as is.
                    Type::Reference(r) => {
                        let elem = &r.elem;
                        (quote!(#elem), quote!(&#decoded))
                    }
                    other => (quote!(#other), quote!(#decoded)),
                };
                // Spanned on the payload type, where a type serde cannot
                // decode into is reported.
                let decode_call = quote_spanned!(ty.span()=> #private::decode::<#target>(#body));
                decode = quote! {
                    let #decoded: #target = match #decode_call {
                        ::core::result::Result::Ok(#decoded) => #decoded,
                        ::core::result::Result::Err(#err) => return #on_error,
                    };
                };
                args.push(pass);
            }
        }
    }
    (args, decode)
}

fn awaited(handler: &Handler, call: TokenStream) -> TokenStream {
    match handler.form {
        Form::Sync => call,
        _ => quote!(#call.await),
    }
}

/// The generated `impl Channel for Self`, inside the runtime's
/// `__private::channel_impl!`.
pub fn channel_impl(container: &Container, self_ty: &Type, generics: &Generics) -> TokenStream {
    let krate = container.options.crate_path();
    let private = quote!(#krate::__private);
    let ch = quote!(#krate::channel);
    let n = Names::new();
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let name = container.base_name.clone().unwrap_or_default();
    let Names {
        topic,
        params,
        socket,
        event,
        payload,
        reason,
        out,
        ..
    } = &n;

    let unknown_span = format!("{name}.handle_in");
    let join = container.handlers.iter().find(|h| h.role == Role::Join);
    let join_fn = join.map(|h| {
        let method = &h.sig().ident;
        // Params that do not decode are rejected before the join fn runs,
        // traced under the join span's name.
        let span_name = container.span_name(h);
        let (args, decode) = call_args(
            h,
            &n,
            params,
            &private,
            &|e| quote!(::core::result::Result::Err(#private::reject_params(#span_name, &#e))),
        );
        let call = awaited(h, quote!(<#self_ty>::#method(#(#args),*)));
        quote! {
            async fn join(
                #topic: &str,
                #params: #ch::Payload,
                #socket: &mut #ch::Socket,
            ) -> ::core::result::Result<(Self, #ch::Payload), #ch::JoinError> {
                let _ = (&#topic, &#params, &#socket);
                #decode
                #ch::IntoJoin::into_join(#call)
            }
        }
    });

    let in_arms = container.handlers.iter().filter_map(|h| match &h.role {
        Role::HandleIn(Some(ev)) => {
            let method = &h.sig().ident;
            // A payload that does not decode is rejected before the method
            // runs, traced under the method's span name.
            let span_name = container.span_name(h);
            let (args, decode) = call_args(
                h,
                &n,
                payload,
                &private,
                &|e| quote!(#private::reject_payload(#span_name, &#e)),
            );
            let call = awaited(h, quote!(self.#method(#(#args),*)));
            // Spanned on the return type, where a type that is not a reply
            // is reported.
            let ret_span = match &h.sig().output {
                syn::ReturnType::Type(_, ty) => ty.span(),
                syn::ReturnType::Default => method.span(),
            };
            let returned = Ident::new("__tw_returned", ret_span.resolved_at(Span::mixed_site()));
            let reply = quote_spanned!(ret_span=> #ch::IntoReply::into_reply(#returned));
            Some(quote! {
                #ev => {
                    #decode
                    let #returned = #call;
                    #reply
                }
            })
        }
        _ => None,
    });

    let outs: Vec<(&Handler, &String)> = container
        .handlers
        .iter()
        .filter_map(|h| match &h.role {
            Role::HandleOut(Some(ev)) => Some((h, ev)),
            _ => None,
        })
        .collect();
    let out_events: Vec<&String> = outs.iter().map(|(_, ev)| *ev).collect();
    let out_fns = (!outs.is_empty()).then(|| {
        let arms = outs.iter().map(|(h, ev)| {
            let method = &h.sig().ident;
            let (args, decode) = call_args(h, &n, out, &private, &|e| {
                // A broadcast this channel cannot read is still the
                // application's message: push it unchanged.
                quote!({
                    let _ = #e;
                    #ch::Outgoing::Push(#payload)
                })
            });
            let call = awaited(h, quote!(self.#method(#(#args),*)));
            quote! {
                #ev => {
                    let #out = ::core::clone::Clone::clone(&#payload);
                    #decode
                    #ch::IntoOutgoing::into_outgoing(#call, #payload)
                }
            }
        });
        quote! {
            fn intercepts(#event: &str) -> bool {
                ::core::matches!(#event, #(#out_events)|*)
            }

            async fn handle_out(
                &mut self,
                #event: &str,
                #payload: #ch::Payload,
                #socket: &mut #ch::Socket,
            ) -> #ch::Outgoing {
                let _ = &#socket;
                match #event {
                    #(#arms)*
                    _ => #ch::Outgoing::Push(#payload),
                }
            }
        }
    });

    let terminate_fn = container
        .handlers
        .iter()
        .find(|h| h.role == Role::Terminate && h.sig().receiver().is_some())
        .map(|h| {
            let method = &h.sig().ident;
            let (args, _) = call_args(h, &n, payload, &private, &|_| quote!(()));
            let call = awaited(h, quote!(self.#method(#(#args),*)));
            quote! {
                async fn terminate(&mut self, #reason: &#ch::LeaveReason, #socket: &mut #ch::Socket) {
                    let _ = (&#reason, &#socket);
                    #call;
                }
            }
        });

    // Through the runtime's `channel_impl!`, which passes the impl on when
    // the runtime has its `channel` feature and otherwise replaces it with
    // one `compile_error!` naming the feature, not a cascade of unresolved
    // channel items.
    quote! {
        #private::channel_impl! {
            impl #impl_generics #ch::Channel for #self_ty #where_clause {
                const NAME: &'static str = #name;

                #join_fn

                async fn handle_in(
                    &mut self,
                    #event: &str,
                    #payload: #ch::Payload,
                    #socket: &mut #ch::Socket,
                ) -> ::core::option::Option<#ch::Reply> {
                    let _ = (&#payload, &#socket);
                    match #event {
                        #(#in_arms)*
                        _ => #private::reject_unknown_event(#unknown_span, #event),
                    }
                }

                #out_fns

                #terminate_fn
            }
        }
    }
}
