//! The spawn-site rewriter: inside a handler's body, the work handed to
//! `tokio::spawn(..)`, `spawn_blocking`, `JoinSet::spawn`, builders'
//! `.spawn(..)` and the like (see `symbol::SPAWNS`), or to a local alias of
//! one, is wrapped so it starts under the handler's span. Spawn calls in
//! macro input (`join!`, `select!`, `vec![..]`, format arguments) are found
//! token by token; quoting macros are left alone.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::parse::Parser as _;
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Ident, Item, Token};

use crate::symbol::SPAWNS;

/// Rewrites every spawn site in `body` so the spawned work starts under the
/// current span; `private` is the runtime's `__private` path.
pub fn rewrite_spawn_sites(body: &mut Block, private: &TokenStream) {
    let mut aliases = SpawnAliases::default();
    aliases.visit_block(body);
    SpawnRewriter {
        private,
        aliases: &aliases.0,
    }
    .visit_block_mut(body);
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

    // Macro input is only tokens to syn, so `tokio::select!`, `join!`,
    // `vec![..]` and the like are searched token by token instead.
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        let quoting = mac.path.segments.last().is_some_and(|s| quotes(&s.ident));
        if !quoting {
            mac.tokens = self.rewrite_tokens(std::mem::take(&mut mac.tokens));
        }
    }
}

/// Whether the macro `name` takes its input as something other than code to
/// run (quoted, matched or turned into text), so a `spawn(..)` in it is not
/// a spawn.
pub(crate) fn quotes(name: &Ident) -> bool {
    NOT_CODE_MACROS.iter().any(|n| name == n)
}

const NOT_CODE_MACROS: &[&str] = &[
    "stringify",
    "concat",
    "quote",
    "quote_spanned",
    "parse_quote",
    "parse_quote_spanned",
    "matches",
    "assert_matches",
    "debug_assert_matches",
    "macro_rules",
];

impl SpawnRewriter<'_> {
    /// Rewrites every `spawn(..)` call and `.spawn(..)` method call in
    /// macro input, at any depth, whose arguments parse as expressions.
    /// Anything else (a macro's own grammar, a `fn spawn(..)` definition)
    /// is left as written.
    fn rewrite_tokens(&self, tokens: TokenStream) -> TokenStream {
        let mut out: Vec<TokenTree> = Vec::new();
        for tree in tokens {
            let TokenTree::Group(group) = tree else {
                out.push(tree);
                continue;
            };
            if let [.., TokenTree::Ident(name), TokenTree::Punct(bang)] = &out[..]
                && bang.as_char() == '!'
                && quotes(name)
            {
                out.push(TokenTree::Group(group));
                continue;
            }
            let mut inner = self.rewrite_tokens(group.stream());
            if group.delimiter() == Delimiter::Parenthesis && self.ends_with_spawn_callee(&out) {
                inner = self.wrap_first_argument(inner);
            }
            let mut rewritten = Group::new(group.delimiter(), inner);
            rewritten.set_span(group.span());
            out.push(TokenTree::Group(rewritten));
        }
        out.into_iter().collect()
    }

    /// Whether the tokens so far end in the callee of a spawn call: a spawn
    /// name (or an alias, unless it follows a `.`) that is not the name of
    /// a fn being defined.
    fn ends_with_spawn_callee(&self, before: &[TokenTree]) -> bool {
        let [.., prev, TokenTree::Ident(name)] = before else {
            return matches!(before, [TokenTree::Ident(name)] if self.is_spawn_name(name));
        };
        match prev {
            TokenTree::Punct(p) if p.as_char() == '.' => SPAWNS.iter().any(|n| name == n),
            TokenTree::Ident(kw) if kw == "fn" => false,
            _ => self.is_spawn_name(name),
        }
    }

    fn wrap_first_argument(&self, args: TokenStream) -> TokenStream {
        let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
        match parser.parse2(args.clone()) {
            Ok(mut parsed) => match parsed.first_mut() {
                Some(first) => {
                    self.wrap(first);
                    parsed.into_token_stream()
                }
                None => args,
            },
            Err(_) => args,
        }
    }
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
