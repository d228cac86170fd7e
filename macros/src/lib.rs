//! The procedural macros behind [tracewire](https://docs.rs/tracewire):
//! `#[traced]`, `#[traced_actor]`, `#[traced_channel]`, their helper
//! attributes and `#[derive(Message)]`. Depend on `tracewire`, which
//! re-exports them, holds the runtime the generated code calls, and
//! documents each macro.
//!
//! The crate is a pipeline, one stage per module: `attr` parses options,
//! `ast` builds the intermediate representation, `valid` checks it, and
//! `expand` writes the code. Errors from every stage are collected in a
//! `ctxt::Ctxt` and reported together, next to the item as written.
//! Beside the pipeline: `types` reads what a type's tokens say and `names`
//! makes span names from Rust names (both for `ast`); `spawn` and `send`
//! rewrite spawn sites and actor sends in handler bodies; `dispatch` writes
//! the `Channel` impl of an inherent channel impl; `message` is
//! `#[derive(Message)]` on the same stages; `secret` says which argument
//! names look like secrets'; and `symbol` names every option and helper
//! attribute. This file holds the entry points and the steps they share.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

mod ast;
mod attr;
mod ctxt;
mod dispatch;
mod expand;
mod message;
mod names;
mod secret;
mod send;
mod spawn;
mod symbol;
mod types;
mod valid;

#[cfg(test)]
mod robustness;
#[cfg(test)]
mod snapshots;

use ast::{Container, ContainerKind};
use attr::Position;
use ctxt::Ctxt;

// Each entry point's rustdoc is for this crate's own pages only: rustdoc
// sets `cfg(doc)` when it documents this crate, not when the compiler
// builds it for tracewire. tracewire attaches each macro's reference to its
// re-export, and rustdoc would append these lines to that page.

#[cfg_attr(
    doc,
    doc = "Traces every method of an actor's impl block.

The implementation behind `tracewire::traced_actor`. Depend on the
`tracewire` crate, which re-exports it and documents its options, and holds
the runtime the generated code calls."
)]
#[proc_macro_attribute]
pub fn traced_actor(args: TokenStream, item: TokenStream) -> TokenStream {
    traced_impl(ContainerKind::Actor, args.into(), item.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Traces every method of a channel handler's impl block.

The implementation behind `tracewire::traced_channel`. Depend on the
`tracewire` crate, which re-exports it and documents its options, and holds
the runtime the generated code calls."
)]
#[proc_macro_attribute]
pub fn traced_channel(args: TokenStream, item: TokenStream) -> TokenStream {
    traced_impl(ContainerKind::Channel, args.into(), item.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Traces one fn.

The implementation behind `tracewire::traced`. Depend on the `tracewire`
crate, which re-exports it and documents its options, and holds the runtime
the generated code calls."
)]
#[proc_macro_attribute]
pub fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    traced_fn(args.into(), item.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Derives `tracewire::Message` for a message enum or struct.

The implementation behind `tracewire::Message`. Depend on the `tracewire`
crate, which re-exports it with the trait it implements, and documents its
options."
)]
#[proc_macro_derive(Message, attributes(message))]
pub fn derive_message(item: TokenStream) -> TokenStream {
    message::derive_message(item.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Gives one method of a traced impl its own options.

A helper attribute of `tracewire`'s macros: `#[traced_actor]` or
`#[traced_channel]` reads it off the methods of the impl it traces. Written
anywhere else, this attribute reports that it is misplaced. Depend on the
`tracewire` crate, which re-exports it and documents it."
)]
#[proc_macro_attribute]
pub fn span(_args: TokenStream, item: TokenStream) -> TokenStream {
    misplaced_helper("span", item.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Names the channel event a method of a traced channel impl handles.

A helper attribute of `tracewire`'s macros: `#[traced_channel]` reads it off
the methods of the impl it traces. Written anywhere else, this attribute
reports that it is misplaced. Depend on the `tracewire` crate, which
re-exports it and documents it."
)]
#[proc_macro_attribute]
pub fn event(_args: TokenStream, item: TokenStream) -> TokenStream {
    misplaced_helper("event", item.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Names the outgoing channel event a method of a traced channel impl
intercepts.

A helper attribute of `tracewire`'s macros: `#[traced_channel]` reads it off
the methods of the impl it traces. Written anywhere else, this attribute
reports that it is misplaced. Depend on the `tracewire` crate, which
re-exports it and documents it."
)]
#[proc_macro_attribute]
pub fn handle_out(_args: TokenStream, item: TokenStream) -> TokenStream {
    misplaced_helper("handle_out", item.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Leaves a method of a traced impl without a span.

A helper attribute of `tracewire`'s macros: `#[traced_actor]` or
`#[traced_channel]` reads it off the methods of the impl it traces. Written
anywhere else, this attribute reports that it is misplaced. Depend on the
`tracewire` crate, which re-exports it and documents it."
)]
#[proc_macro_attribute]
pub fn untraced(_args: TokenStream, item: TokenStream) -> TokenStream {
    misplaced_helper("untraced", item.into()).into()
}

/// `#[traced_actor]` and `#[traced_channel]`: options, IR, checks, then the
/// wrapped impl (and, for an inherent channel impl whose `join` creates the
/// channel, its `Channel` impl), or the impl as written next to the errors.
pub(crate) fn traced_impl(
    kind: ContainerKind,
    args: TokenStream2,
    item: TokenStream2,
) -> TokenStream2 {
    let cx = Ctxt::default();
    let position = match kind {
        ContainerKind::Channel => Position::Channel,
        _ => Position::Actor,
    };
    let options = attr::parse_options(args, position, &cx);
    let misplaced = format!("{} belongs on an impl block", kind.attribute());
    let Some(item) = parse_item::<syn::ItemImpl>(&item, "impl", &misplaced, &cx) else {
        return with_errors(cx, item);
    };
    let (container, shell) = Container::from_impl(kind, options, item, &cx);
    valid::check(&container, &cx);
    if cx.has_errors() {
        let fallback = expand::fallback_impl(&container, shell);
        return with_errors(cx, fallback);
    }
    let channel_impl = container
        .generates_channel_impl()
        .then(|| dispatch::channel_impl(&container, &shell.item.self_ty, &shell.item.generics));
    let expanded = expand::expand_impl(&container, shell);
    with_errors(cx, quote!(#expanded #channel_impl))
}

/// `#[traced]`: the same pipeline for one fn.
pub(crate) fn traced_fn(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let cx = Ctxt::default();
    let options = attr::parse_options(args, Position::TracedFn, &cx);
    let misplaced =
        "#[traced] belongs on a fn; use #[traced_actor] or #[traced_channel] on an impl block";
    let Some(item) = parse_item::<syn::ItemFn>(&item, "fn", misplaced, &cx) else {
        return with_errors(cx, item);
    };
    let container = Container::from_fn(options, item);
    valid::check(&container, &cx);
    if cx.has_errors() {
        let fallback = expand::fallback_fn(&container);
        return with_errors(cx, fallback);
    }
    with_errors(cx, expand::expand_fn(&container))
}

fn misplaced_helper(name: &str, item: TokenStream2) -> TokenStream2 {
    let cx = Ctxt::default();
    let home = if name == "event" || name == "handle_out" {
        "a method of a #[traced_channel] impl"
    } else {
        "a method of a #[traced_actor] or #[traced_channel] impl"
    };
    // The call site of an attribute macro is the attribute itself: the
    // offending tokens.
    cx.syn_error(syn::Error::new(
        proc_macro2::Span::call_site(),
        format!("#[{name}] is not expected here; #[{name}] belongs on {home}"),
    ));
    with_errors(cx, item)
}

/// The item a macro is attached to, read as a `T` (an impl block, a fn).
/// `None` if it is not one: then `misplaced` is reported, unless the item
/// is introduced by `keyword` and only has a syntax error inside, which
/// rustc reports itself on the item as written.
fn parse_item<T: syn::parse::Parse>(
    item: &TokenStream2,
    keyword: &str,
    misplaced: &str,
    cx: &Ctxt,
) -> Option<T> {
    match syn::parse2::<T>(item.clone()) {
        Ok(parsed) => Some(parsed),
        Err(_) if has_top_level_keyword(item, keyword) => None,
        Err(_) => {
            cx.error_spanned_by(first_tokens(item), misplaced);
            None
        }
    }
}

/// Whether the item is introduced by `keyword` (`impl`, `fn`) once its
/// attributes, visibility and qualifiers (`pub(crate)`, `unsafe`,
/// `async`, `extern "C"`, ...) are passed over.
fn has_top_level_keyword(item: &TokenStream2, keyword: &str) -> bool {
    const QUALIFIERS: &[&str] = &[
        "pub", "crate", "default", "unsafe", "safe", "const", "async", "extern",
    ];
    item.clone()
        .into_iter()
        .find_map(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) if QUALIFIERS.iter().any(|q| i == q) => None,
            proc_macro2::TokenTree::Ident(i) => Some(i == keyword),
            // `#`, `[..]` attributes, `(crate)` visibility and `"C"` ABIs.
            proc_macro2::TokenTree::Punct(_)
            | proc_macro2::TokenTree::Literal(_)
            | proc_macro2::TokenTree::Group(_) => None,
        })
        .unwrap_or(false)
}

/// The item's leading tokens, up to its name, to point an error at without
/// underlining a whole block.
fn first_tokens(item: &TokenStream2) -> TokenStream2 {
    let mut out = TokenStream2::new();
    for tt in item.clone() {
        let stop = matches!(&tt, proc_macro2::TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Brace);
        if stop {
            break;
        }
        out.extend([tt]);
    }
    if out.is_empty() { item.clone() } else { out }
}

/// The item after the errors, if any: every path through a macro ends here,
/// which takes the context's errors (see `ctxt`).
fn with_errors(cx: Ctxt, item: TokenStream2) -> TokenStream2 {
    let errors = cx.into_compile_errors();
    quote!(#errors #item)
}
