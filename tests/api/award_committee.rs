//! The start of 评定分离 (issue 14): the tenderer's signed 清标 report moves the section's award
//! from `clearing` to `committee`; members of the tenderer's 定标委员库 sign their statements
//! (承诺书); the tenderer forms the award committee (odd, ≥ 5, as the tender composes it, a
//! chair); a regulator witnesses it by signing its roster and the award moves to `deciding`.
//! Refusals — wrong role, wrong stage, an even committee, a person outside the pool, a bad
//! statement, a bidder reading the committee — each name their code and change nothing.

use base64::Engine;
use etender::client::Client;
use etender::domain::award::clearing::{
    self, CandidateClearing, ClearingReport, Finding, FindingCategory,
};
use etender::domain::award::committee as rules;
use etender::domain::draw::checkin::Conflict;
use reqwest::Method;
use serde_json::{json, Value};

use crate::committee::World;
use crate::fixtures::id_of;
use crate::helpers::{assert_problem, extra_person, pki, Ident};

/// 评定分离 by direct vote, 3 candidates, a committee of `size` with `drawn` drawn.
pub(crate) fn separated(size: u8, drawn: u8) -> Value {
    json!({"kind": "separated", "candidates": 3, "method": {"kind": "direct_vote"},
        "committee": {"size": size, "drawn": drawn},
        "criteria": {"factors": ["企业信誉", "项目班子"], "prefer": ["同类业绩优者"],
            "rule_out": ["近三年有不良行为记录者"]}})
}

/// A member of the tenderer's award pool.
pub(crate) struct PoolMember {
    pub(crate) ident: Ident,
    pub(crate) client: Client,
    pub(crate) person: String,
    pub(crate) member: String,
}

/// A section whose award is at `committee` (or further), with the tenderer's pool.
pub(crate) struct Awarding {
    pub(crate) w: World,
    pub(crate) pool: Vec<PoolMember>,
    pub(crate) candidates: Vec<String>,
}

impl Awarding {
    pub(crate) fn base(&self) -> String {
        format!("/api/v1/tenders/{}/sections/BD01/award", self.w.t())
    }

    pub(crate) async fn award(&self) -> Value {
        self.w.s.agent.get(&self.base()).await.unwrap()
    }

    pub(crate) async fn state(&self) -> Value {
        let t: Value = self
            .w
            .s
            .agent
            .get(&format!("/api/v1/tenders/{}", self.w.t()))
            .await
            .unwrap();
        t["state"].clone()
    }
}

fn signature(ident: &Ident, msg: &[u8]) -> Value {
    let creds = ident.credentials();
    let sig = creds.key.sign(creds.algorithm, msg).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({"certificate_chain": [b64.encode(&creds.chain[0])],
        "signature": b64.encode(sig), "signature_algorithm": creds.algorithm.as_str()})
}

fn merged(mut a: Value, b: Value) -> Value {
    for (k, v) in b.as_object().unwrap() {
        a[k] = v.clone();
    }
    a
}

/// A 清标 report over `candidates`: a finding on the first, nothing on the others.
pub(crate) fn report(candidates: &[String]) -> ClearingReport {
    ClearingReport {
        candidates: candidates
            .iter()
            .enumerate()
            .map(|(i, b)| CandidateClearing {
                bid: b.clone(),
                findings: if i == 0 {
                    vec![
                        Finding {
                            category: FindingCategory::ArithmeticError,
                            text: "分部分项工程费合计少计 1,200.00 元".into(),
                        },
                        Finding {
                            category: FindingCategory::UnbalancedPricing,
                            text: "土方开挖单价明显高于市场价".into(),
                        },
                    ]
                } else {
                    Vec::new()
                },
            })
            .collect(),
        summary: "清标未发现影响定标的重大偏差。".into(),
    }
}

/// The body filing `report`, signed by `signer` (an organisation certificate).
pub(crate) fn clearing_body(t: &str, report: &ClearingReport, signer: &Ident) -> Value {
    let msg = clearing::statement(t, "BD01", 1, report);
    merged(json!({"report": report}), signature(signer, &msg))
}

/// The body of `m`'s statement for round 1, signed by `signer`.
pub(crate) fn statement_body(
    t: &str,
    m: &PoolMember,
    conflict: Option<Conflict>,
    signer: &Ident,
) -> Value {
    let msg = rules::statement(t, "BD01", 1, &m.member, &m.person, conflict.as_ref());
    merged(json!({"conflict": conflict}), signature(signer, &msg))
}

/// The regulator's witness of `committee`, signed by `signer`.
pub(crate) fn witness_body(t: &str, committee: &Value, regulator: &str, signer: &Ident) -> Value {
    let roster: [u8; 32] = hex::decode(committee["roster_sha256"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    signature(
        signer,
        &rules::witness_statement(t, "BD01", 1, &roster, regulator),
    )
}

/// `n` persons the tenderer adds to its award pool.
pub(crate) async fn pool(w: &World, n: u32) -> Vec<PoolMember> {
    let tenderer = w.tenderer().await;
    let tid = id_of(&tenderer).await;
    let mut out = Vec::new();
    for i in 0..n {
        let ident = extra_person(7100 + i, &format!("award-{i}"), vec![]);
        let c = w.app.enrol_ident(&ident).await;
        let person = id_of(&c).await;
        let body = json!({"person_id": person, "region": "429005", "employer": "潜江市城投公司",
            "employer_uscc": null, "department": null, "title": "高级经济师",
            "senior_title": true, "practice_years": 10, "specialties": ["A080101"],
            "phone": "138-0013-8000", "email": "award@example.cn", "avoid_units": []});
        let m: Value = tenderer
            .post(&format!("/api/v1/organisations/{tid}/award-pool"), &body)
            .await
            .unwrap();
        // The pool grants the role: log in again to carry it.
        let client = w.app.enrol_ident(&ident).await;
        out.push(PoolMember {
            ident,
            client,
            person,
            member: m["id"].as_str().unwrap().to_string(),
        });
    }
    out
}

/// A tender evaluated under `award` (评定分离), its 清标 report filed by the agent: the award
/// is at `committee`; `n` persons in the tenderer's pool.
pub(crate) async fn at_committee(award: Value, n: u32) -> Awarding {
    let w = crate::award::evaluated(award).await;
    let pool = pool(&w, n).await;
    let mut a = Awarding {
        w,
        pool,
        candidates: Vec::new(),
    };
    let view = a.award().await;
    assert_eq!(view["stage"], "clearing", "{view}");
    a.candidates = serde_json::from_value(view["candidates"].clone()).unwrap();
    let body = clearing_body(a.w.t(), &report(&a.candidates), pki().get("agent"));
    let (st, v) =
        a.w.s
            .agent
            .raw(Method::POST, &format!("{}/clearing", a.base()), Some(&body))
            .await
            .unwrap();
    assert_eq!(st, 200, "{v}");
    a
}

/// A section whose award committee — `size` members of the pool, all appointed, the first the
/// chair — is formed and witnessed: the award is at `deciding`. For the award rounds' tests.
pub(crate) async fn deciding(size: u8) -> Awarding {
    let a = at_committee(separated(size, 0), u32::from(size)).await;
    let t = a.w.t().to_string();
    for m in &a.pool {
        let (st, v) = m
            .client
            .raw(
                Method::POST,
                &format!("{}/statements", a.base()),
                Some(&statement_body(&t, m, None, &m.ident)),
            )
            .await
            .unwrap();
        assert_eq!(st, 200, "{v}");
    }
    let appointed: Vec<&str> = a.pool.iter().map(|m| m.person.as_str()).collect();
    let body = json!({"appointed": appointed, "chair": a.pool[0].person});
    let committee: Value =
        a.w.s
            .agent
            .post(&format!("{}/committee", a.base()), &body)
            .await
            .unwrap();
    let regulator = a.w.app.enrol("regulator").await;
    let rid = id_of(&regulator).await;
    let body = witness_body(&t, &committee, &rid, pki().get("regulator"));
    let (st, v) = regulator
        .raw(
            Method::POST,
            &format!("{}/committee/witness", a.base()),
            Some(&body),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    assert_eq!(a.award().await["stage"], "deciding");
    a
}

#[tokio::test]
async fn the_clearing_report_is_signed_by_a_party_and_moves_the_award_on() {
    let w = crate::award::evaluated(separated(5, 0)).await;
    let a = Awarding {
        w,
        pool: Vec::new(),
        candidates: Vec::new(),
    };
    let view = a.award().await;
    assert_eq!(view["stage"], "clearing", "{view}");
    let candidates: Vec<String> = serde_json::from_value(view["candidates"].clone()).unwrap();
    let t = a.w.t().to_string();
    let path = format!("{}/clearing", a.base());
    let good = report(&candidates);
    let agent = pki().get("agent");

    let regulator = a.w.app.enrol("regulator").await;
    let before = a.w.app.rows().await;
    // A bidder, the regulator: not parties.
    let bidder = &a.w.bidders[0].client;
    let (st, v) = bidder
        .raw(Method::POST, &path, Some(&clearing_body(&t, &good, agent)))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let (st, v) = regulator
        .raw(Method::POST, &path, Some(&clearing_body(&t, &good, agent)))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    // Not the candidates (one left out), and a blank finding.
    let mut short = report(&candidates[..2]);
    short.candidates[0].findings[0].text = String::new();
    let (st, v) =
        a.w.s
            .agent
            .raw(Method::POST, &path, Some(&clearing_body(&t, &short, agent)))
            .await
            .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["report.candidates", "report.candidates[0].findings[0].text"]
    );
    // Signed over other bytes (another summary).
    let mut body = clearing_body(&t, &good, agent);
    body["report"]["summary"] = json!("另一份结论。");
    let (st, v) =
        a.w.s
            .agent
            .raw(Method::POST, &path, Some(&body))
            .await
            .unwrap();
    assert_problem(st, &v, 422, "statement_signature_invalid");
    // The tenderer's certificate, sent by the agent.
    let body = clearing_body(&t, &good, pki().get("tenderer"));
    let (st, v) =
        a.w.s
            .agent
            .raw(Method::POST, &path, Some(&body))
            .await
            .unwrap();
    assert_problem(st, &v, 403, "certificate_subject_mismatch");
    // The committee cannot be formed before the clearing.
    let (st, v) =
        a.w.s
            .agent
            .raw(
                Method::POST,
                &format!("{}/committee", a.base()),
                Some(&json!({"appointed": [], "chair": "x"})),
            )
            .await
            .unwrap();
    assert_problem(st, &v, 409, "award_stage");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "refused clearing reports");
    assert_eq!(a.award().await["stage"], "clearing");

    let filed: Value =
        a.w.s
            .agent
            .post(&path, &clearing_body(&t, &good, agent))
            .await
            .unwrap();
    assert_eq!(filed["award_round"], 1);
    assert_eq!(
        serde_json::from_value::<ClearingReport>(filed["report"].clone()).unwrap(),
        good
    );
    let digest = hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        &clearing::statement(&t, "BD01", 1, &good),
    ));
    assert_eq!(filed["statement_sha256"], digest);
    assert_eq!(a.award().await["stage"], "committee");
    assert_eq!(a.state().await, "deciding");
    // Once: the award has moved on.
    let before = a.w.app.rows().await;
    let (st, v) =
        a.w.s
            .agent
            .raw(Method::POST, &path, Some(&clearing_body(&t, &good, agent)))
            .await
            .unwrap();
    assert_problem(st, &v, 409, "award_stage");
    a.w.app.rows().await.assert_same(&before, "a second report");
    // The filing is in the tender's chain, without the findings.
    a.w.app.rows().await;
    let trail: Value = regulator
        .get(&format!("/api/v1/audit/trail?tender_id={t}&limit=1000"))
        .await
        .unwrap();
    let filed: Vec<&Value> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "award_clearing_filed")
        .collect();
    assert_eq!(filed.len(), 1);
    let body = filed[0]["body"].to_string();
    assert!(
        body.contains(&digest) && !body.contains("土方开挖"),
        "{body}"
    );
}

#[tokio::test]
async fn an_appointed_committee_is_formed_witnessed_and_decides() {
    let a = at_committee(separated(5, 0), 8).await;
    let t = a.w.t().to_string();
    let statements = format!("{}/statements", a.base());
    let committee_path = format!("{}/committee", a.base());
    let p = &a.pool;

    // Statements: refusals first.
    let outsider = a.w.app.enrol_ident(&a.w.staff[0].1).await;
    let regulator = a.w.app.enrol("regulator").await;
    let rid = id_of(&regulator).await;
    let before = a.w.app.rows().await;
    // Someone outside the pool (a staff member of the tenderer, not admitted).
    let (st, v) = outsider
        .raw(
            Method::POST,
            &statements,
            Some(&statement_body(&t, &p[0], None, &a.w.staff[0].1)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    // Signed with another member's certificate.
    let (st, v) = p[0]
        .client
        .raw(
            Method::POST,
            &statements,
            Some(&statement_body(&t, &p[0], None, &p[1].ident)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "certificate_subject_mismatch");
    // Signed over another member's statement.
    let (st, v) = p[0]
        .client
        .raw(
            Method::POST,
            &statements,
            Some(&statement_body(&t, &p[1], None, &p[0].ident)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "statement_signature_invalid");
    // Unsigned: no signature at all.
    let mut unsigned = statement_body(&t, &p[0], None, &p[0].ident);
    unsigned["signature"] = json!("");
    let (st, v) = p[0]
        .client
        .raw(Method::POST, &statements, Some(&unsigned))
        .await
        .unwrap();
    assert_eq!(st.as_u16(), 422, "{v}");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "refused statements");

    for m in &p[..7] {
        let s: Value = m
            .client
            .post(&statements, &statement_body(&t, m, None, &m.ident))
            .await
            .unwrap();
        assert_eq!(s["person_id"], m.person.as_str());
    }
    let conflict = Conflict {
        party: "投标人甲".into(),
        reason: "近三年曾在该单位任职".into(),
    };
    let s: Value = p[7]
        .client
        .post(
            &statements,
            &statement_body(&t, &p[7], Some(conflict), &p[7].ident),
        )
        .await
        .unwrap();
    assert_eq!(s["conflict"]["party"], "投标人甲");
    let before = a.w.app.rows().await;
    let (st, v) = p[0]
        .client
        .raw(
            Method::POST,
            &statements,
            Some(&statement_body(&t, &p[0], None, &p[0].ident)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");

    // Forming: refusals.
    let persons =
        |ix: &[usize]| -> Vec<String> { ix.iter().map(|&i| p[i].person.clone()).collect() };
    let form =
        |appointed: Vec<String>, chair: &str| json!({"appointed": appointed, "chair": chair});
    let refusals: Vec<(Client, Value, u16, &str)> = vec![
        // A bidder does not form committees.
        (
            a.w.bidders[0].client.clone(),
            form(persons(&[0, 1, 2, 3, 4]), &p[0].person),
            403,
            "forbidden",
        ),
        // Four: even, too small, not the tender's five.
        (
            a.w.s.agent.clone(),
            form(persons(&[0, 1, 2, 3]), &p[0].person),
            422,
            "committee_composition_invalid",
        ),
        // Six: even, not five.
        (
            a.w.s.agent.clone(),
            form(persons(&[0, 1, 2, 3, 4, 5]), &p[0].person),
            422,
            "committee_composition_invalid",
        ),
        // A person outside the pool.
        (
            a.w.s.agent.clone(),
            form(
                vec![
                    p[0].person.clone(),
                    p[1].person.clone(),
                    p[2].person.clone(),
                    p[3].person.clone(),
                    a.w.staff[0].0.clone(),
                ],
                &p[0].person,
            ),
            422,
            "validation_failed",
        ),
        // A member who declared a conflict.
        (
            a.w.s.agent.clone(),
            form(persons(&[0, 1, 2, 3, 7]), &p[0].person),
            422,
            "validation_failed",
        ),
        // A chair who is not on it.
        (
            a.w.s.agent.clone(),
            form(persons(&[0, 1, 2, 3, 4]), &p[5].person),
            422,
            "validation_failed",
        ),
    ];
    for (c, body, status, code) in &refusals {
        let (st, v) = c
            .raw(Method::POST, &committee_path, Some(body))
            .await
            .unwrap();
        assert_problem(st, &v, *status, code);
        if *code == "committee_composition_invalid" {
            let codes: Vec<&str> = v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["code"].as_str().unwrap())
                .collect();
            assert!(codes.contains(&"award_committee_size_even"), "{v}");
            assert!(codes.contains(&"award_committee_size_mismatch"), "{v}");
        }
        if *code == "validation_failed" {
            let codes: Vec<&str> = v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["code"].as_str().unwrap())
                .collect();
            assert_eq!(codes.len(), 1, "{v}");
            assert!(
                ["not_in_pool", "conflict_declared", "not_a_member"].contains(&codes[0]),
                "{v}"
            );
        }
    }
    // Witnessing before it is formed.
    let (st, v) = regulator
        .raw(
            Method::POST,
            &format!("{committee_path}/witness"),
            Some(&signature(pki().get("regulator"), b"nothing")),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "refused committees");

    // Formed by the agent: five appointed, the second the chair.
    let c: Value =
        a.w.s
            .agent
            .post(
                &committee_path,
                &form(persons(&[0, 1, 2, 3, 4]), &p[1].person),
            )
            .await
            .unwrap();
    assert_eq!(c["members"].as_array().unwrap().len(), 5);
    assert_eq!(c["rule"], json!({"size": 5, "drawn": 0}));
    assert_eq!(c["witnessed_at"], Value::Null);
    let chairs: Vec<&Value> = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "chair")
        .collect();
    assert_eq!(chairs.len(), 1);
    assert_eq!(chairs[0]["person_id"], p[1].person.as_str());
    assert!(c["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["how"] == "appointed" && m["active"] == true));
    // Still at `committee` until witnessed; a second formation is refused.
    assert_eq!(a.award().await["stage"], "committee");
    let before = a.w.app.rows().await;
    let (st, v) =
        a.w.s
            .agent
            .raw(
                Method::POST,
                &committee_path,
                Some(&form(persons(&[0, 1, 2, 3, 4]), &p[1].person)),
            )
            .await
            .unwrap();
    assert_problem(st, &v, 409, "conflict");

    // Who sees it: parties, members, regulators; not a bidder, not a pool member off it.
    for c in [&a.w.s.agent, &p[3].client, &regulator] {
        let v: Value = c.get(&committee_path).await.unwrap();
        assert_eq!(v["roster_sha256"], c_roster(&v));
    }
    for c in [&a.w.bidders[0].client, &p[5].client] {
        let (st, v) = c.raw(Method::GET, &committee_path, None).await.unwrap();
        assert_problem(st, &v, 404, "not_found");
    }

    // The witness: only a regulator, over the roster as formed.
    let good = witness_body(&t, &c, &rid, pki().get("regulator"));
    let (st, v) =
        a.w.s
            .agent
            .raw(
                Method::POST,
                &format!("{committee_path}/witness"),
                Some(&good),
            )
            .await
            .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let mut other = c.clone();
    other["roster_sha256"] = json!(hex::encode([0u8; 32]));
    let (st, v) = regulator
        .raw(
            Method::POST,
            &format!("{committee_path}/witness"),
            Some(&witness_body(&t, &other, &rid, pki().get("regulator"))),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "statement_signature_invalid");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "refused witnesses");
    let w: Value = regulator
        .post(&format!("{committee_path}/witness"), &good)
        .await
        .unwrap();
    assert_eq!(w["witnessed_by"], rid.as_str());
    assert_eq!(a.award().await["stage"], "deciding");
    assert_eq!(a.state().await, "deciding");
    // Statements are over once the committee is formed.
    let (st, v) = p[5]
        .client
        .raw(
            Method::POST,
            &statements,
            Some(&statement_body(&t, &p[5], None, &p[5].ident)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "award_stage");
}

/// The roster digest a reader can recompute from the committee it is shown.
fn c_roster(c: &Value) -> String {
    let roster: Vec<rules::RosterEntry> = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["active"] == true)
        .map(|m| rules::RosterEntry {
            person: m["person_id"].as_str().unwrap().into(),
            role: serde_json::from_value(m["role"].clone()).unwrap(),
            how: serde_json::from_value(m["how"].clone()).unwrap(),
            statement_sha256: m["statement_sha256"].as_str().unwrap().into(),
        })
        .collect();
    let t = c["tender_id"].as_str().unwrap();
    hex::encode(rules::roster_digest(t, "BD01", 1, &roster))
}

#[tokio::test]
async fn the_deciding_helper_reaches_deciding_with_a_chair() {
    let a = deciding(7).await;
    let c: Value =
        a.w.s
            .agent
            .get(&format!("{}/committee", a.base()))
            .await
            .unwrap();
    assert_eq!(c["members"].as_array().unwrap().len(), 7);
    assert_eq!(a.state().await, "deciding");
}

/// The check-in body of pool member `m` for the award draw `d`, signed by `signer` over the
/// award pledge (or, with `evaluation_pledge`, the evaluation experts' one).
pub(crate) fn award_check_in(
    d: &Value,
    m: &PoolMember,
    signer: &Ident,
    evaluation_pledge: bool,
) -> Value {
    use etender::domain::draw::{checkin, Purpose};
    let digest: [u8; 32] = hex::decode(d["frame_digest"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let purpose = if evaluation_pledge {
        Purpose::EvaluationExperts
    } else {
        Purpose::AwardCommittee
    };
    let id = d["id"].as_str().unwrap();
    let msg = checkin::statement_for(purpose, id, &digest, &m.member, &m.person, None);
    merged(json!({"conflict": null}), signature(signer, &msg))
}

#[tokio::test]
async fn a_partly_drawn_committee_takes_its_drawn_members_from_the_witnessed_draw() {
    let mut a = at_committee(separated(7, 4), 10).await;
    let t = a.w.t().to_string();
    let draws = format!("/api/v1/tenders/{t}/sections/BD01/draws");
    let evaluation_at = a.w.app.clock_now() + chrono::Duration::hours(2);
    let request = |count: u32| {
        json!({"purpose": "award_committee", "evaluation_at": evaluation_at,
            "place": "潜江市公共资源交易中心 定标室1", "remote": false,
            "groups": [{"specialty": "pool", "count": count, "reserves": 2}]})
    };
    // The draw takes exactly the tender's drawn count, from the one pool group.
    let before = a.w.app.rows().await;
    let (st, v) =
        a.w.s
            .agent
            .raw(Method::POST, &draws, Some(&request(3)))
            .await
            .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    assert_eq!(v["errors"][0]["code"], "not_the_tenders", "{v}");
    let mut wrong = request(4);
    wrong["groups"][0]["specialty"] = json!("A080101");
    let (st, v) =
        a.w.s
            .agent
            .raw(Method::POST, &draws, Some(&wrong))
            .await
            .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "refused award draws");

    let draw: Value = a.w.s.agent.post(&draws, &request(4)).await.unwrap();
    assert_eq!(draw["purpose"], "award_committee");
    assert_eq!(draw["groups"][0]["candidates"], 10);
    let id = draw["id"].as_str().unwrap().to_string();
    let regulator = a.w.app.enrol("regulator").await;
    let rid = id_of(&regulator).await;
    regulator
        .post::<Value, _>(
            &format!("/api/v1/draws/{id}/contributions"),
            &crate::draws::contribution(&draw, [9; 32], &rid),
        )
        .await
        .unwrap();
    // Each drawn member learns its own seat, and confirms.
    let mut drawn = Vec::new();
    for (i, m) in a.pool.iter().enumerate() {
        let seats: Vec<Value> = m.client.get("/api/v1/me/draw-seats").await.unwrap();
        if seats.iter().any(|s| s["seat"] == "notified") {
            drawn.push(i);
            m.client
                .post::<Value, _>(
                    &format!("/api/v1/draws/{id}/answer"),
                    &json!({"accept": true}),
                )
                .await
                .unwrap();
        }
    }
    assert_eq!(drawn.len(), 4);
    // To the check-in window before the 定标会.
    let to = evaluation_at - chrono::Duration::minutes(30);
    a.w.app.clock.advance(to - a.w.app.clock_now());
    a.w.relogin().await;
    for m in a.pool.iter_mut() {
        m.client = a.w.app.enrol_ident(&m.ident).await;
    }
    let regulator = a.w.app.enrol("regulator").await;
    let check_in = format!("/api/v1/draws/{id}/check-in");
    let first = &a.pool[drawn[0]];
    let before = a.w.app.rows().await;
    // The evaluation experts' pledge is not the award committee's.
    let (st, v) = first
        .client
        .raw(
            Method::POST,
            &check_in,
            Some(&award_check_in(&draw, first, &first.ident, true)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "statement_signature_invalid");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "a check-in on the wrong pledge");
    for &i in &drawn {
        let m = &a.pool[i];
        let c: Value = m
            .client
            .post(&check_in, &award_check_in(&draw, m, &m.ident, false))
            .await
            .unwrap();
        assert_eq!(c["seat"], "checked_in");
    }
    // Three appointed from the rest of the pool, who sign their statements.
    let rest: Vec<usize> = (0..10).filter(|i| !drawn.contains(i)).collect();
    let statements = format!("{}/statements", a.base());
    for &i in &rest[..3] {
        let m = &a.pool[i];
        m.client
            .post::<Value, _>(&statements, &statement_body(&t, m, None, &m.ident))
            .await
            .unwrap();
    }
    // A drawn member's check-in is its statement: it signs none besides.
    let drawn_member = &a.pool[drawn[1]];
    let before = a.w.app.rows().await;
    let (st, v) = drawn_member
        .client
        .raw(
            Method::POST,
            &statements,
            Some(&statement_body(&t, drawn_member, None, &drawn_member.ident)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "a second statement");
    let path = format!("{}/committee", a.base());
    let person = |i: usize| a.pool[i].person.clone();
    // A drawn member cannot also be appointed; too few appointed breaks the mix.
    let before = a.w.app.rows().await;
    let body = json!({"appointed": [person(rest[0]), person(rest[1]), person(drawn[1])],
        "chair": person(drawn[0])});
    let (st, v) =
        a.w.s
            .agent
            .raw(Method::POST, &path, Some(&body))
            .await
            .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    assert_eq!(v["errors"][0]["code"], "drawn_member", "{v}");
    let body = json!({"appointed": [person(rest[0]), person(rest[1])], "chair": person(drawn[0])});
    let (st, v) =
        a.w.s
            .agent
            .raw(Method::POST, &path, Some(&body))
            .await
            .unwrap();
    assert_problem(st, &v, 422, "committee_composition_invalid");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "refused committees");

    let body = json!({"appointed": [person(rest[0]), person(rest[1]), person(rest[2])],
        "chair": person(drawn[0])});
    let c: Value = a.w.s.agent.post(&path, &body).await.unwrap();
    let members = c["members"].as_array().unwrap();
    assert_eq!(members.len(), 7);
    assert_eq!(c["draw_id"], id.as_str());
    let drawn_seen: Vec<&Value> = members.iter().filter(|m| m["how"] == "drawn").collect();
    assert_eq!(drawn_seen.len(), 4);
    assert!(drawn_seen
        .iter()
        .all(|m| m["draw_id"] == id.as_str() && m["draw_rank"].is_u64()));
    let chair = members.iter().find(|m| m["role"] == "chair").unwrap();
    assert_eq!(chair["person_id"], person(drawn[0]).as_str());
    assert_eq!(chair["how"], "drawn");
    let rid_body = witness_body(&t, &c, &rid, pki().get("regulator"));
    regulator
        .post::<Value, _>(&format!("{path}/witness"), &rid_body)
        .await
        .unwrap();
    assert_eq!(a.award().await["stage"], "deciding");

    // The 定标会 starts: the draw is revealed, and the verifier finds each drawn member in it.
    a.w.app.clock.advance(evaluation_at - a.w.app.clock_now());
    etender::app::draws::tick(&a.w.app.ctx).await.unwrap();
    a.w.relogin().await;
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_award_committees::AwardCommitteesReplay as R;
    let (scope, entries) = crate::award::exported_entries(&a.w).await;
    assert_eq!(R.check(&scope, &entries), Vec::<String>::new());
    let formed = entries
        .iter()
        .position(|e| e.leaf.event_type == "award_committee_formed")
        .unwrap();
    let drawn_at = entries[formed].body.as_ref().unwrap()["members"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m["how"] == "drawn")
        .unwrap();
    let mut es = entries.clone();
    let m = &mut es[formed].body.as_mut().unwrap()["members"][drawn_at];
    m["draw_rank"] = json!(m["draw_rank"].as_i64().unwrap() + 1);
    let found = R.check(&scope, &es);
    assert!(
        found.iter().any(|f| f.contains("does not hold rank")),
        "{found:?}"
    );
}

#[tokio::test]
async fn the_dossier_is_the_committees_while_it_decides_and_never_a_bidders() {
    let a = deciding(5).await;
    let path = format!("{}/dossier", a.base());
    let d: Value = a.pool[2].client.get(&path).await.unwrap();
    assert_eq!(d["award"]["method"]["kind"], "direct_vote");
    assert_eq!(d["criteria"]["prefer"], json!(["同类业绩优者"]));
    assert_eq!(
        d["clearing"]["report"]["summary"],
        "清标未发现影响定标的重大偏差。"
    );
    let candidates = d["candidates"].as_array().unwrap();
    let ids: Vec<&str> = candidates
        .iter()
        .map(|c| c["bid_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        a.candidates.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(candidates.iter().all(|c| c["price"].is_string()
        && c["bidder"].is_string()
        && c["performance_ratings"] == json!([])
        && c["credit_record"]
            == json!({"grade": "b", "graded": false, "looks_back_years": 3, "decisions": [],
                "bans": []})));
    assert_eq!(d["report"]["document"]["tender"], a.w.t());
    let regulator = a.w.app.enrol("regulator").await;
    let _: Value = regulator.get(&path).await.unwrap();
    let _: Value = a.w.s.agent.get(&path).await.unwrap();
    let before = a.w.app.rows().await;
    for c in [
        &a.w.bidders[0].client,
        &a.w.bidders[1].client,
        &a.w.app.client(),
    ] {
        let (st, v) = c.raw(Method::GET, &path, None).await.unwrap();
        assert!(
            (st == 404 && v["code"] == "not_found")
                || (st == 401 && v["code"] == "unauthenticated"),
            "{st} {v}"
        );
    }
    let (st, v) = a.w.bidders[0]
        .client
        .raw(Method::GET, &format!("{}/committee", a.base()), None)
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    a.w.app
        .rows()
        .await
        .assert_same(&before, "refused dossiers");
}

/// The regulator's export of the whole log, as the verifier's rules see it.
pub(crate) async fn whole_log(w: &World) -> Vec<etender::audit::verify::VerifiedEntry> {
    etender::audit::checkpoint_now(&w.app.ctx.db, &w.app.ctx.audit_log, "test")
        .await
        .unwrap();
    let regulator = w.app.enrol("regulator").await;
    let bundle: Value = regulator.get("/api/v1/audit/export").await.unwrap();
    let bundle: etender::audit::bundle::Bundle = serde_json::from_value(bundle).unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    etender::audit::verify::verify_bundle(
        &bundle,
        &key,
        None,
        &etender::audit::verify::default_rules(),
    )
    .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    bundle
        .entries
        .iter()
        .map(|e| etender::audit::verify::VerifiedEntry {
            leaf: etender::audit::leaf::LeafEntry::from_bytes(&b64.decode(&e.leaf).unwrap())
                .unwrap(),
            leaf_hash: [0; 32],
            body: e
                .event
                .as_ref()
                .map(|ev| serde_json::from_str(&ev.body).unwrap()),
        })
        .collect()
}

#[tokio::test]
async fn the_verifier_checks_the_award_committees_process_rules() {
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_award_committees::AwardCommitteesReplay as R;
    let a = deciding(5).await;
    let (scope, tender) = crate::award::exported_entries(&a.w).await;
    assert_eq!(R.check(&scope, &tender), Vec::<String>::new());
    let all = whole_log(&a.w).await;
    let all_scope = etender::audit::bundle::BundleScope::All;
    assert_eq!(R.check(&all_scope, &all), Vec::<String>::new());
    let at = |es: &[etender::audit::verify::VerifiedEntry], k: &str| {
        es.iter().position(|e| e.leaf.event_type == k).unwrap()
    };
    let finds = |es: Vec<etender::audit::verify::VerifiedEntry>, reason: &str| {
        let found = R.check(&all_scope, &es);
        assert!(
            found.iter().any(|f| f.contains(reason)),
            "{reason}: {found:?}"
        );
    };
    let formed = at(&all, "award_committee_formed");
    let tamper = |f: &dyn Fn(&mut Value)| {
        let mut es = all.clone();
        f(es[formed].body.as_mut().unwrap());
        es
    };
    // Four members: even, too few, the roster no longer theirs.
    finds(
        tamper(&|b| {
            b["members"].as_array_mut().unwrap().pop();
        }),
        "not odd, at least 5",
    );
    finds(
        tamper(&|b| b["roster_sha256"] = json!("00")),
        "roster digest",
    );
    finds(
        tamper(&|b| b["members"][2]["role"] = json!("chair")),
        "2 chairs",
    );
    // A statement the member never signed; a member from another pool.
    finds(
        tamper(&|b| b["members"][1]["statement_sha256"] = json!(hex::encode([1u8; 32]))),
        "states a statement it did not sign",
    );
    finds(
        tamper(&|b| b["pool"] = json!("award:other")),
        "not in the tenderer's pool",
    );
    finds(
        tamper(&|b| b["members"][3]["signature"] = json!(b["members"][4]["signature"].clone())),
        "the statement's signature",
    );
    // Formed before the 清标 report moved the award to `committee`.
    let mut es = all.clone();
    let moved = es.remove(formed);
    es.insert(at(&all, "award_clearing_filed"), moved);
    finds(es, "outside the stage committee");
    // A witness over another roster, or signed by nobody's key.
    let witnessed = at(&all, "award_committee_witnessed");
    let mut es = all.clone();
    es[witnessed].body.as_mut().unwrap()["signature"] =
        json!(base64::engine::general_purpose::STANDARD.encode([0u8; 64]));
    finds(es, "the signature");
    let mut es = all.clone();
    es[witnessed].body.as_mut().unwrap()["roster_sha256"] = json!(hex::encode([2u8; 32]));
    finds(es, "another roster");
}
