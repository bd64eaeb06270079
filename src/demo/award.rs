//! The demo's award of BD01 under 评定分离 (issue 14 item 6): the agent files its signed 清标
//! report; the tenderer puts five people in its 定标委员库 and each signs its statement; the agent
//! forms the award committee and a regulator witnesses it; the deciding is convened and the
//! first ballot ends in a tie, which is re-voted among the tied and decided by an absolute
//! majority; every member signs the 定标报告; the result is publicised, the losing bidder
//! objects and the award waits until the agent dismisses the objection; the notices go out, the
//! winner verifies its 中标通知书 offline, and the written report is filed. Then BD02 by 票决抽签
//! ([`by_lot`]): 清标, a committee from the same pool without BD02's evaluators, a signed secret
//! vote for a shortlist of two, the lot among them by the platform's one verifiable lottery with
//! the regulator's contribution, the regulator replaying the lot offline from a saved audit
//! export, the 定标报告, a publicity without objection, the notices: the tender is awarded.

use anyhow::{bail, Context};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::{bids, creds, identity, login, say, short, Story};
use crate::client::award_notices::verify_notice;
use crate::client::{Client, Credentials};
use crate::domain::award::ballot::{BallotOf, Cast};
use crate::domain::award::clearing::{CandidateClearing, ClearingReport, Finding, FindingCategory};
use crate::domain::award::publicity::Outcome;
use crate::domain::award::stage::AwardStage;
use crate::domain::award_notices::NoticeKind;
use crate::domain::lifecycle::StateKind;
use crate::error::ErrorCode;
use crate::pki::DevPki;
use crate::wire::award::SectionAward;
use crate::wire::award_committee::FormAwardCommitteeRequest;
use crate::wire::award_publicity::AnswerAwardObjectionRequest;
use crate::wire::award_rounds::{AwardStep, AwardSteps, CastKind, StepKind};
use crate::wire::experts::AdmitMember;
use crate::wire::tenders::Tender;

/// The section awarded by 票决 (a tie re-voted, an objection answered).
const SECTION: &str = "BD01";
/// The section awarded by 票决抽签 (a shortlist voted, then the lot).
const LOT_SECTION: &str = "BD02";

/// The tenderer's pool for the demo: the three award-committee people of the dev PKI, then
/// experts of the library who did not evaluate BD01 (a 评标 expert does not also decide the
/// award), from the last one admitted down.
const COMMITTEE_PEOPLE: [&str; 3] = ["committee-1", "committee-2", "committee-3"];
const POOL_SIZE: usize = 5;

/// A member of the award committee as the story drives it.
struct Member {
    key: String,
    person: String,
    pool_id: String,
    client: Client,
    creds: Credentials,
}

/// A candidate's bid and the demo identity of its bidder.
struct Candidate {
    bid: String,
    bidder: String,
}

/// The awards of both sections: BD01 by 票决, then BD02 by 票决抽签 ([`by_lot`]).
pub(super) async fn story(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
) -> anyhow::Result<()> {
    let candidates = clear(story, base, pki, tender, SECTION).await?;
    let mut members = pool(story, base, pki, tender, SECTION, &[]).await?;
    committee(story, base, pki, tender, SECTION, &members).await?;
    let winner = decide(story, base, pki, tender, &mut members, &candidates).await?;
    report(story, base, pki, tender, SECTION, &members).await?;
    let loser = candidates
        .iter()
        .find(|c| c.bid != winner.bid)
        .context("a losing candidate")?;
    let objection = publicity(story, base, pki, tender, loser).await?;
    super::supervision::complaint(
        story,
        base,
        pki,
        tender,
        SECTION,
        (&loser.bidder, &objection),
    )
    .await?;
    let bids: Vec<&str> = candidates.iter().map(|c| c.bid.as_str()).collect();
    super::validity::extension(story, base, pki, tender, SECTION, &bids).await?;
    // BD02 is still at its 清标: the tender holds its least advanced section's state.
    notices(
        story,
        base,
        pki,
        tender,
        SECTION,
        &winner,
        (true, StateKind::Clearing),
    )
    .await?;
    by_lot(story, base, pki, tender, LOT_SECTION, &members).await
}

/// BD02 under 票决抽签: 清标, the committee from the same pool, a signed secret vote for a
/// shortlist of two, the lot among them through the platform's one verifiable lottery (the
/// regulator contributes), the regulator's offline replay of the lot from an audit export, the
/// 定标报告, a publicity nobody objects to, the notices: the tender is awarded.
async fn by_lot(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    known: &[Member],
) -> anyhow::Result<()> {
    let candidates = clear(story, base, pki, tender, section).await?;
    let mut members = pool(story, base, pki, tender, section, known).await?;
    committee(story, base, pki, tender, section, &members).await?;
    let lot = shortlist(story, base, pki, tender, section, &mut members, &candidates).await?;
    let winner = draw_lot(story, base, pki, tender, section, &lot, &candidates).await?;
    replay_lot(story, base, pki, tender, section, &lot, &winner).await?;
    report(story, base, pki, tender, section, &members).await?;
    quiet_publicity(story, base, pki, tender, section).await?;
    notices(
        story,
        base,
        pki,
        tender,
        section,
        &winner,
        (false, StateKind::Awarded),
    )
    .await
}

async fn expect_stage(
    client: &Client,
    tender: &str,
    section: &str,
    want: AwardStage,
) -> anyhow::Result<SectionAward> {
    let a = client.award(tender, section).await?;
    if a.stage != want {
        bail!(
            "{section}'s award is at {}, the story expects {}",
            a.stage.as_str(),
            want.as_str()
        );
    }
    Ok(a)
}

pub(super) async fn tender_state(base: &str, tender: &str) -> anyhow::Result<StateKind> {
    let t: Tender = Client::new(base)
        .get(&format!("/api/v1/tenders/{tender}"))
        .await?;
    Ok(t.state)
}

pub(super) async fn server_now(client: &Client) -> anyhow::Result<DateTime<Utc>> {
    let t: Value = client.get("/api/v1/time").await?;
    Ok(serde_json::from_value(t["now"].clone())?)
}

async fn my_id(client: &Client) -> anyhow::Result<String> {
    let me: Value = client.get("/api/v1/me").await?;
    Ok(me["id"].as_str().unwrap_or_default().to_string())
}

/// Step: the agent's signed 清标 report; the award moves to the committee.
async fn clear(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
) -> anyhow::Result<Vec<Candidate>> {
    story.step(&format!(
        "评定分离: the agent files its 清标 report over {section}'s candidates, signed with its \
         certificate; the award moves on to forming the award committee"
    ));
    let agent_id = identity(pki, "agent")?;
    let agent = login(base, agent_id).await?;
    let a = expect_stage(&agent, tender, section, AwardStage::Clearing).await?;
    let opening = agent.opening(tender, section).await?;
    let mut candidates = Vec::new();
    for bid in &a.candidates {
        let uscc = opening
            .bids
            .iter()
            .find(|b| &b.bid_id == bid)
            .map(|b| b.bidder_uscc.clone())
            .context("a candidate that was not opened")?;
        let bidder = pki
            .identities
            .iter()
            .find(|i| i.uscc.as_deref() == Some(uscc.as_str()))
            .map(|i| i.key.clone())
            .context("a candidate of an unknown bidder")?;
        candidates.push(Candidate {
            bid: bid.clone(),
            bidder,
        });
    }
    let report = ClearingReport {
        candidates: candidates
            .iter()
            .enumerate()
            .map(|(i, c)| CandidateClearing {
                bid: c.bid.clone(),
                findings: if i == 0 {
                    vec![Finding {
                        category: FindingCategory::ArithmeticError,
                        text: "分部分项工程费合计少计 1,200.00 元，不影响投标总价".into(),
                    }]
                } else {
                    Vec::new()
                },
            })
            .collect(),
        summary: "清标未发现影响定标的重大偏差。".into(),
    };
    let filed = agent
        .file_clearing(tender, section, a.award_round, &report, &creds(agent_id)?)
        .await?;
    say(format!(
        "清标 report of round {} over {}: statement digest {}…",
        filed.award_round,
        candidates
            .iter()
            .map(|c| format!("{} (…{})", c.bidder, short(&c.bid)))
            .collect::<Vec<_>>()
            .join(", "),
        &filed.statement_sha256[..16]
    ));
    expect_stage(&agent, tender, section, AwardStage::Committee).await?;
    say("award stage committee");
    Ok(candidates)
}

/// Step: five people of the tenderer's pool who did not evaluate the section, each with its
/// signed statement for this round. The people of `known` (in the pool already, from an earlier
/// section's award) come first; anyone else is put in the pool first.
async fn pool(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    known: &[Member],
) -> anyhow::Result<Vec<Member>> {
    story.step(&if known.is_empty() {
        "the tenderer puts five people in its 定标委员库; each signs its statement (承诺书) for \
         this award round, declaring no conflict"
            .to_string()
    } else {
        format!(
            "{section}'s award committee is appointed from the same 定标委员库: five people who \
             did not evaluate {section} (the pool grows where needed) sign their statements for \
             its award round"
        )
    });
    let tenderer = login(base, identity(pki, "tenderer")?).await?;
    let tenderer_id = my_id(&tenderer).await?;
    let round = tenderer.award(tender, section).await?.award_round;
    let evaluators: Vec<String> = tenderer
        .committee(tender, section)
        .await?
        .members
        .into_iter()
        .map(|m| m.person_id)
        .collect();
    let experts = (1..=32).rev().map(|i| format!("expert-{i}"));
    let mut members = Vec::new();
    for key in known
        .iter()
        .map(|m| m.key.clone())
        .chain(COMMITTEE_PEOPLE.iter().map(|k| k.to_string()))
        .chain(experts)
    {
        if members.len() == POOL_SIZE {
            break;
        }
        if members.iter().any(|m: &Member| m.key == key) {
            continue;
        }
        let id = identity(pki, &key)?;
        let person = my_id(&login(base, id).await?).await?;
        if evaluators.contains(&person) {
            continue;
        }
        let (pool_id, name) = match known.iter().find(|m| m.key == key) {
            Some(m) => (m.pool_id.clone(), None),
            None => {
                let m = tenderer
                    .add_to_award_pool(&tenderer_id, &admission(&person, &id.email))
                    .await?;
                (m.id, Some(m.name))
            }
        };
        // The pool grants the award_committee role: log in again to carry it.
        let client = login(base, id).await?;
        let c = creds(id)?;
        let s = client
            .sign_award_statement(tender, section, round, &pool_id, &person, &c)
            .await?;
        say(format!(
            "{} …{}; statement signed, digest {}…",
            match name {
                Some(n) => format!("{n} ({key}) put in the pool as"),
                None => format!("{key}, in the pool as"),
            },
            short(&pool_id),
            &s.statement_sha256[..16]
        ));
        members.push(Member {
            key: key.clone(),
            person,
            pool_id,
            client,
            creds: c,
        });
    }
    if members.len() != POOL_SIZE {
        bail!("{} people for {section}'s award committee", members.len());
    }
    let listed = tenderer.award_pool(&tenderer_id, None).await?;
    if let Some(m) = members
        .iter()
        .find(|m| !listed.items.iter().any(|p| p.id == m.pool_id))
    {
        bail!("{} is not in the tenderer's pool", m.key);
    }
    say(format!(
        "the tenderer's 定标委员库 holds {} people",
        listed.items.len()
    ));
    Ok(members)
}

fn admission(person: &str, email: &str) -> AdmitMember {
    AdmitMember {
        person_id: person.to_string(),
        region: "429005".into(),
        employer: "潜江市城市建设投资开发有限公司".into(),
        employer_uscc: None,
        department: None,
        title: "高级经济师".into(),
        senior_title: true,
        practice_years: 12,
        specialties: vec!["A080201".into()],
        phone: "138-0013-8000".into(),
        email: email.to_string(),
        avoid_units: Vec::new(),
    }
}

/// Steps: the agent forms the committee; a regulator witnesses it.
async fn committee(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    members: &[Member],
) -> anyhow::Result<()> {
    story.step(&format!(
        "the agent forms {section}'s award committee (定标委员会): the five appointed members, \
         the first of them chair"
    ));
    let agent = login(base, identity(pki, "agent")?).await?;
    let formed = agent
        .form_award_committee(
            tender,
            section,
            &FormAwardCommitteeRequest {
                appointed: members.iter().map(|m| m.person.clone()).collect(),
                chair: members[0].person.clone(),
            },
        )
        .await?;
    if formed.members.len() != members.len() || formed.witnessed_at.is_some() {
        bail!(
            "the committee has {} members, witnessed {:?}",
            formed.members.len(),
            formed.witnessed_at
        );
    }
    for m in &formed.members {
        let role = serde_json::to_value(m.role)?;
        say(format!(
            "{} {} (pool member …{})",
            role.as_str().unwrap_or_default(),
            m.name,
            short(&m.member_id)
        ));
    }
    if let Some(m) = members.iter().find(|m| {
        !formed
            .members
            .iter()
            .any(|f| f.member_id == m.pool_id && f.person_id == m.person)
    }) {
        bail!("{} is not on the committee as admitted", m.key);
    }
    say(format!("roster digest {}…", &formed.roster_sha256[..16]));

    story.step(&format!(
        "a supervising regulator reads {section}'s committee and witnesses it by signing its \
         roster; the deciding may begin"
    ));
    let regulator_id = identity(pki, "regulator")?;
    let regulator = login(base, regulator_id).await?;
    let rid = my_id(&regulator).await?;
    let seen = regulator.award_committee(tender, section).await?;
    if seen.roster_sha256 != formed.roster_sha256 {
        bail!("the regulator reads another roster than the one formed");
    }
    let w = regulator
        .witness_award_committee(&seen, &rid, &creds(regulator_id)?)
        .await?;
    if w.witnessed_by.as_deref() != Some(rid.as_str()) {
        bail!("the committee is witnessed by {:?}", w.witnessed_by);
    }
    expect_stage(&agent, tender, section, AwardStage::Deciding).await?;
    say(format!(
        "witnessed by the regulator (…{}); award stage deciding",
        short(&rid)
    ));
    Ok(())
}

/// The one open step of the deciding, which must be a vote for `reason`.
fn open_vote<'a>(steps: &'a AwardSteps, reason: &str) -> anyhow::Result<&'a AwardStep> {
    let open: Vec<&AwardStep> = steps
        .steps
        .iter()
        .filter(|s| s.closed_at.is_none())
        .collect();
    match open.as_slice() {
        [s] if s.kind == StepKind::Vote && s.reason == reason => Ok(s),
        _ => bail!(
            "the deciding's open steps are {:?}, the story expects one vote ({reason})",
            open.iter()
                .map(|s| format!("{} ({})", s.kind.as_str(), s.reason))
                .collect::<Vec<_>>()
        ),
    }
}

fn tally_line(step: &AwardStep, name: impl Fn(&str) -> String) -> String {
    step.tally
        .iter()
        .map(|(bid, n)| format!("{} {n}", name(bid)))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn cast(
    tender: &str,
    section: &str,
    m: &Member,
    step: &str,
    round: u32,
    choices: &[&str],
) -> anyhow::Result<()> {
    let of = BallotOf {
        step,
        tender,
        section,
        award_round: round,
        member: &m.person,
    };
    let c = Cast::Ballot {
        choices: choices.iter().map(|c| c.to_string()).collect(),
        reason: None,
    };
    let receipt = m.client.cast_award(&of, &c, &m.creds).await?;
    say(format!(
        "{} cast a secret ballot: commitment {}…",
        m.key,
        &receipt.commitment[..16]
    ));
    Ok(())
}

/// Steps: the deciding convened, a tied first ballot, the re-vote among the tied.
async fn decide(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    members: &mut [Member],
    candidates: &[Candidate],
) -> anyhow::Result<Candidate> {
    let name = |bid: &str| {
        candidates
            .iter()
            .find(|c| c.bid == bid)
            .map_or_else(|| format!("…{}", short(bid)), |c| c.bidder.clone())
    };
    story.step(
        "the agent convenes the deciding (定标会议); 票决 with an absolute majority: the members \
         cast signed secret ballots, four vote 2–2 and one does not vote before the round ends",
    );
    let agent = login(base, identity(pki, "agent")?).await?;
    let round = agent.award(tender, SECTION).await?.award_round;
    let steps = agent.start_award_deciding(tender, SECTION).await?;
    say(format!(
        "method {}, {} members convened",
        steps.method,
        steps.members.len()
    ));
    let first = open_vote(&steps, "ballot")?.clone();
    if first.among.len() != 2 {
        bail!("the first ballot is among {:?}", first.among);
    }
    let (x, y) = (first.among[0].clone(), first.among[1].clone());
    for (m, choice) in members.iter().zip([&x, &x, &y, &y]) {
        cast(tender, SECTION, m, &first.id, round, &[choice]).await?;
    }
    // Nobody reads an open round's ballots, the agent included.
    let seen = agent.award_steps(tender, SECTION).await?;
    if seen.steps.iter().any(|s| !s.casts.is_empty()) {
        bail!("an open round's ballots were readable");
    }
    let cast_so_far = seen
        .steps
        .iter()
        .find(|s| s.id == first.id)
        .map_or(0, |s| s.cast);
    say(format!(
        "{cast_so_far} of {} ballots in, none readable while the round is open",
        members.len()
    ));
    let closes = first.closes_at.context("a ballot round without an end")?;
    bids::advance_to(base, pki, closes + Duration::seconds(1)).await?;
    let agent = login(base, identity(pki, "agent")?).await?;
    let mut steps = agent.award_steps(tender, SECTION).await?;
    for _ in 0..100 {
        if steps
            .steps
            .iter()
            .any(|s| s.id == first.id && s.closed_at.is_some())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        steps = agent.award_steps(tender, SECTION).await?;
    }
    let closed = steps
        .steps
        .iter()
        .find(|s| s.id == first.id && s.closed_at.is_some())
        .context("the first ballot did not close at its end")?;
    let missing = closed
        .casts
        .iter()
        .filter(|c| c.kind == CastKind::Missing)
        .count();
    say(format!(
        "round closed: {}; {missing} ballot missing — a tie, no absolute majority",
        tally_line(closed, name)
    ));
    if missing != 1 {
        bail!("{missing} ballots missing after the first round");
    }

    story.step(
        "the tie is re-voted among the tied candidates; three of five is an absolute majority and \
         the award is decided",
    );
    let revote = open_vote(&steps, "revote")?.clone();
    let mut among = revote.among.clone();
    among.sort();
    if among != [x.clone(), y.clone()] {
        bail!("the re-vote is among {:?}", revote.among);
    }
    // A session lasts 15 minutes of the server's clock, which moved on.
    for m in members.iter_mut() {
        m.client = login(base, identity(pki, &m.key)?).await?;
    }
    for (i, m) in members.iter().enumerate() {
        let choice = if i < 3 { &y } else { &x };
        cast(tender, SECTION, m, &revote.id, round, &[choice]).await?;
    }
    let a = expect_stage(&agent, tender, SECTION, AwardStage::Reporting).await?;
    let winner = a.winner.context("decided without a winner")?;
    if winner != y {
        bail!(
            "the winner is {}, the re-vote chose {}",
            name(&winner),
            name(&y)
        );
    }
    let steps = agent.award_steps(tender, SECTION).await?;
    let done = steps
        .steps
        .iter()
        .find(|s| s.id == revote.id)
        .context("the re-vote")?;
    say(format!(
        "re-vote closed: {}; winner {} (…{}); award stage reporting",
        tally_line(done, name),
        name(&winner),
        short(&winner)
    ));
    let revealed: usize = steps.steps.iter().map(|s| s.casts.len()).sum();
    say(format!(
        "{revealed} ballots revealed now that their rounds are closed, each signed by its member"
    ));
    Ok(Candidate {
        bidder: name(&winner),
        bid: winner,
    })
}

/// Step: every member signs the 定标报告; the result goes to publicity.
async fn report(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    members: &[Member],
) -> anyhow::Result<()> {
    story.step(&format!(
        "every member reads {section}'s 定标报告, checks its digest and signs it; the result is \
         publicised"
    ));
    let mut last = None;
    for m in members {
        let r = m
            .client
            .sign_award_report(tender, section, &m.person, &m.creds)
            .await?;
        say(format!(
            "{} signed the 定标报告 {}…",
            m.key,
            &r.digest[..16]
        ));
        last = Some(r);
    }
    let r = last.context("nobody signed")?;
    if r.completed_at.is_none() || r.signatures.len() != members.len() {
        bail!(
            "the 定标报告 has {} signatures, complete {:?}",
            r.signatures.len(),
            r.completed_at
        );
    }
    let agent = login(base, identity(pki, "agent")?).await?;
    let a = expect_stage(&agent, tender, section, AwardStage::Publicity).await?;
    let (from, until) = a
        .publicity_from
        .zip(a.publicity_until)
        .context("a publicity without its window")?;
    say(format!(
        "report complete; the result is publicised from {} to {} UTC",
        from.format("%Y-%m-%d %H:%M"),
        until.format("%Y-%m-%d %H:%M")
    ));
    Ok(())
}

/// Step: the loser objects near the end; the award waits until the agent dismisses it. Returns
/// the objection's id.
async fn publicity(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    loser: &Candidate,
) -> anyhow::Result<String> {
    story.step(
        "an hour before the publicity ends the other candidate objects, signed; after the end \
         the notices wait while the objection is open, until the agent dismisses it",
    );
    let agent = login(base, identity(pki, "agent")?).await?;
    let a = agent.award(tender, SECTION).await?;
    let until = a.publicity_until.context("no publicity end")?;
    bids::advance_to(base, pki, until - Duration::hours(1)).await?;
    let bidder_id = identity(pki, &loser.bidder)?;
    let bidder = login(base, bidder_id).await?;
    let uscc = bidder_id.uscc.clone().context("a bidder without a USCC")?;
    let round = i32::try_from(a.award_round)?;
    let o = bidder
        .raise_award_objection(
            tender,
            SECTION,
            round,
            &uscc,
            "中标人项目经理的类似工程业绩证明材料与实际不符，请予核查。",
            &creds(bidder_id)?,
        )
        .await?;
    say(format!(
        "{} objected (…{}), to be answered by {} UTC",
        loser.bidder,
        short(&o.id),
        o.answer_due.format("%Y-%m-%d %H:%M")
    ));
    let agent = login(base, identity(pki, "agent")?).await?;
    if agent.award(tender, SECTION).await?.open_objections != 1 {
        bail!("the objection is not counted as open");
    }
    bids::advance_to(base, pki, until + Duration::minutes(1)).await?;
    let agent = login(base, identity(pki, "agent")?).await?;
    match agent.notice_drafts(tender, SECTION).await {
        Err(e) if e.code() == Some(ErrorCode::ObjectionsPending) => {
            say(format!("the publicity has ended; notices refused: {e}"))
        }
        Err(e) => bail!("notices refused with another reason: {e}"),
        Ok(_) => bail!("notices could be drafted with an objection open"),
    }
    let answered = agent
        .answer_award_objection(
            tender,
            SECTION,
            &o.id,
            &AnswerAwardObjectionRequest {
                answer: "经核查，中标人提交的业绩证明材料与住建部门备案信息一致，异议不成立。"
                    .into(),
                outcome: Outcome::Dismissed,
            },
        )
        .await?;
    if answered.outcome != Some(Outcome::Dismissed) || answered.overdue {
        bail!(
            "the answer is {:?}, overdue {}",
            answered.outcome,
            answered.overdue
        );
    }
    let regulator = login(base, identity(pki, "regulator")?).await?;
    let seen = regulator.award_publicity(tender, SECTION).await?;
    if seen
        .objections
        .iter()
        .any(|x| x.outcome != Some(Outcome::Dismissed))
    {
        bail!("the regulator sees an objection not dismissed");
    }
    say(format!(
        "the agent dismissed it in time, as the regulator reads; open objections {}",
        agent.award(tender, SECTION).await?.open_objections
    ));
    Ok(o.id)
}

/// Steps: the notices issued and verified; the written report filed; the tender then in
/// `then` (`awarded` once every section is notified). With `full` false, in one step.
async fn notices(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    winner: &Candidate,
    (full, then): (bool, StateKind),
) -> anyhow::Result<()> {
    story.step(&if full {
        "the agent signs and issues the notices: the 中标通知书 to the winner, the 中标结果通知 to \
         every other bidder; the result is announced"
            .to_string()
    } else {
        format!(
            "the agent issues {section}'s notices, the winner verifies its 中标通知书 offline and \
             the agent files the written report (书面报告): every section is notified, the \
             tender awarded"
        )
    });
    let agent_id = identity(pki, "agent")?;
    let agent = login(base, agent_id).await?;
    let issued = agent
        .issue_notices(tender, section, &creds(agent_id)?)
        .await?;
    for n in &issued.notices {
        let kind = serde_json::to_value(n.kind)?;
        say(format!(
            "{} to bid …{}, digest {}…",
            kind.as_str().unwrap_or_default(),
            short(&n.bid),
            &n.digest[..16]
        ));
    }
    let winners = issued
        .notices
        .iter()
        .filter(|n| n.bid == winner.bid)
        .count();
    if issued.notices.len() < 2 || winners != 1 {
        bail!(
            "{} notices issued, {winners} to the winner",
            issued.notices.len()
        );
    }
    expect_stage(&agent, tender, section, AwardStage::Notified).await?;
    say(format!(
        "award stage notified; the written report (书面报告) is due by {} UTC",
        issued.written_report_due.format("%Y-%m-%d %H:%M")
    ));

    if full {
        story.step("the winner downloads its 中标通知书 and verifies it offline");
    }
    let w = login(base, identity(pki, &winner.bidder)?).await?;
    let mine = w.award_notices(tender, section).await?;
    let [n] = mine.as_slice() else {
        bail!("the winner reads {} notices", mine.len());
    };
    let n = w.award_notice(tender, &n.id).await?;
    let subject = verify_notice(&n)?;
    let kind = n.kind.as_str();
    if n.kind != NoticeKind::Award || n.bid != winner.bid {
        bail!("the winner's notice is {kind} for bid …{}", short(&n.bid));
    }
    say(format!(
        "{}: {kind} for bid …{}, digest and signature verify offline (signed by {subject})",
        winner.bidder,
        short(&n.bid)
    ));
    if full {
        let mut tampered = n.clone();
        tampered.document = tampered.document.replace(&winner.bid, "another-bid");
        if verify_notice(&tampered).is_ok() {
            bail!("a tampered notice verified");
        }
        say("the same notice with another bid in it does not verify");

        story.step(&format!(
            "the agent files {section}'s signed written report (书面报告) with the supervising \
             department; {section} is done"
        ));
    }
    let filed = agent
        .file_written_report(tender, section, &creds(agent_id)?)
        .await?;
    if filed.filed_at.is_none() || filed.overdue {
        bail!(
            "the written report is filed {:?}, overdue {}",
            filed.filed_at,
            filed.overdue
        );
    }
    say(format!(
        "written report filed, digest {}…",
        &filed.digest[..16]
    ));
    let state = tender_state(base, tender).await?;
    if state != then {
        bail!(
            "the tender is {} after {section}'s notices, not {}",
            state.as_str(),
            then.as_str()
        );
    }
    say(format!(
        "tender state {} (server time {})",
        state.as_str(),
        server_now(&agent).await?.format("%Y-%m-%d %H:%M")
    ));
    Ok(())
}

fn name_of(candidates: &[Candidate], bid: &str) -> String {
    candidates
        .iter()
        .find(|c| c.bid == bid)
        .map_or_else(|| format!("…{}", short(bid)), |c| c.bidder.clone())
}

/// Polls the award's steps until `done` (the deadline tick moves a deciding on).
async fn steps_until(
    client: &Client,
    tender: &str,
    section: &str,
    what: &str,
    done: impl Fn(&AwardSteps) -> bool,
) -> anyhow::Result<AwardSteps> {
    for _ in 0..bids::MAX_POLLS {
        let steps = client.award_steps(tender, section).await?;
        if done(&steps) {
            return Ok(steps);
        }
        tokio::time::sleep(bids::POLL_EVERY).await;
    }
    bail!("{section}'s deciding did not reach {what} in time")
}

/// Step: the chair reads the dossier; the deciding is convened; each member names two of the
/// three candidates; the two most named make the shortlist and the lot opens. The open lot.
async fn shortlist(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    members: &mut [Member],
    candidates: &[Candidate],
) -> anyhow::Result<AwardStep> {
    story.step(&format!(
        "the agent convenes {section}'s deciding: 票决抽签 — each member names two of the three \
         candidates in a signed secret ballot, and the two most named make the shortlist"
    ));
    let dossier = members[0].client.award_dossier(tender, section).await?;
    say(format!(
        "the chair reads the dossier: {} candidates with their opened prices, the 评标报告 and the \
         清标 report",
        dossier.candidates.len()
    ));
    let agent = login(base, identity(pki, "agent")?).await?;
    let round = agent.award(tender, section).await?.award_round;
    let steps = agent.start_award_deciding(tender, section).await?;
    say(format!(
        "method {}, {} members convened",
        steps.method,
        steps.members.len()
    ));
    let vote = open_vote(&steps, "shortlist")?.clone();
    let [x, y, z] = vote.among.as_slice() else {
        bail!("the shortlist vote is among {:?}", vote.among);
    };
    let (x, y, z) = (x.as_str(), y.as_str(), z.as_str());
    // x and y named four times each, z twice: a clear shortlist of two.
    let pairs = [[x, y], [x, z], [x, y], [y, z], [x, y]];
    for (m, pair) in members.iter().zip(pairs) {
        cast(tender, section, m, &vote.id, round, &pair).await?;
    }
    let steps = agent.award_steps(tender, section).await?;
    let closed = steps
        .steps
        .iter()
        .find(|s| s.id == vote.id && s.closed_at.is_some())
        .context("the shortlist vote did not close with its last ballot")?;
    say(format!(
        "the last ballot closes the round: {}",
        tally_line(closed, |b| name_of(candidates, b))
    ));
    let open: Vec<&AwardStep> = steps
        .steps
        .iter()
        .filter(|s| s.closed_at.is_none())
        .collect();
    let [lot] = open.as_slice() else {
        bail!("{} steps open after the shortlist vote", open.len());
    };
    let mut among = lot.among.clone();
    among.sort();
    let mut want = vec![x.to_string(), y.to_string()];
    want.sort();
    if lot.kind != StepKind::Lot || among != want {
        bail!(
            "the next step is a {} among {:?}",
            lot.kind.as_str(),
            lot.among
        );
    }
    say(format!(
        "shortlist {}; a lot among them opens (draw …{})",
        lot.among
            .iter()
            .map(|b| name_of(candidates, b))
            .collect::<Vec<_>>()
            .join(" and "),
        short(lot.draw.as_deref().unwrap_or_default())
    ));
    Ok((*lot).clone())
}

/// Step: the regulator contributes to the lot's lottery; the first drawn wins. The winner.
async fn draw_lot(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    lot: &AwardStep,
    candidates: &[Candidate],
) -> anyhow::Result<Candidate> {
    story.step(
        "the lot is the platform's one verifiable lottery: committed when the lot opened, the \
         regulator contributes its signed random value, the lottery is made and the first drawn \
         wins",
    );
    let draw = lot.draw.as_deref().context("a lot without its lottery")?;
    let reg_id = identity(pki, "regulator")?;
    let regulator = login(base, reg_id).await?;
    let d: Value = regulator.get(&format!("/api/v1/draws/{draw}")).await?;
    say(format!(
        "lottery …{}: frame digest {}… and commitment {}… logged before any contribution",
        short(draw),
        &d["frame_digest"].as_str().unwrap_or_default()[..16],
        &d["commitment"].as_str().unwrap_or_default()[..16]
    ));
    let made = super::draws::contribute(&regulator, reg_id, &d).await?;
    say(format!(
        "the regulator contributes; the lottery draws {}",
        made["lottery"]["drawn"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|b| name_of(candidates, b))
            .collect::<Vec<_>>()
            .join(", then ")
    ));
    // The deadline tick records the made lot and decides.
    let agent = login(base, identity(pki, "agent")?).await?;
    let steps = steps_until(&agent, tender, section, "its decision", |s| {
        s.winner.is_some()
    })
    .await?;
    let winner = steps.winner.clone().context("decided without a winner")?;
    let done = steps
        .steps
        .iter()
        .find(|s| s.id == lot.id)
        .context("the lot step")?;
    if done.order.first() != Some(&winner) {
        bail!("the lot drew {:?}, the winner is {winner}", done.order);
    }
    expect_stage(&agent, tender, section, AwardStage::Reporting).await?;
    say(format!(
        "lot closed: {} drawn first — the winner (…{}); award stage reporting",
        name_of(candidates, &winner),
        short(&winner)
    ));
    Ok(Candidate {
        bidder: name_of(candidates, &winner),
        bid: winner,
    })
}

/// Step: the regulator saves the tender's audit export and replays the lot from it alone.
async fn replay_lot(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    lot: &AwardStep,
    winner: &Candidate,
) -> anyhow::Result<()> {
    use crate::audit::bundle::Bundle;
    use crate::audit::verify::{verify_bundle, DrawsReplay, Rule};
    use crate::audit::verify_award::AwardReplay;
    use crate::domain::draw::{self, Record};
    story.step(&format!(
        "the regulator replays {section}'s lot offline from the tender's audit export: the \
         lottery from its commitment, contribution and secret, and the deciding from its signed \
         ballots to the same winner"
    ));
    let regulator = login(base, identity(pki, "regulator")?).await?;
    let key: Value = regulator.get("/api/v1/audit/public-key").await?;
    let verifier =
        crate::audit::note::NoteVerifier::parse(key["verifier_key"].as_str().unwrap_or_default())?;
    let mut bundle = regulator.audit_export(Some(tender), None, None).await?;
    for _ in 0..bids::MAX_POLLS {
        if bundle.pending == 0 {
            break;
        }
        tokio::time::sleep(bids::POLL_EVERY).await;
        bundle = regulator.audit_export(Some(tender), None, None).await?;
    }
    // Offline: from the saved file, with nothing but the log's public key.
    let dir = super::tempdir()?;
    let file = dir.join("tender-export.json");
    std::fs::write(&file, serde_json::to_vec(&bundle)?)?;
    let saved: Bundle = serde_json::from_slice(&std::fs::read(&file)?)?;
    let _ = std::fs::remove_dir_all(&dir);
    let rules: Vec<Box<dyn Rule>> = vec![Box::new(DrawsReplay), Box::new(AwardReplay)];
    let report = verify_bundle(&saved, &verifier, None, &rules)?;
    say(format!(
        "export of {} entries saved and verified: signed checkpoint, every draw and lottery \
         replays, every ballot verifies against its commitment and certificate, every step is \
         what 票决抽签 called for",
        report.entries
    ));
    let draw_id = lot.draw.as_deref().context("a lot without its lottery")?;
    let record = saved
        .entries
        .iter()
        .filter_map(|e| e.event.as_ref())
        .filter_map(|ev| serde_json::from_str::<Value>(&ev.body).ok())
        .filter(|body| body["draw"] == draw_id)
        .find_map(|body| serde_json::from_value::<Record>(body["record"].clone()).ok())
        .context("the lot's revealed record is not in the export")?;
    draw::verify(&record).map_err(|e| anyhow::anyhow!("the lot does not replay: {e:?}"))?;
    let seed = draw::seed(&record.frame_digest, &record.secret, &record.contributions);
    // The whole draw order; the engine takes the first `picks` of it (here the one winner).
    let order = crate::domain::award::lot::order(&record.frame, &seed, lot.among.len());
    let picked: Vec<String> = order.iter().take(lot.picks as usize).cloned().collect();
    let rules: Value = serde_json::from_str(&record.frame.rules)?;
    say(format!(
        "lottery …{}: frame {} of {} round {} step …{} among {} candidates; commitment {}… \
         binds the secret; contributions from {}",
        short(draw_id),
        rules["draw"].as_str().unwrap_or("?"),
        rules["section"].as_str().unwrap_or("?"),
        rules["award_round"],
        short(rules["step"].as_str().unwrap_or_default()),
        record
            .frame
            .groups
            .iter()
            .map(|g| g.candidates.len())
            .sum::<usize>(),
        &hex::encode(record.commitment)[..16],
        record
            .contributions
            .iter()
            .map(|c| if c.contributor.starts_with("fallback") {
                c.contributor.clone()
            } else {
                format!("…{} (the regulator, signed)", short(&c.contributor))
            })
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if order.first() != Some(&winner.bid) {
        bail!(
            "the replayed lot draws {order:?}, the award chose {}",
            winner.bid
        );
    }
    // The 定标报告, generated at the decision, states the same evidence.
    let doc: crate::domain::award::report::Document =
        serde_json::from_value(regulator.award_report(tender, section).await?.document)?;
    let stated = doc
        .steps
        .iter()
        .find_map(|s| s.lot.as_ref().filter(|l| l.draw == draw_id))
        .context("the 定标报告 has no evidence of the lot")?;
    if stated.seed != hex::encode(seed) || stated.order != picked || doc.winner != winner.bid {
        bail!(
            "the 定标报告 states the lot {stated:?} with winner {}, the replay seed {} and \
             order {picked:?}",
            doc.winner,
            hex::encode(seed)
        );
    }
    say(format!(
        "seed {}… replays the draw order {}: {} first — the seed, lot and winner the 定标报告 \
         states (etender draw verify and etender audit verify do the same from a saved export)",
        &hex::encode(seed)[..16],
        order
            .iter()
            .map(|b| format!("…{}", short(b)))
            .collect::<Vec<_>>()
            .join(", "),
        winner.bidder
    ));
    // A record claiming the other candidate was drawn first does not replay: the seed fixes
    // the order, and the seed is fixed by the commitment and the contribution.
    let mut tampered = record.clone();
    if let Some(g) = tampered.result.first_mut() {
        g.drawn.reverse();
    }
    match draw::verify(&tampered) {
        Err(draw::Mismatch::Result {
            group, position, ..
        }) => say(format!(
            "a copy of the record with the order reversed does not replay: group {group}, \
             position {position} is not what the seed draws"
        )),
        other => bail!("a lot with its order reversed: {other:?}"),
    }
    Ok(())
}

/// Step: BD02's publicity passes without an objection; the notices are no longer held back.
async fn quiet_publicity(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
) -> anyhow::Result<()> {
    story.step(&format!(
        "nobody objects during {section}'s publicity; once it ends the notices may go out"
    ));
    let agent = login(base, identity(pki, "agent")?).await?;
    let a = agent.award(tender, section).await?;
    let until = a.publicity_until.context("no publicity end")?;
    bids::advance_to(base, pki, until).await?;
    let agent = login(base, identity(pki, "agent")?).await?;
    let drafts = agent.notice_drafts(tender, section).await?;
    say(format!(
        "publicity over at {} UTC with no objection; {} notices drafted for signing",
        until.format("%Y-%m-%d %H:%M"),
        drafts.notices.len()
    ));
    Ok(())
}
