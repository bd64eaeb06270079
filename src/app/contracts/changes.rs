//! Changes and terminations of a signed contract (合同变更 / 解除): either party proposes one
//! with a reason code (and, for a change, the whole new terms); it takes effect only when both
//! parties have signed its document (`etender-contract-change/v1` ‖ digest) — the first
//! signature alone changes nothing. A change touching a locked term its reason does not allow
//! is refused (`locked_term`). The effective change makes a new version, kept with every
//! term's before and after; a termination ends the contract. One proposal at a time; the other
//! party may decline it, the proposer withdraw it.

use super::release::{publish, Tag};
use super::*;
use crate::app::support::publicity::Env;
use crate::db::repo::identity as idrepo;
use crate::domain::contract::{ChangeReason, ChangeState, ChangeWhat, TerminationReason};
use crate::mail::{enqueue, OutgoingMail};

fn note_of(note: &str) -> AppResult<String> {
    let n = note.trim().to_string();
    if n.is_empty() || n.chars().count() > 2000 {
        return Err(AppError::field("note", "length", "1 to 2000 characters"));
    }
    Ok(n)
}

/// The request's reason as the kind's code list has it.
fn what_of(req: &ProposeChangeRequest) -> AppResult<ChangeWhat> {
    let reason = json!(req.reason.trim());
    match req.kind {
        ChangeKind::Amendment => {
            if req.terms.is_none() {
                return Err(AppError::field(
                    "terms",
                    "required",
                    "a change states the whole new terms",
                ));
            }
            serde_json::from_value::<ChangeReason>(reason)
                .map(ChangeWhat::Amend)
                .map_err(|_| {
                    AppError::field(
                        "reason",
                        "unknown",
                        "design_change, force_majeure, price_adjustment, \
                         project_manager_replacement or editorial",
                    )
                })
        }
        ChangeKind::Termination => {
            if req.terms.is_some() {
                return Err(AppError::field(
                    "terms",
                    "not_allowed",
                    "a termination changes no terms",
                ));
            }
            serde_json::from_value::<TerminationReason>(reason)
                .map(ChangeWhat::Terminate)
                .map_err(|_| {
                    AppError::field(
                        "reason",
                        "unknown",
                        "mutual_agreement, force_majeure, supplier_breach or tenderer_breach",
                    )
                })
        }
    }
}

pub async fn propose_contract_change(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: ProposeChangeRequest,
) -> AppResult<ContractChange> {
    let note = note_of(&req.note)?;
    let what = what_of(&req)?;
    if let Some(t) = &req.terms {
        if let Some((field, why)) = t.problems().first() {
            return Err(AppError::field(field, "invalid", why.clone()));
        }
    }
    let (actor, tender, section) = (actor.clone(), tender.to_string(), section.to_string());
    let now = ctx.clock.now().trunc_subsecs(6);
    ctx.db
        .write(move |c| {
            let (row, viewer) = load(c, &actor, &tender, &section)?;
            let side = require_party(viewer)?;
            require_state(&row, ContractState::Signed)?;
            let pending = repo::changes(c, &row.id)?
                .into_iter()
                .any(|ch| ch.state == ChangeState::Proposed.as_str());
            if pending {
                return Err(AppError::new(
                    ErrorCode::ChangePending,
                    "another change waits for its signatures: decline or sign it first",
                ));
            }
            let changes = match (what, &req.terms) {
                (ChangeWhat::Amend(reason), Some(after)) => {
                    let changes = rules::diff(&terms_of(&row)?, after);
                    if changes.is_empty() {
                        return Err(AppError::field(
                            "terms",
                            "unchanged",
                            "the terms are the contract's current ones",
                        ));
                    }
                    let refused = rules::refused_terms(reason, &changes);
                    if !refused.is_empty() {
                        return Err(AppError::new(
                            ErrorCode::LockedTerm,
                            format!(
                                "{} are locked to the tender and the winning bid (条例57); a \
                                 `{}` change does not allow changing them",
                                refused
                                    .iter()
                                    .map(|t| t.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                reason.as_str()
                            ),
                        ));
                    }
                    changes
                }
                _ => Vec::new(),
            };
            let doc = canonical_json(&rules::change_document(
                &row.id,
                row.version,
                side,
                &what,
                &changes,
                &note,
            ));
            let ch = repo::ChangeRow {
                id: uuid::Uuid::now_v7().to_string(),
                contract_id: row.id.clone(),
                base_version: row.version,
                kind: req.kind.as_str().into(),
                reason: req.reason.trim().to_string(),
                note,
                terms: req.terms.as_ref().map(to_json).transpose()?,
                changes: to_json(&changes)?,
                digest: sha256_hex(doc.as_bytes()),
                document: doc,
                proposer: side.as_str().into(),
                tenderer_signature: None,
                winner_signature: None,
                state: ChangeState::Proposed.as_str().into(),
                proposed_at: db_now(now),
                decided_at: None,
            };
            repo::insert_change(c, &ch)?;
            record(
                c,
                now,
                EventType::ContractChangeProposed,
                &row,
                party_ref(&actor, side),
                json!({"change": ch.id, "kind": ch.kind, "reason": ch.reason,
                    "base_version": ch.base_version, "proposer": side.as_str(),
                    "digest": ch.digest, "changes": changes}),
            )?;
            let other = match side {
                Side::Tenderer => &row.winner_id,
                Side::Winner => &row.tenderer_id,
            };
            let what = match ChangeKind::parse(&ch.kind) {
                Some(ChangeKind::Termination) => "解除",
                _ => "变更",
            };
            if let Some(o) = idrepo::find_organisation(c, other)? {
                enqueue(
                    c,
                    now,
                    OutgoingMail {
                        to: o.contact_email,
                        subject: format!(
                            "合同{}待签：{} {}",
                            what, row.tender_id, row.section_code
                        ),
                        body: format!(
                            "对方提出合同{}（事由 {}，摘要 {}）；双方签署后生效。\n",
                            what, ch.reason, ch.digest
                        ),
                        kind: "contract_change".into(),
                        tender_id: Some(row.tender_id.clone()),
                    },
                )?;
            }
            change_dto(&ch)
        })
        .await
}

/// The change `id` of the caller's contract, still proposed and on the current version.
fn open_change(
    c: &mut AnyConnection,
    row: &repo::ContractRow,
    id: &str,
) -> AppResult<repo::ChangeRow> {
    let ch = repo::find_change(c, id)?
        .filter(|ch| ch.contract_id == row.id)
        .ok_or_else(|| AppError::not_found(format!("no change {id} of this contract")))?;
    if ch.state != ChangeState::Proposed.as_str() {
        return Err(AppError::new(
            ErrorCode::InvalidStateTransition,
            format!("the change is {}", ch.state),
        ));
    }
    Ok(ch)
}

pub async fn sign_contract_change(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    change: &str,
    req: ContractSignatureRequest,
) -> AppResult<Contract> {
    let (actor, tender, section, change) = (
        actor.clone(),
        tender.to_string(),
        section.to_string(),
        change.to_string(),
    );
    let (signing, now) = contract_ctx(ctx);
    let env = Env::of(ctx);
    ctx.db
        .write(move |c| {
            let (mut row, viewer) = load(c, &actor, &tender, &section)?;
            let side = require_party(viewer)?;
            require_state(&row, ContractState::Signed)?;
            let mut ch = open_change(c, &row, &change)?;
            let slot = match side {
                Side::Tenderer => &ch.tenderer_signature,
                Side::Winner => &ch.winner_signature,
            };
            if slot.is_some() {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "this party has signed the change already",
                ));
            }
            let statement = rules::change_statement(&digest_bytes(&ch.digest)?);
            let digest = ch.digest.clone();
            let sig = party_signature(
                c, &signing, &row, side, &req, &digest, &statement, &actor, now,
            )?;
            let kept = Some(to_json(&sig)?);
            match side {
                Side::Tenderer => ch.tenderer_signature = kept,
                Side::Winner => ch.winner_signature = kept,
            }
            record(
                c,
                now,
                EventType::ContractChangeSigned,
                &row,
                party_ref(&actor, side),
                json!({"change": ch.id, "side": side.as_str(), "digest": digest,
                    "signature": sig.signature, "signature_algorithm": sig.signature_algorithm,
                    "certificate": sig.certificate, "fingerprint": sig.signer_fingerprint}),
            )?;
            // The release reads the change as it now stands: saved first.
            let effect = if ch.tenderer_signature.is_some() && ch.winner_signature.is_some() {
                Some(take_effect(c, now, &mut row, &mut ch, &actor, side)?)
            } else {
                None
            };
            repo::update_change(c, &ch)?;
            if let Some((tag, event)) = effect {
                publish(c, &env, now, &row, tag, &event)?;
            }
            repo::update(c, &row)?;
            contract_dto(c, &row, now)
        })
        .await
}

/// Both parties signed the change: a new version, or the end of the contract.
fn take_effect(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    row: &mut repo::ContractRow,
    ch: &mut repo::ChangeRow,
    actor: &Actor,
    side: Side,
) -> AppResult<(Tag, String)> {
    if ch.base_version != row.version {
        return Err(internal(anyhow::anyhow!(
            "change {} on version {} of a contract at {}",
            ch.id,
            ch.base_version,
            row.version
        )));
    }
    ch.state = ChangeState::Effective.as_str().into();
    ch.decided_at = Some(db_now(now));
    row.updated_at = db_now(now);
    if ChangeKind::parse(&ch.kind) == Some(ChangeKind::Termination) {
        row.state = ContractState::Terminated.as_str().into();
        row.terminated_at = Some(db_now(now));
        let event = record(
            c,
            now,
            EventType::ContractTerminated,
            row,
            party_ref(actor, side),
            json!({"change": ch.id, "reason": ch.reason, "digest": ch.digest}),
        )?;
        return Ok((Tag::Termination, event));
    }
    let terms: Terms = parse_json(ch.terms.as_deref().unwrap_or("null"), "the change's terms")?;
    let version = row.version + 1;
    set_version(c, row, version, &terms)?;
    // The new version is in force by both signatures over the change that made it.
    row.tenderer_signature = ch.tenderer_signature.clone();
    row.winner_signature = ch.winner_signature.clone();
    repo::insert_version(
        c,
        &repo::VersionRow {
            contract_id: row.id.clone(),
            version,
            terms: row.terms.clone(),
            digest: row.digest.clone(),
            change_id: Some(ch.id.clone()),
            changes: ch.changes.clone(),
            effective_at: db_now(now),
        },
    )?;
    let changes: serde_json::Value = parse_json(&ch.changes, "change diff")?;
    let event = record(
        c,
        now,
        EventType::ContractChangeEffective,
        row,
        party_ref(actor, side),
        json!({"change": ch.id, "version": version, "digest": row.digest,
            "change_digest": ch.digest, "changes": changes, "terms": terms}),
    )?;
    Ok((Tag::Amendment, event))
}

pub async fn decline_contract_change(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    change: &str,
    req: DeclineChangeRequest,
) -> AppResult<ContractChange> {
    let note = note_of(&req.note)?;
    let (actor, tender, section, change) = (
        actor.clone(),
        tender.to_string(),
        section.to_string(),
        change.to_string(),
    );
    let now = ctx.clock.now().trunc_subsecs(6);
    ctx.db
        .write(move |c| {
            let (row, viewer) = load(c, &actor, &tender, &section)?;
            let side = require_party(viewer)?;
            require_state(&row, ContractState::Signed)?;
            let mut ch = open_change(c, &row, &change)?;
            ch.state = ChangeState::Declined.as_str().into();
            ch.decided_at = Some(db_now(now));
            repo::update_change(c, &ch)?;
            record(
                c,
                now,
                EventType::ContractChangeDeclined,
                &row,
                party_ref(&actor, side),
                json!({"change": ch.id, "side": side.as_str(),
                    "withdrawn": ch.proposer == side.as_str(), "note": note}),
            )?;
            change_dto(&ch)
        })
        .await
}
