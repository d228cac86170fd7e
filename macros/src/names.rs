//! The text the macros make from Rust names: an ident as users see it
//! (without its `r#`), the snake_case of a type name (span names and
//! message names), and a channel's name from its type or its topic.

use syn::Ident;

/// An ident's text without its `r#`: the name users see in spans.
pub trait UnrawString {
    fn unraw_string(&self) -> String;
}

impl UnrawString for Ident {
    fn unraw_string(&self) -> String {
        let s = self.to_string();
        s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
    }
}

/// `user_cache` from `UserCache`, `http_server` from `HTTPServer`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p));
            let next = chars.get(i + 1);
            let boundary = match prev {
                None => false,
                Some(p) if *p == '_' => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) => p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()),
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `room` from `room:*` or `room:lobby`.
pub fn topic_prefix(topic: &str) -> Option<String> {
    let prefix = topic
        .split(':')
        .next()
        .unwrap_or(topic)
        .trim_end_matches('*');
    (!prefix.is_empty()).then(|| prefix.to_owned())
}

/// `room` from `room_channel`: the suffix only repeats what the span kind says.
pub fn channel_name(snake: &str) -> String {
    match snake.strip_suffix("_channel") {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => snake.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_acronyms_and_digits() {
        assert_eq!(snake_case("UserCache"), "user_cache");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("Room2Channel"), "room2_channel");
        assert_eq!(snake_case("already_snake"), "already_snake");
        assert_eq!(snake_case("X"), "x");
    }

    #[test]
    fn channel_names_drop_suffix_and_topic_wildcards() {
        assert_eq!(channel_name("room_channel"), "room");
        assert_eq!(channel_name("_channel"), "_channel");
        assert_eq!(topic_prefix("room:*").as_deref(), Some("room"));
        assert_eq!(topic_prefix("*"), None);
    }
}
