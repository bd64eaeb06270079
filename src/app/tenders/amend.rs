//! Publish the working copy as a new immutable version (澄清/修改). If it lands too close to the
//! deadline the deadline moves (条例21); bids already submitted must be re-confirmed; everyone who
//! downloaded the documents is told.

use super::*;
use crate::app::support::errors::*;
use crate::app::support::json::*;
use crate::app::support::publicity::*;
use crate::app::support::signing::Signing;
use crate::app::support::tender::*;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit::EventType;
use crate::db::repo::tenders as repo;
use crate::db::types::from_db;
use crate::db::types::to_db;
use crate::domain::lifecycle::transition;
use crate::domain::lifecycle::Event;
use crate::domain::lifecycle::EventKind;
use crate::domain::schedule::amendment_effect;
use crate::domain::schedule::validate_amendment;
use crate::domain::schedule::AmendmentImpact;
use crate::domain::tender::TenderDraft;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::wire::tenders::*;
use serde_json::json;

/// Publish the working copy as a new immutable version (澄清/修改). If it lands too close to
/// the deadline the deadline moves (条例21); bids already submitted must be re-confirmed; everyone
/// who downloaded the documents is told.
pub async fn amend(
    ctx: &AppContext,
    actor: &Actor,
    id: &str,
    rationale: String,
    impact: AmendmentImpact,
    sig: NoticeSignature,
) -> AppResult<Amendment> {
    if rationale.trim().is_empty() {
        return Err(AppError::field(
            "rationale",
            "required",
            "say what the amendment changes and why",
        ));
    }
    let (id, actor, now, env, signing) = (
        id.to_string(),
        actor.clone(),
        ctx.clock.now(),
        Env::of(ctx),
        Signing::of(ctx),
    );
    let out = ctx
        .db
        .write(move |c| {
            let mut row = load_as_party(c, &actor, &id)?;
            if row.version == 0 {
                // Nothing published yet: there is no version to amend (and no published draft).
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "a draft is published, not amended",
                ));
            }
            let state = state_of(&row)?;
            let mut draft: TenderDraft = parse_json(&row.draft, "draft")?;
            let old = published_draft(c, &row)?;
            let rules = rules_for(&env.rules, &draft);
            let effect = amendment_effect(&draft.schedule, now, impact, &rules);
            let moved = effect
                .new_deadline
                .filter(|d| *d > draft.schedule.bid_deadline);
            if let Some(d) = moved {
                draft.schedule.bid_deadline = d;
                if draft.schedule.documents_available_until > d {
                    draft.schedule.documents_available_until = d;
                }
            }
            let first_issue = row.published_at.map(from_db).unwrap_or(now);
            validate_amendment(&old, &draft, first_issue, now, &rules).map_err(rule_error)?;
            let next = transition(&state, &Event::Amend, now, &draft.schedule, &rules)
                .map_err(transition_error)?;
            let notice = notice_for(c, &row)?;
            let signer = verify_notice_signature(c, &signing, &row, &notice, &sig, now)?;
            row.version = notice.version;
            row.draft = to_json(&draft)?;
            row.bid_deadline = to_db(draft.schedule.bid_deadline);
            if effect.reconfirm_bids {
                row.reconfirm_from_version = Some(row.version);
            }
            set_state(&mut row, &next, now)?;
            repo::update_tender(c, &row)?;
            let note = Some(rationale.trim().to_string());
            insert_version(c, &row, &notice, &draft, &sig, signer, note, now)?;
            repo::publish_pending_documents(c, &row.id, row.version)?;
            let deadline = draft.schedule.bid_deadline;
            let text = notice_text(&row, rationale.trim(), deadline, moved);
            let body = json!({"tender": row.id, "version": row.version,
                "notice_sha256": notice.sha256, "deadline_moved_to": moved,
                "bid_deadline": deadline, "bid_validity_days": draft.schedule.bid_validity_days,
                "reconfirm_bids": effect.reconfirm_bids});
            let change = Change::new(actor.audit_ref(), EventType::TenderAmended, body);
            let title = format!("变更公告：{}", row.title);
            let publicity = Publicity {
                release: Some((EventKind::Amend, next.kind())),
                announcement: Some((
                    crate::domain::tender::AnnouncementKind::ChangeNotice,
                    title.clone(),
                )),
                mail: Some(Mail::to_downloaders("amendment", title, text)),
            };
            record(c, &env, now, &row, change, Some(publicity))?;
            Ok(Amendment {
                tender: view(c, &row, true)?,
                deadline_moved_to: moved,
                reconfirm_bids: effect.reconfirm_bids,
            })
        })
        .await?;
    ctx.mail_wake.notify_one();
    Ok(out)
}

/// The mail to everyone who downloaded the documents: the change, and the deadline in Beijing
/// time (moved or not).
fn notice_text(
    row: &repo::TenderRow,
    rationale: &str,
    deadline: DateTime<Utc>,
    moved: Option<DateTime<Utc>>,
) -> String {
    let tz = crate::domain::schedule::LEGAL_TZ;
    let deadline_local = deadline.with_timezone(&tz).format("%Y-%m-%d %H:%M");
    match moved {
        Some(_) => format!(
            "《{}》发布了第{}版变更公告：{}\n\
             投标截止时间（开标时间）顺延至 {}（北京时间）。已递交的投标文件需重新确认。",
            row.title, row.version, rationale, deadline_local
        ),
        None => format!(
            "《{}》发布了第{}版变更公告：{}\n投标截止时间：{}（北京时间）。",
            row.title, row.version, rationale, deadline_local
        ),
    }
}
