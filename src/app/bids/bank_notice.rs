//! A bank or guarantee issuer reports a bond that arrived for a bidder's virtual sub-account.
//!
//! This is the only way a bond enters the platform. No person at the centre records one: whoever
//! did would learn who means to bid on which tender. Here nobody does: the issuer knows an
//! account number, an amount and the bond's form, the notice names only those, and the platform
//! matches the account under its KEK and stores the bond sealed (`db::sealing`); the bond shows
//! in the bidder's own view at once, and in the tender's chain only when the opening lists the
//! bids.
//!
//! Authentication is the issuer's HMAC-SHA256 over the exact body bytes with a key shared out
//! of band (`[bonds] notice_key_file` for the bank, `[bonds] issuers` for banks issuing
//! guarantees and insurers) — the scheme banks' payment callbacks use, and the one a few fixed
//! counterparts need: no certificate, role or login of the platform's own is involved, and
//! nothing in the platform can forge a notice without a key file. The key that verifies the
//! notice names its issuer, which the bond records. The issuer's reference is unique per
//! account, so a replayed notice is refused (`conflict`).

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
use std::path::Path;
use zeroize::Zeroizing;

pub use crate::wire::bids::BANK_SIGNATURE_HEADER;

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
            format!("{BANK_SIGNATURE_HEADER} is no connected issuer's signature of this body"),
        )
    };
    // The key that verifies the body names the issuer; with none connected, nothing does.
    let signature = signature
        .and_then(|s| B64.decode(s.trim()).ok())
        .ok_or_else(refused)?;
    let mut issuer = None;
    for candidate in ctx.settings.bonds.all_issuers() {
        let key = read_notice_key(&candidate.key_file).map_err(internal)?;
        let hmac_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
        if ring::hmac::verify(&hmac_key, body, &signature).is_ok() {
            issuer = Some(candidate.name);
            break;
        }
    }
    let issuer = issuer.ok_or_else(refused)?;
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
    let payer_account = notice
        .payer_account
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    if payer_account
        .as_ref()
        .is_some_and(|a| a.chars().count() > 64)
    {
        return Err(AppError::field(
            "payer_account",
            "invalid",
            "at most 64 characters",
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
                kind: notice.kind.as_str().into(),
                reference: reference.clone(),
                recorded_by: issuer.clone(),
                recorded_at: to_db(now),
                payer_account: payer_account.clone(),
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
                        role: "bond_issuer".into(),
                        id: issuer.clone(),
                    },
                    subject: account.organisation_id.clone(),
                    body: json!({"bond": row.id, "tender": row.tender_id,
                        "section": row.section_code, "organisation": row.organisation_id,
                        "amount": row.amount, "kind": row.kind, "reference": row.reference,
                        "issuer": issuer, "account": account.account,
                        "payer_account": payer_account, "arrived_at": notice.arrived_at}),
                },
            )?;
            Ok(BankNoticeAck {
                reference,
                recorded_at: now,
            })
        })
        .await
}

/// Every connected issuer's key can be read and is long enough (checked at the start).
pub fn check_notice_keys(bonds: &crate::config::BondSettings) -> anyhow::Result<()> {
    for issuer in bonds.all_issuers() {
        read_notice_key(&issuer.key_file)
            .map_err(|e| anyhow::anyhow!("bond issuer {:?}: {e}", issuer.name))?;
    }
    Ok(())
}

/// An issuer's notice key, checked for length.
fn read_notice_key(path: &Path) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let key = Zeroizing::new(
        std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("bonds notice key {}: {e}", path.display()))?,
    );
    if key.len() < MIN_KEY {
        anyhow::bail!(
            "bonds notice key {} holds fewer than {MIN_KEY} bytes",
            path.display()
        );
    }
    Ok(key)
}

/// Writes a new random notice key (32 bytes, mode 0600) to share with a bank or issuer; refuses
/// to overwrite a file. `etender bonds keygen`, and the development bank of `serve --dev` and
/// the demo.
pub fn generate_notice_key(path: &Path) -> anyhow::Result<()> {
    use ring::rand::SecureRandom as _;
    use std::io::Write as _;
    let mut key = Zeroizing::new([0u8; MIN_KEY]);
    ring::rand::SystemRandom::new()
        .fill(key.as_mut())
        .map_err(|_| anyhow::anyhow!("the system random generator failed"))?;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    f.write_all(key.as_ref())?;
    f.sync_all()?;
    Ok(())
}

/// The development bank's key at `path`, made when missing (`serve --dev`, the demo).
pub fn ensure_dev_notice_key(path: &Path) -> anyhow::Result<()> {
    if path.is_file() {
        return Ok(());
    }
    match generate_notice_key(path) {
        Ok(()) => {
            tracing::warn!(file = %path.display(), "created a development bank notice key");
            Ok(())
        }
        // Another process of this data directory made it first.
        Err(_) if path.is_file() => Ok(()),
        Err(e) => Err(e),
    }
}
