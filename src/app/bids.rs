//! Bid submission (投标): bonds, resumable uploads of sealed parts, submission with a receipt,
//! replacement, withdrawal and re-confirmation. The contract is docs/BIDDING.md §2.
//!
//! The server never sees a bid's plaintext: it checks the signed manifest and that the stored
//! ciphertext hashes to what the bidder signed. Nothing here tells anyone but the bidding
//! organisation whether it has bid (the audit events of bids name no tender in their leaves and
//! their bodies are the bidder's alone until the opening).

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use ring::digest;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::signing::{require_organisation, verify_statement, Signed, Signing};
use super::tenders::{parse_json, published_draft, state_of};
use super::{Actor, AppContext};
use crate::audit::{self, Event as AuditEvent, EventType};
use crate::clock::SharedClock;
use crate::db::repo::bids as repo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::authz::Permission;
use crate::domain::bidding::{accepting_bids, bond_sufficient, BidRefusal, BidState};
use crate::domain::money::Money;
use crate::domain::tender::{Section, TenderDraft};
use crate::domain::uscc::Uscc;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::seal::{self, statements, BidContext, Manifest, OuterError, X25519PublicKey};
use crate::storage::staging::Append;

fn internal<E: Into<anyhow::Error>>(e: E) -> AppError {
    AppError::internal(e)
}

// --- DTOs ----------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BidBond {
    pub id: String,
    pub tender_id: String,
    pub section: String,
    pub organisation_id: String,
    pub amount: Money,
    /// `cash`, `bank_guarantee` or `insurance`.
    pub kind: String,
    pub reference: String,
    pub recorded_at: DateTime<Utc>,
}

pub const BOND_KINDS: [&str; 3] = ["cash", "bank_guarantee", "insurance"];

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BondRequest {
    pub organisation_id: String,
    pub amount: Money,
    pub kind: String,
    pub reference: String,
}

/// One of the caller's own bid versions.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BidView {
    pub bid_id: String,
    pub version: i32,
    /// `submitted`, `superseded`, `withdrawn`, `lapsed`, `opened`, `revoked`.
    pub state: String,
    pub received_at: DateTime<Utc>,
    pub manifest_sha256: String,
    /// The notice version the bid answers (re-confirmations move it on).
    pub confirmed_tender_version: i32,
    /// Whether an amendment requires the bid to be re-confirmed before the deadline.
    pub needs_reconfirmation: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MyBid {
    pub current: Option<BidView>,
    /// The `bid_version` to seal the next manifest with.
    pub next_version: u32,
    /// The section's opening public key (hex): the R2 recipient.
    pub opening_public_key: String,
    pub upload: Option<UploadStatus>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PartStatus {
    pub index: u32,
    pub name: String,
    pub received: u64,
    pub ciphertext_len: u64,
    pub complete: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UploadStatus {
    pub id: String,
    pub tender_id: String,
    pub section: String,
    pub bid_version: i32,
    /// `open`, `submitted` or `abandoned`.
    pub state: String,
    pub manifest_sha256: String,
    pub parts: Vec<PartStatus>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReceiptPart {
    pub index: u32,
    pub name: String,
    pub ciphertext_len: u64,
    pub ciphertext_sha256: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReceiptAudit {
    pub event_id: String,
    pub log_index: Option<u64>,
    /// `c2sp.org/tlog-proof@v1` text: the entry, its inclusion proof and a signed checkpoint.
    pub tlog_proof: Option<String>,
}

/// 回执 (E4): what the server received, when by its clock, and the audit entry proving it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    /// `submission`, `withdrawal` or `confirmation`.
    pub kind: String,
    pub bid_id: String,
    pub tender_id: String,
    pub section: String,
    pub bidder_uscc: String,
    pub bid_version: i32,
    pub received_at: DateTime<Utc>,
    pub manifest_sha256: String,
    pub parts: Vec<ReceiptPart>,
    pub certificate_serial: String,
    pub supersedes: Option<String>,
    pub audit: ReceiptAudit,
}

// --- shared checks -------------------------------------------------------------------------

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

/// The organisation a bidder acts for.
pub(crate) fn bidder_org(actor: &Actor) -> AppResult<String> {
    actor.require(Permission::SubmitBids)?;
    actor
        .organisation_id
        .clone()
        .ok_or_else(|| AppError::forbidden("bids are made by organisations"))
}

fn opening_public_key(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<X25519PublicKey> {
    let row = repo::opening_key(c, tender, section)?
        .ok_or_else(|| internal(anyhow::anyhow!("published section without an opening key")))?;
    super::keys::parse_public_key("opening_public_key", &row.public_key)
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
                "section {} requires a bid bond of {}; the trading centre has not recorded it in full",
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
        .find(|b| b.state == BidState::Submitted.as_str()))
}

fn bid_view(b: &repo::BidRow, reconfirm_from: Option<i32>) -> BidView {
    BidView {
        bid_id: b.id.clone(),
        version: b.version,
        state: b.state.clone(),
        received_at: from_db(b.received_at),
        manifest_sha256: b.manifest_sha256.clone(),
        confirmed_tender_version: b.confirmed_tender_version,
        needs_reconfirmation: b.state == BidState::Submitted.as_str()
            && crate::domain::bidding::needs_reconfirmation(
                b.confirmed_tender_version,
                reconfirm_from,
            ),
    }
}

fn upload_view(u: &repo::UploadRow, parts: &[repo::UploadPartRow]) -> UploadStatus {
    UploadStatus {
        id: u.id.clone(),
        tender_id: u.tender_id.clone(),
        section: u.section_code.clone(),
        bid_version: u.bid_version,
        state: u.state.clone(),
        manifest_sha256: u.manifest_sha256.clone(),
        parts: parts.iter().map(part_view).collect(),
    }
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

// --- bonds ---------------------------------------------------------------------------------

/// The trading centre records a bond received for a bidder (bank report or guarantee).
pub async fn record_bond(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: BondRequest,
) -> AppResult<BidBond> {
    actor.require(Permission::RecordBidBonds)?;
    if !BOND_KINDS.contains(&req.kind.as_str()) {
        return Err(AppError::field(
            "kind",
            "invalid",
            "kind must be cash, bank_guarantee or insurance",
        ));
    }
    if req.amount.amount() <= rust_decimal::Decimal::ZERO {
        return Err(AppError::field(
            "amount",
            "not_positive",
            "a bond amount must be positive",
        ));
    }
    let reference = req.reference.trim().to_string();
    if reference.is_empty() || reference.chars().count() > 128 {
        return Err(AppError::field(
            "reference",
            "invalid",
            "1 to 128 characters",
        ));
    }
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
    );
    ctx.db
        .write(move |c| {
            let (_row, _, sec) = load_section(c, &tender, &section)?;
            let org = idrepo::find_organisation(c, &req.organisation_id)?.ok_or_else(|| {
                AppError::field("organisation_id", "unknown", "no such organisation")
            })?;
            let row = repo::BondRow {
                id: uuid::Uuid::now_v7().to_string(),
                tender_id: tender.clone(),
                section_code: sec.code.clone(),
                organisation_id: org.id.clone(),
                amount: req.amount.to_string(),
                kind: req.kind.clone(),
                reference: reference.clone(),
                recorded_by: actor.id.clone(),
                recorded_at: to_db(now),
            };
            repo::insert_bond(c, &row).map_err(|e| {
                if idrepo::is_unique_violation(&e) {
                    AppError::new(
                        ErrorCode::Conflict,
                        "this bond reference is already recorded",
                    )
                } else {
                    AppError::from(e)
                }
            })?;
            // Sealed like a bid: the bond's existence tells who intends to bid.
            audit::record(
                c,
                now,
                AuditEvent {
                    event_type: EventType::BidBondRecorded,
                    tender_id: None,
                    section_id: None,
                    actor: actor.audit_ref(),
                    subject: org.id.clone(),
                    body: json!({"bond": row.id, "tender": tender, "section": sec.code,
                        "organisation": org.id, "amount": row.amount, "kind": row.kind,
                        "reference": row.reference}),
                },
            )?;
            Ok(bond_dto(&row))
        })
        .await
}

fn bond_dto(r: &repo::BondRow) -> BidBond {
    BidBond {
        id: r.id.clone(),
        tender_id: r.tender_id.clone(),
        section: r.section_code.clone(),
        organisation_id: r.organisation_id.clone(),
        amount: r.amount.parse().unwrap_or_else(|_| Money::zero()),
        kind: r.kind.clone(),
        reference: r.reference.clone(),
        recorded_at: from_db(r.recorded_at),
    }
}

pub async fn my_bonds(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<Vec<BidBond>> {
    let org = bidder_org(actor)?;
    let (tender, section) = (tender.to_string(), section.to_string());
    ctx.db
        .read(move |c| {
            load_section(c, &tender, &section)?;
            Ok(repo::bonds_of(c, &tender, &section, &org)?
                .iter()
                .map(bond_dto)
                .collect())
        })
        .await
}

// --- my bid --------------------------------------------------------------------------------

pub async fn my_bid(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<MyBid> {
    let org = bidder_org(actor)?;
    let (tender, section) = (tender.to_string(), section.to_string());
    ctx.db
        .read(move |c| {
            let (row, _, sec) = load_section(c, &tender, &section)?;
            let current = current_bid(c, &tender, &sec.code, &org)?;
            let next = repo::max_version(c, &tender, &sec.code, &org)? + 1;
            let upload = match repo::uploads_of(c, &tender, &sec.code, &org, "open")?.pop() {
                Some(u) => {
                    let parts = repo::upload_parts(c, &u.id)?;
                    Some(upload_view(&u, &parts))
                }
                None => None,
            };
            Ok(MyBid {
                current: current
                    .as_ref()
                    .map(|b| bid_view(b, row.reconfirm_from_version)),
                next_version: next as u32,
                opening_public_key: hex::encode(opening_public_key(c, &tender, &sec.code)?.0),
                upload,
            })
        })
        .await
}

// --- uploads -------------------------------------------------------------------------------

/// Open an upload for a signed manifest: every check that needs no ciphertext happens here,
/// so a bidder learns of a bad certificate or a missing bond before sending gigabytes.
pub async fn open_upload(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    manifest: Manifest,
    chain: Vec<Vec<u8>>,
) -> AppResult<UploadStatus> {
    let org = bidder_org(actor)?;
    let (tender, section, actor, now, signing, storage) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
        Signing::of(ctx),
        ctx.storage.clone(),
    );
    let (status, abandoned) = ctx
        .db
        .write(move |c| {
            let (row, _, sec) = load_section(c, &tender, &section)?;
            check_accepting(&row, now)?;
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
                opening_public_key: opening_public_key(c, &tender, &sec.code)?,
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
            for mut u in repo::uploads_of(c, &tender, &sec.code, &org, "open")? {
                u.state = "abandoned".into();
                u.updated_at = to_db(now);
                repo::update_upload(c, &u)?;
                abandoned.push(u.id);
            }
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
                state: "open".into(),
                created_by: actor.id.clone(),
                created_at: to_db(now),
                updated_at: to_db(now),
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
            Ok((upload_view(&upload, &parts), abandoned))
        })
        .await?;
    for a in abandoned {
        storage.remove_staging(&a);
    }
    Ok(status)
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
        &["submitted", "superseded", "withdrawn", "lapsed"],
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

fn own_upload(c: &mut AnyConnection, actor: &Actor, id: &str) -> AppResult<repo::UploadRow> {
    let org = bidder_org(actor)?;
    repo::find_upload(c, id)?
        .filter(|u| u.organisation_id == org)
        .ok_or_else(|| AppError::not_found(format!("no upload {id}")))
}

pub async fn upload_status(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<UploadStatus> {
    let (actor, id) = (actor.clone(), id.to_string());
    ctx.db
        .read_primary(move |c| {
            let u = own_upload(c, &actor, &id)?;
            let parts = repo::upload_parts(c, &u.id)?;
            Ok(upload_view(&u, &parts))
        })
        .await
}

/// Hash state of parts being uploaded, so a resumed part need not be re-read from disk. Keyed
/// by (upload, part); the value is the byte count the state covers. A node that lacks the
/// state (restart, another node took the previous request) rehashes the staged prefix.
#[derive(Clone, Default)]
pub struct UploadHashes(Arc<Mutex<HashMap<StagedPart, HashState>>>);

/// (upload id, part index).
type StagedPart = (String, u32);
/// Bytes hashed so far, and the hash state after them.
type HashState = (u64, digest::Context);

impl UploadHashes {
    fn take(&self, upload: &str, index: u32) -> Option<(u64, digest::Context)> {
        self.0.lock().ok()?.remove(&(upload.to_string(), index))
    }

    /// Drop the hash state of every part of an upload that is over.
    fn forget(&self, upload: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.retain(|(u, _), _| u != upload);
        }
    }

    fn put(&self, upload: &str, index: u32, at: u64, ctx: digest::Context) {
        if let Ok(mut m) = self.0.lock() {
            m.insert((upload.to_string(), index), (at, ctx));
        }
    }
}

enum StreamEnd {
    Done,
    /// The client stopped sending (connection cut): keep what arrived.
    Interrupted,
    Refused(AppError),
}

/// `PUT /bid-uploads/{id}/parts/{index}` with `Upload-Offset: offset`: append the body to the
/// staged part, hashing as it goes, and checking the clock as bytes arrive. Memory is a few
/// in-flight chunks whatever the part size.
pub async fn put_part<S, E>(
    ctx: &AppContext,
    actor: &Actor,
    upload_id: &str,
    index: u32,
    offset: u64,
    mut body: S,
) -> AppResult<PartStatus>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let (a, id, now) = (actor.clone(), upload_id.to_string(), ctx.clock.now());
    let (part, deadline) = ctx
        .db
        .read_primary(move |c| {
            let u = own_upload(c, &a, &id)?;
            if u.state != "open" {
                return Err(AppError::new(
                    ErrorCode::UploadClosed,
                    format!("the upload is {}", u.state),
                ));
            }
            let row = trepo::find_tender(c, &u.tender_id)?
                .ok_or_else(|| internal(anyhow::anyhow!("upload of a missing tender")))?;
            check_accepting(&row, now)?;
            let part = repo::upload_parts(c, &u.id)?
                .into_iter()
                .find(|p| p.part_index as u32 == index)
                .ok_or_else(|| AppError::not_found(format!("the manifest has no part {index}")))?;
            Ok((part, from_db(row.bid_deadline)))
        })
        .await?;
    if part.complete {
        return Err(offset_mismatch(
            "this part is complete".into(),
            part.received,
        ));
    }
    if offset != part.received as u64 {
        return Err(offset_mismatch(
            format!(
                "Upload-Offset is {offset}, the server has {} bytes of this part",
                part.received
            ),
            part.received,
        ));
    }
    let path = ctx.storage.staging_path(upload_id, index);
    let staged = tokio::fs::metadata(&path)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    let remembered = ctx.uploads.take(upload_id, index);
    let hasher = match remembered {
        Some((at, h)) if at == offset && staged >= offset => h,
        _ => match rehash_prefix(path.clone(), offset).await {
            Ok(h) => h,
            // The staged prefix is not on this node (another node took the earlier requests,
            // or this one lost its scratch): the part starts again from byte 0.
            Err(e) => {
                tracing::warn!(upload = upload_id, part = index, error = %e.detail,
                    "staged prefix unavailable here; the part restarts");
                return Err(restart_part(ctx, actor, upload_id, index, offset).await);
            }
        },
    };
    let total = part.ciphertext_len as u64;

    // This task receives, checks and copies into blocks; a thread hashes each block, another
    // writes it (storage::staging). Memory is the few blocks in flight whatever the part size.
    let mut append = Append::start(path.clone(), offset, hasher)
        .await
        .map_err(|e| internal(anyhow::anyhow!("staging write: {e}")))?;
    let clock: SharedClock = ctx.clock.clone();
    let mut sent = 0u64;
    let end = loop {
        match body.next().await {
            None => break StreamEnd::Done,
            Some(Err(e)) => {
                tracing::info!(upload = upload_id, part = index, error = %e, "part upload interrupted");
                break StreamEnd::Interrupted;
            }
            Some(Ok(chunk)) => {
                if clock.now() >= deadline {
                    break StreamEnd::Refused(refusal(BidRefusal::DeadlinePassed, deadline));
                }
                if offset + sent + chunk.len() as u64 > total {
                    break StreamEnd::Refused(AppError::new(
                        ErrorCode::PartTooLong,
                        format!("part {index} is {total} bytes long; more was sent"),
                    ));
                }
                sent += chunk.len() as u64;
                // An error means the writer stopped; `finish` says why.
                if append.push(&chunk).await.is_err() {
                    break StreamEnd::Done;
                }
            }
        }
    };
    let (written, hasher) = append
        .finish()
        .await
        .map_err(|e| internal(anyhow::anyhow!("staging write: {e}")))?;
    if let StreamEnd::Refused(e) = end {
        // Nothing of this request counts; the staged tail is cut off by the next request.
        return Err(e);
    }
    let received = offset + written;
    let complete = received == total;
    let mut digest_ok = true;
    if complete {
        let got = hex::encode(hasher.finish().as_ref());
        digest_ok = got == part.ciphertext_sha256;
        if digest_ok {
            // The part counts as complete only once it is in the store for good; if that
            // fails the part stays at `offset` and the client sends the tail again.
            ctx.storage
                .finish_part(upload_id, index)
                .await
                .map_err(|e| AppError::unavailable(anyhow::anyhow!("storing part {index}: {e}")))?;
        }
    } else {
        ctx.uploads.put(upload_id, index, received, hasher);
    }
    let (a, id, now) = (actor.clone(), upload_id.to_string(), ctx.clock.now());
    let mut row = part.clone();
    let saved = ctx
        .db
        .write(move |c| {
            let u = own_upload(c, &a, &id)?;
            let current = repo::upload_parts(c, &u.id)?
                .into_iter()
                .find(|p| p.part_index as u32 == index)
                .ok_or_else(|| internal(anyhow::anyhow!("part vanished")))?;
            // Another request for this part finished first: its bytes are the ones on disk.
            if u.state != "open" || current.received != offset as i64 {
                return Err(offset_mismatch(
                    "another request moved this part on".into(),
                    current.received,
                ));
            }
            row.received = if digest_ok { received as i64 } else { 0 };
            row.complete = complete && digest_ok;
            repo::update_upload_part(c, &row)?;
            let mut u = u;
            u.updated_at = to_db(now);
            repo::update_upload(c, &u)?;
            Ok(row)
        })
        .await?;
    if !digest_ok {
        let _ = std::fs::remove_file(&path);
        return Err(AppError::new(
            ErrorCode::PartDigestMismatch,
            format!("part {index} does not hash to the manifest's ciphertext_sha256; send it again from offset 0"),
        ));
    }
    if matches!(end, StreamEnd::Interrupted) {
        tracing::info!(
            upload = upload_id,
            part = index,
            received,
            "kept the bytes of an interrupted part"
        );
    }
    Ok(part_view(&saved))
}

/// 409 with the server's offset in `errors[0]` (field `Upload-Offset`), so a client resumes
/// without another round trip.
fn offset_mismatch(detail: String, received: i64) -> AppError {
    let mut e = AppError::new(ErrorCode::UploadOffsetMismatch, detail);
    e.errors.push(crate::error::FieldError {
        field: "Upload-Offset".into(),
        code: "expected".into(),
        message: received.to_string(),
    });
    e
}

/// Set a part whose staged prefix is gone back to byte 0 and answer with where to resume.
async fn restart_part(
    ctx: &AppContext,
    actor: &Actor,
    upload_id: &str,
    index: u32,
    offset: u64,
) -> AppError {
    let (a, id, now) = (actor.clone(), upload_id.to_string(), ctx.clock.now());
    let reset = ctx
        .db
        .write(move |c| {
            let mut u = own_upload(c, &a, &id)?;
            let mut part = repo::upload_parts(c, &u.id)?
                .into_iter()
                .find(|p| p.part_index as u32 == index)
                .ok_or_else(|| internal(anyhow::anyhow!("part vanished")))?;
            if part.received == offset as i64 && !part.complete {
                part.received = 0;
                repo::update_upload_part(c, &part)?;
                u.updated_at = to_db(now);
                repo::update_upload(c, &u)?;
            }
            Ok(part.received)
        })
        .await;
    match reset {
        Ok(received) => offset_mismatch(
            "this node does not hold the part's earlier bytes; send it again from the offset given"
                .into(),
            received,
        ),
        Err(e) => e,
    }
}

async fn rehash_prefix(path: PathBuf, len: u64) -> AppResult<digest::Context> {
    tokio::task::spawn_blocking(move || -> std::io::Result<digest::Context> {
        let mut ctx = digest::Context::new(&digest::SHA256);
        if len == 0 {
            return Ok(ctx);
        }
        let mut f = std::fs::File::open(&path)?.take(len);
        let mut buf = vec![0u8; 1 << 20];
        let mut seen = 0u64;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            ctx.update(&buf[..n]);
            seen += n as u64;
        }
        if seen != len {
            return Err(std::io::Error::other(
                "staged part is shorter than recorded",
            ));
        }
        Ok(ctx)
    })
    .await
    .map_err(internal)?
    .map_err(|e| internal(anyhow::anyhow!("rehash staged part: {e}")))
}

pub async fn abandon_upload(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<()> {
    let (a, uid, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    let parts = ctx
        .db
        .write(move |c| {
            let mut u = own_upload(c, &a, &uid)?;
            if u.state != "open" {
                return Err(AppError::new(
                    ErrorCode::UploadClosed,
                    format!("the upload is {}", u.state),
                ));
            }
            u.state = "abandoned".into();
            u.updated_at = to_db(now);
            repo::update_upload(c, &u)?;
            Ok(repo::upload_parts(c, &u.id)?.len() as u32)
        })
        .await?;
    ctx.storage.discard_upload(id, parts);
    ctx.uploads.forget(id);
    Ok(())
}

/// At the deadline: uploads still open are not bids (E3). Runs in the closing transaction.
pub fn abandon_open_uploads(
    c: &mut AnyConnection,
    storage: &crate::storage::Store,
    tender: &str,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let open = repo::uploads_of_tender(c, tender, "open")?;
    for mut u in open.iter().cloned() {
        u.state = "abandoned".into();
        u.updated_at = to_db(now);
        repo::update_upload(c, &u)?;
        let parts = repo::upload_parts(c, &u.id)?.len() as u32;
        storage.discard_upload(&u.id, parts);
    }
    Ok(open.len())
}

// --- submission ----------------------------------------------------------------------------

/// Submit a complete upload: the bid exists from this commit, judged on time by the server
/// clock inside the same transaction. Returns the receipt with its audit proof.
pub async fn submit(ctx: &AppContext, actor: &Actor, upload_id: &str) -> AppResult<Receipt> {
    let (a, id, now, storage) = (
        actor.clone(),
        upload_id.to_string(),
        ctx.clock.now(),
        ctx.storage.clone(),
    );
    let bid_id = ctx
        .db
        .write(move |c| {
            let mut u = own_upload(c, &a, &id)?;
            if u.state != "open" {
                return Err(AppError::new(ErrorCode::UploadClosed, format!("the upload is {}", u.state)));
            }
            let row = trepo::lock_tender(c, &u.tender_id)?
                .ok_or_else(|| internal(anyhow::anyhow!("upload of a missing tender")))?;
            check_accepting(&row, now)?;
            let parts = repo::upload_parts(c, &u.id)?;
            if let Some(p) = parts.iter().find(|p| !p.complete) {
                return Err(AppError::new(
                    ErrorCode::UploadIncomplete,
                    format!("part {} has {} of {} bytes", p.part_index, p.received, p.ciphertext_len),
                ));
            }
            // A replacement made meanwhile (another session of the same bidder) wins.
            let next = repo::max_version(c, &u.tender_id, &u.section_code, &u.organisation_id)? + 1;
            if u.bid_version != next {
                return Err(AppError::new(
                    ErrorCode::BidVersionMismatch,
                    format!("version {} was taken meanwhile; seal the bid again as version {next}", u.bid_version),
                ));
            }
            let draft = published_draft(c, &row)?;
            let sec = draft
                .sections
                .iter()
                .find(|s| s.code == u.section_code)
                .cloned()
                .ok_or_else(|| internal(anyhow::anyhow!("section vanished")))?;
            bonds_cover(c, &sec, &u.tender_id, &u.organisation_id)?;
            let manifest: Manifest = parse_json(&u.manifest, "manifest")?;
            check_reuse_with_earlier(c, &u.tender_id, &u.section_code, &u.organisation_id, &manifest)?;
            let previous = current_bid(c, &u.tender_id, &u.section_code, &u.organisation_id)?;
            let bid_id = uuid::Uuid::now_v7().to_string();
            let mut bid_parts = Vec::with_capacity(parts.len());
            for p in &parts {
                let mp = manifest
                    .part(p.part_index as u32)
                    .ok_or_else(|| internal(anyhow::anyhow!("manifest part missing")))?;
                let key = storage
                    .promote(&u.id, p.part_index as u32, &p.ciphertext_sha256)
                    .map_err(|e| internal(anyhow::anyhow!("store part: {e}")))?;
                bid_parts.push(repo::BidPartRow {
                    bid_id: bid_id.clone(),
                    part_index: p.part_index,
                    kind: match mp.kind {
                        seal::PartKind::Summary => "summary".into(),
                        seal::PartKind::Document => "document".into(),
                    },
                    name: p.name.clone(),
                    ciphertext_len: p.ciphertext_len,
                    ciphertext_sha256: p.ciphertext_sha256.clone(),
                    storage_key: key,
                    plaintext_sha256: None,
                });
            }
            let org = idrepo::find_organisation(c, &u.organisation_id)?
                .ok_or_else(|| internal(anyhow::anyhow!("organisation vanished")))?;
            let body = json!({
                "bid": bid_id, "tender": u.tender_id, "section": u.section_code,
                "organisation": u.organisation_id, "bidder_uscc": org.uscc, "version": u.bid_version,
                "manifest_sha256": u.manifest_sha256, "certificate_serial": u.certificate_serial,
                "received_at": now, "supersedes": previous.as_ref().map(|b| b.id.clone()),
                "parts": bid_parts.iter().map(|p| json!({"index": p.part_index, "ciphertext_len": p.ciphertext_len,
                    "ciphertext_sha256": p.ciphertext_sha256})).collect::<Vec<_>>(),
            });
            let event_id = audit::record(
                c,
                now,
                AuditEvent {
                    event_type: EventType::BidSubmitted,
                    tender_id: None,
                    section_id: None,
                    actor: a.audit_as(crate::domain::identity::Role::Bidder),
                    subject: bid_id.clone(),
                    body,
                },
            )?;
            if let Some(mut prev) = previous.clone() {
                prev.state = BidState::Superseded.as_str().into();
                prev.closed_at = Some(to_db(now));
                repo::update_bid(c, &prev)?;
            }
            let bid = repo::BidRow {
                id: bid_id.clone(),
                tender_id: u.tender_id.clone(),
                section_code: u.section_code.clone(),
                organisation_id: u.organisation_id.clone(),
                bidder_uscc: org.uscc.clone(),
                version: u.bid_version,
                state: BidState::Submitted.as_str().into(),
                manifest: u.manifest.clone(),
                manifest_sha256: u.manifest_sha256.clone(),
                certificate: u.certificate.clone(),
                certificate_serial: u.certificate_serial.clone(),
                signature_algorithm: u.signature_algorithm.clone(),
                tender_version: row.version,
                confirmed_tender_version: row.version,
                received_at: to_db(now),
                receipt_event_id: event_id,
                supersedes: previous.map(|b| b.id),
                closed_at: None,
                summary: None,
            };
            repo::insert_bid(c, &bid, &bid_parts)?;
            u.state = "submitted".into();
            u.updated_at = to_db(now);
            repo::update_upload(c, &u)?;
            Ok(bid_id)
        })
        .await?;
    ctx.storage.remove_staging(upload_id);
    ctx.uploads.forget(upload_id);
    receipt_for(ctx, actor, &bid_id, "submission", None).await
}

/// Build a receipt for `bid_id`, with the audit entry of `event_id` (default: the submission)
/// in a signed checkpoint if the log can give one now.
async fn receipt_for(
    ctx: &AppContext,
    actor: &Actor,
    bid_id: &str,
    kind: &str,
    event_id: Option<String>,
) -> AppResult<Receipt> {
    let (a, id) = (actor.clone(), bid_id.to_string());
    let (bid, parts) = ctx
        .db
        .read_primary(move |c| {
            let org = bidder_org(&a)?;
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
    let proof = match crate::audit::checkpoint_now(ctx, "receipt").await {
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
        kind: kind.into(),
        bid_id: bid.id.clone(),
        tender_id: bid.tender_id.clone(),
        section: bid.section_code.clone(),
        bidder_uscc: bid.bidder_uscc.clone(),
        bid_version: bid.version,
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

pub async fn receipt(ctx: &AppContext, actor: &Actor, bid_id: &str) -> AppResult<Receipt> {
    receipt_for(ctx, actor, bid_id, "submission", None).await
}

/// Which statement a bidder signs about its current bid.
#[derive(Clone, Copy)]
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
    let org = bidder_org(actor)?;
    let (tender, section, a, now, signing) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now(),
        Signing::of(ctx),
    );
    let (bid_id, event_id) = ctx
        .db
        .write(move |c| {
            let (_, _, sec) = load_section(c, &tender, &section)?;
            let row = trepo::lock_tender(c, &tender)?
                .ok_or_else(|| AppError::not_found(format!("no tender {tender}")))?;
            check_accepting(&row, now)?;
            let mut bid = current_bid(c, &tender, &sec.code, &org)?
                .ok_or_else(|| AppError::new(ErrorCode::NoBid, "you have no current bid for this section"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_organisation(&cert, &bid.bidder_uscc)?;
            let mut digest = [0u8; 32];
            hex::decode_to_slice(&bid.manifest_sha256, &mut digest).map_err(internal)?;
            let (payload, label, event_type) = match what {
                BidStatement::Withdrawal => (
                    statements::withdrawal_payload(&tender, &sec.code, &bid.bidder_uscc, bid.version as u32, &digest),
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
            verify_statement(&cert.spki_der, signed.signature_algorithm, &payload, &signed.signature, label)?;
            let event_id = audit::record(
                c,
                now,
                AuditEvent {
                    event_type,
                    tender_id: None,
                    section_id: None,
                    actor: a.audit_as(crate::domain::identity::Role::Bidder),
                    subject: bid.id.clone(),
                    body: json!({"bid": bid.id, "tender": tender, "section": sec.code,
                        "organisation": org, "version": bid.version, "manifest_sha256": bid.manifest_sha256,
                        "tender_version": row.version, "certificate_serial": cert.serial_hex,
                        "signature": base64::engine::general_purpose::STANDARD.encode(&signed.signature)}),
                },
            )?;
            match what {
                BidStatement::Withdrawal => {
                    bid.state = BidState::Withdrawn.as_str().into();
                    bid.closed_at = Some(to_db(now));
                }
                BidStatement::Confirmation => bid.confirmed_tender_version = row.version,
            }
            repo::update_bid(c, &bid)?;
            Ok((bid.id, event_id))
        })
        .await?;
    let kind = match what {
        BidStatement::Withdrawal => "withdrawal",
        BidStatement::Confirmation => "confirmation",
    };
    receipt_for(ctx, actor, &bid_id, kind, Some(event_id)).await
}

pub async fn withdraw(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    signed: Signed,
) -> AppResult<Receipt> {
    bid_statement(
        ctx,
        actor,
        tender,
        section,
        signed,
        BidStatement::Withdrawal,
    )
    .await
}

pub async fn confirm(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    signed: Signed,
) -> AppResult<Receipt> {
    bid_statement(
        ctx,
        actor,
        tender,
        section,
        signed,
        BidStatement::Confirmation,
    )
    .await
}
