//! Create a draft. With an `Idempotency-Key`, a retried request returns the first response.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::publicity::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as repo;
use crate::db::types::to_db;
use crate::domain::authz::Permission;
use crate::domain::lifecycle::State;
use crate::domain::lifecycle::StateKind;
use crate::domain::tender::TenderDraft;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::tenders::*;
use serde_json::json;

/// Creation request.
#[derive(Clone, Debug)]
pub struct CreateTender {
    pub title: String,
    pub description: String,
    /// Required when an agent (or its staff) creates the tender for a tenderer (委托招标).
    pub tenderer_id: Option<String>,
    pub draft: TenderDraft,
}

/// Create a draft. With an `Idempotency-Key`, a retried request returns the first response.
pub async fn create(
    ctx: &AppContext,
    actor: &Actor,
    req: CreateTender,
    idempotency: Option<(String, String)>,
) -> AppResult<(bool, Tender)> {
    actor
        .require(Permission::ManageTenders)
        .map_err(|_| AppError::forbidden("only tenderers and agents create tenders"))?;
    let title = text("title", &req.title, 200)?;
    let org = actor
        .organisation_id
        .clone()
        .ok_or_else(|| AppError::forbidden("act for an organisation to create tenders"))?;
    let now = ctx.clock.now();
    let actor = actor.clone();
    let env = Env::of(ctx);
    ctx.db
        .write(move |c| {
            if let Some((key, digest)) = &idempotency {
                if let Some(prev) = repo::find_idempotency(c, &actor.id, key)? {
                    if &prev.request_digest != digest {
                        return Err(AppError::new(
                            ErrorCode::IdempotencyKeyReused,
                            "this Idempotency-Key was used for a different request",
                        ));
                    }
                    return Ok((false, parse_json(&prev.response, "idempotent response")?));
                }
            }
            let org_roles: Vec<String> = idrepo::roles_of(c, &org)?;
            let (tenderer_id, agent_id) = if org_roles.iter().any(|r| r == "agent") {
                let t = req.tenderer_id.clone().ok_or_else(|| {
                    AppError::field(
                        "tenderer_id",
                        "required",
                        "an agent names the tenderer it acts for",
                    )
                })?;
                let troles = idrepo::roles_of(c, &t)?;
                if !troles.iter().any(|r| r == "tenderer") {
                    return Err(AppError::field(
                        "tenderer_id",
                        "not_a_tenderer",
                        "no registered tenderer with this id",
                    ));
                }
                (t, Some(org.clone()))
            } else if org_roles.iter().any(|r| r == "tenderer") {
                if req.tenderer_id.as_deref().is_some_and(|t| t != org) {
                    return Err(AppError::field(
                        "tenderer_id",
                        "not_yourself",
                        "a tenderer creates tenders for itself",
                    ));
                }
                (org.clone(), None)
            } else {
                return Err(AppError::forbidden(
                    "only tenderers and agents create tenders",
                ));
            };
            let row = repo::TenderRow {
                id: uuid::Uuid::now_v7().to_string(),
                title: title.clone(),
                description: req.description.trim().to_string(),
                tenderer_id,
                agent_id,
                created_by: actor.id.clone(),
                state: StateKind::Draft.as_str().into(),
                state_detail: to_json(&State::Draft)?,
                draft: to_json(&req.draft)?,
                version: 0,
                bid_deadline: to_db(req.draft.schedule.bid_deadline),
                reconfirm_from_version: None,
                created_at: to_db(now),
                updated_at: to_db(now),
                published_at: None,
                public_seq: None,
            };
            repo::insert_tender(c, &row)?;
            record(
                c,
                &env,
                now,
                &row,
                Change::new(
                    actor.audit_ref(),
                    EventType::TenderCreated,
                    json!({"tender": row.id, "title": row.title}),
                ),
                None,
            )?;
            let v = view(c, &row, true)?;
            if let Some((key, digest)) = idempotency {
                repo::insert_idempotency(
                    c,
                    &repo::IdempotencyRow {
                        principal_id: actor.id.clone(),
                        idem_key: key,
                        request_digest: digest,
                        status: 201,
                        response: to_json(&v)?,
                        created_at: to_db(now),
                    },
                )?;
            }
            Ok((true, v))
        })
        .await
}
