//! Contracts (合同签订和变更网上办理, docs/CONTRACTS.md). After the 中标通知书 the tenderer (or its
//! entrusted agent) has the platform draft the section's contract from the tender's contract
//! terms and the winning bid as opened; the substantive terms are locked (条例57), the rest the
//! tenderer fills in. The performance bond is recorded first when the tender asks for one; then
//! the tenderer and the winner each sign the current version with their organisation
//! certificates, and the second signature makes it binding — never before the award's
//! publicity ended, and late signing is recorded as late (30 days, 招标投标法46). Signing makes
//! every bidder's bond refund due (`support::refunds`). A signed contract changes only by a
//! change or termination both parties sign; each version is kept with every term's before and
//! after. The worker's tick reminds both parties before the limit and flags a contract not
//! signed in time.

mod changes;
mod complete;
mod draft;
mod edit_terms;
mod payments;
mod performance_bond;
mod pull_payments;
mod rate_performance;
mod release;
mod reply_to_rating;
mod sign;
mod tick;
mod treasury_status;
mod view;

pub use changes::*;
pub use complete::*;
pub use draft::*;
pub use edit_terms::*;
pub use payments::*;
pub use performance_bond::*;
pub use pull_payments::*;
pub use rate_performance::*;
pub use reply_to_rating::*;
pub use sign::*;
pub use tick::*;
pub use treasury_status::*;
pub use view::*;

use base64::Engine;
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::json;

use crate::app::support::award as award_support;
use crate::app::support::departments::require_supervisor;
use crate::app::support::errors::internal;
use crate::app::support::json::{parse_json, to_json};
use crate::app::support::signing::{require_kind, uscc_of, verify_statement, Signing};
use crate::app::support::tender::{is_party, party_of};
use crate::app::{Actor, AppContext};
use crate::audit::{self, canonical_json, sha256_hex, Event, EventType};
use crate::crypto::keys::SignatureAlgorithm;
use crate::crypto::x509::CertKind;
use crate::db::repo::contracts as repo;
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::authz::Permission;
use crate::domain::award::stage::AwardStage;
use crate::domain::contract::{self as rules, ContractState, Side, Term, Terms};
use crate::domain::identity::Role;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::contracts::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Who is looking at a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Viewer {
    /// One of the parties (the tenderer's side includes its entrusted agent and staff).
    Party(Side),
    /// A regulator of the supervising department.
    Regulator,
}

/// The contract of `tender`/`section` and who the caller is to it. Anyone else: 404 (a
/// contract's draft is the parties' business until it is signed and published).
pub(crate) fn load(
    c: &mut AnyConnection,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<(repo::ContractRow, Viewer)> {
    let missing = || AppError::not_found(format!("no contract for {tender}/{section}"));
    let trow = trepo::find_tender(c, tender)?.ok_or_else(missing)?;
    let viewer = viewer_of(c, actor, &trow)?.ok_or_else(missing)?;
    let row = repo::of_section(c, tender, section)?.ok_or_else(missing)?;
    if let Viewer::Party(Side::Winner) = viewer {
        if actor.organisation_id.as_deref() != Some(row.winner_id.as_str()) {
            return Err(missing());
        }
    }
    Ok((row, viewer))
}

/// The caller's standing on the tender: its tenderer's side, a bidder (possibly the winner,
/// checked against the contract), a supervising regulator — or nobody.
fn viewer_of(
    c: &mut AnyConnection,
    actor: &Actor,
    trow: &trepo::TenderRow,
) -> AppResult<Option<Viewer>> {
    if actor.require(Permission::ManageTenders).is_ok() && is_party(c, actor, trow)? {
        return Ok(Some(Viewer::Party(Side::Tenderer)));
    }
    if actor.has(Role::Bidder) && actor.organisation_id.is_some() {
        return Ok(Some(Viewer::Party(Side::Winner)));
    }
    if actor.has(Role::Regulator) {
        require_supervisor(c, actor, &trow.id)?;
        return Ok(Some(Viewer::Regulator));
    }
    Ok(None)
}

/// The caller must be this party of the contract.
pub(crate) fn require_side(viewer: Viewer, side: Side) -> AppResult<()> {
    match viewer {
        Viewer::Party(s) if s == side => Ok(()),
        _ => Err(AppError::forbidden(match side {
            Side::Tenderer => "only the tenderer's side (or its entrusted agent) does this",
            Side::Winner => "only the winner does this",
        })),
    }
}

/// The caller must be a party (either side).
pub(crate) fn require_party(viewer: Viewer) -> AppResult<Side> {
    match viewer {
        Viewer::Party(s) => Ok(s),
        Viewer::Regulator => Err(AppError::forbidden(
            "regulators read contracts; only the parties act on them",
        )),
    }
}

pub(crate) fn state_of(row: &repo::ContractRow) -> AppResult<ContractState> {
    ContractState::parse(&row.state).ok_or_else(|| {
        internal(anyhow::anyhow!(
            "contract {}: state {:?}",
            row.id,
            row.state
        ))
    })
}

pub(crate) fn require_state(row: &repo::ContractRow, want: ContractState) -> AppResult<()> {
    let s = state_of(row)?;
    if s == want {
        return Ok(());
    }
    Err(AppError::new(
        ErrorCode::InvalidStateTransition,
        format!(
            "the contract is {}: this needs it {}",
            s.as_str(),
            want.as_str()
        ),
    ))
}

pub(crate) fn terms_of(row: &repo::ContractRow) -> AppResult<Terms> {
    parse_json(&row.terms, "contract terms")
}

/// The award the contract rests on still stands: the section notified, the same round and the
/// same winner (a winner who dropped out leaves its draft behind); the tender not suspended
/// (`award::load` refuses a suspended tender's award).
pub(crate) fn require_award_stands(
    c: &mut AnyConnection,
    row: &repo::ContractRow,
) -> AppResult<()> {
    let award = award_support::load(c, &row.tender_id, &row.section_code)?;
    if award.stage != AwardStage::Notified
        || award.row.award_round != row.award_round
        || award.row.winner_bid_id.as_deref() != Some(row.bid_id.as_str())
    {
        return Err(AppError::new(
            ErrorCode::AwardStage,
            format!(
                "the award this contract follows no longer stands (the section is at {}, round \
                 {})",
                award.stage.as_str(),
                award.row.award_round
            ),
        ));
    }
    Ok(())
}

/// The document's meta from the contract row.
pub(crate) fn meta_of(
    c: &mut AnyConnection,
    row: &repo::ContractRow,
    section_name: &str,
) -> AppResult<rules::DocumentMeta> {
    let t = party_of(c, &row.tenderer_id)?;
    let w = party_of(c, &row.winner_id)?;
    Ok(rules::DocumentMeta {
        tender: row.tender_id.clone(),
        section: row.section_code.clone(),
        section_name: section_name.to_string(),
        award_round: row.award_round,
        bid: row.bid_id.clone(),
        notice_digest: row.notice_digest.clone(),
        tenderer: (t.name, t.uscc),
        winner: (w.name, w.uscc),
    })
}

/// Set `terms` as version `version`: its document and digest; signatures on an older version
/// no longer count.
pub(crate) fn set_version(
    c: &mut AnyConnection,
    row: &mut repo::ContractRow,
    version: i32,
    terms: &Terms,
) -> AppResult<()> {
    let old: serde_json::Value = parse_json(&row.document, "contract document")?;
    let section_name = old["section_name"].as_str().unwrap_or_default().to_string();
    let meta = meta_of(c, row, &section_name)?;
    let doc = canonical_json(&rules::document(&meta, version, terms));
    row.digest = sha256_hex(doc.as_bytes());
    row.document = doc;
    row.terms = to_json(terms)?;
    row.version = version;
    row.tenderer_signature = None;
    row.winner_signature = None;
    Ok(())
}

/// The organisation of `side` signs `digest` under `label`: the chain verifies at `now`, is an
/// organisation certificate of that party's USCC, and the signature verifies over the
/// statement. Returns the signature as kept.
#[expect(
    clippy::too_many_arguments,
    reason = "one check of a party's signature, every input of it named"
)]
pub(crate) fn party_signature(
    c: &mut AnyConnection,
    signing: &Signing,
    row: &repo::ContractRow,
    side: Side,
    req: &ContractSignatureRequest,
    digest: &str,
    statement: &[u8],
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<PartySignature> {
    if req.digest.trim() != digest {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "the digest signed ({}) is not the current one ({digest}): read it again",
                req.digest.trim()
            ),
        ));
    }
    let chain = req
        .certificate_chain
        .iter()
        .enumerate()
        .map(|(i, s)| {
            B64.decode(s.trim()).map_err(|_| {
                AppError::field(&format!("certificate_chain[{i}]"), "base64", "not base64")
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let sig = B64
        .decode(req.signature.trim())
        .map_err(|_| AppError::field("signature", "base64", "not base64"))?;
    let alg = SignatureAlgorithm::parse(&req.signature_algorithm).ok_or_else(|| {
        AppError::field(
            "signature_algorithm",
            "unknown",
            "an algorithm this platform verifies (e.g. ecdsa-p256-sha256, sm2-sm3)",
        )
    })?;
    let cert = signing.certificate(&chain, now)?;
    require_kind(&cert, CertKind::Organisation)?;
    let org = match side {
        Side::Tenderer => &row.tenderer_id,
        Side::Winner => &row.winner_id,
    };
    let party = party_of(c, org)?;
    if uscc_of(&cert)?.as_str() != party.uscc {
        return Err(AppError::forbidden(format!(
            "sign with the {}'s organisation certificate ({})",
            side.as_str(),
            party.name
        )));
    }
    verify_statement(&cert.spki_der, alg, statement, &sig, "contract")?;
    Ok(PartySignature {
        side,
        digest: digest.to_string(),
        signature: B64.encode(&sig),
        signature_algorithm: alg.as_str().to_string(),
        certificate: B64.encode(chain.first().cloned().unwrap_or_default()),
        signer_fingerprint: cert.fingerprint_sha256.clone(),
        signed_by: actor.id.clone(),
        signed_at: now.trunc_subsecs(6),
    })
}

pub(crate) fn digest_bytes(hex_digest: &str) -> AppResult<[u8; 32]> {
    hex::decode(hex_digest.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            internal(anyhow::anyhow!(
                "stored digest {hex_digest:?} is not 32 bytes"
            ))
        })
}

/// One audit entry of the contract.
pub(crate) fn record(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    event_type: EventType,
    row: &repo::ContractRow,
    actor: crate::audit::ActorRef,
    body: serde_json::Value,
) -> AppResult<String> {
    let mut body = body;
    if let Some(o) = body.as_object_mut() {
        o.insert("contract".into(), json!(row.id));
    }
    audit::record(
        c,
        now,
        Event {
            event_type,
            tender_id: Some(row.tender_id.clone()),
            section_id: Some(row.section_code.clone()),
            actor,
            subject: row.id.clone(),
            body,
        },
    )
}

/// Mails the organisation `org` (a party of the contract `row`) about it.
pub(crate) fn mail_party(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    row: &repo::ContractRow,
    org: &str,
    kind: &str,
    subject: String,
    body: String,
) -> AppResult<()> {
    if let Some(o) = crate::db::repo::identity::find_organisation(c, org)? {
        crate::mail::enqueue(
            c,
            now,
            crate::mail::OutgoingMail {
                to: o.contact_email,
                subject,
                body,
                kind: kind.into(),
                tender_id: Some(row.tender_id.clone()),
            },
        )?;
    }
    Ok(())
}

/// The audit reference of a party acting.
pub(crate) fn party_ref(actor: &Actor, side: Side) -> crate::audit::ActorRef {
    match side {
        Side::Winner => actor.audit_as(Role::Bidder),
        Side::Tenderer => actor.audit_ref(),
    }
}

/// The locked terms, by name.
pub(crate) fn locked_terms() -> Vec<String> {
    Term::ALL
        .iter()
        .filter(|t| t.locked())
        .map(|t| t.as_str().to_string())
        .collect()
}

/// The statement a party signs for the contract's current version.
pub(crate) fn contract_statement_of(row: &repo::ContractRow) -> AppResult<Vec<u8>> {
    Ok(rules::contract_statement(&digest_bytes(&row.digest)?))
}

pub(crate) fn contract_ctx(ctx: &AppContext) -> (Signing, DateTime<Utc>) {
    (Signing::of(ctx), ctx.clock.now().trunc_subsecs(6))
}

pub(crate) fn db_now(now: DateTime<Utc>) -> chrono::NaiveDateTime {
    to_db(now)
}

pub(crate) fn at(t: chrono::NaiveDateTime) -> DateTime<Utc> {
    from_db(t)
}
