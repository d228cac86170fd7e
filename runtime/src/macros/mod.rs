//! The crate's own `macro_rules!` helpers, used inside tracewire only.
//!
//! - `cfg`: the `cfg_*!` blocks that gate items on a cargo feature and tell
//!   docs.rs which feature an item needs.

#[macro_use]
mod cfg;
