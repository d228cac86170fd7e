//! Where OTLP data goes, per signal, and how: the endpoint and its scheme
//! (plain text or TLS), the protocol, the headers, compression, the timeout
//! and the certificate files.
//!
//! Each setting has a general variable (`OTEL_EXPORTER_OTLP_ENDPOINT`) and
//! one per signal (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), which wins; a
//! setting made in code wins over both.

use std::time::Duration;

use super::super::{Compression, InitError, Protocol, TelemetryBuilder};
use super::headers::{Headers, code_headers, parse_headers};
use super::vars::*;

/// The OTLP export of one signal, resolved and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OtlpTarget {
    /// The full URL, with its scheme: for http/protobuf including
    /// `/v1/traces` or `/v1/metrics`, for gRPC the collector's base URL.
    pub(crate) endpoint: String,
    pub(crate) protocol: Protocol,
    /// Sent with every request.
    pub(crate) headers: Headers,
    pub(crate) compression: Compression,
    /// The longest one export may take, retries included.
    pub(crate) timeout: Duration,
    /// `Some` for an `https://` endpoint, `None` for plain text.
    pub(crate) tls: Option<TlsFiles>,
}

/// The certificate files of a TLS endpoint; read when the exporter is
/// built, so errors about their content name the variable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TlsFiles {
    /// PEM certificates of the CAs to trust instead of the built-in roots.
    pub(crate) ca: Option<FromVar>,
    /// A PEM certificate chain and its private key, for mutual TLS.
    pub(crate) client: Option<ClientIdentity>,
}

/// The client's own certificate chain and key (mutual TLS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ClientIdentity {
    pub(crate) certificate: FromVar,
    pub(crate) key: FromVar,
}

/// The endpoint the specification gives when `OTEL_*_EXPORTER=otlp` asks for
/// OTLP and no endpoint is set.
fn default_endpoint(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Grpc => "http://localhost:4317",
        Protocol::HttpProtobuf => "http://localhost:4318",
    }
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

fn compression(env: &Env<'_>, var: &'static str) -> Result<Option<Compression>, InitError> {
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    match value.to_ascii_lowercase().as_str() {
        "gzip" => Ok(Some(Compression::Gzip)),
        "none" => Ok(Some(Compression::None)),
        _ => Err(invalid_env(var, &value, "gzip or none")),
    }
}

/// The OTLP export of the signal `vars` belongs to, if it has an endpoint.
///
/// `requested`: `OTEL_TRACES_EXPORTER` (or the metrics one) names `otlp`, so
/// a signal without any endpoint goes to the specification's default,
/// `localhost`. Every variable is checked even when nothing is exported, so
/// that a typo is found the day it is made.
pub(crate) fn target(
    builder: &TelemetryBuilder,
    env: &Env<'_>,
    vars: &SignalVars,
    requested: bool,
) -> Result<Option<OtlpTarget>, InitError> {
    let protocol = match builder.protocol {
        Some(protocol) => protocol,
        None => protocol(env, vars.protocol)?
            .or(protocol(env, PROTOCOL)?)
            .unwrap_or(Protocol::HttpProtobuf),
    };
    let insecure = boolean(env, vars.insecure)?
        .or(boolean(env, INSECURE)?)
        .unwrap_or(false);
    let mut headers = match first_set(env, [vars.headers, HEADERS]) {
        Some(list) => parse_headers(list.var, &list.value)?,
        None => Headers::default(),
    };
    headers.extend(&code_headers(&builder.headers)?);
    let compression = match builder.compression {
        Some(compression) => compression,
        None => compression(env, vars.compression)?
            .or(compression(env, COMPRESSION)?)
            .unwrap_or(Compression::None),
    };
    let timeout = export_timeout(builder, env, vars)?;
    let files = tls_files(env, vars)?;

    // Where from: code, the signal's own URL (used as it is), the base URL
    // (the signal's path appended for http/protobuf), or the default.
    let endpoint = if let Some(base) = &builder.endpoint {
        let base = with_scheme(base, insecure)
            .map_err(|expected| invalid_setting("endpoint", base, expected))?;
        Some((signal_endpoint(&base, protocol, vars.path), "endpoint"))
    } else if let Some(url) = env.get(vars.endpoint) {
        let url = with_scheme(&url, insecure)
            .map_err(|expected| invalid_env(vars.endpoint, &url, expected))?;
        Some((url, vars.endpoint))
    } else if let Some(base) = env.get(ENDPOINT) {
        let base = with_scheme(&base, insecure)
            .map_err(|expected| invalid_env(ENDPOINT, &base, expected))?;
        Some((signal_endpoint(&base, protocol, vars.path), ENDPOINT))
    } else if requested {
        let base = default_endpoint(protocol);
        Some((signal_endpoint(base, protocol, vars.path), ENDPOINT))
    } else {
        None
    };
    let Some((endpoint, _)) = endpoint else {
        return Ok(None);
    };

    let tls = if endpoint.starts_with("https://") {
        Some(files)
    } else {
        // Certificates for a plain-text endpoint mean someone expects TLS
        // that would not happen: refuse rather than send in the clear.
        if let Some(file) = files
            .ca
            .as_ref()
            .or(files.client.as_ref().map(|c| &c.certificate))
        {
            return Err(invalid_env(
                file.var,
                &file.value,
                format!(
                    "no certificate for a plain-text endpoint: the {} endpoint {endpoint} is \
                     http://, so nothing would be encrypted; use https:// (or unset {})",
                    vars.signal, file.var
                ),
            ));
        }
        None
    };
    Ok(Some(OtlpTarget {
        endpoint,
        protocol,
        headers,
        compression,
        timeout,
        tls,
    }))
}

/// The longest one export of the signal may take, retries included: in
/// code, from the signal's variable, from the general one, or 10 s.
pub(crate) fn export_timeout(
    builder: &TelemetryBuilder,
    env: &Env<'_>,
    vars: &SignalVars,
) -> Result<Duration, InitError> {
    duration_setting(
        builder.export_timeout,
        "export_timeout",
        env,
        vars.timeout,
        milliseconds(env, TIMEOUT)?.unwrap_or(Duration::from_secs(10)),
    )
}

/// The certificate variables of a signal: each file from the signal's own
/// variable or the general one; a client certificate needs its key.
fn tls_files(env: &Env<'_>, vars: &SignalVars) -> Result<TlsFiles, InitError> {
    let ca = first_set(env, [vars.certificate, CERTIFICATE]);
    let certificate = first_set(env, [vars.client_certificate, CLIENT_CERTIFICATE]);
    let key = first_set(env, [vars.client_key, CLIENT_KEY]);
    let client = match (certificate, key) {
        (Some(certificate), Some(key)) => Some(ClientIdentity { certificate, key }),
        (None, None) => None,
        (Some(certificate), None) => {
            return Err(invalid_env(
                certificate.var,
                &certificate.value,
                format!(
                    "a client certificate together with its key: set {CLIENT_KEY} (or {}) too",
                    vars.client_key
                ),
            ));
        }
        (None, Some(key)) => {
            return Err(invalid_env(
                key.var,
                &key.value,
                format!(
                    "a client key together with its certificate: set {CLIENT_CERTIFICATE} \
                     (or {}) too",
                    vars.client_certificate
                ),
            ));
        }
    };
    Ok(TlsFiles { ca, client })
}

/// A base endpoint made specific to one signal: http/protobuf appends the
/// signal's path, gRPC uses the base as it is.
fn signal_endpoint(base: &str, protocol: Protocol, path: &str) -> String {
    match protocol {
        Protocol::HttpProtobuf => format!("{}{path}", base.trim_end_matches('/')),
        Protocol::Grpc => base.to_owned(),
    }
}

/// The endpoint with its scheme: one without a scheme means `https://`, as
/// in the specification and opentelemetry-otlp, or `http://` when the
/// insecure variable says `true`. The result must be an absolute `http://`
/// or `https://` URL with a host.
fn with_scheme(url: &str, insecure: bool) -> Result<String, &'static str> {
    const EXPECTED: &str = "an absolute URL with a host: https://host:port for TLS (or host:port, \
                            which means https), http://host:port for plain text";
    // A scheme is what precedes "://" before any path, query or fragment.
    let has_scheme = url
        .split_once("://")
        .is_some_and(|(scheme, _)| !scheme.contains(['/', '?', '#']));
    let url = match (has_scheme, insecure) {
        (true, _) => url.to_owned(),
        (false, false) => format!("https://{url}"),
        (false, true) => format!("http://{url}"),
    };
    let Ok(uri) = url.parse::<http::Uri>() else {
        return Err(EXPECTED);
    };
    match uri.scheme_str() {
        Some("http" | "https") if uri.host().is_some_and(|h| !h.is_empty()) => Ok(url),
        _ => Err(EXPECTED),
    }
}
