// Every `#[span(..)]` option, alone and combined: `name`, `kind` (as an
// identifier and as a string), `fields` with plain, dotted and string keys
// and `%` / `?` values, `skip`, `skip_all` and `redact`; and the same options
// on `#[traced(..)]`.
use std::fmt;

use opentelemetry::trace::SpanKind;
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

struct Region(&'static str);

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "region-{}", self.0)
    }
}

#[derive(Debug)]
#[allow(dead_code)]
struct Plan {
    tier: u8,
}

struct Account {
    id: u64,
    region: Region,
    plan: Plan,
}

#[traced_actor]
impl Account {
    #[span(name = "account.lookup")]
    fn named(&self) {}

    #[span(kind = client)]
    fn kind_client(&self) {}

    #[span(kind = "producer")]
    fn kind_string(&self) {}

    #[span(kind = server)]
    fn kind_server(&self) {}

    #[span(kind = consumer)]
    fn kind_consumer(&self) {}

    #[span(kind = internal)]
    fn handle_call(&self) {}

    #[span(fields(
        account_id = self.id,
        account.region = %self.region,
        account.plan = ?self.plan,
        "quoted.key" = 1.5,
        r#type = "premium",
        computed = self.id * 2,
        optional = Some(true),
        absent = None::<u8>,
    ))]
    fn fields(&self) {}

    #[span(skip(password))]
    fn skip_one(&self, user: String, password: String) {
        let _ = (user, password);
    }

    #[span(skip(a, b,))]
    fn skip_many(&self, a: u8, b: u8, c: u8) {
        let _ = (a, b, c);
    }

    #[span(skip_all)]
    fn skip_all(&self, user: String, password: String) {
        let _ = (user, password);
    }

    #[span(redact(token))]
    fn redact(&self, user: String, token: String) {
        let _ = (user, token);
    }

    #[span(skip_all, redact(token))]
    fn skip_all_but_redact(&self, user: String, token: String) {
        let _ = (user, token);
    }

    #[span(skip(user), fields(user = user.len()))]
    fn field_replaces_skipped_argument(&self, user: String) {
        let _ = user;
    }

    #[span(skip_all, fields(user = user.len()))]
    fn field_with_skip_all(&self, user: String) {
        let _ = user;
    }

    #[span(
        name = "account.everything",
        kind = server,
        fields(account.id = self.id, tier = ?self.plan.tier),
        skip(secret_hint),
        redact(secret),
    )]
    async fn everything(&self, user: u64, secret: String, secret_hint: String) -> u64 {
        tokio::task::yield_now().await;
        let _ = (secret, secret_hint);
        user
    }
}

#[traced(name = "login", kind = client, fields(attempt = 1), skip(user), redact(password))]
fn traced_login(user: String, password: String, remember: bool) {
    let _ = (user, password, remember);
}

#[traced(skip_all)]
fn traced_skip_all(user: String) {
    let _ = user;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();
    let account = Account {
        id: 21,
        region: Region("eu"),
        plan: Plan { tier: 2 },
    };
    account.named();
    account.kind_client();
    account.kind_string();
    account.kind_server();
    account.kind_consumer();
    account.handle_call();
    account.fields();
    account.skip_one("ann".into(), "hunter2".into());
    account.skip_many(1, 2, 3);
    account.skip_all("ann".into(), "hunter2".into());
    account.redact("ann".into(), "t0k3n".into());
    account.skip_all_but_redact("ann".into(), "t0k3n".into());
    account.field_replaces_skipped_argument("ann".into());
    account.field_with_skip_all("ann".into());
    assert_eq!(account.everything(5, "s".into(), "h".into()).await, 5);
    traced_login("ann".into(), "hunter2".into(), true);
    traced_skip_all("ann".into());

    let redacted = tracewire::semconv::REDACTED;
    let tree = tracing.tree();
    tree.span("account.lookup").assert_kind(SpanKind::Internal);
    tree.span("account.kind_client")
        .assert_kind(SpanKind::Client);
    tree.span("account.kind_string")
        .assert_kind(SpanKind::Producer);
    tree.span("account.kind_server")
        .assert_kind(SpanKind::Server);
    tree.span("account.kind_consumer")
        .assert_kind(SpanKind::Consumer);
    // `kind` overrides the role's default (SERVER for handle_call).
    tree.span("account.handle_call")
        .assert_kind(SpanKind::Internal);
    tree.span("account.fields")
        .assert_attr("account_id", 21i64)
        .assert_attr("account.region", "region-eu")
        .assert_attr("account.plan", "Plan { tier: 2 }")
        .assert_attr("quoted.key", 1.5)
        .assert_attr("type", "premium")
        .assert_attr("computed", 42i64)
        .assert_attr("optional", true)
        .assert_no_attr("absent");
    tree.span("account.skip_one")
        .assert_attr("user", "ann")
        .assert_no_attr("password");
    tree.span("account.skip_many")
        .assert_no_attr("a")
        .assert_no_attr("b")
        .assert_attr("c", 3i64);
    tree.span("account.skip_all")
        .assert_no_attr("user")
        .assert_no_attr("password");
    tree.span("account.redact")
        .assert_attr("user", "ann")
        .assert_attr("token", redacted);
    tree.span("account.skip_all_but_redact")
        .assert_no_attr("user")
        .assert_attr("token", redacted);
    tree.span("account.field_replaces_skipped_argument")
        .assert_attr("user", 3i64);
    tree.span("account.field_with_skip_all")
        .assert_attr("user", 3i64);
    tree.span("account.everything")
        .assert_kind(SpanKind::Server)
        .assert_attr("user", 5i64)
        .assert_attr("secret", redacted)
        .assert_no_attr("secret_hint")
        .assert_attr("account.id", 21i64)
        .assert_attr("tier", "2");
    tree.span("login")
        .assert_kind(SpanKind::Client)
        .assert_attr("attempt", 1i64)
        .assert_no_attr("user")
        .assert_attr("password", redacted)
        .assert_attr("remember", true);
    tree.span("traced_skip_all").assert_no_attr("user");
}
