//! The macros must never panic, whatever the input: a panic in a proc macro
//! is an unhelpful error and hides every other diagnostic. These tests feed
//! the pipeline valid inputs, every truncation of them, and single-token
//! deletions and insertions, and require an answer (code or errors) for each.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::{Group, TokenStream, TokenTree};

use crate::ast::ContainerKind;

const IMPLS: &[&str] = &[
    r#"impl<T: Clone> UserCache<T> where T: Send {
        #[span(name = "x", kind = consumer, fields(a.b = self.n, c = %self.n, d = ?self.n), skip(b), redact(c))]
        async fn get(&mut self, b: u64, c: &str) -> Result<u64, E> { Ok(b) }
        #[untraced] fn helper(&self) {}
        const N: usize = 1;
        type Out = u8;
        m!();
        fn f(self: Arc<Self>) -> impl Future<Output = u8> + Send { async move { 1 } }
        unsafe fn u() -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> { Box::pin(async {}) }
    }"#,
    r#"impl Channel for RoomChannel {
        async fn join(&self, topic: &str, socket: &mut Socket) -> Result<(), JoinError> { Ok(()) }
        #[event("message:new")] async fn new_message(&self, body: String) {}
        #[handle_out("message:new")] fn out(&self) {}
        #[event("")] #[event("a")] fn dup(&self) {}
        fn terminate(&self, reason: &str) {}
    }"#,
];

const FNS: &[&str] = &[
    r#"pub async fn load(id: u64, (a, b): (u8, u8), _: bool) -> std::io::Result<Vec<u8>> { Ok(vec![]) }"#,
    r#"const unsafe extern "C" fn f(x: u8, ...) -> ! { loop {} }"#,
];

const ARGS: &[&str] = &[
    r#"name = "n", crate = ::tw, topic = "room:*""#,
    r#"name = 1, nmae = "x", kind = "bogus", fields(k), skip(), skip_all, redact(a), crate = "not a path""#,
    r#",, = , fields(a = %), skip(self)"#,
];

/// The token trees of `src` (none if it does not tokenize).
pub(crate) fn tokens(src: &str) -> Vec<TokenTree> {
    src.parse::<TokenStream>()
        .map(|ts| ts.into_iter().collect())
        .unwrap_or_default()
}

/// Every truncation, every single-token deletion, and a brace, comma or
/// `=` dropped in at every position, of `src`, at every depth of nesting.
pub(crate) fn mutations(src: &str) -> Vec<TokenStream> {
    mutate(&tokens(src))
}

/// The mutations of [`mutations`], of tokens already split.
pub(crate) fn mutate(tts: &[TokenTree]) -> Vec<TokenStream> {
    let mut out = vec![tts.iter().cloned().collect()];
    let extra: Vec<TokenTree> = tokens("{ } , =");
    for i in 0..=tts.len() {
        out.push(tts[..i].iter().cloned().collect());
        if let Some(TokenTree::Group(g)) = tts.get(i) {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            for m in mutate(&inner) {
                let mut replaced = tts.to_vec();
                replaced[i] = TokenTree::Group(Group::new(g.delimiter(), m));
                out.push(replaced.into_iter().collect());
            }
        }
        if i < tts.len() {
            let mut deleted = tts.to_vec();
            deleted.remove(i);
            out.push(deleted.into_iter().collect());
        }
        for e in &extra {
            let mut inserted = tts.to_vec();
            inserted.insert(i, e.clone());
            out.push(inserted.into_iter().collect());
        }
    }
    out
}

/// Runs a macro on one input and fails the test, naming `label`, if it
/// panicked.
pub(crate) fn never_panics(label: &str, f: impl FnOnce() -> TokenStream) {
    let result = catch_unwind(AssertUnwindSafe(f));
    assert!(result.is_ok(), "the macro panicked on {label}");
}

#[test]
fn impl_macros_never_panic() {
    let mut cases = 0;
    for kind in [ContainerKind::Actor, ContainerKind::Channel] {
        for item in IMPLS {
            for mutated in mutations(item) {
                for args in ARGS {
                    let args: TokenStream = args.parse().unwrap_or_default();
                    let label = format!("{kind:?} impl `{mutated}` with args `{args}`");
                    never_panics(&label, || crate::traced_impl(kind, args, mutated.clone()));
                    cases += 1;
                }
            }
        }
    }
    assert!(cases > 1000, "only {cases} cases ran");
}

#[test]
fn fn_macro_and_arguments_never_panic() {
    for item in FNS.iter().chain(IMPLS) {
        for mutated in mutations(item) {
            never_panics(&format!("fn `{mutated}`"), || {
                crate::traced_fn(TokenStream::new(), mutated.clone())
            });
        }
    }
    for args in ARGS {
        for mutated in mutations(args) {
            never_panics(&format!("args `{mutated}`"), || {
                crate::traced_fn(mutated.clone(), tokens(FNS[0]).into_iter().collect())
            });
        }
    }
}

#[test]
fn errors_come_back_as_compile_errors_with_the_item() {
    let out = crate::traced_impl(
        ContainerKind::Actor,
        r#"nmae = "x", name = 3"#.parse().unwrap_or_default(),
        "impl S { #[event(\"e\")] fn a(&self) {} }"
            .parse()
            .unwrap_or_default(),
    )
    .to_string();
    assert_eq!(out.matches("compile_error").count(), 3, "{out}");
    assert!(out.contains("unknown option `nmae`"), "{out}");
    assert!(
        out.contains("#[event] belongs on a method of a #[traced_channel] impl"),
        "{out}"
    );
    assert!(out.contains("fn a"), "the impl is still emitted: {out}");
    assert!(
        !out.contains("event (\"e\")"),
        "the helper attribute is stripped: {out}"
    );
}
