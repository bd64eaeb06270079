//! The deciding as its viewers see it: every step, with how many have cast while it is open
//! and nothing more; its casts (each with signature and certificate), tally and lot order once
//! it is closed. Shared by the verbs that answer with it.

use super::deciding::{among_of, cast_record, deciding, lot_evidence, members_of_step};
use crate::app::support::award::Award;
use crate::app::support::errors::internal;
use crate::db::repo::award_rounds as repo;
use crate::db::types::from_db;
use crate::db::AnyConnection;
use crate::domain::award::report;
use crate::domain::award::{self as engine, CastKind, StepKind};
use crate::error::AppResult;
use crate::wire::award_rounds::{AwardMember, AwardStep, AwardSteps, RevealedCast};

pub fn steps_view(c: &mut AnyConnection, award: &Award) -> AppResult<AwardSteps> {
    let d = deciding(c, award)?;
    let rows = repo::steps(c, &d.tender, &d.section, d.award_round)?;
    // The tallies come from the engine over the closed steps, exactly as the report has them.
    let mut records = Vec::new();
    for r in rows.iter().filter(|r| r.closed_at.is_some()) {
        records.push(super::deciding::record(c, r)?);
    }
    let steps = report::steps(&d.members, &records)
        .ok_or_else(|| internal(anyhow::anyhow!("a closed award step is incomplete")))?;
    let replayed = engine::replay(&d.setup, &steps).map_err(internal)?;
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let closed = row.closed_at.is_some();
        let count = u32::try_from(repo::cast_count(c, &row.id)?).unwrap_or_default();
        let mut casts = Vec::new();
        let (mut tally, mut order) = (Vec::new(), Vec::new());
        if closed {
            let revealed = repo::revealed(c, &row.id)?;
            for b in &revealed {
                let r = cast_record(b)?;
                casts.push(RevealedCast {
                    member: r.member,
                    kind: r.kind,
                    choices: r.choices,
                    reason: r.reason,
                    statement_sha256: r.statement_sha256,
                    signature: r.signature,
                    signature_algorithm: r.signature_algorithm,
                    certificate: b.certificate.clone(),
                    cast_at: Some(from_db(b.cast_at)),
                });
            }
            if row.kind()? == StepKind::Vote {
                for m in members_of_step(row)? {
                    if !revealed.iter().any(|b| b.person_id == m) {
                        casts.push(RevealedCast {
                            member: m,
                            kind: CastKind::Missing,
                            choices: Vec::new(),
                            reason: None,
                            statement_sha256: String::new(),
                            signature: String::new(),
                            signature_algorithm: String::new(),
                            certificate: String::new(),
                            cast_at: None,
                        });
                    }
                }
            }
            if let Some(round) = replayed.rounds.get(i) {
                tally = round
                    .tally
                    .iter()
                    .map(|(b, n)| (b.clone(), u32::try_from(*n).unwrap_or_default()))
                    .collect();
            }
            if let Some(lot) = lot_evidence(c, row)? {
                order = lot.order;
            }
        }
        out.push(AwardStep {
            id: row.id.clone(),
            seq: u32::try_from(row.seq).unwrap_or_default(),
            kind: row.kind()?,
            among: among_of(row)?,
            picks: u32::try_from(row.picks).unwrap_or_default(),
            reason: row.reason.clone(),
            opened_at: from_db(row.opened_at),
            closes_at: row.closes_at.map(from_db),
            closed_at: row.closed_at.map(from_db),
            draw: row.draw_id.clone(),
            cast: count,
            casts,
            tally,
            order,
        });
    }
    Ok(AwardSteps {
        tender: d.tender.clone(),
        section: d.section.clone(),
        award_round: d.round(),
        method: d.setup.method.legal_name().into(),
        members: d
            .members
            .iter()
            .map(|m| AwardMember {
                person: m.person.clone(),
                chair: m.chair,
            })
            .collect(),
        steps: out,
        winner: award.row.winner_bid_id.clone(),
    })
}
