//! The bids' validity (投标有效期, docs/BIDDING.md, "Bid validity") as every stage reads it: the
//! end the tender states, moved by the extensions its bidders agreed to. The validity stage
//! (`app::validity`) asks and answers; the award refuses a winner whose bid lapsed, and the
//! notices go out only to a bid still valid.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::app::support::json::parse_json;
use crate::db::repo::validity::{self as repo, AnswerRow, ExtensionRow};
use crate::db::types::from_db;
use crate::db::AnyConnection;
use crate::domain::tender::TenderDraft;
use crate::domain::validity::{self as rules, Asked};
use crate::error::{AppError, AppResult, ErrorCode};

/// A bid an extension asked (stored in the extension's `asked`, and logged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskedBid {
    pub bid: String,
    pub organisation: String,
    pub bidder_uscc: String,
}

/// A section's validity: the stated end, its extensions (oldest first) and their answers.
pub struct SectionValidity {
    pub base_end: DateTime<Utc>,
    pub extensions: Vec<ExtensionRow>,
    pub answers: Vec<AnswerRow>,
}

/// The validity of `section` of the tender published as `draft`.
pub fn of_section(
    c: &mut AnyConnection,
    draft: &TenderDraft,
    tender: &str,
    section: &str,
) -> AppResult<SectionValidity> {
    let extensions = repo::of_section(c, tender, section)?;
    let ids: Vec<String> = extensions.iter().map(|e| e.id.clone()).collect();
    let answers = if ids.is_empty() {
        Vec::new()
    } else {
        repo::answers(c, &ids)?
    };
    Ok(SectionValidity {
        // At the log's resolution, as every stored time is.
        base_end: rules::base_end(
            draft.schedule.bid_deadline,
            draft.schedule.bid_validity_days,
        )
        .trunc_subsecs(6),
        extensions,
        answers,
    })
}

pub fn asked_of(row: &ExtensionRow) -> AppResult<Vec<AskedBid>> {
    parse_json(&row.asked, "validity extension asked")
}

impl SectionValidity {
    /// The end in force for the bids that agreed to every extension: the newest extension's
    /// new end, or the stated end.
    pub fn current_end(&self) -> DateTime<Utc> {
        self.extensions
            .last()
            .map_or(self.base_end, |e| from_db(e.new_end))
    }

    /// The extension not yet closed, if any (one at a time).
    pub fn open(&self) -> Option<&ExtensionRow> {
        self.extensions.iter().find(|e| e.closed_at.is_none())
    }

    pub fn answer(&self, extension: &str, bid: &str) -> Option<&AnswerRow> {
        self.answers
            .iter()
            .find(|a| a.extension_id == extension && a.bid_id == bid)
    }

    /// When `bid`'s validity ends, judged at `now`.
    pub fn until(&self, bid: &str, now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
        let mut steps = Vec::new();
        for e in &self.extensions {
            if !asked_of(e)?.iter().any(|a| a.bid == bid) {
                continue;
            }
            steps.push(Asked {
                new_end: from_db(e.new_end),
                answer_due: from_db(e.answer_due),
                answer: self
                    .answer(&e.id, bid)
                    .map(|a| (a.agree, from_db(a.answered_at))),
            });
        }
        Ok(rules::valid_until(self.base_end, &steps, now))
    }

    /// Those of `bids` still valid at `now`, in their order.
    pub fn still_valid(&self, bids: &[String], now: DateTime<Utc>) -> AppResult<Vec<String>> {
        let mut out = Vec::new();
        for b in bids {
            if !rules::ended(self.until(b, now)?, now) {
                out.push(b.clone());
            }
        }
        Ok(out)
    }

    /// `bid_validity_ended` unless `bid` is still valid at `now`.
    pub fn require_valid(&self, bid: &str, now: DateTime<Utc>) -> AppResult<()> {
        let until = self.until(bid, now)?;
        if rules::ended(until, now) {
            return Err(AppError::new(
                ErrorCode::BidValidityEnded,
                format!(
                    "bid {bid}'s validity (投标有效期) ended at {}: it was not extended, or its \
                     bidder declined",
                    until.to_rfc3339()
                ),
            ));
        }
        Ok(())
    }
}
