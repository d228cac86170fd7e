//! How OTLP requests travel, as the builder takes it: the [`Protocol`] and
//! the [`Compression`] of their bodies. Both exist in every build, so a
//! configuration compiles whether or not the `otlp` feature is on.

/// The OTLP transport: `OTEL_EXPORTER_OTLP_PROTOCOL` (`grpc`,
/// `http/protobuf`), or [`TelemetryBuilder::protocol`](crate::TelemetryBuilder::protocol)
/// in code.
///
/// ```no_run
/// use tracewire::export::Protocol;
///
/// let telemetry = tracewire::Telemetry::builder()
///     .endpoint("http://localhost:4317")
///     .protocol(Protocol::Grpc)
///     .install()?;
/// # Ok::<(), tracewire::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// OTLP over gRPC (usually port 4317). The endpoint is used as is.
    Grpc,
    /// OTLP over HTTP with protobuf bodies (usually port 4318); the
    /// default. A base endpoint gets `/v1/traces`, `/v1/metrics` and
    /// `/v1/logs` appended.
    HttpProtobuf,
}

/// How OTLP request bodies are compressed: `OTEL_EXPORTER_OTLP_COMPRESSION`
/// (`gzip`, `none`), or [`TelemetryBuilder::compression`](crate::TelemetryBuilder::compression)
/// in code.
///
/// ```no_run
/// use tracewire::export::Compression;
///
/// let telemetry = tracewire::Telemetry::builder()
///     .endpoint("https://otlp.example.com")
///     .compression(Compression::Gzip)
///     .install()?;
/// # Ok::<(), tracewire::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// Sent as they are; the default.
    None,
    /// gzip: HTTP `Content-Encoding: gzip`, gRPC `grpc-encoding: gzip`.
    Gzip,
}
