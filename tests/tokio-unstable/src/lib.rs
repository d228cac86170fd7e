//! Nothing but a home for `tests/task_builder.rs`; see `Cargo.toml`.
