//! The connections OTLP export is sent over: TCP for `http://` endpoints,
//! TLS on rustls for `https://` ones. One [`Connector`] serves both
//! transports (hyper's HTTP/1 client and tonic's gRPC channel), so there is
//! one TLS set-up and one set of TLS error messages.
//!
//! The trusted CAs are the Mozilla root store compiled into the binary
//! (webpki-roots), so export to a hosted backend works the same in a
//! minimal container without `/etc/ssl`; `OTEL_EXPORTER_OTLP_CERTIFICATE`
//! replaces them with the CAs in a PEM file (a private CA, a test CA). The
//! crypto provider is ring, passed explicitly, so a process that also has
//! aws-lc in its tree never trips over rustls's process-wide default.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{AlertDescription, CertificateError, ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::super::InitError;
use super::super::config::TlsFiles;
use super::retry::{Failure, Retry};

/// Which application protocol the TLS handshake offers (ALPN).
#[derive(Clone, Copy, Debug)]
pub(super) enum Alpn {
    /// OTLP/HTTP over HTTP/1.1.
    Http1,
    /// gRPC, which needs HTTP/2.
    H2,
}

/// Opens connections to one endpoint: plain TCP, or TLS when built with a
/// TLS configuration. The URI's scheme is not consulted: tonic is handed an
/// `http://` URI (so that its own TLS, if another crate enables it, stays
/// out of the way) and the connector knows better.
#[derive(Clone)]
pub(super) struct Connector {
    tls: Option<Arc<Tls>>,
}

struct Tls {
    config: Arc<ClientConfig>,
    /// Where the trusted CAs come from, for error messages.
    trust: String,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("tls", &self.tls.as_ref().map(|tls| &tls.trust))
            .finish()
    }
}

impl Connector {
    /// Plain TCP.
    pub(super) fn plain() -> Connector {
        Connector { tls: None }
    }

    /// TLS with the CAs and client identity `files` name, read now; errors
    /// name the variable and the file.
    pub(super) fn tls(files: &TlsFiles, alpn: Alpn) -> Result<Connector, InitError> {
        let mut roots = RootCertStore::empty();
        let trust = match &files.ca {
            Some(ca) => {
                let pem = read(ca.var, &ca.value)?;
                let mut found = 0;
                for cert in CertificateDer::pem_slice_iter(&pem) {
                    let cert = cert.map_err(|e| bad_file(ca.var, &ca.value, e))?;
                    roots
                        .add(cert)
                        .map_err(|e| bad_file(ca.var, &ca.value, e))?;
                    found += 1;
                }
                if found == 0 {
                    return Err(bad_file(ca.var, &ca.value, "no CERTIFICATE in the file"));
                }
                format!("the CAs in {}={}", ca.var, ca.value)
            }
            None => {
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                "the Mozilla root store built into tracewire (webpki-roots); set \
                 OTEL_EXPORTER_OTLP_CERTIFICATE to trust a private CA"
                    .to_owned()
            }
        };
        // rustls 0.23.48 deprecates ring's provider because ring has no
        // post-quantum key exchange (X25519MLKEM768 is aws-lc-rs only);
        // connections still agree on X25519 or ECDHE. tracewire stays on
        // ring so that its TLS builds without cmake, which aws-lc-rs needs.
        // `allow` rather than `expect`: earlier 0.23 releases do not
        // deprecate it, and both must build without warnings.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_setup(files, e))?
            .with_root_certificates(roots);
        let mut config = match &files.client {
            None => builder.with_no_client_auth(),
            Some(identity) => {
                let (cert_var, cert_path) = (identity.certificate.var, &identity.certificate.value);
                let chain = CertificateDer::pem_slice_iter(&read(cert_var, cert_path)?)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| bad_file(cert_var, cert_path, e))?;
                if chain.is_empty() {
                    return Err(bad_file(cert_var, cert_path, "no CERTIFICATE in the file"));
                }
                let (key_var, key_path) = (identity.key.var, &identity.key.value);
                let key = PrivateKeyDer::from_pem_slice(&read(key_var, key_path)?)
                    .map_err(|e| bad_file(key_var, key_path, e))?;
                builder.with_client_auth_cert(chain, key).map_err(|e| {
                    bad_file(
                        key_var,
                        key_path,
                        format!("{e} (does it match {cert_var}?)"),
                    )
                })?
            }
        };
        config.alpn_protocols = match alpn {
            Alpn::Http1 => vec![b"http/1.1".to_vec()],
            Alpn::H2 => vec![b"h2".to_vec()],
        };
        Ok(Connector {
            tls: Some(Arc::new(Tls {
                config: Arc::new(config),
                trust,
            })),
        })
    }
}

fn read(var: &'static str, path: &str) -> Result<Vec<u8>, InitError> {
    std::fs::read(path).map_err(|e| bad_file(var, path, format!("reading it failed: {e}")))
}

fn bad_file(var: &'static str, path: &str, problem: impl fmt::Display) -> InitError {
    InitError::InvalidEnv {
        var,
        value: path.to_owned(),
        expected: format!("a readable PEM file ({problem})"),
    }
}

fn tls_setup(files: &TlsFiles, error: rustls::Error) -> InitError {
    let var = files
        .ca
        .as_ref()
        .map_or("OTEL_EXPORTER_OTLP_CERTIFICATE", |ca| ca.var);
    InitError::InvalidEnv {
        var,
        value: files
            .ca
            .as_ref()
            .map(|ca| ca.value.clone())
            .unwrap_or_default(),
        expected: format!("settings rustls accepts ({error})"),
    }
}

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<Stream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let tls = self.tls.clone();
        Box::pin(async move { connect(&uri, tls.as_deref()).await.map(TokioIo::new) })
    }
}

async fn connect(uri: &Uri, tls: Option<&Tls>) -> Result<Stream, ConnectError> {
    // An IPv6 host comes in brackets, which neither DNS nor rustls want.
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri
        .port_u16()
        .unwrap_or(if tls.is_some() { 443 } else { 80 });
    let failed = |kind, source| ConnectError {
        kind,
        address: format!("{host}:{port}"),
        source,
    };
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| failed(Kind::Tcp, e))?;
    // Requests are small and waited for: no Nagle delay.
    let _ = tcp.set_nodelay(true);
    let Some(tls) = tls else {
        return Ok(Stream::Plain(tcp));
    };
    let name = ServerName::try_from(host.clone())
        .map_err(|e| failed(Kind::Tls(tls.trust.clone()), io::Error::other(e)))?;
    let stream = TlsConnector::from(Arc::clone(&tls.config))
        .connect(name, tcp)
        .await
        .map_err(|e| failed(Kind::Tls(tls.trust.clone()), e))?;
    Ok(Stream::Tls(Box::new(stream)))
}

/// A connection to the collector, in the clear or over TLS.
pub(super) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Both variants are Unpin: no projection needed.
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// Why a connection to the collector could not be opened.
#[derive(Debug)]
pub(super) struct ConnectError {
    kind: Kind,
    address: String,
    source: io::Error,
}

#[derive(Debug)]
enum Kind {
    /// TCP (or name resolution): the collector may come up; retried.
    Tcp,
    /// The TLS handshake, with where the trusted CAs come from: a
    /// certificate does not fix itself, so this is not retried.
    Tls(String),
}

impl ConnectError {
    /// Whether trying again could help.
    pub(super) fn is_retryable(&self) -> bool {
        matches!(self.kind, Kind::Tcp)
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Tcp => write!(f, "connecting to {} failed: {}", self.address, self.source),
            Kind::Tls(trust) => write!(
                f,
                "the TLS handshake with {} failed: {}",
                self.address,
                tls_problem(&self.source, trust)
            ),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Says in plain words what a TLS error means for the user; `trust` says
/// where the trusted CAs come from.
pub(super) fn tls_problem(error: &io::Error, trust: &str) -> String {
    let rustls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => format!(
            "the server's certificate is not signed by a trusted CA (trusted: {trust}) \
             [rustls: {error}]"
        ),
        Some(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => format!("the server's certificate is not valid for this host name [rustls: {error}]"),
        Some(rustls::Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        )) => format!("the server's certificate has expired [rustls: {error}]"),
        Some(rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::HandshakeFailure,
        )) => format!(
            "the server refused the TLS handshake; if it asks for a client certificate, set \
             OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY \
             [rustls: {error}]"
        ),
        Some(_) => format!("TLS failed [rustls: {error}]"),
        None if error.kind() == io::ErrorKind::UnexpectedEof => format!(
            "the server closed the connection during the TLS handshake (is the endpoint \
             really TLS? use http:// for a plain-text one) [{error}]"
        ),
        None => error.to_string(),
    }
}

/// The rustls error in an IO error, if there is one: a TLS failure after
/// the handshake (TLS 1.3 servers reject a client certificate then).
pub(super) fn is_tls_error(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
}

/// What a transport error (from hyper or tonic) means for export: a
/// connection that could not be opened says why; a TLS failure is not
/// retried; anything else (a connection reset mid-request) is.
pub(super) fn transport_failure(error: &(dyn std::error::Error + 'static)) -> Failure {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(connect) = error.downcast_ref::<ConnectError>() {
            return Failure {
                message: connect.to_string(),
                retry: if connect.is_retryable() {
                    Retry::Backoff
                } else {
                    Retry::No
                },
            };
        }
        if let Some(io) = error.downcast_ref::<io::Error>()
            && is_tls_error(io)
        {
            return Failure::fatal(tls_problem(io, "see OTEL_EXPORTER_OTLP_CERTIFICATE"));
        }
        cause = error.source();
    }
    // The whole chain: hyper's and tonic's outer messages are vague
    // ("client error (SendRequest)"), the inner ones say what happened.
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        message.push_str(": ");
        message.push_str(&error.to_string());
        cause = error.source();
    }
    Failure {
        message: format!("the request failed: {message}"),
        retry: Retry::Backoff,
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::config::ClientIdentity;
    use super::*;
    use crate::export::config::FromVar;

    fn file(var: &'static str, path: &str) -> FromVar {
        FromVar {
            var,
            value: path.into(),
        }
    }

    fn error(files: TlsFiles) -> String {
        Connector::tls(&files, Alpn::Http1).unwrap_err().to_string()
    }

    #[test]
    fn the_built_in_roots_need_no_file() {
        let connector = Connector::tls(&TlsFiles::default(), Alpn::H2).unwrap();
        let debug = format!("{connector:?}");
        assert!(debug.contains("webpki-roots"), "{debug}");
    }

    #[test]
    fn unusable_files_are_errors_that_name_the_variable_and_the_file() {
        let dir = std::env::temp_dir().join(format!("tracewire-connect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let not_pem = dir.join("not.pem");
        std::fs::write(&not_pem, "just text").unwrap();
        let not_pem = not_pem.display().to_string();
        let missing = dir.join("missing.pem").display().to_string();

        let message = error(TlsFiles {
            ca: Some(file("OTEL_EXPORTER_OTLP_CERTIFICATE", &missing)),
            client: None,
        });
        assert!(
            message.starts_with(&format!(
                "invalid OTEL_EXPORTER_OTLP_CERTIFICATE=\"{missing}\": expected a readable PEM \
                 file (reading it failed: "
            )),
            "{message}"
        );
        let message = error(TlsFiles {
            ca: Some(file("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", &not_pem)),
            client: None,
        });
        assert!(
            message.contains("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"),
            "{message}"
        );
        assert!(message.contains("no CERTIFICATE in the file"), "{message}");
        let message = error(TlsFiles {
            ca: None,
            client: Some(ClientIdentity {
                certificate: file("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &not_pem),
                key: file("OTEL_EXPORTER_OTLP_CLIENT_KEY", &missing),
            }),
        });
        assert!(
            message.contains("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"),
            "{message}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
