//! An organisation's record as the 评定分离 award weighs it (domain-rules §3.1: the 定标 draws
//! on the candidates' 履约评价 and credit): its credit record (信用记录, 条例78) — the credit grade
//! the regulators set (信用分级分类监管, B when none did), the penalty
//! decisions served on it (the public credit list) and the bidding bans recorded against its
//! USCC, whether a case's decision or an officer's entry of one made off the platform — and
//! the performance ratings its tenderers gave its contracts (docs/CONTRACTS.md §6). The public
//! lists, the contract views and the award committee's dossier read them from here, so all
//! show the same entries.
//!
//! The dossier looks back [`LOOKBACK_YEARS`]: the window 条例67 and 68 count repeat offences
//! in, and the one local 评定分离 rules use for 不良行为记录 and 履约评价.

use std::collections::HashMap;

use chrono::{DateTime, Months, TimeDelta, Utc};

use crate::app::support::errors::internal;
use crate::app::support::json::parse_json;
use crate::db::repo::artefacts as arepo;
use crate::db::repo::cases::{self as crepo, CaseRow};
use crate::db::repo::performance::{self as prepo, RatingRow, ReplyRow};
use crate::db::repo::supervision::{self as srepo, BanRow};
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::artefacts::{CreditGrade, ObjectKind, DEFAULT_GRADE};
use crate::domain::performance::reply_due;
use crate::domain::schedule::legal_date;
use crate::error::AppResult;
use crate::wire::award_committee::CreditRecord;
use crate::wire::cases::{CaseDecision, CreditEntry};
use crate::wire::contracts::{PartySignature, PerformanceRating, PerformanceReply};
use crate::wire::supervision::Ban;

/// How far back the dossier's credit record reaches: decisions decided, and bans ended, within
/// the last three years.
pub const LOOKBACK_YEARS: u32 = 3;

/// A served case as the credit list shows it.
pub fn credit_entry(row: CaseRow) -> AppResult<CreditEntry> {
    let d: CaseDecision = parse_json(row.decision.as_deref().unwrap_or(""), "case decision")?;
    Ok(CreditEntry {
        case_id: row.id,
        party_kind: d.party.kind,
        name: d.party.name,
        uscc: d.party.uscc,
        penalties: d.penalties,
        decision_no: d.decision_no,
        decided_on: d.decided_on,
        department: row.department_code,
    })
}

/// A ban as the public lists show it.
pub fn ban_dto(row: BanRow) -> Ban {
    Ban {
        first_day: legal_date(from_db(row.starts_at)),
        last_day: legal_date(from_db(row.ends_at) - TimeDelta::seconds(1)),
        id: row.id,
        uscc: row.uscc,
        name: row.name,
        decision_no: row.decision_no,
        legal_basis: row.legal_basis,
        department: row.department_code,
        recorded_at: from_db(row.recorded_at),
    }
}

/// The credit record of `uscc` at `now`: its credit grade, decisions served and decided within
/// the lookback, bans running or ended within it.
pub fn record_of(c: &mut AnyConnection, uscc: &str, now: DateTime<Utc>) -> AppResult<CreditRecord> {
    let since = to_db(since(now));
    let decisions = crepo::served_against(c, uscc, since)?
        .into_iter()
        .map(credit_entry)
        .collect::<AppResult<Vec<_>>>()?;
    let bans = srepo::bans_of(c, uscc, since)?
        .into_iter()
        .map(ban_dto)
        .collect();
    let grade = arepo::find_grade(c, ObjectKind::Organisation.as_str(), uscc)?
        .map(|g| {
            CreditGrade::parse(&g.grade)
                .ok_or_else(|| internal(anyhow::anyhow!("credit grade {:?} of {uscc}", g.grade)))
        })
        .transpose()?;
    Ok(CreditRecord {
        grade: grade.unwrap_or(DEFAULT_GRADE),
        graded: grade.is_some(),
        looks_back_years: LOOKBACK_YEARS,
        decisions,
        bans,
    })
}

/// The start of the lookback at `now`.
fn since(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(12 * LOOKBACK_YEARS))
        .unwrap_or(now)
}

/// Stored ratings on the wire, each with its reply (one statement for the replies).
pub fn ratings_dto(
    c: &mut AnyConnection,
    rows: Vec<RatingRow>,
) -> AppResult<Vec<PerformanceRating>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut replies: HashMap<String, ReplyRow> = prepo::replies(c, &ids)?
        .into_iter()
        .map(|r| (r.rating_id.clone(), r))
        .collect();
    rows.into_iter()
        .map(|r| {
            let reply = replies.remove(&r.id);
            rating_dto(r, reply)
        })
        .collect()
}

/// A stored rating, and its reply if given, on the wire.
pub fn rating_dto(row: RatingRow, reply: Option<ReplyRow>) -> AppResult<PerformanceRating> {
    let bad = |what: &str| internal(anyhow::anyhow!("performance rating {}: {what}", row.id));
    let phase = row.phase().ok_or_else(|| bad("phase"))?;
    let grade = row.grade().ok_or_else(|| bad("grade"))?;
    let score = row.score.parse().map_err(|_| bad("score"))?;
    let signature: PartySignature = parse_json(&row.signature, "rating signature")?;
    let reply = reply
        .map(|r| {
            Ok::<_, crate::error::AppError>(PerformanceReply {
                signature: parse_json(&r.signature, "reply signature")?,
                text: r.text,
                document: r.document,
                digest: r.digest,
                replied_at: from_db(r.replied_at),
            })
        })
        .transpose()?;
    let rated_at = from_db(row.rated_at);
    Ok(PerformanceRating {
        id: row.id,
        contract: row.contract_id,
        tender: row.tender_id,
        section: row.section_code,
        winner_uscc: row.winner_uscc,
        phase,
        score,
        grade,
        remarks: row.remarks,
        document: row.document,
        digest: row.digest,
        signature,
        rated_at,
        reply_due: reply_due(rated_at),
        reply,
    })
}

/// The ratings of the contracts `uscc` won, given within the lookback, newest first.
pub fn ratings_of(
    c: &mut AnyConnection,
    uscc: &str,
    now: DateTime<Utc>,
) -> AppResult<Vec<PerformanceRating>> {
    let rows = prepo::of_winner(c, uscc, to_db(since(now)))?;
    ratings_dto(c, rows)
}
