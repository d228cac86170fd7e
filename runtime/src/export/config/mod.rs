//! Resolving the builder's settings and the environment into one plan, and
//! refusing a plan that needs an exporter this build leaves out.
//!
//! Code-level settings win over environment variables, which win over the
//! defaults. Every bad value becomes an [`InitError`](super::InitError)
//! naming the variable (or builder method), the value and what is valid.
//!
//! - `vars`: the variable names, the lookup, the errors, simple values;
//! - `plan`: the [`Plan`] and [`resolve`], the resource and the sampler;
//! - `otlp`: where OTLP data goes, per signal, and how (TLS, headers,
//!   compression);
//! - `headers`: header lists, checked without ever showing a value;
//! - `sdk`: propagators, span limits, metric temporality.

mod headers;
mod otlp;
mod plan;
mod sdk;
#[cfg(test)]
mod tests;
mod vars;

#[cfg(all(test, feature = "otlp"))]
pub(crate) use otlp::ClientIdentity;
#[cfg(feature = "otlp")]
pub(crate) use otlp::{OtlpTarget, TlsFiles};
pub(crate) use plan::{Plan, check_features, resolve, sdk_disabled};
pub(crate) use vars::Env;
#[cfg(all(test, feature = "otlp"))]
pub(crate) use vars::FromVar;
