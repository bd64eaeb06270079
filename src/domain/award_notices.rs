//! What the award's last step writes (docs/AWARD.md "Notices"): the 中标通知书 to the winner and
//! the 中标结果通知 to every other bidder of the section, each a canonical document whose SHA-256
//! is its digest; the statement the tenderer signs over that digest; the written report to the
//! regulator (书面报告, 招标投标法47) and its 15-day limit. Pure: the use-cases gather the facts,
//! the offline verifier re-checks what the chain logged.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::domain::signed::{labelled, AWARD_NOTICE, AWARD_WRITTEN_REPORT};

/// The version tag every notice document carries.
pub const NOTICE_FORMAT: &str = "etender-award-notice/v1";
/// The version tag of the written report.
pub const REPORT_FORMAT: &str = "etender-award-written-report/v1";
/// 招标投标法47: the written report is due within 15 days of the award.
pub const WRITTEN_REPORT_DAYS: i64 = 15;
/// 招标投标法46: the contract is signed within 30 days of the 中标通知书.
pub const CONTRACT_DAYS: i64 = 30;

/// Which of the two notices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(utoipa::ToSchema)]
pub enum NoticeKind {
    /// 中标通知书, to the winner.
    Award,
    /// 中标结果通知书, to every other bidder of the section.
    Result,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Award => "award",
            NoticeKind::Result => "result",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeKind> {
        match s {
            "award" => Some(NoticeKind::Award),
            "result" => Some(NoticeKind::Result),
            _ => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            NoticeKind::Award => "中标通知书",
            NoticeKind::Result => "中标结果通知书",
        }
    }
}

/// An organisation as a notice names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub name: String,
    pub uscc: String,
}

/// A bidder of the section: its bid, who it is, and its bid price (as opened).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bidder {
    pub bid: String,
    pub org: Org,
    pub price: Option<Decimal>,
}

/// What the award rests on, as every notice of the section states it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basis {
    /// `traditional` or `separated` (评定分离).
    pub mode: String,
    /// The 定标方法's legal name (评定分离), or the ranking rule (traditional).
    pub method: String,
    pub award_round: i32,
    /// The 评标报告 the candidates come from: id and digest.
    pub report_id: String,
    pub report_digest: String,
    /// The candidates in the report's order (rank order when traditional).
    pub candidates: Vec<String>,
    pub winner_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub publicity_from: Option<DateTime<Utc>>,
    pub publicity_until: Option<DateTime<Utc>>,
}

/// Everything the section's notices say, gathered once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub tender_id: String,
    pub tender_title: String,
    pub section_code: String,
    pub section_name: String,
    pub tenderer: Org,
    pub agent: Option<Org>,
    pub winner: Bidder,
    /// Every other bidder of the section (each opened bid but the winner's).
    pub others: Vec<Bidder>,
    pub basis: Basis,
}

/// Why the notices cannot be written from these facts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("the winner {0} is not one of the report's candidates")]
    WinnerNotCandidate(String),
    #[error("the winner's price is unknown")]
    NoPrice,
}

/// One notice: to whom, and the exact document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub bid: String,
    pub addressee: Org,
    pub document: Value,
}

/// The section's notices: the 中标通知书 to the winner, then a 中标结果通知书 to every other
/// bidder in bid-id order. The documents hold no issue time, so the same facts give the same
/// bytes: the tenderer signs what it previewed.
pub fn notices(f: &Facts) -> Result<Vec<Notice>, NoticeError> {
    if !f.basis.candidates.contains(&f.winner.bid) {
        return Err(NoticeError::WinnerNotCandidate(f.winner.bid.clone()));
    }
    let price = f.winner.price.ok_or(NoticeError::NoPrice)?;
    let mut others = f.others.clone();
    others.sort_by(|a, b| a.bid.cmp(&b.bid));
    let mut out = vec![notice(f, NoticeKind::Award, &f.winner, price)];
    out.extend(
        others
            .iter()
            .filter(|b| b.bid != f.winner.bid)
            .map(|b| notice(f, NoticeKind::Result, b, price)),
    );
    Ok(out)
}

fn notice(f: &Facts, kind: NoticeKind, to: &Bidder, price: Decimal) -> Notice {
    let price = price.normalize().to_string();
    let text = match kind {
        NoticeKind::Award => format!(
            "{}：经评标委员会评审并依法定标，贵单位在「{}」{}（{}）中标，中标价 {} 元。请自本通知书发出\
             之日起 {} 日内，按照招标文件和贵单位的投标文件与招标人订立书面合同（招标投标法46）。",
            to.org.name,
            f.tender_title,
            f.section_code,
            f.section_name,
            price,
            CONTRACT_DAYS
        ),
        NoticeKind::Result => format!(
            "{}：「{}」{}（{}）的中标人为 {}，中标价 {} 元。感谢贵单位参与投标。",
            to.org.name,
            f.tender_title,
            f.section_code,
            f.section_name,
            f.winner.org.name,
            price
        ),
    };
    let document = json!({
        "format": NOTICE_FORMAT,
        "kind": kind.as_str(),
        "title": kind.title(),
        "tender": {"id": f.tender_id, "title": f.tender_title},
        "section": {"code": f.section_code, "name": f.section_name},
        "tenderer": f.tenderer,
        "agent": f.agent,
        "addressee": {"bid": to.bid, "name": to.org.name, "uscc": to.org.uscc},
        "winner": {"bid": f.winner.bid, "name": f.winner.org.name, "uscc": f.winner.org.uscc,
            "price": price},
        "basis": f.basis,
        "contract_within_days": CONTRACT_DAYS,
        "text": text,
    });
    Notice {
        kind,
        bid: to.bid.clone(),
        addressee: to.org.clone(),
        document,
    }
}

/// The bytes the tenderer's certificate signs for a notice: the label and the notice's digest
/// (the document names tender, section and addressee, so its digest binds them all).
pub fn notice_statement(digest: &[u8; 32]) -> Vec<u8> {
    labelled(AWARD_NOTICE, digest)
}

/// The bytes the tenderer's certificate signs for its written report.
pub fn report_statement(digest: &[u8; 32]) -> Vec<u8> {
    labelled(AWARD_WRITTEN_REPORT, digest)
}

/// When the written report is due: 15 days after the notices went out (the award is made
/// known by the 中标通知书). Filing at that instant is still in time.
pub fn report_due(notified_at: DateTime<Utc>) -> DateTime<Utc> {
    notified_at + Duration::days(WRITTEN_REPORT_DAYS)
}

/// Whether a report not filed by `now` is overdue.
pub fn is_overdue(due: DateTime<Utc>, filed: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    match filed {
        Some(at) => at > due,
        None => now > due,
    }
}

/// One notice as the written report lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRef {
    pub kind: NoticeKind,
    pub bid: String,
    pub digest: String,
    pub issued_at: DateTime<Utc>,
}

/// The written report (书面报告) on the section's award: the facts, the notices by digest and
/// the reports they rest on. The tenderer signs its digest.
pub fn written_report(f: &Facts, notices: &[NoticeRef], notified_at: DateTime<Utc>) -> Value {
    json!({
        "format": REPORT_FORMAT,
        "title": "招标投标情况书面报告",
        "law": "招标投标法47",
        "tender": {"id": f.tender_id, "title": f.tender_title},
        "section": {"code": f.section_code, "name": f.section_name},
        "tenderer": f.tenderer,
        "agent": f.agent,
        "winner": {"bid": f.winner.bid, "name": f.winner.org.name, "uscc": f.winner.org.uscc,
            "price": f.winner.price.map(|p| p.normalize().to_string())},
        "bidders": 1 + f.others.iter().filter(|b| b.bid != f.winner.bid).count(),
        "basis": f.basis,
        "notices": notices,
        "notified_at": notified_at,
        "due_at": report_due(notified_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn org(n: &str) -> Org {
        Org {
            name: n.into(),
            uscc: format!("USCC-{n}"),
        }
    }

    fn facts() -> Facts {
        Facts {
            tender_id: "t1".into(),
            tender_title: "道路工程".into(),
            section_code: "BD01".into(),
            section_name: "一标段".into(),
            tenderer: org("tenderer"),
            agent: None,
            winner: Bidder {
                bid: "b2".into(),
                org: org("winner"),
                price: Some(dec!(1000.50)),
            },
            others: vec![
                Bidder {
                    bid: "b3".into(),
                    org: org("c"),
                    price: Some(dec!(900)),
                },
                Bidder {
                    bid: "b1".into(),
                    org: org("a"),
                    price: None,
                },
            ],
            basis: Basis {
                mode: "traditional".into(),
                method: "排序第一".into(),
                award_round: 1,
                report_id: "r1".into(),
                report_digest: "00".repeat(32),
                candidates: vec!["b2".into(), "b3".into()],
                winner_reason: None,
                decided_at: None,
                publicity_from: None,
                publicity_until: None,
            },
        }
    }

    #[test]
    fn the_winner_gets_the_award_notice_and_every_other_bidder_the_result() {
        let n = notices(&facts()).unwrap();
        let kinds: Vec<_> = n.iter().map(|n| (n.kind, n.bid.as_str())).collect();
        assert_eq!(
            kinds,
            [
                (NoticeKind::Award, "b2"),
                (NoticeKind::Result, "b1"),
                (NoticeKind::Result, "b3")
            ]
        );
        assert_eq!(n[1].document["winner"]["price"], "1000.5");
        assert_eq!(n[1].document["addressee"]["name"], "a");
    }

    #[test]
    fn the_same_facts_give_the_same_documents() {
        assert_eq!(notices(&facts()).unwrap(), notices(&facts()).unwrap());
    }

    #[test]
    fn a_winner_outside_the_candidates_or_without_a_price_is_refused() {
        let mut f = facts();
        f.basis.candidates = vec!["b3".into()];
        assert_eq!(
            notices(&f),
            Err(NoticeError::WinnerNotCandidate("b2".into()))
        );
        let mut f = facts();
        f.winner.price = None;
        assert_eq!(notices(&f), Err(NoticeError::NoPrice));
    }

    #[test]
    fn the_report_is_due_fifteen_days_after_the_notices_and_in_time_at_that_instant() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let due = report_due(at);
        assert_eq!(due, at + Duration::days(15));
        assert!(!is_overdue(due, None, due));
        assert!(is_overdue(due, None, due + Duration::seconds(1)));
        assert!(!is_overdue(due, Some(due), due + Duration::days(3)));
        assert!(is_overdue(due, Some(due + Duration::seconds(1)), due));
    }

    #[test]
    fn statements_are_labelled_apart() {
        let d = [7u8; 32];
        assert_ne!(notice_statement(&d), report_statement(&d));
        assert!(notice_statement(&d).starts_with(AWARD_NOTICE));
    }
}
