//! The committee members' evaluation sheets (issue 13 item 5): each active member signs its
//! sheet of each stage with its personal certificate; sheets stay hidden until every active
//! member's is in, are never edited, and are checked against the method; the method's second
//! stage waits for the revealed 初步评审 and judges only the bids that pass it; a member that
//! leaves has its sheets voided and its replacement evaluates afresh; a scoring reveal raises
//! the 偏离度 flags, whose members file signed reasons. Every refusal changes nothing, and the
//! offline verifier replays it all from the tender's chain.

use base64::Engine as _;
use etender::client::{Client, Credentials};
use etender::domain::evaluation::committee::LeaveReason;
use etender::domain::evaluation::lowest_price::{agreed, Applied};
use etender::domain::evaluation::preliminary::Verdict;
use etender::domain::evaluation::qualitative::{Remark, RemarkKind};
use etender::domain::evaluation::scoring::ItemScore;
use etender::domain::evaluation::sheet::{self, Sheet, SheetOf, Stage};
use reqwest::Method;
use serde_json::{json, Value};

use crate::committee::{world_with, World};
use crate::draws::{holding, seats};
use crate::helpers::assert_problem;

/// The default 初步评审 checklist of the fixture's BD01: form, two qualification lines,
/// responsiveness.
const LINES: [&str; 4] = ["F1", "Q1", "Q2", "R1"];

/// A member of the committee as a test drives it.
pub(crate) struct Member {
    pub(crate) client: Client,
    pub(crate) creds: Credentials,
    person: String,
    pub(crate) id: String,
}

/// A committee of the five drawn experts and two of the tenderer's staff, evaluating (its
/// leader elected).
async fn evaluating() -> (World, Vec<Member>) {
    let (w, m) = formed().await;
    elect(&w, &m).await;
    (w, m)
}

/// The first member is elected leader by the first four.
pub(crate) async fn elect(w: &World, m: &[Member]) {
    for x in &m[..4] {
        x.client.vote_leader(w.t(), "BD01", &m[0].id).await.unwrap();
    }
}

/// The committee formed, its leader not yet elected.
async fn formed() -> (World, Vec<Member>) {
    formed_with(None).await
}

/// [`formed`] with BD01's evaluation method and award replaced.
async fn formed_with(bd01: Option<(Value, Value)>) -> (World, Vec<Member>) {
    formed_from(world_with(5, bd01).await).await
}

/// The committee of `w`'s BD01 formed, its leader not yet elected.
pub(crate) async fn formed_from(mut w: World) -> (World, Vec<Member>) {
    w.open().await;
    w.advance_to_check_in().await;
    for i in w.drawn.clone() {
        assert_eq!(w.check_in(i).await["seat"], "checked_in");
    }
    w.advance_to_evaluation().await;
    let tenderer = w.tenderer().await;
    let reps = vec![w.staff[0].0.clone(), w.staff[1].0.clone()];
    let c = tenderer.form_committee(w.t(), "BD01", &reps).await.unwrap();
    let mut members = Vec::new();
    for m in &c.members {
        let (client, creds) = match w.experts.iter().find(|e| e.person == m.person_id) {
            Some(e) => (e.client.clone(), e.ident.credentials()),
            None => {
                let (_, ident) = w.staff.iter().find(|(p, _)| *p == m.person_id).unwrap();
                (w.app.enrol_ident(ident).await, ident.credentials())
            }
        };
        members.push(Member {
            client,
            creds,
            person: m.person_id.clone(),
            id: m.id.clone(),
        });
    }
    assert_eq!(members.len(), 7);
    (w, members)
}

fn sheets_path(w: &World) -> String {
    format!("{}/sheets", w.path())
}

/// Every line of every bid passes, except those in `fail` ((bid, line)), failed with a reason.
pub(crate) fn preliminary(bids: &[String], fail: &[(&str, &str)]) -> Sheet {
    let mut verdicts = Vec::new();
    for b in bids {
        for l in LINES {
            let failed = fail.iter().any(|(fb, fl)| fb == b && *fl == l);
            verdicts.push(Verdict {
                member: String::new(),
                bid: b.clone(),
                requirement: l.into(),
                pass: !failed,
                reason: failed.then(|| "资质证书已过有效期".to_string()),
            });
        }
    }
    Sheet::Preliminary { verdicts }
}

/// `(technical, commercial)` for each bid.
pub(crate) fn scoring(scores: &[(&str, &str, &str)]) -> Sheet {
    let mut out = Vec::new();
    for (bid, technical, commercial) in scores {
        for (item, points) in [("technical", technical), ("commercial", commercial)] {
            out.push(ItemScore {
                bid: (*bid).into(),
                criterion: item.into(),
                points: points.parse().unwrap(),
            });
        }
    }
    Sheet::Scoring { scores: out }
}

/// A submission body as the client builds it, but signed over `signed` (a bad signature when
/// it is not `sheet`) with `creds`.
async fn body(w: &World, m: &Member, sheet: &Sheet, signed: &Sheet, creds: &Credentials) -> Value {
    let c = m.client.committee(w.t(), "BD01").await.unwrap();
    let own = |s: &Sheet| {
        let mut s = s.clone();
        if let Sheet::Preliminary { verdicts } = &mut s {
            for v in verdicts {
                v.member = m.person.clone();
            }
        }
        s
    };
    let of = SheetOf {
        committee: &c.id,
        tender: w.t(),
        section: "BD01",
        member: &m.person,
    };
    let statement = sheet::statement(&of, &own(signed)).unwrap();
    let sig = creds.key.sign(creds.algorithm, &statement).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({"sheet": own(sheet), "certificate_chain": [b64.encode(&creds.chain[0])],
        "signature": b64.encode(sig), "signature_algorithm": creds.algorithm.as_str()})
}

/// A refused request, its code, and no row changed.
async fn refused(
    w: &World,
    c: &Client,
    method: Method,
    path: &str,
    body: Option<&Value>,
    status: u16,
    code: &str,
) -> Value {
    let before = w.app.rows().await;
    let (st, v) = c.raw(method, path, body).await.unwrap();
    assert_problem(st, &v, status, code);
    w.app.rows().await.assert_same(&before, code);
    v
}

fn code_of(e: etender::client::ClientError) -> String {
    e.code()
        .map(|c| c.as_str().to_string())
        .unwrap_or_else(|| format!("{e}"))
}

async fn trail(w: &World) -> Vec<Value> {
    etender::audit::sequencer::integrate_now(&w.app.ctx.db, &w.app.ctx.audit_log)
        .await
        .unwrap();
    let regulator = w.app.enrol("regulator").await;
    let t: Value = regulator
        .get(&format!(
            "/api/v1/audit/trail?tender_id={}&limit=1000",
            w.t()
        ))
        .await
        .unwrap();
    t["items"].as_array().unwrap().clone()
}

fn of_type<'a>(trail: &'a [Value], k: &str) -> Vec<&'a Value> {
    trail.iter().filter(|e| e["event_type"] == k).collect()
}

#[tokio::test]
async fn comprehensive_scoring_sheets_from_preliminary_to_deviation_reasons() {
    let (w, m) = formed().await;
    let (t, bids) = (w.t().to_string(), w.bids.clone());
    let regulator = w.app.enrol("regulator").await;

    // No sheet before the leader is elected: the committee is not evaluating yet.
    let first = preliminary(&bids, &[]);
    let b = body(&w, &m[0], &first, &first, &m[0].creds).await;
    refused(
        &w,
        &m[0].client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        409,
        "invalid_state_transition",
    )
    .await;
    elect(&w, &m).await;

    // The second stage before the first: refused, nothing kept.
    let early = scoring(&[(&bids[0], "20", "8"), (&bids[1], "20", "8")]);
    let b = body(&w, &m[0], &early, &early, &m[0].creds).await;
    refused(
        &w,
        &m[0].client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        409,
        "stage_not_open",
    )
    .await;

    // The first member's 初步评审: only the commitment goes into the log.
    let fail_third = [(bids[2].as_str(), "Q1")];
    let s0 = m[0]
        .client
        .submit_sheet(&t, "BD01", &preliminary(&bids, &fail_third), &m[0].creds)
        .await
        .unwrap();
    assert_eq!(s0.stage, Stage::Preliminary);
    assert!(s0.revealed_at.is_none());
    assert!(!s0.void);

    // Hidden until all are in: from the member itself, the others and the regulator.
    let stage = format!("{}/sheets/preliminary", w.path());
    for c in [&m[0].client, &m[1].client, &regulator] {
        refused(&w, c, Method::GET, &stage, None, 409, "sheets_hidden").await;
    }
    let mine = m[0].client.my_sheets(&t, "BD01").await.unwrap();
    assert_eq!(mine.stages, [Stage::Preliminary, Stage::Scoring]);
    assert_eq!(mine.sheets.len(), 1);
    assert_eq!(mine.sheets[0].statement_sha256, s0.statement_sha256);

    // No edits: a second sheet of the stage is refused.
    let changed = preliminary(&bids, &[]);
    let b = body(&w, &m[0], &changed, &changed, &m[0].creds).await;
    refused(
        &w,
        &m[0].client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        409,
        "conflict",
    )
    .await;

    // A signature over another sheet; another member's certificate.
    let mine1 = preliminary(&bids, &fail_third);
    let b = body(&w, &m[1], &mine1, &changed, &m[1].creds).await;
    refused(
        &w,
        &m[1].client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        422,
        "statement_signature_invalid",
    )
    .await;
    let b = body(&w, &m[1], &mine1, &mine1, &m[2].creds).await;
    refused(
        &w,
        &m[1].client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        403,
        "certificate_subject_mismatch",
    )
    .await;
    // A sheet that misses a bid, or fails a line without a reason.
    let short = preliminary(&bids[..2], &[]);
    let b = body(&w, &m[1], &short, &short, &m[1].creds).await;
    refused(
        &w,
        &m[1].client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        422,
        "sheet_incomplete",
    )
    .await;
    let mut unreasoned = preliminary(&bids, &fail_third);
    if let Sheet::Preliminary { verdicts } = &mut unreasoned {
        verdicts.iter_mut().for_each(|v| v.reason = None);
    }
    let b = body(&w, &m[1], &unreasoned, &unreasoned, &m[1].creds).await;
    refused(
        &w,
        &m[1].client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        422,
        "rejection_reason_required",
    )
    .await;

    // Not on the committee: an expert not drawn, the tenderer's staff not named, a bidder,
    // the tenderer — none learns the committee exists; anonymous is unauthenticated.
    let outsider = w
        .experts
        .iter()
        .find(|e| !m.iter().any(|x| x.person == e.person))
        .unwrap();
    let third_staff = w.app.enrol_ident(&w.staff[2].1).await;
    let tenderer = w.tenderer().await;
    let b = body(&w, &m[1], &mine1, &mine1, &m[1].creds).await;
    for c in [
        &outsider.client,
        &third_staff,
        &w.bidders[0].client,
        &tenderer,
    ] {
        refused(
            &w,
            c,
            Method::POST,
            &sheets_path(&w),
            Some(&b),
            404,
            "not_found",
        )
        .await;
        refused(&w, c, Method::GET, &stage, None, 404, "not_found").await;
        refused(
            &w,
            c,
            Method::GET,
            &format!("{}/my-sheets", w.path()),
            None,
            404,
            "not_found",
        )
        .await;
    }
    refused(
        &w,
        &w.app.client(),
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        401,
        "unauthenticated",
    )
    .await;

    // The others, the two representatives among them: four of seven fail the third bid on Q1,
    // which rejects it. The seventh sheet reveals the stage.
    for (i, x) in m.iter().enumerate().skip(1) {
        let fail: &[(&str, &str)] = if i < 4 { &fail_third } else { &[] };
        let s = x
            .client
            .submit_sheet(&t, "BD01", &preliminary(&bids, fail), &x.creds)
            .await
            .unwrap();
        assert_eq!(s.revealed_at.is_some(), i == 6, "member {i}");
    }
    let seen = m[3]
        .client
        .stage_sheets(&t, "BD01", Stage::Preliminary)
        .await
        .unwrap();
    assert_eq!(seen.sheets.len(), 7);
    assert!(seen
        .sheets
        .iter()
        .all(|s| s.revealed_at.is_some() && !s.void));
    assert_eq!(seen.bids.len(), 3);
    let by_regulator = regulator
        .stage_sheets(&t, "BD01", Stage::Preliminary)
        .await
        .unwrap();
    assert_eq!(by_regulator.sheets.len(), 7);
    // The scoring stage is still hidden: nobody has scored.
    refused(
        &w,
        &m[0].client,
        Method::GET,
        &format!("{}/sheets/scoring", w.path()),
        None,
        409,
        "sheets_hidden",
    )
    .await;
    // A stage the platform does not know, and one this method does not have.
    for other in ["bogus", "Preliminary", "qualitative"] {
        refused(
            &w,
            &m[0].client,
            Method::GET,
            &format!("{}/sheets/{other}", w.path()),
            None,
            404,
            "not_found",
        )
        .await;
    }

    // Scoring judges the two bids that passed. Out of the item's points, or a rejected bid.
    let in_play = [bids[0].as_str(), bids[1].as_str()];
    let over = scoring(&[(in_play[0], "30.01", "8"), (in_play[1], "20", "8")]);
    let b = body(&w, &m[0], &over, &over, &m[0].creds).await;
    refused(
        &w,
        &m[0].client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        422,
        "score_out_of_range",
    )
    .await;
    let rejected = scoring(&[
        (in_play[0], "20", "8"),
        (in_play[1], "20", "8"),
        (&bids[2], "20", "8"),
    ]);
    let b = body(&w, &m[0], &rejected, &rejected, &m[0].creds).await;
    refused(
        &w,
        &m[0].client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        422,
        "sheet_incomplete",
    )
    .await;

    // Everyone scores; the last member's technical score of the first bid is far below the
    // others' (10 against 25: 60 % below, beyond 30 %), and so is its sum (18 against 33).
    for (i, x) in m.iter().enumerate() {
        let technical = if i == 6 { "10" } else { "25" };
        let s = scoring(&[(in_play[0], technical, "8"), (in_play[1], "24.5", "9")]);
        x.client
            .submit_sheet(&t, "BD01", &s, &x.creds)
            .await
            .unwrap();
    }
    let scored = m[0]
        .client
        .stage_sheets(&t, "BD01", Stage::Scoring)
        .await
        .unwrap();
    assert_eq!(scored.sheets.len(), 7);
    let mut expected = in_play.map(str::to_string).to_vec();
    expected.sort();
    assert_eq!(scored.bids, expected);
    let flags = regulator.deviation_flags(&t, "BD01").await.unwrap();
    assert_eq!(flags.open, 2);
    let mut flagged: Vec<(String, String, Option<String>)> = flags
        .flags
        .iter()
        .map(|f| (f.member_id.clone(), f.bid_id.clone(), f.criterion.clone()))
        .collect();
    flagged.sort();
    let mut expected = vec![
        (
            m[6].id.clone(),
            bids[0].clone(),
            Some("technical".to_string()),
        ),
        (m[6].id.clone(), bids[0].clone(), None),
    ];
    expected.sort();
    assert_eq!(flagged, expected);
    let committee = m[0].client.committee(&t, "BD01").await.unwrap();
    let open = |w: &World| {
        let id = committee.id.clone();
        let db = w.app.ctx.db.clone();
        async move {
            db.read_primary(move |c| Ok(etender::db::repo::sheets::flags_open(c, &id)?))
                .await
                .unwrap()
        }
    };
    assert_eq!(open(&w).await, 2);

    // Only the flagged member gives the reason, signed, once.
    let f = &flags.flags[0];
    let by_other = m[0]
        .client
        .file_deviation_reason(&t, "BD01", f, "另一成员代答", &m[0].creds)
        .await
        .unwrap_err();
    assert_eq!(code_of(by_other), "forbidden");
    let filed = m[6]
        .client
        .file_deviation_reason(
            &t,
            "BD01",
            f,
            "施工组织设计未附进度计划，按评分细则扣分",
            &m[6].creds,
        )
        .await
        .unwrap();
    assert!(filed.reason.is_some());
    let again = m[6]
        .client
        .file_deviation_reason(&t, "BD01", f, "再次", &m[6].creds)
        .await
        .unwrap_err();
    assert_eq!(code_of(again), "conflict");
    assert_eq!(open(&w).await, 1);
    m[6].client
        .file_deviation_reason(&t, "BD01", &flags.flags[1], "同上", &m[6].creds)
        .await
        .unwrap();
    assert_eq!(open(&w).await, 0);
    assert_eq!(
        m[2].client.deviation_flags(&t, "BD01").await.unwrap().open,
        0
    );

    // The log: seven commitments per stage, no sheet body before the reveal; one reveal per
    // stage; the flags and the reasons.
    let trail = trail(&w).await;
    let submitted = of_type(&trail, "evaluation_sheet_submitted");
    assert_eq!(submitted.len(), 14);
    assert!(submitted.iter().all(|e| e["body"].get("body").is_none()
        && e["body"]["commitment"]
            .as_str()
            .is_some_and(|c| c.len() == 64)));
    let revealed = of_type(&trail, "evaluation_sheets_revealed");
    assert_eq!(revealed.len(), 2);
    assert_eq!(revealed[0]["body"]["sheets"].as_array().unwrap().len(), 7);
    assert_eq!(of_type(&trail, "deviation_flagged").len(), 1);
    assert_eq!(of_type(&trail, "deviation_reason_filed").len(), 2);
    verify_and_tamper(&w).await;
}

#[tokio::test]
async fn a_member_who_leaves_is_void_and_its_replacement_evaluates_afresh() {
    let (w, m) = evaluating().await;
    let (t, bids) = (w.t().to_string(), w.bids.clone());
    for x in &m {
        x.client
            .submit_sheet(&t, "BD01", &preliminary(&bids, &[]), &x.creds)
            .await
            .unwrap();
    }
    // An expert who is not the leader falls ill after the reveal.
    let gone = m
        .iter()
        .skip(1)
        .find(|x| w.experts.iter().any(|e| e.person == x.person))
        .unwrap();
    gone.client
        .leave_committee(&t, "BD01", &gone.id, LeaveReason::Ill, "突发疾病")
        .await
        .unwrap();
    let void = gone.client.my_sheets(&t, "BD01").await.unwrap();
    assert_eq!(void.sheets.len(), 1);
    assert!(void.sheets[0].void);
    // Its sheets are void; a member who left submits nothing.
    let s = scoring(&[(&bids[0], "20", "8")]);
    let b = body(&w, gone, &s, &s, &gone.creds).await;
    refused(
        &w,
        &gone.client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        403,
        "forbidden",
    )
    .await;

    // The reserve checks in and joins: 初步评审 is open again for it alone.
    let reserve = holding(&seats(&w.experts).await, "notified")[0];
    assert_eq!(w.check_in(reserve).await["seat"], "checked_in");
    let newcomer = Member {
        client: w.experts[reserve].client.clone(),
        creds: w.experts[reserve].ident.credentials(),
        person: w.experts[reserve].person.clone(),
        id: String::new(),
    };
    let all_pass = scoring(&[
        (&bids[0], "20", "8"),
        (&bids[1], "20", "8"),
        (&bids[2], "20", "8"),
    ]);
    let b = body(&w, &m[0], &all_pass, &all_pass, &m[0].creds).await;
    refused(
        &w,
        &m[0].client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        409,
        "stage_not_open",
    )
    .await;
    let stage = format!("{}/sheets/preliminary", w.path());
    refused(
        &w,
        &newcomer.client,
        Method::GET,
        &stage,
        None,
        409,
        "sheets_hidden",
    )
    .await;
    // The others still read the stage as revealed, the void sheet marked.
    let seen = m[0]
        .client
        .stage_sheets(&t, "BD01", Stage::Preliminary)
        .await
        .unwrap();
    assert_eq!(seen.sheets.iter().filter(|s| s.void).count(), 1);
    assert_eq!(seen.sheets.iter().filter(|s| !s.void).count(), 6);

    // The replacement's sheet completes the stage again: revealed again, with seven that count.
    let s = newcomer
        .client
        .submit_sheet(&t, "BD01", &preliminary(&bids, &[]), &newcomer.creds)
        .await
        .unwrap();
    assert!(s.revealed_at.is_some());
    let seen = newcomer
        .client
        .stage_sheets(&t, "BD01", Stage::Preliminary)
        .await
        .unwrap();
    assert_eq!(seen.sheets.iter().filter(|s| !s.void).count(), 7);
    // Scoring: everyone but a representative; when the tenderer names that representative
    // as leaving (not replaced), its departure completes the stage, revealed among the rest.
    let rep = m
        .iter()
        .find(|x| w.staff.iter().any(|(p, _)| *p == x.person))
        .unwrap();
    for x in m
        .iter()
        .filter(|x| x.person != gone.person && x.person != rep.person)
    {
        x.client
            .submit_sheet(&t, "BD01", &all_pass, &x.creds)
            .await
            .unwrap();
    }
    newcomer
        .client
        .submit_sheet(&t, "BD01", &all_pass, &newcomer.creds)
        .await
        .unwrap();
    refused(
        &w,
        &m[0].client,
        Method::GET,
        &format!("{}/sheets/scoring", w.path()),
        None,
        409,
        "sheets_hidden",
    )
    .await;
    w.tenderer()
        .await
        .leave_committee(&t, "BD01", &rep.id, LeaveReason::Left, "工作调动")
        .await
        .unwrap();
    let scored = m[0]
        .client
        .stage_sheets(&t, "BD01", Stage::Scoring)
        .await
        .unwrap();
    assert_eq!(scored.sheets.len(), 6);
    assert!(scored
        .sheets
        .iter()
        .all(|s| s.revealed_at.is_some() && !s.void));
    let trail = trail(&w).await;
    let revealed = of_type(&trail, "evaluation_sheets_revealed");
    assert_eq!(revealed.len(), 3);
    assert_eq!(revealed[1]["body"]["again"], true);
    assert_eq!(revealed[1]["body"]["void"], json!([gone.id]));
    assert_eq!(revealed[2]["body"]["stage"], "scoring");
    assert_eq!(revealed[2]["body"]["sheets"].as_array().unwrap().len(), 6);
    let left = of_type(&trail, "committee_member_left");
    assert_eq!(left[0]["body"]["sheets_voided"], 1);
    assert_eq!(left[1]["body"]["sheets_voided"], 1);
    verify_and_tamper(&w).await;
}

fn entry_body(es: &mut [etender::audit::verify::VerifiedEntry], i: usize) -> &mut Value {
    es[i].body.as_mut().unwrap()
}

fn applied(bid: &str, adjustment: &str, units: u32) -> Applied {
    Applied {
        bid: bid.into(),
        adjustment: adjustment.into(),
        units,
    }
}

#[tokio::test]
async fn lowest_price_adjustments_are_signed_per_member_and_agreed_by_median() {
    let method = json!({"kind": "lowest_evaluated_price", "adjustments": [
        {"code": "D1", "name": "工期每超出1天", "rule": {"kind": "per_unit", "amount": "10000",
            "max_units": 30}},
        {"code": "D2", "name": "每项非实质性偏差", "rule": {"kind": "percent_of_price",
            "percent": "0.5"}}]});
    let award = json!({"kind": "traditional", "candidates": 3});
    let (w, m) = formed_with(Some((method, award))).await;
    elect(&w, &m).await;
    let (t, bids) = (w.t().to_string(), w.bids.clone());
    for x in &m {
        x.client
            .submit_sheet(&t, "BD01", &preliminary(&bids, &[]), &x.creds)
            .await
            .unwrap();
    }
    // This method has no scoring stage; an adjustment beyond its units, or one the tender does
    // not list, is refused.
    let s = scoring(&[(&bids[0], "20", "8")]);
    let b = body(&w, &m[0], &s, &s, &m[0].creds).await;
    let v = refused(
        &w,
        &m[0].client,
        Method::POST,
        &sheets_path(&w),
        Some(&b),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["code"], "not_this_method");
    for bad in [
        applied(&bids[0], "D1", 31),
        applied(&bids[0], "D9", 1),
        applied(&bids[0], "D1", 0),
    ] {
        let s = Sheet::Adjustments { applied: vec![bad] };
        let b = body(&w, &m[0], &s, &s, &m[0].creds).await;
        refused(
            &w,
            &m[0].client,
            Method::POST,
            &sheets_path(&w),
            Some(&b),
            422,
            "adjustment_out_of_range",
        )
        .await;
    }
    refused(
        &w,
        &m[0].client,
        Method::GET,
        &format!("{}/sheets/scoring", w.path()),
        None,
        404,
        "not_found",
    )
    .await;

    // D1 on the first bid: 10, 12, 10, 30 days and three members none → median 10. D2 on the
    // second bid from three members only → median 0, not applied.
    let entered: [Vec<Applied>; 7] = [
        vec![applied(&bids[0], "D1", 10), applied(&bids[1], "D2", 1)],
        vec![applied(&bids[0], "D1", 12)],
        vec![applied(&bids[0], "D1", 10), applied(&bids[1], "D2", 1)],
        vec![applied(&bids[0], "D1", 30), applied(&bids[1], "D2", 1)],
        vec![],
        vec![],
        vec![],
    ];
    for (x, a) in m.iter().zip(&entered) {
        let s = Sheet::Adjustments { applied: a.clone() };
        x.client
            .submit_sheet(&t, "BD01", &s, &x.creds)
            .await
            .unwrap();
    }
    let seen = m[4]
        .client
        .stage_sheets(&t, "BD01", Stage::Adjustments)
        .await
        .unwrap();
    assert_eq!(seen.sheets.len(), 7);
    let members: Vec<String> = seen.sheets.iter().map(|s| s.person_id.clone()).collect();
    let sheets: Vec<(String, Vec<Applied>)> = seen
        .sheets
        .iter()
        .map(|s| match &s.sheet {
            Sheet::Adjustments { applied } => (s.person_id.clone(), applied.clone()),
            other => panic!("not an adjustments sheet: {other:?}"),
        })
        .collect();
    assert_eq!(agreed(&members, &sheets), [applied(&bids[0], "D1", 10)]);
    verify_and_tamper(&w).await;
}

fn remark(bid: &str, kind: RemarkKind, text: &str) -> Remark {
    Remark {
        member: String::new(),
        bid: bid.into(),
        kind,
        text: text.into(),
    }
}

#[tokio::test]
async fn qualitative_sheets_judge_the_qualified_bids_with_written_remarks() {
    let method = json!({"kind": "qualitative"});
    let award = json!({"kind": "separated", "candidates": 3,
        "method": {"kind": "direct_vote", "absolute_majority": true}});
    let (w, m) = formed_with(Some((method, award))).await;
    elect(&w, &m).await;
    let (t, bids) = (w.t().to_string(), w.bids.clone());
    // Four of seven find the third bid not responsive: two bids are qualified.
    let fail_third = [(bids[2].as_str(), "R1")];
    for (i, x) in m.iter().enumerate() {
        let fail: &[(&str, &str)] = if i < 4 { &fail_third } else { &[] };
        x.client
            .submit_sheet(&t, "BD01", &preliminary(&bids, fail), &x.creds)
            .await
            .unwrap();
    }
    let sheet = |remarks: Vec<Remark>, recommended: &[&String]| Sheet::Qualitative {
        remarks,
        recommended: recommended.iter().map(|b| (*b).clone()).collect(),
    };
    let good = sheet(
        vec![
            remark(
                &bids[0],
                RemarkKind::Merit,
                "施工组织设计周密，进度计划可行",
            ),
            remark(&bids[1], RemarkKind::Demerit, "安全措施较为笼统"),
        ],
        &[&bids[0], &bids[1]],
    );
    let on_rejected = sheet(
        vec![remark(&bids[2], RemarkKind::Merit, "报价合理")],
        &[&bids[0]],
    );
    let blank = sheet(vec![remark(&bids[0], RemarkKind::Merit, "  ")], &[&bids[0]]);
    let recommends_rejected = sheet(vec![], &[&bids[2]]);
    for (bad, code) in [
        (&on_rejected, "sheet_incomplete"),
        (&blank, "remark_required"),
        (&recommends_rejected, "sheet_incomplete"),
    ] {
        let own = |s: &Sheet| {
            let mut s = s.clone();
            if let Sheet::Qualitative { remarks, .. } = &mut s {
                remarks
                    .iter_mut()
                    .for_each(|r| r.member = m[0].person.clone());
            }
            s
        };
        let b = body(&w, &m[0], &own(bad), &own(bad), &m[0].creds).await;
        refused(
            &w,
            &m[0].client,
            Method::POST,
            &sheets_path(&w),
            Some(&b),
            422,
            code,
        )
        .await;
    }
    for x in &m {
        x.client
            .submit_sheet(&t, "BD01", &good, &x.creds)
            .await
            .unwrap();
    }
    let seen = m[1]
        .client
        .stage_sheets(&t, "BD01", Stage::Qualitative)
        .await
        .unwrap();
    assert_eq!(seen.sheets.len(), 7);
    let mut qualified = vec![bids[0].clone(), bids[1].clone()];
    qualified.sort();
    assert_eq!(seen.bids, qualified);
    verify_and_tamper(&w).await;
}

/// The chain verifies; each tampered copy fails the sheets rule with its own reason.
async fn verify_and_tamper(w: &World) {
    use etender::audit::verify::{Rule as _, SheetsReplay, VerifiedEntry};
    etender::audit::checkpoint_now(&w.app.ctx.db, &w.app.ctx.audit_log, "test")
        .await
        .unwrap();
    let regulator = w.app.enrol("regulator").await;
    let bundle: Value = regulator
        .get(&format!("/api/v1/audit/export?tender_id={}", w.t()))
        .await
        .unwrap();
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
    let entries: Vec<VerifiedEntry> = bundle
        .entries
        .iter()
        .map(|e| VerifiedEntry {
            leaf: etender::audit::leaf::LeafEntry::from_bytes(&b64.decode(&e.leaf).unwrap())
                .unwrap(),
            leaf_hash: [0; 32],
            body: e
                .event
                .as_ref()
                .map(|ev| serde_json::from_str(&ev.body).unwrap()),
        })
        .collect();
    let scope = etender::audit::bundle::BundleScope::Tender(w.t().to_string());
    let rule = SheetsReplay;
    assert_eq!(rule.check(&scope, &entries), Vec::<String>::new());
    let find = |es: &[VerifiedEntry], k: &str| es.iter().position(|e| e.leaf.event_type == k);
    let only = |es: Vec<VerifiedEntry>, reason: &str| {
        let found = rule.check(&scope, &es);
        assert!(
            found.iter().any(|f| f.contains(reason)),
            "{reason}: {found:?}"
        );
    };
    let revealed = find(&entries, "evaluation_sheets_revealed").unwrap();
    // A score changed after the commitment.
    let mut es = entries.clone();
    let sheet = &mut entry_body(&mut es, revealed)["sheets"][0]["body"];
    if let Some(v) = sheet["verdicts"][0].as_object_mut() {
        v.insert("pass".into(), json!(false));
        v.insert("reason".into(), json!("后改"));
    }
    only(es, "does not match the commitment");
    // A signature that is not the member's.
    let mut es = entries.clone();
    let s0 = entry_body(&mut es, revealed)["sheets"][0]["signature"].clone();
    entry_body(&mut es, revealed)["sheets"][1]["signature"] = s0;
    only(es, "the signature does not verify");
    // A sheet submitted by someone who is not on the committee.
    let mut es = entries.clone();
    let submitted = find(&es, "evaluation_sheet_submitted").unwrap();
    entry_body(&mut es, submitted)["member"] = json!("not-a-member");
    only(es, "is not an active member");
    // A second-stage sheet recorded before 初步评审 was revealed.
    let mut es = entries.clone();
    let submitted = find(&es, "evaluation_sheet_submitted").unwrap();
    let stage = entries
        .iter()
        .find(|e| {
            e.leaf.event_type == "evaluation_sheet_submitted"
                && e.body.as_ref().unwrap()["stage"] != "preliminary"
        })
        .map(|e| e.body.as_ref().unwrap()["stage"].clone())
        .unwrap();
    entry_body(&mut es, submitted)["stage"] = stage;
    only(es, "before 初步评审 is revealed");
    // A sheet, and a reveal, naming no stage of the platform's.
    let mut es = entries.clone();
    entry_body(&mut es, submitted)["stage"] = json!("Preliminary");
    only(es, "names no stage");
    let mut es = entries.clone();
    entry_body(&mut es, revealed)["stage"] = json!("final");
    only(es, "sheets revealed for no stage");
    // A stage revealed without one active member's sheet.
    let mut es = entries.clone();
    entry_body(&mut es, revealed)["sheets"]
        .as_array_mut()
        .unwrap()
        .pop();
    only(es, "revealed without the sheet of active member");
    // A member that left, revealed as counting.
    if let Some(left) = find(&entries, "committee_member_left") {
        let again = entries
            .iter()
            .rposition(|e| e.leaf.event_type == "evaluation_sheets_revealed")
            .unwrap();
        let gone = entries[left].body.as_ref().unwrap()["member"].clone();
        let first = entries[revealed].body.as_ref().unwrap()["sheets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["member"] == gone)
            .unwrap()
            .clone();
        let mut es = entries.clone();
        entry_body(&mut es, again)["sheets"]
            .as_array_mut()
            .unwrap()
            .push(first);
        only(es, "who left, is revealed as counting");
    }
}
