// Generic impls and methods: type parameters with bounds, lifetimes, where
// clauses, const generics, and arguments of a generic type. An argument
// whose type is a bare `T` is recorded only when `T: AttributeValue` is known;
// otherwise it is left out, and the handler still compiles.
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;

use tracewire::prelude::*;
use tracewire::testing::TestTracing;

struct Cache<K, V> {
    entries: HashMap<K, V>,
}

#[traced_actor]
impl<K, V> Cache<K, V>
where
    K: Eq + Hash + Clone,
    V: Clone + Debug,
{
    fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.entries.insert(key, value)
    }

    fn get<'a>(&'a self, key: &K) -> Option<&'a V> {
        self.entries.get(key)
    }

    fn get_or<'a, 'b: 'a>(&'a self, key: &K, fallback: &'b V) -> &'a V {
        let found = self.entries.get(key);
        found.unwrap_or(fallback)
    }

    fn describe<D>(&self, label: D) -> String
    where
        D: AsRef<str>,
    {
        format!("{}: {} entries", label.as_ref(), self.entries.len())
    }

    fn recorded<T: AttributeValue + Copy>(&self, value: T) -> T {
        value
    }

    fn unrecorded<T: Clone>(&self, value: T) -> T {
        value.clone()
    }

    fn array<const N: usize>(&self, values: [u8; N]) -> usize {
        values.len()
    }

    async fn get_async<'k>(&self, key: &'k K) -> Option<V> {
        tokio::task::yield_now().await;
        self.entries.get(key).cloned()
    }

    async fn map_async<F, R>(&self, key: K, f: F) -> Option<R>
    where
        F: FnOnce(&V) -> R,
    {
        tokio::task::yield_now().await;
        self.entries.get(&key).map(f)
    }
}

struct Wrapper<'a, T: ?Sized> {
    inner: &'a T,
}

#[traced_actor]
impl<'a, T: Debug + ?Sized> Wrapper<'a, T> {
    fn inner(&self) -> &'a T {
        self.inner
    }

    fn show(&self) -> String {
        format!("{:?}", self.inner)
    }
}

#[derive(Clone, Debug, PartialEq)]
struct NotAnAttribute(u8);

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();
    let mut cache = Cache {
        entries: HashMap::new(),
    };
    assert_eq!(cache.insert("a".to_owned(), 1u32), None);
    assert_eq!(cache.get(&"a".to_owned()), Some(&1));
    assert_eq!(*cache.get_or(&"b".to_owned(), &7), 7);
    assert_eq!(cache.describe("cache"), "cache: 1 entries");
    assert_eq!(cache.recorded(5u16), 5);
    assert_eq!(cache.unrecorded(NotAnAttribute(3)), NotAnAttribute(3));
    assert_eq!(cache.array([1, 2, 3]), 3);
    assert_eq!(cache.get_async(&"a".to_owned()).await, Some(1));
    assert_eq!(cache.map_async("a".to_owned(), |v| v * 10).await, Some(10));

    let text = String::from("hello");
    let wrapper = Wrapper {
        inner: text.as_str(),
    };
    assert_eq!(wrapper.inner(), "hello");
    assert_eq!(wrapper.show(), "\"hello\"");

    let tree = tracing.tree();
    tree.span("cache.recorded").assert_attr("value", 5i64);
    tree.span("cache.unrecorded").assert_no_attr("value");
    tree.span("cache.insert")
        .assert_no_attr("key")
        .assert_no_attr("value");
    tree.span("cache.describe").assert_no_attr("label");
    for name in [
        "cache.get",
        "cache.get_or",
        "cache.array",
        "cache.get_async",
        "cache.map_async",
    ] {
        tree.span(name).assert_status_unset();
    }
    tree.span("wrapper.inner");
    tree.span("wrapper.show");
}
