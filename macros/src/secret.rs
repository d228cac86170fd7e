//! Which argument names look like secrets: such arguments are recorded as
//! the `[REDACTED]` mask unless the handler asks for them with
//! `record(arg)`, so `fn login(user: &str, password: &str)` never puts a
//! password on a span by accident.
//!
//! A name matches when one of its `_`-separated words (compared without
//! regard to case) is in [`SECRET_WORDS`], or two neighbouring words spell
//! one of [`SECRET_PAIRS`]: `password`, `user_password`, `auth_token`,
//! `session_id`, `api_key`, `db_private_key` match; `author`, `tokens`,
//! `keyboard`, `authenticated` do not. Whole words rather than substrings,
//! so that `author_id` or `max_tokens` stay recorded.

/// Words that make a name a secret's. The plural forms that name the same
/// thing are listed too; `tokens` is not (it is mostly a count).
pub const SECRET_WORDS: &[&str] = &[
    "password",
    "passwords",
    "passwd",
    "secret",
    "secrets",
    "token",
    "apikey",
    "auth",
    "authorization",
    "cookie",
    "cookies",
    "session",
    "credential",
    "credentials",
];

/// Two words that together make a name a secret's: `api_key`,
/// `private_key`.
pub const SECRET_PAIRS: &[(&str, &str)] = &[("api", "key"), ("private", "key")];

/// Whether an argument called `name` (without its `r#`) is presumed to hold
/// a secret.
pub fn looks_secret(name: &str) -> bool {
    let words: Vec<String> = name
        .split('_')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || words
            .windows(2)
            .any(|pair| SECRET_PAIRS.contains(&(pair[0].as_str(), pair[1].as_str())))
}

#[cfg(test)]
mod tests {
    use super::looks_secret;

    #[test]
    fn names_match_by_whole_words() {
        for secret in [
            "password",
            "user_password",
            "passwd",
            "client_secret",
            "token",
            "auth_token",
            "api_key",
            "apikey",
            "stripe_api_key",
            "auth",
            "authorization",
            "cookie",
            "session",
            "session_id",
            "credentials",
            "private_key",
            "Password",
            "_token",
        ] {
            assert!(looks_secret(secret), "{secret}");
        }
        for plain in [
            "user",
            "author",
            "author_id",
            "max_tokens",
            "keyboard",
            "key",
            "public_key",
            "authenticated",
            "sessions_count",
            "topic",
            "body",
        ] {
            assert!(!looks_secret(plain), "{plain}");
        }
    }
}
