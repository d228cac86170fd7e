//! The rules a traced impl or fn must follow. Each rule says why it exists.
//! All of them run and report into the same context, so one compile shows
//! every mistake. The rules for the methods a generated `Channel` impl
//! calls (see `dispatch`) are here too, next to the others.

use std::collections::HashMap;

use proc_macro2::Span;
use quote::ToTokens;
use syn::{Ident, LitStr, Safety, Type};

use crate::ast::{ArgDefault, ArgRole, Container, ContainerKind, Handler, Role, arg_role};
use crate::attr::FieldDecl;
use crate::ctxt::Ctxt;
use crate::names::UnrawString;
use crate::types::mentions_any;

/// Runs every rule on the container and its handlers.
pub fn check(container: &Container, cx: &Ctxt) {
    check_container(container, cx);
    let mut events: HashMap<(String, String), Span> = HashMap::new();
    let mut outs: HashMap<(String, String), Span> = HashMap::new();
    for handler in &container.handlers {
        check_helpers(container, handler, cx);
        check_signature(container, handler, cx);
        check_options(container, handler, cx);
        // Two methods for one event would make routing ambiguous and give
        // two handlers the same span name. Methods under different `#[cfg]`s
        // are alternatives, of which one is compiled, so the key includes
        // the cfg.
        let cfg = cfg_of(handler);
        if let Some(ev) = &handler.helpers.event {
            unique(&mut events, ev, &cfg, "#[event]", cx);
        }
        if let Some(ev) = &handler.helpers.handle_out {
            unique(&mut outs, ev, &cfg, "#[handle_out]", cx);
        }
    }
    if container.generates_channel_impl() {
        check_dispatched(container, cx);
    } else {
        check_join_receiver(container, cx);
    }
}

/// The method's `#[cfg(..)]` attributes, as text.
fn cfg_of(handler: &Handler) -> String {
    handler
        .func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .map(|a| a.to_token_stream().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn unique(
    seen: &mut HashMap<(String, String), Span>,
    ev: &LitStr,
    cfg: &str,
    attr: &str,
    cx: &Ctxt,
) {
    if seen
        .insert((ev.value(), cfg.to_owned()), ev.span())
        .is_some()
    {
        cx.error_spanned_by(
            ev,
            format!(
                "{attr}(\"{}\") is handled by another method already; each event has one handler",
                ev.value()
            ),
        );
    }
}

fn check_container(container: &Container, cx: &Ctxt) {
    let options = &container.options;
    // Span names are the main key users search and aggregate by; an empty
    // one would be a span nobody can find.
    if let Some(name) = &options.name
        && name.value().trim().is_empty()
    {
        cx.error_spanned_by(name, "`name` must not be empty");
    }
    if let Some(topic) = &options.topic {
        let t = topic.value();
        // Phoenix topic patterns are exact topics or a prefix ending in `*`;
        // a `*` anywhere else would never match.
        if t.is_empty() {
            cx.error_spanned_by(
                topic,
                "`topic` must not be empty; use a pattern such as \"room:*\"",
            );
        } else if t.find('*').is_some_and(|i| i != t.len() - 1) {
            cx.error_spanned_by(topic, "`*` may only end a topic pattern, as in \"room:*\"");
        }
    }
    if container.base_name.is_none() && container.kind != ContainerKind::Fn {
        let hint = match container.kind {
            ContainerKind::Channel => "add `name = \"...\"` or `topic = \"...\"`",
            _ => "add `name = \"...\"`",
        };
        cx.syn_error(syn::Error::new(
            container.self_ty_span,
            format!("cannot derive a span name from this Self type; {hint}"),
        ));
    }
}

fn check_helpers(container: &Container, handler: &Handler, cx: &Ctxt) {
    let h = &handler.helpers;
    let in_channel = container.kind == ContainerKind::Channel;
    // Events name channel messages; on an actor they would mean nothing.
    if let Some(ev) = &h.event
        && !in_channel
    {
        cx.error_spanned_by(
            ev,
            "#[event] is not expected here; #[event] belongs on a method of a #[traced_channel] impl",
        );
    }
    if let Some(ev) = &h.handle_out
        && !in_channel
    {
        cx.error_spanned_by(
            ev,
            "#[handle_out] is not expected here; #[handle_out] belongs on a method of a #[traced_channel] impl",
        );
    }
    for ev in [&h.event, &h.handle_out].into_iter().flatten() {
        if ev.value().trim().is_empty() {
            cx.error_spanned_by(ev, "event names must not be empty");
        }
    }
    if let (Some(_), Some(out)) = (&h.event, &h.handle_out) {
        cx.error_spanned_by(
            out,
            "a method handles either incoming (#[event]) or outgoing (#[handle_out]) messages, not both",
        );
    }
    if let Some(attr) = &h.traced {
        cx.error_spanned_by(
            attr,
            format!(
                "#[traced] is redundant here: every method of a {} impl is traced; use #[span(...)] for options",
                container.kind.attribute()
            ),
        );
    }
    // #[untraced] with other helpers contradicts itself: the options would
    // be silently ignored.
    if let Some(attr) = &h.untraced {
        cx.error_spanned_by(
            attr,
            "#[untraced] cannot be combined with #[span], #[event] or #[handle_out] on the same method",
        );
    }
    // The event already names the span; a second name would make the span
    // name disagree with the event the runtime routes on.
    if let (Some((opts, _)), true) = (&h.span, h.event.is_some() || h.handle_out.is_some())
        && let Some(name) = &opts.name
    {
        cx.error_spanned_by(
            name,
            "`name` conflicts with the event: an #[event] or #[handle_out] method is named after its event",
        );
    }
}

fn check_signature(container: &Container, handler: &Handler, cx: &Ctxt) {
    let sig = handler.sig();
    let remedy = if container.kind == ContainerKind::Fn {
        "remove #[traced]"
    } else {
        "mark it #[untraced]"
    };
    // Spans are started at run time through the OpenTelemetry API, which
    // cannot run in a const context.
    if let Some(c) = &sig.constness {
        cx.error_spanned_by(
            c,
            format!("a const fn cannot be traced: spans start at run time; {remedy}"),
        );
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(v, "a variadic fn cannot be traced; mark it #[untraced]");
    }
    if let Safety::Safe(s) = &sig.safety {
        // `safe fn` only exists inside extern blocks, where there is no body.
        cx.error_spanned_by(s, "`safe fn` has no body to trace");
    }
}

fn check_options(container: &Container, handler: &Handler, cx: &Ctxt) {
    let Some(options) = container.handler_options(handler) else {
        return;
    };
    if let Some(name) = &options.name
        && name.value().trim().is_empty()
        && container.kind != ContainerKind::Fn
    {
        cx.error_spanned_by(name, "`name` must not be empty");
    }
    let available = || {
        let names: Vec<String> = handler
            .args
            .iter()
            .map(|a| format!("`{}`", a.ident))
            .collect();
        if names.is_empty() {
            "this fn has no named arguments".to_owned()
        } else {
            format!("named arguments are {}", names.join(", "))
        }
    };
    for (list, what) in [
        (&options.skip, "skip"),
        (&options.redact, "redact"),
        (&options.record, "record"),
    ] {
        for ident in list {
            if ident == "self" {
                // `self` is never recorded, so naming it does nothing.
                cx.error_spanned_by(
                    ident,
                    format!("`self` is never recorded; remove it from `{what}(..)` and use `fields(..)` to record parts of it"),
                );
            } else if handler.arg(ident).is_none() {
                cx.error_spanned_by(
                    ident,
                    format!("no argument named `{ident}` to {what}; {}", available()),
                );
            }
        }
    }
    // The parent comes from one place; two would have to disagree.
    if let (Some(_), Some(link)) = (&options.parent, &options.link) {
        cx.error_spanned_by(
            link,
            "`parent` and `link` cannot both be set: a span has one parent; use `link` to start under the current context and link to the carried one",
        );
    }
    check_trust(handler, options, cx);
    for (source, what) in [(&options.parent, "parent"), (&options.link, "link")] {
        let Some(ident) = source else { continue };
        if ident == "self" {
            cx.error_spanned_by(
                ident,
                format!("`{what} = self` is not supported; name an argument that carries a trace context, such as a `Traced<M>`"),
            );
        } else if handler.arg(ident).is_none() {
            // An HTTP handler's context is in its request's headers, which
            // the handler has to take as an argument to be read.
            let http = if what == "parent" {
                "; an HTTP handler takes the request's `http::HeaderMap` (or \
                 `tracewire::axum::TraceParent`) and names it, as in `parent = headers`"
            } else {
                ""
            };
            cx.error_spanned_by(
                ident,
                format!(
                    "no argument named `{ident}` to take the {what} context from; {}{http}",
                    available()
                ),
            );
        }
    }
    for ident in &options.redact {
        if options.skip.iter().any(|s| s == ident) {
            cx.error_spanned_by(
                ident,
                format!("`{ident}` is both skipped and redacted; a redacted argument is recorded as a mask, so choose one"),
            );
        }
    }
    if let (Some(_), Some(first)) = (options.skip_all, options.skip.first()) {
        cx.error_spanned_by(first, "`skip(..)` is redundant next to `skip_all`");
    }
    check_record(container, handler, cx);
    // Attribute keys must be unique on a span: a second value would
    // silently replace the first.
    let mut keys: HashMap<&str, Span> = HashMap::new();
    for (key, span) in field_keys(&options.fields) {
        if key.is_empty() {
            cx.syn_error(syn::Error::new(span, "field keys must not be empty"));
            continue;
        }
        if keys.insert(key, span).is_some() {
            cx.syn_error(syn::Error::new(span, format!("duplicate field `{key}`")));
        }
    }
    if options.skip_all.is_none() {
        for arg in &handler.args {
            let name = arg.ident.unraw_string();
            let skipped = options.skip.contains(&arg.ident);
            if !skipped && let Some(span) = keys.get(name.as_str()) {
                cx.syn_error(syn::Error::new(
                    *span,
                    format!("field `{name}` would overwrite the argument `{name}`, which is recorded under that key; add `skip({name})` or rename the field"),
                ));
            }
        }
    }
}

/// `trust = ..` decides what an incoming request's context becomes; on
/// anything else it would be silently ignored, so it must come with
/// `parent = arg` naming the request's headers. A request's context is
/// linked by default, so `link = headers` is the default spelled
/// differently, and not accepted.
fn check_trust(handler: &Handler, options: &crate::attr::Options, cx: &Ctxt) {
    let request = |ident: &syn::Ident| handler.arg(ident).is_some_and(|a| a.is_request);
    if let Some(link) = &options.link
        && request(link)
    {
        cx.error_spanned_by(
            link,
            format!(
                "an incoming request's context is linked by default: write `parent = {link}`, \
                 and `trust = parent` to make a trusted caller the parent"
            ),
        );
    }
    let Some(trust) = &options.trust else { return };
    match &options.parent {
        None => cx.error_spanned_by(
            trust,
            "`trust` applies to the context of an incoming request: add `parent = headers`, \
             naming the handler's `http::HeaderMap` (or `tracewire::axum::TraceParent`) argument",
        ),
        Some(parent) if handler.arg(parent).is_some() && !request(parent) => cx.error_spanned_by(
            trust,
            format!(
                "`trust` applies to an incoming request's headers, and `{parent}` is not an \
                 `http::HeaderMap` or `tracewire::axum::TraceParent`: a context from this \
                 process is always the parent; remove `trust`"
            ),
        ),
        Some(_) => {}
    }
}

/// `record(arg)` lifts a default that keeps an argument off the span; the
/// option has to mean that, or a reader would think it does something.
fn check_record(container: &Container, handler: &Handler, cx: &Ctxt) {
    let Some(options) = container.handler_options(handler) else {
        return;
    };
    for ident in &options.record {
        let other = if options.redact.contains(ident) {
            Some("redacted")
        } else if options.skip.contains(ident) || options.skip_all.is_some() {
            Some("skipped")
        } else {
            None
        };
        if let Some(other) = other {
            cx.error_spanned_by(
                ident,
                format!("`{ident}` is both recorded and {other}; choose one"),
            );
            continue;
        }
        // An unknown name is reported with the other options' names.
        let Some(arg) = handler.arg(ident) else {
            continue;
        };
        if container.arg_default(handler, arg) == ArgDefault::Recorded {
            cx.error_spanned_by(
                ident,
                format!(
                    "`record({ident})` changes nothing: `{ident}` is recorded already; \
                     `record(..)` is for arguments left off a span by default: names that look \
                     like secrets (`password`, `token`, `api_key`, ...) and a channel's \
                     connect and join params"
                ),
            );
        }
    }
}

/// Each declared field's key, with where it was written.
fn field_keys(fields: &[FieldDecl]) -> impl Iterator<Item = (&str, Span)> {
    fields.iter().map(|f| (f.key.as_str(), f.key_span))
}

/// A `join` that returns the channel (`Self`, by that name or its own) is
/// the channel's constructor, so it cannot take `self`: the channel does
/// not exist until `join` has made it. Left alone, such an impl would be
/// traced for its spans only, and the mistake would surface far away, as an
/// unmet `Channel` bound where the channel is registered. A `join(&self)`
/// that returns something else is a spans-only method.
fn check_join_receiver(container: &Container, cx: &Ctxt) {
    if container.kind != ContainerKind::Channel || container.is_trait_impl {
        return;
    }
    let self_kw = Ident::new("Self", Span::call_site());
    let names: Vec<&Ident> = std::iter::once(&self_kw)
        .chain(&container.self_ident)
        .collect();
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

/// The rules for the methods a generated `Channel` impl calls. Each says
/// why.
fn check_dispatched(container: &Container, cx: &Ctxt) {
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
        let payloads: Vec<&Type> = handler
            .input_types()
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
