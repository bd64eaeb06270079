//! Bid submission (投标): bonds, resumable uploads of sealed parts, submission with a receipt,
//! replacement, withdrawal and re-confirmation. The contract is docs/BIDDING.md §2.
//!
//! The server never sees a bid's plaintext: it checks the signed manifest and that the stored
//! ciphertext hashes to what the bidder signed. Nothing here tells anyone but the bidding
//! organisation whether it has bid (the audit events of bids name no tender in their leaves and
//! their bodies are the bidder's alone until the opening).

mod abandon_late_uploads;
mod abandon_upload;
mod bank_notice;
mod bond_account;
mod confirm;
mod my_bid;
mod my_bonds;
mod open_upload;
mod put_part;
mod receipt;
mod submit;
mod upload_status;
mod withdraw;

use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::signing::require_organisation;
use crate::app::support::signing::verify_statement;
use crate::app::support::signing::Signed;
use crate::app::support::signing::Signing;
use crate::app::support::tender::state_of;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event as AuditEvent;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::tenders as trepo;
use crate::db::types::from_db;
use crate::db::types::to_db;
use crate::db::types::unsigned;
use crate::db::AnyConnection;
use crate::domain::bidding::accepting_bids;
use crate::domain::bidding::bond_sufficient;
use crate::domain::bidding::BidRefusal;
use crate::domain::bidding::BidState;
use crate::domain::bidding::UploadState;
use crate::domain::money::Money;
use crate::domain::tender::Section;
use crate::domain::tender::TenderDraft;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::seal;
use crate::seal::statements;
use crate::seal::Manifest;
use crate::seal::OuterError;
use crate::wire::bids::ReceiptKind;
use crate::wire::bids::*;
pub use abandon_late_uploads::*;
pub use abandon_upload::*;
pub use bank_notice::*;
use base64::Engine;
pub use bond_account::*;
use chrono::DateTime;
use chrono::Utc;
pub use confirm::*;
pub use my_bid::*;
pub use my_bonds::*;
pub use open_upload::*;
pub use put_part::*;
pub use receipt::*;
use serde_json::json;
pub use submit::*;
pub use upload_status::*;
pub use withdraw::*;

/// The tender row, its published draft and the section, for a bidder; 404 for drafts (they
/// are not public) and unknown sections.
fn load_section(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<(trepo::TenderRow, TenderDraft, Section)> {
    let row = trepo::find_tender(c, tender)?
        .filter(|r| r.published_at.is_some())
        .ok_or_else(|| AppError::not_found(format!("no tender {tender}")))?;
    let draft = published_draft(c, &row)?;
    let sec = draft
        .sections
        .iter()
        .find(|s| s.code == section)
        .cloned()
        .ok_or_else(|| AppError::not_found(format!("no section {section} in tender {tender}")))?;
    Ok((row, draft, sec))
}

fn refusal(r: BidRefusal, deadline: DateTime<Utc>) -> AppError {
    match r {
        BidRefusal::DeadlinePassed => AppError::new(
            ErrorCode::DeadlinePassed,
            format!("the bid deadline {deadline} has passed (server clock)"),
        ),
        BidRefusal::NotAccepting(s) => AppError::new(
            ErrorCode::NotAcceptingBids,
            format!("the tender is {} and takes no bids", s.as_str()),
        ),
    }
}

/// Bids are taken now (E3), judged by the server clock inside the caller's transaction.
fn check_accepting(row: &trepo::TenderRow, now: DateTime<Utc>) -> AppResult<()> {
    let deadline = from_db(row.bid_deadline);
    accepting_bids(state_of(row)?.kind(), deadline, now).map_err(|r| refusal(r, deadline))
}

fn bonds_cover(c: &mut AnyConnection, section: &Section, tender: &str, org: &str) -> AppResult<()> {
    let bonds = repo::bonds_of(c, tender, &section.code, org)?;
    let amounts: Vec<Money> = bonds.iter().filter_map(|b| b.amount.parse().ok()).collect();
    if bond_sufficient(section.bid_bond, &amounts) {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::BidBondMissing,
            format!(
                "section {} requires a bid bond of {}; \
                 the trading centre has not recorded it in full",
                section.code,
                section.bid_bond.map(|m| m.to_string()).unwrap_or_default()
            ),
        ))
    }
}

fn current_bid(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    org: &str,
) -> AppResult<Option<repo::BidRow>> {
    Ok(repo::bids_of_bidder(c, tender, section, org)?
        .into_iter()
        .find(|b| b.state().is_ok_and(|s| s == BidState::Submitted)))
}

fn bid_view(b: &repo::BidRow, reconfirm_from: Option<i32>) -> AppResult<BidView> {
    let state = b.state()?;
    Ok(BidView {
        bid_id: b.id.clone(),
        version: unsigned(b.version),
        state,
        received_at: from_db(b.received_at),
        manifest_sha256: b.manifest_sha256.clone(),
        confirmed_tender_version: unsigned(b.confirmed_tender_version),
        needs_reconfirmation: state == BidState::Submitted
            && crate::domain::bidding::needs_reconfirmation(
                b.confirmed_tender_version,
                reconfirm_from,
            ),
    })
}

fn upload_view(u: &repo::UploadRow, parts: &[repo::UploadPartRow]) -> AppResult<UploadStatus> {
    Ok(UploadStatus {
        id: u.id.clone(),
        tender_id: u.tender_id.clone(),
        section: u.section_code.clone(),
        bid_version: unsigned(u.bid_version),
        state: u.state()?,
        manifest_sha256: u.manifest_sha256.clone(),
        parts: parts.iter().map(part_view).collect(),
    })
}

fn part_view(p: &repo::UploadPartRow) -> PartStatus {
    PartStatus {
        index: p.part_index as u32,
        name: p.name.clone(),
        received: p.received as u64,
        ciphertext_len: p.ciphertext_len as u64,
        complete: p.complete,
    }
}

fn outer_error(e: OuterError) -> AppError {
    match e {
        OuterError::SignatureInvalid(_)
        | OuterError::SignerMismatch
        | OuterError::EnvelopeStatementInvalid(_) => {
            AppError::new(ErrorCode::BidSignatureInvalid, e.to_string())
        }
        OuterError::KeyReused(_) => AppError::new(ErrorCode::BidKeyReused, e.to_string()),
        other => AppError::new(ErrorCode::BidManifestInvalid, other.to_string()),
    }
}

fn bond_dto(r: &repo::BondRow) -> AppResult<BidBond> {
    Ok(BidBond {
        id: r.id.clone(),
        tender_id: r.tender_id.clone(),
        section: r.section_code.clone(),
        organisation_id: r.organisation_id.clone(),
        amount: r.amount.parse().unwrap_or_else(|_| Money::zero()),
        kind: r.kind()?,
        reference: r.reference.clone(),
        issuer: r.recorded_by.clone(),
        recorded_at: from_db(r.recorded_at),
    })
}

fn own_upload(c: &mut AnyConnection, actor: &Actor, id: &str) -> AppResult<repo::UploadRow> {
    let org = actor.bidder_org()?;
    repo::find_upload(c, id)?
        .filter(|u| u.organisation_id == org)
        .ok_or_else(|| AppError::not_found(format!("no upload {id}")))
}

/// Build a receipt for `bid_id`, with the audit entry of `event_id` (default: the submission)
/// in a signed checkpoint if the log can give one now.
async fn receipt_for(
    ctx: &AppContext,
    actor: &Actor,
    bid_id: &str,
    kind: ReceiptKind,
    event_id: Option<String>,
) -> AppResult<Receipt> {
    let (a, id) = (actor.clone(), bid_id.to_string());
    let (bid, parts) = ctx
        .db
        .read_primary(move |c| {
            let org = a.bidder_org()?;
            let bid = repo::find_bid(c, &id)?
                .filter(|b| b.organisation_id == org)
                .ok_or_else(|| AppError::not_found(format!("no bid {id}")))?;
            let parts = repo::bid_parts(c, &bid.id)?;
            Ok((bid, parts))
        })
        .await?;
    let event_id = event_id.unwrap_or_else(|| bid.receipt_event_id.clone());
    // The receipt is worth most with its proof: integrate now rather than wait for the
    // background sequencer. A busy log may still answer "pending"; the GET fills it in later.
    let proof = match crate::audit::checkpoint_now(&ctx.db, &ctx.audit_log, "receipt").await {
        Ok(_) => super::audit::receipt(ctx, actor, &event_id).await.ok(),
        Err(e) => {
            tracing::warn!(error = %e, "receipt checkpoint failed");
            None
        }
    };
    let log_index = proof
        .as_deref()
        .and_then(|p| crate::audit::proof_text::TlogProof::parse(p).ok())
        .map(|p| p.index);
    Ok(Receipt {
        kind,
        bid_id: bid.id.clone(),
        tender_id: bid.tender_id.clone(),
        section: bid.section_code.clone(),
        bidder_uscc: bid.bidder_uscc.clone(),
        bid_version: unsigned(bid.version),
        received_at: from_db(bid.received_at),
        manifest_sha256: bid.manifest_sha256.clone(),
        parts: parts
            .iter()
            .map(|p| ReceiptPart {
                index: p.part_index as u32,
                name: p.name.clone(),
                ciphertext_len: p.ciphertext_len as u64,
                ciphertext_sha256: p.ciphertext_sha256.clone(),
            })
            .collect(),
        certificate_serial: bid.certificate_serial.clone(),
        supersedes: bid.supersedes.clone(),
        audit: ReceiptAudit {
            event_id,
            log_index,
            tlog_proof: proof,
        },
    })
}

/// Which statement a bidder signs about its current bid.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BidStatement {
    Withdrawal,
    Confirmation,
}

/// 撤回 or 再确认 of the current bid, signed with the bidder's certificate, before the deadline.
async fn bid_statement(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    signed: Signed,
    what: BidStatement,
) -> AppResult<Receipt> {
    let org = actor.bidder_org()?;
    let (tender, section, a, clock, signing) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.clone(),
        Signing::of(ctx),
    );
    let rule = crate::app::support::refunds::interest_rule(ctx);
    let (bid_id, event_id) = ctx
        .db
        .write(move |c| {
            let (_, _, sec) = load_section(c, &tender, &section)?;
            let row = trepo::lock_tender(c, &tender)?
                .ok_or_else(|| AppError::not_found(format!("no tender {tender}")))?;
            // Read with the tender locked in this transaction, not before waiting for it.
            let now = clock.now();
            check_accepting(&row, now)?;
            let mut bid = current_bid(c, &tender, &sec.code, &org)?.ok_or_else(|| {
                AppError::new(ErrorCode::NoBid, "you have no current bid for this section")
            })?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_organisation(&cert, &bid.bidder_uscc)?;
            let mut digest = [0u8; 32];
            hex::decode_to_slice(&bid.manifest_sha256, &mut digest).map_err(internal)?;
            let (payload, label, event_type) = match what {
                BidStatement::Withdrawal => (
                    statements::withdrawal_payload(
                        &tender,
                        &sec.code,
                        &bid.bidder_uscc,
                        bid.version as u32,
                        &digest,
                    ),
                    "withdrawal",
                    EventType::BidWithdrawn,
                ),
                BidStatement::Confirmation => (
                    statements::confirmation_payload(
                        &tender,
                        &sec.code,
                        &bid.bidder_uscc,
                        bid.version as u32,
                        &digest,
                        row.version as u32,
                    ),
                    "confirmation",
                    EventType::BidConfirmed,
                ),
            };
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &payload,
                &signed.signature,
                label,
            )?;
            let signature = base64::engine::general_purpose::STANDARD.encode(&signed.signature);
            let body = json!({"bid": bid.id, "tender": tender, "section": sec.code,
                "organisation": org, "version": bid.version,
                "manifest_sha256": bid.manifest_sha256, "tender_version": row.version,
                "certificate_serial": cert.serial_hex, "signature": signature});
            let event_id = audit::record(
                c,
                now,
                AuditEvent {
                    event_type,
                    tender_id: None,
                    section_id: None,
                    actor: a.audit_as(crate::domain::identity::Role::Bidder),
                    subject: bid.id.clone(),
                    body,
                },
            )?;
            match what {
                BidStatement::Withdrawal => {
                    bid.set_state(BidState::Withdrawn);
                    bid.closed_at = Some(to_db(now));
                }
                BidStatement::Confirmation => bid.confirmed_tender_version = row.version,
            }
            repo::update_bid(c, &bid)?;
            if what == BidStatement::Withdrawal {
                // 条例35: the bond of a bid withdrawn before the deadline is back within 5 days.
                use crate::app::support::refunds::{open, Scope};
                open(
                    c,
                    now,
                    rule,
                    crate::domain::refund::Ground::BidWithdrawn,
                    Scope::Bidder {
                        tender: &tender,
                        section: &sec.code,
                        organisation: &org,
                    },
                    a.audit_as(crate::domain::identity::Role::Bidder),
                )?;
            }
            Ok((bid.id, event_id))
        })
        .await?;
    let kind = match what {
        BidStatement::Withdrawal => ReceiptKind::Withdrawal,
        BidStatement::Confirmation => ReceiptKind::Confirmation,
    };
    receipt_for(ctx, actor, &bid_id, kind, Some(event_id)).await
}

/// Key reuse against the bidder's earlier versions and the section's other bids (a copied
/// part would show as a repeated DEK commitment or nonce prefix).
fn check_reuse_with_earlier(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    org: &str,
    manifest: &Manifest,
) -> AppResult<()> {
    let all = repo::bids_of_section(
        c,
        tender,
        section,
        &[
            BidState::Submitted,
            BidState::Superseded,
            BidState::Withdrawn,
            BidState::Lapsed,
        ],
    )?;
    let mut earlier = Vec::with_capacity(all.len());
    for b in &all {
        earlier.push(parse_json::<Manifest>(&b.manifest, "manifest")?);
    }
    let mut refs: Vec<&Manifest> = earlier.iter().collect();
    refs.push(manifest);
    seal::check_key_reuse(&refs).map_err(|e| {
        // Never name another bidder's bid: say only that this bid's keys are not fresh.
        let own = all.iter().any(|b| b.organisation_id == org);
        AppError::new(
            ErrorCode::BidKeyReused,
            if own {
                format!("key material repeats an earlier bid: {e}")
            } else {
                "key material of this bid is not fresh; seal it again".to_string()
            },
        )
    })
}
