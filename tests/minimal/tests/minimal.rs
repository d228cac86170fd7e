//! The macros and the core runtime with every tracewire feature off: spans
//! are produced through a provider the program installs itself, and the
//! items of a feature that is off are compile errors that name it.

#![deny(warnings, clippy::all)]

use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracewire_minimal_test::{CacheCall, UserCache, render};

fn by_name<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no span {name} in {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

#[tokio::test]
async fn handler_spans_without_any_feature() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    tracewire::export::set_tracer_provider(provider.clone());

    let mut cache = UserCache::new();
    cache.insert(7, "ada");
    assert_eq!(cache.get_user(7).await.unwrap(), "ada");
    assert!(cache.get_user(9).await.is_err());
    assert_eq!(cache.handle_call(CacheCall::Get { user_id: 7 }), 1);
    assert_eq!(cache.handle_call(CacheCall::Count), 1);
    assert_eq!(render(3), "3 rows");
    let handle = tracewire::spawn(async { opentelemetry::Context::current().has_active_span() });
    assert!(!handle.await.unwrap());
    provider.force_flush().unwrap();

    let spans = exporter.get_finished_spans().unwrap();
    let insert = by_name(&spans, "user_cache.insert");
    assert_eq!(insert.span_kind, SpanKind::Internal);
    assert!(
        insert
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "user_id")
    );
    assert!(
        insert
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "cache_size")
    );
    let failed = spans
        .iter()
        .filter(|s| s.name == "user_cache.get_user")
        .find(|s| matches!(s.status, Status::Error { .. }))
        .expect("the failed look-up's span");
    assert!(
        failed
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "error.type")
    );
    let get = by_name(&spans, "user_cache.handle_call get");
    assert_eq!(get.span_kind, SpanKind::Server);
    assert!(get.attributes.iter().any(|kv| kv.key.as_str() == "user_id"));
    by_name(&spans, "user_cache.handle_call count");
    by_name(&spans, "report.render");
    tracewire::export::clear_tracer_provider();
}

/// `init()` without `terminal` or `otlp` has nowhere to send spans: an
/// error that names the features, not a silent no-op.
#[test]
fn init_without_an_exporter_feature_names_the_features() {
    let error = tracewire::Telemetry::builder()
        .env_vars([("OTEL_SERVICE_NAME", "minimal")])
        .install()
        .expect_err("no exporter is compiled in");
    let message = error.to_string();
    assert!(message.contains("`terminal`"), "{message}");
}

#[test]
fn items_of_features_that_are_off_name_the_feature() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
