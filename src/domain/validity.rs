//! 投标有效期: how long a bid binds its bidder, and its extension (docs/BIDDING.md, "Bid validity").
//!
//! The tender states the validity in days, counted from the bid deadline (条例25); the bond
//! is valid as long (条例26). The 中标通知书 must go out while the winner's bid is still valid,
//! so a tender whose evaluation, award or complaints run long asks every bidder still bound to
//! extend (《工程建设项目施工招标投标办法》29): in writing, before the validity ends. A bidder
//! that agrees may not change its bid and extends its bond with it; one that declines — or
//! does not answer by the time the tenderer set, which the tender documents of the city treat
//! as declining (视为拒绝) — has its bid lapse (投标失效) and takes its bond back.
//!
//! Each extension asks the bids still valid when it is requested; one runs at a time. A bid's
//! validity is the base end, moved to each extension's new end it agreed to, in order, and
//! ended at the first it declined (at the answer) or let pass (at the answer's due time).
//! Pure: no I/O, no clock.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use crate::domain::signed::labelled;

/// The signed statement of a bidder's answer: label ‖ the 32-byte digest of its document.
pub const ANSWER_LABEL: &[u8] = b"etender-validity-answer/v1\0";

/// The longest one extension may add, in days: a bid is not held open indefinitely by one
/// request; a tender that needs longer asks again.
pub const MAX_EXTENSION_DAYS: i64 = 180;

/// The reason given: 1–2,000 characters.
pub const REASON_MAX: usize = 2000;

pub fn answer_statement(digest: &[u8; 32]) -> Vec<u8> {
    labelled(ANSWER_LABEL, digest)
}

/// The end of the validity the tender states: `days` after the bid deadline.
pub fn base_end(bid_deadline: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    bid_deadline + TimeDelta::days(i64::from(days))
}

/// What the bidder signs answering: the extension, its bid, the ends before and after, and
/// whether it agrees.
#[allow(clippy::too_many_arguments)]
pub fn answer_document(
    extension: &str,
    tender: &str,
    section: &str,
    bid: &str,
    bidder_uscc: &str,
    previous_end: DateTime<Utc>,
    new_end: DateTime<Utc>,
    agree: bool,
) -> Value {
    json!({
        "kind": "bid_validity_answer",
        "extension": extension,
        "tender": tender,
        "section": section,
        "bid": bid,
        "bidder_uscc": bidder_uscc,
        "previous_end": previous_end,
        "new_end": new_end,
        "agree": agree,
    })
}

/// Why an extension request is refused, with the field it names (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    pub field: Option<&'static str>,
    pub code: &'static str,
    pub message: String,
}

/// Checks a request made at `now` on bids valid until `current_end`.
pub fn check_request(
    now: DateTime<Utc>,
    current_end: DateTime<Utc>,
    new_end: DateTime<Utc>,
    answer_due: DateTime<Utc>,
    reason: &str,
) -> Result<(), RequestError> {
    let field = |field, code, message: String| RequestError {
        field: Some(field),
        code,
        message,
    };
    if now >= current_end {
        return Err(RequestError {
            field: None,
            code: "bid_validity_ended",
            message: format!(
                "the bids' validity ended at {}: an extension is asked before it ends",
                current_end.to_rfc3339()
            ),
        });
    }
    let chars = reason.trim().chars().count();
    if chars == 0
        || reason.chars().count() > REASON_MAX
        || reason.chars().any(|ch| ch.is_control() && ch != '\n')
    {
        return Err(field(
            "reason",
            if chars == 0 { "required" } else { "invalid" },
            format!(
                "why the extension is needed: 1–{REASON_MAX} characters, no control characters \
                 but line breaks"
            ),
        ));
    }
    if new_end <= current_end {
        return Err(field(
            "new_end",
            "not_later",
            format!(
                "the new end must be after the current end, {}",
                current_end.to_rfc3339()
            ),
        ));
    }
    if new_end > current_end + TimeDelta::days(MAX_EXTENSION_DAYS) {
        return Err(field(
            "new_end",
            "too_far",
            format!("one extension adds at most {MAX_EXTENSION_DAYS} days"),
        ));
    }
    if answer_due <= now {
        return Err(field(
            "answer_due",
            "past",
            "the bidders' answers must be due in the future".into(),
        ));
    }
    if answer_due > current_end {
        return Err(field(
            "answer_due",
            "after_validity",
            format!(
                "the answers must be due while the bids are valid, by {}",
                current_end.to_rfc3339()
            ),
        ));
    }
    Ok(())
}

/// One extension a bid was asked, and its answer: `Some((agree, at))`, `None` if unanswered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    pub new_end: DateTime<Utc>,
    pub answer_due: DateTime<Utc>,
    pub answer: Option<(bool, DateTime<Utc>)>,
}

/// When a bid's validity ends, at `now`: from `base`, through the extensions it was asked in
/// order. An unanswered extension still open leaves the bid valid to the end in force.
pub fn valid_until(base: DateTime<Utc>, asked: &[Asked], now: DateTime<Utc>) -> DateTime<Utc> {
    let mut until = base;
    for a in asked {
        match a.answer {
            Some((true, _)) => until = a.new_end,
            Some((false, at)) => return at.min(until),
            None if now >= a.answer_due => return a.answer_due.min(until),
            None => return until,
        }
    }
    until
}

/// Whether a bid valid until `until` has lapsed at `now`.
pub fn ended(until: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= until
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap() + TimeDelta::days(i64::from(d))
    }

    #[test]
    fn the_base_end_counts_days_from_the_deadline() {
        assert_eq!(base_end(t(0), 90), t(90));
    }

    #[test]
    fn a_request_is_checked_field_by_field() {
        let ok = check_request(t(10), t(90), t(120), t(20), "complaint pending");
        assert_eq!(ok, Ok(()));
        let code = |r: Result<(), RequestError>| r.unwrap_err().code;
        assert_eq!(
            code(check_request(t(90), t(90), t(120), t(95), "x")),
            "bid_validity_ended"
        );
        assert_eq!(
            code(check_request(t(10), t(90), t(90), t(20), "x")),
            "not_later"
        );
        assert_eq!(
            code(check_request(t(10), t(90), t(90 + 181), t(20), "x")),
            "too_far"
        );
        assert_eq!(
            code(check_request(t(10), t(90), t(120), t(10), "x")),
            "past"
        );
        assert_eq!(
            code(check_request(t(10), t(90), t(120), t(91), "x")),
            "after_validity"
        );
        assert_eq!(
            code(check_request(t(10), t(90), t(120), t(20), " ")),
            "required"
        );
        let long = "长".repeat(REASON_MAX + 1);
        assert_eq!(
            code(check_request(t(10), t(90), t(120), t(20), &long)),
            "invalid"
        );
        assert_eq!(
            code(check_request(t(10), t(90), t(120), t(20), "投诉\0处理")),
            "invalid"
        );
        assert_eq!(
            check_request(t(10), t(90), t(120), t(20), "投诉处理中\n评标暂停"),
            Ok(())
        );
    }

    #[test]
    fn agreeing_moves_the_end_and_declining_or_silence_ends_it() {
        let ext = |answer| Asked {
            new_end: t(150),
            answer_due: t(30),
            answer,
        };
        // None asked: the base end.
        assert_eq!(valid_until(t(90), &[], t(10)), t(90));
        // Agreed: the new end.
        assert_eq!(
            valid_until(t(90), &[ext(Some((true, t(12))))], t(100)),
            t(150)
        );
        // Declined: at the answer.
        assert_eq!(
            valid_until(t(90), &[ext(Some((false, t(12))))], t(13)),
            t(12)
        );
        // Unanswered, still open: the end in force; after the due time: ended then.
        assert_eq!(valid_until(t(90), &[ext(None)], t(20)), t(90));
        assert_eq!(valid_until(t(90), &[ext(None)], t(30)), t(30));
        // Two in a row: both agreed, or the second declined.
        let second = |answer| Asked {
            new_end: t(200),
            answer_due: t(140),
            answer,
        };
        let agreed = ext(Some((true, t(12))));
        assert_eq!(
            valid_until(t(90), &[agreed, second(Some((true, t(139))))], t(160)),
            t(200)
        );
        assert_eq!(valid_until(t(90), &[agreed, second(None)], t(141)), t(140));
        assert!(ended(t(140), t(141)));
        assert!(!ended(t(150), t(141)));
    }

    #[test]
    fn the_answer_document_names_what_is_agreed() {
        let d = answer_document("X1", "T1", "S1", "B1", "U1", t(90), t(120), false);
        assert_eq!(d["agree"], false);
        assert_eq!(d["kind"], "bid_validity_answer");
        assert_eq!(
            answer_statement(&[7; 32])[..ANSWER_LABEL.len()],
            *ANSWER_LABEL
        );
    }
}
