//! The trace the renderer's and the exporter's tests draw: a channel
//! message whose handler inserts, then broadcasts, and one subscriber's push
//! fails; how it looks at 100 columns; reading names back from a drawing;
//! and a writer that captures what an exporter prints.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use opentelemetry::KeyValue;
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry_sdk::trace::SpanData;

use crate::span_forest::fixtures::{at, span};

/// A writer the tests read back: what an exporter printed.
#[derive(Clone, Default)]
pub(super) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything written so far.
    pub(super) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

pub(super) const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
const ROOT: u64 = 0x00f0_67aa_0ba9_02b7;
const INSERT: u64 = 0x1111;
const BROADCAST: u64 = 0x2222;
const PUSH: u64 = 0x3333;

/// A channel message: the handler inserts, then broadcasts; one
/// subscriber's push fails.
pub(super) fn known_trace() -> Vec<SpanData> {
    let mut root = span(
        TRACE,
        ROOT,
        0,
        "room.handle_in message:new",
        SpanKind::Server,
        (0, 120),
    );
    root.attributes = vec![
        KeyValue::new("user_id", 42),
        KeyValue::new("channel.topic", "room:lobby"),
        KeyValue::new("body", "[REDACTED]"),
        KeyValue::new("message.length", 5),
    ];

    let mut insert = span(
        TRACE,
        INSERT,
        ROOT,
        "repo.insert",
        SpanKind::Internal,
        (5, 35),
    );
    insert.attributes = vec![
        KeyValue::new("db.table", "messages"),
        KeyValue::new("db.operation", "INSERT"),
    ];

    let mut broadcast = span(
        TRACE,
        BROADCAST,
        ROOT,
        "room.broadcast",
        SpanKind::Producer,
        (40, 60),
    );
    broadcast.attributes = vec![KeyValue::new("subscribers", 3)];
    broadcast.events.events.push(Event::new(
        "pubsub.publish",
        at(41),
        vec![KeyValue::new("topic", "room:lobby")],
        0,
    ));

    let mut push = span(
        TRACE,
        PUSH,
        BROADCAST,
        "room.handle_out message:new",
        SpanKind::Consumer,
        (44, 57),
    );
    push.status = Status::error("socket closed");
    push.attributes = vec![
        KeyValue::new("error.type", "SocketClosed"),
        KeyValue::new("user_id", 7),
    ];
    push.events.events.push(Event::new(
        "exception",
        at(56),
        vec![KeyValue::new("exception.message", "socket closed")],
        0,
    ));
    push.links.links.push(Link::new(
        SpanContext::new(
            TraceId::from(0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c),
            SpanId::from(0xb7ad_6b71_6920_3331),
            TraceFlags::SAMPLED,
            true,
            TraceState::NONE,
        ),
        Vec::new(),
        0,
    ));

    // Deliberately not in tree order: render_trace must not care.
    vec![push, insert, root, broadcast]
}

pub(super) const KNOWN_AT_100: &str = "\
trace 4bf92f35… · 4 spans · 120ms
room.handle_in message:new [server]            120ms  █████████████████████████  body=\"[REDACTED]\" …
├─ repo.insert                                30.0ms   ██████▌                   db.operation=\"INSE…
└─ room.broadcast [producer]                  20.0ms          ████▌              subscribers=3
   │  · pubsub.publish +1.00ms {topic=\"room:lobby\"}
   └─ room.handle_out message:new [consumer]  13.0ms           ███               ✗ socket closed  e…
         · exception +12.0ms {exception.message=\"socket closed\"}
         ↪ linked to 0af76519…/b7ad6b71…
";

/// The first column of each span line after the header: guides and name
/// (and kind), as drawn.
pub(super) fn drawn_names(text: &str) -> Vec<&str> {
    text.lines()
        .skip(1)
        .map(|line| line.split("  ").next().unwrap().trim_end())
        .collect()
}
