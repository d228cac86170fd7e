//! The intermediate representation: what a traced impl or fn means, with the
//! span name, kind, attributes and future shape of each handler resolved.
//! Built from syn items by [`Container::from_impl`] and [`Container::from_fn`];
//! checked by `valid`; written out by `expand` (and, for an inherent channel
//! impl, `dispatch`). What a type's tokens say is read in `types`, the text
//! of names is made in `names`.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{
    FnArg, Ident, ImplItem, ImplItemFn, ItemFn, ItemImpl, LitStr, Pat, ReturnType, Signature, Type,
};

use crate::attr::{self, MethodAttrs, Options};
use crate::ctxt::Ctxt;
use crate::names::{UnrawString, channel_name, snake_case, topic_prefix};
use crate::secret;
use crate::types::{
    boxed_future_output, impl_future_output, is_framework_arg, is_request, is_traced_message,
    type_name,
};

/// Which macro the container was written for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ContainerKind {
    Actor,
    Channel,
    /// `#[traced]` on one fn.
    Fn,
}

impl ContainerKind {
    /// The attribute as errors name it.
    pub fn attribute(self) -> &'static str {
        match self {
            ContainerKind::Actor => "#[traced_actor]",
            ContainerKind::Channel => "#[traced_channel]",
            ContainerKind::Fn => "#[traced]",
        }
    }
}

/// A traced impl block or fn.
pub struct Container {
    pub kind: ContainerKind,
    pub options: Options,
    /// The name span names start with (`user_cache`, `room`), when one
    /// could be found.
    pub base_name: Option<String>,
    /// Where to report a missing base name.
    pub self_ty_span: Span,
    /// Whether the impl is of a trait (`impl Channel for RoomChannel`);
    /// `false` for an inherent impl and for a fn.
    pub is_trait_impl: bool,
    /// The Self type's own name (`RoomChannel` for `crate::RoomChannel<T>`),
    /// which a `join` may return in place of `Self`.
    pub self_ident: Option<Ident>,
    pub handlers: Vec<Handler>,
}

/// The role a handler plays, which decides its default name and kind.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Role {
    Plain,
    Connect,
    Join,
    HandleIn(Option<String>),
    HandleOut(Option<String>),
    Terminate,
    HandleCall,
    HandleCast,
    HandleInfo,
    /// A kameo `Message<M>::handle(&mut self, msg, ctx)` or a ractor
    /// `Actor::handle(&self, myself, message, state)`: a `handle` with two
    /// or more arguments. Its span is named after the message and its kind
    /// is decided per message (see `Container::span_kind`).
    Handle,
}

/// How a handler produces its result, which decides how its span is kept
/// current and when it ends.
#[derive(Clone, Debug)]
pub enum Form {
    /// A plain fn: the span ends when it returns.
    Sync,
    /// `async fn`: the span ends when the future completes.
    Async,
    /// `fn .. -> impl Future<Output = T>`.
    ImplFuture,
    /// `fn .. -> Pin<Box<dyn Future<Output = T>>>` or `BoxFuture<'_, T>`,
    /// which is also what `#[async_trait]` leaves behind when it runs first.
    BoxedFuture,
}

/// A named argument: recorded as an attribute when its type allows, and a
/// trace context source when it is a `Traced<..>`.
pub struct Arg {
    pub ident: Ident,
    pub ty: Type,
    pub is_traced_message: bool,
    /// An incoming request's headers: `HeaderMap` or `TraceParent`, by
    /// value or by reference, under any path.
    pub is_request: bool,
}

/// What becomes of an argument that no `skip`, `redact` or `record` names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArgDefault {
    /// Recorded as it is, when its type allows.
    Recorded,
    /// Its name looks like a secret's (see `secret`): recorded as the
    /// `[REDACTED]` mask, when its type would be recorded at all.
    Masked,
    /// A channel's connect or join params, which carry tokens: left out.
    LeftOut,
}

/// What an argument of a channel handler receives from the generated
/// dispatch.
pub enum ArgRole<'a> {
    Socket { mutable: bool },
    Topic,
    Reason,
    Payload(&'a Type),
}

/// An argument's role, from its type: a reference to a `Socket` gets the
/// socket, `&str` in `join` the topic, `&LeaveReason` in `terminate` the
/// reason, and anything else the payload (or the join params).
pub fn arg_role<'a>(ty: &'a Type, role: &Role) -> ArgRole<'a> {
    if let Type::Reference(r) = ty {
        let last = match &*r.elem {
            Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        match last.as_deref() {
            Some("Socket") => {
                return ArgRole::Socket {
                    mutable: r.mutability.is_some(),
                };
            }
            Some("str") if *role == Role::Join => return ArgRole::Topic,
            Some("LeaveReason") if *role == Role::Terminate => return ArgRole::Reason,
            _ => {}
        }
    }
    ArgRole::Payload(ty)
}

/// Where a handler's span gets its parent.
pub enum ParentSource<'a> {
    /// The context current when the handler is called.
    Current,
    /// The context carried by this argument.
    Parent(&'a Ident),
    /// The current context, with a link to the one carried by this argument.
    Link(&'a Ident),
    /// An incoming request's headers, read through the trust policy named
    /// (`parent`, `link` or `ignore`): the span serves a remote caller.
    Request(&'a Ident, &'static str),
}

/// One fn to wrap in a span. Everything is owned so that the item can be
/// rebuilt around it.
pub struct Handler {
    /// The fn as written, less tracewire's helper attributes. A `#[traced]`
    /// free fn is held in the same shape (the fields are identical).
    pub func: ImplItemFn,
    pub helpers: MethodAttrs,
    /// Named arguments in order; `self` is never one.
    pub args: Vec<Arg>,
    /// The first argument after the receiver, when it is a plain name: the
    /// message of an actor's `handle_call`/`handle_cast`/`handle_info`.
    pub first_arg: Option<Ident>,
    /// Every argument after the receiver, as (its name when the pattern is
    /// a plain name, its type): where a `handle` finds its message and its
    /// reply context.
    pub inputs: Vec<(Option<Ident>, Type)>,
    pub role: Role,
    pub form: Form,
    /// The type the handler finally produces (the future's output for async
    /// forms); `None` for `()`.
    pub output: Option<Type>,
}

/// Where each item of a traced impl goes.
pub enum ImplEntry {
    Handler(usize),
    Untouched(Box<ImplItem>),
}

/// The impl block with its items taken out, and where each goes back:
/// the frame expansion (or the fallback) rebuilds the impl in.
pub struct ImplShell {
    pub item: ItemImpl,
    pub entries: Vec<ImplEntry>,
}

impl Container {
    /// Reads a `#[traced_actor]`/`#[traced_channel]` impl. Helper attributes
    /// are removed from the returned shell's items.
    pub fn from_impl(
        kind: ContainerKind,
        options: Options,
        mut item: ItemImpl,
        cx: &Ctxt,
    ) -> (Container, ImplShell) {
        let self_ty_span = item.self_ty.span();
        let is_trait_impl = item.trait_.is_some();
        let self_ident = match &*item.self_ty {
            Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
            _ => None,
        };
        let mut handlers = Vec::new();
        let mut entries = Vec::new();
        for impl_item in std::mem::take(&mut item.items) {
            match impl_item {
                ImplItem::Fn(mut f) => {
                    let helpers = attr::take_method_attrs(&mut f.attrs, options.krate.as_ref(), cx);
                    if helpers.untraced.is_some()
                        && helpers.span.is_none()
                        && helpers.event.is_none()
                        && helpers.handle_out.is_none()
                        && helpers.traced.is_none()
                    {
                        entries.push(ImplEntry::Untouched(Box::new(ImplItem::Fn(f))));
                        continue;
                    }
                    let role = role_of(kind, &f.sig, &helpers);
                    entries.push(ImplEntry::Handler(handlers.len()));
                    handlers.push(Handler::new(f, helpers, role));
                }
                other => entries.push(ImplEntry::Untouched(Box::new(other))),
            }
        }
        let base_name = match kind {
            ContainerKind::Actor => options
                .name
                .as_ref()
                .map(LitStr::value)
                .or_else(|| type_name(&item.self_ty).map(|n| snake_case(&n))),
            _ => options
                .name
                .as_ref()
                .map(LitStr::value)
                .or_else(|| {
                    options
                        .topic
                        .as_ref()
                        .and_then(|t| topic_prefix(&t.value()))
                })
                .or_else(|| type_name(&item.self_ty).map(|n| channel_name(&snake_case(&n)))),
        };
        let container = Container {
            kind,
            options,
            base_name,
            self_ty_span,
            is_trait_impl,
            self_ident,
            handlers,
        };
        (container, ImplShell { item, entries })
    }

    /// Reads a `#[traced]` fn.
    pub fn from_fn(options: Options, item: ItemFn) -> Container {
        let base_name = Some(
            options
                .name
                .as_ref()
                .map_or_else(|| item.sig.ident.unraw_string(), LitStr::value),
        );
        let self_ty_span = item.sig.ident.span();
        let func = ImplItemFn {
            attrs: item.attrs,
            vis: item.vis,
            modifiers: item.modifiers,
            sig: item.sig,
            block: *item.block,
        };
        let handler = Handler::new(func, MethodAttrs::default(), Role::Plain);
        Container {
            kind: ContainerKind::Fn,
            options,
            base_name,
            self_ty_span,
            is_trait_impl: false,
            self_ident: None,
            handlers: vec![handler],
        }
    }

    /// Whether the impl gets a generated `Channel` impl (see `dispatch`):
    /// an inherent channel impl whose `join` creates the channel (takes no
    /// `self`). A `join` that takes `self` belongs to a type traced for its
    /// spans alone, served by something else (unless it returns the
    /// channel, which `valid` reports); so does an inherent impl with no
    /// `join`.
    pub fn generates_channel_impl(&self) -> bool {
        self.kind == ContainerKind::Channel
            && !self.is_trait_impl
            && self
                .handlers
                .iter()
                .any(|h| h.role == Role::Join && h.sig().receiver().is_none())
    }

    /// The options that apply to `handler`: its `#[span(..)]`, or for a
    /// `#[traced]` fn the attribute's own options.
    pub fn handler_options<'a>(&'a self, handler: &'a Handler) -> Option<&'a Options> {
        match self.kind {
            ContainerKind::Fn => Some(&self.options),
            _ => handler.helpers.span.as_ref().map(|(o, _)| o),
        }
    }

    /// The span name, fixed at compile time.
    pub fn span_name(&self, handler: &Handler) -> String {
        if let Some(name) = self.handler_options(handler).and_then(|o| o.name.as_ref()) {
            return name.value();
        }
        let base = self.base_name.as_deref().unwrap_or("_");
        let method = handler.sig().ident.unraw_string();
        match &handler.role {
            _ if self.kind == ContainerKind::Fn => base.to_owned(),
            Role::Connect => "socket.connect".to_owned(),
            Role::HandleIn(Some(event)) => format!("{base}.handle_in {event}"),
            Role::HandleOut(Some(event)) => format!("{base}.handle_out {event}"),
            _ => format!("{base}.{method}"),
        }
    }

    /// The `SpanKind` variant, following the OpenTelemetry messaging and RPC
    /// conventions: a request a client waits on is served under SERVER, a
    /// message handled without a waiting caller under CONSUMER.
    pub fn span_kind(&self, handler: &Handler) -> &'static str {
        if let Some(kind) = self.handler_options(handler).and_then(|o| o.kind.as_ref()) {
            return match kind.to_string().as_str() {
                "client" => "Client",
                "server" => "Server",
                "producer" => "Producer",
                "consumer" => "Consumer",
                _ => "Internal",
            };
        }
        // A handler that takes its parent from a request's headers serves
        // that request (the HTTP server span of the conventions).
        if matches!(self.parent_source(handler), ParentSource::Request(..)) {
            return "Server";
        }
        match handler.role {
            Role::Connect | Role::Join | Role::HandleIn(_) | Role::HandleCall => "Server",
            // A `handle`'s kind is decided per message by the generated
            // code (see `expand`); this is the kind when it cannot tell.
            Role::HandleOut(_) | Role::HandleCast | Role::HandleInfo | Role::Handle => "Consumer",
            Role::Plain | Role::Terminate => "Internal",
        }
    }

    /// Where the span's parent comes from: `parent = arg` or `link = arg`
    /// if given, else the first `Traced<..>` argument, else the current
    /// context.
    pub fn parent_source<'a>(&'a self, handler: &'a Handler) -> ParentSource<'a> {
        let options = self.handler_options(handler);
        if let Some(arg) = options.and_then(|o| o.parent.as_ref()) {
            if handler.arg(arg).is_some_and(|a| a.is_request) {
                return ParentSource::Request(arg, self.trust_policy(handler));
            }
            return ParentSource::Parent(arg);
        }
        if let Some(arg) = options.and_then(|o| o.link.as_ref()) {
            return ParentSource::Link(arg);
        }
        match handler.args.iter().find(|a| a.is_traced_message) {
            Some(arg) => ParentSource::Parent(&arg.ident),
            None => ParentSource::Current,
        }
    }

    /// The `TrustPolicy` variant for an incoming request's context:
    /// `trust = ..`, else `Link`, the default for input from outside.
    pub fn trust_policy(&self, handler: &Handler) -> &'static str {
        match self
            .handler_options(handler)
            .and_then(|o| o.trust.as_ref())
            .map(Ident::to_string)
            .as_deref()
        {
            Some("parent") => "Parent",
            Some("ignore") => "Ignore",
            _ => "Link",
        }
    }

    /// The argument whose message variant completes the span name
    /// (`user_cache.handle_call get_user`): the message of an actor's
    /// message handler, unless the span is named explicitly.
    pub fn message_arg<'a>(&'a self, handler: &'a Handler) -> Option<&'a Ident> {
        let named = self
            .handler_options(handler)
            .is_some_and(|o| o.name.is_some());
        let handles_messages = self.kind == ContainerKind::Actor
            && matches!(
                handler.role,
                Role::HandleCall | Role::HandleCast | Role::HandleInfo
            );
        if handles_messages && !named {
            handler.first_arg.as_ref()
        } else {
            None
        }
    }

    /// A `handle`'s message argument, unless the span is named explicitly:
    /// the second of ractor's `(myself, message, state)`, else the first
    /// (kameo's `(msg, ctx)`), as (its name if it has a plain one, its
    /// type).
    pub fn handle_message<'a>(
        &'a self,
        handler: &'a Handler,
    ) -> Option<(Option<&'a Ident>, &'a Type)> {
        let named = self
            .handler_options(handler)
            .is_some_and(|o| o.name.is_some());
        if handler.role != Role::Handle || named {
            return None;
        }
        let index = if handler.inputs.len() >= 3 { 1 } else { 0 };
        handler
            .inputs
            .get(index)
            .map(|(ident, ty)| (ident.as_ref(), ty))
    }

    /// The handler's head-sampling rate: its own `sample = ..`, else the
    /// impl's.
    pub fn sample_rate(&self, handler: &Handler) -> Option<f64> {
        let own = self.handler_options(handler).and_then(|o| o.sample);
        let container = match self.kind {
            ContainerKind::Fn => None,
            _ => self.options.sample,
        };
        own.or(container).map(|(rate, _)| rate)
    }

    /// What becomes of `arg` when no option names it. A channel's
    /// `connect` arguments and `join` params come from the client's
    /// connect and join messages, where tokens travel, so they are left
    /// out; so are an actor framework's arguments (see
    /// [`is_framework_arg`]) and a kameo or ractor `handle`'s message. Any
    /// other argument whose name looks like a secret's is masked.
    pub fn arg_default(&self, handler: &Handler, arg: &Arg) -> ArgDefault {
        let params = self.kind == ContainerKind::Channel
            && match handler.role {
                Role::Connect => true,
                Role::Join => matches!(arg_role(&arg.ty, &Role::Join), ArgRole::Payload(_)),
                _ => false,
            };
        // A kameo or ractor message is recorded through its own
        // `#[message(attr)]` fields, never whole.
        let message = self
            .handle_message(handler)
            .is_some_and(|(ident, _)| ident == Some(&arg.ident));
        let framework = self.kind == ContainerKind::Actor
            && (is_framework_arg(&arg.ty) || is_ractor_state_or_arguments(handler, arg));
        if params || message || framework {
            ArgDefault::LeftOut
        } else if secret::looks_secret(&arg.ident.unraw_string()) {
            ArgDefault::Masked
        } else {
            ArgDefault::Recorded
        }
    }

    /// Whether spawn sites in the body are rewritten to carry the context:
    /// the handler's own `propagate = ..`, else the impl's, else yes.
    pub fn propagates(&self, handler: &Handler) -> bool {
        let own = self
            .handler_options(handler)
            .and_then(|o| o.propagate.as_ref());
        let container = match self.kind {
            ContainerKind::Fn => None,
            _ => self.options.propagate.as_ref(),
        };
        own.or(container).is_none_or(|b| b.value)
    }
}

impl Handler {
    fn new(mut func: ImplItemFn, helpers: MethodAttrs, role: Role) -> Handler {
        if role == Role::Handle {
            name_the_reply_context(&mut func.sig);
        }
        let sig = &func.sig;
        let args = sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                FnArg::Typed(pt) => match &*pt.pat {
                    Pat::Ident(pi) if pi.subpat.is_none() => Some(Arg {
                        ident: pi.ident.clone(),
                        ty: (*pt.ty).clone(),
                        is_traced_message: is_traced_message(&pt.ty),
                        is_request: is_request(&pt.ty),
                    }),
                    _ => None,
                },
                FnArg::Receiver(_) => None,
            })
            .collect();
        let first_arg = sig.inputs.iter().find_map(|input| match input {
            FnArg::Typed(pt) => Some(match &*pt.pat {
                Pat::Ident(pi) if pi.subpat.is_none() => Some(pi.ident.clone()),
                _ => None,
            }),
            FnArg::Receiver(_) => None,
        });
        let first_arg = first_arg.flatten();
        let inputs = sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                FnArg::Typed(pt) => Some((
                    match &*pt.pat {
                        Pat::Ident(pi) if pi.subpat.is_none() => Some(pi.ident.clone()),
                        _ => None,
                    },
                    (*pt.ty).clone(),
                )),
                FnArg::Receiver(_) => None,
            })
            .collect();
        let ret = match &sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => Some((**ty).clone()),
        };
        let (form, output) = if sig.asyncness.is_some() {
            (Form::Async, ret)
        } else if let Some(ty) = &ret {
            if let Some(out) = impl_future_output(ty) {
                (Form::ImplFuture, out)
            } else if let Some(out) = boxed_future_output(ty) {
                (Form::BoxedFuture, out)
            } else {
                (Form::Sync, ret)
            }
        } else {
            (Form::Sync, None)
        };
        Handler {
            func,
            helpers,
            args,
            first_arg,
            inputs,
            role,
            form,
            output,
        }
    }

    /// The handler's signature, as written.
    pub fn sig(&self) -> &Signature {
        &self.func.sig
    }

    /// The type of every argument after the receiver, in order, as written.
    pub fn input_types(&self) -> impl Iterator<Item = &Type> {
        self.sig().inputs.iter().filter_map(|a| match a {
            FnArg::Typed(pt) => Some(&*pt.ty),
            FnArg::Receiver(_) => None,
        })
    }

    /// The named argument `name`, if the handler has one.
    pub fn arg(&self, name: &Ident) -> Option<&Arg> {
        self.args.iter().find(|a| a.ident == *name)
    }
}

fn role_of(kind: ContainerKind, sig: &Signature, helpers: &MethodAttrs) -> Role {
    let name = sig.ident.unraw_string();
    match kind {
        ContainerKind::Channel => {
            if let Some(event) = &helpers.event {
                return Role::HandleIn(Some(event.value()));
            }
            if let Some(event) = &helpers.handle_out {
                return Role::HandleOut(Some(event.value()));
            }
            match name.as_str() {
                "connect" => Role::Connect,
                "join" => Role::Join,
                "handle_in" => Role::HandleIn(None),
                "handle_out" => Role::HandleOut(None),
                "terminate" => Role::Terminate,
                _ => Role::Plain,
            }
        }
        ContainerKind::Actor => match name.as_str() {
            "handle_call" => Role::HandleCall,
            "handle_cast" => Role::HandleCast,
            "handle_info" => Role::HandleInfo,
            "handle" if typed_args(sig) >= 2 => Role::Handle,
            "terminate" => Role::Terminate,
            _ => Role::Plain,
        },
        ContainerKind::Fn => Role::Plain,
    }
}

/// Whether `arg` is where ractor's callbacks take the actor's state or its
/// start arguments, however their types are written (`state: &mut i64`):
/// the last argument of `handle(myself, message, state)`,
/// `handle_supervisor_evt(myself, event, state)`, `post_start(myself,
/// state)` and `post_stop(myself, state)`, and the second of
/// `pre_start(myself, arguments)`.
fn is_ractor_state_or_arguments(handler: &Handler, arg: &Arg) -> bool {
    let position = handler
        .inputs
        .iter()
        .position(|(ident, _)| ident.as_ref() == Some(&arg.ident));
    let count = handler.inputs.len();
    let last = position.is_some_and(|p| p + 1 == count);
    match (handler.sig().ident.unraw_string().as_str(), count) {
        ("handle" | "handle_supervisor_evt", 3) => last,
        ("post_start" | "post_stop" | "pre_start", 2) => last,
        _ => false,
    }
}

/// Gives kameo's `_: &mut Context<..>` a name the generated code can ask
/// whether a reply is awaited (a `_` pattern binds nothing). The name is
/// the macro's own, invisible to the body.
fn name_the_reply_context(sig: &mut Signature) {
    let mut typed = sig.inputs.iter_mut().filter_map(|input| match input {
        FnArg::Typed(pt) => Some(pt),
        FnArg::Receiver(_) => None,
    });
    let (Some(_), Some(ctx), None) = (typed.next(), typed.next(), typed.next()) else {
        return;
    };
    if matches!(&*ctx.pat, Pat::Wild(_)) {
        let ident = Ident::new("__tw_reply_cx", Span::mixed_site());
        *ctx.pat = syn::parse_quote!(#ident);
    }
}

/// How many arguments `sig` takes besides `self`.
fn typed_args(sig: &Signature) -> usize {
    sig.inputs
        .iter()
        .filter(|i| matches!(i, FnArg::Typed(_)))
        .count()
}
