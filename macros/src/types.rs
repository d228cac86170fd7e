//! What an argument's or a return value's type says, read from its tokens
//! alone: a macro sees no type information, so a type alias is never seen
//! through. Whether an argument is an incoming request's headers, a
//! `Traced<M>`, or an actor framework's own argument; the output of a
//! future type; the name of a Self type. `ast` builds the IR with these.

use proc_macro2::{TokenStream, TokenTree};
use syn::{GenericArgument, Ident, Path, PathArguments, Type, TypeParamBound};

use crate::names::UnrawString;

/// `ty` without the references, parentheses and invisible groups around it
/// (a `$ty` passed through `macro_rules!` arrives in one): `&(HeaderMap)`
/// is read as `HeaderMap`. Every predicate below asks about the type
/// beneath, however the argument takes it.
fn peel(mut ty: &Type) -> &Type {
    loop {
        ty = match ty {
            Type::Reference(r) => &r.elem,
            Type::Group(g) => &g.elem,
            Type::Paren(p) => &p.elem,
            _ => return ty,
        };
    }
}

/// `HeaderMap`, `&HeaderMap`, `http::HeaderMap`, `axum::http::HeaderMap`,
/// `TraceParent`, `tracewire::axum::TraceParent`, ...: the headers of an
/// incoming request, whose context goes through the trust policy.
pub fn is_request(ty: &Type) -> bool {
    match peel(ty) {
        Type::Path(tp) if tp.qself.is_none() => tp
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "HeaderMap" || s.ident == "TraceParent"),
        _ => false,
    }
}

/// `Traced<M>`, `&Traced<M>` or `tracewire::Traced<M>`: a message that
/// carries its sender's context.
pub fn is_traced_message(ty: &Type) -> bool {
    match peel(ty) {
        Type::Path(tp) => tp.path.segments.last().is_some_and(|s| {
            s.ident == "Traced" && matches!(s.arguments, PathArguments::AngleBracketed(_))
        }),
        _ => false,
    }
}

/// An argument an actor framework passes to every callback, which says
/// nothing about the request and can be large or private: the actor's state
/// (ractor's `state: &mut Self::State`, its start arguments written as
/// `Self::Arguments` or kameo's `Self::Args`), a handle to the actor itself
/// (`myself: ActorRef<..>`, kameo's `WeakActorRef<Self>`) or the handler's
/// context (kameo's `Context<..>`, tracewire's `ActorContext<Self>`). Left
/// out unless `record(..)` names it.
pub fn is_framework_arg(ty: &Type) -> bool {
    let Type::Path(tp) = peel(ty) else {
        return false;
    };
    let segments = &tp.path.segments;
    let self_state = segments.len() == 2
        && segments[0].ident == "Self"
        && SELF_STATE_TYPES
            .iter()
            .any(|name| segments[1].ident == name);
    self_state
        || segments
            .last()
            .is_some_and(|s| FRAMEWORK_ARG_TYPES.iter().any(|name| s.ident == name))
}

/// `Self::..` types that hold an actor's state or start arguments: ractor's
/// `State` and `Arguments`, kameo's `Args`.
const SELF_STATE_TYPES: &[&str] = &["State", "Arguments", "Args"];

/// The last path segments of the types [`is_framework_arg`] leaves out.
const FRAMEWORK_ARG_TYPES: &[&str] = &[
    "ActorRef",
    "WeakActorRef",
    "ActorCell",
    "Context",
    "ActorContext",
];

/// The last path segment of the Self type: `UserCache` for
/// `crate::UserCache<T>` or `&UserCache`.
pub fn type_name(ty: &Type) -> Option<String> {
    match peel(ty) {
        Type::Path(tp) => tp.path.segments.last().map(|s| s.ident.unraw_string()),
        _ => None,
    }
}

/// Whether `tokens` name any of `idents`, at any depth: a type that
/// mentions a type parameter, or `Self`.
pub fn mentions_any(tokens: TokenStream, idents: &[&Ident]) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => idents.iter().any(|p| **p == i),
        TokenTree::Group(g) => mentions_any(g.stream(), idents),
        _ => false,
    })
}

/// `Output` of `impl Future<Output = T> + ..`; `Some(None)` for a future of `()`.
pub fn impl_future_output(ty: &Type) -> Option<Option<Type>> {
    let Type::ImplTrait(it) = ty else { return None };
    bounds_future_output(&it.bounds)
}

/// `Output` of `Pin<Box<dyn Future<Output = T> + ..>>` or `BoxFuture<'_, T>`.
pub fn boxed_future_output(ty: &Type) -> Option<Option<Type>> {
    let Type::Path(tp) = ty else { return None };
    let last = tp.path.segments.last()?;
    let args = generic_args(&last.arguments);
    if last.ident == "BoxFuture" || last.ident == "LocalBoxFuture" {
        return args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => Some(unit_to_none(t)),
            _ => None,
        });
    }
    if last.ident != "Pin" {
        return None;
    }
    let Some(GenericArgument::Type(Type::Path(boxed))) = args.first() else {
        return None;
    };
    let boxed = boxed.path.segments.last()?;
    if boxed.ident != "Box" {
        return None;
    }
    let Some(GenericArgument::Type(Type::TraitObject(dyn_ty))) =
        generic_args(&boxed.arguments).first()
    else {
        return None;
    };
    bounds_future_output(&dyn_ty.bounds)
}

/// `Output` of the `Future<Output = T>` among `bounds`, if one is.
fn bounds_future_output<'a>(
    bounds: impl IntoIterator<Item = &'a TypeParamBound>,
) -> Option<Option<Type>> {
    bounds.into_iter().find_map(|b| match b {
        TypeParamBound::Trait(t) => future_output(&t.path),
        _ => None,
    })
}

fn future_output(path: &Path) -> Option<Option<Type>> {
    let last = path.segments.last()?;
    if last.ident != "Future" {
        return None;
    }
    generic_args(&last.arguments).iter().find_map(|a| match a {
        GenericArgument::AssocType(assoc) if assoc.ident == "Output" => {
            Some(unit_to_none(&assoc.ty))
        }
        _ => None,
    })
}

fn generic_args(args: &PathArguments) -> Vec<&GenericArgument> {
    match args {
        PathArguments::AngleBracketed(a) => a.args.iter().collect(),
        _ => Vec::new(),
    }
}

fn unit_to_none(ty: &Type) -> Option<Type> {
    match ty {
        Type::Tuple(t) if t.elems.is_empty() => None,
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(tokens: &str) -> Type {
        syn::parse_str(tokens).expect("a type")
    }

    #[test]
    fn predicates_look_through_references_parens_and_groups() {
        for written in [
            "HeaderMap",
            "&HeaderMap",
            "&(http::HeaderMap)",
            "&&TraceParent",
        ] {
            assert!(is_request(&ty(written)), "{written}");
        }
        assert!(!is_request(&ty("<T as Tr>::HeaderMap")));
        for written in ["Traced<M>", "&tracewire::Traced<M>", "(Traced<M>)"] {
            assert!(is_traced_message(&ty(written)), "{written}");
        }
        assert!(!is_traced_message(&ty("Traced")));
        for written in [
            "&mut Self::State",
            "ActorRef<Self>",
            "&mut Context<Self, i64>",
        ] {
            assert!(is_framework_arg(&ty(written)), "{written}");
        }
        assert!(!is_framework_arg(&ty("&mut i64")));
        assert_eq!(
            type_name(&ty("&crate::UserCache<T>")).as_deref(),
            Some("UserCache")
        );
        assert_eq!(type_name(&ty("[u8]")), None);
    }
}
