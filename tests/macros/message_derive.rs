//! Behaviour of `#[derive(Message)]`: variant names and indices for every
//! variant shape, the attributes recorded from marked fields, structs, and
//! the `crate = ..` path override.

use std::borrow::Cow;
use std::fmt::Debug;

use opentelemetry::Value;
use tracewire::Message;

/// Everything `record_attributes` hands over, in order.
fn recorded<M: Message>(message: &M) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    message.record_attributes(&mut |key, value| out.push((key, value)));
    out
}

/// `variant_index` and `variant_name` agree with `VARIANTS` for `message`.
fn assert_variant<M: Message>(message: &M, index: usize, name: &str) {
    assert_eq!(message.variant_index(), index);
    assert_eq!(message.variant_name(), name);
    assert_eq!(M::VARIANTS[index], name);
}

struct UserId(u64);

impl tracewire::AttributeValue for UserId {
    fn attribute_value(&self) -> Option<Value> {
        Some(Value::String(format!("user-{}", self.0).into()))
    }
}

#[derive(Message)]
#[allow(dead_code)]
#[repr(u8)]
enum CacheCall {
    GetUser {
        #[message(attr)]
        user_id: u64,
        #[message(attr = "user.region")]
        region: String,
        /// Not marked: never recorded.
        payload: Vec<u8>,
    },
    Refresh(#[message(attr = "refresh.force")] bool, Vec<u8>),
    Ping,
    #[message(name = "stats")]
    Statistics,
    HTTPProbe(#[message(attr = "probe.owner")] UserId),
    Scores {
        #[message(attr)]
        ratio: f64,
        #[message(attr)]
        note: Option<&'static str>,
        #[message(attr)]
        initial: char,
        #[message(attr)]
        r#type: i32,
    },
    Explicit = 10,
}

#[test]
fn variants_are_snake_case_in_declaration_order() {
    assert_eq!(
        CacheCall::VARIANTS,
        &[
            "get_user",
            "refresh",
            "ping",
            "stats",
            "http_probe",
            "scores",
            "explicit"
        ]
    );
}

#[test]
fn every_variant_shape_has_its_index_and_name() {
    let get = CacheCall::GetUser {
        user_id: 7,
        region: "eu".into(),
        payload: vec![1],
    };
    assert_variant(&get, 0, "get_user");
    assert_variant(&CacheCall::Refresh(true, vec![]), 1, "refresh");
    assert_variant(&CacheCall::Ping, 2, "ping");
    assert_variant(&CacheCall::Statistics, 3, "stats");
    assert_variant(&CacheCall::HTTPProbe(UserId(1)), 4, "http_probe");
    let scores = CacheCall::Scores {
        ratio: 0.5,
        note: None,
        initial: 'x',
        r#type: -3,
    };
    assert_variant(&scores, 5, "scores");
    // An explicit discriminant does not change the position.
    assert_variant(&CacheCall::Explicit, 6, "explicit");
}

#[test]
fn marked_fields_are_recorded_with_typed_values() {
    let get = CacheCall::GetUser {
        user_id: 7,
        region: "eu".into(),
        payload: vec![1, 2, 3],
    };
    assert_eq!(
        recorded(&get),
        vec![
            ("user_id", Value::I64(7)),
            ("user.region", Value::String("eu".into())),
        ]
    );
    assert_eq!(
        recorded(&CacheCall::Refresh(true, vec![9])),
        vec![("refresh.force", Value::Bool(true))]
    );
    assert_eq!(
        recorded(&CacheCall::HTTPProbe(UserId(4))),
        vec![("probe.owner", Value::String("user-4".into()))]
    );
    let scores = CacheCall::Scores {
        ratio: 0.5,
        note: None,
        initial: 'x',
        r#type: -3,
    };
    // `None` records nothing; a raw field name is recorded without `r#`.
    assert_eq!(
        recorded(&scores),
        vec![
            ("ratio", Value::F64(0.5)),
            ("initial", Value::String("x".into())),
            ("type", Value::I64(-3)),
        ]
    );
    let noted = CacheCall::Scores {
        ratio: 1.0,
        note: Some("hi"),
        initial: 'y',
        r#type: 0,
    };
    assert!(recorded(&noted).contains(&("note", Value::String("hi".into()))));
}

#[test]
fn variants_without_marked_fields_record_nothing() {
    assert!(recorded(&CacheCall::Ping).is_empty());
    assert!(recorded(&CacheCall::Statistics).is_empty());
    assert!(recorded(&CacheCall::Explicit).is_empty());
}

/// An enum with no marked field keeps the trait's `record_attributes`.
#[derive(Message, Debug)]
#[allow(dead_code)]
enum Plain {
    Start(u64),
    Stop { reason: String },
}

#[test]
fn unmarked_enums_record_nothing() {
    assert_eq!(Plain::VARIANTS, &["start", "stop"]);
    assert_variant(&Plain::Start(1), 0, "start");
    assert!(recorded(&Plain::Start(1)).is_empty());
    assert!(
        recorded(&Plain::Stop {
            reason: "done".into()
        })
        .is_empty()
    );
}

/// Generics, lifetimes, const parameters and a where clause.
#[derive(Message)]
#[allow(dead_code)]
enum Request<'a, K, V: Debug, const N: usize>
where
    K: Clone,
{
    Get {
        #[message(attr = "key")]
        key: K,
        #[message(attr = "label")]
        label: &'a str,
    },
    Put(#[message(attr = "put.key")] K, [u8; N], V),
    #[message(name = "text")]
    Borrowed(#[message(attr = "text")] Cow<'a, str>),
}

#[test]
fn generic_enums_derive_and_record() {
    type R<'a> = Request<'a, u32, (), 2>;
    assert_eq!(R::VARIANTS, &["get", "put", "text"]);
    let get: R<'_> = Request::Get {
        key: 5,
        label: "cold",
    };
    assert_variant(&get, 0, "get");
    assert_eq!(
        recorded(&get),
        vec![
            ("key", Value::I64(5)),
            ("label", Value::String("cold".into()))
        ]
    );
    let put: R<'_> = Request::Put(1, [0, 0], ());
    assert_variant(&put, 1, "put");
    assert_eq!(recorded(&put), vec![("put.key", Value::I64(1))]);
    let text: R<'_> = Request::Borrowed(Cow::Borrowed("hello"));
    assert_variant(&text, 2, "text");
    assert_eq!(
        recorded(&text),
        vec![("text", Value::String("hello".into()))]
    );
}

/// Generated code adds no warnings of its own, even for deprecated variants.
#[derive(Message)]
enum Versioned {
    Current,
    #[deprecated = "use Current"]
    Legacy(#[message(attr = "legacy.id")] u8),
}

#[test]
fn deprecated_variants_do_not_warn_in_generated_code() {
    assert_eq!(Versioned::VARIANTS, &["current", "legacy"]);
    assert_variant(&Versioned::Current, 0, "current");
    #[allow(deprecated)]
    let legacy = Versioned::Legacy(2);
    assert_variant(&legacy, 1, "legacy");
    assert_eq!(recorded(&legacy), vec![("legacy.id", Value::I64(2))]);
}

/// A struct is one variant, named after the struct.
#[derive(Message)]
struct GetUser {
    #[message(attr)]
    user_id: u64,
    #[allow(dead_code)]
    cached: bool,
}

#[derive(Message)]
struct HTTPPing;

#[derive(Message)]
#[message(name = "tick")]
struct Timer(#[message(attr = "timer.ms")] u32, #[allow(dead_code)] u8);

#[test]
fn structs_are_one_variant() {
    assert_eq!(GetUser::VARIANTS, &["get_user"]);
    let get = GetUser {
        user_id: 3,
        cached: true,
    };
    assert_variant(&get, 0, "get_user");
    assert_eq!(recorded(&get), vec![("user_id", Value::I64(3))]);

    assert_eq!(HTTPPing::VARIANTS, &["http_ping"]);
    assert_variant(&HTTPPing, 0, "http_ping");
    assert!(recorded(&HTTPPing).is_empty());

    assert_eq!(Timer::VARIANTS, &["tick"]);
    assert_eq!(
        recorded(&Timer(250, 0)),
        vec![("timer.ms", Value::I64(250))]
    );
}

/// The `crate = ..` override: generated paths go through the alias only.
mod renamed {
    use tracewire as tw_alias;

    #[derive(tw_alias::Message)]
    #[message(crate = tw_alias)]
    #[allow(dead_code)]
    pub enum Aliased {
        One(#[message(attr = "one")] u8),
        Two,
    }

    #[derive(tw_alias::Message)]
    #[message(crate = "tw_alias")]
    pub struct AliasedStruct(#[message(attr = "n")] pub i16);
}

#[test]
fn crate_path_override() {
    use renamed::{Aliased, AliasedStruct};
    assert_eq!(Aliased::VARIANTS, &["one", "two"]);
    assert_variant(&Aliased::Two, 1, "two");
    assert_eq!(recorded(&Aliased::One(9)), vec![("one", Value::I64(9))]);
    assert_eq!(AliasedStruct::VARIANTS, &["aliased_struct"]);
    assert_eq!(recorded(&AliasedStruct(-2)), vec![("n", Value::I64(-2))]);
}

/// The derive and the trait, both through the prelude.
#[test]
fn prelude_exports_the_derive_and_the_trait() {
    use tracewire::prelude::*;

    #[derive(Message)]
    enum Local {
        #[allow(dead_code)]
        A,
        B,
    }
    fn name_of<M: Message>(m: &M) -> &'static str {
        m.variant_name()
    }
    assert_eq!(name_of(&Local::B), "b");
}
