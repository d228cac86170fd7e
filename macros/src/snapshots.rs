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
    prettyplease::unparse(&file)
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
