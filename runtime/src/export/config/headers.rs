//! The headers sent with every OTLP request: `OTEL_EXPORTER_OTLP_HEADERS`
//! (and its per-signal forms) and [`header`](crate::TelemetryBuilder::header)
//! in code.
//!
//! Header values are often secrets (API keys, bearer tokens), so nothing
//! here ever shows one: not the errors, which name the variable, the entry's
//! position and, when it is a valid name, the header's name; not `Debug`,
//! which lists names only. Values are also marked sensitive, so HTTP/2
//! (gRPC) never puts them in its header compression table.

use std::fmt;

use http::{HeaderName, HeaderValue};

use super::super::InitError;
use super::vars::percent_decode;

/// Named header values, in the order they were given; a later value for the
/// same name replaces an earlier one.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Headers(Vec<(HeaderName, HeaderValue)>);

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: values may be secrets.
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name.as_str()))
            .finish()
    }
}

impl Headers {
    /// Sets `name` to `value`, replacing an earlier value of that name.
    pub(crate) fn insert(&mut self, name: HeaderName, mut value: HeaderValue) {
        value.set_sensitive(true);
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => self.0.push((name, value)),
        }
    }

    /// `other`'s headers over these: the same name takes `other`'s value.
    pub(crate) fn extend(&mut self, other: &Headers) {
        for (name, value) in &other.0 {
            self.insert(name.clone(), value.clone());
        }
    }

    /// The headers, in order.
    #[cfg_attr(not(feature = "otlp"), allow(dead_code))]
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
        self.0.iter().map(|(name, value)| (name, value))
    }

    #[cfg(test)]
    pub(crate) fn names(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_str()).collect()
    }

    #[cfg(test)]
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, value)| value.to_str().ok())
    }
}

/// What a header list is expected to look like, for error messages.
const EXPECTED: &str = "comma-separated name=value pairs, e.g. \
                        x-api-key=abc123,authorization=Bearer%20xyz: names are HTTP header \
                        names, values are percent-encoded";

/// Parses a header list as the OTLP exporter specification gives it: W3C
/// Baggage syntax without properties, `name=value` pairs separated by
/// commas, values percent-decoded, blanks around names and values ignored.
///
/// `source` is the variable the list came from, for the error.
pub(crate) fn parse_headers(source: &'static str, list: &str) -> Result<Headers, InitError> {
    let mut headers = Headers::default();
    let mut position = 0;
    for entry in list.split(',') {
        if entry.trim().is_empty() {
            continue;
        }
        position += 1;
        let error = |problem: String| InitError::InvalidHeaders {
            origin: source,
            problem: format!("{problem}; expected {EXPECTED}"),
        };
        let Some((name, value)) = entry.split_once('=') else {
            // The whole entry may be a value typed without its name.
            return Err(error(format!("entry {position} has no '='")));
        };
        let Ok(name) = HeaderName::from_bytes(name.trim().as_bytes()) else {
            return Err(error(format!(
                "entry {position} has no valid header name before its '='"
            )));
        };
        let Some(decoded) = percent_decode(value.trim()) else {
            return Err(error(format!(
                "the value of header \"{name}\" (entry {position}) has a malformed \
                 percent-escape or is not UTF-8 once decoded"
            )));
        };
        let Ok(value) = HeaderValue::from_str(&decoded) else {
            return Err(error(format!(
                "the value of header \"{name}\" (entry {position}) holds a character a header \
                 cannot carry (a control character, a line break or non-ASCII text)"
            )));
        };
        headers.insert(name, value);
    }
    Ok(headers)
}

/// The headers set in code with [`header`](crate::TelemetryBuilder::header),
/// checked; values are taken as they are, not percent-decoded.
pub(crate) fn code_headers(pairs: &[(String, String)]) -> Result<Headers, InitError> {
    const SOURCE: &str = "Telemetry::builder().header(..)";
    let mut headers = Headers::default();
    for (name, value) in pairs {
        let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
            return Err(InitError::InvalidHeaders {
                origin: SOURCE,
                problem: format!(
                    "{name:?} is not a valid HTTP header name (letters, digits and \
                     !#$%&'*+-.^_`|~ only)"
                ),
            });
        };
        let Ok(value) = HeaderValue::from_str(value) else {
            return Err(InitError::InvalidHeaders {
                origin: SOURCE,
                problem: format!(
                    "the value of header \"{header}\" holds a character a header cannot \
                     carry (a control character, a line break or non-ASCII text)"
                ),
            });
        };
        headers.insert(header, value);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VAR: &str = "OTEL_EXPORTER_OTLP_HEADERS";

    #[test]
    fn pairs_are_split_trimmed_and_percent_decoded() {
        let headers = parse_headers(
            VAR,
            " x-api-key = abc%3D%3D ,Authorization=Bearer%20tok%2Cen,, empty= ",
        )
        .unwrap();
        assert_eq!(headers.names(), ["x-api-key", "authorization", "empty"]);
        assert_eq!(headers.get("x-api-key"), Some("abc=="));
        assert_eq!(headers.get("authorization"), Some("Bearer tok,en"));
        assert_eq!(headers.get("empty"), Some(""));
    }

    #[test]
    fn a_later_value_replaces_an_earlier_one() {
        let mut headers = parse_headers(VAR, "a=1,b=2,a=3").unwrap();
        assert_eq!(headers.names(), ["a", "b"]);
        assert_eq!(headers.get("a"), Some("3"));
        headers.extend(&code_headers(&[("B".into(), "code".into())]).unwrap());
        assert_eq!(headers.get("b"), Some("code"));
    }

    #[test]
    fn errors_name_the_variable_and_never_show_a_value() {
        let secret = "s3cr3t-t0ken";
        let cases = [
            (format!("x-api-key:{secret}"), "entry 1 has no '='"),
            (format!("ok=1,{secret}"), "entry 2 has no '='"),
            (
                format!("bad name={secret}"),
                "entry 1 has no valid header name",
            ),
            (
                format!("x-api-key={secret}%2"),
                "the value of header \"x-api-key\" (entry 1) has a malformed percent-escape",
            ),
            (
                format!("x-api-key={secret}%ff"),
                "the value of header \"x-api-key\" (entry 1) has a malformed percent-escape",
            ),
            (
                format!("a=1,x-api-key={secret}%0A"),
                "the value of header \"x-api-key\" (entry 2) holds a character",
            ),
        ];
        for (list, expected) in cases {
            let message = parse_headers(VAR, &list).unwrap_err().to_string();
            assert!(
                message.starts_with(&format!("invalid {VAR}: ")),
                "{message}"
            );
            assert!(message.contains(expected), "{message} lacks {expected:?}");
            assert!(!message.contains(secret), "{message} shows the value");
            assert!(message.contains("are never shown"), "{message}");
        }
    }

    #[test]
    fn code_headers_are_checked_without_showing_values() {
        let message = code_headers(&[("x-api-key".into(), "s3cr3t\r\n".into())])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("Telemetry::builder().header(..)"),
            "{message}"
        );
        assert!(message.contains("\"x-api-key\""), "{message}");
        assert!(!message.contains("s3cr3t"), "{message}");
        let message = code_headers(&[("x api key".into(), "v".into())])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("\"x api key\" is not a valid"),
            "{message}"
        );
    }

    #[test]
    fn debug_lists_names_only() {
        let headers = parse_headers(VAR, "x-api-key=s3cr3t").unwrap();
        let debug = format!("{headers:?}");
        assert_eq!(debug, "[\"x-api-key\"]");
        assert!(headers.0[0].1.is_sensitive());
    }
}
