//! The bank reports a bond that arrived in a bidder's virtual sub-account.
//!
//! Why a signed notice and not a person at the centre typing it in (`record_bond`): whoever
//! records a bond learns who means to bid on which tender. Here nobody does: the bank knows an
//! account number and an amount, the notice names only those, and the platform matches the
//! account under its KEK and stores the bond sealed (`db::sealing`); the bond shows in the
//! bidder's own view at once, and in the tender's chain only when the opening lists the bids.
//!
//! Authentication is the bank's HMAC-SHA256 over the exact body bytes with a key shared out of
//! band (`[bonds] notice_key_file`) — the scheme banks' payment callbacks use, and the one a
//! single, fixed counterpart needs: no certificate, role or login of the platform's own is
//! involved, and nothing in the platform can forge a notice without the key file. The bank's
//! transfer reference is unique per account, so a replayed notice is refused (`conflict`).

use super::*;
use crate::app::AppContext;
use crate::audit;
use crate::audit::ActorRef;
use crate::audit::Event as AuditEvent;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::types::to_db;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::bids::*;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::json;

/// The header carrying the notice's signature: base64 of HMAC-SHA256(key, body).
pub const BANK_SIGNATURE_HEADER: &str = "x-bank-signature";

/// Shortest notice key accepted (bytes).
const MIN_KEY: usize = 32;

/// Records the bond a bank notice reports; `body` is the notice exactly as received.
pub async fn bank_notice(
    ctx: &AppContext,
    signature: Option<&str>,
    body: &[u8],
) -> AppResult<BankNoticeAck> {
    let refused = || {
        AppError::new(
            ErrorCode::SignatureInvalid,
            format!("{BANK_SIGNATURE_HEADER} is not the bank's signature of this body"),
        )
    };
    // No bank connected: no signature can be the bank's.
    let key_file = ctx.settings.bonds.notice_key_file.clone();
    if key_file.as_os_str().is_empty() {
        return Err(refused());
    }
    let key = std::fs::read(&key_file).map_err(|e| {
        internal(anyhow::anyhow!(
            "bonds.notice_key_file {}: {e}",
            key_file.display()
        ))
    })?;
    if key.len() < MIN_KEY {
        return Err(internal(anyhow::anyhow!(
            "bonds.notice_key_file {} holds fewer than {MIN_KEY} bytes",
            key_file.display()
        )));
    }
    let signature = signature
        .and_then(|s| B64.decode(s.trim()).ok())
        .ok_or_else(refused)?;
    let hmac_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    ring::hmac::verify(&hmac_key, body, &signature).map_err(|_| refused())?;
    let notice: BankNotice = serde_json::from_slice(body)
        .map_err(|e| AppError::new(ErrorCode::MalformedBody, format!("bank notice: {e}")))?;
    if notice.amount.amount() <= rust_decimal::Decimal::ZERO {
        return Err(AppError::field(
            "amount",
            "not_positive",
            "a bond amount must be positive",
        ));
    }
    let reference = notice.reference.trim().to_string();
    if reference.is_empty() || reference.chars().count() > 128 {
        return Err(AppError::field(
            "reference",
            "invalid",
            "1 to 128 characters",
        ));
    }
    let now = ctx.clock.now();
    ctx.db
        .write(move |c| {
            let account = repo::bond_account(c, &notice.account)?
                .ok_or_else(|| AppError::not_found("no such sub-account"))?;
            let row = repo::BondRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: account.tender_id.clone(),
                section_code: account.section_code.clone(),
                organisation_id: account.organisation_id.clone(),
                amount: notice.amount.to_string(),
                kind: "cash".into(),
                reference: reference.clone(),
                recorded_by: "bank".into(),
                recorded_at: to_db(now),
            };
            repo::insert_bond(c, &row).map_err(|e| {
                if idrepo::is_unique_violation(&e) {
                    AppError::new(
                        ErrorCode::Conflict,
                        "this transfer reference is already recorded",
                    )
                } else {
                    AppError::from(e)
                }
            })?;
            audit::record(
                c,
                now,
                AuditEvent {
                    event_type: EventType::BidBondRecorded,
                    tender_id: None,
                    section_id: None,
                    actor: ActorRef {
                        role: "bank".into(),
                        id: "bank".into(),
                    },
                    subject: account.organisation_id.clone(),
                    body: json!({"bond": row.id, "tender": row.tender_id,
                        "section": row.section_code, "organisation": row.organisation_id,
                        "amount": row.amount, "kind": row.kind, "reference": row.reference,
                        "account": account.account, "arrived_at": notice.arrived_at}),
                },
            )?;
            Ok(BankNoticeAck {
                reference,
                recorded_at: now,
            })
        })
        .await
}
