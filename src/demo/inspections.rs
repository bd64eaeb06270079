//! The demo's joint random inspection (issue 15 item 8, 双随机一公开): 住建局 and
//! 公共资源交易监督管理局 keep one supervision item over tenders with a check item each, publish a
//! joint plan, and draw a round through the verifiable draw — 住建局 asks, 公管局 contributes its
//! signed value. Every published tender, the demo tender among them, gets one team of one
//! officer of each department; the team visits the demo tender once, records one checklist with
//! a file of evidence, both sign, and the results are public. The audit export at the end replays
//! the draw and the teams (`DrawsReplay`, `InspectionsReplay`).

use anyhow::{bail, Context};
use chrono::Duration;
use serde_json::Value;

use super::cases::{GGZY, ZJJ};
use super::{creds, identity, login, say, short, Story};
use crate::client::Client;
use crate::domain::inspection::{ItemResult, Outcome, TaskState};
use crate::pki::DevPki;
use crate::wire::artefacts::SupervisionItem;
use crate::wire::artefacts::{CheckItem, CreditGrade, ObjectKind, PlanDraft, RiskLevel};
use crate::wire::inspections::RecordResultsRequest;

const ITEM: &str = "ZJ-GGZY-01";
const PLAN: &str = "JOINT-01";
/// The officers of the two departments (`cases::OFFICERS`), by identity key.
const OFFICERS: [&str; 4] = ["regulator", "regulator-2", "regulator-3", "regulator-4"];

/// The scene's two steps.
pub(super) async fn story(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
) -> anyhow::Result<()> {
    story.step(
        "住建局 and 公共资源交易监督管理局 plan a joint 双随机 inspection of tenders (one item, a \
         check item each, the plan published); 住建局 asks for a round and 公管局 contributes \
         its signed random value, which draws the tenders and the inspectors",
    );
    let lead = login(base, identity(pki, "regulator")?).await?;
    lead.put_supervision_item(&SupervisionItem {
        code: ITEM.into(),
        name: "依法必须招标项目开标、评标、定标活动".into(),
        legal_basis: "《中华人民共和国招标投标法实施条例》第四条".into(),
        lead_department: ZJJ.0.into(),
        co_departments: vec![GGZY.0.into()],
        risk_level: RiskLevel::High,
        object_kind: ObjectKind::Tender,
    })
    .await?;
    for (code, dep, content, method) in [
        (
            "ZJ-GGZY-01-01",
            ZJJ.0,
            "中标人项目经理是否按投标承诺到岗履职",
            "现场检查",
        ),
        (
            "ZJ-GGZY-01-02",
            GGZY.0,
            "开标、评标、定标全过程电子档案是否完整",
            "查阅资料",
        ),
    ] {
        lead.put_check_item(&CheckItem {
            code: code.into(),
            item_code: ITEM.into(),
            content: content.into(),
            method: method.into(),
            department: dep.into(),
        })
        .await?;
    }
    let today = server_today(&lead).await?;
    lead.put_inspection_plan(&PlanDraft {
        code: PLAN.into(),
        name: "招标投标领域跨部门联合双随机抽查".into(),
        lead_department: ZJJ.0.into(),
        period_from: today,
        period_to: today + Duration::days(90),
        items: vec![ITEM.into()],
        sampling_ratio: "1".parse()?,
        grades: vec![
            CreditGrade::A,
            CreditGrade::B,
            CreditGrade::C,
            CreditGrade::D,
        ],
        departments: vec![ZJJ.0.into(), GGZY.0.into()],
    })
    .await?;
    lead.publish_inspection_plan(PLAN).await?;
    let round = lead.request_inspection_round(PLAN, 1).await?;
    say(format!(
        "round {} committed: frame {}…, commitment {}…",
        short(&round.id),
        &round.frame_digest[..16],
        &round.commitment[..16]
    ));
    let other_id = identity(pki, "regulator-3")?;
    let other = login(base, other_id).await?;
    let me: Value = other.get("/api/v1/me").await?;
    let contributor = me["id"].as_str().context("an officer without an id")?;
    let mut value = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut value)
        .map_err(|_| anyhow::anyhow!("no randomness"))?;
    let round = other
        .contribute_to_round(&round, contributor, value, &creds(other_id)?)
        .await?;
    for g in &round.groups {
        say(format!(
            "{:<24} {} drawn of {} ({} ranked as reserves)",
            g.code, g.count, g.candidates, g.reserves
        ));
    }
    let tasks = lead.inspection_tasks(&round.id, None).await?.items;
    let Some(task) = tasks.iter().find(|t| t.object.id == tender) else {
        bail!("the demo tender was not drawn at ratio 1");
    };
    say(format!(
        "{} tasks; the demo tender's team: {}",
        tasks.len(),
        task.team
            .iter()
            .map(|m| format!("{} ({})", short(&m.person), m.department))
            .collect::<Vec<_>>()
            .join(" + ")
    ));

    story.step(
        "the joint team visits the demo tender once: one checklist of both departments' items, a \
         file of evidence, the results signed by both inspectors and published (一公开)",
    );
    let mut members = Vec::new();
    for key in OFFICERS {
        let id = identity(pki, key)?;
        let c = login(base, id).await?;
        let me: Value = c.get("/api/v1/me").await?;
        if task
            .team
            .iter()
            .any(|m| Some(m.person.as_str()) == me["id"].as_str())
        {
            members.push((c, creds(id)?, id.display_name.clone()));
        }
    }
    if members.len() != task.team.len() {
        bail!("the team is not among the demo's officers");
    }
    let (first, _, _) = &members[0];
    let record = "检查笔录：中标人项目经理到岗；开评标电子档案完整。"
        .as_bytes()
        .to_vec();
    let t = first
        .add_inspection_evidence(&task.id, "联合检查笔录", "检查笔录.txt", record)
        .await?;
    let evidence = t.evidence[0].sha256.clone();
    let results = t
        .checklist
        .iter()
        .map(|c| ItemResult {
            check: c.code.clone(),
            outcome: Outcome::Compliant,
            note: format!("{}：符合要求", c.content),
            evidence: vec![evidence.clone()],
        })
        .collect();
    let mut t = first
        .record_inspection_results(
            &task.id,
            &RecordResultsRequest {
                visited_on: today,
                results,
            },
        )
        .await?;
    for (c, cr, name) in &members {
        t = c.sign_inspection_results(&t, cr).await?;
        say(format!(
            "{name} signed the results ({} of {})",
            t.signatures.len(),
            members.len()
        ));
    }
    if t.state != TaskState::Published {
        bail!("the results are not published after every signature");
    }
    let public = Client::new(base)
        .inspection_results(Some(PLAN), None)
        .await?;
    for r in &public.items {
        say(format!(
            "public: {} {} checked by {} on {}: {} finding(s)",
            r.object_kind.as_str(),
            short(&r.object_id),
            r.departments.join(" + "),
            r.visited_on.map(|d| d.to_string()).unwrap_or_default(),
            r.findings
        ));
    }
    Ok(())
}

async fn server_today(c: &Client) -> anyhow::Result<chrono::NaiveDate> {
    let t: Value = c.get("/api/v1/time").await?;
    let now: chrono::DateTime<chrono::Utc> = serde_json::from_value(t["now"].clone())?;
    Ok(crate::domain::schedule::legal_date(now))
}
