//! The origin check: which web pages may open a socket, judged by the
//! `Origin` header a browser sends with the WebSocket upgrade.
//!
//! Without it, any page a logged-in user visits could open a socket with
//! the user's cookies and act as the user (cross-site WebSocket hijacking):
//! browsers apply no same-origin policy to WebSocket connections. So, as
//! Phoenix's `check_origin`, the check is on by default.

use std::fmt;

/// Which origins may open a socket, set with
/// [`Server::check_origin`](crate::channel::Server::check_origin).
///
/// The check reads the `Origin` header of the upgrade request, which
/// browsers always send and page scripts cannot change:
///
/// - [`OriginCheck::same_host`] (the default): the origin's host and port
///   must be the request's own `Host`, so only pages served by the same
///   host and port may connect. The port of an origin without one is its
///   scheme's (80 for `http`, 443 for `https`), and so is the `Host`'s.
/// - [`OriginCheck::allow`]: the origin must match one of a list of
///   patterns (below), as Phoenix's `check_origin: [...]`.
/// - [`OriginCheck::off`]: any origin may connect. Only for a server whose
///   sockets carry no ambient credentials (no cookies, no client
///   certificates).
///
/// A request *without* an `Origin` header is always allowed, as in
/// Phoenix: clients outside a browser (the `phoenix` client on Node with
/// `ws`, native apps, tests) send none, and a browser always sends one, so
/// a missing header is never a hijacked browser. A request with several
/// `Origin` headers, or with `Origin: null` (sandboxed frames, `file:`
/// pages), is refused by both checks.
///
/// A refused upgrade gets HTTP 403 and its `socket.connect` span ends with
/// status Error and `error.type = "origin_refused"`; the socket handler's
/// `connect` is not called.
///
/// # Patterns
///
/// | pattern | matches |
/// | --- | --- |
/// | `https://example.com` | exactly that origin, port 443 |
/// | `https://example.com:8443` | that scheme, host and port |
/// | `//example.com` | `example.com` with any scheme and port |
/// | `https://*.example.com` | `example.com` and every subdomain of it, over `https` on 443 |
/// | `//*.example.com:4000` | `example.com` and its subdomains, any scheme, port 4000 |
///
/// Hosts compare without regard to case. A scheme given in the pattern
/// must match, and so must its port (the scheme's default when none is
/// written); a pattern without a scheme matches any port unless it names
/// one.
///
/// # Compared with Phoenix
///
/// As in Phoenix's `check_origin` (`Phoenix.Socket.Transport`): the check
/// is on by default, a missing `Origin` passes, a refusal is a 403 before
/// `connect`, and allow-list entries read the same way. The differences
/// are deliberate:
///
/// - Phoenix's default compares the origin's host with the endpoint's
///   configured URL host; this server has no configured URL, so
///   [`same_host`](Self::same_host) compares with the request's `Host`,
///   host and port, like Phoenix's `check_origin: :conn` less the scheme
///   (which a server behind a TLS-terminating proxy cannot know). Behind a
///   proxy that rewrites `Host`, list the public origins with
///   [`allow`](Self::allow).
/// - `*.example.com` matches only at a dot: Phoenix's suffix comparison
///   would also let `badexample.com` through.
/// - Several `Origin` headers are refused; Phoenix reads the first.
///
/// # Examples
///
/// ```
/// use tracewire::channel::{Server, transport::OriginCheck};
/// # use tracewire::channel::{Assigns, ConnectError, ConnectInfo, ConnectParams, SocketHandler};
/// # struct UserSocket;
/// # impl SocketHandler for UserSocket {
/// #     async fn connect(&self, _: &ConnectParams, _: &ConnectInfo) -> Result<Assigns, ConnectError> {
/// #         Ok(Assigns::new())
/// #     }
/// # }
///
/// // Pages of example.com and its subdomains, over https, and a local
/// // development server.
/// let server = Server::new(UserSocket).check_origin(OriginCheck::allow([
///     "https://*.example.com",
///     "http://localhost:4000",
/// ]));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct OriginCheck(Policy);

#[derive(Clone, PartialEq, Eq, Debug)]
enum Policy {
    SameHost,
    Allow(Vec<Pattern>),
    Off,
}

impl OriginCheck {
    /// Pages of the request's own host and port only (the default).
    pub fn same_host() -> Self {
        OriginCheck(Policy::SameHost)
    }

    /// Pages whose origin matches one of `patterns` (see the
    /// [type documentation](Self#patterns)).
    ///
    /// # Panics
    ///
    /// If a pattern is not `scheme://host[:port]` or `//host[:port]` (a
    /// leading `*.` allowed in the host), naming the pattern, as
    /// [`Server::channel`](crate::channel::Server::channel) does for a bad topic
    /// pattern: a typo here would otherwise refuse every browser.
    pub fn allow<I, S>(patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let patterns = patterns
            .into_iter()
            .map(|p| match Pattern::parse(p.as_ref()) {
                Some(pattern) => pattern,
                None => panic!(
                    "invalid origin pattern {:?}: expected scheme://host[:port] or //host[:port], \
                     the host optionally starting with `*.`",
                    p.as_ref()
                ),
            })
            .collect();
        OriginCheck(Policy::Allow(patterns))
    }

    /// No check: pages of any origin may open a socket.
    pub fn off() -> Self {
        OriginCheck(Policy::Off)
    }

    /// Judges an upgrade request from its `Origin` headers and its `Host`.
    pub(crate) fn judge<'a>(
        &self,
        mut origins: impl Iterator<Item = &'a [u8]>,
        host: Option<&[u8]>,
    ) -> Result<(), Refusal> {
        if self.0 == Policy::Off {
            return Ok(());
        }
        let Some(first) = origins.next() else {
            return Ok(());
        };
        if origins.next().is_some() {
            return Err(Refusal::Several);
        }
        let shown = String::from_utf8_lossy(first);
        let refused = || Err(Refusal::Origin(shown.clone().into_owned()));
        let Some(origin) = std::str::from_utf8(first).ok().and_then(Origin::parse) else {
            return refused();
        };
        let allowed = match &self.0 {
            Policy::Off => true,
            Policy::SameHost => host
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(HostPort::parse)
                .is_some_and(|host| origin.is_at(&host)),
            Policy::Allow(patterns) => patterns.iter().any(|p| p.matches(&origin)),
        };
        if allowed { Ok(()) } else { refused() }
    }
}

impl Default for OriginCheck {
    /// [`OriginCheck::same_host`].
    fn default() -> Self {
        OriginCheck::same_host()
    }
}

impl fmt::Debug for OriginCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Policy::SameHost => f.write_str("OriginCheck::same_host()"),
            Policy::Off => f.write_str("OriginCheck::off()"),
            Policy::Allow(patterns) => f
                .debug_tuple("OriginCheck::allow")
                .field(&patterns.iter().map(Pattern::to_string).collect::<Vec<_>>())
                .finish(),
        }
    }
}

/// Why an origin was refused: the span's description.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The origin, as sent (cut when recorded).
    Origin(String),
    Several,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Origin(origin) => write!(
                f,
                "origin {:?} is not allowed to open a socket",
                crate::value::bounded_str(origin)
            ),
            Refusal::Several => f.write_str("several Origin headers"),
        }
    }
}

/// A scheme's default port.
fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// `host[:port]`, as in a `Host` header or after an origin's scheme; the
/// host lowercased, an IPv6 address kept in its brackets.
#[derive(Clone, Debug, PartialEq, Eq)]
struct HostPort {
    host: String,
    port: Option<u16>,
}

impl HostPort {
    fn parse(s: &str) -> Option<Self> {
        let (host, port) = if s.starts_with('[') {
            let end = s.find(']')?;
            let (host, rest) = s.split_at(end + 1);
            match rest {
                "" => (host, None),
                _ => (host, Some(rest.strip_prefix(':')?)),
            }
        } else {
            match s.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (s, None),
            }
        };
        let port = match port {
            Some(port) => Some(port.parse().ok()?),
            None => None,
        };
        let valid = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._[]:*".contains(&b));
        valid.then(|| HostPort {
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

/// A serialised origin: `scheme://host[:port]`.
#[derive(Debug)]
struct Origin {
    scheme: String,
    at: HostPort,
}

impl Origin {
    fn parse(s: &str) -> Option<Self> {
        let (scheme, rest) = s.split_once("://")?;
        let at = HostPort::parse(rest)?;
        if scheme.is_empty() || at.host.contains('*') {
            return None;
        }
        Some(Origin {
            scheme: scheme.to_ascii_lowercase(),
            at,
        })
    }

    fn port(&self) -> Option<u16> {
        self.at.port.or_else(|| default_port(&self.scheme))
    }

    /// Whether this origin is the host and port a request was sent to.
    fn is_at(&self, host: &HostPort) -> bool {
        self.at.host == host.host && self.port() == host.port.or_else(|| default_port(&self.scheme))
    }
}

/// One entry of an allow-list.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    scheme: Option<String>,
    /// The host, less a leading `*.`.
    host: String,
    subdomains: bool,
    port: Option<u16>,
}

impl Pattern {
    fn parse(s: &str) -> Option<Self> {
        let (scheme, rest) = match s.split_once("//") {
            Some(("", rest)) => (None, rest),
            Some((scheme, rest)) => (Some(scheme.strip_suffix(':')?), rest),
            None => return None,
        };
        let at = HostPort::parse(rest.strip_suffix('/').unwrap_or(rest))?;
        let (host, subdomains) = match at.host.strip_prefix("*.") {
            Some(host) => (host.to_owned(), true),
            None => (at.host, false),
        };
        if host.is_empty() || host.contains('*') || scheme.is_some_and(str::is_empty) {
            return None;
        }
        let scheme = scheme.map(str::to_ascii_lowercase);
        let port = at.port.or_else(|| scheme.as_deref().and_then(default_port));
        Some(Pattern {
            scheme,
            host,
            subdomains,
            port,
        })
    }

    fn matches(&self, origin: &Origin) -> bool {
        let host = &origin.at.host;
        let host_ok = *host == self.host
            || (self.subdomains
                && host
                    .strip_suffix(self.host.as_str())
                    .is_some_and(|sub| sub.ends_with('.')));
        host_ok
            && self.scheme.as_ref().is_none_or(|s| *s == origin.scheme)
            && self.port.is_none_or(|p| origin.port() == Some(p))
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(scheme) = &self.scheme {
            write!(f, "{scheme}:")?;
        }
        f.write_str("//")?;
        if self.subdomains {
            f.write_str("*.")?;
        }
        f.write_str(&self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(check: &OriginCheck, origins: &[&str], host: Option<&str>) -> bool {
        check
            .judge(
                origins.iter().map(|o| o.as_bytes()),
                host.map(str::as_bytes),
            )
            .is_ok()
    }

    #[test]
    fn same_host_compares_host_and_port_with_the_host_header() {
        let check = OriginCheck::default();
        let host = Some("localhost:4000");
        assert!(judge(&check, &["http://localhost:4000"], host));
        assert!(judge(&check, &["http://LOCALHOST:4000"], host));
        assert!(!judge(&check, &["http://localhost:4001"], host));
        assert!(!judge(&check, &["http://evil.example"], host));
        assert!(!judge(&check, &["http://localhost"], host));
        // Default ports on either side.
        assert!(judge(&check, &["https://example.com"], Some("example.com")));
        assert!(judge(
            &check,
            &["https://example.com"],
            Some("example.com:443")
        ));
        assert!(judge(
            &check,
            &["http://example.com:80"],
            Some("example.com")
        ));
        assert!(!judge(
            &check,
            &["https://example.com"],
            Some("example.com:80")
        ));
        assert!(judge(&check, &["http://[::1]:4000"], Some("[::1]:4000")));
        // No Host to compare with, or an origin that is not one.
        assert!(!judge(&check, &["http://localhost:4000"], None));
        assert!(!judge(&check, &["null"], host));
        assert!(!judge(&check, &["localhost:4000"], host));
    }

    #[test]
    fn no_origin_is_allowed_and_several_are_not() {
        for check in [OriginCheck::same_host(), OriginCheck::allow(["//a.com"])] {
            assert!(judge(&check, &[], Some("a.com")));
            assert_eq!(
                check.judge(
                    ["http://a.com", "http://a.com"]
                        .map(str::as_bytes)
                        .into_iter(),
                    None
                ),
                Err(Refusal::Several)
            );
        }
        assert!(judge(
            &OriginCheck::off(),
            &["http://evil.example", "null"],
            None
        ));
    }

    #[test]
    fn allow_lists_match_scheme_host_and_port_as_phoenix_does() {
        let check = OriginCheck::allow([
            "https://example.com",
            "//*.other.com",
            "https://*.wild.com:8443",
            "http://localhost:4000/",
        ]);
        let ok = |origin: &str| judge(&check, &[origin], Some("ignored"));
        assert!(ok("https://example.com"));
        assert!(ok("https://example.com:443"));
        assert!(!ok("http://example.com"));
        assert!(!ok("https://example.com:8443"));
        assert!(!ok("https://sub.example.com"));
        assert!(ok("http://other.com:1234"));
        assert!(ok("wss://a.b.other.com"));
        assert!(!ok("https://notother.com"));
        assert!(!ok("https://other.com.evil.example"));
        assert!(ok("https://x.wild.com:8443"));
        assert!(!ok("https://x.wild.com"));
        assert!(ok("http://localhost:4000"));
        assert!(!ok("http://localhost:4001"));
        assert!(!ok("null"));
    }

    #[test]
    fn malformed_patterns_are_refused_at_build_time() {
        for bad in [
            "example.com",
            "https://",
            "https://exa*mple.com",
            "https://example.com:port",
            "https://example.com/path",
            "://example.com",
        ] {
            assert!(Pattern::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(
            format!("{:?}", OriginCheck::allow(["HTTPS://*.Example.com"])),
            r#"OriginCheck::allow(["https://*.example.com:443"])"#
        );
    }

    #[test]
    fn a_refusal_names_the_origin_cut_to_a_bounded_length() {
        let long = format!("http://{}.example", "a".repeat(5000));
        let Err(refusal) = OriginCheck::default().judge([long.as_bytes()].into_iter(), None) else {
            panic!("allowed");
        };
        let text = refusal.to_string();
        assert!(text.len() < 400, "{}", text.len());
        assert!(text.starts_with("origin \"http://aaa"));
    }
}
