//! Workspace package: owns examples and integration tests.

/// The README's Rust examples, compiled and run as doc tests so they cannot
/// drift from the API.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
