//! The demo's expert draw: the trading centre fills the expert library, the agent requests the
//! section's evaluation experts, the regulator contributes its random value, the drawn experts
//! answer in their own sessions (one declines and a reserve takes the seat), they check in before
//! the evaluation signing the 承诺书 (one declares a conflict and the next reserve takes its
//! seat), the draw is revealed when the evaluation starts, and the regulator replays it from an
//! audit export (the replacements included). A later section's experts are drawn from the same
//! library the same way, told in one step ([`section`]).

use anyhow::{bail, Context};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::{enrol, identity, login, say, short, Story};
use crate::client::Client;
use crate::pki::DevPki;

/// Experts in the library, and how they are registered: the first 20 in 道路工程, the rest in
/// 排水工程.
const EXPERTS: u32 = 32;
const ROADS: &str = "A080201";
const DRAINAGE: &str = "A080205";

struct Member {
    key: String,
    client: Client,
    person: String,
}

/// What a section's draw asks for, and how its story is told.
struct Request<'a> {
    section: &'a str,
    place: &'a str,
    /// (specialty, drawn, reserves)
    groups: [(&'a str, u32, u32); 2],
    /// BD01's story in full: a step per phase, one expert declines, one declares a conflict.
    full: bool,
}

pub(super) async fn story(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut members = library(story, base, pki).await?;
    let request = Request {
        section: "BD01",
        place: "潜江市公共资源交易中心 评标室3",
        groups: [(ROADS, 3, 2), (DRAINAGE, 2, 1)],
        full: true,
    };
    draw(story, base, pki, tender, &mut members, &request).await?;
    // The library's keys and person ids, for the committee that follows.
    Ok(members.into_iter().map(|m| (m.key, m.person)).collect())
}

/// A later section's evaluation experts, drawn from the same library (`library`: keys and
/// person ids) in one step: mostly 排水工程 for the drainage works, nobody declines.
pub(super) async fn section(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    section: &str,
    library: &[(String, String)],
) -> anyhow::Result<()> {
    let mut members = Vec::new();
    for (key, person) in library {
        members.push(Member {
            key: key.clone(),
            client: login(base, identity(pki, key)?).await?,
            person: person.clone(),
        });
    }
    let request = Request {
        section,
        place: "潜江市公共资源交易中心 评标室5",
        groups: [(DRAINAGE, 3, 1), (ROADS, 2, 1)],
        full: false,
    };
    story.step(&format!(
        "{section}'s evaluation experts are drawn the same way: the agent requests them, the \
         regulator contributes, the drawn experts accept and check in signing the 承诺书, the \
         draw is revealed at the evaluation and the regulator replays it"
    ));
    draw(story, base, pki, tender, &mut members, &request).await
}

async fn library(story: &mut Story, base: &str, pki: &DevPki) -> anyhow::Result<Vec<Member>> {
    story.step("the trading centre admits 32 experts to the expert library (评标专家库)");
    let admin = login(base, identity(pki, "admin")?).await?;
    let mut members = Vec::new();
    for i in 1..=EXPERTS {
        let key = format!("expert-{i}");
        let id = identity(pki, &key)?;
        let client = enrol(base, id).await?;
        let me: Value = client.get("/api/v1/me").await?;
        let person = me["id"].as_str().unwrap_or_default().to_string();
        let specialty = if i <= 20 { ROADS } else { DRAINAGE };
        let m: Value = admin
            .post(
                "/api/v1/experts",
                &json!({"person_id": person, "region": "429005",
                    "employer": format!("湖北省第{i}工程咨询院"), "employer_uscc": null,
                    "department": null, "title": "高级工程师", "senior_title": true,
                    "practice_years": 8 + i % 20, "specialties": [specialty],
                    "phone": format!("1380000{i:04}"), "email": id.email,
                    "avoid_units": []}),
            )
            .await?;
        if i <= 2 || i == EXPERTS {
            say(format!(
                "admitted {} ({}), member …{}",
                m["name"].as_str().unwrap_or_default(),
                specialty,
                short(m["id"].as_str().unwrap_or_default())
            ));
        }
        members.push(Member {
            key,
            client,
            person,
        });
    }
    say(format!(
        "… {EXPERTS} experts: 20 in {ROADS} 道路工程, 12 in {DRAINAGE} 排水工程"
    ));
    Ok(members)
}

/// One section's draw, from the request to the regulator's replay.
async fn draw(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    members: &mut [Member],
    r: &Request<'_>,
) -> anyhow::Result<()> {
    let full = r.full;
    if full {
        story.step("the agent requests the section's evaluation experts; the bidders are avoided");
    }
    let agent = login(base, identity(pki, "agent")?).await?;
    let clock: Value = agent.get("/api/v1/time").await?;
    let now: DateTime<Utc> = serde_json::from_value(clock["now"].clone())?;
    let evaluation_at = now + Duration::days(1);
    let groups: Vec<Value> = r
        .groups
        .iter()
        .map(|(s, n, reserves)| json!({"specialty": s, "count": n, "reserves": reserves}))
        .collect();
    let d: Value = agent
        .post(
            &format!("/api/v1/tenders/{tender}/sections/{}/draws", r.section),
            &json!({"evaluation_at": evaluation_at, "place": r.place,
                "remote": false, "groups": groups}),
        )
        .await?;
    let id = d["id"].as_str().context("draw id")?.to_string();
    for g in d["groups"].as_array().into_iter().flatten() {
        say(format!(
            "{}: {} drawn + {} reserves from {} eligible",
            g["specialty"], g["count"], g["reserves"], g["candidates"]
        ));
    }
    say(format!(
        "frame digest {} and the platform's commitment {} are in the audit log before anyone \
         contributes",
        &d["frame_digest"].as_str().unwrap_or_default()[..16],
        &d["commitment"].as_str().unwrap_or_default()[..16]
    ));

    if full {
        story.step("the regulator contributes its own random value, signed; the draw is made");
    }
    let reg_id = identity(pki, "regulator")?;
    let regulator = login(base, reg_id).await?;
    let made = contribute(&regulator, reg_id, &d).await?;
    say(format!(
        "draw {}: the tenderer, the agent and the regulator see counts, never names",
        made["state"].as_str().unwrap_or_default()
    ));

    if full {
        story.step("the drawn experts answer in their own sessions; one declines, a reserve sits");
    }
    // Only BD01's story has an expert decline.
    let mut declined = !full;
    for round in 0..3 {
        let mut pending = 0;
        for m in members.iter() {
            let seats: Vec<Value> = m.client.get("/api/v1/me/draw-seats").await?;
            for s in seats.iter().filter(|s| s["seat"] == "notified") {
                pending += 1;
                let accept = declined || round > 0;
                let a: Value = m
                    .client
                    .post(
                        &format!("/api/v1/draws/{id}/answer"),
                        &json!({"accept": accept}),
                    )
                    .await?;
                say(format!(
                    "{} ({}): {}",
                    m.key,
                    s["specialty"].as_str().unwrap_or_default(),
                    a["seat"].as_str().unwrap_or_default()
                ));
                declined = true;
            }
        }
        if pending == 0 {
            break;
        }
    }

    if full {
        story.step(
            "check-in opens before the evaluation: each expert signs the 承诺书 and its recusal \
             declaration; one declares a conflict and the next reserve takes the seat",
        );
    }
    super::bids::advance_to(base, pki, evaluation_at - Duration::minutes(30)).await?;
    let frame_digest: [u8; 32] = hex::decode(d["frame_digest"].as_str().unwrap_or_default())?
        .try_into()
        .map_err(|_| anyhow::anyhow!("frame_digest is not 32 bytes"))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    // Only BD01's story has a conflict declared.
    let mut recused = !full;
    for _round in 0..3 {
        let mut pending = 0;
        for m in members.iter_mut() {
            let id_m = identity(pki, &m.key)?;
            m.client = login(base, id_m).await?;
            let seats: Vec<Value> = m.client.get("/api/v1/me/draw-seats").await?;
            let Some(seat) = seats.iter().find(|s| {
                s["draw_id"] == id.as_str()
                    && matches!(s["seat"].as_str(), Some("confirmed" | "notified"))
            }) else {
                continue;
            };
            pending += 1;
            let records: Vec<Value> = m.client.get("/api/v1/me/expert-records").await?;
            let member = records
                .iter()
                .find(|r| r["library"] == "experts")
                .and_then(|r| r["id"].as_str())
                .context("the expert's library record")?
                .to_string();
            let conflict = (!recused && seat["specialty"] == ROADS).then(|| {
                crate::domain::draw::checkin::Conflict {
                    party: "湖北省某路桥建设有限公司".into(),
                    reason: "本人配偶在该投标人处任职".into(),
                }
            });
            recused |= conflict.is_some();
            let statement = crate::domain::draw::checkin::statement(
                &id,
                &frame_digest,
                &member,
                &m.person,
                conflict.as_ref(),
            );
            let creds = super::creds(id_m)?;
            let signature = creds.key.sign(creds.algorithm, &statement)?;
            let done: Value = m
                .client
                .post(
                    &format!("/api/v1/draws/{id}/check-in"),
                    &json!({"conflict": conflict,
                        "certificate_chain": [base64::Engine::encode(&b64, &creds.chain[0])],
                        "signature": base64::Engine::encode(&b64, signature),
                        "signature_algorithm": creds.algorithm.as_str()}),
                )
                .await?;
            say(format!(
                "{} ({}): {}{}",
                m.key,
                seat["specialty"].as_str().unwrap_or_default(),
                done["seat"].as_str().unwrap_or_default(),
                if conflict.is_some() {
                    " — declares a conflict with a bidder; the next reserve is called"
                } else {
                    ""
                }
            ));
        }
        if pending == 0 {
            break;
        }
    }

    if full {
        story.step("the evaluation starts: the draw is revealed with every seat and the secret");
    }
    super::bids::advance_to(base, pki, evaluation_at).await?;
    let agent = login(base, identity(pki, "agent")?).await?;
    let mut revealed = Value::Null;
    for _ in 0..super::bids::MAX_POLLS {
        let v: Value = agent.get(&format!("/api/v1/draws/{id}")).await?;
        if v["state"] == "revealed" {
            revealed = v;
            break;
        }
        tokio::time::sleep(super::bids::POLL_EVERY).await;
    }
    if revealed.is_null() {
        bail!("the server's scheduler did not reveal the draw in time");
    }
    for g in revealed["groups"].as_array().into_iter().flatten() {
        for s in g["seats"].as_array().into_iter().flatten() {
            let who = members
                .iter()
                .find(|m| s["person_id"] == m.person.as_str())
                .map(|m| m.key.as_str())
                .unwrap_or("?");
            say(format!(
                "{} #{}: {who} {}",
                g["specialty"].as_str().unwrap_or_default(),
                s["rank"],
                s["seat"].as_str().unwrap_or_default()
            ));
        }
    }

    let committee: Value = agent.get(&format!("/api/v1/draws/{id}/committee")).await?;
    let checked_in = committee["seats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["seat"] == "checked_in")
        .count();
    say(format!(
        "the committee: {checked_in} experts checked in, complete: {}",
        committee["complete"]
    ));

    if full {
        story.step("the regulator replays the draw from the tender's audit export");
    }
    let regulator = login(base, reg_id).await?;
    let key: Value = regulator.get("/api/v1/audit/public-key").await?;
    let verifier =
        crate::audit::note::NoteVerifier::parse(key["verifier_key"].as_str().unwrap_or_default())?;
    let mut bundle = regulator.audit_export(Some(tender), None, None).await?;
    for _ in 0..super::bids::MAX_POLLS {
        if bundle.pending == 0 {
            break;
        }
        tokio::time::sleep(super::bids::POLL_EVERY).await;
        bundle = regulator.audit_export(Some(tender), None, None).await?;
    }
    let rules: Vec<Box<dyn crate::audit::verify::Rule>> =
        vec![Box::new(crate::audit::verify::DrawsReplay)];
    crate::audit::verify::verify_bundle(&bundle, &verifier, None, &rules)?;
    say(format!(
        "draw …{}: frame, commitment, the signed contribution and the selection replay exactly \
         (etender draw verify does the same from a saved export)",
        short(&id)
    ));
    Ok(())
}

/// The regulator contributes a fresh random value to draw `d`, signed with its certificate
/// (`domain::draw::contribution_message`); returns the draw as made.
pub(super) async fn contribute(
    regulator: &crate::client::Client,
    reg_id: &crate::pki::DevIdentity,
    d: &Value,
) -> anyhow::Result<Value> {
    let me: Value = regulator.get("/api/v1/me").await?;
    let regulator_person = me["id"].as_str().unwrap_or_default().to_string();
    let mut value = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut value)
        .map_err(|_| anyhow::anyhow!("no system randomness"))?;
    let hex32 = |k: &str| -> anyhow::Result<[u8; 32]> {
        hex::decode(d[k].as_str().unwrap_or_default())?
            .try_into()
            .map_err(|_| anyhow::anyhow!("{k} is not 32 bytes"))
    };
    let message = crate::domain::draw::contribution_message(
        &hex32("frame_digest")?,
        &hex32("commitment")?,
        &regulator_person,
        &value,
    );
    let creds = super::creds(reg_id)?;
    let signature = creds.key.sign(creds.algorithm, &message)?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let id = d["id"].as_str().unwrap_or_default();
    Ok(regulator
        .post(
            &format!("/api/v1/draws/{id}/contributions"),
            &json!({"value": hex::encode(value),
                "certificate_chain": [base64::Engine::encode(&b64, &creds.chain[0])],
                "signature": base64::Engine::encode(&b64, signature),
                "signature_algorithm": creds.algorithm.as_str()}),
        )
        .await?)
}
