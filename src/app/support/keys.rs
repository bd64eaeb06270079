//! Section opening keys: generated and split among the custodians when a tender is published
//! (docs/BIDDING.md §1), and shown with the tender so bidders can seal to them.

use crate::app::support::errors::*;
use crate::db::repo::bids as repo;
use crate::db::types::to_db;
use crate::db::types::unsigned;
use crate::db::AnyConnection;
use crate::domain::tender::TenderDraft;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::error::FieldError;
use crate::seal::OpeningKey;
use crate::seal::X25519PublicKey;
use crate::wire::bids::*;
use chrono::DateTime;
use chrono::Utc;

pub fn parse_public_key(field: &str, hex_key: &str) -> AppResult<X25519PublicKey> {
    let bytes = hex::decode(hex_key.trim()).ok().filter(|b| b.len() == 32);
    let Some(b) = bytes else {
        return Err(AppError::field(
            field,
            "invalid_key",
            "must be 32 bytes of lower-case hex (an X25519 public key)",
        ));
    };
    let mut k = [0u8; 32];
    k.copy_from_slice(&b);
    Ok(X25519PublicKey(k))
}

/// Refusals for custodians without an envelope key, as rule violations of the draft.
pub fn missing_envelope_keys(
    c: &mut AnyConnection,
    draft: &TenderDraft,
) -> AppResult<Vec<FieldError>> {
    let mut out = Vec::new();
    for (i, pid) in draft.custodians.person_ids.iter().enumerate() {
        if repo::envelope_key(c, pid)?.is_none() {
            out.push(FieldError {
                field: format!("custodians.person_ids[{i}]"),
                code: "custodian_envelope_key_missing".into(),
                message: format!("{pid} has not registered an envelope key"),
            });
        }
    }
    Ok(out)
}

/// At publication: one opening key per section, split t-of-n among the custodians (share i to
/// `custodians.person_ids[i-1]`) and wrapped to their envelope keys. The secret exists only in
/// this call. Returns the public keys for the publication event.
pub fn generate_opening_keys(
    c: &mut AnyConnection,
    tender_id: &str,
    draft: &TenderDraft,
    now: DateTime<Utc>,
) -> AppResult<Vec<SectionOpeningKey>> {
    let ids = &draft.custodians.person_ids;
    let mut recipients = Vec::with_capacity(ids.len());
    for pid in ids {
        let row = repo::envelope_key(c, pid)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::RuleViolation,
                format!("custodian {pid} has no envelope key"),
            )
        })?;
        recipients.push(parse_public_key("envelope_key", &row.public_key)?);
    }
    let n =
        u8::try_from(ids.len()).map_err(|_| internal(anyhow::anyhow!("too many custodians")))?;
    let t = draft.custodians.threshold;
    let mut out = Vec::new();
    for section in &draft.sections {
        let (public, shares) =
            OpeningKey::generate_and_split(n, t, &recipients, &mut rand_core::OsRng)
                .map_err(|e| internal(anyhow::anyhow!("opening key: {e}")))?;
        let row = repo::OpeningKeyRow {
            tender_id: tender_id.into(),
            section_code: section.code.clone(),
            public_key: hex::encode(public.0),
            threshold: i32::from(t),
            total: i32::from(n),
            created_at: to_db(now),
        };
        repo::insert_opening_key(c, &row)?;
        for (share, pid) in shares.iter().zip(ids) {
            repo::insert_share(
                c,
                &repo::ShareRow {
                    tender_id: tender_id.into(),
                    section_code: section.code.clone(),
                    share_index: i32::from(share.index),
                    custodian_id: pid.clone(),
                    encrypted_share: serde_json::to_string(share).map_err(internal)?,
                    released_share: None,
                    release_signature: None,
                    released_at: None,
                },
            )?;
        }
        out.push(opening_key_dto(&row)?);
    }
    Ok(out)
}

/// A public key as stored (hex): anything else is a corrupt row, not the caller's fault.
pub fn stored_public_key(hex_key: &str) -> AppResult<X25519PublicKey> {
    parse_public_key("stored key", hex_key)
        .map_err(|_| AppError::internal(anyhow::anyhow!("corrupt stored key {hex_key:?}")))
}

pub fn opening_key_dto(row: &repo::OpeningKeyRow) -> AppResult<SectionOpeningKey> {
    Ok(SectionOpeningKey {
        section: row.section_code.clone(),
        public_key: stored_public_key(&row.public_key)?,
        threshold: unsigned(row.threshold),
        custodians: unsigned(row.total),
    })
}

pub fn opening_keys(c: &mut AnyConnection, tender_id: &str) -> AppResult<Vec<SectionOpeningKey>> {
    Ok(repo::opening_keys_of(c, tender_id)?
        .iter()
        .map(opening_key_dto)
        .collect::<AppResult<_>>()?)
}
