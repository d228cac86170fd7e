//! Error collection. Every stage reports into one [`Ctxt`] instead of
//! returning at the first mistake, so a user sees all of them in one compile.
//!
//! As serde_derive's context does, a `Ctxt` checks when it is dropped that
//! its errors were taken with [`Ctxt::into_compile_errors`]: a path through
//! a macro that forgot them would otherwise drop the user's errors silently
//! and emit code as if the input were valid.

use std::cell::RefCell;
use std::fmt::Display;
use std::thread;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// The errors of one macro invocation, collected across every stage and
/// taken once, at the end, as `compile_error!`s.
pub struct Ctxt {
    /// `None` once taken; dropping the context before that is a bug.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Default for Ctxt {
    fn default() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }
}

impl Ctxt {
    /// Reports `msg` on the tokens of `obj`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, obj: T, msg: M) {
        self.syn_error(syn::Error::new_spanned(obj.into_token_stream(), msg));
    }

    /// Reports an error that syn produced.
    pub fn syn_error(&self, err: syn::Error) {
        // Errors are only taken by `into_compile_errors`, which consumes
        // the context, so the list is always there to push to.
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(err);
        }
    }

    /// Whether any error was reported: the item is then emitted as
    /// written (the fallback) instead of expanded.
    pub fn has_errors(&self) -> bool {
        self.errors.borrow().as_ref().is_some_and(|e| !e.is_empty())
    }

    /// Takes all collected errors, as `compile_error!` invocations (none if
    /// the input was valid). Every path through a macro must end here.
    pub fn into_compile_errors(self) -> TokenStream {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return TokenStream::new();
        };
        for e in errors {
            combined.combine(e);
        }
        combined.to_compile_error()
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !thread::panicking() && self.errors.borrow().is_some() {
            panic!("forgot to check for errors");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ctxt;

    #[test]
    #[should_panic(expected = "forgot to check for errors")]
    fn dropping_a_context_whose_errors_were_not_taken_panics() {
        let cx = Ctxt::default();
        cx.syn_error(syn::Error::new(proc_macro2::Span::call_site(), "lost"));
    }

    #[test]
    fn taken_errors_are_combined() {
        let cx = Ctxt::default();
        assert!(!cx.has_errors());
        cx.syn_error(syn::Error::new(proc_macro2::Span::call_site(), "first"));
        cx.error_spanned_by(quote::quote!(x), "second");
        assert!(cx.has_errors());
        let out = cx.into_compile_errors().to_string();
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
        assert!(Ctxt::default().into_compile_errors().is_empty());
    }
}
