//! Create a draft. With an `Idempotency-Key`, a retried request returns the first response.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::publicity::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::identity as idrepo;
use crate::db::repo::parties as prepo;
use crate::db::repo::tenders as repo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
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
    /// The tenderer an agent acts for (optional: the entrustment names it).
    pub tenderer_id: Option<String>,
    /// Required when an agent (or its staff) creates the tender: the tenderer's signed
    /// entrustment for this project (委托招标), unused and not revoked.
    pub entrustment_id: Option<String>,
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
            let (tenderer_id, agent_id, entrustment) = acting_for(c, &org, &req, &title)?;
            crate::app::support::departments::check_supervising(c, &req.draft)?;
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
            if let Some(e) = entrustment {
                // Bound to this tender only now (it references the row); a concurrent use of
                // the same entrustment makes one of the two creations fail here.
                if !prepo::use_entrustment(c, &e, &row.id)? {
                    return Err(AppError::new(
                        ErrorCode::NotEntrusted,
                        "this entrustment was used for another tender already",
                    ));
                }
            }
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

/// Who the new tender is for: an agent acts for the tenderer whose live, unused entrustment
/// names it and this project (the entrustment is bound to the tender here); a tenderer acts
/// for itself. Returns `(tenderer_id, agent_id, entrustment_id)`.
fn acting_for(
    c: &mut AnyConnection,
    org: &str,
    req: &CreateTender,
    title: &str,
) -> AppResult<(String, Option<String>, Option<String>)> {
    let org_roles: Vec<String> = idrepo::roles_of(c, org)?;
    if org_roles
        .iter()
        .any(|r| Role::parse(r) == Some(Role::Agent))
    {
        let not_entrusted = |why: &str| AppError::new(ErrorCode::NotEntrusted, why.to_string());
        let id = req.entrustment_id.as_deref().ok_or_else(|| {
            not_entrusted("an agent creates tenders only under the tenderer's entrustment_id")
        })?;
        let e = prepo::find_entrustment(c, id)?
            .filter(|e| e.agent_id == org)
            .ok_or_else(|| not_entrusted("no entrustment of yours has this id"))?;
        if e.revoked_at.is_some() {
            return Err(not_entrusted("the tenderer revoked this entrustment"));
        }
        if req
            .tenderer_id
            .as_deref()
            .is_some_and(|t| t != e.tenderer_id)
        {
            return Err(not_entrusted("the entrustment is another tenderer's"));
        }
        if e.project != title {
            return Err(not_entrusted(
                "the entrustment is for another project (its project is the tender's title)",
            ));
        }
        let still_tenderer = idrepo::roles_of(c, &e.tenderer_id)?
            .iter()
            .any(|r| Role::parse(r) == Some(Role::Tenderer));
        if !still_tenderer {
            return Err(AppError::field(
                "tenderer_id",
                "not_a_tenderer",
                "no registered tenderer with this id",
            ));
        }
        if e.tender_id.is_some() {
            return Err(not_entrusted(
                "this entrustment was used for another tender already",
            ));
        }
        Ok((e.tenderer_id, Some(org.to_string()), Some(e.id)))
    } else if org_roles
        .iter()
        .any(|r| Role::parse(r) == Some(Role::Tenderer))
    {
        if req.tenderer_id.as_deref().is_some_and(|t| t != org) {
            return Err(AppError::field(
                "tenderer_id",
                "not_yourself",
                "a tenderer creates tenders for itself",
            ));
        }
        Ok((org.to_string(), None, None))
    } else {
        Err(AppError::forbidden(
            "only tenderers and agents create tenders",
        ))
    }
}
