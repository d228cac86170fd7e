//! Handler wrapping: the code that puts each traced handler in a span, and
//! the impl or fn around it as written (or, on errors, as the fallback).
//! Each handler keeps its signature; only its body changes:
//!
//! ```text
//! let mut __tw_span = SpanGuard::start(&SpanMeta { name: "user_cache.get_user", .. });
//! if __tw_span.is_recording() { /* attributes, evaluated only here */ }
//! /* run the original body with the span current, then map its outcome */
//! ```
//!
//! Generated locals use `Span::mixed_site()`, so user code can neither see
//! nor shadow them, and every path is absolute through `__private`. Calls
//! on the span are written as paths (`SpanGuard::instrument(&mut span, ..)`)
//! rather than methods: a trait in the user's scope with a same-named
//! by-value method for every type (`tracing::Instrument`) would otherwise
//! be picked first. Spawn sites in the body are rewritten by `spawn`; the
//! `Channel` impl of an inherent channel impl is written by `dispatch`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Ident, ImplItem, ItemFn, LitStr, Safety, Type};

use crate::ast::{
    ArgDefault, Container, ContainerKind, Form, Handler, ImplEntry, ImplShell, ParentSource, Role,
};
use crate::attr::FieldFormat;
use crate::names::UnrawString;
use crate::{send, spawn};

/// The impl with every handler wrapped.
pub fn expand_impl(container: &Container, mut shell: ImplShell) -> TokenStream {
    name_the_actor(container, &mut shell);
    rebuild_impl(shell, |i| expand_handler(container, &container.handlers[i]))
}

/// Adds to an impl of tracewire's own `Actor` the items that carry what
/// the client side needs: `TRACED`, so the runtime starts client and
/// producer spans for its calls and casts; `NAME` for `name = ".."`; and
/// `CALL_SAMPLE`/`CAST_SAMPLE` for a `sample = ..` that reaches
/// `handle_call`/`handle_cast`, so the runtime's client and producer spans
/// (`worker.call process`) agree with the handler spans.
///
/// Nothing else is added: the runtime names an actor after its type, by
/// the rule the macro uses, so the default name needs no item. And only an
/// impl that defines every associated type tracewire's `Actor` requires
/// (`Args`, `Call`, `Reply`, `Cast`, `Info`) gets one: the compiler makes
/// every impl of that trait define them, while `ractor::Actor`,
/// `kameo::Actor` and a user's own trait that happens to be called `Actor`
/// do not, so those impls are left as written whatever the trait is named.
/// An item the user wrote is kept.
fn name_the_actor(container: &Container, shell: &mut ImplShell) {
    if container.kind != ContainerKind::Actor || !shaped_like_tracewire_actor(shell) {
        return;
    }
    let has = |name: &str| {
        shell.entries.iter().any(|e| {
            matches!(e, ImplEntry::Untouched(item) if matches!(&**item, ImplItem::Const(c) if c.ident == name))
        })
    };
    let mut consts: Vec<ImplItem> = Vec::new();
    // The runtime starts the client and producer spans of a traced actor
    // only: an untraced one's calls cost what an untraced runtime's do.
    if !has("TRACED") {
        consts.push(syn::parse_quote!(
            const TRACED: bool = true;
        ));
    }
    if let Some(name) = &container.options.name
        && !has("NAME")
    {
        consts.push(syn::parse_quote!(
            const NAME: ::core::option::Option<&'static str> = ::core::option::Option::Some(#name);
        ));
    }
    // A call's or cast's sampling decision is made on the client or
    // producer span, which the handler's span then follows: the handler's
    // `sample = ..` has to reach the runtime that starts those spans.
    for (role, konst) in [
        (Role::HandleCall, "CALL_SAMPLE"),
        (Role::HandleCast, "CAST_SAMPLE"),
    ] {
        let rate = container
            .handlers
            .iter()
            .find(|h| h.role == role)
            .and_then(|h| container.sample_rate(h));
        if let Some(rate) = rate
            && !has(konst)
        {
            let ident = Ident::new(konst, Span::call_site());
            consts.push(syn::parse_quote!(
                const #ident: ::core::option::Option<f64> = ::core::option::Option::Some(#rate);
            ));
        }
    }
    for (i, item) in consts.into_iter().enumerate() {
        shell
            .entries
            .insert(i, ImplEntry::Untouched(Box::new(item)));
    }
}

/// Whether the impl is of a trait and defines `type Args`, `Call`, `Reply`,
/// `Cast` and `Info`: the associated types tracewire's `Actor` requires.
fn shaped_like_tracewire_actor(shell: &ImplShell) -> bool {
    if shell.item.trait_.is_none() {
        return false;
    }
    ACTOR_ASSOCIATED_TYPES.iter().all(|name| {
        shell.entries.iter().any(|e| {
            matches!(e, ImplEntry::Untouched(item) if matches!(&**item, ImplItem::Type(t) if t.ident == name))
        })
    })
}

/// The associated types every impl of `tracewire::actor::Actor` defines
/// (none has a default).
const ACTOR_ASSOCIATED_TYPES: &[&str] = &["Args", "Call", "Reply", "Cast", "Info"];

/// The impl as written, less tracewire's helper attributes: emitted next to
/// the errors so the user sees those errors and not a cascade of "cannot find
/// method" ones.
pub fn fallback_impl(container: &Container, shell: ImplShell) -> TokenStream {
    rebuild_impl(shell, |i| container.handlers[i].func.to_token_stream())
}

fn rebuild_impl(shell: ImplShell, mut handler: impl FnMut(usize) -> TokenStream) -> TokenStream {
    let ImplShell { mut item, entries } = shell;
    item.items = entries
        .into_iter()
        .map(|entry| match entry {
            ImplEntry::Untouched(i) => *i,
            ImplEntry::Handler(i) => ImplItem::Verbatim(handler(i)),
        })
        .collect();
    item.into_token_stream()
}

/// The `#[traced]` fn, wrapped.
pub fn expand_fn(container: &Container) -> TokenStream {
    expand_handler(container, &container.handlers[0])
}

/// The `#[traced]` fn as written.
pub fn fallback_fn(container: &Container) -> TokenStream {
    let f = &container.handlers[0].func;
    ItemFn {
        attrs: f.attrs.clone(),
        vis: f.vis.clone(),
        modifiers: f.modifiers.clone(),
        sig: f.sig.clone(),
        block: Box::new(f.block.clone()),
    }
    .into_token_stream()
}

fn expand_handler(container: &Container, handler: &Handler) -> TokenStream {
    let krate = container.options.crate_path();
    let private = quote!(#krate::__private);
    let span = Ident::new("__tw_span", Span::mixed_site());
    let ret = Ident::new("__tw_ret", Span::mixed_site());
    let fut = Ident::new("__tw_fut", Span::mixed_site());

    let name = LitStr::new(&container.span_name(handler), Span::call_site());
    let kind = Ident::new(container.span_kind(handler), Span::call_site());
    let mut records = attribute_records(container, handler, &private, &span);
    if let ParentSource::Request(arg, _) = container.parent_source(handler) {
        records.push(quote!(#private::InboundRequest::record_request(&#arg, &mut #span);));
    }
    let outcome = outcome_of(handler, &private, &ret);
    let mut block = handler.func.block.clone();
    if container.propagates(handler) {
        // Sends first: the spawn rewrite leaves the work it wraps as
        // opaque tokens, where sends would no longer be found.
        send::rewrite_send_sites(&mut block, &private);
        spawn::rewrite_spawn_sites(&mut block, &private);
    }
    let sample = match container.sample_rate(handler) {
        Some(rate) => quote!(#private::Some(#rate)),
        None => quote!(#private::None),
    };
    let names = Ident::new("__TW_NAMES", Span::mixed_site());
    let (name_setup, name_expr, message_record) = match container.message_arg(handler) {
        // The message's variant completes the name, from a per-site cache of
        // joined names (see `tracewire::message`).
        Some(msg) => (
            quote! {
                static #names: #private::VariantNames = #private::VariantNames::new(#name);
                #[allow(unused_imports)]
                use #private::{NotAMessage as _, ViaMessage as _};
            },
            quote!((&#private::MessageProbe(&#msg)).__tw_span_name(&#names, #name)),
            quote! {
                (&#private::MessageProbe(&#msg))
                    .__tw_record(&mut |key, value| #private::SpanGuard::record(&mut #span, key, #private::Some(value)));
            },
        ),
        None => match container.handle_message(handler) {
            // A kameo or ractor `handle`: `{actor}.handle {message}`, the
            // message being the variant of a `#[derive(Message)]` enum, else
            // its type's snake_case name, looked up once per type.
            Some((Some(msg), _)) => (
                quote! {
                    static #names: #private::VariantNames = #private::VariantNames::new(#name);
                    #[allow(unused_imports)]
                    use #private::{NotAMessage as _, ViaMessage as _};
                },
                quote!((&#private::MessageProbe(&#msg)).__tw_handle_name(&#names, #name)),
                quote! {
                    (&#private::MessageProbe(&#msg))
                        .__tw_record(&mut |key, value| #private::SpanGuard::record(&mut #span, key, #private::Some(value)));
                },
            ),
            // A destructured message: named after the type as written.
            Some((None, ty)) => {
                let joined = match written_type_name(ty) {
                    Some(message) => format!("{} {message}", container.span_name(handler)),
                    None => container.span_name(handler),
                };
                let joined = LitStr::new(&joined, Span::call_site());
                (quote!(), quote!(#joined), quote!())
            }
            None => (quote!(), quote!(#name), quote!()),
        },
    };
    // With a constant name this is a constant expression, and the reference
    // is promoted to a static.
    let kind =
        handle_kind(container, handler, &private).unwrap_or(quote!(#private::SpanKind::#kind));
    let meta = quote! {
        &#private::SpanMeta {
            name: #name_expr,
            kind: #kind,
            sample: #sample,
        }
    };
    let probes_message = container.message_arg(handler).is_some()
        || matches!(container.handle_message(handler), Some((Some(_), _)));
    let record_block = if records.is_empty() && !probes_message {
        TokenStream::new()
    } else {
        quote! {
            if #private::SpanGuard::is_recording(&#span) {
                #(#records)*
                #message_record
            }
        }
    };
    let start = match container.parent_source(handler) {
        ParentSource::Current => quote!(#private::SpanGuard::start(#meta)),
        // Spanned on the argument, where a type that carries no context is
        // reported.
        ParentSource::Parent(arg) => {
            let carried =
                quote_spanned!(arg.span()=> #private::CarriesContext::carried_context(&#arg));
            quote!(#private::SpanGuard::start_with_parent(#meta, #carried))
        }
        ParentSource::Link(arg) => {
            let carried =
                quote_spanned!(arg.span()=> #private::CarriesContext::carried_context(&#arg));
            quote! {
                #private::SpanGuard::start_linked(#meta, #private::Context::current(), &#carried)
            }
        }
        // A request from outside: its headers through the trust policy, the
        // same path the channel server takes for a WebSocket upgrade.
        ParentSource::Request(arg, policy) => {
            let policy = Ident::new(policy, Span::call_site());
            let remote = quote_spanned! {arg.span()=>
                #private::InboundRequest::remote_parent(&#arg, #private::TrustPolicy::#policy)
            };
            quote!(#private::SpanGuard::start_remote(#meta, #remote))
        }
    };
    let is_unsafe = matches!(handler.sig().safety, Safety::Unsafe(_));
    // The body moves into a closure or async block, which is not an unsafe
    // context even inside an `unsafe fn`: re-establish it. (The lint this
    // can trip on inner `unsafe` blocks is allowed on the fn, since
    // attributes on expressions are not stable.)
    // The user's own braces are reused rather than wrapped in more, which
    // `unused_braces` would flag on one-line bodies.
    let body = if is_unsafe {
        quote!({ unsafe #block })
    } else {
        block.to_token_stream()
    };
    let stmts = if is_unsafe {
        quote!(unsafe #block)
    } else {
        let stmts = &block.stmts;
        quote!(#(#stmts)*)
    };
    let never = matches!(handler.output, Some(Type::Never(_)));

    let run = match &handler.form {
        // `-> !`: the body never returns, so there is no outcome to map;
        // a panic is still recorded by `in_scope`.
        Form::Sync if never => quote! {
            #private::SpanGuard::in_scope(&mut #span, move || -> ! #body)
        },
        Form::Sync => {
            let annotation = handler
                .output
                .as_ref()
                .filter(|ty| !contains_impl_trait(ty))
                .map(|ty| quote!(-> #ty));
            quote! {
                let #ret = #private::SpanGuard::in_scope(&mut #span, move || #annotation #body);
                #private::SpanGuard::finish(#span, #outcome);
                #ret
            }
        }
        Form::Async => {
            let hint = return_type_hint(handler.output.as_ref());
            quote! {
                let #ret = #private::SpanGuard::instrument(&mut #span, async move { #hint #stmts }).await;
                #private::SpanGuard::finish(#span, #outcome);
                #ret
            }
        }
        Form::ImplFuture | Form::BoxedFuture => {
            let wrapped = quote! {
                async move {
                    let #ret = #private::SpanGuard::instrument(&mut #span, #fut).await;
                    #private::SpanGuard::finish(#span, #outcome);
                    #ret
                }
            };
            let wrapped = if matches!(handler.form, Form::BoxedFuture) {
                quote!(#private::Box::pin(#wrapped))
            } else {
                wrapped
            };
            quote! {
                let #fut = #private::SpanGuard::in_scope(&mut #span, move || #body);
                #wrapped
            }
        }
    };
    let allow_unsafe = is_unsafe.then(|| quote!(#[allow(unused_unsafe)]));

    let func = &handler.func;
    let attrs = &func.attrs;
    let vis = &func.vis;
    let sig = &func.sig;
    let defaultness = &func.modifiers.defaultness;
    quote! {
        #(#attrs)*
        #allow_unsafe
        #vis #defaultness #sig {
            #name_setup
            let mut #span = #start;
            #record_block
            #run
        }
    }
}

/// One `record` call per attribute: the arguments first, in order, then the
/// declared fields. An argument is recorded as it is, as the mask, or not
/// at all: as its options say, else as [`Container::arg_default`] says.
fn attribute_records(
    container: &Container,
    handler: &Handler,
    private: &TokenStream,
    span: &Ident,
) -> Vec<TokenStream> {
    let options = container.handler_options(handler);
    let skip_all = options.is_some_and(|o| o.skip_all.is_some());
    let mut records = Vec::new();
    for arg in &handler.args {
        let ident = &arg.ident;
        let key = LitStr::new(&ident.unraw_string(), ident.span());
        let listed = |list: Option<&Vec<Ident>>| list.is_some_and(|l| l.iter().any(|i| i == ident));
        let default = if listed(options.map(|o| &o.record)) {
            ArgDefault::Recorded
        } else {
            container.arg_default(handler, arg)
        };
        if listed(options.map(|o| &o.redact)) {
            records
                .push(quote!(#private::SpanGuard::record(&mut #span, #key, #private::redacted());));
        } else if skip_all || listed(options.map(|o| &o.skip)) || arg.is_request {
            // A request's headers are never an attribute: they are read for
            // the trace context only.
            continue;
        } else if default == ArgDefault::Recorded {
            // Autoref specialisation: arguments whose type implements
            // `AttributeValue` are recorded, the rest are left out.
            records.push(quote! {
                #private::SpanGuard::record(&mut #span, #key, {
                    #[allow(unused_imports)]
                    use #private::{RecordAttr as _, SkipAttr as _};
                    (&#private::AttrProbe(&#ident)).__tw_value()
                });
            });
        } else if default == ArgDefault::Masked {
            // The mask, where the value would have been recorded: an
            // argument whose type is never recorded stays absent.
            records.push(quote! {
                #private::SpanGuard::record(&mut #span, #key, {
                    #[allow(unused_imports)]
                    use #private::{RecordAttr as _, SkipAttr as _};
                    (&#private::AttrProbe(&#ident)).__tw_masked()
                });
            });
        }
    }
    // A join span names its channel in `channel.name`: the span
    // name's prefix may be a topic's, and dashboards group by channel.
    if container.kind == ContainerKind::Channel
        && handler.role == Role::Join
        && let Some(base) = container.base_name.as_deref()
    {
        records.push(quote! {
            #private::SpanGuard::record(&mut #span, "channel.name", #private::Some(#private::Value::from(#base)));
        });
    }
    for field in options.map(|o| o.fields.as_slice()).unwrap_or_default() {
        let key = LitStr::new(&field.key, field.key_span);
        let expr = &field.expr;
        // Spanned on the user's expression so a type that cannot be
        // recorded is reported there.
        let value = match field.format {
            FieldFormat::Value => quote_spanned!(expr.span()=> #private::field_value(&(#expr))),
            FieldFormat::Display => {
                quote_spanned!(expr.span()=> #private::field_value(&#private::DisplayValue(&(#expr))))
            }
            FieldFormat::Debug => {
                quote_spanned!(expr.span()=> #private::field_value(&#private::DebugValue(&(#expr))))
            }
        };
        records.push(quote!(#private::SpanGuard::record(&mut #span, #key, #value);));
    }
    records
}

/// The expression giving the handler's `Outcome` from its result.
fn outcome_of(handler: &Handler, private: &TokenStream, ret: &Ident) -> TokenStream {
    match handler.output.as_ref() {
        // `()`: nothing to ask.
        None => quote!(#private::Outcome::Unset),
        // A `Result`: the `Ok` value is asked for its own outcome (a reply
        // such as an HTTP 503 can be a failure), and an `Err` is always a
        // failure, described by the error's own `SpanOutcome`, else its
        // `Display`, else its type name.
        // Inside the fn that defines an `impl Trait`, the value's type is
        // not settled enough for autoref specialisation; the generic path
        // needs `E: Display` and is reported on the return type if not.
        Some(ty) if is_result(ty) && contains_impl_trait(ty) => {
            quote_spanned!(ty.span()=> #private::required_outcome(&#ret))
        }
        Some(ty) if is_result(ty) => {
            let ok = Ident::new("__tw_ok", Span::mixed_site());
            let err = Ident::new("__tw_err", Span::mixed_site());
            quote! {
                match &#ret {
                    ::core::result::Result::Ok(#ok) => {
                        #[allow(unused_imports)]
                        use #private::{UnsetOutcome as _, ViaSpanOutcome as _};
                        (&#private::OutcomeProbe(#ok)).__tw_outcome()
                    }
                    ::core::result::Result::Err(#err) => {
                        #[allow(unused_imports)]
                        use #private::{ErrorViaDisplay as _, ErrorViaSpanOutcome as _, ErrorViaTypeName as _};
                        (&&#private::ErrorProbe(#err)).__tw_error_outcome()
                    }
                }
            }
        }
        _ => quote! {{
            #[allow(unused_imports)]
            use #private::{UnsetOutcome as _, ViaSpanOutcome as _};
            (&#private::OutcomeProbe(&#ret)).__tw_outcome()
        }},
    }
}

/// Pins an async body's output type so `?` and `.into()` infer as they do in
/// the original fn (the async block otherwise has no declared type).
fn return_type_hint(output: Option<&Type>) -> TokenStream {
    match output {
        Some(ty) if !contains_impl_trait(ty) => quote! {
            #[allow(
                unreachable_code,
                clippy::diverging_sub_expression,
                clippy::empty_loop,
                clippy::let_unit_value,
                clippy::needless_return
            )]
            if false {
                let __tw_hint: #ty = loop {};
                return __tw_hint;
            }
        },
        _ => TokenStream::new(),
    }
}

/// A `handle`'s kind, decided per message unless `kind = ..` says: SERVER
/// when its sender waits for the reply (a kameo `ask`, whose reply context
/// holds a reply sender; a ractor message variant carrying an
/// `RpcReplyPort`), CONSUMER otherwise. `None` for every other handler,
/// whose kind is fixed.
fn handle_kind(
    container: &Container,
    handler: &Handler,
    private: &TokenStream,
) -> Option<TokenStream> {
    let fixed = container
        .handler_options(handler)
        .is_some_and(|o| o.kind.is_some());
    if handler.role != Role::Handle || fixed {
        return None;
    }
    // kameo's `(msg, ctx)`: the context knows whether a reply is awaited.
    let reply = match handler.inputs.as_slice() {
        [_, (Some(ctx), _)] => quote! {{
            #[allow(unused_imports)]
            use #private::{NoReplyContext as _, ViaReplyContext as _};
            (&#private::ReplyProbe(&#ctx)).__tw_expects_reply()
        }},
        _ => quote!(#private::None),
    };
    let message = match container.handle_message(handler) {
        Some((Some(msg), _)) => quote! {{
            #[allow(unused_imports)]
            use #private::{NotAMessage as _, ViaMessage as _};
            (&#private::MessageProbe(&#msg)).__tw_expects_reply()
        }},
        _ => quote!(#private::None),
    };
    Some(quote!(#private::handle_kind(#reply, #message)))
}

/// `inc` for a message written as `Inc`, `msgs::Inc` or `Inc<T>`; `None`
/// for `Self::Msg` and other types whose name is not in the signature.
fn written_type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(tp) if tp.qself.is_none() => {
            let first = tp.path.segments.first()?;
            if first.ident == "Self" {
                return None;
            }
            let last = tp.path.segments.last()?;
            Some(crate::names::snake_case(&last.ident.unraw_string()))
        }
        Type::Group(g) => written_type_name(&g.elem),
        Type::Paren(p) => written_type_name(&p.elem),
        _ => None,
    }
}

fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(tp) => {
            tp.qself.is_none() && tp.path.segments.last().is_some_and(|s| s.ident == "Result")
        }
        Type::Group(g) => is_result(&g.elem),
        Type::Paren(p) => is_result(&p.elem),
        _ => false,
    }
}

fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
}
