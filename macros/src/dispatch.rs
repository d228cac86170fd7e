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
//! An inherent impl whose `join` takes `self`, or that has no `join`, is
//! traced for its spans alone and gets no `Channel` impl; but a `join` that
//! takes `self` and returns the channel is an error, spanned on `self`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Generics, Ident, Type};

use crate::ast::{ArgRole, Container, ContainerKind, Form, Handler, Role, arg_role, mentions_any};
use crate::ctxt::Ctxt;

/// Whether the impl gets a generated `Channel` impl: an inherent channel
/// impl whose `join` creates the channel (takes no `self`). A `join` that
/// takes `self` belongs to a type traced for its spans alone, served by
/// something else, unless it returns the channel (see
/// [`check_join_receiver`]); so does an inherent impl with no `join`.
pub fn wanted(container: &Container, is_trait_impl: bool) -> bool {
    container.kind == ContainerKind::Channel
        && !is_trait_impl
        && container
            .handlers
            .iter()
            .any(|h| h.role == Role::Join && h.sig().receiver().is_none())
}

/// A `join` that returns the channel (`Self`, by that name or its own) is
/// the channel's constructor, so it cannot take `self`: the channel does
/// not exist until `join` has made it. Left alone, such an impl would be
/// traced for its spans only, and the mistake would surface far away, as an
/// unmet `Channel` bound where the channel is registered. A `join(&self)`
/// that returns something else stays a spans-only method, as before.
pub fn check_join_receiver(container: &Container, self_ty: &Type, is_trait_impl: bool, cx: &Ctxt) {
    if container.kind != ContainerKind::Channel || is_trait_impl {
        return;
    }
    let self_kw = Ident::new("Self", Span::call_site());
    let self_name = match self_ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
        _ => None,
    };
    let names: Vec<&Ident> = std::iter::once(&self_kw).chain(&self_name).collect();
    for handler in container.handlers.iter().filter(|h| h.role == Role::Join) {
        let (Some(receiver), Some(output)) = (handler.sig().receiver(), &handler.output) else {
            continue;
        };
        if mentions_any(output.to_token_stream(), &names) {
            cx.error_spanned_by(
                receiver,
                "`join` creates the channel, so it takes no `self`: \
                 `async fn join(topic: &str, params: P, socket: &mut Socket) -> Result<Self, E>` \
                 (each argument is optional; return `Result<(Self, R), E>` to reply with `R`)",
            );
        }
    }
}

/// The rules for methods that the generated impl calls. Each says why.
pub fn check(container: &Container, cx: &Ctxt) {
    for handler in &container.handlers {
        let dispatched = matches!(
            handler.role,
            Role::Join | Role::HandleIn(Some(_)) | Role::HandleOut(Some(_)) | Role::Terminate
        );
        if !dispatched {
            continue;
        }
        let sig = handler.sig();
        let receiver = sig.receiver();
        match (&handler.role, receiver) {
            (Role::Join, _) => {}
            // The other handlers run on a joined channel.
            (_, None) => cx.error_spanned_by(
                &sig.ident,
                "a channel handler runs on the joined channel: it takes `&mut self` or `&self`",
            ),
            (_, Some(r)) if matches!(r.kind, syn::ReceiverKind::Value) => cx.error_spanned_by(
                r,
                "a channel handler cannot consume the channel: take `&mut self` or `&self`",
            ),
            _ => {}
        }
        let payloads: Vec<&Type> = typed_args(handler)
            .filter_map(|ty| match arg_role(ty, &handler.role) {
                ArgRole::Payload(ty) => Some(ty),
                _ => None,
            })
            .collect();
        // `terminate` is given its reason and the socket; there is no
        // message for a payload argument to come from.
        if handler.role == Role::Terminate
            && let Some(extra) = payloads.first()
        {
            cx.error_spanned_by(
                extra,
                "`terminate` takes `reason: &LeaveReason` and `socket: &mut Socket`; there is no payload to give it",
            );
        }
        // One message has one body; two payload arguments would have to
        // share it.
        if let Some(extra) = payloads.get(1) {
            cx.error_spanned_by(
                extra,
                "a channel handler takes at most one payload argument, besides the socket (`&mut Socket`)",
            );
        }
    }
}

fn typed_args(handler: &Handler) -> impl Iterator<Item = &Type> {
    handler.sig().inputs.iter().filter_map(|a| match a {
        FnArg::Typed(pt) => Some(&*pt.ty),
        FnArg::Receiver(_) => None,
    })
}

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
    for ty in typed_args(handler) {
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
