//! `POST …/award/steps/{step}/casts`: a member of the award committee casts its one secret
//! ballot in a ballot round, files its written opinion (集体议事), or — the chair, once every
//! opinion is in — decides with a reason; each signed with the member's personal certificate
//! over `ballot::statement` (the step, the section, the award round, the member and the
//! choices). The log carries only the commitment; the casts are revealed when the step
//! closes, which the last member's ballot does at once (docs/AWARD.md §3).

use base64::Engine as _;
use serde_json::json;

use super::deciding::{among_of, deciding, member_of, proceed, Timing};
use crate::app::support::award as sa;
use crate::app::support::json::to_json;
use crate::app::support::signing::{require_person, verify_statement, Signed, Signing};
use crate::app::{Actor, AppContext};
use crate::audit::{self, Event, EventType};
use crate::db::repo::award_rounds as repo;
use crate::db::types::to_db;
use crate::domain::award::ballot::{self, BallotOf, Cast};
use crate::domain::award::stage::AwardStage;
use crate::domain::award::{CastKind, StepKind};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award_rounds::CastReceipt;

/// Longest written reason, in characters.
const REASON_MAX: usize = 2000;

pub async fn cast(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    step: &str,
    cast: Cast,
    signed: Signed,
) -> AppResult<CastReceipt> {
    if cast
        .reason()
        .is_some_and(|r| r.chars().count() > REASON_MAX)
    {
        return Err(AppError::field(
            "cast.reason",
            "too_long",
            format!("at most {REASON_MAX} characters"),
        ));
    }
    let (tender, section, step, actor, now) = (
        tender.to_string(),
        section.to_string(),
        step.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    let signing = Signing::of(ctx);
    let timing = Timing::of(ctx);
    ctx.db
        .write(move |c| {
            let mut award = sa::load(c, &tender, &section)?;
            let d = deciding(c, &award)?;
            let Some((me, cert_person)) = member_of(c, &d, &actor)? else {
                return Err(AppError::new(
                    ErrorCode::NotAnAwardMember,
                    "only the award committee's members vote",
                ));
            };
            let me = me.clone();
            let row = repo::step(c, &step)?
                .filter(|s| {
                    s.tender_id == d.tender
                        && s.section_code == d.section
                        && s.award_round == d.award_round
                })
                .ok_or_else(|| AppError::not_found("no such award step"))?;
            // A step's time may be over before the tick closed it: it is closed all the same.
            let over = row
                .closes_at
                .is_some_and(|t| now >= crate::db::types::from_db(t));
            if row.closed_at.is_some() || over || award.stage != AwardStage::Deciding {
                return Err(AppError::new(
                    ErrorCode::RoundClosed,
                    "this award step is closed: its ballots are counted",
                ));
            }
            let among = among_of(&row)?;
            let picks = usize::try_from(row.picks).unwrap_or_default();
            let casts = repo::casts(c, &row.id)?;
            let step_kind = row.kind()?;
            let kind_ok = match (&cast, step_kind) {
                (Cast::Ballot { choices, .. }, StepKind::Vote) => {
                    let distinct: std::collections::BTreeSet<&String> = choices.iter().collect();
                    if choices.len() != picks
                        || distinct.len() != picks
                        || choices.iter().any(|x| !among.contains(x))
                    {
                        return Err(AppError::new(
                            ErrorCode::NotACandidate,
                            format!("a ballot of this round names {picks} of {among:?}"),
                        ));
                    }
                    true
                }
                (Cast::Opinion { candidate, reason }, StepKind::Deliberation)
                | (Cast::Decision { candidate, reason }, StepKind::Deliberation) => {
                    if !among.contains(candidate) {
                        return Err(AppError::new(
                            ErrorCode::NotACandidate,
                            format!("{candidate} is not among {among:?}"),
                        ));
                    }
                    if reason.trim().is_empty() {
                        return Err(AppError::field(
                            "cast.reason",
                            "required",
                            "an opinion and the chair's decision say why",
                        ));
                    }
                    true
                }
                _ => false,
            };
            if !kind_ok {
                return Err(AppError::field(
                    "cast.kind",
                    "not_this_step",
                    format!("this step is a {}", step_kind.as_str()),
                ));
            }
            if let Cast::Decision { .. } = &cast {
                if !me.chair {
                    return Err(AppError::new(
                        ErrorCode::NotAnAwardMember,
                        "only the chair decides a deliberation",
                    ));
                }
                let opinions = casts
                    .iter()
                    .filter(|b| b.kind().ok() == Some(CastKind::Opinion))
                    .count();
                if opinions < d.members.len() {
                    return Err(AppError::new(
                        ErrorCode::InvalidStateTransition,
                        "the chair decides once every member's written opinion is in",
                    ));
                }
            }
            if casts
                .iter()
                .any(|b| b.person_id == me.person && b.kind().ok() == Some(cast.kind()))
            {
                return Err(AppError::new(
                    ErrorCode::BallotAlreadyCast,
                    "your ballot in this step is cast already; a ballot is never changed",
                ));
            }
            let of = BallotOf {
                step: &row.id,
                tender: &d.tender,
                section: &d.section,
                award_round: d.round(),
                member: &me.person,
            };
            let statement = ballot::statement(&of, &cast);
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &cert_person)?;
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &statement,
                &signed.signature,
                "award ballot",
            )?;
            let b64 = &base64::engine::general_purpose::STANDARD;
            let commitment = hex::encode(ballot::commitment(&statement));
            let b = repo::BallotRow {
                id: uuid::Uuid::now_v7().to_string(),
                step_id: row.id.clone(),
                person_id: me.person.clone(),
                kind: cast.kind().as_str().into(),
                choices: to_json(&cast.choices())?,
                reason: cast.reason().map(str::to_string),
                statement_sha256: commitment.clone(),
                signature: b64.encode(&signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().into(),
                signer_fingerprint: cert.fingerprint_sha256.clone(),
                certificate: b64.encode(
                    signed
                        .certificate_chain
                        .first()
                        .cloned()
                        .unwrap_or_default(),
                ),
                cast_at: to_db(now),
                revealed_at: None,
            };
            repo::insert_ballot(c, &b)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::AwardBallotCast,
                    tender_id: Some(d.tender.clone()),
                    section_id: Some(d.section.clone()),
                    actor: crate::audit::ActorRef {
                        role: "award_member".into(),
                        id: actor.id.clone(),
                    },
                    subject: row.id.clone(),
                    // The commitment only: what the ballot says stays sealed until the close.
                    body: json!({"step": row.id, "member": me.person, "kind": b.kind,
                        "commitment": commitment}),
                },
            )?;
            proceed(c, now, &mut award, timing)?;
            Ok(CastReceipt {
                step: row.id,
                member: me.person,
                kind: cast.kind(),
                commitment,
                cast_at: now,
            })
        })
        .await
}
