//! What a section's report rests on, gathered from the records: the members whose conclusions
//! count, the opened bids as the opening record settled them, and what the committee entered —
//! the revealed sheets of both stages (void ones left out, 条例48), the motions it decided, the
//! adjustments it agreed — with K and the tie lots drawn. `domain::evaluation::candidates::derive`
//! turns them into the candidates; the report carries them so the verifier can do the same
//! offline. Anything still open — a stage not revealed, a motion not closed, a clarification
//! not answered and decided, a deviation flag without its reason — is `evaluation_incomplete`.

use super::*;
use crate::app::support::evaluation::{second_stage, Frame};
use crate::app::support::json::parse_json;
use crate::db::repo::clarifications as qrepo;
use crate::db::repo::motions as mrepo;
use crate::db::repo::sheets as srepo;
use crate::domain::evaluation::candidates::Inputs;
use crate::domain::evaluation::deviation::DeviationPolicy;
use crate::domain::evaluation::lot::LotResult;
use crate::domain::evaluation::lowest_price::agreed;
use crate::domain::evaluation::qualitative::Recommendation;
use crate::domain::evaluation::scoring::ScoreSheet;
use crate::domain::evaluation::sheet::{Sheet, Stage};
use crate::error::ErrorCode;
use rust_decimal::Decimal;

fn incomplete(what: String) -> AppError {
    AppError::new(ErrorCode::EvaluationIncomplete, what)
}

/// The counting sheets of `stage`, refused unless every active member's is in and revealed.
fn revealed(c: &mut AnyConnection, frame: &Frame, stage: Stage) -> AppResult<Vec<(String, Sheet)>> {
    let sheets = srepo::counting(c, &frame.committee.id, stage)?;
    for m in frame.members.iter().filter(|m| m.active) {
        match sheets.iter().find(|s| s.member_id == m.id) {
            Some(s) if s.revealed_at.is_some() => {}
            _ => {
                return Err(incomplete(format!(
                    "the {stage} sheets are not all in and revealed"
                )))
            }
        }
    }
    sheets
        .iter()
        .map(|s| {
            Ok((
                s.principal_id.clone(),
                parse_json::<Sheet>(&s.body, "sheet")?,
            ))
        })
        .collect()
}

/// Refuses while a motion is open, a clarification waits for its answer (within its time) or
/// for the committee's decision, or a deviation flag has no reason.
fn nothing_open(c: &mut AnyConnection, committee: &str, now: DateTime<Utc>) -> AppResult<()> {
    if let Some(m) = mrepo::of_committee(c, committee)?
        .iter()
        .find(|m| m.closed_at.is_none())
    {
        return Err(incomplete(format!(
            "the motion to reject bid {} is still open",
            m.bid_id
        )));
    }
    for q in qrepo::of_committee(c, committee)? {
        let waiting = q.answered_at.is_none() && from_db(q.due_at) > now;
        let undecided = q.answered_at.is_some() && q.decided_at.is_none();
        if waiting || undecided {
            return Err(incomplete(format!(
                "the clarification to bid {} is {}",
                q.bid_id,
                if waiting {
                    "not answered yet"
                } else {
                    "not decided yet"
                }
            )));
        }
    }
    let open = srepo::flags_open(c, committee)?;
    if open > 0 {
        return Err(incomplete(format!(
            "{open} deviation flag(s) wait for their member's written reason"
        )));
    }
    Ok(())
}

/// The inputs of `derive` for the committee as it stands.
pub(super) fn gather(
    c: &mut AnyConnection,
    committee: &crepo::CommitteeRow,
    k: Decimal,
    lots: Vec<LotResult>,
    deviation: DeviationPolicy,
    now: DateTime<Utc>,
) -> AppResult<Inputs> {
    let frame = Frame::load(c, committee.clone())?;
    nothing_open(c, &committee.id, now)?;
    let members = frame.active();
    let mut inputs = Inputs {
        members: members.clone(),
        bids: frame.opened.clone(),
        alternatives_allowed: false,
        verdicts: Vec::new(),
        motions: mrepo::closed(c, &committee.id)?,
        k,
        sheets: Vec::new(),
        applied: Vec::new(),
        recommendations: Vec::new(),
        remarks: Vec::new(),
        lots,
        deviation,
        licences: frame.licences.clone(),
    };
    for (_, sheet) in revealed(c, &frame, Stage::Preliminary)? {
        if let Sheet::Preliminary { verdicts } = sheet {
            inputs.verdicts.extend(verdicts);
        }
    }
    let mut adjustments = Vec::new();
    for (member, sheet) in revealed(c, &frame, second_stage(&frame.section.evaluation))? {
        match sheet {
            Sheet::Scoring { scores } => inputs.sheets.push(ScoreSheet { member, scores }),
            Sheet::Adjustments { applied } => adjustments.push((member, applied)),
            Sheet::Qualitative {
                remarks,
                recommended,
            } => {
                inputs.remarks.extend(remarks);
                inputs.recommendations.push(Recommendation {
                    member,
                    bids: recommended,
                });
            }
            Sheet::Preliminary { .. } => {}
        }
    }
    inputs.applied = agreed(&members, &adjustments);
    Ok(inputs)
}

/// The clarifications as the report lists them: question, answer, and whether the committee
/// accepted it.
pub(super) fn clarifications(
    c: &mut AnyConnection,
    committee: &str,
) -> AppResult<Vec<serde_json::Value>> {
    qrepo::of_committee(c, committee)?
        .iter()
        .map(|q| {
            let question: serde_json::Value = parse_json(&q.question, "question")?;
            let answer: Option<serde_json::Value> = q
                .answer
                .as_deref()
                .map(|a| parse_json(a, "answer"))
                .transpose()?;
            Ok(json!({"id": q.id, "bid": q.bid_id, "question": question,
                "question_sha256": q.question_sha256, "answer": answer,
                "answered_at": q.answered_at.map(from_db), "accepted": q.accepted,
                "decision_reason": q.decision_reason}))
        })
        .collect()
}

/// The 偏离度 flags with the flagged members' reasons, as the report lists them.
pub(super) fn deviation_reasons(
    c: &mut AnyConnection,
    committee: &str,
) -> AppResult<Vec<serde_json::Value>> {
    Ok(srepo::flags_with_reasons(c, committee)?
        .into_iter()
        .map(|(f, r)| {
            json!({"flag": f.id, "member": f.member_id, "bid": f.bid_id,
                "criterion": f.criterion, "score": f.score, "others_mean": f.others_mean,
                "reason": r.map(|r| r.reason)})
        })
        .collect())
}

/// The collusion signals computed at the opening, as the report lists them: the evidence the
/// committee had before it (it decides; the platform only flags).
pub(super) fn signals(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<Vec<serde_json::Value>> {
    crate::db::repo::collusion::signals_of(c, tender, section)?
        .into_iter()
        .map(|r| {
            let members: serde_json::Value = parse_json(&r.members, "signal members")?;
            Ok(
                json!({"kind": r.kind, "strength": r.strength, "bids": members,
                "evidence": r.evidence, "basis": r.basis}),
            )
        })
        .collect()
}
