//! `tracewire::init()` without an endpoint prints trace trees to stderr,
//! and the sampler and switches from the environment take effect. Tests that
//! need the real process environment and stderr run as child processes.

use std::io::Write;
use std::sync::{Arc, Mutex};

use opentelemetry_sdk::trace::Sampler;
use tracewire::Telemetry;
use tracewire::export::terminal::{RenderOptions, TerminalExporter};
use tracewire::prelude::*;

use crate::export_support::inventory::reserve;
use crate::export_support::{run_child, serial};

#[test]
fn without_an_endpoint_init_prints_trace_trees_to_stderr() {
    let stderr = run_child("init-from-env", &[("COLUMNS", "200"), ("NO_COLOR", "1")]);
    let lines: Vec<&str> = stderr.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("trace ") && l.contains("· 2 spans ·"))
        .unwrap_or_else(|| panic!("no trace header in stderr:\n{stderr}"));
    let root = lines[header + 1];
    assert!(root.starts_with("inventory.reserve "), "{stderr}");
    assert!(root.contains("✗ out of stock"), "{stderr}");
    assert!(root.contains("quantity=7"), "{stderr}");
    assert!(root.contains("sku=\"sku-1\""), "{stderr}");
    let child = lines[header + 2..]
        .iter()
        .find(|l| l.starts_with("└─ inventory.check "))
        .unwrap_or_else(|| panic!("no child line under the root:\n{stderr}"));
    assert!(child.contains("✗ out of stock"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "NO_COLOR is honoured:\n{stderr}"
    );
}

#[test]
fn piped_stderr_gets_no_colour_codes() {
    // No NO_COLOR here: the child's stderr is a pipe, not a terminal, and
    // that alone turns colour off.
    let stderr = run_child("init-from-env", &[("COLUMNS", "120")]);
    assert!(stderr.contains("inventory.reserve"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no escape codes when stderr is not a terminal:\n{stderr}"
    );
    assert!(
        stderr.lines().all(|l| l.chars().count() <= 120),
        "lines fit COLUMNS:\n{stderr}"
    );
}

#[test]
fn a_bad_variable_is_an_error_not_a_panic() {
    let stderr = run_child("bad-variable", &[("OTEL_TRACES_SAMPLER", "sometimes")]);
    assert!(
        stderr.contains(
            "init failed: invalid OTEL_TRACES_SAMPLER=\"sometimes\": expected one of always_on, \
             always_off, traceidratio, parentbased_always_on, parentbased_always_off, \
             parentbased_traceidratio"
        ),
        "{stderr}"
    );
}

#[test]
fn otel_sdk_disabled_installs_nothing() {
    let stderr = run_child("sdk-disabled", &[("OTEL_SDK_DISABLED", "true")]);
    assert!(
        !stderr.contains("inventory"),
        "nothing was printed:\n{stderr}"
    );
}

/// A terminal writer the test can read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    fn traces(&self) -> usize {
        self.text()
            .lines()
            .filter(|l| l.starts_with("trace "))
            .count()
    }
}

/// Installs with `vars` as the whole environment, printing to a buffer.
fn install(
    vars: &[(&str, &str)],
    code_sampler: Option<Sampler>,
) -> (tracewire::TelemetryGuard, Captured) {
    let captured = Captured::default();
    // Every trace printed as a tree, however many a second: these tests
    // count them.
    let mut builder = Telemetry::builder()
        .env_vars(vars.iter().copied())
        .terminal_exporter(
            TerminalExporter::with_writer(captured.clone(), RenderOptions::plain(100))
                .max_traces_per_second(0),
        );
    if let Some(sampler) = code_sampler {
        builder = builder.sampler(sampler);
    }
    (builder.install().expect("install"), captured)
}

#[test]
fn the_sampler_comes_from_the_environment_unless_set_in_code() {
    let _serial = serial();
    // (environment, sampler set in code, traces printed out of 5)
    type Case = (
        &'static [(&'static str, &'static str)],
        Option<Sampler>,
        usize,
    );
    let cases: &[Case] = &[
        (&[("OTEL_TRACES_SAMPLER", "always_off")], None, 0),
        (
            &[("OTEL_TRACES_SAMPLER", "parentbased_always_off")],
            None,
            0,
        ),
        (
            &[
                ("OTEL_TRACES_SAMPLER", "traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", "0"),
            ],
            None,
            0,
        ),
        (&[("OTEL_TRACES_SAMPLER", "always_on")], None, 5),
        (&[], None, 5),
        // Code wins over the environment.
        (
            &[("OTEL_TRACES_SAMPLER", "always_on")],
            Some(Sampler::AlwaysOff),
            0,
        ),
        (
            &[("OTEL_TRACES_SAMPLER", "always_off")],
            Some(Sampler::AlwaysOn),
            5,
        ),
    ];
    for (vars, sampler, traces) in cases {
        let (mut guard, captured) = install(vars, sampler.clone());
        for _ in 0..5 {
            reserve(1);
        }
        guard.shutdown().unwrap();
        assert_eq!(
            captured.traces(),
            *traces,
            "{vars:?} {sampler:?}:\n{}",
            captured.text()
        );
    }
}

#[traced(name = "rare", sample = 0.5)]
fn rare() {}

#[test]
fn per_handler_rates_apply_under_init() {
    let _serial = serial();
    // The installed sampler is wrapped in HandlerSampler, so `sample = 0.5`
    // keeps about half of the roots.
    let (mut guard, captured) = install(&[], None);
    for _ in 0..2_000 {
        rare();
    }
    guard.shutdown().unwrap();
    let kept = captured.traces() as f64;
    let sigma = (2_000.0_f64 * 0.25).sqrt();
    assert!((kept - 1_000.0).abs() <= 5.0 * sigma, "{kept} of 2000 kept");
}

#[test]
fn the_terminal_can_be_switched_off() {
    let _serial = serial();
    let off_in_env = Telemetry::builder().env_vars([("TRACEWIRE_TERMINAL", "off")]);
    let off_in_code = Telemetry::builder()
        .env_vars([("TRACEWIRE_TERMINAL", "on")])
        .terminal(false);
    for builder in [off_in_env, off_in_code] {
        let captured = Captured::default();
        let mut guard = builder
            .terminal_exporter(TerminalExporter::with_writer(
                captured.clone(),
                RenderOptions::plain(100),
            ))
            .install()
            .unwrap();
        reserve(1);
        guard.shutdown().unwrap();
        assert_eq!(captured.text(), "");
    }
}
