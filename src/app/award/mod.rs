//! The award (定标, issue 14): after the evaluation's complete reports, each section is awarded
//! on its own — traditionally (the ranked candidates publicised, the tenderer awards) or under
//! 评定分离 (清标, the award committee, its rounds and 定标报告, the result's publicity) — and
//! the notices go out (docs/AWARD.md). The stage machine is `domain::award::stage`; the row
//! and the tender's aggregate state are kept by `support::award`.
//!
//! Under 评定分离 a section's award starts with the tenderer's 清标 report; then the award
//! committee (定标委员会) is formed from the tenderer's pool — drawn through the one verifiable
//! draw, appointed, or both — its members sign their statements (承诺书) and a supervising
//! regulator witnesses it; the committee then decides from its dossier. Each step moves the
//! section's award stage (`support::award`) in the same transaction as its record and its audit
//! entry. The committee's names are the parties', the members' and the regulators' until the
//! award is published (`support::award_committee::members_public`); bidders and the public
//! learn nothing of them, nor of the 清标 report.

mod appoint_replacement;
mod award_report;
mod cast;
mod committee;
mod deciding;
mod dossier;
mod file_clearing;
mod form_committee;
mod replace_member;
mod sign_award_report;
mod sign_statement;
mod start_deciding;
mod steps;
mod steps_view;
mod tick;
mod view;
mod witness_committee;

pub use appoint_replacement::*;
pub use award_report::*;
pub use cast::*;
pub use committee::*;
pub use dossier::*;
pub use file_clearing::*;
pub use form_committee::*;
pub use replace_member::*;
pub use sign_award_report::*;
pub use sign_statement::*;
pub use start_deciding::*;
pub use steps::*;
pub use tick::*;
pub use view::*;
pub use witness_committee::*;
mod publicity_common;

mod answer_objection;
mod award_winner;
mod publicity;
mod publish_candidates;
mod raise_objection;
mod request_recheck;
mod winner_drops_out;

pub use answer_objection::*;
pub use award_winner::*;
pub use publicity::*;
pub use publish_candidates::*;
pub use raise_objection::*;
pub use request_recheck::*;
pub use winner_drops_out::*;

mod file_written_report;
mod flag_overdue_reports;
mod issue_notices;
mod notice;
mod notice_drafts;
mod notice_facts;
mod notices;
mod overdue_written_reports;
mod written_report;

pub use file_written_report::*;
pub use flag_overdue_reports::*;
pub use issue_notices::*;
pub use notice::*;
pub use notice_drafts::*;
pub use notice_facts::NoticeSignatures;
pub use notices::*;
pub use overdue_written_reports::*;
pub use written_report::*;

use crate::app::support::errors::internal;
use crate::app::Actor;
use crate::db::repo::award_committees as acrepo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, unsigned};
use crate::db::AnyConnection;
use crate::domain::award::stage::AwardStage;
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award_committee::*;

/// The step needs the section's award at `stage`.
fn require_stage(at: AwardStage, stage: AwardStage, what: &str) -> AppResult<()> {
    if at == stage {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::AwardStage,
            format!(
                "{what} is done at the award stage {}; this section's award is at {}",
                stage.as_str(),
                at.as_str()
            ),
        ))
    }
}

/// A stored award round as the signed statements carry it.
fn round_u32(round: i32) -> AppResult<u32> {
    u32::try_from(round).map_err(|_| internal(anyhow::anyhow!("award round {round}")))
}

/// Whether `actor` may read the award's inner records of `tender`'s `section` in `round` (the
/// 清标 report, the committee, the dossier): the tender's parties, regulators, and the members
/// of that round's committee (`members_only`: only the members, while the committee decides).
fn may_read(
    c: &mut AnyConnection,
    actor: &Actor,
    tender: &trepo::TenderRow,
    section: &str,
    round: i32,
) -> AppResult<bool> {
    if actor.has(Role::Regulator) || crate::app::support::tender::is_party(c, actor, tender)? {
        return Ok(true);
    }
    is_member(c, actor, &tender.id, section, round)
}

/// Whether `actor` is an active member of the section's committee in `round`.
fn is_member(
    c: &mut AnyConnection,
    actor: &Actor,
    tender: &str,
    section: &str,
    round: i32,
) -> AppResult<bool> {
    Ok(acrepo::members_of(c, tender, section, round)?
        .iter()
        .any(|m| m.person_id == actor.id))
}

/// The committee as its readers see it.
fn committee_dto(
    c: &mut AnyConnection,
    row: &acrepo::CommitteeRow,
    rule: crate::domain::tender::AwardCommitteeRule,
) -> AppResult<AwardCommittee> {
    let mut members = Vec::new();
    for m in acrepo::all_members_of(c, &row.tender_id, &row.section_code, row.award_round)? {
        let name = idrepo::find_person(c, &m.person_id)?
            .map(|p| p.name)
            .unwrap_or_default();
        members.push(AwardCommitteeMember {
            person_id: m.person_id,
            name,
            member_id: m.member_id,
            role: if m.chair {
                MemberRole::Chair
            } else {
                MemberRole::Member
            },
            how: m.how,
            draw_id: m.draw_id,
            draw_rank: m.draw_rank.map(unsigned),
            statement_sha256: m.statement_sha256,
            active: m.active,
            joined_at: from_db(m.joined_at),
            left_at: m.left_at.map(from_db),
            left_reason: m.left_reason,
        });
    }
    Ok(AwardCommittee {
        tender_id: row.tender_id.clone(),
        section: row.section_code.clone(),
        award_round: round_u32(row.award_round)?,
        rule,
        draw_id: row.draw_id.clone(),
        formed_at: from_db(row.formed_at),
        roster_sha256: row.roster_sha256.clone(),
        witnessed_by: row.witness_id.clone(),
        witnessed_at: row.witnessed_at.map(from_db),
        members,
    })
}

fn clearing_dto(row: &acrepo::ClearingRow) -> AppResult<Clearing> {
    Ok(Clearing {
        tender_id: row.tender_id.clone(),
        section: row.section_code.clone(),
        award_round: round_u32(row.award_round)?,
        filed_by: row.filed_by.clone(),
        report: serde_json::from_str(&row.body).map_err(internal)?,
        statement_sha256: row.statement_sha256.clone(),
        signer: row.signer_fingerprint.clone(),
        filed_at: from_db(row.filed_at),
    })
}

fn b64(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}
