//! Expansion snapshots: `tests/expand/*.rs` are expanded through the real
//! pipeline and compared with the checked-in `*.expanded.rs` beside them, so
//! a reviewer sees exactly what the macros write. After an intended change,
//! regenerate them with `TRACEWIRE_BLESS=1 cargo test -p tracewire-macros`.

use std::fs;
use std::path::{Path, PathBuf};

use quote::ToTokens;
use syn::{Item, Meta};

use crate::ast::ContainerKind;

fn expand_file(source: &str) -> String {
    let mut file_template = syn::parse_file(source).expect("snapshot inputs are valid Rust");
    let mut items = Vec::new();
    for item in std::mem::take(&mut file_template.items) {
        let Item::Impl(mut imp) = item else {
            items.push(item);
            continue;
        };
        let Some(pos) = imp
            .attrs
            .iter()
            .position(|a| a.path().is_ident("traced_actor") || a.path().is_ident("traced_channel"))
        else {
            items.push(Item::Impl(imp));
            continue;
        };
        let attr = imp.attrs.remove(pos);
        let kind = if attr.path().is_ident("traced_actor") {
            ContainerKind::Actor
        } else {
            ContainerKind::Channel
        };
        let args = match attr.meta {
            Meta::List(list) => list.tokens,
            _ => Default::default(),
        };
        let expanded = crate::traced_impl(kind, args, imp.into_token_stream());
        let expanded: syn::File = syn::parse2(expanded).expect("the expansion is valid Rust");
        items.extend(expanded.items);
    }
    let mut file = file_template.clone();
    file.items = items;
    let bodies: Vec<String> = file.items.iter().filter_map(channel_impl_body).collect();
    format_channel_impls(prettyplease::unparse(&file), &bodies)
}

/// The items inside a `__private::channel_impl! { .. }`, formatted.
/// prettyplease leaves macro input as a run of tokens; the snapshot shows
/// the impl the runtime's macro passes on, laid out like the rest.
fn channel_impl_body(item: &Item) -> Option<String> {
    let Item::Macro(m) = item else { return None };
    let is_channel_impl = m
        .mac
        .path
        .segments
        .last()
        .is_some_and(|s| s.ident == "channel_impl");
    if !is_channel_impl {
        return None;
    }
    let inner: syn::File = syn::parse2(m.mac.tokens.clone()).expect("channel_impl! holds items");
    Some(prettyplease::unparse(&inner))
}

/// Replaces the body of each top-level `channel_impl! {` .. `}` in
/// `text`, in order, with `bodies`, indented one level.
fn format_channel_impls(text: String, bodies: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut bodies = bodies.iter();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let opens_channel_impl = line.ends_with("channel_impl! {") && !line.starts_with(' ');
        if !opens_channel_impl {
            continue;
        }
        for skipped in lines.by_ref() {
            if skipped == "}" {
                break;
            }
        }
        for body_line in bodies
            .next()
            .map(String::as_str)
            .unwrap_or_default()
            .lines()
        {
            if !body_line.is_empty() {
                out.push_str("    ");
                out.push_str(body_line);
            }
            out.push('\n');
        }
        out.push_str("}\n");
    }
    out
}

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/expand");
    let mut inputs: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/expand exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "rs")
                && !p.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn expansions_match_checked_in_snapshots() {
    let bless = std::env::var_os("TRACEWIRE_BLESS").is_some();
    let inputs = inputs();
    assert!(inputs.len() >= 2, "expected the actor and channel inputs");
    for input in inputs {
        let source = fs::read_to_string(&input).expect("readable input");
        let actual = expand_file(&source);
        let snapshot = input.with_extension("expanded.rs");
        if bless {
            fs::write(&snapshot, &actual).expect("writable snapshot");
            continue;
        }
        let expected = fs::read_to_string(&snapshot).unwrap_or_default();
        assert!(
            expected == actual,
            "{} changed; if intended, run TRACEWIRE_BLESS=1 cargo test -p tracewire-macros\n\n{actual}",
            snapshot.display()
        );
    }
}
