// `return` from the middle of sync and async handlers, with and without a
// value, inside loops and closures: it leaves the handler, not the span's
// bookkeeping, so every span still ends with the right outcome.
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

struct Finder {
    items: Vec<u32>,
}

#[traced_actor]
impl Finder {
    fn find(&self, wanted: u32) -> Option<usize> {
        for (i, item) in self.items.iter().enumerate() {
            if *item == wanted {
                return Some(i);
            }
        }
        None
    }

    fn check(&self, limit: u32) -> Result<(), String> {
        let over = self.items.iter().any(|i| {
            // A `return` inside a closure leaves only the closure.
            return *i > limit;
        });
        if over {
            return Err(format!("an item is over {limit}"));
        }
        Ok(())
    }

    fn unit_early(&mut self, skip: bool) {
        if skip {
            return;
        }
        self.items.push(0);
    }

    async fn find_async(&self, wanted: u32) -> Option<usize> {
        tokio::task::yield_now().await;
        for (i, item) in self.items.iter().enumerate() {
            if *item == wanted {
                return Some(i);
            }
        }
        None
    }

    async fn check_async(&self, limit: u32) -> Result<u32, String> {
        tokio::task::yield_now().await;
        let max = match self.items.iter().max() {
            Some(max) => *max,
            None => return Ok(0),
        };
        if max > limit {
            return Err(format!("{max} is over {limit}"));
        }
        Ok(max)
    }

    async fn unit_early_async(&mut self, skip: bool) {
        if skip {
            return;
        }
        tokio::task::yield_now().await;
        self.items.push(0);
    }
}

#[traced]
fn first_even(values: &[u32]) -> Option<u32> {
    let mut iter = values.iter();
    loop {
        let value = *iter.next()?;
        if value % 2 == 0 {
            return Some(value);
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();
    let mut finder = Finder { items: vec![3, 5] };
    assert_eq!(finder.find(5), Some(1));
    assert_eq!(finder.find(9), None);
    assert!(finder.check(10).is_ok());
    assert!(finder.check(4).is_err());
    finder.unit_early(true);
    finder.unit_early(false);
    assert_eq!(finder.find_async(0).await, Some(2));
    assert_eq!(finder.check_async(1).await, Err("5 is over 1".to_owned()));
    finder.unit_early_async(true).await;
    finder.unit_early_async(false).await;
    assert_eq!(finder.items.len(), 4);
    assert_eq!(Finder { items: vec![] }.check_async(1).await, Ok(0));
    assert_eq!(first_even(&[1, 3, 4]), Some(4));
    assert_eq!(first_even(&[1]), None);

    let tree = tracing.tree();
    assert_eq!(tree.spans_named("finder.find").len(), 2);
    let checks = tree.spans_named("finder.check");
    checks[0].assert_status_unset();
    checks[1].assert_status_error("an item is over 4");
    assert_eq!(tree.spans_named("finder.unit_early").len(), 2);
    tree.span("finder.find_async").assert_status_unset();
    let async_checks = tree.spans_named("finder.check_async");
    async_checks[0].assert_status_error("5 is over 1");
    async_checks[1].assert_status_unset();
    assert_eq!(tree.spans_named("finder.unit_early_async").len(), 2);
    assert_eq!(tree.spans_named("first_even").len(), 2);
}
