//! The send-site rewriter: inside a handler's body, a send to a kameo or
//! ractor actor (`recv.ask(m)`, `recv.tell(m)`, `recv.cast(m)`,
//! `recv.call(build, timeout)`, `recv.send_message(m)`, `cast!(recv, m)`,
//! `call!(recv, Variant, ..)`, `call_t!(recv, Variant, ms, ..)`) runs
//! inside a send span whose handoff span takes the handler's context through
//! the mailbox (see `tracewire::__private::SendSpan`).
//!
//! The rewrite is decided by the method's name, but what it does is
//! decided by the receiver's type: the generated code asks
//! `SendProbe(&recv)` (autoref specialisation), and only kameo's and
//! ractor's `ActorRef`s answer. Any other receiver (tracewire's own
//! `ActorRef`, whose `call` and `cast` start their own client and producer
//! spans; a user's type with a `tell` method) runs the call exactly as
//! written, so no span is doubled and no other code changes meaning.
//!
//! Only receivers that are places (`counter`, `self.counter`,
//! `(*refs)[..]` excluded) are rewritten, since the probe reads the
//! receiver before the send does; an awaited send (`recv.ask(m).await`,
//! `.send().await`, `call!`) is polled inside the span, because kameo and
//! ractor take the sender's span when the send is first polled.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::Parser as _;
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, ExprMethodCall, Ident, Item, Macro, Stmt, Token};

use crate::names::{UnrawString, snake_case};

/// Rewrites every send to a kameo or ractor actor in `body`; `private` is
/// the runtime's `__private` path.
pub fn rewrite_send_sites(body: &mut Block, private: &TokenStream) {
    SendRewriter { private }.visit_block_mut(body);
}

/// A recognised send: its operation name in span names and its kind.
#[derive(Clone, Copy)]
struct Op {
    name: &'static str,
    kind: &'static str,
    /// Whether the first argument is the message (else a reply-port
    /// builder, named from its body).
    message_arg: bool,
}

impl Op {
    /// The send a method of this name and arity is, on a kameo or ractor
    /// ref. tracewire's own `call` takes one argument and is left alone.
    fn of_method(method: &Ident, args: usize) -> Option<Op> {
        let op = |name, kind, message_arg| {
            Some(Op {
                name,
                kind,
                message_arg,
            })
        };
        match (method.unraw_string().as_str(), args) {
            ("ask", 1) => op("ask", "Client", true),
            ("tell", 1) => op("tell", "Producer", true),
            ("cast", 1) => op("cast", "Producer", true),
            ("send_message", 1) => op("send_message", "Producer", true),
            ("call", 2) => op("call", "Client", false),
            _ => None,
        }
    }
}

struct SendRewriter<'a> {
    private: &'a TokenStream,
}

impl VisitMut for SendRewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Await(awaited) if is_send_chain(&awaited.base) => {
                visit_send_arguments(self, &mut awaited.base);
                let base =
                    std::mem::replace(&mut *awaited.base, Expr::Verbatim(TokenStream::new()));
                *expr = self.rewrite_chain(base, true);
                return;
            }
            Expr::MethodCall(_) if is_send_chain(expr) => {
                visit_send_arguments(self, expr);
                let chain = std::mem::replace(expr, Expr::Verbatim(TokenStream::new()));
                *expr = self.rewrite_chain(chain, false);
                return;
            }
            Expr::Macro(mac) => {
                if let Some(rewritten) = self.rewrite_macro(&mac.mac) {
                    *expr = rewritten;
                    return;
                }
            }
            _ => {}
        }
        visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if let Stmt::Macro(mac) = stmt
            && let Some(rewritten) = self.rewrite_macro(&mac.mac)
        {
            let semi = mac.semi_token;
            *stmt = Stmt::Expr(rewritten, semi);
            return;
        }
        visit_mut::visit_stmt_mut(self, stmt);
    }

    // A nested fn or impl is not part of this handler's body.
    fn visit_item_mut(&mut self, _: &mut Item) {}

    // Macro input is only tokens to syn: sends in `assert_eq!(..)`,
    // `println!(..)`, `vec![..]` and other macros whose input is a list of
    // expressions are found by parsing it as one. Anything else (a
    // macro's own grammar, quoting macros) is left as written.
    fn visit_macro_mut(&mut self, mac: &mut Macro) {
        if mac
            .path
            .segments
            .last()
            .is_some_and(|s| crate::spawn::quotes(&s.ident))
        {
            return;
        }
        let Ok(mut exprs) =
            Punctuated::<Expr, Token![,]>::parse_terminated.parse2(mac.tokens.clone())
        else {
            return;
        };
        for expr in exprs.iter_mut() {
            self.visit_expr_mut(expr);
        }
        mac.tokens = exprs.into_token_stream();
    }
}

/// The innermost recognised send of a method-call chain (`a.tell(m)` in
/// `a.tell(m).try_send()`), whose receiver is a place.
fn root_send(expr: &mut Expr) -> Option<(&mut ExprMethodCall, Op)> {
    let Expr::MethodCall(call) = expr else {
        return None;
    };
    let op = Op::of_method(&call.method, call.args.len());
    match op {
        Some(op) if is_place(&call.receiver) => Some((call, op)),
        _ => root_send(&mut call.receiver),
    }
}

/// Whether `expr` is a method-call chain with a recognised send at its
/// root (see [`root_send`]).
fn is_send_chain(expr: &Expr) -> bool {
    let Expr::MethodCall(call) = expr else {
        return false;
    };
    match Op::of_method(&call.method, call.args.len()) {
        Some(_) if is_place(&call.receiver) => true,
        _ => is_send_chain(&call.receiver),
    }
}

/// Rewrites sends nested in the arguments of the chain (not its receiver,
/// a place, which holds none).
fn visit_send_arguments(rewriter: &mut SendRewriter<'_>, expr: &mut Expr) {
    if let Expr::MethodCall(call) = expr {
        for arg in &mut call.args {
            rewriter.visit_expr_mut(arg);
        }
        visit_send_arguments(rewriter, &mut call.receiver);
    }
}

/// `counter`, `self.counter`, `(counter)`, `*counter`, `&counter`: an
/// expression that reads a place, with no side effect, so reading it once
/// for the probe and once for the send is the same as reading it once.
/// `ctx.actor_ref()` counts too: kameo's `Context::actor_ref` is a getter
/// (`&ActorRef<A>`), and it is how a kameo handler sends to itself.
fn is_place(expr: &Expr) -> bool {
    match expr {
        Expr::Path(p) => p.qself.is_none(),
        Expr::MethodCall(m) => {
            m.method == "actor_ref" && m.args.is_empty() && is_place(&m.receiver)
        }
        Expr::Field(f) => is_place(&f.base),
        Expr::Paren(p) => is_place(&p.expr),
        Expr::Reference(r) => is_place(&r.expr),
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)) && is_place(&u.expr),
        _ => false,
    }
}

impl SendRewriter<'_> {
    /// The chain (awaited or not) run inside a send span.
    fn rewrite_chain(&self, mut chain: Expr, awaited: bool) -> Expr {
        let private = self.private;
        let msg = Ident::new("__tw_msg", Span::mixed_site());
        let Some((call, op)) = root_send(&mut chain) else {
            return chain;
        };
        let receiver = call.receiver.to_token_stream();
        let (bind, label) = if op.message_arg {
            let first = call
                .args
                .first_mut()
                .map(|a| std::mem::replace(a, syn::parse_quote!(#msg)));
            match first {
                Some(message) => (
                    quote!(let #msg = #message;),
                    quote! {{
                        #[allow(unused_imports)]
                        use #private::{LabelViaMessage as _, LabelViaType as _};
                        #private::Some((&#private::MessageLabel(&#msg)).__tw_label())
                    }},
                ),
                None => (quote!(), quote!(#private::None)),
            }
        } else {
            let label = call.args.first().and_then(builder_variant);
            (quote!(), option_lit(label.as_deref(), private))
        };
        self.wrap(
            bind,
            &receiver,
            op,
            label,
            chain.into_token_stream(),
            awaited,
        )
    }

    /// `cast!(recv, msg)`, `call!(recv, Variant, ..)`, `call_t!(recv,
    /// Variant, ms, ..)` run inside a send span; `None` for any other macro
    /// or a receiver that is not a place.
    fn rewrite_macro(&self, mac: &Macro) -> Option<Expr> {
        let name = mac.path.segments.last()?.ident.to_string();
        let (op, awaited) = match name.as_str() {
            "cast" => (
                Op {
                    name: "cast",
                    kind: "Producer",
                    message_arg: true,
                },
                false,
            ),
            "call" | "call_t" => (
                Op {
                    name: "call",
                    kind: "Client",
                    message_arg: false,
                },
                true,
            ),
            _ => return None,
        };
        let args = Punctuated::<Expr, Token![,]>::parse_terminated
            .parse2(mac.tokens.clone())
            .ok()?;
        let mut args: Vec<Expr> = args.into_iter().collect();
        let minimum = if name == "call_t" { 3 } else { 2 };
        if args.len() < minimum || (name == "cast" && args.len() != 2) || !is_place(&args[0]) {
            return None;
        }
        let private = self.private;
        let receiver = args[0].to_token_stream();
        let path = &mac.path;
        let (bind, label) = if op.message_arg {
            let msg = Ident::new("__tw_msg", Span::mixed_site());
            let message = std::mem::replace(&mut args[1], syn::parse_quote!(#msg));
            (
                quote!(let #msg = #message;),
                quote! {{
                    #[allow(unused_imports)]
                    use #private::{LabelViaMessage as _, LabelViaType as _};
                    #private::Some((&#private::MessageLabel(&#msg)).__tw_label())
                }},
            )
        } else {
            let label = path_variant(&args[1]);
            (quote!(), option_lit(label.as_deref(), private))
        };
        let send = if awaited {
            quote!(async { #path!(#(#args),*) })
        } else {
            quote!(#path!(#(#args),*))
        };
        Some(self.wrap(bind, &receiver, op, label, send, awaited))
    }

    fn wrap(
        &self,
        bind: TokenStream,
        receiver: &TokenStream,
        op: Op,
        label: TokenStream,
        send: TokenStream,
        awaited: bool,
    ) -> Expr {
        let private = self.private;
        let span = Ident::new("__tw_send", Span::mixed_site());
        let actor = Ident::new("__tw_actor", Span::mixed_site());
        let out = Ident::new("__tw_out", Span::mixed_site());
        let name = op.name;
        let kind = Ident::new(op.kind, Span::call_site());
        let guard = Ident::new("__tw_guard", Span::mixed_site());
        let run = if awaited {
            quote!(#private::SendSpan::instrument(&mut #span, #send).await)
        } else {
            quote!({
                let #guard = #private::SendSpan::enter(&mut #span);
                #send
            })
        };
        Expr::Verbatim(quote! {{
            #bind
            let #actor = {
                #[allow(unused_imports)]
                use #private::{NotASendSite as _, ViaSendSite as _};
                (&#private::SendProbe(&#receiver)).__tw_send_actor()
            };
            let mut #span = #private::SendSpan::start(
                #actor,
                #name,
                match #actor {
                    #private::Some(_) => #label,
                    #private::None => #private::None,
                },
                #private::SpanKind::#kind,
            );
            let #out = #run;
            #private::SendSpan::finish(#span, {
                #[allow(unused_imports)]
                use #private::{UnsetSendResult as _, ViaSendResult as _};
                (&#private::SendResultProbe(&#out)).__tw_send_outcome()
            });
            #out
        }})
    }
}

fn option_lit(label: Option<&str>, private: &TokenStream) -> TokenStream {
    match label {
        Some(label) => quote!(#private::Some(#label)),
        None => quote!(#private::None),
    }
}

/// `get` for ractor's `|tx| CounterMsg::Get(tx)`: the variant the reply
/// port is put in, named as `#[derive(Message)]` names it by default.
fn builder_variant(builder: &Expr) -> Option<String> {
    let Expr::Closure(closure) = builder else {
        return None;
    };
    match &*closure.body {
        Expr::Call(call) => path_variant(&call.func),
        _ => None,
    }
}

/// `get` for `CounterMsg::Get` (a path, as `call!` takes it).
fn path_variant(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| snake_case(&s.ident.unraw_string())),
        _ => None,
    }
}
