//! The evaluation's clock: a report whose signing time is over records every silent member as
//! deemed to agree (条例53) and completes. Called by the worker; idempotent.

use super::reporting::{complete_if_all_in, report_members};
use super::*;
use crate::app::AppContext;
use crate::db::repo::reports as rrepo;
use crate::domain::evaluation::report::AssentKind;

/// One pass at the server's clock; returns how many reports it completed.
pub async fn tick(ctx: &AppContext) -> AppResult<usize> {
    let now = ctx.clock.now();
    let rules = ctx.settings.tenders.rules.clone();
    let refund = crate::app::support::refunds::interest_rule(ctx);
    ctx.db
        .write(move |c| {
            let mut done = 0;
            for mut report in rrepo::signing_due(c, to_db(now))? {
                let positions = rrepo::signatures(c, &report.id)?;
                let silent: Vec<String> = report_members(&report)?
                    .into_iter()
                    .filter(|m| !positions.iter().any(|p| &p.member == m))
                    .collect();
                for member in &silent {
                    rrepo::insert_signature(
                        c,
                        &rrepo::SignatureRow {
                            report_id: report.id.clone(),
                            member: member.clone(),
                            assent: AssentKind::DeemedAgreed.as_str().into(),
                            reason: None,
                            signature: None,
                            signature_algorithm: None,
                            signer_fingerprint: None,
                            signed_at: to_db(now),
                        },
                    )?;
                }
                audit::record(
                    c,
                    now,
                    Event {
                        event_type: EventType::EvaluationReportSigned,
                        tender_id: Some(report.tender_id.clone()),
                        section_id: Some(report.section_code.clone()),
                        actor: ActorRef::system(),
                        subject: report.id.clone(),
                        body: json!({"report": report.id, "committee": report.committee_id,
                            "digest": report.digest, "deemed_agreed": silent,
                            "sign_until": from_db(report.sign_until)}),
                    },
                )?;
                if complete_if_all_in(c, (&rules, refund), &mut report, now)? {
                    done += 1;
                }
            }
            Ok(done)
        })
        .await
}
