//! The demo's evaluation to its report (issue 13 item 9): the drawn committee asks one bidder a
//! clarification (澄清) that the bidder answers signed, passes every bid in 初步评审, rejects one
//! bid by a carried motion on a judged ground, scores the two bids left (one member's score
//! departs far enough from the others' to raise a 偏离度 flag, and that member files its signed
//! reason), and the leader generates the 评标报告, which every member signs — one dissenting in
//! writing — until it is complete. BD02, priced by 经评审的最低投标价法, is evaluated the same
//! way without the twists ([`lowest_price`]): every bid passes, no price adjustment, its three
//! bids are its three candidates, and with its report the tender is evaluated.

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use super::{creds, identity, login, say, short, Story};
use crate::client::{Client, ClientError, Credentials};
use crate::domain::bidding::OpeningStatus;
use crate::domain::evaluation::clarification::{Answer, Question};
use crate::domain::evaluation::preliminary::Verdict;
use crate::domain::evaluation::rejection::RejectionReason;
use crate::domain::evaluation::scoring::ItemScore;
use crate::domain::evaluation::sheet::{Sheet, Stage};
use crate::domain::tender::Section;
use crate::error::ErrorCode;
use crate::pki::DevPki;
use crate::wire::evaluation::{EvaluationCommittee, EvaluationReport, ReportOutcome};

/// The section whose evaluation has the clarification, the rejection and the scoring.
const SECTION: &str = "BD01";

/// A committee member as the story drives it: its library key, its member id, its principal
/// id, its session and its personal certificate.
struct Member {
    key: String,
    id: String,
    person: String,
    client: Client,
    creds: Credentials,
}

/// An opened bid and the demo identity of its bidder.
struct Bid {
    id: String,
    bidder: String,
}

/// Item scores (T1, T2, C1) of each member, in committee order, for the bid of bidder-a and of
/// bidder-c. The last member scores bidder-a's T1 at 11 against the others' mean of 16: more
/// than 30 % below, so the item is flagged; its item sum (27 against 32) stays within 20 %, so
/// exactly one flag is raised. The two bids' item sums differ, and so do their prices: no tie.
const SCORES_A: [[&str; 3]; 5] = [
    ["16", "8", "8"],
    ["17", "8", "9"],
    ["16", "7", "8"],
    ["15", "8", "8"],
    ["11", "8", "8"],
];
const SCORES_C: [[&str; 3]; 5] = [
    ["15", "7", "9"],
    ["15", "8", "9"],
    ["14", "7", "9"],
    ["15", "7", "8"],
    ["14", "7", "9"],
];
const ITEMS: [&str; 3] = ["T1", "T2", "C1"];

pub(super) async fn story(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    committee: &EvaluationCommittee,
    library: &[(String, String)],
) -> anyhow::Result<()> {
    let members = seat(base, pki, tender, SECTION, committee, library).await?;
    if members.len() != SCORES_A.len() {
        bail!(
            "the demo scores for {} members, the committee has {}",
            SCORES_A.len(),
            members.len()
        );
    }
    let bids = opened_bids(base, pki, tender, SECTION).await?;
    let bid_of = |key: &str| {
        bids.iter()
            .find(|b| b.bidder == key)
            .map(|b| b.id.clone())
            .with_context(|| format!("no opened bid of {key}"))
    };
    let (a, c, d) = (
        bid_of("bidder-a")?,
        bid_of("bidder-c")?,
        bid_of("bidder-d")?,
    );
    clarify(story, base, pki, tender, &members[0], &c).await?;
    preliminary(story, base, tender, SECTION, &members, &bids).await?;
    reject(story, tender, &members, &d).await?;
    score(story, tender, &members, &a, &c).await?;
    let expected = Expected {
        candidates: &["bidder-a", "bidder-c"],
        why: "2 valid bids for 3 places, so the available ones are recommended",
    };
    let report = generate(
        story,
        base,
        pki,
        tender,
        SECTION,
        &members[0],
        &bids,
        &expected,
    )
    .await?;
    let dissent = "不同意否决bidder-d的投标：其报价未明显低于成本，应进入详细评审";
    // BD02 is still to be evaluated: the tender stays in evaluation.
    sign(
        story,
        base,
        tender,
        SECTION,
        &members,
        &report,
        Some(dissent),
        "evaluating",
    )
    .await
}

/// BD02 (经评审的最低投标价法) from its seated committee to its complete report: preliminary
/// review, the members' adjustment sheets, the report and its signatures; the tender is then
/// evaluated and its 评定分离 sections go to 清标.
pub(super) async fn lowest_price(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    committee: &EvaluationCommittee,
    library: &[(String, String)],
) -> anyhow::Result<()> {
    let members = seat(base, pki, tender, section, committee, library).await?;
    let bids = opened_bids(base, pki, tender, section).await?;
    preliminary(story, base, tender, section, &members, &bids).await?;
    story.step(&format!(
        "every member signs its {section} sheet of 经评审的最低投标价法: the tender sets no price \
         adjustment, so each applies none and a bid's evaluated price is its price"
    ));
    let sheet = Sheet::Adjustments {
        applied: Vec::new(),
    };
    for (i, m) in members.iter().enumerate() {
        let s = m
            .client
            .submit_sheet(tender, section, &sheet, &m.creds)
            .await?;
        let last = i + 1 == members.len();
        if s.revealed_at.is_some() != last {
            bail!("{}'s sheet revealed {:?}", m.key, s.revealed_at);
        }
        say(format!(
            "{} signs: no adjustment; commitment {}…{}",
            m.key,
            &s.statement_sha256[..16],
            if last {
                " — the last: all revealed"
            } else {
                ""
            }
        ));
    }
    let expected = Expected {
        candidates: &["bidder-a", "bidder-c", "bidder-d"],
        why: "3 valid bids for 3 places",
    };
    let report = generate(
        story,
        base,
        pki,
        tender,
        section,
        &members[0],
        &bids,
        &expected,
    )
    .await?;
    sign(
        story, base, tender, section, &members, &report, None, "clearing",
    )
    .await
}

/// The candidates a report must recommend (by bidder key) and why, in the story's words.
struct Expected<'a> {
    candidates: &'a [&'a str],
    why: &'a str,
}

/// Each member's session, member id and certificate, in committee order (the leader first).
async fn seat(
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    committee: &EvaluationCommittee,
    library: &[(String, String)],
) -> anyhow::Result<Vec<Member>> {
    let mut out = Vec::new();
    for m in committee.members.iter().filter(|m| m.active) {
        let key = library
            .iter()
            .find(|(_, p)| *p == m.person_id)
            .map(|(k, _)| k.clone())
            .context("a member who is not in the expert library")?;
        let id = identity(pki, &key)?;
        out.push(Member {
            id: m.id.clone(),
            person: m.person_id.clone(),
            client: login(base, id).await?,
            creds: creds(id)?,
            key,
        });
    }
    let first = out.first().context("an empty committee")?;
    let now = first.client.committee(tender, section).await?;
    if now.leader.as_deref() != Some(first.id.as_str()) {
        bail!("the leader is not the committee's first member");
    }
    Ok(out)
}

/// The section's opened bids with their bidders' demo keys (matched by USCC).
async fn opened_bids(
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
) -> anyhow::Result<Vec<Bid>> {
    let agent = login(base, identity(pki, "agent")?).await?;
    let opening = agent.opening(tender, section).await?;
    let mut out = Vec::new();
    for b in opening
        .bids
        .iter()
        .filter(|b| b.status == OpeningStatus::Opened)
    {
        let bidder = pki
            .identities
            .iter()
            .find(|i| i.uscc.as_deref() == Some(b.bidder_uscc.as_str()))
            .map(|i| i.key.clone())
            .context("an opened bid of an unknown bidder")?;
        out.push(Bid {
            id: b.bid_id.clone(),
            bidder,
        });
    }
    if out.len() != 3 {
        bail!(
            "{} opened bids in {section}, the story has three",
            out.len()
        );
    }
    Ok(out)
}

async fn server_now(client: &Client) -> anyhow::Result<DateTime<Utc>> {
    let t: Value = client.get("/api/v1/time").await?;
    Ok(serde_json::from_value(t["now"].clone())?)
}

/// Step: the leader asks bidder-c, bidder-c answers signed in time, the leader accepts.
async fn clarify(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    leader: &Member,
    bid: &str,
) -> anyhow::Result<()> {
    story.step(
        "the leader asks bidder-c in writing (澄清); bidder-c answers within the time, signed \
         with its organisation certificate; the leader records the answer accepted",
    );
    let due = server_now(&leader.client).await? + chrono::Duration::hours(2);
    let q = leader
        .client
        .ask_clarification(
            tender,
            SECTION,
            bid,
            Question::Clarify {
                text: "投标文件第4.2节进度计划横道图总工期为560日历天，与投标函一致，但关键线路中\
                       桥梁下部结构工期与第4.5节不一致，请书面说明。"
                    .into(),
            },
            due,
        )
        .await?;
    say(format!(
        "{} asks bid …{} ({}), due {} UTC; question digest {}…",
        leader.key,
        short(bid),
        q.bidder_uscc,
        due.format("%Y-%m-%d %H:%M"),
        &q.question_sha256[..16]
    ));
    let id = identity(pki, "bidder-c")?;
    let uscc = id.uscc.as_deref().context("bidder-c without a USCC")?;
    if q.bidder_uscc != uscc {
        bail!("the question went to {}, not bidder-c", q.bidder_uscc);
    }
    let bidder = login(base, id).await?;
    let mine = bidder.clarifications(tender, SECTION).await?;
    let open = mine
        .items
        .iter()
        .find(|x| x.id == q.id && x.open)
        .context("bidder-c does not see its open question")?;
    let answer = Answer {
        text: "第4.5节桥梁下部结构工期为120日历天，第4.2节横道图误标为150日历天，以第4.5节为准；\
               总工期560日历天不变，投标报价不变。"
            .into(),
        confirms: None,
        price: None,
    };
    let answered = bidder
        .answer_clarification(open, uscc, answer, &creds(id)?)
        .await?;
    let at = answered.answered_at.context("an answer without its time")?;
    if at > answered.due_at || answered.answer_signature.is_none() {
        bail!("the answer is late or unsigned");
    }
    say(format!(
        "bidder-c answers at {} UTC, signed ({}): {}",
        at.format("%H:%M:%S"),
        answered
            .answer_signature_algorithm
            .as_deref()
            .unwrap_or("?"),
        answered.answer.as_ref().map_or("", |a| a.text.as_str())
    ));
    let decided = leader
        .client
        .decide_clarification(
            tender,
            SECTION,
            &q.id,
            true,
            "说明未超出投标文件范围，未改变实质性内容，予以采纳",
        )
        .await?;
    if decided.accepted != Some(true) {
        bail!("the answer was not recorded accepted");
    }
    say(format!(
        "{} records it accepted: {}",
        leader.key,
        decided.decision_reason.as_deref().unwrap_or("")
    ));
    Ok(())
}

/// A section as published.
async fn published(base: &str, tender: &str, section: &str) -> anyhow::Result<Section> {
    let t: Value = Client::new(base)
        .get(&format!("/api/v1/tenders/{tender}"))
        .await?;
    let s = t["published"]["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["code"] == section)
        .with_context(|| format!("{section} is not published"))?;
    Ok(serde_json::from_value(s.clone())?)
}

/// Step: every member's 初步评审 sheet, all lines passed, hidden until the last is in.
async fn preliminary(
    story: &mut Story,
    base: &str,
    tender: &str,
    section: &str,
    members: &[Member],
    bids: &[Bid],
) -> anyhow::Result<()> {
    story.step(&format!(
        "every member signs its {section} 初步评审 (preliminary review) sheet: each bid against \
         each line of the checklist; the sheets stay hidden until the last is in"
    ));
    let lines = published(base, tender, section)
        .await?
        .review_requirements();
    say(format!(
        "checklist: {}",
        lines
            .iter()
            .map(|l| l.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mut verdicts = Vec::new();
    for b in bids {
        for l in &lines {
            verdicts.push(Verdict {
                member: String::new(),
                bid: b.id.clone(),
                requirement: l.code.clone(),
                pass: true,
                reason: None,
            });
        }
    }
    let sheet = Sheet::Preliminary { verdicts };
    for (i, m) in members.iter().enumerate() {
        let s = m
            .client
            .submit_sheet(tender, section, &sheet, &m.creds)
            .await?;
        let last = i + 1 == members.len();
        if s.revealed_at.is_some() != last {
            bail!("{}'s sheet revealed {:?}", m.key, s.revealed_at);
        }
        say(format!(
            "{} signs: {} bids × {} lines pass; commitment {}… {}",
            m.key,
            bids.len(),
            lines.len(),
            &s.statement_sha256[..16],
            if last {
                "— the last sheet: all are revealed"
            } else {
                "(hidden)"
            }
        ));
    }
    let seen = members[1]
        .client
        .stage_sheets(tender, section, Stage::Preliminary)
        .await?;
    if seen.sheets.len() != members.len() || seen.sheets.iter().any(|s| s.revealed_at.is_none()) {
        bail!("the preliminary sheets are not all revealed");
    }
    say(format!(
        "{} reads the revealed stage: {} signed sheets over {} bids, every bid passes",
        members[1].key,
        seen.sheets.len(),
        seen.bids.len()
    ));
    Ok(())
}

/// Step: a motion to reject bidder-d's bid as priced below cost, carried 4 to 1.
async fn reject(
    story: &mut Story,
    tender: &str,
    members: &[Member],
    bid: &str,
) -> anyhow::Result<()> {
    story.step(
        "a member moves to reject bidder-d's bid on a judged ground (条例51); every member votes, \
         a dissent in writing; the majority carries it and the bid is out",
    );
    let proposer = &members[1];
    let m = proposer
        .client
        .propose_rejection(
            tender,
            SECTION,
            bid,
            RejectionReason::PriceBelowCost,
            "投标报价45,888,000.00元，分部分项工程量清单中钢筋、商品混凝土两项材料单价低于\
             本市同期信息价的60%，措施项目费未计取，且未提供成本构成的证明材料，认定报价低于成本",
        )
        .await?;
    say(format!(
        "{} moves to reject bid …{} under {} ({}): {}",
        proposer.key,
        short(bid),
        m.article,
        m.reason.as_str(),
        m.statement
    ));
    let against = members.len() - 1;
    let mut closed = None;
    for (i, x) in members.iter().enumerate() {
        let (for_, reason) = if i == against {
            (
                false,
                Some("报价仅低于最高投标限价4%，未见低于成本的充分证据"),
            )
        } else {
            (true, None)
        };
        let v = x
            .client
            .vote_rejection(tender, SECTION, &m.id, for_, reason)
            .await?;
        say(format!(
            "{} votes {}{}",
            x.key,
            if for_ { "for" } else { "against" },
            reason.map_or(String::new(), |r| format!(": {r}"))
        ));
        closed = Some(v);
    }
    let closed = closed.context("nobody voted")?;
    if closed.carried != Some(true) || closed.closed_at.is_none() {
        bail!("the motion was not carried");
    }
    say(format!(
        "the motion closes with the last vote: {} for, {} against — carried; bid …{} is rejected",
        closed.votes_for,
        closed.votes_against,
        short(bid)
    ));
    Ok(())
}

fn scoring(rows: &[(&str, [&str; 3])]) -> anyhow::Result<Sheet> {
    let mut scores = Vec::new();
    for (bid, points) in rows {
        for (item, p) in ITEMS.iter().zip(points) {
            scores.push(ItemScore {
                bid: (*bid).into(),
                criterion: (*item).into(),
                points: p.parse::<Decimal>()?,
            });
        }
    }
    Ok(Sheet::Scoring { scores })
}

/// Step: every member scores the two bids left; one flag, one signed reason.
async fn score(
    story: &mut Story,
    tender: &str,
    members: &[Member],
    a: &str,
    c: &str,
) -> anyhow::Result<()> {
    story.step(
        "every member scores the bids still in play on T1 (≤20), T2 (≤10) and C1 (≤10); the \
         reveal raises a 偏离度 flag, and its member files a signed reason",
    );
    for (i, m) in members.iter().enumerate() {
        let sheet = scoring(&[(a, SCORES_A[i]), (c, SCORES_C[i])])?;
        let s = m
            .client
            .submit_sheet(tender, SECTION, &sheet, &m.creds)
            .await?;
        say(format!(
            "{}: bidder-a T1 {} T2 {} C1 {}, bidder-c T1 {} T2 {} C1 {}; commitment {}…{}",
            m.key,
            SCORES_A[i][0],
            SCORES_A[i][1],
            SCORES_A[i][2],
            SCORES_C[i][0],
            SCORES_C[i][1],
            SCORES_C[i][2],
            &s.statement_sha256[..16],
            if s.revealed_at.is_some() {
                " — revealed"
            } else {
                ""
            }
        ));
    }
    let stage = members[0]
        .client
        .stage_sheets(tender, SECTION, Stage::Scoring)
        .await?;
    let mut expected = vec![a.to_string(), c.to_string()];
    expected.sort();
    if stage.bids != expected || stage.sheets.len() != members.len() {
        bail!("the scoring stage judged {:?}", stage.bids);
    }
    say(format!(
        "revealed: {} scoring sheets over bids …{} and …{} (bidder-d's rejected bid is not scored)",
        stage.sheets.len(),
        short(a),
        short(c)
    ));
    let flags = members[0].client.deviation_flags(tender, SECTION).await?;
    let deviant = members.last().context("no member")?;
    let [flag] = flags.flags.as_slice() else {
        bail!(
            "{} deviation flags, the story expects one",
            flags.flags.len()
        );
    };
    if flag.member_id != deviant.id || flag.bid_id != a || flag.criterion.as_deref() != Some("T1") {
        bail!("the flag is not on {}'s T1 of bidder-a", deviant.key);
    }
    say(format!(
        "偏离度 flag: {} gave bidder-a {} on {} against the others' mean {} (beyond 30 %)",
        deviant.key,
        flag.score,
        flag.criterion.as_deref().unwrap_or("the sum"),
        flag.others_mean
    ));
    let filed = deviant
        .client
        .file_deviation_reason(
            tender,
            SECTION,
            flag,
            "施工方案中深基坑支护未附专项方案及验算，按评分细则T1第3款扣分",
            &deviant.creds,
        )
        .await?;
    let reason = filed.reason.context("the reason was not filed")?;
    let open = members[0]
        .client
        .deviation_flags(tender, SECTION)
        .await?
        .open;
    if open != 0 {
        bail!("{open} deviation flags still open");
    }
    say(format!(
        "{} files its reason, signed ({}): {}; no flag left open",
        deviant.key, reason.signature_algorithm, reason.reason
    ));
    Ok(())
}

/// Step: the leader generates the report (a tie lot contributed to and made, if one is needed).
#[allow(clippy::too_many_arguments)]
async fn generate(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    leader: &Member,
    bids: &[Bid],
    expected: &Expected<'_>,
) -> anyhow::Result<EvaluationReport> {
    story.step(&if section == SECTION {
        "the leader generates the evaluation report (评标报告): the platform derives the \
         candidates from the recorded sheets, motion, clarification and K"
            .to_string()
    } else {
        format!(
            "the leader generates {section}'s evaluation report (评标报告): the platform derives \
             the candidates from the recorded sheets and the opened prices"
        )
    });
    let mut lots = 0;
    let report = loop {
        match leader.client.generate_report(tender, section).await {
            Ok(r) => break r,
            Err(ClientError::Api { problem, .. })
                if problem.code == ErrorCode::LotRequired && lots < 2 =>
            {
                lots += 1;
                let draw = problem
                    .errors
                    .iter()
                    .find(|e| e.field == "lot")
                    .map(|e| e.message.clone())
                    .context("lot_required without its draw")?;
                say(format!("a tie only a lot breaks: lot …{}", short(&draw)));
                let reg_id = identity(pki, "regulator")?;
                let regulator = login(base, reg_id).await?;
                let d: Value = regulator.get(&format!("/api/v1/draws/{draw}")).await?;
                let made = super::draws::contribute(&regulator, reg_id, &d).await?;
                say(format!(
                    "the regulator contributes; the lot draws {}",
                    made["lottery"]["drawn"]
                ));
            }
            Err(e) => return Err(e.into()),
        }
    };
    let bidder_of = |id: &str| {
        bids.iter()
            .find(|b| b.id == id)
            .map_or("?", |b| b.bidder.as_str())
    };
    let d = &report.document["derivation"];
    for r in d["rejected"].as_array().into_iter().flatten() {
        say(format!(
            "rejected: {} ({}, {} for / {} against)",
            bidder_of(r["bid"].as_str().unwrap_or_default()),
            r["reason"].as_str().unwrap_or("?"),
            r["votes_for"],
            r["votes_against"]
        ));
    }
    if let Some(b) = d["benchmark"].as_object() {
        say(format!(
            "price benchmark B = {} (mean {} of {} valid prices × (1 − K {}))",
            b["value"].as_str().unwrap_or("?"),
            b["mean"].as_str().unwrap_or("?"),
            b["counted"],
            b["k"].as_str().unwrap_or("?")
        ));
    }
    for s in d["scores"].as_array().into_iter().flatten() {
        say(format!(
            "{}: items {} + price {} = {}",
            bidder_of(s["bid"].as_str().unwrap_or_default()),
            s["items"].as_str().unwrap_or("?"),
            s["price_score"].as_str().unwrap_or("?"),
            s["total"].as_str().unwrap_or("?")
        ));
    }
    let candidates = &d["candidates"];
    let listed: Vec<&str> = candidates["bids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut want: Vec<&str> = bids
        .iter()
        .filter(|b| expected.candidates.contains(&b.bidder.as_str()))
        .map(|b| b.id.as_str())
        .collect();
    want.sort();
    if report.outcome != ReportOutcome::Unranked
        || candidates["kind"] != "unranked"
        || listed != want
    {
        bail!(
            "the report's outcome is {} with {candidates}",
            report.outcome.as_str()
        );
    }
    say(format!(
        "outcome {}: candidates {} — unranked (评定分离: the tenderer decides among them); {}",
        report.outcome.as_str(),
        listed
            .iter()
            .map(|b| format!("{} (…{})", bidder_of(b), short(b)))
            .collect::<Vec<_>>()
            .join(", "),
        expected.why
    ));
    say(format!(
        "report …{} digest {}…, to be signed by {} UTC",
        short(&report.id),
        &report.digest[..16],
        report.sign_until.format("%Y-%m-%d %H:%M")
    ));
    Ok(report)
}

/// Step: every member signs, one dissents; the report completes and the tender is evaluated.
#[allow(clippy::too_many_arguments)]
async fn sign(
    story: &mut Story,
    base: &str,
    tender: &str,
    section: &str,
    members: &[Member],
    report: &EvaluationReport,
    dissent: Option<&str>,
    then: &str,
) -> anyhow::Result<()> {
    story.step(&match (dissent, then) {
        (Some(_), "evaluating") => "every member signs the report over its digest; one dissents \
             in writing (条例53); the report is complete, the tender still evaluating its other \
             section"
            .to_string(),
        (Some(_), _) => "every member signs the report over its digest; one dissents in writing \
             (条例53); the report is complete and the tender evaluated"
            .to_string(),
        (None, _) => format!(
            "every member signs {section}'s report over its digest; it is complete, every \
             section is evaluated and the tender moves on to the award"
        ),
    });
    let dissenter = members.len() - 1;
    let mut last = None;
    for (i, m) in members.iter().enumerate() {
        let dissent = dissent.filter(|_| i == dissenter);
        let r = m
            .client
            .sign_report(tender, section, &m.person, dissent, &m.creds)
            .await?;
        if r.digest != report.digest {
            bail!("the report changed while it was signed");
        }
        say(format!(
            "{} {}",
            m.key,
            dissent.map_or("agrees, signed".to_string(), |r| format!(
                "dissents, signed: {r}"
            ))
        ));
        last = Some(r);
    }
    let done = last.context("nobody signed")?;
    let state = serde_json::to_value(done.state)?;
    let state = state.as_str().unwrap_or_default();
    if state != "complete" || done.completed_at.is_none() {
        bail!("the report is {state} after every position");
    }
    let t: Value = Client::new(base)
        .get(&format!("/api/v1/tenders/{tender}"))
        .await?;
    // The award begins once every section is evaluated; 评定分离 begins with the tenderer's
    // 清标 (docs/AWARD.md §3).
    if t["state"] != then {
        bail!("the tender is {} after {section}'s report", t["state"]);
    }
    let dissents = usize::from(dissent.is_some());
    say(format!(
        "report {state}: {} positions ({} agreed, {dissents} dissented); tender state {}",
        done.positions.len(),
        done.positions.len() - dissents,
        t["state"].as_str().unwrap_or_default()
    ));
    Ok(())
}
