//! The carriers against the W3C rules: round trips through every carrier,
//! the `traceparent` grammar table, the limits, the trust policies.

use std::collections::HashMap;

use http::header::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, KeyValue};
use serde_json::{Map, Value, json};

use super::fields::{BAGGAGE, MAX_TRACESTATE_LEN, TRACEPARENT, TRACESTATE};
use super::incoming::extract_with;
use super::outgoing::inject_with;
use super::*;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID: &str = "00f067aa0ba902b7";
const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const OTHER: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/// A local (not remote) span context with tracestate, plus baggage.
fn local_context(flags: TraceFlags) -> Context {
    let state = TraceState::from_key_value([("vendor", "opaque"), ("other", "x1")]).unwrap();
    let span_context = SpanContext::new(
        TraceId::from_hex(TRACE_ID).unwrap(),
        SpanId::from_hex(SPAN_ID).unwrap(),
        flags,
        false,
        state,
    );
    Context::new()
        .with_remote_span_context(span_context)
        .with_baggage(vec![
            KeyValue::new("user_id", "42"),
            KeyValue::new("tenant", "acme corp"),
        ])
}

fn span_context(cx: &Context) -> SpanContext {
    cx.span().span_context().clone()
}

fn assert_round_trip(carrier: &str, sent: &Context, received: &Context) {
    let (sent_sc, received_sc) = (span_context(sent), span_context(received));
    assert!(received_sc.is_valid(), "{carrier}: no span context");
    assert_eq!(received_sc.trace_id(), sent_sc.trace_id(), "{carrier}");
    assert_eq!(received_sc.span_id(), sent_sc.span_id(), "{carrier}");
    assert_eq!(
        received_sc.trace_flags(),
        sent_sc.trace_flags(),
        "{carrier}"
    );
    assert_eq!(
        received_sc.trace_state().header(),
        "vendor=opaque,other=x1",
        "{carrier}"
    );
    assert!(received_sc.is_remote(), "{carrier}: not remote");
    let baggage = received.baggage();
    assert_eq!(baggage.len(), 2, "{carrier}");
    assert_eq!(
        baggage.get("user_id").map(|v| v.as_str()),
        Some("42"),
        "{carrier}"
    );
    assert_eq!(
        baggage.get("tenant").map(|v| v.as_str()),
        Some("acme corp"),
        "{carrier}"
    );
}

#[test]
fn round_trip_through_every_carrier() {
    for flags in [TraceFlags::SAMPLED, TraceFlags::NOT_SAMPLED] {
        let sent = local_context(flags);

        let mut map = HashMap::new();
        inject_map(&sent, &mut map);
        assert_round_trip("map", &sent, &extract_map(&map));

        let mut headers = HeaderMap::new();
        inject_headers(&sent, &mut headers);
        assert_round_trip("headers", &sent, &extract_headers(&headers));

        let mut meta = Map::new();
        inject_json(&sent, &mut meta);
        // Through serialization, as a message would travel.
        let wire = serde_json::to_string(&Value::Object(meta)).unwrap();
        let meta: Value = serde_json::from_str(&wire).unwrap();
        assert_round_trip("json", &sent, &extract_json(&meta));

        assert_round_trip("dyn", &sent, &extract(&HeaderCarrier(&headers)));
    }
}

#[test]
fn sampled_flag_is_preserved_both_ways() {
    for (flags, suffix) in [
        (TraceFlags::NOT_SAMPLED, "-00"),
        (TraceFlags::SAMPLED, "-01"),
    ] {
        let mut map = HashMap::new();
        inject_map(&local_context(flags), &mut map);
        assert!(map[TRACEPARENT].ends_with(suffix), "{}", map[TRACEPARENT]);

        let incoming = format!("00-{TRACE_ID}-{SPAN_ID}{suffix}");
        let map = HashMap::from([(TRACEPARENT.to_owned(), incoming)]);
        let received = span_context(&extract_map(&map));
        assert!(received.is_valid());
        assert_eq!(received.trace_flags(), flags);
        assert_eq!(received.is_sampled(), flags.is_sampled());
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// A remote parent with TRACE_ID / SPAN_ID and this sampled flag.
    Valid { sampled: bool },
    /// No remote parent.
    Invalid,
}
use Expect::{Invalid, Valid};

/// `traceparent` values. Comments mark inputs the opentelemetry_sdk 0.33
/// `TraceContextPropagator` accepts on its own but W3C does not.
#[rustfmt::skip]
const CASES: &[(&str, &str, Expect)] = &[
    ("valid", VALID, Valid { sampled: true }),
    ("valid, not sampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", Valid { sampled: false }),
    ("unknown flag bits are cleared", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09", Valid { sampled: true }),
    ("bad hex in trace id", "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01", Invalid),
    ("bad hex in span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902xy-01", Invalid),
    ("bad hex in flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", Invalid),
    ("bad hex in version", "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    ("uppercase trace id", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", Invalid),
    ("uppercase span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01", Invalid),
    ("uppercase flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A", Invalid),
    // upstream accepts (version 0x0A)
    ("uppercase version", "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    ("version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    ("future version, four fields", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Valid { sampled: true }),
    ("future version, extra fields", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like", Valid { sampled: true }),
    ("future version, not sampled, extra field", "fe-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-0123", Valid { sampled: false }),
    ("future version, flags not followed by dash", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01what", Invalid),
    ("version 00, extra field", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-ab", Invalid),
    // upstream accepts (split_terminator drops the empty last field)
    ("version 00, trailing dash", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", Invalid),
    ("all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", Invalid),
    ("all-zero span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", Invalid),
    // upstream accepts (left-pads to 128 bits)
    ("short trace id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", Invalid),
    // upstream accepts (leading zero fits in u128)
    ("long trace id, zero-padded", "00-04bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    ("long trace id", "00-4bf92f3577b34da6a3ce929d0e0e47361-00f067aa0ba902b7-01", Invalid),
    // upstream accepts
    ("short span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-f067aa0ba902b7-01", Invalid),
    // upstream accepts (leading zero fits in u64)
    ("long span id, zero-padded", "00-4bf92f3577b34da6a3ce929d0e0e4736-000f067aa0ba902b7-01", Invalid),
    ("long span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b71-01", Invalid),
    // upstream accepts (from_str_radix takes one digit, a sign, or zero padding)
    ("one-digit version", "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    ("signed version", "+0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    ("three-digit version", "000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    ("signed trace id", "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    ("one-digit flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1", Invalid),
    ("signed flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-+1", Invalid),
    ("three-digit flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-001", Invalid),
    ("missing flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", Invalid),
    ("missing version", "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    ("extra dashes", "00--4bf92f3577b34da6a3ce929d0e0e4736--00f067aa0ba902b7-01", Invalid),
    ("dash inside trace id", "00-4bf92f3577b34da6-3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    ("underscores", "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", Invalid),
    ("empty", "", Invalid),
    ("only dashes", "---", Invalid),
    ("whitespace-padded (HTTP OWS)", "  00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\t", Valid { sampled: true }),
    ("inner whitespace", "00- 4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    // upstream accepts (str::trim strips any Unicode whitespace)
    ("newline-padded", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n", Invalid),
    ("no-break-space-padded", "\u{a0}00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
    ("non-ASCII digit", "00-4bf92f3577b34da6a3ce929d0e0e473\u{0664}-00f067aa0ba902b7-01", Invalid),
    ("non-ASCII suffix on a future version", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-\u{e9}", Invalid),
    ("NUL byte", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\0", Invalid),
];

/// CASES plus generated values around the size limit.
fn cases() -> Vec<(&'static str, String, Expect)> {
    let future = |len: usize| {
        let mut value = format!("cc-{TRACE_ID}-{SPAN_ID}-01-");
        value.extend(std::iter::repeat_n('a', len - value.len()));
        value
    };
    let mut cases: Vec<_> = CASES
        .iter()
        .map(|&(name, value, expect)| (name, value.to_owned(), expect))
        .collect();
    cases.extend([
        (
            "10 KB value",
            format!("{VALID}-{}", "a".repeat(10 * 1024)),
            Invalid,
        ),
        // upstream accepts: the zeros parse away in from_str_radix.
        (
            "10 KB zero-padded trace id",
            format!("00-{}{TRACE_ID}-{SPAN_ID}-01", "0".repeat(10 * 1024)),
            Invalid,
        ),
        (
            "future version at the 512-byte limit",
            future(512),
            Valid { sampled: true },
        ),
        (
            "future version over the 512-byte limit",
            future(513),
            Invalid,
        ),
    ]);
    cases
}

/// The same traceparent through every carrier that can hold it.
fn carriers(traceparent: &str) -> Vec<(&'static str, Context)> {
    let mut received = Vec::new();
    let map = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
    received.push(("map", extract_map(&map)));
    // Values HeaderValue cannot hold (control characters) cannot arrive
    // in a header at all; bytes >= 0x80 can, and must be ignored.
    if let Ok(value) = HeaderValue::from_bytes(traceparent.as_bytes()) {
        let mut headers = HeaderMap::new();
        headers.insert(TRACEPARENT, value);
        received.push(("headers", extract_headers(&headers)));
    }
    let meta = json!({ JSON_KEY: { TRACEPARENT: traceparent } });
    received.push(("json", extract_json(&meta)));
    received
}

#[test]
fn traceparent_table() {
    let expected_trace_id = TraceId::from_hex(TRACE_ID).unwrap();
    let expected_span_id = SpanId::from_hex(SPAN_ID).unwrap();
    for (name, traceparent, expect) in cases() {
        for (carrier, cx) in carriers(&traceparent) {
            let label = format!("{name} via {carrier}");
            let parent = RemoteParent::from_context(&cx, TrustPolicy::Parent);
            let link = RemoteParent::from_context(&cx, TrustPolicy::Link);
            let ignore = RemoteParent::from_context(&cx, TrustPolicy::Ignore);
            assert!(matches!(ignore, RemoteParent::None), "{label}: Ignore");
            match expect {
                Invalid => {
                    assert!(!span_context(&cx).is_valid(), "{label}: accepted");
                    assert!(matches!(parent, RemoteParent::None), "{label}: Parent");
                    assert!(matches!(link, RemoteParent::None), "{label}: Link");
                }
                Valid { sampled } => {
                    let RemoteParent::Parent(parent_cx) = &parent else {
                        panic!("{label}: Parent gave {parent:?}");
                    };
                    let RemoteParent::Link(linked) = &link else {
                        panic!("{label}: Link gave {link:?}");
                    };
                    for sc in [&span_context(parent_cx), linked] {
                        assert_eq!(sc.trace_id(), expected_trace_id, "{label}");
                        assert_eq!(sc.span_id(), expected_span_id, "{label}");
                        assert_eq!(sc.is_sampled(), sampled, "{label}");
                        assert!(sc.is_remote(), "{label}");
                    }
                    assert!(parent.link().is_none() && parent.parent_context().is_some());
                    assert!(link.parent_context().is_none() && link.link().is_some());
                }
            }
        }

        // TrustPolicy::apply agrees with extract + from_context.
        let map = HashMap::from([(TRACEPARENT.to_owned(), traceparent.clone())]);
        let valid = expect != Invalid;
        assert_eq!(
            TrustPolicy::Parent.apply(&map).parent_context().is_some(),
            valid,
            "{name}: apply(Parent)"
        );
        assert_eq!(
            TrustPolicy::Link.apply(&map).link().is_some(),
            valid,
            "{name}: apply(Link)"
        );
        assert!(matches!(
            TrustPolicy::Ignore.apply(&map),
            RemoteParent::None
        ));
    }
}

#[test]
fn default_policy_is_link() {
    assert_eq!(TrustPolicy::default(), TrustPolicy::Link);
}

fn headers(entries: &[(&str, &str)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for &(name, value) in entries {
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
        headers.append(name, HeaderValue::from_str(value).unwrap());
    }
    headers
}

fn apply_headers(policy: TrustPolicy, headers: &HeaderMap) -> RemoteParent {
    policy.apply(&HeaderCarrier(headers))
}

#[test]
fn header_names_are_case_insensitive() {
    let headers = headers(&[("TraceParent", VALID), ("TRACESTATE", "a=1")]);
    let link = apply_headers(TrustPolicy::Link, &headers);
    let link = link.link().expect("a link");
    assert_eq!(link.trace_state().header(), "a=1");
}

#[test]
fn duplicate_traceparent_headers_are_invalid() {
    for policy in [TrustPolicy::Parent, TrustPolicy::Link] {
        let same = headers(&[(TRACEPARENT, VALID), (TRACEPARENT, VALID)]);
        assert!(matches!(apply_headers(policy, &same), RemoteParent::None));

        let conflicting = headers(&[(TRACEPARENT, VALID), (TRACEPARENT, OTHER)]);
        assert!(matches!(
            apply_headers(policy, &conflicting),
            RemoteParent::None
        ));
    }
    // The carrier itself refuses to pick one, even for other propagators.
    let same = headers(&[(TRACEPARENT, VALID), (TRACEPARENT, VALID)]);
    assert_eq!(HeaderCarrier(&same).get(TRACEPARENT), None);
    assert_eq!(
        HeaderCarrier(&same).get_all(TRACEPARENT),
        Some(vec![VALID, VALID])
    );
}

#[test]
fn tracestate_headers_are_combined() {
    let headers = headers(&[
        (TRACEPARENT, VALID),
        (TRACESTATE, "a=1,b=2"),
        (TRACESTATE, "c=3"),
    ]);
    let cx = extract_headers(&headers);
    assert_eq!(span_context(&cx).trace_state().header(), "a=1,b=2,c=3");
}

#[test]
fn oversized_tracestate_is_dropped_but_parent_kept() {
    let big = format!("a={}", "x".repeat(10 * 1024));
    // Two values, each under the limit, joined over it.
    let half = (1..=2)
        .map(|i| format!("k{i}={}", "v".repeat(250)))
        .collect::<Vec<_>>();
    let cases = [
        headers(&[(TRACEPARENT, VALID), (TRACESTATE, &big)]),
        headers(&[
            (TRACEPARENT, VALID),
            (TRACESTATE, &format!("{},{}", half[0], half[1])),
            (TRACESTATE, &half[0].replace("k1", "k3")),
        ]),
    ];
    for headers in &cases {
        let cx = extract_headers(headers);
        let sc = span_context(&cx);
        assert!(sc.is_valid());
        assert_eq!(sc.trace_state().header(), "");
    }
    // Same through the map and JSON carriers.
    let map = HashMap::from([
        (TRACEPARENT.to_owned(), VALID.to_owned()),
        (TRACESTATE.to_owned(), big.clone()),
    ]);
    assert_eq!(span_context(&extract_map(&map)).trace_state().header(), "");
    assert!(span_context(&extract_map(&map)).is_valid());
    let meta = json!({ JSON_KEY: { TRACEPARENT: VALID, TRACESTATE: big } });
    let sc = span_context(&extract_json(&meta));
    assert!(sc.is_valid());
    assert_eq!(sc.trace_state().header(), "");
}

#[test]
fn tracestate_at_the_limit_is_kept() {
    // 2 members of 255 bytes plus a comma: 511 bytes.
    let state = (1..=2)
        .map(|i| format!("k{i}={}", "v".repeat(252)))
        .collect::<Vec<_>>()
        .join(",");
    assert!(state.len() <= MAX_TRACESTATE_LEN);
    let headers = headers(&[(TRACEPARENT, VALID), (TRACESTATE, &state)]);
    let cx = extract_headers(&headers);
    assert_eq!(span_context(&cx).trace_state().header(), state);
}

#[test]
fn oversized_baggage_is_dropped() {
    let big = format!("key={}", "v".repeat(10 * 1024));
    let headers = headers(&[(TRACEPARENT, VALID), (BAGGAGE, &big)]);
    let cx = extract_headers(&headers);
    assert_eq!(cx.baggage().len(), 0);
    assert!(span_context(&cx).is_valid());

    let meta = json!({ JSON_KEY: { TRACEPARENT: VALID, BAGGAGE: big } });
    assert_eq!(extract_json(&meta).baggage().len(), 0);

    // And it is not sent either.
    let huge = Context::new().with_baggage(vec![KeyValue::new("k", ";".repeat(8000))]);
    let mut map = HashMap::new();
    inject_map(&huge, &mut map);
    assert_eq!(map.get(BAGGAGE), None);
}

#[test]
fn baggage_headers_are_combined() {
    let headers = headers(&[(BAGGAGE, "a=1"), (BAGGAGE, "b=2")]);
    let cx = extract_headers(&headers);
    assert_eq!(cx.baggage().get("a").map(|v| v.as_str()), Some("1"));
    assert_eq!(cx.baggage().get("b").map(|v| v.as_str()), Some("2"));
    // Baggage alone is no parent.
    assert!(matches!(
        RemoteParent::from_context(&cx, TrustPolicy::Parent),
        RemoteParent::None
    ));
}

#[test]
fn non_ascii_header_values_are_ignored() {
    let mut headers = HeaderMap::new();
    let obs_text = format!("{VALID}-\u{e9}");
    headers.insert(
        TRACEPARENT,
        HeaderValue::from_bytes(obs_text.as_bytes()).unwrap(),
    );
    assert!(!span_context(&extract_headers(&headers)).is_valid());

    headers.insert(TRACEPARENT, HeaderValue::from_static(VALID));
    headers.insert(
        TRACESTATE,
        HeaderValue::from_bytes("a=\u{e9}".as_bytes()).unwrap(),
    );
    headers.insert(
        BAGGAGE,
        HeaderValue::from_bytes(&[b'a', b'=', 0xff]).unwrap(),
    );
    let cx = extract_headers(&headers);
    assert!(span_context(&cx).is_valid());
    assert_eq!(span_context(&cx).trace_state().header(), "");
    assert_eq!(cx.baggage().len(), 0);
}

#[test]
fn json_shapes_that_are_not_trace_context() {
    let metas = [
        // meta not an object
        json!(null),
        json!(42),
        json!("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        json!([{ JSON_KEY: { TRACEPARENT: VALID } }]),
        // JSON_KEY not an object
        json!({ JSON_KEY: VALID }),
        json!({ JSON_KEY: [VALID] }),
        json!({ JSON_KEY: [[TRACEPARENT, VALID]] }),
        json!({ JSON_KEY: null }),
        json!({ JSON_KEY: 7 }),
        // traceparent not a string
        json!({ JSON_KEY: { TRACEPARENT: 42 } }),
        json!({ JSON_KEY: { TRACEPARENT: 1.5e300 } }),
        json!({ JSON_KEY: { TRACEPARENT: null } }),
        json!({ JSON_KEY: { TRACEPARENT: [VALID] } }),
        json!({ JSON_KEY: { TRACEPARENT: { "value": VALID } } }),
        json!({ JSON_KEY: { TRACEPARENT: true } }),
        // keys are exact
        json!({ JSON_KEY: { "TraceParent": VALID } }),
        json!({ "Trace_Context": { TRACEPARENT: VALID } }),
        // the fields at the top level are not read
        json!({ TRACEPARENT: VALID }),
    ];
    for meta in &metas {
        let cx = extract_json(meta);
        assert!(!span_context(&cx).is_valid(), "{meta}");
        for policy in [TrustPolicy::Parent, TrustPolicy::Link, TrustPolicy::Ignore] {
            let remote = RemoteParent::from_context(&cx, policy);
            assert!(matches!(remote, RemoteParent::None), "{meta} {policy:?}");
        }
    }
}

#[test]
fn json_non_string_tracestate_and_baggage_are_ignored() {
    let meta = json!({ JSON_KEY: {
        TRACEPARENT: VALID,
        TRACESTATE: ["a=1"],
        BAGGAGE: { "k": "v" },
    } });
    let cx = extract_json(&meta);
    assert!(span_context(&cx).is_valid());
    assert_eq!(span_context(&cx).trace_state().header(), "");
    assert_eq!(cx.baggage().len(), 0);
}

#[test]
fn inject_json_writes_one_object_and_removes_stale_context() {
    let mut meta = Map::new();
    meta.insert("other".to_owned(), json!(1));
    inject_json(&local_context(TraceFlags::SAMPLED), &mut meta);
    let object = meta[JSON_KEY].as_object().expect("an object");
    assert_eq!(object[TRACEPARENT], VALID);
    assert_eq!(object[TRACESTATE], "vendor=opaque,other=x1");
    assert!(object[BAGGAGE].as_str().unwrap().contains("user_id=42"));

    inject_json(&Context::new(), &mut meta);
    assert!(!meta.contains_key(JSON_KEY));
    assert_eq!(meta["other"], 1);
}

#[test]
fn inject_replaces_stale_entries() {
    let stale = headers(&[
        (TRACEPARENT, OTHER),
        (TRACEPARENT, OTHER),
        (TRACESTATE, "stale=1"),
        (BAGGAGE, "stale=1"),
    ]);
    let mut fresh = stale.clone();
    let cx = local_context(TraceFlags::SAMPLED);
    inject_headers(&cx, &mut fresh);
    assert_eq!(fresh.get_all(TRACEPARENT).iter().count(), 1);
    assert_eq!(fresh[TRACEPARENT], VALID);
    assert_round_trip("headers", &cx, &extract_headers(&fresh));

    // An empty context clears them; no empty tracestate is written.
    let mut cleared = stale;
    inject_headers(&Context::new(), &mut cleared);
    assert!(cleared.is_empty(), "{cleared:?}");

    let mut map = HashMap::from([
        (TRACEPARENT.to_owned(), OTHER.to_owned()),
        (BAGGAGE.to_owned(), "stale=1".to_owned()),
    ]);
    let no_state = Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from_hex(TRACE_ID).unwrap(),
        SpanId::from_hex(SPAN_ID).unwrap(),
        TraceFlags::SAMPLED,
        false,
        TraceState::default(),
    ));
    inject_map(&no_state, &mut map);
    assert_eq!(
        map,
        HashMap::from([(TRACEPARENT.to_owned(), VALID.to_owned())])
    );
}

#[test]
fn extract_never_falls_back_to_the_current_context() {
    let _guard = local_context(TraceFlags::SAMPLED).attach();
    let cx = extract_map(&HashMap::new());
    assert!(!span_context(&cx).is_valid());
    assert_eq!(cx.baggage().len(), 0);
    assert!(matches!(
        TrustPolicy::Parent.apply(&HashMap::<String, String>::new()),
        RemoteParent::None
    ));
}

#[test]
fn header_injector_skips_invalid_names_and_values() {
    let mut headers = HeaderMap::new();
    let mut carrier = HeaderCarrierMut(&mut headers);
    carrier.set("bad name", "v".to_owned());
    carrier.set("good", "line\nbreak".to_owned());
    carrier.set("Good", "ok".to_owned());
    assert_eq!(headers.len(), 1);
    assert_eq!(headers["good"], "ok");
}

/// `OTEL_PROPAGATORS` picks what is carried: each format alone, both
/// (the default), or nothing at all, on the way out and on the way in.
#[test]
fn the_propagators_choose_what_is_carried() {
    let sent = local_context(TraceFlags::SAMPLED);
    let both = Propagators::default();
    let mut full = HashMap::new();
    inject_with(both, &sent, &mut full);
    assert!(full.contains_key(TRACEPARENT) && full.contains_key(BAGGAGE));

    for (propagators, keys) in [
        (Propagators::TRACE_CONTEXT, &[TRACEPARENT, TRACESTATE][..]),
        (Propagators::BAGGAGE, &[BAGGAGE][..]),
        (both, &[TRACEPARENT, TRACESTATE, BAGGAGE][..]),
        (Propagators::NONE, &[][..]),
    ] {
        let mut map = HashMap::new();
        inject_with(propagators, &sent, &mut map);
        let mut written: Vec<&str> = map.keys().map(String::as_str).collect();
        written.sort_unstable();
        let mut expected = keys.to_vec();
        expected.sort_unstable();
        assert_eq!(written, expected, "{propagators:?} writes");

        // Reading a carrier that holds everything takes only what is
        // carried.
        let received = extract_with(propagators, &full);
        assert_eq!(
            received.span().span_context().is_valid(),
            propagators.trace_context(),
            "{propagators:?} reads traceparent"
        );
        assert_eq!(
            received.baggage().get("tenant").is_some(),
            propagators.baggage(),
            "{propagators:?} reads baggage"
        );
    }
    assert_eq!(format!("{:?}", Propagators::NONE), "Propagators(none)");
    assert_eq!(format!("{both:?}"), "Propagators(tracecontext,baggage)");
}
