//! The bid validity chapter: the complaint has pushed the award back, so the agent asks the
//! section's bidders to extend their bids' validity (投标有效期); the candidates agree, signed,
//! another bidder declines and takes its bond back, and the notices then go to a bid still
//! valid.

use anyhow::{bail, Context};
use chrono::Duration;

use super::{bids, identity, login, say, short, Story};
use crate::pki::DevPki;

/// Step: the extension asked and answered; the agent reads where every bid stands.
pub(super) async fn extension(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    candidates: &[&str],
) -> anyhow::Result<()> {
    story.step(
        "the complaint has held the award up, so the agent asks every bidder to extend its bid's \
         validity by 60 days; the candidates agree, signed, another bidder declines: its bid \
         lapses and its bond is due back",
    );
    let agent = login(base, identity(pki, "agent")?).await?;
    let now = super::award::server_now(&agent).await?;
    let v = agent.bid_validity(tender, section).await?;
    let v = agent
        .request_validity_extension(
            tender,
            section,
            v.current_end + Duration::days(60),
            now + Duration::days(2),
            "投诉处理导致定标延后，请各投标人延长投标有效期及投标保证金有效期",
        )
        .await?;
    let x = v.extensions.last().context("no extension")?;
    say(format!(
        "extension …{}: from {} to {}, answers due {} UTC, {} bids asked",
        short(&x.id),
        x.previous_end.format("%Y-%m-%d"),
        x.new_end.format("%Y-%m-%d"),
        x.answer_due.format("%Y-%m-%d %H:%M"),
        x.asked.len()
    ));
    let mut declined = 0;
    for key in ["bidder-a", "bidder-b", "bidder-c", "bidder-d"] {
        let id = identity(pki, key)?;
        let client = login(base, id).await?;
        let Ok(seen) = client.bid_validity(tender, section).await else {
            continue;
        };
        let Some(own) = seen.extensions.last() else {
            continue;
        };
        let bid = &own.asked.first().context("no own bid")?.bid;
        let agree = candidates.contains(&bid.as_str()) || declined > 0;
        declined += usize::from(!agree);
        client
            .answer_validity_extension(own, agree, &super::creds(id)?)
            .await?;
        say(format!(
            "{key} {} (signed)",
            if agree { "agrees" } else { "declines" }
        ));
        if !agree {
            let refunds = client.my_bond_refunds().await?;
            if !refunds
                .iter()
                .any(|r| r.ground.as_str() == "validity_declined")
            {
                bail!("{key} declined but no bond refund is due");
            }
            say(format!("{key}'s bond is due back (validity_declined)"));
        }
    }
    let agent = login(base, identity(pki, "agent")?).await?;
    let v = agent.bid_validity(tender, section).await?;
    let x = v.extensions.last().context("no extension")?;
    for c in candidates {
        match x.asked.iter().find(|a| a.bid == *c) {
            Some(a) if !a.ended && a.valid_until == x.new_end => {}
            _ => bail!("candidate …{} is not valid to the new end", short(c)),
        }
    }
    say(format!(
        "the agent reads: {} valid to {}, {} lapsed",
        x.asked.iter().filter(|a| !a.ended).count(),
        x.new_end.format("%Y-%m-%d"),
        x.asked.iter().filter(|a| a.ended).count()
    ));
    // The answers' due time passes; the deadline watch closes the extension.
    bids::advance_to(base, pki, x.answer_due + Duration::minutes(1)).await?;
    Ok(())
}
