//! `POST …/contract/signatures`: a party signs the contract's current version with its
//! organisation certificate (`etender-contract/v1` ‖ digest). Refused while the award's
//! publicity runs or the tender is suspended, and before the performance bond the tender asks
//! for is recorded. The second party's signature makes the contract binding: version 1 is kept,
//! every bidder's bond refund falls due within 5 days (条例57), a signing after the 30 days is
//! recorded as late, and the tender becomes `contracted` once every awarded section's contract
//! is signed.

use super::release::{publish, Tag};
use super::*;
use crate::app::support::publicity::Env;
use crate::app::support::refunds::{self, Scope};
use crate::db::repo::identity as idrepo;
use crate::domain::refund::Ground;
use crate::mail::{enqueue, OutgoingMail};

pub async fn sign_contract(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: ContractSignatureRequest,
) -> AppResult<Contract> {
    let (actor, tender, section) = (actor.clone(), tender.to_string(), section.to_string());
    let (signing, now) = contract_ctx(ctx);
    let rule = refunds::interest_rule(ctx);
    let env = Env::of(ctx);
    ctx.db
        .write(move |c| {
            let (mut row, viewer) = load(c, &actor, &tender, &section)?;
            let side = require_party(viewer)?;
            require_state(&row, ContractState::Draft)?;
            require_award_stands(c, &row)?;
            let award = award_support::load(c, &tender, &section)?;
            if let Some((_, until)) = award_support::publicity_window(&award.row) {
                if now < until.trunc_subsecs(6) {
                    return Err(AppError::new(
                        ErrorCode::PublicityNotOver,
                        format!("the award's publicity runs until {until}: no contract before"),
                    ));
                }
            }
            let terms = terms_of(&row)?;
            if terms.performance_bond_percent.is_some() && row.performance_bond.is_none() {
                return Err(AppError::new(
                    ErrorCode::PerformanceBondMissing,
                    "the tender asks for a performance bond: record it before signing",
                ));
            }
            let slot = match side {
                Side::Tenderer => &row.tenderer_signature,
                Side::Winner => &row.winner_signature,
            };
            if slot.is_some() {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "this party has signed the current version already",
                ));
            }
            let statement = contract_statement_of(&row)?;
            let digest = row.digest.clone();
            let sig = party_signature(
                c, &signing, &row, side, &req, &digest, &statement, &actor, now,
            )?;
            let kept = Some(to_json(&sig)?);
            match side {
                Side::Tenderer => row.tenderer_signature = kept,
                Side::Winner => row.winner_signature = kept,
            }
            row.updated_at = db_now(now);
            record(
                c,
                now,
                EventType::ContractSignatureAdded,
                &row,
                party_ref(&actor, side),
                json!({"side": side.as_str(), "digest": digest, "version": row.version,
                    "signature": sig.signature, "signature_algorithm": sig.signature_algorithm,
                    "certificate": sig.certificate, "fingerprint": sig.signer_fingerprint}),
            )?;
            let binding = row.tenderer_signature.is_some() && row.winner_signature.is_some();
            if binding {
                let event = complete(c, now, rule, &award, &mut row, &terms, &actor, side)?;
                publish(c, &env, now, &row, Tag::Contract, &event)?;
            }
            repo::update(c, &row)?;
            if binding {
                // The last awarded section's contract makes the tender `contracted`.
                award_support::sync_tender(c, now, &row.tender_id)?;
            }
            contract_dto(c, &row, now)
        })
        .await
}

/// Both signed: binding from now. Returns the `contract_signed` entry's id.
#[expect(
    clippy::too_many_arguments,
    reason = "the one step that makes the contract binding, everything it writes named"
)]
fn complete(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    rule: crate::domain::refund::InterestRule,
    award: &award_support::Award,
    row: &mut repo::ContractRow,
    terms: &Terms,
    actor: &Actor,
    side: Side,
) -> AppResult<String> {
    row.state = ContractState::Signed.as_str().into();
    row.signed_at = Some(db_now(now));
    repo::insert_version(
        c,
        &repo::VersionRow {
            contract_id: row.id.clone(),
            version: row.version,
            terms: row.terms.clone(),
            digest: row.digest.clone(),
            change_id: None,
            changes: "[]".into(),
            effective_at: db_now(now),
        },
    )?;
    let due = at(row.due_at);
    let event = record(
        c,
        now,
        EventType::ContractSigned,
        row,
        party_ref(actor, side),
        json!({"digest": row.digest, "version": row.version, "due_at": due,
            "late": now >= due, "price": terms.price, "terms": terms}),
    )?;
    let keep = award
        .section
        .contract
        .as_ref()
        .is_some_and(|s| s.keep_revoked_bonds);
    refunds::open(
        c,
        now,
        rule,
        Ground::ContractSigned,
        Scope::Section {
            tender: &row.tender_id,
            section: &row.section_code,
            keep_revoked: keep,
        },
        party_ref(actor, side),
    )?;
    for org in [&row.tenderer_id, &row.winner_id] {
        if let Some(o) = idrepo::find_organisation(c, org)? {
            enqueue(
                c,
                now,
                OutgoingMail {
                    to: o.contact_email,
                    subject: format!("合同已签订：{} {}", row.tender_id, row.section_code),
                    body: format!(
                        "双方已签署合同第 {} 版（摘要 {}）。投标保证金及利息于五日内退还（条例第五十七条）。\n",
                        row.version, row.digest
                    ),
                    kind: "contract_signed".into(),
                    tender_id: Some(row.tender_id.clone()),
                },
            )?;
        }
    }
    Ok(event)
}
