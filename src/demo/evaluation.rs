//! The demo's evaluation committee: the agent forms BD01's committee from the checked-in
//! experts, the members elect their leader (组长) by majority, a member reads an opened bid
//! decrypted (audited), and an expert who is not on the committee is refused; then the
//! committee evaluates to its signed report (`super::verdict`). BD02's committee is formed and
//! elects its leader the same way, then evaluates by the lowest evaluated price ([`section`]).

use anyhow::{bail, Context};

use super::{identity, login, say, short, Story};
use crate::client::Client;
use crate::domain::bidding::OpeningStatus;
use crate::pki::DevPki;
use crate::wire::evaluation::EvaluationCommittee;

pub(super) async fn story(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    library: &[(String, String)],
) -> anyhow::Result<()> {
    let (committee, members) = form_and_elect(story, base, pki, tender, "BD01", library).await?;
    super::licences::frozen(story, base, pki, tender).await?;
    read_as_member(story, base, pki, tender, library, &committee, &members).await?;
    super::verdict::story(story, base, pki, tender, &committee, library).await
}

/// Another section's committee, formed from its own drawn experts, to its complete report.
pub(super) async fn section(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    library: &[(String, String)],
) -> anyhow::Result<()> {
    let (committee, _) = form_and_elect(story, base, pki, tender, section, library).await?;
    super::verdict::lowest_price(story, base, pki, tender, section, &committee, library).await
}

/// K of BD01's price formula: committed by the platform when the opening record came out, drawn
/// with the regulator's value, replayable like every draw.
pub(super) async fn draw_k(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
) -> anyhow::Result<()> {
    story.step(
        "K of BD01's price formula is drawn by lottery: committed at the opening record, the \
         regulator contributes, K is revealed with everything to replay it",
    );
    let reg_id = identity(pki, "regulator")?;
    let regulator = login(base, reg_id).await?;
    let list: serde_json::Value = regulator
        .get(&format!("/api/v1/tenders/{tender}/draws"))
        .await?;
    let k = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["purpose"] == "lottery" && d["section"] == "BD01")
        .cloned()
        .context("no K lottery for BD01")?;
    let made = if k["state"] == "committed" {
        super::draws::contribute(&regulator, reg_id, &k).await?
    } else {
        k
    };
    let drawn = made["lottery"]["drawn"][0]
        .as_str()
        .context("the K lottery drew nothing")?;
    let by = match made["contributions"][0]["contributor"].as_str() {
        Some(f) if f.starts_with("fallback") => "no value in time: the checkpoint fallback",
        _ => "the regulator's signed value",
    };
    say(format!(
        "lottery …{}: K = {drawn} from {{0.01, 0.02, 0.03}} ({by})",
        short(made["id"].as_str().unwrap_or_default()),
    ));
    Ok(())
}

/// Forms the section's committee from the checked-in experts and elects its leader; each
/// member's logged-in client, by its library key.
pub(super) async fn form_and_elect(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    library: &[(String, String)],
) -> anyhow::Result<(EvaluationCommittee, Vec<(String, Client)>)> {
    story.step(&format!(
        "the agent forms {section}'s evaluation committee (评标委员会) from the checked-in \
         experts; 招标投标法37 is checked: at least 5, odd, experts at least two thirds"
    ));
    let agent = login(base, identity(pki, "agent")?).await?;
    let committee = agent.form_committee(tender, section, &[]).await?;
    let key_of = |person: &str| {
        library
            .iter()
            .find(|(_, p)| p == person)
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| "?".into())
    };
    for m in &committee.members {
        say(format!(
            "member …{}: {} ({}, {})",
            short(&m.id),
            key_of(&m.person_id),
            m.specialty.as_deref().unwrap_or("-"),
            serde_json::to_value(m.kind)?.as_str().unwrap_or_default()
        ));
    }

    story.step(&format!(
        "{section}'s members elect their leader (组长): more than half of them agree"
    ));
    let mut members: Vec<(String, Client)> = Vec::new();
    for m in &committee.members {
        let key = key_of(&m.person_id);
        members.push((key.clone(), login(base, identity(pki, &key)?).await?));
    }
    let candidate = committee.members.first().context("an empty committee")?;
    let mut leader = None;
    for (key, client) in &members {
        let c = client.vote_leader(tender, section, &candidate.id).await?;
        say(format!(
            "{key} votes for {}: {} of {} members have voted",
            key_of(&candidate.person_id),
            c.votes_cast,
            c.members.len()
        ));
        if let Some(l) = c.leader {
            leader = Some(l);
            break;
        }
    }
    if leader.as_deref() != Some(candidate.id.as_str()) {
        bail!("no leader was elected");
    }
    say(format!(
        "{} is the leader; the committee evaluates",
        key_of(&candidate.person_id)
    ));
    Ok((committee, members))
}

async fn read_as_member(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    library: &[(String, String)],
    committee: &EvaluationCommittee,
    members: &[(String, Client)],
) -> anyhow::Result<()> {
    story.step("a member reads an opened bid, decrypted as it streams; an outsider cannot");
    let agent = login(base, identity(pki, "agent")?).await?;
    let opening = agent.opening(tender, "BD01").await?;
    let opened = opening
        .bids
        .iter()
        .find(|b| b.status == OpeningStatus::Opened)
        .context("no opened bid")?;
    let (reader_key, reader) = members.last().context("no member")?;
    let mut document = Vec::new();
    let n = reader
        .save_opened_part(tender, "BD01", &opened.bid_id, 1, &mut document)
        .await?;
    say(format!(
        "{reader_key} reads {}'s document 1: {n} bytes, SHA-256 {}… (audited bid_part_read)",
        opened.bidder_name,
        &hex::encode(ring::digest::digest(&ring::digest::SHA256, &document))[..16],
    ));
    let (outsider_key, _) = library
        .iter()
        .find(|(_, p)| !committee.members.iter().any(|m| &m.person_id == p))
        .context("every expert is on the committee")?;
    let outsider = login(base, identity(pki, outsider_key)?).await?;
    let refused = outsider
        .save_opened_part(tender, "BD01", &opened.bid_id, 1, &mut Vec::new())
        .await
        .err()
        .and_then(|e| e.code())
        .map(|c| c.as_str().to_string())
        .unwrap_or_else(|| "allowed!".into());
    say(format!(
        "{outsider_key}, not on the committee, asks for it: {refused}"
    ));
    if refused != "forbidden" {
        bail!("an expert off the committee read an opened bid");
    }
    Ok(())
}
