//! The demo's supervision (issue 15): the losing candidate, its objection dismissed, complains to
//! the supervising department; the department accepts the complaint and suspends the tender (the
//! notices wait), then dismisses it with a signed decision, which resumes the tender.

use anyhow::{bail, Context};

use super::{creds, identity, login, say, short, Story};
use crate::domain::lifecycle::SuspensionReason;
use crate::error::ErrorCode;
use crate::pki::DevPki;
use crate::wire::supervision::{
    ComplaintOutcome, ComplaintState, ComplaintSubject, FileComplaintRequest,
    HandleComplaintRequest,
};
use crate::wire::tenders::LifecycleAction;

/// Step: a complaint after the objection, accepted, suspending the award, dismissed.
pub(super) async fn complaint(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    (bidder_key, objection): (&str, &str),
) -> anyhow::Result<()> {
    story.step(
        "the objector complains to the supervising department (投诉, signed); the department \
         accepts it and suspends the tender, so the notices wait; its signed decision dismisses \
         the complaint and the tender resumes",
    );
    let bidder_id = identity(pki, bidder_key)?;
    let bidder = login(base, bidder_id).await?;
    let uscc = bidder_id.uscc.clone().context("a bidder without a USCC")?;
    let req = FileComplaintRequest {
        tender: tender.into(),
        section: Some(section.into()),
        subject: ComplaintSubject::EvaluationResult,
        objection: Some(objection.into()),
        known_on: None,
        text: "异议答复未核实中标候选人项目经理的在建工程情况，请求责令重新评审。".into(),
        certificate_chain: vec![],
        signature: String::new(),
        signature_algorithm: String::new(),
    };
    let c = bidder
        .file_complaint(req, &uscc, &creds(bidder_id)?)
        .await?;
    let limit = match (c.acceptance_due, &c.due_unknown) {
        (Some(d), _) => format!("accept or refuse by {}", d.format("%Y-%m-%d %H:%M UTC")),
        (None, Some(why)) => format!("its 3 working days not computable: {why}"),
        (None, None) => "no limit".into(),
    };
    say(format!("complaint …{} filed; {limit}", short(&c.id)));
    let regulator_id = identity(pki, "regulator")?;
    let regulator = login(base, regulator_id).await?;
    let c = regulator
        .handle_complaint(&c.id, &HandleComplaintRequest::Accept {})
        .await?;
    let due = match (c.decision_due, &c.due_unknown) {
        (Some(d), _) => format!("decide by {}", d.format("%Y-%m-%d %H:%M UTC")),
        (None, Some(why)) => format!("decision limit not computable yet: {why}"),
        (None, None) => "no decision limit".into(),
    };
    say(format!("accepted; {due}"));
    regulator
        .tender_action(
            tender,
            &LifecycleAction::Suspend {
                reason: SuspensionReason::Complaint,
                note: format!("投诉（{}）处理期间暂停招标投标活动", c.id),
            },
        )
        .await?;
    let agent = login(base, identity(pki, "agent")?).await?;
    match agent.notice_drafts(tender, section).await {
        Err(e) if e.code() == Some(ErrorCode::InvalidStateTransition) => {
            say(format!("the tender is suspended; notices refused: {e}"))
        }
        Err(e) => bail!("notices refused with another reason: {e}"),
        Ok(_) => bail!("notices could be drafted while the tender is suspended"),
    }
    let decided = regulator
        .decide_complaint(
            &c.id,
            ComplaintOutcome::Dismissed,
            "经调查，中标候选人项目经理无在建工程，异议答复并无不当，投诉缺乏事实根据，驳回投诉。",
            &creds(regulator_id)?,
        )
        .await?;
    if decided.state != ComplaintState::Decided || decided.overdue {
        bail!(
            "the decision is {:?}, overdue {}",
            decided.state,
            decided.overdue
        );
    }
    let state = super::award::tender_state(base, tender).await?;
    if state == crate::domain::lifecycle::StateKind::Suspended {
        bail!("the tender is still suspended after the decision");
    }
    let feed: Vec<crate::wire::tenders::Announcement> = crate::client::Client::new(base)
        .get(&format!("/api/v1/announcements?tender={tender}&limit=200"))
        .await?;
    let announced = feed
        .iter()
        .rfind(|a| a.kind == crate::domain::tender::AnnouncementKind::ComplaintDecision)
        .context("the complaint's decision is not in the tender's announcements")?;
    say(format!(
        "dismissed, signed by the officer and served; the tender is {} again; announced to the \
         public: 「{}」",
        state.as_str(),
        announced.title
    ));
    Ok(())
}
