//! Secrets in the configuration: passwords, keys and credentials that no `Debug`, log line,
//! error message or `etender check-config` output may show.
//!
//! A plain secret is a [`SecretString`]; its setting serialises through [`serialize_redacted`],
//! so printing the settings shows [`REDACTED`] (or `""` when the secret is unset — whether a
//! password is configured is worth knowing, its value is not). A connection URL is a
//! [`SecretUrl`]: it shows itself with the password replaced by [`REDACTED`], so operators still
//! see which server and database are meant, and it scrubs its password out of the messages a
//! failed connection produces (libpq echoes parts of the URL back in some of them).
//!
//! This module is a leaf: it depends on nothing else in the crate.

use std::fmt;
use std::ops::Range;

pub use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a secret looks like wherever it is shown.
pub const REDACTED: &str = "<redacted>";

/// Connection parameters whose value is a credential when given in a URL's query string.
const SECRET_QUERY_KEYS: [&str; 2] = ["password", "sslpassword"];

/// serde `serialize_with` for a [`SecretString`] setting: [`REDACTED`] when set, `""` when not.
pub fn serialize_redacted<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    if secret.expose_secret().is_empty() {
        s.serialize_str("")
    } else {
        s.serialize_str(REDACTED)
    }
}

/// serde `deserialize_with` for a [`SecretString`] setting: a string, taken as written.
/// Anything else is refused without being shown (serde's usual "found `1234`" would print it).
pub fn deserialize_secret<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    d.deserialize_string(SecretText).map(SecretString::from)
}

/// Accepts a string; refuses every other type without echoing the value.
struct SecretText;

impl SecretText {
    fn refuse<E: de::Error>(self) -> Result<String, E> {
        Err(E::custom(
            "must be a string in quotes (the value is a secret and is not shown)",
        ))
    }
}

impl Visitor<'_> for SecretText {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<String, E> {
        self.refuse()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<String, E> {
        self.refuse()
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<String, E> {
        self.refuse()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<String, E> {
        self.refuse()
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<String, E> {
        self.refuse()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<String, E> {
        self.refuse()
    }
}

/// A connection URL that may carry a password (`postgres://user:pass@host/db`, or
/// `?password=…` in its query). `Debug`, `Display` and `Serialize` show it redacted;
/// [`ExposeSecret::expose_secret`] gives the URL to connect with.
#[derive(Clone)]
pub struct SecretUrl {
    url: SecretString,
    shown: String,
}

impl SecretUrl {
    pub fn new(url: impl Into<String>) -> SecretUrl {
        let url: String = url.into();
        let shown = redact_url(&url);
        SecretUrl {
            url: url.into(),
            shown,
        }
    }

    /// The URL with its password replaced by [`REDACTED`].
    pub fn redacted(&self) -> &str {
        &self.shown
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    /// `text` with this URL and its password, wherever they occur, replaced by their redacted
    /// forms (see [`scrub`]).
    pub fn scrub(&self, text: &str) -> String {
        scrub(self.url.expose_secret(), text)
    }
}

impl ExposeSecret<str> for SecretUrl {
    fn expose_secret(&self) -> &str {
        self.url.expose_secret()
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.shown, f)
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl From<String> for SecretUrl {
    fn from(url: String) -> SecretUrl {
        SecretUrl::new(url)
    }
}

impl From<&str> for SecretUrl {
    fn from(url: &str) -> SecretUrl {
        SecretUrl::new(url)
    }
}

impl Serialize for SecretUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.shown)
    }
}

impl<'de> Deserialize<'de> for SecretUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SecretUrl, D::Error> {
        d.deserialize_string(SecretText).map(SecretUrl::new)
    }
}

/// Where the credentials sit in `url`, read the way libpq reads a connection URI: the
/// password is what follows the first `:` of the user part, which ends at the first `@` met
/// before any `/`; and the values of `password` / `sslpassword` in the query string.
fn secret_spans(url: &str) -> Vec<Range<usize>> {
    let Some(scheme_end) = url.find("://") else {
        return Vec::new();
    };
    let start = scheme_end + 3;
    let mut spans = Vec::new();
    let mut after_userinfo = start;
    let rest = &url[start..];
    if let Some(end) = rest.find(['@', '/']) {
        if rest.as_bytes()[end] == b'@' {
            if let Some(colon) = rest[..end].find(':') {
                spans.push(start + colon + 1..start + end);
            }
            after_userinfo = start + end + 1;
        }
    }
    if let Some(q) = url[after_userinfo..].find('?') {
        let mut at = after_userinfo + q + 1;
        for param in url[at..].split('&') {
            if let Some((key, _)) = param.split_once('=') {
                if SECRET_QUERY_KEYS.contains(&decode(key).as_str()) {
                    spans.push(at + key.len() + 1..at + param.len());
                }
            }
            at += param.len() + 1;
        }
    }
    spans.retain(|r| !r.is_empty());
    spans
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// `url` with every password in it replaced by [`REDACTED`]; a URL without one is unchanged.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    for span in secret_spans(url).into_iter().rev() {
        out.replace_range(span, REDACTED);
    }
    out
}

/// `text` (typically an error from a connection attempt with `url`) with `url` replaced by its
/// redacted form and every remaining occurrence of one of its passwords — as written in the
/// URL or percent-decoded — replaced by [`REDACTED`].
pub fn scrub(url: &str, text: &str) -> String {
    let spans = secret_spans(url);
    if spans.is_empty() {
        return text.to_string();
    }
    let mut out = text.replace(url, &redact_url(url));
    for span in spans {
        let raw = &url[span];
        for secret in [raw.to_string(), decode(raw)] {
            if !secret.is_empty() {
                out = out.replace(&secret, REDACTED);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_the_user_part_and_the_query_are_redacted() {
        for (url, shown) in [
            ("postgres://u:secret@h/d", "postgres://u:<redacted>@h/d"),
            (
                "postgresql://u:p%40ss@h1:5432,h2:5433/d?sslmode=require",
                "postgresql://u:<redacted>@h1:5432,h2:5433/d?sslmode=require",
            ),
            (
                "postgres://h/d?user=u&password=secret&sslpassword=k",
                "postgres://h/d?user=u&password=<redacted>&sslpassword=<redacted>",
            ),
            (
                "postgres://h/d?pass%77ord=secret",
                "postgres://h/d?pass%77ord=<redacted>",
            ),
            // An '@' in the query is not the end of a user part.
            (
                "postgres://u@h/d?application_name=a@b",
                "postgres://u@h/d?application_name=a@b",
            ),
            ("postgres://u@h/d", "postgres://u@h/d"),
            ("postgres://u:@h/d", "postgres://u:@h/d"),
            ("sqlite://data/etender.db", "sqlite://data/etender.db"),
            ("", ""),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
            let s = SecretUrl::new(url);
            assert_eq!(format!("{s}"), shown);
            assert_eq!(format!("{s:?}"), format!("{shown:?}"));
            assert_eq!(s.expose_secret(), url);
        }
    }

    #[test]
    fn scrub_removes_the_password_as_written_and_decoded() {
        let url = "postgres://u:s%3Ecret%zz@h/d";
        let msg = format!(
            "cannot connect to {url}: invalid percent-encoded token: \"s%3Ecret%zz\" (s>cret%zz)"
        );
        let out = scrub(url, &msg);
        assert!(!out.contains("s%3Ecret"), "{out}");
        assert!(!out.contains("s>cret"), "{out}");
        assert!(out.contains("postgres://u:<redacted>@h/d"), "{out}");
        // No password, nothing to hide.
        assert_eq!(scrub("postgres://u@h/d", "x u h d"), "x u h d");
    }

    #[test]
    fn secret_settings_serialise_as_a_placeholder() {
        #[derive(Serialize)]
        struct S {
            #[serde(serialize_with = "serialize_redacted")]
            set: SecretString,
            #[serde(serialize_with = "serialize_redacted")]
            unset: SecretString,
            url: SecretUrl,
        }
        let s = S {
            set: "hunter2".into(),
            unset: "".into(),
            url: "postgres://u:hunter3@h/d".into(),
        };
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(
            text,
            r#"{"set":"<redacted>","unset":"","url":"postgres://u:<redacted>@h/d"}"#
        );
        let debug = format!("{:?} {:?}", s.set, s.url);
        assert!(!debug.contains("hunter"), "{debug}");
    }
}
