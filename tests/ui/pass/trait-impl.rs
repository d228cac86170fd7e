// `#[traced_actor]` on impls of a trait: a plain trait, a generic trait, a
// trait whose default methods the impl does not override, and an impl for a
// reference type.
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

trait Store {
    fn put(&mut self, key: u32, value: String);
    fn get(&self, key: u32) -> Option<&String>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

trait Convert<T> {
    fn convert(&self, input: T) -> T;
}

#[derive(Default)]
struct MemoryStore {
    entries: Vec<(u32, String)>,
}

#[traced_actor]
impl Store for MemoryStore {
    fn put(&mut self, key: u32, value: String) {
        self.entries.retain(|(k, _)| *k != key);
        self.entries.push((key, value));
    }

    fn get(&self, key: u32) -> Option<&String> {
        let found = self.entries.iter().find(|(k, _)| *k == key);
        found.map(|(_, v)| v)
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[traced_actor(name = "doubler")]
impl Convert<u64> for MemoryStore {
    fn convert(&self, input: u64) -> u64 {
        input * 2
    }
}

#[traced_actor]
impl<'a> Convert<&'a str> for MemoryStore {
    fn convert(&self, input: &'a str) -> &'a str {
        input.trim()
    }
}

// A Self type behind a reference is named after the type it points to.
#[traced_actor]
impl Convert<u8> for &MemoryStore {
    fn convert(&self, input: u8) -> u8 {
        input + 1
    }
}

fn main() {
    let tracing = TestTracing::install();
    let mut store = MemoryStore::default();
    assert!(store.is_empty());
    store.put(1, "one".into());
    assert_eq!(store.get(1).map(String::as_str), Some("one"));
    assert_eq!(Convert::<u64>::convert(&store, 21), 42);
    assert_eq!(Convert::<&str>::convert(&store, "  x "), "x");
    assert_eq!(Convert::<u8>::convert(&&store, 1), 2);

    let tree = tracing.tree();
    // `is_empty` is the trait's default method: not part of the impl, not traced.
    assert!(tree.spans_named("memory_store.is_empty").is_empty());
    assert_eq!(tree.spans_named("memory_store.len").len(), 1);
    tree.span("memory_store.put")
        .assert_attr("key", 1i64)
        .assert_attr("value", "one");
    tree.span("memory_store.get").assert_attr("key", 1i64);
    tree.span("doubler.convert").assert_attr("input", 21i64);
    let converts = tree.spans_named("memory_store.convert");
    assert_eq!(converts.len(), 2);
    converts[0].assert_attr("input", "  x ");
    converts[1].assert_attr("input", 1i64);
}
