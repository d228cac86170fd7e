//! `#[derive(Message)]`: static variant names, and span attributes read from
//! marked fields, for a message enum (or a struct, which is one variant).
//!
//! The same pipeline as the attribute macros, in one module: read the
//! `#[message(..)]` options of the item, its variants and their fields
//! (with the option parser in `attr`, which every macro here uses), check
//! them, and write the impl. Every mistake is collected in a [`Ctxt`]; the
//! impl is still written from what is valid, so a mistake is reported once,
//! where it was made, and not again at every use of the type.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Fields, Generics, Ident, Index, Item, LitStr, Member, Meta, Path};

use crate::attr::{Options, OptionsParser, Position};
use crate::ctxt::Ctxt;
use crate::names::{UnrawString, snake_case};
use crate::symbol::MESSAGE;
use crate::types::mentions_any;

/// An example of `#[message(..)]` where it was written, for the error on a
/// `#[message]` without options.
fn example(position: Position) -> &'static str {
    match position {
        Position::MessageEnum => "#[message(crate = ::tracewire)]",
        Position::MessageField => "#[message(attr)]",
        _ => "#[message(name = \"get_user\")]",
    }
}

/// Reads every `#[message(..)]` in `attrs` with the macros' one option
/// parser; an option given twice, in one attribute or across several, is
/// reported.
fn parse_options(attrs: &[Attribute], position: Position, cx: &Ctxt) -> Options {
    let mut parser = OptionsParser::new(position, cx);
    for attr in attrs.iter().filter(|a| a.path().is_ident(MESSAGE)) {
        match &attr.meta {
            Meta::List(list) => parser.parse(list.tokens.clone()),
            _ => cx.error_spanned_by(
                attr,
                format!(
                    "#[message] takes options in parentheses, as in {}; {}",
                    example(position),
                    position.takes()
                ),
            ),
        }
    }
    parser.finish()
}

/// The shape of the item.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Enum,
    Struct,
    Union,
}

/// A field marked `#[message(attr)]`.
struct AttrField<'a> {
    member: Member,
    key: String,
    key_span: Span,
    ty: &'a syn::Type,
}

/// One variant (the whole item, for a struct).
struct Variant<'a> {
    /// `Some(ident)` for an enum variant; `None` for a struct, matched as `Self`.
    ident: Option<&'a Ident>,
    fields: &'a Fields,
    name: String,
    /// Where the name came from: the `name = ".."` literal or the ident.
    name_span: Span,
    attrs: Vec<AttrField<'a>>,
}

/// The item, read and checked.
struct Input<'a> {
    ident: &'a Ident,
    generics: &'a Generics,
    krate: Path,
    shape: Shape,
    variants: Vec<Variant<'a>>,
}

/// `#[derive(Message)]`: the impl, and the errors found, if any.
pub(crate) fn derive_message(item: TokenStream) -> TokenStream {
    let cx = Ctxt::default();
    // Read as an item (the crate's syn is built without its `derive`
    // feature); the compiler only hands a derive structs, enums and unions.
    let input = match syn::parse2::<Item>(item.clone()) {
        Ok(input @ (Item::Enum(_) | Item::Struct(_) | Item::Union(_))) => input,
        _ => {
            cx.error_spanned_by(
                crate::first_tokens(&item),
                "#[derive(Message)] belongs on an enum (one name per variant) or a struct",
            );
            return cx.into_compile_errors();
        }
    };
    let Some(parsed) = read_input(&input, &cx) else {
        return cx.into_compile_errors();
    };
    check_names(&parsed, &cx);
    let expanded = expand(&parsed);
    let errors = cx.into_compile_errors();
    quote!(#errors #expanded)
}

fn read_input<'a>(input: &'a Item, cx: &Ctxt) -> Option<Input<'a>> {
    let (attrs, ident, generics, shape) = match input {
        Item::Enum(item) => (&item.attrs, &item.ident, &item.generics, Shape::Enum),
        Item::Struct(item) => (&item.attrs, &item.ident, &item.generics, Shape::Struct),
        Item::Union(item) => (&item.attrs, &item.ident, &item.generics, Shape::Union),
        _ => return None,
    };
    let position = if shape == Shape::Enum {
        Position::MessageEnum
    } else {
        Position::MessageStruct
    };
    let options = parse_options(attrs, position, cx);
    let krate = options.crate_path();
    let mut variants = Vec::new();
    match input {
        Item::Enum(item) => {
            if item.variants.is_empty() {
                cx.error_spanned_by(
                    &item.ident,
                    "#[derive(Message)] needs an enum with at least one variant: an enum with no \
                     variants has no values to name",
                );
            }
            for variant in &item.variants {
                let options = parse_options(&variant.attrs, Position::MessageVariant, cx);
                let (name, name_span) = name_of(
                    options.name.as_ref(),
                    &variant.ident,
                    Position::MessageVariant,
                    cx,
                );
                variants.push(Variant {
                    ident: Some(&variant.ident),
                    fields: &variant.fields,
                    name,
                    name_span,
                    attrs: read_fields(&variant.fields, cx),
                });
            }
        }
        Item::Struct(item) => {
            let (name, name_span) =
                name_of(options.name.as_ref(), ident, Position::MessageStruct, cx);
            variants.push(Variant {
                ident: None,
                fields: &item.fields,
                name,
                name_span,
                attrs: read_fields(&item.fields, cx),
            });
        }
        Item::Union(item) => {
            cx.error_spanned_by(
                item.union_token,
                "#[derive(Message)] is not supported on a union; derive it on an enum (one name \
                 per variant) or a struct",
            );
            // Still implemented, as one variant with no attributes, so that
            // uses of the type are not reported as well.
            let (name, name_span) =
                name_of(options.name.as_ref(), ident, Position::MessageStruct, cx);
            variants.push(Variant {
                ident: None,
                fields: &Fields::Unit,
                name,
                name_span,
                attrs: Vec::new(),
            });
        }
        _ => return None,
    }
    Some(Input {
        ident,
        generics,
        krate,
        shape,
        variants,
    })
}

/// The variant's name: `name = ".."`, or the snake_case of its ident.
fn name_of(lit: Option<&LitStr>, ident: &Ident, position: Position, cx: &Ctxt) -> (String, Span) {
    if let Some(lit) = lit {
        let value = lit.value();
        if !value.is_empty() {
            return (value, lit.span());
        }
        let what = if position == Position::MessageVariant {
            "the variant's"
        } else {
            "the message's"
        };
        cx.error_spanned_by(
            lit,
            format!("`name` must not be empty; give {what} name, as in `name = \"get_user\"`"),
        );
    }
    (snake_case(&ident.unraw_string()), ident.span())
}

/// The fields marked `#[message(attr)]`, with their keys; duplicate keys
/// within the variant are reported.
fn read_fields<'a>(fields: &'a Fields, cx: &Ctxt) -> Vec<AttrField<'a>> {
    let mut out: Vec<AttrField<'a>> = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let options = parse_options(&field.attrs, Position::MessageField, cx);
        let Some(attr) = options.attr else {
            continue;
        };
        let (key, key_span) = match (&attr.key, &field.ident) {
            (Some(lit), _) => (lit.value(), lit.span()),
            (None, Some(ident)) => (ident.unraw_string(), attr.span),
            (None, None) => {
                cx.syn_error(syn::Error::new(
                    attr.span,
                    "a tuple field has no name to record it under; give the attribute key, as \
                     in #[message(attr = \"user.id\")]",
                ));
                continue;
            }
        };
        if key.is_empty() {
            cx.syn_error(syn::Error::new(
                key_span,
                "the attribute key must not be empty; give one, as in #[message(attr = \"user.id\")]",
            ));
            continue;
        }
        if out.iter().any(|f| f.key == key) {
            cx.syn_error(syn::Error::new(
                key_span,
                format!(
                    "duplicate attribute key `{key}` in this variant; each marked field needs its \
                     own key: set one with #[message(attr = \"...\")]"
                ),
            ));
            continue;
        }
        let member = match &field.ident {
            Some(ident) => Member::Named(ident.clone()),
            None => Member::Unnamed(Index {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                span: field.ty.span(),
            }),
        };
        out.push(AttrField {
            member,
            key,
            key_span,
            ty: &field.ty,
        });
    }
    out
}

/// Two variants with one name would share spans and be told apart by nothing.
fn check_names(input: &Input, cx: &Ctxt) {
    let mut first: HashMap<&str, &Variant> = HashMap::new();
    for variant in &input.variants {
        match first.get(variant.name.as_str()) {
            Some(earlier) => {
                let earlier = earlier
                    .ident
                    .map_or_else(String::new, |i| format!(" by `{i}`"));
                cx.syn_error(syn::Error::new(
                    variant.name_span,
                    format!(
                        "variant name `{}` is already used{earlier}; variant names must be \
                         unique: rename one with #[message(name = \"...\")]",
                        variant.name
                    ),
                ));
            }
            None => {
                first.insert(&variant.name, variant);
            }
        }
    }
}

fn expand(input: &Input) -> TokenStream {
    let krate = &input.krate;
    let ident = input.ident;
    let (impl_generics, ty_generics, _) = input.generics.split_for_impl();
    let where_clause = where_clause(input);

    let names = input
        .variants
        .iter()
        .map(|v| LitStr::new(&v.name, v.name_span));

    let index_body = match input.shape {
        Shape::Enum if input.variants.is_empty() => quote!(match *self {}),
        Shape::Enum => {
            let arms = input.variants.iter().enumerate().map(|(i, v)| {
                let path = variant_path(v);
                let pattern = match v.fields {
                    Fields::Named(_) => quote!(#path { .. }),
                    Fields::Unnamed(_) => quote!(#path(..)),
                    Fields::Unit => quote!(#path),
                };
                quote!(#pattern => #i,)
            });
            quote!(match self { #(#arms)* })
        }
        Shape::Struct | Shape::Union => quote!(0),
    };

    let record = record_attributes(input);
    let expects_reply = expects_reply(input);

    quote! {
        #[automatically_derived]
        #[allow(deprecated)]
        impl #impl_generics #krate::Message for #ident #ty_generics #where_clause {
            const VARIANTS: &'static [&'static ::core::primitive::str] = &[#(#names),*];

            #[inline]
            fn variant_index(&self) -> ::core::primitive::usize {
                #index_body
            }

            #record
            #expects_reply
        }
    }
}

/// `expects_reply`, when some variant carries a field whose type is named
/// `RpcReplyPort` (ractor's reply port: the variant is sent with `call!`
/// or `call_t!` and its sender waits). Decided from the field's type as
/// written, since the port is what makes a ractor message a call.
fn expects_reply(input: &Input) -> TokenStream {
    let calls: Vec<TokenStream> = input
        .variants
        .iter()
        .filter(|v| v.fields.iter().any(|f| is_reply_port(&f.ty)))
        .map(|v| {
            let path = variant_path(v);
            match v.fields {
                Fields::Named(_) => quote!(#path { .. }),
                Fields::Unnamed(_) => quote!(#path(..)),
                Fields::Unit => quote!(#path),
            }
        })
        .collect();
    if calls.is_empty() {
        return TokenStream::new();
    }
    quote! {
        #[inline]
        fn expects_reply(&self) -> ::core::primitive::bool {
            ::core::matches!(self, #(#calls)|*)
        }
    }
}

/// `RpcReplyPort<T>`, `ractor::RpcReplyPort<T>`, or one in an `Option`.
fn is_reply_port(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(tp) => tp.path.segments.last().is_some_and(|s| {
            s.ident == "RpcReplyPort"
                || (s.ident == "Option"
                    && matches!(&s.arguments, syn::PathArguments::AngleBracketed(a)
                        if a.args.iter().any(|g| matches!(g, syn::GenericArgument::Type(t) if is_reply_port(t)))))
        }),
        syn::Type::Group(g) => is_reply_port(&g.elem),
        syn::Type::Paren(p) => is_reply_port(&p.elem),
        _ => false,
    }
}

/// `Self::Variant`, or `Self` for a struct.
fn variant_path(variant: &Variant) -> TokenStream {
    match variant.ident {
        Some(ident) => quote!(Self::#ident),
        None => quote!(Self),
    }
}

/// The item's where clause, plus `FieldType: AttributeValue` for each marked
/// field whose type mentions a type parameter, so that a generic message
/// records its attributes without the bound written out by hand.
fn where_clause(input: &Input) -> TokenStream {
    let krate = &input.krate;
    let params: Vec<&Ident> = input.generics.type_params().map(|p| &p.ident).collect();
    let mut predicates: Vec<TokenStream> = input
        .generics
        .where_clause
        .iter()
        .flat_map(|w| w.predicates.iter())
        .map(ToTokens::to_token_stream)
        .collect();
    let mut bounded: Vec<String> = Vec::new();
    for field in input.variants.iter().flat_map(|v| &v.attrs) {
        let ty = field.ty.to_token_stream();
        if !mentions_any(ty.clone(), &params) {
            continue;
        }
        let text = ty.to_string();
        if bounded.contains(&text) {
            continue;
        }
        bounded.push(text);
        predicates.push(quote_spanned!(field.ty.span()=> #ty: #krate::AttributeValue));
    }
    if predicates.is_empty() {
        TokenStream::new()
    } else {
        quote!(where #(#predicates),*)
    }
}

/// `record_attributes`, when some field is marked; the trait's default
/// records nothing.
fn record_attributes(input: &Input) -> TokenStream {
    if input.variants.iter().all(|v| v.attrs.is_empty()) {
        return TokenStream::new();
    }
    let krate = &input.krate;
    let private = quote!(#krate::__private);
    let mut arms = Vec::new();
    for variant in input.variants.iter().filter(|v| !v.attrs.is_empty()) {
        let path = variant_path(variant);
        let bindings: Vec<Ident> = (0..variant.attrs.len())
            .map(|i| format_ident!("__tw_field{}", i))
            .collect();
        let members = variant.attrs.iter().map(|f| &f.member);
        let records = variant.attrs.iter().zip(&bindings).map(|(field, binding)| {
            let ty = field.ty;
            let key = LitStr::new(&field.key, field.key_span);
            // Spanned at the field's type: a type that cannot be recorded is
            // reported there.
            let value = quote_spanned!(ty.span()=>
                <#ty as #krate::AttributeValue>::attribute_value(#binding)
            );
            quote! {
                if let #private::Some(__tw_value) = #value {
                    __tw_record(#key, __tw_value);
                }
            }
        });
        arms.push(quote! {
            #path { #(#members: #bindings,)* .. } => { #(#records)* }
        });
    }
    let all_marked = input.variants.iter().all(|v| !v.attrs.is_empty());
    let rest = (!all_marked).then(|| quote!(_ => {}));
    quote! {
        fn record_attributes(
            &self,
            __tw_record: &mut dyn ::core::ops::FnMut(&'static ::core::primitive::str, #private::Value),
        ) {
            match self {
                #(#arms)*
                #rest
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::robustness::{mutate, never_panics, tokens};

    use super::derive_message;

    fn derive(src: &str) -> String {
        derive_message(src.parse().expect("test inputs tokenize")).to_string()
    }

    /// The messages of the `compile_error!`s in `out`.
    fn errors(out: &str) -> Vec<String> {
        out.split("compile_error ! {")
            .skip(1)
            .map(|rest| {
                let start = rest.find('"').map_or(0, |i| i + 1);
                let rest = &rest[start..];
                let end = rest.find("\" }").unwrap_or(rest.len());
                rest[..end].replace("\\\"", "\"")
            })
            .collect()
    }

    fn only_error(src: &str) -> String {
        let out = derive(src);
        let errors = errors(&out);
        assert_eq!(
            errors.len(),
            1,
            "expected one error, got {errors:#?}\n{out}"
        );
        assert!(
            out.contains("impl :: tracewire :: Message for") || out.contains("Message for"),
            "the impl is still emitted: {out}"
        );
        errors.into_iter().next().unwrap_or_default()
    }

    const SAMPLES: &[&str] = &[
        r#"#[message(crate = ::tw)] enum Call<'a, T: Clone, const N: usize> where T: Send {
            GetUser { #[message(attr)] user_id: u64, #[message(attr = "user.name")] name: &'a str, other: T },
            #[message(name = "refresh_all")] Refresh(#[message(attr = "k")] [u8; N], T),
            HTTPPing,
            Explicit = 3,
        }"#,
        r#"#[message(name = "p", crate = "tw")] struct Ping(#[message(attr = "n")] u8, #[message(attr = "m")] u8);"#,
        r#"struct Named { #[message(attr, attr)] a: u8, #[message(nmae = "x",, attr = 3)] b: u8 }"#,
        r#"enum E { #[message(name = "")] A, #[message(name = 1, crate = x, attr)] B, #[message] C, #[message = "x"] D, a, }"#,
        r#"union U { a: u8, #[message(attr)] b: u16 }"#,
        r#"enum Empty {}"#,
    ];

    #[test]
    fn never_panics_on_mutated_inputs() {
        let mut cases = 0;
        for sample in SAMPLES {
            for mutated in mutate(&tokens(sample)) {
                never_panics(&format!("the derive of `{mutated}`"), || {
                    derive_message(mutated.clone())
                });
                cases += 1;
            }
        }
        assert!(cases > 1000, "only {cases} cases ran");
    }

    #[test]
    fn valid_inputs_expand_without_errors() {
        for src in [SAMPLES[0], SAMPLES[1]] {
            let out = derive(src);
            assert!(errors(&out).is_empty(), "{out}");
            syn::parse_str::<syn::File>(&out).expect("the expansion is valid Rust");
        }
    }

    #[test]
    fn expansion() {
        let out = derive_message(
            r#"enum Call<'a, T> where T: Clone {
                GetUser { #[message(attr)] user_id: u64, #[message(attr = "user.tag")] tag: T, other: &'a str },
                #[message(name = "refresh_all")] Refresh(u8, #[message(attr = "k")] &'a str),
                HTTPPing,
            }"#
            .parse()
            .expect("tokenizes"),
        );
        let file: syn::File = syn::parse2(out).expect("the expansion is valid Rust");
        let expected = r#"#[automatically_derived]
#[allow(deprecated)]
impl<'a, T> ::tracewire::Message for Call<'a, T>
where
    T: Clone,
    T: ::tracewire::AttributeValue,
{
    const VARIANTS: &'static [&'static ::core::primitive::str] = &[
        "get_user",
        "refresh_all",
        "http_ping",
    ];
    #[inline]
    fn variant_index(&self) -> ::core::primitive::usize {
        match self {
            Self::GetUser { .. } => 0usize,
            Self::Refresh(..) => 1usize,
            Self::HTTPPing => 2usize,
        }
    }
    fn record_attributes(
        &self,
        __tw_record: &mut dyn ::core::ops::FnMut(
            &'static ::core::primitive::str,
            ::tracewire::__private::Value,
        ),
    ) {
        match self {
            Self::GetUser { user_id: __tw_field0, tag: __tw_field1, .. } => {
                if let ::tracewire::__private::Some(__tw_value) = <u64 as ::tracewire::AttributeValue>::attribute_value(
                    __tw_field0,
                ) {
                    __tw_record("user_id", __tw_value);
                }
                if let ::tracewire::__private::Some(__tw_value) = <T as ::tracewire::AttributeValue>::attribute_value(
                    __tw_field1,
                ) {
                    __tw_record("user.tag", __tw_value);
                }
            }
            Self::Refresh { 1: __tw_field0, .. } => {
                if let ::tracewire::__private::Some(__tw_value) = <&'a str as ::tracewire::AttributeValue>::attribute_value(
                    __tw_field0,
                ) {
                    __tw_record("k", __tw_value);
                }
            }
            _ => {}
        }
    }
}
"#;
        assert_eq!(prettyplease::unparse(&file), expected);
    }

    #[test]
    fn unmarked_fields_leave_the_default_record_attributes() {
        let out = derive("enum E { A(u8), B { x: u8 } }");
        assert!(errors(&out).is_empty(), "{out}");
        assert!(!out.contains("record_attributes"), "{out}");
    }

    #[test]
    fn fully_marked_enums_have_no_wildcard_arm() {
        let out = derive(r#"enum E { A(#[message(attr = "a")] u8) }"#);
        assert!(
            !out.contains("_ =>"),
            "an unreachable arm would warn: {out}"
        );
    }

    #[test]
    fn structs_are_one_variant() {
        let out = derive(r#"struct GetUser { #[message(attr)] id: u64 }"#);
        assert!(errors(&out).is_empty(), "{out}");
        assert!(out.contains(r#"& ["get_user"]"#), "{out}");
        assert!(out.contains("Self { id : __tw_field0 , .. }"), "{out}");
        let out = derive(r#"#[message(name = "ping")] struct P;"#);
        assert!(out.contains(r#"& ["ping"]"#), "{out}");
    }

    #[test]
    fn crate_override_is_used_everywhere() {
        let out = derive(r#"#[message(crate = tw)] enum E { A(#[message(attr = "a")] u8) }"#);
        assert!(errors(&out).is_empty(), "{out}");
        assert!(!out.contains(":: tracewire"), "{out}");
        assert!(out.contains("impl tw :: Message for E"), "{out}");
        assert!(out.contains("tw :: __private :: Some"), "{out}");
        let out = derive(r#"#[message(crate = "::a::b")] struct S;"#);
        assert!(out.contains("impl :: a :: b :: Message for S"), "{out}");
    }

    #[test]
    fn union_is_rejected() {
        let e = only_error("union U { a: u8 }");
        assert!(e.contains("not supported on a union"), "{e}");
        assert!(e.contains("enum") && e.contains("struct"), "{e}");
    }

    #[test]
    fn empty_enum_is_rejected() {
        let e = only_error("enum E {}");
        assert!(e.contains("at least one variant"), "{e}");
        let out = derive("enum E {}");
        assert!(out.contains("match * self { }"), "{out}");
    }

    #[test]
    fn unknown_options_list_the_valid_ones_per_position() {
        let e = only_error(r#"#[message(nmae = "x")] enum E { A }"#);
        assert_eq!(
            e,
            "unknown option `nmae`; #[message(...)] on an enum takes: crate"
        );
        let e = only_error(r#"#[message(bogus)] struct S;"#);
        assert_eq!(
            e,
            "unknown option `bogus`; #[message(...)] on a struct takes: name, crate"
        );
        let e = only_error(r#"enum E { #[message(rename = "x")] A }"#);
        assert_eq!(
            e,
            "unknown option `rename`; #[message(...)] on a variant takes: name"
        );
        let e = only_error(r#"enum E { A(#[message(skip)] u8) }"#);
        assert_eq!(
            e,
            "unknown option `skip`; #[message(...)] on a field takes: attr"
        );
    }

    #[test]
    fn misplaced_options_say_where_they_belong() {
        let e = only_error(r#"#[message(name = "x")] enum E { A }"#);
        assert!(
            e.starts_with(
                "`name` is not expected in #[message(...)] on an enum; it belongs on a variant"
            ),
            "{e}"
        );
        let e = only_error(r#"enum E { #[message(attr)] A(u8) }"#);
        assert!(
            e.starts_with(
                "`attr` is not expected in #[message(...)] on a variant; it belongs on a field"
            ),
            "{e}"
        );
        let e = only_error(r#"enum E { A(#[message(crate = x)] u8) }"#);
        assert!(
            e.starts_with(
                "`crate` is not expected in #[message(...)] on a field; it belongs on the enum or struct"
            ),
            "{e}"
        );
    }

    #[test]
    fn duplicate_options_are_reported_within_and_across_attributes() {
        let e = only_error(r#"enum E { #[message(name = "a", name = "b")] A }"#);
        assert_eq!(e, "duplicate option `name`");
        let e = only_error(r#"enum E { #[message(name = "a")] #[message(name = "b")] A }"#);
        assert_eq!(e, "duplicate option `name`");
        let e = only_error(r#"struct S { #[message(attr)] #[message(attr = "k")] a: u8 }"#);
        assert_eq!(e, "duplicate option `attr`");
    }

    #[test]
    fn name_must_be_a_non_empty_string() {
        let e = only_error(r#"enum E { #[message(name = get_user)] A }"#);
        assert!(e.starts_with("`name` takes a string literal"), "{e}");
        let e = only_error(r#"enum E { #[message(name)] A }"#);
        assert!(e.starts_with("expected `name = ...`"), "{e}");
        let e = only_error(r#"enum E { #[message(name = "")] A }"#);
        assert!(e.starts_with("`name` must not be empty"), "{e}");
    }

    #[test]
    fn duplicate_variant_names_are_reported_on_the_second() {
        let e = only_error(r#"enum E { GetUser, #[message(name = "get_user")] Other }"#);
        assert_eq!(
            e,
            "variant name `get_user` is already used by `GetUser`; variant names must be unique: rename one with #[message(name = \"...\")]"
        );
        let e = only_error(r#"enum E { HTTPPing, HttpPing }"#);
        assert!(
            e.starts_with("variant name `http_ping` is already used by `HTTPPing`"),
            "{e}"
        );
    }

    #[test]
    fn attr_needs_a_string_key_and_one_on_tuple_fields() {
        let e = only_error(r#"enum E { A { #[message(attr = 3)] a: u8 } }"#);
        assert!(
            e.starts_with("`attr` takes a string literal, the attribute key"),
            "{e}"
        );
        let e = only_error(r#"enum E { A(#[message(attr)] u8) }"#);
        assert!(
            e.starts_with("a tuple field has no name to record it under"),
            "{e}"
        );
        assert!(e.contains("#[message(attr = \"user.id\")]"), "{e}");
        let e = only_error(r#"enum E { A(#[message(attr = "")] u8) }"#);
        assert!(e.starts_with("the attribute key must not be empty"), "{e}");
    }

    #[test]
    fn duplicate_attribute_keys_in_one_variant() {
        let e = only_error(
            r#"enum E { A { #[message(attr)] id: u8, #[message(attr = "id")] other: u8 } }"#,
        );
        assert!(
            e.starts_with("duplicate attribute key `id` in this variant"),
            "{e}"
        );
        // The same key in two variants is fine.
        let out =
            derive(r#"enum E { A { #[message(attr)] id: u8 }, B { #[message(attr)] id: u8 } }"#);
        assert!(errors(&out).is_empty(), "{out}");
    }

    #[test]
    fn crate_must_be_a_path() {
        let e = only_error(r#"#[message(crate = 3)] enum E { A }"#);
        assert!(
            e.starts_with("`crate` takes the path of the tracewire crate"),
            "{e}"
        );
        let e = only_error(r#"#[message(crate = "not a path")] enum E { A }"#);
        assert!(
            e.starts_with("`crate` takes the path of the tracewire crate"),
            "{e}"
        );
    }

    #[test]
    fn malformed_attributes_and_stray_tokens() {
        let e = only_error(r#"enum E { #[message] A }"#);
        assert!(
            e.starts_with("#[message] takes options in parentheses"),
            "{e}"
        );
        assert!(e.ends_with("on a variant takes: name"), "{e}");
        let e = only_error(r#"enum E { #[message("x")] A }"#);
        assert!(
            e.ends_with("expected an option name; #[message(...)] on a variant takes: name"),
            "{e}"
        );
        let e = only_error(r#"enum E { #[message(name = "a" "b")] A }"#);
        assert!(e.starts_with("unexpected tokens after `name`"), "{e}");
        let e = only_error(r#"enum E { #[message(name = "a",, )] A }"#);
        assert_eq!(
            e,
            "stray comma: expected an option before it; #[message(...)] on a variant takes: name"
        );
        // A trailing comma is fine.
        assert!(errors(&derive(r#"enum E { #[message(name = "a",)] A }"#)).is_empty());
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let out = derive(SAMPLES[3]);
        let errors = errors(&out);
        assert_eq!(errors.len(), 7, "{errors:#?}");
        assert!(out.contains("Message for E"), "{out}");
    }

    #[test]
    fn not_an_item() {
        let out = derive("fn f() {}");
        assert_eq!(
            errors(&out),
            ["#[derive(Message)] belongs on an enum (one name per variant) or a struct"]
        );
    }
}
