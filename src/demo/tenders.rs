//! Demo chapter: a tender is drafted, published with a signed notice, questioned, amended late
//! (the deadline moves), and read by the public, announcements and OCDS included. Returns the
//! tender for the bidding chapter (`super::bids`). Once both sections are awarded the public
//! reads the award announcements and the OCDS package, which the demo writes out ([`awarded`]).

use anyhow::Context;
use reqwest::Method;
use serde_json::{json, Value};

use super::{creds, enrol, identity, say, Outputs, Story};
use crate::client::Client;
use crate::pki::DevPki;
use crate::wire::tenders::{Announcement, AnnouncementKind};

/// A realistic two-section works tender, issued now, deadline in 30 days.
pub fn demo_draft(now: chrono::DateTime<chrono::Utc>, custodians: &[String]) -> Value {
    let d = chrono::Duration::days;
    let deadline = now + d(30);
    json!({
        "procedure": "open",
        "schedule": {
            "documents_available_from": now,
            "documents_available_until": now + d(10),
            "clarification_cutoff": deadline - d(16),
            "bid_deadline": deadline,
            "bid_validity_days": 90
        },
        "sections": [
            {"code": "BD01", "name": "第一标段 东荆河大道道路及桥梁工程", "category": "works",
             "estimated_price": "48600000.00", "price_cap": "47800000.00", "bid_bond": "800000.00",
             "qualification_requirements": [
                "市政公用工程施工总承包一级资质",
                "项目经理：市政公用工程一级注册建造师，具备安全生产考核合格证（B证）"],
             "licence_requirements": {
                "qualifications": [
                    {"class": "施工总承包", "speciality": "市政公用工程", "min_grade": "一级"}],
                "safety_permit": true,
                "project_manager": {"speciality": "市政公用工程", "min_level": "一级"}},
             "contract": {"performance_bond_percent": "5", "payment_milestones": [
                {"code": "advance", "title": "预付款", "percent": "20"},
                {"code": "progress", "title": "进度款（按月计量）", "percent": "60"},
                {"code": "completion", "title": "竣工验收合格", "percent": "17"},
                {"code": "warranty", "title": "质量保修期满", "percent": "3"}],
                "clauses": ["质量保修期：道路工程二年，桥梁主体结构五十年"]},
             "evaluation": {"kind": "comprehensive_scoring", "weights": [
                {"name": "投标报价", "weight": "60"}, {"name": "施工组织设计", "weight": "30"},
                {"name": "企业信誉及业绩", "weight": "10"}],
                "criteria": [
                    {"code": "T1", "name": "施工方案与技术措施", "factor": "施工组织设计",
                     "kind": "technical", "max_points": "20"},
                    {"code": "T2", "name": "质量安全保证措施", "factor": "施工组织设计",
                     "kind": "technical", "max_points": "10"},
                    {"code": "C1", "name": "类似工程业绩", "factor": "企业信誉及业绩",
                     "kind": "commercial", "max_points": "10"}],
                "price": {"factor": "投标报价", "k_values": ["0.01", "0.02", "0.03"]}},
             "award": {"kind": "separated", "candidates": 3,
                "method": {"kind": "direct_vote", "absolute_majority": true},
                "committee": {"size": 5, "drawn": 0}}},
            {"code": "BD02", "name": "第二标段 雨污分流管网工程", "category": "works",
             "estimated_price": "16300000.00", "price_cap": "16000000.00", "bid_bond": "320000.00",
             "qualification_requirements": ["市政公用工程施工总承包二级及以上资质"],
             "evaluation": {"kind": "lowest_evaluated_price"},
             "award": {"kind": "separated", "candidates": 3,
                "method": {"kind": "vote_then_lottery", "shortlist": 2},
                "committee": {"size": 5, "drawn": 0}}}
        ],
        "custodians": {"person_ids": custodians, "threshold": 2},
        "invitees": []
    })
}

/// A small but real PDF, so the document is a document.
pub(super) fn demo_pdf(title: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj \
         2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj \
         3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n% {title}\n\
         trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    .into_bytes()
}

pub(super) async fn story(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    admin: &Client,
    custodians: &[String],
) -> anyhow::Result<String> {
    let agent_id = identity(pki, "agent")?;
    let agent_creds = creds(agent_id)?;
    let agent = enrol(base, agent_id).await?;
    let tenderer_ident = identity(pki, "tenderer")?;
    let tenderer = enrol(base, tenderer_ident).await?;
    let tenderer_me: Value = tenderer.get("/api/v1/me").await?;
    let agent_me: Value = agent.get("/api/v1/me").await?;
    let time: Value = agent.get("/api/v1/time").await?;
    let now: chrono::DateTime<chrono::Utc> = serde_json::from_value(time["now"].clone())?;

    story.step(
        "the agent drafts a two-section tender for the tenderer, uploads the documents, \
         signs and publishes",
    );
    let title = "潜江市东荆河大道改造及配套管网工程施工招标";
    let entrustment = tenderer
        .entrust(
            agent_me["id"].as_str().unwrap_or_default(),
            title,
            &creds(tenderer_ident)?,
        )
        .await?;
    say(format!(
        "the tenderer signed its entrustment of the agent for「{title}」 (id {})",
        entrustment.id
    ));
    let body = json!({"title": title,
        "description": "房屋建筑和市政基础设施工程 评定分离 试点项目",
        "tenderer_id": tenderer_me["id"], "entrustment_id": entrustment.id,
        "draft": demo_draft(now, custodians)});
    let t: Value = agent.post("/api/v1/tenders", &body).await?;
    let tender = t["id"].as_str().context("tender id")?.to_string();
    let doc = agent
        .upload_document(
            &tender,
            "招标文件（第一、二标段）",
            "zhaobiaowenjian.pdf",
            "application/pdf",
            demo_pdf("招标文件"),
        )
        .await?;
    say(format!(
        "uploaded {} ({} bytes, SHA-256 {}…)",
        doc["title"].as_str().unwrap_or(""),
        doc["size"],
        &doc["sha256"].as_str().unwrap_or("")[..16]
    ));
    let sig = agent.sign_notice(&tender, &agent_creds).await?;
    let published: Value = agent
        .post(&format!("/api/v1/tenders/{tender}/publish"), &sig)
        .await?;
    say(format!(
        "published version {} — state {}, bid deadline (= opening) {}",
        published["version"],
        published["state"],
        published["published"]["schedule"]["bid_deadline"]
    ));
    // Publication generated no secret: it recorded each section's custodians with the public
    // envelope keys they registered. Every bidder's tool splits its own bid's remedy key among
    // them, so no key that opens bids exists anywhere before the opening.
    let public: Value = agent.get(&format!("/api/v1/tenders/{tender}")).await?;
    for k in public["remedy"].as_array().into_iter().flatten() {
        let custodians = k["custodians"].as_array().map_or(0, Vec::len);
        say(format!(
            "section {}: remedy shares {}-of-{} to the custodians' public envelope keys \
             (no key generated by the server)",
            k["section"].as_str().unwrap_or("?"),
            k["threshold"],
            custodians
        ));
    }

    story.step("a bidder downloads the documents and asks a question; the answer goes to everyone");
    let bidder = enrol(base, identity(pki, "bidder-a")?).await?;
    let doc_id = doc["id"].as_str().unwrap_or_default();
    let (status, _) = bidder
        .raw(
            Method::GET,
            &format!("/api/v1/tenders/{tender}/documents/{doc_id}/content"),
            None,
        )
        .await?;
    say(format!(
        "bidder-a downloaded the documents ({status}); \
         who downloaded is visible only to the tenderer and agent"
    ));
    let q: Value = bidder
        .post(
            &format!("/api/v1/tenders/{tender}/questions"),
            &json!({"question": "第一标段投标保证金是否接受电子保函？"}),
        )
        .await?;
    let a: Value = agent
        .post(
            &format!(
                "/api/v1/tenders/{tender}/questions/{}/answer",
                q["id"].as_str().unwrap_or("")
            ),
            &json!({"answer": "接受。电子保函须由银行或担保机构出具，通过本平台核验。"}),
        )
        .await?;
    say(format!("answered: {}", a["answer"].as_str().unwrap_or("")));

    story.step(
        "ten days before the deadline the agent amends the documents: \
         the deadline moves to keep 15 days",
    );
    let deadline: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(published["published"]["schedule"]["bid_deadline"].clone())?;
    let clock: Value = admin.get("/api/v1/sandbox/clock").await?;
    let sandbox_now: chrono::DateTime<chrono::Utc> = serde_json::from_value(clock["now"].clone())?;
    let jump = (deadline - chrono::Duration::days(10) - sandbox_now).num_seconds();
    let clock: Value = admin
        .post("/api/v1/sandbox/clock", &json!({"advance_seconds": jump}))
        .await?;
    say(format!("sandbox clock moved forward to {}", clock["now"]));
    // Tokens live 15 minutes; after a jump of days the agent logs in again, as a person would.
    let agent = enrol(base, agent_id).await?;
    let mut draft = published["published"].clone();
    if let Some(reqs) = draft["sections"][0]["qualification_requirements"].as_array_mut() {
        reqs.push(json!("近三年承担过单项合同额5000万元以上的市政道路工程"));
    }
    let _: Value = agent
        .call(
            Method::PUT,
            &format!("/api/v1/tenders/{tender}"),
            Some(&json!({"draft": draft})),
        )
        .await?;
    let sig = agent.sign_notice(&tender, &agent_creds).await?;
    let body = json!({"rationale": "第一标段增加类似工程业绩要求",
        "impact": "affects_bid_preparation", "signature": sig});
    let amended: Value = agent
        .post(&format!("/api/v1/tenders/{tender}/amendments"), &body)
        .await?;
    say(format!(
        "version {} published; deadline moved to {}; \
         bids already submitted must be re-confirmed: {}",
        amended["tender"]["version"], amended["deadline_moved_to"], amended["reconfirm_bids"]
    ));
    say("everyone who downloaded the documents is e-mailed through the outbox");

    story.step("the public reads the announcements and the OCDS release package");
    let public = Client::new(base);
    let feed: Vec<Announcement> = public
        .get(&format!("/api/v1/announcements?tender={tender}"))
        .await?;
    for a in &feed {
        say(format!("#{} {:<14} {}", a.seq, a.kind.as_str(), a.title));
    }
    let pkg: Value = public
        .get(&format!("/api/v1/ocds/tenders/{tender}"))
        .await?;
    let releases = pkg["releases"].as_array().map(|r| r.len()).unwrap_or(0);
    say(format!(
        "OCDS package: {releases} releases, ocid {}",
        pkg["releases"][0]["ocid"]
    ));
    Ok(tender)
}

/// Step: the public reads the awarded tender's announcements and its OCDS package (written to
/// `out.ocds`): a release per award, each section's bids and its award.
pub(super) async fn awarded(story: &mut Story, base: &str, tender: &str) -> anyhow::Result<()> {
    story.step(
        "the public reads the result announcements and the OCDS package: an award release per \
         section, with its bids and its award",
    );
    let public = Client::new(base);
    let feed: Vec<Announcement> = public
        .get(&format!("/api/v1/announcements?tender={tender}"))
        .await?;
    let results: Vec<&Announcement> = feed
        .iter()
        .filter(|a| a.kind == AnnouncementKind::AwardResult)
        .collect();
    for a in &results {
        say(format!("#{} {:<14} {}", a.seq, a.kind.as_str(), a.title));
    }
    let pkg: Value = public
        .get(&format!("/api/v1/ocds/tenders/{tender}"))
        .await?;
    let releases = pkg["releases"].as_array().cloned().unwrap_or_default();
    let awards: Vec<&Value> = releases
        .iter()
        .filter(|r| {
            r["tag"]
                .as_array()
                .is_some_and(|t| t.contains(&json!("award")))
        })
        .flat_map(|r| r["awards"].as_array().into_iter().flatten())
        .collect();
    for a in &awards {
        say(format!(
            "award {}: {} to {}, ¥{}",
            a["id"].as_str().unwrap_or("?"),
            a["status"].as_str().unwrap_or("?"),
            a["suppliers"][0]["name"].as_str().unwrap_or("?"),
            a["value"]["amount"]
        ));
    }
    if results.len() != 2 || awards.len() != 2 {
        anyhow::bail!(
            "{} result announcements and {} OCDS awards for two sections",
            results.len(),
            awards.len()
        );
    }
    let last = releases
        .last()
        .context("an OCDS package without releases")?;
    say(format!(
        "OCDS package: {} releases, the last tagged {} with tender status {}",
        releases.len(),
        last["tag"],
        last["tender"]["status"]
    ));
    Ok(())
}

/// After the contracts and their payments: the package again, now with each section's
/// `contract` release, the amendment and the treasury's transactions; written for CI's offline
/// validation.
pub(super) async fn contract_releases(
    story: &mut Story,
    base: &str,
    tender: &str,
    out: &Outputs,
) -> anyhow::Result<()> {
    story.step(
        "the public reads the contracts in the OCDS package: signed, amended, and paid \
         (implementation.transactions)",
    );
    let pkg: Value = Client::new(base)
        .get(&format!("/api/v1/ocds/tenders/{tender}"))
        .await?;
    let releases = pkg["releases"].as_array().cloned().unwrap_or_default();
    for r in &releases {
        let tag = r["tag"][0].as_str().unwrap_or_default();
        if !tag.starts_with("contract") && tag != "implementation" {
            continue;
        }
        let k = &r["contracts"][0];
        say(format!(
            "{tag:<18} contract …{} {} ¥{} · {} amendment(s) · {} payment(s)",
            super::short(k["id"].as_str().unwrap_or_default()),
            k["status"].as_str().unwrap_or("?"),
            k["value"]["amount"],
            k["amendments"].as_array().map_or(0, Vec::len),
            k["implementation"]["transactions"]
                .as_array()
                .map_or(0, Vec::len)
        ));
    }
    if !releases.iter().any(|r| r["tag"] == json!(["contract"])) {
        anyhow::bail!("no contract release in the OCDS package");
    }
    if let Some(path) = &out.ocds {
        std::fs::write(path, serde_json::to_vec_pretty(&pkg)?)?;
        say(format!("OCDS package written to {}", path.display()));
    }
    Ok(())
}
