//! Publish a draft: every statutory rule must hold, and the notice must be signed.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::keys::publish_custodians;
use crate::app::support::publicity::*;
use crate::app::support::signing::Signing;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::tenders as repo;
use crate::db::types::to_db;
use crate::domain::lifecycle::transition;
use crate::domain::lifecycle::Event;
use crate::domain::lifecycle::EventKind;
use crate::domain::schedule::validate_for_publication;
use crate::domain::tender::TenderDraft;
use crate::error::AppResult;
use crate::wire::tenders::*;
use serde_json::json;

/// Publish a draft: every statutory rule must hold, and the notice must be signed.
pub async fn publish(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    sig: NoticeSignature,
) -> AppResult<Tender> {
    let (id, actor, now, env, signing) = (
        id.to_string(),
        actor.clone(),
        ctx.clock.now(),
        Env::of(ctx),
        Signing::of(ctx),
    );
    let independence = ctx.settings.tenders.custodian_independence;
    ctx.db
        .write(move |c| {
            let mut row = load_as_party(c, &actor, &id)?;
            let state = state_of(&row)?;
            let draft: TenderDraft = parse_json(&row.draft, "draft")?;
            let rules = rules_for(&env.rules, &draft);
            let next = transition(&state, &Event::Publish, now, &draft.schedule, &rules)
                .map_err(transition_error)?;
            validate_for_publication(&draft, &rules, now).map_err(rule_error)?;
            check_custodians(c, &row, &draft, independence)?;
            crate::app::support::departments::check_supervising(c, &draft)?;
            let notice = notice_for(c, &row)?;
            let signer = verify_notice_signature(c, &signing, &row, &notice, &sig, now)?;
            row.version = notice.version;
            row.published_at = Some(to_db(now));
            row.public_seq = Some(repo::next_public_seq(c)?);
            row.bid_deadline = to_db(draft.schedule.bid_deadline);
            set_state(&mut row, &next, now)?;
            repo::update_tender(c, &row)?;
            insert_version(c, &row, &notice, &draft, &sig, signer.clone(), None, now)?;
            repo::publish_pending_documents(c, &row.id, row.version)?;
            // The custodians' public keys enter the log with the publication, before any bid
            // can use them, so nobody can swap one later. No secret is generated here.
            let remedy = publish_custodians(c, &row, &draft, now)?;
            let body = json!({"tender": row.id, "version": row.version,
                "notice_sha256": notice.sha256, "signer": signer.0,
                "bid_deadline": draft.schedule.bid_deadline,
                "bid_validity_days": draft.schedule.bid_validity_days, "remedy": remedy});
            let change = Change::new(actor.audit_ref(), EventType::TenderPublished, body);
            let publicity = Publicity {
                release: Some((EventKind::Publish, next.kind())),
                announcement: Some((
                    crate::domain::tender::AnnouncementKind::TenderNotice,
                    format!("招标公告：{}", row.title),
                )),
                mail: None,
            };
            record(c, &env, now, &row, change, Some(publicity))?;
            view(c, &row, true)
        })
        .await
}
