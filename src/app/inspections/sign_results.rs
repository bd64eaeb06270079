//! Each member of the team signs the recorded results with its personal certificate over
//! `domain::inspection::result_statement` (the task, the object, the results' digest); the last
//! signature publishes them (双随机一公开: 抽查结果公开), late or not — lateness against the
//! configured working days is shown (`overdue`), never a reason to keep results back.

use super::*;
use crate::app::support::signing::{require_person, verify_statement, Signed, Signing};
use crate::app::AppContext;

pub async fn sign_results(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    results_digest: String,
    signed: Signed,
) -> AppResult<InspectionTask> {
    let (actor, id, now) = (actor.clone(), id.to_string(), ctx.clock.now());
    let (cal, days) = (
        ctx.calendar.clone(),
        ctx.settings.inspections.publish_within_working_days,
    );
    let signing = Signing::of(ctx);
    ctx.db
        .write(move |c| {
            let (mut row, plan, team) = load_task(c, &actor, &id, true, true)?;
            if task_state(&row)? != TaskState::Recorded {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "there are no recorded results waiting for signatures",
                ));
            }
            let current = row.results_digest.clone().unwrap_or_default();
            if results_digest != current {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "the results changed: sign the current results_digest",
                ));
            }
            let mut signatures: Vec<StoredSignature> =
                parse_json(&row.signatures, "task signatures")?;
            if signatures.iter().any(|s| s.person == actor.id) {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "you have signed these results",
                ));
            }
            let person = crate::db::repo::identity::find_person(c, &actor.id)?
                .ok_or_else(|| AppError::forbidden("signed by a person"))?;
            let cert = signing.certificate(&signed.certificate_chain, now)?;
            require_person(&cert, &person.person_id)?;
            let object = format!("{}:{}", row.object_kind, row.object_id);
            let message = insp::result_statement(&row.id, &object, &current);
            verify_statement(
                &cert.spki_der,
                signed.signature_algorithm,
                &message,
                &signed.signature,
                "inspection results",
            )?;
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD;
            let sig = StoredSignature {
                person: actor.id.clone(),
                signed_at: now,
                certificate: cert.fingerprint_sha256.clone(),
                signature: b64.encode(&signed.signature),
                signature_algorithm: signed.signature_algorithm.as_str().into(),
            };
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::InspectionResultSigned,
                    tender_id: None,
                    section_id: None,
                    actor: actor.audit_as(Role::Regulator),
                    subject: row.id.clone(),
                    body: json!({"task": row.id, "round": row.round_id, "object": object,
                        "results_digest": current, "signature": sig.signature,
                        "signature_algorithm": sig.signature_algorithm,
                        "certificate": b64.encode(&signed.certificate_chain[0])}),
                },
            )?;
            signatures.push(sig);
            let all = team
                .iter()
                .all(|m| signatures.iter().any(|s| s.person == m.person));
            row.signatures = to_json(&signatures)?;
            if all {
                row.state = TaskState::Published.as_str().into();
                row.published_at = Some(to_db(now));
            }
            repo::update_task(c, &row)?;
            let view = task_view(c, &row, &plan.code, &cal, days, now)?;
            if all {
                audit::record(
                    c,
                    now,
                    Event {
                        event_type: EventType::InspectionResultPublished,
                        tender_id: None,
                        section_id: None,
                        actor: ActorRef::system(),
                        subject: row.id.clone(),
                        body: json!({"task": row.id, "round": row.round_id, "plan": plan.code,
                            "object": object, "results_digest": current,
                            "findings": row.findings, "publish_due": view.publish_due,
                            "overdue": view.overdue}),
                    },
                )?;
            }
            Ok(view)
        })
        .await
}
