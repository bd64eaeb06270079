//! Witnesses: registered by a regulator or administrator (audited), listed publicly; their
//! cosignatures are verified against the stored checkpoint and kept (append-only).
//!
//! A cosignature is not itself an audit event: an event would grow the log, need a new
//! checkpoint, and so a new cosignature, without end. The cosignature table is append-only and
//! each row is checkable by anyone against the witness's public key.

use super::*;
use crate::app::support::errors::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::cosignature::CosignatureVerifier;
use crate::audit::note::parse_note;
use crate::audit::{self, Event, EventType};
use crate::db::repo::witnesses as wrepo;
use crate::db::types::{from_db, to_db};
use crate::error::AppError;
use crate::error::AppResult;

fn witness_dto(r: wrepo::WitnessRow) -> Witness {
    Witness {
        name: r.name,
        key_id: r.key_id,
        verifier_key: r.verifier_key,
        registered_by: r.registered_by,
        registered_at: from_db(r.registered_at),
    }
}

/// Register a witness (regulators and administrators). Its name must be the key's name.
pub async fn register_witness(
    ctx: &AppContext,
    actor: &Actor,
    req: RegisterWitness,
) -> AppResult<Witness> {
    if !is_overseer(actor) {
        return Err(AppError::forbidden(
            "only regulators and administrators register witnesses",
        ));
    }
    let key = CosignatureVerifier::parse(&req.verifier_key).map_err(|e| {
        AppError::field(
            "verifier_key",
            "invalid",
            format!("not an Ed25519 cosignature verifier key (type 0x04): {e}"),
        )
    })?;
    if key.name() != req.name {
        return Err(AppError::field(
            "name",
            "mismatch",
            format!("the key is named {:?}, not {:?}", key.name(), req.name),
        ));
    }
    if key.name() == ctx.audit_log.origin() {
        return Err(AppError::field(
            "name",
            "is_log",
            "a witness cannot bear the log's own name",
        ));
    }
    let now = ctx.clock.now();
    let row = wrepo::WitnessRow {
        name: key.name().into(),
        key_id: key.key_id_hex(),
        verifier_key: key.to_vkey_string(),
        registered_by: actor.id.clone(),
        registered_at: to_db(now),
    };
    let role = if actor.has(Role::Regulator) {
        Role::Regulator
    } else {
        Role::Administrator
    };
    let actor_ref = actor.audit_as(role);
    ctx.db
        .write(move |c| {
            if wrepo::find_witness(c, &row.name)
                .map_err(internal)?
                .is_some()
                || wrepo::find_witness_by_key(c, &row.verifier_key)
                    .map_err(internal)?
                    .is_some()
            {
                return Err(AppError::conflict(format!(
                    "witness {} (or its key) is already registered; witnesses are permanent",
                    row.name
                )));
            }
            wrepo::insert_witness(c, &row).map_err(internal)?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::WitnessRegistered,
                    tender_id: None,
                    section_id: None,
                    actor: actor_ref,
                    subject: row.name.clone(),
                    body: serde_json::json!({"name": row.name, "key_id": row.key_id,
                        "verifier_key": row.verifier_key}),
                },
            )?;
            Ok(witness_dto(row))
        })
        .await
}

/// Every registered witness (public: verifiers pick their policy from these, out of band).
pub async fn list_witnesses(ctx: &AppContext) -> AppResult<Vec<Witness>> {
    let rows = ctx
        .db
        .read_primary(|c| wrepo::witnesses(c).map_err(internal))
        .await?;
    Ok(rows.into_iter().map(witness_dto).collect())
}

/// Store a witness's cosignature of the checkpoint of `tree_size` after verifying it. No
/// session needed: the signature is the credential. The first cosignature per witness and size
/// is kept; posting again returns it.
pub async fn add_cosignature(ctx: &AppContext, req: AddCosignature) -> AppResult<Cosignature> {
    let line = format!("{}\n", req.cosignature.trim_end_matches('\n'));
    let size = i64::try_from(req.tree_size)
        .map_err(|_| AppError::field("tree_size", "out_of_range", "tree size too large"))?;
    ctx.db
        .write(move |c| {
            let cp = repo::checkpoint_at(c, size)
                .map_err(internal)?
                .ok_or_else(|| {
                    AppError::field(
                        "tree_size",
                        "unknown_checkpoint",
                        format!("the log has no checkpoint of size {size}"),
                    )
                })?;
            let text = parse_note(&cp.signed_note)
                .map_err(|e| internal(anyhow::anyhow!("stored checkpoint {size}: {e}")))?
                .text;
            let sig = parse_note(&format!("{text}\n{line}"))
                .ok()
                .and_then(|n| n.signatures.into_iter().next())
                .ok_or_else(|| {
                    AppError::field(
                        "cosignature",
                        "malformed",
                        "not a signature line `— <name> <base64>`",
                    )
                })?;
            let w = wrepo::find_witness(c, &sig.name)
                .map_err(internal)?
                .ok_or_else(|| {
                    AppError::field(
                        "cosignature",
                        "unknown_witness",
                        format!("no registered witness {:?}", sig.name),
                    )
                })?;
            let key = CosignatureVerifier::parse(&w.verifier_key)
                .map_err(|e| internal(anyhow::anyhow!("stored witness key {}: {e}", w.name)))?;
            let signed_at = key.verify_line(&text, &line).map_err(|e| {
                AppError::field(
                    "cosignature",
                    "invalid",
                    format!("{e} (checkpoint of size {size})"),
                )
            })?;
            if let Some(existing) = wrepo::cosignature(c, size, &w.name).map_err(internal)? {
                return Ok(cosignature_dto(existing));
            }
            let row = wrepo::CosignatureRow {
                tree_size: size,
                witness_name: w.name,
                signed_at: signed_at as i64,
                signature_line: line,
                received_at: to_db(chrono::Utc::now()),
            };
            wrepo::insert_cosignature(c, &row).map_err(internal)?;
            Ok(cosignature_dto(row))
        })
        .await
}

fn cosignature_dto(r: wrepo::CosignatureRow) -> Cosignature {
    Cosignature {
        tree_size: r.tree_size as u64,
        witness: r.witness_name,
        signed_at: r.signed_at as u64,
        cosignature: r.signature_line,
    }
}

/// `note` with the stored cosignatures of its checkpoint appended (a C2SP signed note whose
/// extra lines verifiers that do not know the witnesses ignore).
pub fn with_cosignatures(c: &mut AnyConnection, size: i64, note: String) -> AppResult<String> {
    let mut out = note;
    for r in wrepo::cosignatures_at(c, size).map_err(internal)? {
        out.push_str(&r.signature_line);
    }
    Ok(out)
}
