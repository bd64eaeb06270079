//! The award committee's names as the award's publication gives them out: secret from bidders
//! and the public until the award is published (domain-rules §3.3, "the 定标委员会 members
//! (after award)"), then published by the stage that publishes the award, through
//! [`members_public`].

use crate::db::repo::award_committees as acrepo;
use crate::db::repo::awards;
use crate::db::repo::identity as idrepo;
use crate::db::AnyConnection;
use crate::domain::award::committee::{roster_digest, Appointment, MemberRole, RosterEntry};
use crate::error::AppResult;

/// One member as the award's publication names it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublicMember {
    pub name: String,
    pub role: MemberRole,
}

/// The active members of the section's award committee in its current award round, chair
/// first, then by name. No authorisation: the caller publishes them only once the award is
/// published. Empty when the section has no award or no committee.
pub fn members_public(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<Vec<PublicMember>> {
    let Some(award) = awards::get(c, tender, section)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for m in acrepo::members_of(c, tender, section, award.award_round)? {
        let name = idrepo::find_person(c, &m.person_id)?
            .map(|p| p.name)
            .unwrap_or_default();
        let role = if m.chair {
            MemberRole::Chair
        } else {
            MemberRole::Member
        };
        out.push(PublicMember { name, role });
    }
    out.sort_by(|a, b| {
        (a.role != MemberRole::Chair, &a.name).cmp(&(b.role != MemberRole::Chair, &b.name))
    });
    Ok(out)
}

/// The persons (principal ids) who sat on the section's evaluation committee — active or
/// left, experts and the tenderer's representatives. 评定分离 keeps them off its award
/// committee: the award draw leaves them out of its eligible list (`app::draws::request`) and
/// the award stage refuses to appoint them (`evaluator_on_award_committee`).
pub fn evaluators(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<std::collections::BTreeSet<String>> {
    use crate::db::repo::committees as crepo;
    let Some(committee) = crepo::of_section(c, tender, section)? else {
        return Ok(Default::default());
    };
    Ok(crepo::members(c, &committee.id)?
        .into_iter()
        .map(|m| m.principal_id)
        .collect())
}

/// The roster of the round's active members (as `committee::roster_digest` takes it) and its
/// digest, hex.
pub fn roster_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    round: i32,
) -> AppResult<(Vec<RosterEntry>, String)> {
    let mut roster = Vec::new();
    for m in acrepo::records(c, tender, section, round)?
        .into_iter()
        .filter(|m| m.active)
    {
        roster.push(RosterEntry {
            role: m.role()?,
            how: m.how()?,
            person: m.person_id,
            statement_sha256: m.statement_sha256,
        });
    }
    let round = u32::try_from(round).map_err(crate::app::support::errors::internal)?;
    let digest = hex::encode(roster_digest(tender, section, round, &roster));
    Ok((roster, digest))
}

/// The roster as the award committee's entries list it.
pub fn roster_json(roster: &[RosterEntry]) -> serde_json::Value {
    serde_json::Value::Array(
        roster
            .iter()
            .map(|r| {
                serde_json::json!({"person": r.person, "role": r.role, "how": r.how,
                    "statement_sha256": r.statement_sha256})
            })
            .collect(),
    )
}

/// The committee's roster changed: its digest is the active members' again and the earlier
/// witness no longer covers it — the supervising regulator witnesses the new roster before
/// the committee decides.
pub fn roster_changed(
    c: &mut AnyConnection,
    committee: &mut acrepo::CommitteeRow,
) -> AppResult<Vec<RosterEntry>> {
    let (roster, digest) = roster_of(
        c,
        &committee.tender_id,
        &committee.section_code,
        committee.award_round,
    )?;
    committee.roster_sha256 = digest;
    committee.witness_id = None;
    committee.witness_signature = None;
    committee.witness_algorithm = None;
    committee.witness_fingerprint = None;
    committee.witness_certificate = None;
    committee.witnessed_at = None;
    acrepo::update_committee(c, committee)?;
    Ok(roster)
}

/// A seat of an award draw has just checked in (its check-in signed the award pledge for the
/// round in progress): when the round's committee is formed from that draw and a drawn member
/// left it unreplaced, the reserve takes that seat (`award_committee_member_joined`, with its
/// statement's signature and the roster that results). Before the committee is formed nothing
/// happens: the formation takes every checked-in seat. The evaluation committee's counterpart
/// is `support::seats::join_committee`, which calls this for award draws.
pub fn join_from_draw(
    c: &mut AnyConnection,
    draw: &crate::db::repo::draws::DrawRow,
    seat: &crate::db::repo::draws::SeatRow,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    use crate::audit::ActorRef;
    use crate::db::types::to_db;
    let (tender, section) = (draw.tender_id.as_str(), draw.section_code.as_str());
    let Some(award) = awards::get(c, tender, section)? else {
        return Ok(());
    };
    let round = award.award_round;
    let Some(mut committee) = acrepo::committee_of(c, tender, section, round)? else {
        return Ok(());
    };
    if committee.draw_id.as_deref() != Some(draw.id.as_str()) {
        return Ok(());
    }
    let records = acrepo::records(c, tender, section, round)?;
    if records.iter().any(|m| m.person_id == seat.principal_id) {
        return Ok(());
    }
    let Some(mut gone) = records
        .into_iter()
        .find(|m| !m.active && m.replaced_by.is_none() && m.how == Appointment::Drawn.as_str())
    else {
        return Ok(());
    };
    let Some(k) = acrepo::statements(c, tender, section, round)?
        .into_iter()
        .find(|s| s.person_id == seat.principal_id && s.member_id == seat.expert_id)
    else {
        return Ok(());
    };
    let id = uuid::Uuid::now_v7().to_string();
    acrepo::insert_member(
        c,
        &acrepo::MemberRecord {
            id: id.clone(),
            tender_id: tender.to_string(),
            section_code: section.to_string(),
            award_round: round,
            person_id: seat.principal_id.clone(),
            member_id: seat.expert_id.clone(),
            role: MemberRole::Member.as_str().into(),
            how: Appointment::Drawn.as_str().into(),
            draw_id: Some(draw.id.clone()),
            draw_rank: Some(seat.rank),
            statement_sha256: k.statement_sha256.clone(),
            signature: k.signature.clone(),
            signature_algorithm: k.signature_algorithm.clone(),
            signer_fingerprint: k.signer_fingerprint.clone(),
            active: true,
            joined_at: to_db(now),
            left_at: None,
            left_reason: None,
            replaced_by: None,
        },
    )?;
    gone.replaced_by = Some(id);
    acrepo::update_member(c, &gone)?;
    let roster = roster_changed(c, &mut committee)?;
    let joined = Joined {
        person: &seat.principal_id,
        member: &seat.expert_id,
        how: Appointment::Drawn,
        draw: Some((&draw.id, seat.rank)),
        replaces: &gone.person_id,
        statement: &k,
    };
    joined_event(c, now, ActorRef::system(), &committee, &roster, &joined)
}

/// Who took an empty seat, for [`joined_event`].
pub struct Joined<'a> {
    pub person: &'a str,
    pub member: &'a str,
    pub how: Appointment,
    pub draw: Option<(&'a str, i32)>,
    /// The person whose seat it took.
    pub replaces: &'a str,
    pub statement: &'a acrepo::StatementRow,
}

/// Logs `award_committee_member_joined`: who joined, its statement and signature (the
/// verifier checks them as at the formation), the seat it took and the roster that results,
/// which the supervising regulator witnesses again.
pub fn joined_event(
    c: &mut AnyConnection,
    now: chrono::DateTime<chrono::Utc>,
    actor: crate::audit::ActorRef,
    committee: &acrepo::CommitteeRow,
    roster: &[RosterEntry],
    j: &Joined<'_>,
) -> AppResult<()> {
    use crate::app::support::publicity::{self, Change};
    let k = j.statement;
    let body = serde_json::json!({"tender": committee.tender_id,
        "section": committee.section_code, "award_round": committee.award_round,
        "person": j.person, "member": j.member, "how": j.how,
        "draw": j.draw.map(|d| d.0), "draw_rank": j.draw.map(|d| d.1),
        "replaces": j.replaces, "statement_sha256": k.statement_sha256,
        "signature": k.signature, "signature_algorithm": k.signature_algorithm,
        "certificate": k.certificate, "roster_sha256": committee.roster_sha256,
        "roster": roster_json(roster), "stage": "committee"});
    let change = Change::new(
        actor,
        crate::audit::EventType::AwardCommitteeMemberJoined,
        body,
    )
    .in_section(&committee.section_code);
    publicity::event(c, now, &committee.tender_id, change)?;
    Ok(())
}
