//! Code generation. Each handler keeps its signature; only its body changes:
//!
//! ```text
//! let mut __tw_span = HandlerSpan::start(&HandlerMeta { name: "user_cache.get_user", .. });
//! if __tw_span.is_recording() { /* attributes, evaluated only here */ }
//! /* run the original body with the span current, then map its outcome */
//! ```
//!
//! Generated locals use `Span::mixed_site()`, so user code can neither see
//! nor shadow them, and every path is absolute through `__private`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Ident, ImplItem, Item, ItemFn, LitStr, Safety, Type};

use crate::ast::{Container, Form, Handler, ImplEntry, ImplShell, ParentSource};
use crate::attr::FieldFormat;
use crate::symbol::SPAWNS;

/// The impl with every handler wrapped.
pub fn expand_impl(container: &Container, shell: ImplShell) -> TokenStream {
    rebuild_impl(shell, |i| expand_handler(container, &container.handlers[i]))
}

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
    let krate = container.krate();
    let private = quote!(#krate::__private);
    let span = Ident::new("__tw_span", Span::mixed_site());
    let ret = Ident::new("__tw_ret", Span::mixed_site());
    let fut = Ident::new("__tw_fut", Span::mixed_site());

    let name = LitStr::new(&container.span_name(handler), Span::call_site());
    let kind = Ident::new(container.span_kind(handler), Span::call_site());
    let records = attribute_records(container, handler, &private, &span);
    let record_block = if records.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            if #span.is_recording() {
                #(#records)*
            }
        }
    };
    let outcome = outcome_of(handler, &private, &ret);
    let mut block = handler.func.block.clone();
    if container.propagates(handler) {
        let mut aliases = SpawnAliases::default();
        aliases.visit_block(&block);
        SpawnRewriter {
            private: &private,
            aliases: &aliases.0,
        }
        .visit_block_mut(&mut block);
    }
    let sample = match container.sample_rate(handler) {
        Some(rate) => quote!(#private::Some(#rate)),
        None => quote!(#private::None),
    };
    // A constant expression: the reference is promoted to a static.
    let meta = quote! {
        &#private::HandlerMeta {
            name: #name,
            kind: #private::SpanKind::#kind,
            sample: #sample,
        }
    };
    let start = match container.parent_source(handler) {
        ParentSource::Current => quote!(#private::HandlerSpan::start(#meta)),
        ParentSource::Parent(arg) => quote! {
            #private::HandlerSpan::start_with_parent(
                #meta,
                #private::CarriesContext::carried_context(&#arg),
            )
        },
        ParentSource::Link(arg) => quote! {
            #private::HandlerSpan::start_linked(
                #meta,
                #private::Context::current(),
                &#private::CarriesContext::carried_context(&#arg),
            )
        },
    };
    let is_unsafe = matches!(handler.sig().safety, Safety::Unsafe(_));
    // The body moves into a closure or async block, which is not an unsafe
    // context even inside an `unsafe fn`; re-establish it.
    let body = if is_unsafe {
        quote!(#[allow(unused_unsafe)] unsafe #block)
    } else {
        block.to_token_stream()
    };

    let run = match &handler.form {
        Form::Sync => {
            let annotation = handler
                .output
                .as_ref()
                .filter(|ty| !contains_impl_trait(ty))
                .map(|ty| quote!(-> #ty));
            quote! {
                let #ret = #span.in_scope(move || #annotation { #body });
                #span.finish(#outcome);
                #ret
            }
        }
        Form::Async => {
            let hint = return_type_hint(handler.output.as_ref());
            quote! {
                let #ret = #span.instrument(async move { #hint #body }).await;
                #span.finish(#outcome);
                #ret
            }
        }
        Form::ImplFuture | Form::BoxedFuture => {
            let wrapped = quote! {
                async move {
                    let #ret = #span.instrument(#fut).await;
                    #span.finish(#outcome);
                    #ret
                }
            };
            let wrapped = if matches!(handler.form, Form::BoxedFuture) {
                quote!(#private::Box::pin(#wrapped))
            } else {
                wrapped
            };
            quote! {
                let #fut = #span.in_scope(move || #body);
                #wrapped
            }
        }
    };

    let func = &handler.func;
    let attrs = &func.attrs;
    let vis = &func.vis;
    let sig = &func.sig;
    let defaultness = &func.modifiers.defaultness;
    quote! {
        #(#attrs)*
        #vis #defaultness #sig {
            let mut #span = #start;
            #record_block
            #run
        }
    }
}

/// One `record` call per attribute: the arguments first, in order, then the
/// declared fields.
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
        let key = LitStr::new(&ident.to_string(), ident.span());
        let listed = |list: Option<&Vec<Ident>>| list.is_some_and(|l| l.iter().any(|i| i == ident));
        if listed(options.map(|o| &o.redact)) {
            records.push(quote!(#span.record(#key, #private::redacted());));
        } else if !skip_all && !listed(options.map(|o| &o.skip)) {
            // Autoref specialisation: arguments whose type implements
            // `AttributeValue` are recorded, the rest are left out.
            records.push(quote! {
                #span.record(#key, {
                    #[allow(unused_imports)]
                    use #private::{RecordAttr as _, SkipAttr as _};
                    (&#private::AttrProbe(&#ident)).__tw_value()
                });
            });
        }
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
        records.push(quote!(#span.record(#key, #value);));
    }
    records
}

/// The expression giving the handler's `Outcome` from its result.
fn outcome_of(handler: &Handler, private: &TokenStream, ret: &Ident) -> TokenStream {
    match handler.output.as_ref() {
        // `()`: nothing to ask.
        None => quote!(#private::Outcome::Unset),
        // A type spelled `Result<..>` must implement `SpanOutcome` (its error
        // must be `Display`): an error that silently went unrecorded would be
        // worse than a compile error, which lands on the return type.
        Some(ty) if is_result(ty) => {
            quote_spanned!(ty.span()=> #private::required_outcome(&#ret))
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

/// Rewrites the work handed to spawn calls so it starts under the current
/// span (see `tracewire::propagate` for how the wrapping is chosen).
struct SpawnRewriter<'a> {
    private: &'a TokenStream,
    /// Names a `use .. as ..` inside the body gave to spawn functions.
    aliases: &'a [Ident],
}

impl SpawnRewriter<'_> {
    fn is_spawn_name(&self, ident: &Ident) -> bool {
        SPAWNS.iter().any(|n| ident == n) || self.aliases.contains(ident)
    }

    fn wrap(&self, work: &mut Expr) {
        // A closure with parameters is never spawned work (spawned closures
        // take none), and moving it into a `let` could lose the parameter
        // types its callee would have inferred.
        if let Expr::Closure(c) = work
            && !c.inputs.is_empty()
        {
            return;
        }
        let private = self.private;
        let var = Ident::new("__tw_work", Span::mixed_site());
        let original = std::mem::replace(work, Expr::Verbatim(TokenStream::new()));
        *work = Expr::Verbatim(quote! {{
            let #var = #original;
            #[allow(unused_imports)]
            use #private::{PropagateClosure as _, PropagateFuture as _, PropagateOther as _};
            (&&&#private::PropagateProbe::of(&#var)).__tw_kind().wrap(#var)
        }});
    }
}

impl VisitMut for SpawnRewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        // Inner spawns first, so nested spawn calls are rewritten too.
        visit_mut::visit_expr_mut(self, expr);
        match expr {
            Expr::Call(call) => {
                let is_spawn = matches!(&*call.func, Expr::Path(p)
                    if p.path.segments.last().is_some_and(|s| self.is_spawn_name(&s.ident)));
                if is_spawn && let Some(first) = call.args.first_mut() {
                    self.wrap(first);
                }
            }
            Expr::MethodCall(call) => {
                if SPAWNS.iter().any(|n| call.method == n)
                    && let Some(first) = call.args.first_mut()
                {
                    self.wrap(first);
                }
            }
            _ => {}
        }
    }

    // A nested fn or impl is not part of this handler's body.
    fn visit_item_mut(&mut self, _: &mut Item) {}
}

/// Finds `use tokio::spawn as run;` and the like inside a body: the
/// renamed function is still a spawn. Renames at module level are not
/// visible to the macro; call those through their own name or use
/// `tracewire::spawn`.
#[derive(Default)]
struct SpawnAliases(Vec<Ident>);

impl<'ast> Visit<'ast> for SpawnAliases {
    fn visit_use_rename(&mut self, rename: &'ast syn::UseRename) {
        if SPAWNS.iter().any(|n| rename.ident == n) {
            self.0.push(rename.rename.clone());
        }
    }
}
