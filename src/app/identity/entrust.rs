//! A tenderer entrusts an agent with one project (委托招标, 招标投标法 第13条): a statement signed
//! with the tenderer's own organisation certificate. The agent may create one tender under it
//! and act on that tender only while the entrustment stands.

use super::*;
use crate::app::support::signing::require_organisation;
use crate::app::support::signing::verify_statement;
use crate::app::support::signing::Signed;
use crate::app::support::signing::Signing;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::identity as repo;
use crate::db::repo::parties as prepo;
use crate::domain::authz::Permission;
use crate::domain::identity::entrustment_statement;
use crate::domain::identity::valid_project;
use crate::domain::identity::PrincipalKind;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::wire::identity::*;
use base64::Engine;
use serde_json::json;

/// Entrust `agent_id` with `project`, signed by the calling tenderer.
pub async fn entrust(
    ctx: &AppContext,
    actor: &Actor,
    agent_id: &str,
    project: &str,
    signed: Signed,
) -> AppResult<Entrustment> {
    actor.require(Permission::EntrustAgents)?;
    if actor.kind != PrincipalKind::Organisation {
        return Err(AppError::forbidden(
            "the tenderer entrusts with its own organisation certificate",
        ));
    }
    if !valid_project(project) {
        return Err(AppError::field(
            "project",
            "invalid",
            "1–200 characters, no control characters, no surrounding spaces",
        ));
    }
    let (now, signing, by) = (
        ctx.clock.now(),
        Signing::of(ctx),
        actor.audit_as(Role::Tenderer),
    );
    let (tenderer, agent, project) = (actor.id.clone(), agent_id.to_string(), project.to_string());
    ctx.db
        .write(move |c| {
            let own = repo::find_organisation(c, &tenderer)?
                .ok_or_else(|| AppError::forbidden("unknown organisation"))?;
            let agent_roles = parse_roles(repo::roles_of(c, &agent)?);
            if agent == tenderer || !agent_roles.contains(&Role::Agent) {
                return Err(AppError::field(
                    "agent_id",
                    "not_an_agent",
                    "no agent the trading centre has admitted has this id",
                ));
            }
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_organisation(&cert, &own.uscc)?;
            let payload = entrustment_statement(&tenderer, &agent, &project);
            let alg = signed.signature_algorithm;
            verify_statement(
                &cert.spki_der,
                alg,
                &payload,
                &signed.signature,
                "entrustment",
            )?;
            let row = prepo::EntrustmentRow {
                id: uuid::Uuid::now_v7().to_string(),
                tenderer_id: tenderer,
                agent_id: agent,
                project,
                certificate_fingerprint: cert.fingerprint_sha256.clone(),
                signature_algorithm: alg.as_str().into(),
                signature: base64::engine::general_purpose::STANDARD.encode(&signed.signature),
                created_at: to_db(now),
                tender_id: None,
                revoked_at: None,
            };
            prepo::insert_entrustment(c, &row)?;
            let body = json!({"entrustment": row.id, "tenderer": row.tenderer_id,
                "agent": row.agent_id, "project": row.project,
                "certificate": cert.fingerprint_sha256});
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::EntrustmentSigned,
                    tender_id: None,
                    section_id: None,
                    actor: by,
                    subject: row.agent_id.clone(),
                    body,
                },
            )?;
            Ok(entrustment_view(&row))
        })
        .await
}

pub(super) fn entrustment_view(row: &prepo::EntrustmentRow) -> Entrustment {
    Entrustment {
        id: row.id.clone(),
        tenderer_id: row.tenderer_id.clone(),
        agent_id: row.agent_id.clone(),
        project: row.project.clone(),
        created_at: from_db(row.created_at),
        tender_id: row.tender_id.clone(),
        revoked_at: row.revoked_at.map(from_db),
    }
}
