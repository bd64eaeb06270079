//! Keyset pagination, written once for every list: the request (cursor and limit) becomes a
//! [`Keyset`] that the list's one query takes (`db::repo::keyset` asks for one row more than
//! the page), and [`cut`] turns the rows into the page and the cursor of the next one. A
//! cursor is the last row's key: lists never skip or repeat a row whatever commits between
//! two pages, and no page costs more than its own rows.

use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::Page;

pub use crate::db::repo::Keyset;

/// A list's page sizes: `limit` defaults to `default` and is clamped to `1..=max`.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub default: i64,
    pub max: i64,
}

/// The page sizes of the `Page` lists and feeds (docs/API.md: `limit=<1..200>`, default 50).
pub const LISTS: Limits = Limits {
    default: 50,
    max: 200,
};

/// A key that travels as an opaque `after=` string.
pub trait Cursor: Sized + Clone {
    fn decode(text: &str) -> Option<Self>;
    fn encode(&self) -> String;
}

/// Positions in commit-ordered feeds (`public_seq`, `seq`, log indices).
impl Cursor for i64 {
    fn decode(text: &str) -> Option<i64> {
        text.parse().ok()
    }

    fn encode(&self) -> String {
        self.to_string()
    }
}

/// Row ids (UUIDv7 text, so id order is roughly creation order).
impl Cursor for String {
    fn decode(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    fn encode(&self) -> String {
        self.clone()
    }
}

/// A page request with an already typed cursor (`None`: from the start).
pub fn keyset<K>(after: Option<K>, limit: Option<i64>, limits: Limits) -> Keyset<K> {
    Keyset {
        after,
        limit: limit.unwrap_or(limits.default).clamp(1, limits.max),
    }
}

/// A page request from the `after=` string a client sent back (empty: from the start); a
/// cursor no page could have produced is `malformed_parameter`.
pub fn parse<K: Cursor>(
    after: Option<&str>,
    limit: Option<i64>,
    limits: Limits,
) -> AppResult<Keyset<K>> {
    let after = match after {
        None | Some("") => None,
        Some(text) => Some(K::decode(text).ok_or_else(|| {
            AppError::new(
                ErrorCode::MalformedParameter,
                "after must be a cursor from `next`",
            )
        })?),
    };
    Ok(keyset(after, limit, limits))
}

/// Cut the rows a keyset query returned (up to `limit + 1`) to the page, with the key of its
/// last row when another page follows.
pub fn cut<R, K>(page: &Keyset<K>, mut rows: Vec<R>, key: impl Fn(&R) -> K) -> (Vec<R>, Option<K>) {
    let limit = usize::try_from(page.limit).unwrap_or(0);
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(key);
    (rows, next)
}

/// The wire page: items and the encoded cursor of the next page.
pub fn to_page<T, K: Cursor>(items: Vec<T>, next: Option<K>) -> Page<T> {
    Page {
        items,
        next: next.map(|k| k.encode()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_and_clamp() {
        assert_eq!(keyset::<i64>(None, None, LISTS).limit, 50);
        assert_eq!(keyset::<i64>(None, Some(0), LISTS).limit, 1);
        assert_eq!(keyset::<i64>(None, Some(-7), LISTS).limit, 1);
        assert_eq!(keyset::<i64>(None, Some(5000), LISTS).limit, 200);
        assert_eq!(keyset::<i64>(Some(3), Some(20), LISTS).after, Some(3));
    }

    #[test]
    fn cursors_parse_or_refuse() {
        let k: Keyset<i64> = parse(Some("17"), Some(5), LISTS).unwrap();
        assert_eq!((k.after, k.limit), (Some(17), 5));
        let k: Keyset<i64> = parse(Some(""), None, LISTS).unwrap();
        assert_eq!(k.after, None);
        let e = parse::<i64>(Some("abc"), None, LISTS).unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedParameter);
        let k: Keyset<String> = parse(Some("0190-abc"), None, LISTS).unwrap();
        assert_eq!(k.after.as_deref(), Some("0190-abc"));
    }

    #[test]
    fn cut_keeps_the_page_and_names_the_next_cursor_only_when_more_follow() {
        let page = keyset::<i64>(None, Some(3), LISTS);
        assert_eq!(
            cut(&page, vec![1, 2, 3, 4], |r| *r),
            (vec![1, 2, 3], Some(3))
        );
        assert_eq!(cut(&page, vec![1, 2, 3], |r| *r), (vec![1, 2, 3], None));
        assert_eq!(cut(&page, Vec::<i64>::new(), |r| *r), (vec![], None));
        let p = to_page(vec!["a"], Some(9i64));
        assert_eq!(p.next.as_deref(), Some("9"));
    }
}
