//! Spawn probes: what the first argument of a rewritten `spawn` is, and
//! how it is given the current context.

use std::future::Future;
use std::marker::PhantomData;

use opentelemetry::context::WithContext;

use crate::propagate::{FutureExt as _, in_current_context};

// Spawn-site rewriting. Inside a traced body the macros turn the first
// argument of every call named `spawn`, `spawn_blocking`, `spawn_local`,
// `spawn_on` (path or method) into
//
//     { let a = ARG; (&&&PropagateProbe::of(&a)).__tw_kind().wrap(a) }
//
// Autoref specialisation picks the wrapping by the argument's type: futures
// get the current context, zero-argument closures attach it when called,
// and anything else (a user's own `spawn(n: u32)`) passes through unchanged.
// The probe only selects a zero-sized kind; the kind's inherent generic
// `wrap` does the work, so the wrapped closure keeps its auto traits.

#[doc(hidden)]
pub struct PropagateProbe<T>(PhantomData<fn() -> T>);

impl<T> PropagateProbe<T> {
    #[inline]
    pub fn of(_: &T) -> Self {
        PropagateProbe(PhantomData)
    }
}

#[doc(hidden)]
pub struct FutureKind;
#[doc(hidden)]
pub struct ClosureKind;
#[doc(hidden)]
pub struct OtherKind;

#[doc(hidden)]
pub trait PropagateFuture {
    fn __tw_kind(self) -> FutureKind;
}
impl<T: Future> PropagateFuture for &&&PropagateProbe<T> {
    #[inline]
    fn __tw_kind(self) -> FutureKind {
        FutureKind
    }
}

#[doc(hidden)]
pub trait PropagateClosure {
    fn __tw_kind(self) -> ClosureKind;
}
impl<T: FnOnce() -> R, R> PropagateClosure for &&PropagateProbe<T> {
    #[inline]
    fn __tw_kind(self) -> ClosureKind {
        ClosureKind
    }
}

#[doc(hidden)]
pub trait PropagateOther {
    fn __tw_kind(self) -> OtherKind;
}
impl<T> PropagateOther for &PropagateProbe<T> {
    #[inline]
    fn __tw_kind(self) -> OtherKind {
        OtherKind
    }
}

impl FutureKind {
    #[inline]
    pub fn wrap<F: Future>(self, future: F) -> WithContext<F> {
        future.in_current_context()
    }
}

impl ClosureKind {
    #[inline]
    pub fn wrap<F: FnOnce() -> R, R>(self, f: F) -> impl FnOnce() -> R {
        in_current_context(f)
    }
}

impl OtherKind {
    #[inline]
    pub fn wrap<T>(self, value: T) -> T {
        value
    }
}
