// Handlers returning `Result`: `?` with `From` conversion inside sync and
// async handlers, `std::io::Result`, `Box<dyn Error>`, a `Result` alias, and
// `Err` mapped to the span's error status.
use std::error::Error;
use std::fmt;
use std::num::ParseIntError;

use tracewire::prelude::*;
use tracewire::testing::TestTracing;

#[derive(Debug)]
enum AppError {
    Parse(ParseIntError),
    Negative(i64),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Parse(e) => write!(f, "parse: {e}"),
            AppError::Negative(n) => write!(f, "negative: {n}"),
        }
    }
}

impl From<ParseIntError> for AppError {
    fn from(e: ParseIntError) -> Self {
        AppError::Parse(e)
    }
}

type AppResult<T> = Result<T, AppError>;

struct Parser;

#[traced_actor]
impl Parser {
    fn parse_sync(&self, input: &str) -> Result<u32, AppError> {
        let n: i64 = input.parse()?;
        if n < 0 {
            return Err(AppError::Negative(n));
        }
        Ok(n as u32)
    }

    async fn parse_async(&self, input: String) -> AppResult<u32> {
        tokio::task::yield_now().await;
        let n: i64 = input.parse()?;
        let n = u32::try_from(n).map_err(|_| AppError::Negative(n))?;
        Ok(n)
    }

    async fn boxed_error(&self, input: &str) -> Result<u8, Box<dyn Error + Send + Sync>> {
        tokio::task::yield_now().await;
        let n: u8 = input.parse()?;
        Ok(n)
    }

    fn io(&self, fail: bool) -> std::io::Result<()> {
        if fail {
            Err(std::io::Error::other("disk full"))?;
        }
        Ok(())
    }

    async fn unit_error(&self) -> Result<(), String> {
        let fallible: Result<(), String> = Err("boom".into());
        fallible?;
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();
    let parser = Parser;
    assert_eq!(parser.parse_sync("7").ok(), Some(7));
    assert!(matches!(parser.parse_sync("x"), Err(AppError::Parse(_))));
    assert!(matches!(
        parser.parse_sync("-1"),
        Err(AppError::Negative(-1))
    ));
    assert_eq!(parser.parse_async("8".into()).await.ok(), Some(8));
    assert!(parser.parse_async("-2".into()).await.is_err());
    assert_eq!(parser.boxed_error("9").await.ok(), Some(9));
    assert!(parser.boxed_error("300").await.is_err());
    assert!(parser.io(false).is_ok());
    assert!(parser.io(true).is_err());
    assert_eq!(parser.unit_error().await, Err("boom".to_owned()));

    let tree = tracing.tree();
    let sync = tree.spans_named("parser.parse_sync");
    sync[0].assert_status_unset();
    sync[1].assert_status_error("parse: invalid digit found in string");
    sync[2].assert_status_error("negative: -1");
    let asynchronous = tree.spans_named("parser.parse_async");
    asynchronous[0].assert_status_unset();
    asynchronous[1].assert_status_error("negative: -2");
    let boxed = tree.spans_named("parser.boxed_error");
    boxed[0].assert_status_unset();
    boxed[1].assert_status_error("number too large to fit in target type");
    let io = tree.spans_named("parser.io");
    io[0].assert_status_unset();
    io[1].assert_status_error("disk full");
    tree.span("parser.unit_error").assert_status_error("boom");
}
