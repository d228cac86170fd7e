//! Where OTLP data goes, per signal: endpoints and protocols.

use super::super::{InitError, Protocol, TelemetryBuilder};
use super::vars::*;

/// Where OTLP data for one signal goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OtlpTarget {
    /// The exporter's endpoint: for http/protobuf the full URL including
    /// `/v1/traces` or `/v1/metrics`, for gRPC the collector's base URL.
    pub(crate) endpoint: String,
    pub(crate) protocol: Protocol,
}

fn protocol(env: &Env<'_>, var: &'static str) -> Result<Option<Protocol>, InitError> {
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    match value.to_ascii_lowercase().as_str() {
        "grpc" => Ok(Some(Protocol::Grpc)),
        "http/protobuf" => Ok(Some(Protocol::HttpProtobuf)),
        "http/json" => Err(invalid_env(
            var,
            &value,
            format!("{PROTOCOLS} (http/json is not supported)"),
        )),
        _ => Err(invalid_env(var, &value, PROTOCOLS)),
    }
}

/// Where traces and metrics go over OTLP, if anywhere.
pub(crate) fn targets(
    builder: &TelemetryBuilder,
    env: &Env<'_>,
) -> Result<(Option<OtlpTarget>, Option<OtlpTarget>), InitError> {
    let general = protocol(env, PROTOCOL)?;
    let traces_protocol = builder
        .protocol
        .or(protocol(env, TRACES_PROTOCOL)?)
        .or(general)
        .unwrap_or(Protocol::HttpProtobuf);
    let metrics_protocol = builder
        .protocol
        .or(protocol(env, METRICS_PROTOCOL)?)
        .or(general)
        .unwrap_or(Protocol::HttpProtobuf);

    if let Some(base) = &builder.endpoint {
        check_endpoint(base).map_err(|expected| invalid_setting("endpoint", base, expected))?;
        return Ok((
            Some(signal_target(base, traces_protocol, "/v1/traces")),
            Some(signal_target(base, metrics_protocol, "/v1/metrics")),
        ));
    }

    let base = env.get(ENDPOINT);
    if let Some(base) = &base {
        check_endpoint(base).map_err(|expected| invalid_env(ENDPOINT, base, expected))?;
    }
    let signal = |var: &'static str, protocol: Protocol, path: &str| {
        match env.get(var) {
            // A signal's own endpoint is used as it is.
            Some(url) => check_endpoint(&url)
                .map_err(|expected| invalid_env(var, &url, expected))
                .map(|()| {
                    Some(OtlpTarget {
                        endpoint: url,
                        protocol,
                    })
                }),
            None => Ok(base
                .as_deref()
                .map(|base| signal_target(base, protocol, path))),
        }
    };
    Ok((
        signal(TRACES_ENDPOINT, traces_protocol, "/v1/traces")?,
        signal(METRICS_ENDPOINT, metrics_protocol, "/v1/metrics")?,
    ))
}

/// A base endpoint made specific to one signal: http/protobuf appends the
/// signal's path, gRPC uses the base as it is.
fn signal_target(base: &str, protocol: Protocol, path: &str) -> OtlpTarget {
    let endpoint = match protocol {
        Protocol::HttpProtobuf => format!("{}{path}", base.trim_end_matches('/')),
        Protocol::Grpc => base.to_owned(),
    };
    OtlpTarget { endpoint, protocol }
}

/// An endpoint must be an absolute `http://` URL with a host.
fn check_endpoint(url: &str) -> Result<(), &'static str> {
    const EXPECTED: &str = "an absolute http:// URL with a host, e.g. http://localhost:4318";
    let Ok(uri) = url.parse::<http::Uri>() else {
        return Err(EXPECTED);
    };
    match uri.scheme_str() {
        Some("http") if uri.host().is_some_and(|h| !h.is_empty()) => Ok(()),
        Some("https") => Err(
            "an http:// URL: this build of tracewire has no TLS, so export to a local \
             collector or agent over http:// and let it forward over TLS",
        ),
        _ => Err(EXPECTED),
    }
}
