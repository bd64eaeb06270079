//! Open an upload for a signed manifest: every check that needs no ciphertext happens here, so a
//! bidder learns of a bad certificate or a missing bond before sending gigabytes.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::signing::require_organisation;
use crate::app::support::signing::Signing;
use crate::app::Actor;
use crate::app::AppContext;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::uploads as urepo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::bidding::BidLimits;
use crate::domain::bidding::UploadState;
use crate::domain::uscc::Uscc;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::error::FieldError;
use crate::limits::LimitSettings;
use crate::seal;
use crate::seal::BidContext;
use crate::seal::Manifest;
use crate::wire::bids::*;
use base64::Engine;

/// Open an upload for a signed manifest: every check that needs no ciphertext happens here,
/// so a bidder learns of a bad certificate or a missing bond before sending gigabytes.
pub async fn open_upload(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    manifest: Manifest,
    chain: Vec<Vec<u8>>,
    from: Option<std::net::IpAddr>,
) -> AppResult<UploadStatus> {
    let org = actor.bidder_org()?;
    let (tender, section, actor, now, signing, storage) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
        Signing::of(ctx),
        ctx.storage.clone(),
    );
    let independence = ctx.settings.tenders.custodian_independence;
    let limits = ctx.settings.limits.clone();
    let (status, abandoned) = ctx
        .db
        .write(move |c| {
            let (row, draft, sec) = load_section(c, &tender, &section)?;
            check_accepting(&row, now)?;
            crate::app::support::keys::refuse_custodian_employer(
                c,
                independence,
                &tender,
                &sec.code,
                &org,
            )?;
            require_not_party(&row, &org)?;
            crate::app::support::bans::refuse_banned(c, &org, now)?;
            within_bid_limits(&draft.bid_limits, &manifest)?;
            let organisation = idrepo::find_organisation(c, &org)?
                .ok_or_else(|| AppError::forbidden("unknown organisation"))?;
            let cert = signing.certificate(&chain, now)?;
            require_organisation(&cert, &organisation.uscc)?;
            let next = repo::max_version(c, &tender, &sec.code, &org)? + 1;
            if manifest.bid_version != next as u32 {
                return Err(AppError::new(
                    ErrorCode::BidVersionMismatch,
                    format!(
                        "seal this bid as version {next} (GET …/bids/mine tells the next version)"
                    ),
                ));
            }
            let expected = BidContext {
                tender_id: tender.clone(),
                section_id: sec.code.clone(),
                bidder_uscc: Uscc::parse(&organisation.uscc).map_err(internal)?,
                bid_version: next as u32,
                remedy: crate::app::support::keys::remedy_policy(c, &tender, &sec.code)?,
            };
            seal::verify_outer(
                &manifest,
                &expected,
                &cert.spki_der,
                manifest.outer_signature.algorithm,
            )
            .map_err(outer_error)?;
            check_reuse_with_earlier(c, &tender, &sec.code, &org, &manifest)?;
            bonds_cover(c, &sec, &tender, &org)?;
            // One open upload per bidder and section: a new one replaces the old.
            let mut abandoned = Vec::new();
            for mut u in repo::uploads_of(c, &tender, &sec.code, &org, UploadState::Open)? {
                u.set_state(UploadState::Abandoned);
                u.updated_at = to_db(now);
                repo::update_upload(c, &u)?;
                abandoned.push(u.id);
            }
            within_bidder_quota(c, &limits, &org, &manifest)?;
            let id = uuid::Uuid::now_v7().to_string();
            let canonical = manifest.to_canonical_json();
            let upload = repo::UploadRow {
                id: id.clone(),
                tender_id: tender.clone(),
                section_code: sec.code.clone(),
                organisation_id: org.clone(),
                bid_version: next,
                manifest: String::from_utf8(canonical).map_err(internal)?,
                manifest_sha256: hex::encode(seal::manifest_sha256(&manifest)),
                certificate: base64::engine::general_purpose::STANDARD.encode(&cert.der),
                certificate_serial: cert.serial_hex.clone(),
                signature_algorithm: manifest.outer_signature.algorithm.as_str().into(),
                state: UploadState::Open.as_str().into(),
                created_by: actor.id.clone(),
                created_at: to_db(now),
                updated_at: to_db(now),
                addresses: from.iter().map(ToString::to_string).collect(),
            };
            let parts: Vec<repo::UploadPartRow> = manifest
                .parts
                .iter()
                .map(|p| repo::UploadPartRow {
                    upload_id: id.clone(),
                    part_index: p.index as i32,
                    name: p.name.clone(),
                    ciphertext_len: p.ciphertext_len as i64,
                    ciphertext_sha256: hex::encode(p.ciphertext_sha256),
                    received: 0,
                    complete: false,
                })
                .collect();
            repo::insert_upload(c, &upload, &parts)?;
            Ok((upload_view(&upload, &parts)?, abandoned))
        })
        .await?;
    for a in abandoned {
        storage.remove_staging(&a);
    }
    Ok(status)
}

/// The tender's declared limits on one bid (`bid_limits`): checked on the manifest, before a
/// byte of ciphertext is sent.
fn within_bid_limits(limits: &BidLimits, manifest: &Manifest) -> AppResult<()> {
    let lens: Vec<u64> = manifest.parts.iter().map(|p| p.ciphertext_len).collect();
    let over = limits.exceeded_by(&lens);
    if over.is_empty() {
        return Ok(());
    }
    let mut e = AppError::new(
        ErrorCode::BidTooLarge,
        over.iter()
            .map(|o| o.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
    );
    e.errors = over
        .into_iter()
        .map(|o| FieldError {
            field: "manifest.parts".into(),
            code: o.limit.into(),
            message: o.message,
        })
        .collect();
    Err(e)
}

/// The platform's quota on what one bidder holds open (`limits.max_open_uploads_per_bidder`,
/// `limits.max_open_bytes_per_bidder`), counted after the upload this one replaces was
/// abandoned and with the organisation locked, so two nodes cannot both let one more in.
fn within_bidder_quota(
    c: &mut AnyConnection,
    limits: &LimitSettings,
    org: &str,
    manifest: &Manifest,
) -> AppResult<()> {
    urepo::lock_organisation(c, org)?;
    let (open, bytes) = urepo::open_uploads_of(c, org)?;
    let this: u64 = manifest.parts.iter().map(|p| p.ciphertext_len).sum();
    if open as u64 + 1 > u64::from(limits.max_open_uploads_per_bidder) {
        return Err(AppError::new(
            ErrorCode::UploadQuotaExceeded,
            format!("you hold {open} open uploads, the most allowed; submit or abandon one first"),
        ));
    }
    if (bytes as u64).saturating_add(this) > limits.max_open_bytes_per_bidder {
        return Err(AppError::new(
            ErrorCode::UploadQuotaExceeded,
            format!(
                "your open uploads declare {bytes} bytes; with this one they would exceed {}",
                limits.max_open_bytes_per_bidder
            ),
        ));
    }
    Ok(())
}
