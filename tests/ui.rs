//! The compile-time UI suite of `#[traced_actor]`, `#[traced_channel]`,
//! `#[traced]` and their helper attributes, run with trybuild.
//!
//! - `tests/ui/pass/*.rs` are complete programs that must compile and run:
//!   one file per group of shapes a handler can have (receivers, async forms,
//!   generics, trait impls, `#[async_trait]` in either order, `unsafe fn`,
//!   every `#[span(..)]` option, ...). They call their handlers and check the
//!   spans they produce, so a shape that compiles but is traced wrongly fails
//!   too. `deny-warnings.rs` also shows that generated code is warning-free.
//! - `tests/ui/fail/*.rs` each show ONE mistake, named after the error it
//!   gives, with the compiler's output kept next to it in a `.stderr` file.
//!   The output is part of the contract: each message must point at the
//!   offending tokens and say what is valid instead.
//!   `all-errors-reported-at-once.rs` shows that several mistakes in one
//!   item are reported together in one compile.
//!
//! After an intended change to a message, regenerate the expected output
//! with `TRYBUILD=overwrite cargo test --test ui` and review the diff of
//! every `.stderr` file. The expected output follows the toolchain's
//! diagnostics, so a new compiler release may also call for regenerating it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
