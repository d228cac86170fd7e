//! Parsing of every option list the macros accept, and of the helper
//! attributes on methods: `#[traced_actor(..)]`, `#[traced_channel(..)]`,
//! `#[traced(..)]`, `#[span(..)]` and `#[derive(Message)]`'s `#[message(..)]`
//! all go through [`OptionsParser`], so `crate = path`, keywords, literal
//! values and the errors that list the valid options work one way.
//!
//! Options are split at top-level commas and each one is parsed on its own,
//! so one malformed option does not hide the mistakes in the others.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, LitStr, Meta, Path, Token};

use crate::ctxt::Ctxt;
use crate::symbol::*;

/// Where a list of options was written; decides which options are valid.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Position {
    Actor,
    Channel,
    TracedFn,
    Method,
    /// `#[message(..)]` on an enum deriving `Message`.
    MessageEnum,
    /// `#[message(..)]` on a struct (or union) deriving `Message`.
    MessageStruct,
    /// `#[message(..)]` on a variant of an enum deriving `Message`.
    MessageVariant,
    /// `#[message(..)]` on a field of a type deriving `Message`.
    MessageField,
}

/// The options of the tracing attributes and `#[span]`.
const TRACED_OPTIONS: &[&str] = &[
    NAME, CRATE, TOPIC, KIND, FIELDS, SKIP, SKIP_ALL, REDACT, RECORD, PROPAGATE, PARENT, LINK,
    TRUST, SAMPLE,
];
/// The options of `#[message(..)]`.
const MESSAGE_OPTIONS: &[&str] = &[NAME, CRATE, ATTR];

impl Position {
    /// The attribute as errors name it: `#[traced(...)]`, or
    /// `#[message(...)] on a variant`.
    pub fn attribute(self) -> &'static str {
        match self {
            Position::Actor => "#[traced_actor(...)]",
            Position::Channel => "#[traced_channel(...)]",
            Position::TracedFn => "#[traced(...)]",
            Position::Method => "#[span(...)]",
            Position::MessageEnum => "#[message(...)] on an enum",
            Position::MessageStruct => "#[message(...)] on a struct",
            Position::MessageVariant => "#[message(...)] on a variant",
            Position::MessageField => "#[message(...)] on a field",
        }
    }

    fn allowed(self) -> &'static [&'static str] {
        match self {
            Position::Actor => &[NAME, SAMPLE, PROPAGATE, CRATE],
            Position::Channel => &[NAME, TOPIC, SAMPLE, PROPAGATE, CRATE],
            Position::TracedFn => &[
                NAME, KIND, FIELDS, SKIP, SKIP_ALL, REDACT, RECORD, PARENT, TRUST, LINK, SAMPLE,
                PROPAGATE, CRATE,
            ],
            Position::Method => &[
                NAME, KIND, FIELDS, SKIP, SKIP_ALL, REDACT, RECORD, PARENT, TRUST, LINK, SAMPLE,
                PROPAGATE,
            ],
            Position::MessageEnum => &[CRATE],
            Position::MessageStruct => &[NAME, CRATE],
            Position::MessageVariant => &[NAME],
            Position::MessageField => &[ATTR],
        }
    }

    /// Whether this is a `#[message(..)]` of `#[derive(Message)]`, whose
    /// options are not the tracing attributes' ones.
    fn is_message(self) -> bool {
        matches!(
            self,
            Position::MessageEnum
                | Position::MessageStruct
                | Position::MessageVariant
                | Position::MessageField
        )
    }

    /// Every option of this position's attribute, valid here or not: one
    /// outside it is unknown, one inside it but not allowed is misplaced.
    fn known(self) -> &'static [&'static str] {
        if self.is_message() {
            MESSAGE_OPTIONS
        } else {
            TRACED_OPTIONS
        }
    }

    /// Where an option that is not valid in this position does belong.
    fn home_of(self, option: &str) -> &'static str {
        match (self.is_message(), option) {
            (false, TOPIC) => "#[traced_channel(...)]",
            (false, CRATE) => {
                "the impl's #[traced_actor(...)] or #[traced_channel(...)], or #[traced(...)]"
            }
            (false, _) => "#[span(...)] on a method, or #[traced(...)] on a fn",
            (true, NAME) => {
                "a variant (or a struct deriving Message), as in #[message(name = \"get_user\")]"
            }
            (true, CRATE) => "the enum or struct itself, as in #[message(crate = ::tracewire)]",
            (true, _) => "a field, as in #[message(attr)] or #[message(attr = \"user.id\")]",
        }
    }

    /// `#[span(...)] takes: name, kind, ..`: the end of every error about
    /// an option that is not there or not known.
    pub fn takes(self) -> String {
        format!("{} takes: {}", self.attribute(), self.allowed().join(", "))
    }
}

/// How a declared field's value is turned into an attribute.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FieldFormat {
    /// `key = expr`: the value's `AttributeValue` conversion.
    Value,
    /// `key = %expr`: its `Display` form.
    Display,
    /// `key = ?expr`: its `Debug` form.
    Debug,
}

/// One `key = expr` inside `fields(...)`.
pub struct FieldDecl {
    pub key: String,
    pub key_span: Span,
    pub format: FieldFormat,
    pub expr: Expr,
}

/// Parsed options of any position; what a position does not allow is
/// reported and left empty.
#[derive(Default)]
pub struct Options {
    pub name: Option<LitStr>,
    pub krate: Option<Path>,
    pub topic: Option<LitStr>,
    pub kind: Option<Ident>,
    pub fields: Vec<FieldDecl>,
    pub skip: Vec<Ident>,
    pub skip_all: Option<Span>,
    pub redact: Vec<Ident>,
    /// `record(arg, ..)`: arguments recorded as they are, though their name
    /// looks like a secret's or they are connect or join params.
    pub record: Vec<Ident>,
    pub propagate: Option<syn::LitBool>,
    pub parent: Option<Ident>,
    pub link: Option<Ident>,
    /// `trust = parent | link | ignore`: the trust policy applied to an
    /// incoming request's context (`parent = headers`).
    pub trust: Option<Ident>,
    /// `sample = ..`: the rate and the literal it was written as.
    pub sample: Option<(f64, Span)>,
    /// `attr` or `attr = "key"` on a field of a `#[derive(Message)]` type.
    pub attr: Option<FieldAttr>,
}

impl Options {
    /// The path generated code names the runtime by: `crate = ..`, else
    /// `::tracewire`.
    pub fn crate_path(&self) -> Path {
        self.krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::tracewire))
    }
}

/// `attr` or `attr = "key"`: the field is recorded as a span attribute.
pub struct FieldAttr {
    /// The `attr` keyword, to point at.
    pub span: Span,
    /// The key, when given; a named field is otherwise recorded under its
    /// own name.
    pub key: Option<LitStr>,
}

/// The options of one list, such as a `#[traced(..)]` attribute's.
pub fn parse_options(tokens: TokenStream, position: Position, cx: &Ctxt) -> Options {
    let mut parser = OptionsParser::new(position, cx);
    parser.parse(tokens);
    parser.finish()
}

/// Parses the options of one position, which may be written across several
/// attributes (`#[message(name = "a")] #[message(..)]`): an option given
/// twice, in one list or across lists, is reported.
pub struct OptionsParser<'a> {
    position: Position,
    options: Options,
    seen: Vec<String>,
    cx: &'a Ctxt,
}

impl<'a> OptionsParser<'a> {
    /// A parser for the options of `position`, reporting into `cx`.
    pub fn new(position: Position, cx: &'a Ctxt) -> Self {
        OptionsParser {
            position,
            options: Options::default(),
            seen: Vec::new(),
            cx,
        }
    }

    /// Parses one list; its mistakes are reported into the context.
    pub fn parse(&mut self, tokens: TokenStream) {
        let position = self.position;
        for (chunk, comma) in split_top_level_commas(tokens) {
            if chunk.is_empty() {
                self.cx.error_spanned_by(
                    comma,
                    format!(
                        "stray comma: expected an option before it; {}",
                        position.takes()
                    ),
                );
                continue;
            }
            let parser = |input: ParseStream| self.parse_one(input);
            if let Err(e) = parser.parse2(chunk) {
                self.cx.syn_error(e);
            }
        }
    }

    /// The options read from every list parsed.
    pub fn finish(self) -> Options {
        self.options
    }
}

/// The options between top-level commas, each with the comma that ends it
/// (to report a stray comma on).
fn split_top_level_commas(tokens: TokenStream) -> Vec<(TokenStream, TokenStream)> {
    let mut chunks = Vec::new();
    let mut current = TokenStream::new();
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => {
                chunks.push((std::mem::take(&mut current), TokenStream::from(tt)));
            }
            _ => current.extend([tt]),
        }
    }
    if !current.is_empty() {
        chunks.push((current, TokenStream::new()));
    }
    chunks
}

impl OptionsParser<'_> {
    /// One option, between two commas.
    fn parse_one(&mut self, input: ParseStream) -> syn::Result<()> {
        let (position, options, seen, cx) =
            (self.position, &mut self.options, &mut self.seen, self.cx);
        if input.is_empty() {
            return Err(input.error(format!("expected an option; {}", position.takes())));
        }
        let key = Ident::parse_any(input).map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected an option name; {}", position.takes()),
            )
        })?;
        let key_str = key.to_string();
        if !position.known().contains(&key_str.as_str()) {
            return Err(syn::Error::new(
                key.span(),
                format!("unknown option `{key_str}`; {}", position.takes()),
            ));
        }
        if !position.allowed().contains(&key_str.as_str()) {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "`{key_str}` is not expected in {}; it belongs on {}",
                    position.attribute(),
                    position.home_of(&key_str)
                ),
            ));
        }
        if seen.contains(&key_str) {
            return Err(syn::Error::new(
                key.span(),
                format!("duplicate option `{key_str}`"),
            ));
        }
        seen.push(key_str.clone());

        match key_str.as_str() {
            NAME => options.name = Some(parse_str_value(input, &key)?),
            TOPIC => options.topic = Some(parse_str_value(input, &key)?),
            CRATE => {
                expect_eq(input, &key, "a path, as in `crate = ::tracewire`")?;
                options.krate = Some(parse_crate_path(input)?);
            }
            ATTR => {
                let field_key = if input.peek(Token![=]) {
                    input.parse::<Token![=]>()?;
                    if !input.peek(LitStr) {
                        return Err(input.error(
                        "`attr` takes a string literal, the attribute key, as in `attr = \"user.id\"`; \
                         or write `attr` alone to record a named field under its own name",
                    ));
                    }
                    Some(input.parse::<LitStr>()?)
                } else {
                    None
                };
                options.attr = Some(FieldAttr {
                    span: key.span(),
                    key: field_key,
                });
            }
            KIND => {
                expect_eq(input, &key, "a span kind, as in `kind = consumer`")?;
                let (kind, span) = if input.peek(LitStr) {
                    let lit: LitStr = input.parse()?;
                    (
                        Ident::new_raw_or_plain(&lit.value(), lit.span()),
                        lit.span(),
                    )
                } else if input.peek(syn::Ident::peek_any) {
                    let ident = Ident::parse_any(input)?;
                    let span = ident.span();
                    (Some(ident), span)
                } else {
                    (None, input.span())
                };
                match kind {
                    Some(k) if KINDS.contains(&k.to_string().as_str()) => options.kind = Some(k),
                    _ => {
                        return Err(syn::Error::new(
                            span,
                            format!("unknown span kind; expected one of: {}", KINDS.join(", ")),
                        ));
                    }
                }
            }
            FIELDS => {
                let content = parenthesized_after(input, &key, "fields(key = expr, ...)")?;
                let fields = Punctuated::<FieldDecl, Token![,]>::parse_terminated_with(
                    &content,
                    parse_field,
                )?;
                options.fields.extend(fields);
            }
            SKIP | REDACT | RECORD => {
                let usage = format!("{key_str}(arg, ...)");
                let content = parenthesized_after(input, &key, &usage)?;
                let names = Punctuated::<Ident, Token![,]>::parse_terminated_with(
                    &content,
                    Ident::parse_any,
                )?;
                if names.is_empty() {
                    cx.error_spanned_by(&key, format!("`{key_str}()` names no argument"));
                }
                let target = match key_str.as_str() {
                    SKIP => &mut options.skip,
                    REDACT => &mut options.redact,
                    _ => &mut options.record,
                };
                target.extend(names);
            }
            SKIP_ALL => options.skip_all = Some(key.span()),
            PROPAGATE => {
                expect_eq(input, &key, "`true` or `false`")?;
                if !input.peek(syn::LitBool) {
                    return Err(input.error("`propagate` takes `true` or `false`"));
                }
                options.propagate = Some(input.parse()?);
            }
            SAMPLE => {
                expect_eq(
                    input,
                    &key,
                    "a rate between 0.0 and 1.0, as in `sample = 0.1`",
                )?;
                let rate = if input.peek(syn::LitFloat) {
                    let lit: syn::LitFloat = input.parse()?;
                    (lit.base10_parse::<f64>()?, lit.span())
                } else if input.peek(syn::LitInt) {
                    let lit: syn::LitInt = input.parse()?;
                    (lit.base10_parse::<f64>()?, lit.span())
                } else {
                    return Err(input
                        .error("`sample` takes a rate between 0.0 and 1.0, as in `sample = 0.1`"));
                };
                // A rate outside [0, 1] is a probability that cannot be: say so
                // rather than clamping it silently.
                if !(0.0..=1.0).contains(&rate.0) {
                    return Err(syn::Error::new(
                        rate.1,
                        "`sample` must be between 0.0 and 1.0 (a probability)",
                    ));
                }
                options.sample = Some(rate);
            }
            TRUST => {
                let usage = format!(
                    "a trust policy for the incoming request's context: one of {}, as in `trust = parent`",
                    TRUST_POLICIES.join(", ")
                );
                expect_eq(input, &key, &usage)?;
                let policy = Ident::parse_any(input)
                    .map_err(|e| syn::Error::new(e.span(), format!("`trust` takes {usage}")))?;
                if !TRUST_POLICIES.contains(&policy.to_string().as_str()) {
                    return Err(syn::Error::new(
                        policy.span(),
                        format!(
                            "unknown trust policy `{policy}`; expected one of: {}",
                            TRUST_POLICIES.join(", ")
                        ),
                    ));
                }
                options.trust = Some(policy);
            }
            PARENT | LINK => {
                expect_eq(
                    input,
                    &key,
                    "the name of an argument that carries a trace context",
                )?;
                let arg = Ident::parse_any(input)?;
                if key_str == PARENT {
                    options.parent = Some(arg);
                } else {
                    options.link = Some(arg);
                }
            }
            _ => unreachable_option(&key)?,
        }
        if !input.is_empty() {
            return Err(input.error(format!(
                "unexpected tokens after `{key_str}`; separate options with commas"
            )));
        }
        Ok(())
    }
}

// `Position::known` lists exactly the options matched here; reaching this would be a
// bug in this file, reported as an error rather than a panic.
fn unreachable_option(key: &Ident) -> syn::Result<()> {
    Err(syn::Error::new(
        key.span(),
        "internal error in tracewire-macros: unhandled option",
    ))
}

trait NewIdent {
    fn new_raw_or_plain(s: &str, span: Span) -> Option<Ident>;
}

impl NewIdent for Ident {
    /// An ident from user text, or `None` if the text is not one (instead of
    /// the panic `Ident::new` would give).
    fn new_raw_or_plain(s: &str, span: Span) -> Option<Ident> {
        syn::parse_str::<Ident>(s).ok().map(|mut i| {
            i.set_span(span);
            i
        })
    }
}

fn expect_eq(input: ParseStream, key: &Ident, what: &str) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        Ok(())
    } else {
        Err(syn::Error::new(
            key.span(),
            format!("expected `{key} = ...`: `{key}` takes {what}"),
        ))
    }
}

/// `crate = ::path` or `crate = "path"`: the path of the tracewire crate,
/// module-style (no generic arguments) either way.
fn parse_crate_path(input: ParseStream) -> syn::Result<Path> {
    let usage = "`crate` takes the path of the tracewire crate, as in `crate = ::tracewire` or `crate = \"tw\"`";
    if input.peek(LitStr) {
        let lit = input.parse::<LitStr>()?;
        lit.parse_with(Path::parse_mod_style)
            .map_err(|_| syn::Error::new(lit.span(), usage))
    } else {
        Path::parse_mod_style(input).map_err(|e| syn::Error::new(e.span(), usage))
    }
}

fn parse_str_value(input: ParseStream, key: &Ident) -> syn::Result<LitStr> {
    expect_eq(input, key, "a string literal")?;
    if input.peek(LitStr) {
        input.parse()
    } else {
        Err(input.error(format!(
            "`{key}` takes a string literal, as in `{key} = \"...\"`"
        )))
    }
}

fn parenthesized_after<'a>(
    input: ParseStream<'a>,
    key: &Ident,
    usage: &str,
) -> syn::Result<syn::parse::ParseBuffer<'a>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            key.span(),
            format!("expected a parenthesised list, as in `{usage}`"),
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    Ok(content)
}

fn parse_field(input: ParseStream) -> syn::Result<FieldDecl> {
    let (key, key_span) = if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        (lit.value(), lit.span())
    } else {
        let key_usage = |e: syn::Error| {
            syn::Error::new(
                e.span(),
                "a field key is a name or dotted names (`user.id`), or a string literal",
            )
        };
        let first = Ident::parse_any(input).map_err(key_usage)?;
        let mut key = first.unraw().to_string();
        let mut span = first.span();
        while input.peek(Token![.]) {
            input.parse::<Token![.]>()?;
            let part = Ident::parse_any(input).map_err(key_usage)?;
            key.push('.');
            key.push_str(&part.unraw().to_string());
            span = span.join(part.span()).unwrap_or(span);
        }
        (key, span)
    };
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            key_span,
            format!("expected `= value` after field `{key}`, as in `fields({key} = expr)`"),
        ));
    }
    input.parse::<Token![=]>()?;
    let format = if input.peek(Token![%]) {
        input.parse::<Token![%]>()?;
        FieldFormat::Display
    } else if input.peek(Token![?]) {
        input.parse::<Token![?]>()?;
        FieldFormat::Debug
    } else {
        FieldFormat::Value
    };
    if input.is_empty() || input.peek(Token![,]) {
        return Err(syn::Error::new(
            key_span,
            format!("field `{key}` has no value expression"),
        ));
    }
    let expr: Expr = input.parse()?;
    Ok(FieldDecl {
        key,
        key_span,
        format,
        expr,
    })
}

/// The helper attributes found on one method inside a traced impl.
#[derive(Default)]
pub struct MethodAttrs {
    /// `#[span(...)]` and where it was written.
    pub span: Option<(Options, Span)>,
    pub event: Option<LitStr>,
    pub handle_out: Option<LitStr>,
    /// The `#[untraced]` attribute, kept whole so errors underline all of it.
    pub untraced: Option<Attribute>,
    /// A `#[traced]` written on a method of a traced impl (a mistake).
    pub traced: Option<Attribute>,
}

/// The helper attribute `attr` stands for, if it is one of tracewire's.
/// A single-segment path, or one under `tracewire::` (or the `crate = `
/// override), counts.
pub fn helper_name(attr: &Attribute, krate: Option<&Path>) -> Option<&'static str> {
    let path = attr.path();
    let last = path.segments.last()?.ident.to_string();
    let ours = path.segments.len() == 1
        || (path.segments.len() == 2
            && path.segments.first().is_some_and(|s| {
                s.ident == "tracewire"
                    || krate
                        .and_then(|k| k.segments.last())
                        .is_some_and(|k| k.ident == s.ident)
            }));
    if !ours {
        return None;
    }
    [SPAN, EVENT, HANDLE_OUT, UNTRACED, TRACED]
        .into_iter()
        .find(|h| *h == last)
}

/// Reads and removes tracewire's helper attributes from `attrs`.
pub fn take_method_attrs(
    attrs: &mut Vec<Attribute>,
    krate: Option<&Path>,
    cx: &Ctxt,
) -> MethodAttrs {
    let mut found = MethodAttrs::default();
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        let Some(helper) = helper_name(&attr, krate) else {
            kept.push(attr);
            continue;
        };
        let duplicate = match helper {
            SPAN => found.span.is_some(),
            EVENT => found.event.is_some(),
            HANDLE_OUT => found.handle_out.is_some(),
            UNTRACED => found.untraced.is_some(),
            _ => found.traced.is_some(),
        };
        if duplicate {
            cx.error_spanned_by(&attr, format!("duplicate #[{helper}] on this method"));
            continue;
        }
        match helper {
            SPAN => match &attr.meta {
                Meta::List(list) => {
                    let options = parse_options(list.tokens.clone(), Position::Method, cx);
                    found.span = Some((options, attr.span()));
                }
                _ => cx.error_spanned_by(
                    &attr,
                    "#[span] needs options, as in #[span(name = \"...\")]; every method of a traced impl is traced without it",
                ),
            },
            EVENT | HANDLE_OUT => {
                let lit = match &attr.meta {
                    Meta::List(list) => match syn::parse2::<LitStr>(list.tokens.clone()) {
                        Ok(lit) => Some(lit),
                        Err(_) => {
                            cx.error_spanned_by(
                                &list.tokens,
                                format!("#[{helper}] takes one string literal, the event name, as in #[{helper}(\"message:new\")]"),
                            );
                            None
                        }
                    },
                    _ => {
                        cx.error_spanned_by(
                            &attr,
                            format!("#[{helper}] needs the event name, as in #[{helper}(\"message:new\")]"),
                        );
                        None
                    }
                };
                if let Some(lit) = lit {
                    if helper == EVENT {
                        found.event = Some(lit);
                    } else {
                        found.handle_out = Some(lit);
                    }
                }
            }
            UNTRACED => {
                if !matches!(attr.meta, Meta::Path(_)) {
                    cx.error_spanned_by(&attr, "#[untraced] takes no arguments");
                }
                found.untraced = Some(attr);
            }
            _ => found.traced = Some(attr),
        }
    }
    *attrs = kept;
    found
}
