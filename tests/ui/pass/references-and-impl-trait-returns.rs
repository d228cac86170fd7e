// Sync handlers that return borrowed data (`&str`, `Option<&T>`, `&mut T`,
// a slice with an explicit lifetime) or an `impl Trait` (`impl Iterator`,
// `impl Fn`, `impl Display`, `Result<impl Iterator, E>` with `?`), where the
// generated code cannot name the type; and async handlers returning either.
use std::fmt::Display;

use tracewire::prelude::*;
use tracewire::testing::TestTracing;

struct User {
    name: String,
    tags: Vec<u8>,
}

#[traced_actor]
impl User {
    fn name(&self) -> &str {
        &self.name
    }

    fn first_tag(&self) -> Option<&u8> {
        self.tags.first()
    }

    fn name_mut(&mut self) -> &mut String {
        &mut self.name
    }

    fn tags<'a>(&'a self) -> &'a [u8] {
        self.tags.as_slice()
    }

    fn static_str(&self) -> &'static str {
        "static"
    }

    fn tag_iter(&self) -> impl Iterator<Item = u8> + '_ {
        self.tags.iter().copied()
    }

    fn owned_iter(&self) -> impl Iterator<Item = u8> {
        let tags = self.tags.clone();
        tags.into_iter()
    }

    fn adder(&self, n: u8) -> impl Fn(u8) -> u8 {
        move |x| x + n
    }

    fn display(&self) -> impl Display + '_ {
        &self.name
    }

    fn boxed_iter(&self) -> Box<dyn Iterator<Item = u8> + '_> {
        Box::new(self.tags.iter().copied())
    }

    fn tag_iter_result(&self) -> Result<impl Iterator<Item = u8> + '_, String> {
        let first = *self.tags.first().ok_or("no tags")?;
        Ok(self.tags.iter().map(move |t| t + first))
    }

    async fn tag_iter_async(&self) -> Result<impl Iterator<Item = u8> + '_, String> {
        tokio::task::yield_now().await;
        let first = *self.tags.first().ok_or("no tags")?;
        Ok(self.tags.iter().map(move |t| t * first))
    }

    async fn name_async(&self) -> &str {
        tokio::task::yield_now().await;
        &self.name
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();
    let mut user = User {
        name: "ann".into(),
        tags: vec![1, 2],
    };
    assert_eq!(user.name(), "ann");
    assert_eq!(user.first_tag(), Some(&1));
    user.name_mut().push('e');
    assert_eq!(user.tags(), &[1, 2]);
    assert_eq!(user.static_str(), "static");
    assert_eq!(user.tag_iter().sum::<u8>(), 3);
    assert_eq!(user.owned_iter().count(), 2);
    assert_eq!(user.adder(2)(3), 5);
    assert_eq!(user.display().to_string(), "anne");
    assert_eq!(user.boxed_iter().count(), 2);
    assert_eq!(user.tag_iter_result().map(Iterator::sum::<u8>), Ok(5));
    assert_eq!(user.tag_iter_async().await.map(Iterator::sum::<u8>), Ok(3));
    assert_eq!(user.name_async().await, "anne");

    let tree = tracing.tree();
    for name in [
        "user.name",
        "user.first_tag",
        "user.name_mut",
        "user.tags",
        "user.static_str",
        "user.tag_iter",
        "user.owned_iter",
        "user.adder",
        "user.display",
        "user.boxed_iter",
        "user.tag_iter_result",
        "user.tag_iter_async",
        "user.name_async",
    ] {
        tree.span(name).assert_status_unset();
    }
}
