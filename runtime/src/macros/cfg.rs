//! Feature gating that reads as blocks: `cfg_channel! { .. }` instead of a
//! `#[cfg(feature = "channel")]` on every item.
//!
//! Each `cfg_<feature>!` puts the items inside it behind that cargo feature
//! and, on docs.rs (`--cfg docsrs`), marks them with the feature they need.
//! `cfg_not_<feature>!` holds the stand-in a build without the feature uses
//! (no `doc(cfg)`: the all-features docs never show it). `feature!` takes
//! any other condition, such as two features together.
//!
//! They take items only (`fn`, `struct`, `mod`, `use`, `impl`...). Where a
//! field or a statement exists with one feature only, that feature's part
//! is a type of its own with a stand-in for builds without the feature (the
//! guard's `TracingPart`, say), so one `cfg_*!` pair covers it and the
//! code that uses it has no `#[cfg]` at all.
//!
//! `lib.rs` declares this module before every other, so all of them can
//! use these macros.

/// Items behind any `cfg` condition, marked for docs.rs with the same
/// condition.
///
/// ```text
/// feature! {
///     #![all(feature = "otlp", feature = "tracing")]
///     fn logger_provider() {}
/// }
/// ```
macro_rules! feature {
    (
        #![$meta:meta]
        $($item:item)*
    ) => {
        $(
            #[cfg($meta)]
            #[cfg_attr(docsrs, doc(cfg($meta)))]
            $item
        )*
    };
}

/// Items behind the `actor` feature.
macro_rules! cfg_actor {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "actor")]
            #[cfg_attr(docsrs, doc(cfg(feature = "actor")))]
            $item
        )*
    };
}

/// Items behind the `axum` feature.
macro_rules! cfg_axum {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "axum")]
            #[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
            $item
        )*
    };
}

/// Items behind the `channel` feature.
macro_rules! cfg_channel {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "channel")]
            #[cfg_attr(docsrs, doc(cfg(feature = "channel")))]
            $item
        )*
    };
}

/// Items for builds without the `channel` feature.
macro_rules! cfg_not_channel {
    ($($item:item)*) => {
        $(
            #[cfg(not(feature = "channel"))]
            $item
        )*
    };
}

/// Items behind the `kameo` feature.
macro_rules! cfg_kameo {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "kameo")]
            #[cfg_attr(docsrs, doc(cfg(feature = "kameo")))]
            $item
        )*
    };
}

/// Items behind the `otlp` feature.
macro_rules! cfg_otlp {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "otlp")]
            #[cfg_attr(docsrs, doc(cfg(feature = "otlp")))]
            $item
        )*
    };
}

/// Items behind the `ractor` feature.
macro_rules! cfg_ractor {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "ractor")]
            #[cfg_attr(docsrs, doc(cfg(feature = "ractor")))]
            $item
        )*
    };
}

/// Items behind the `terminal` feature.
macro_rules! cfg_terminal {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "terminal")]
            #[cfg_attr(docsrs, doc(cfg(feature = "terminal")))]
            $item
        )*
    };
}

/// Items for builds without the `terminal` feature.
macro_rules! cfg_not_terminal {
    ($($item:item)*) => {
        $(
            #[cfg(not(feature = "terminal"))]
            $item
        )*
    };
}

/// Items behind the `testing` feature.
macro_rules! cfg_testing {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "testing")]
            #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
            $item
        )*
    };
}

/// Items behind the `tracing` feature.
macro_rules! cfg_tracing {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "tracing")]
            #[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
            $item
        )*
    };
}

/// Items for builds without the `tracing` feature.
macro_rules! cfg_not_tracing {
    ($($item:item)*) => {
        $(
            #[cfg(not(feature = "tracing"))]
            $item
        )*
    };
}
