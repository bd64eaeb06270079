//! Administrative-penalty cases (行政处罚, issue 15): from the clue to 结案 through the API, two
//! officers on every piece of evidence, the party's own defence and hearing request, the limits
//! at their boundaries by the test clock, the side exits, the bans a served decision puts in
//! force (the bidding stage refuses the USCC; the draw skips the expert), the public credit list,
//! and the verifier catching a tampered or reordered case record.

use chrono::{DateTime, Utc};
use etender::domain::identity::Role;
use reqwest::{Method, StatusCode as Status};
use serde_json::{json, Value};

use crate::fixtures::id_of;
use crate::helpers::{assert_problem, extra_person, pki, Ident, TestApp};

const ZJJ: &str = "429005-zjj";
const JTJ: &str = "429005-jtj";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// 10:00 Shanghai on Monday 7 December 2026.
const MONDAY: &str = "2026-12-07T02:00:00Z";

/// The people of a case: three officers of 住建局 (two investigate, one chairs hearings), an
/// officer of 交通局, a regulator in no department, the bidder and an expert.
struct World {
    app: TestApp,
    b: Ident,
    chair: Ident,
    jtj: Ident,
    loose: Ident,
    a_id: String,
    b_id: String,
    chair_id: String,
    uscc: String,
}

impl World {
    async fn a(&self) -> etender::client::Client {
        self.app.enrol("regulator").await
    }
    async fn b(&self) -> etender::client::Client {
        self.app.enrol_ident(&self.b).await
    }
    async fn chair(&self) -> etender::client::Client {
        self.app.enrol_ident(&self.chair).await
    }
    async fn jtj(&self) -> etender::client::Client {
        self.app.enrol_ident(&self.jtj).await
    }
    async fn loose(&self) -> etender::client::Client {
        self.app.enrol_ident(&self.loose).await
    }
    async fn bidder(&self) -> etender::client::Client {
        self.app.enrol("bidder").await
    }
    async fn expert(&self) -> etender::client::Client {
        self.app.enrol("expert").await
    }

    /// Move the clock (sessions expire as it moves: each call above logs in afresh).
    fn at(&self, s: &str) {
        self.app.clock.set(t(s));
    }

    /// `who` takes `act` on `case`: status and body.
    async fn act(&self, who: &etender::client::Client, case: &str, act: Value) -> (Status, Value) {
        let (st, v) = who
            .raw(
                Method::POST,
                &format!("/api/v1/cases/{case}/acts"),
                Some(&act),
            )
            .await
            .unwrap();
        (st, v)
    }

    async fn ok(&self, who: &etender::client::Client, case: &str, act: Value) -> Value {
        let (st, v) = self.act(who, case, act).await;
        assert_eq!(st, 200, "{v}");
        v
    }

    async fn party(
        &self,
        who: &etender::client::Client,
        case: &str,
        act: Value,
    ) -> (Status, Value) {
        let (st, v) = who
            .raw(
                Method::POST,
                &format!("/api/v1/cases/{case}/party"),
                Some(&act),
            )
            .await
            .unwrap();
        (st, v)
    }

    /// `who` adds `bytes` as evidence naming `second`.
    async fn evidence(
        &self,
        who: &etender::client::Client,
        case: &str,
        second: &str,
        bytes: &[u8],
    ) -> Result<etender::wire::cases::Case, etender::client::ClientError> {
        who.add_case_evidence(
            case,
            etender::wire::cases::EvidenceKind::ElectronicData,
            "投标文件机器码比对记录",
            "machine-codes.csv",
            second,
            bytes.to_vec(),
        )
        .await
    }

    /// A clue against the bidder, put on file by officer A.
    async fn clue(&self) -> String {
        let a = self.a().await;
        let (st, v) = a
            .raw(Method::POST, "/api/v1/cases", Some(&self.clue_body()))
            .await
            .unwrap();
        assert_eq!(st, 201, "{v}");
        v["id"].as_str().unwrap().to_string()
    }

    fn clue_body(&self) -> Value {
        json!({"source": {"kind": "inspection", "id": "潜住建检〔2026〕12号"},
            "party": {"kind": "organisation", "uscc": self.uscc, "name": "某建设集团有限公司"},
            "summary": "两家投标人的投标文件由同一台电脑编制", "occurred_on": "2026-11-20"})
    }

    /// A case against the bidder taken to 告知 with `penalties`.
    async fn notified(&self, penalties: Value) -> String {
        let case = self.reviewed().await;
        let a = self.a().await;
        self.ok(&a, &case, notice(penalties)).await;
        case
    }

    /// A case against the bidder investigated by A and B and reviewed.
    async fn reviewed(&self) -> String {
        let case = self.clue().await;
        let a = self.a().await;
        self.ok(&a, &case, json!({"act": "register"})).await;
        let c = self
            .evidence(&a, &case, &self.b_id, b"a,b\n1,1\n")
            .await
            .unwrap();
        let b = self.b().await;
        let act = json!({"act": "confirm_evidence", "evidence": c.evidence[0].id});
        self.ok(&b, &case, act).await;
        let review =
            json!({"act": "review", "opinion": "事实清楚，证据确凿", "legal_review": true});
        self.ok(&a, &case, review).await;
        case
    }
}

fn notice(penalties: Value) -> Value {
    json!({"act": "notify", "facts": "两家投标人的投标文件机器码一致",
        "legal_basis": "招标投标法实施条例第67条", "penalties": penalties})
}

fn decision(no: &str, penalties: Value) -> Value {
    json!({"act": "decide", "decision_no": no, "facts": "两家投标人的投标文件机器码一致，构成串通投标",
        "legal_basis": "招标投标法实施条例第67条", "penalties": penalties,
        "performance": "自收到本决定书之日起十五日内缴至指定银行"})
}

async fn department(admin: &etender::client::Client, code: &str, name: &str) {
    let (st, v) = admin
        .raw(
            Method::PUT,
            &format!("/api/v1/departments/{code}"),
            Some(&json!({"name": name, "kinds": ["房屋建筑和市政基础设施工程"]})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
}

async fn officer(admin: &etender::client::Client, dep: &str, person: &str, cert: &str) {
    let (st, v) = admin
        .raw(
            Method::PUT,
            &format!("/api/v1/departments/{dep}/officers/{person}"),
            Some(&json!({"certificate_no": cert, "specialty": "招标投标监督"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
}

async fn world_at(start: &str, tweak: impl FnOnce(&mut etender::config::Settings)) -> World {
    let app = TestApp::spawn_at(t(start), tweak).await;
    let admin = app.enrol("admin").await;
    department(&admin, ZJJ, "潜江市住房和城乡建设局").await;
    department(&admin, JTJ, "潜江市交通运输局").await;
    let b = extra_person(5801, "officer-b", vec![Role::Regulator]);
    let chair = extra_person(5802, "officer-chair", vec![Role::Regulator]);
    let jtj = extra_person(5803, "officer-jtj", vec![Role::Regulator]);
    let loose = extra_person(5804, "no-department", vec![Role::Regulator]);
    let a_id = id_of(&app.enrol("regulator").await).await;
    let b_id = id_of(&app.enrol_ident(&b).await).await;
    let chair_id = id_of(&app.enrol_ident(&chair).await).await;
    let jtj_id = id_of(&app.enrol_ident(&jtj).await).await;
    app.enrol_ident(&loose).await;
    officer(&admin, ZJJ, &a_id, "鄂执 420001").await;
    officer(&admin, ZJJ, &b_id, "鄂执 420002").await;
    officer(&admin, ZJJ, &chair_id, "鄂执 420003").await;
    officer(&admin, JTJ, &jtj_id, "鄂执 420004").await;
    app.enrol("bidder").await;
    app.enrol("expert").await;
    World {
        uscc: pki().get("bidder").key.clone(),
        app,
        b,
        chair,
        jtj,
        loose,
        a_id,
        b_id,
        chair_id,
    }
}

async fn world() -> World {
    world_at(MONDAY, |_| {}).await
}

#[tokio::test]
async fn a_case_from_clue_to_closure_bans_the_bidder_from_the_day_of_service() {
    let w = world().await;
    let s = crate::fixtures::published_tender(&w.app, 40).await;
    let (a, b, bidder, expert) = (w.a().await, w.b().await, w.bidder().await, w.expert().await);

    // Clues refused: wrong roles, no department, bad input, an unknown source. Nothing written.
    let (loose, jtj) = (w.loose().await, w.jtj().await);
    let before = w.app.rows().await;
    let (st, v) = bidder
        .raw(Method::POST, "/api/v1/cases", Some(&w.clue_body()))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let (st, v) = loose
        .raw(Method::POST, "/api/v1/cases", Some(&w.clue_body()))
        .await
        .unwrap();
    assert_problem(st, &v, 403, "other_department");
    for (field, path, value) in [
        ("party.uscc", "/party/uscc", json!("91420000000000000X")),
        (
            "source.id",
            "/source",
            json!({"kind": "collusion_signal", "id": "t/BD01/1"}),
        ),
        (
            "source.id",
            "/source",
            json!({"kind": "deviation_alert", "id": "nope"}),
        ),
        ("occurred_on", "/occurred_on", json!("2026-12-08")),
        ("summary", "/summary", json!(" ")),
        (
            "party",
            "/party",
            json!({"kind": "organisation", "uscc": w.uscc, "person_id": "x",
            "name": "某公司"}),
        ),
    ] {
        let mut bad = w.clue_body();
        *bad.pointer_mut(path).unwrap() = value;
        let (st, v) = a
            .raw(Method::POST, "/api/v1/cases", Some(&bad))
            .await
            .unwrap();
        assert_problem(st, &v, 422, "validation_failed");
        assert!(v["errors"].to_string().contains(field), "{field}: {v}");
    }
    w.app.rows().await.assert_same(&before, "refused clues");

    let case = w.clue().await;
    let path = format!("/api/v1/cases/{case}");
    // Its officers and its party read it; another department is told whose it is; anyone else
    // learns nothing.
    let c = a.case(&case).await.unwrap();
    assert_eq!(serde_json::to_value(c.state).unwrap(), "clue");
    assert_eq!(c.department, ZJJ);
    bidder.case(&case).await.unwrap();
    let (st, v) = jtj.raw(Method::GET, &path, None).await.unwrap();
    assert_problem(st, &v, 403, "other_department");
    let (st, v) = expert.raw(Method::GET, &path, None).await.unwrap();
    assert_problem(st, &v, 404, "not_found");

    // 立案: only by its own department; the 90 days start.
    let before = w.app.rows().await;
    let (st, v) = w.act(&jtj, &case, json!({"act": "register"})).await;
    assert_problem(st, &v, 403, "other_department");
    let (st, v) = w.act(&bidder, &case, json!({"act": "register"})).await;
    assert_problem(st, &v, 403, "forbidden");
    let (st, v) = w
        .act(
            &a,
            &case,
            json!({"act": "review", "opinion": "x",
        "legal_review": false}),
        )
        .await;
    assert_problem(st, &v, 409, "invalid_state_transition");
    w.app
        .rows()
        .await
        .assert_same(&before, "refused acts on a clue");
    let c = w.ok(&a, &case, json!({"act": "register"})).await;
    assert_eq!(c["decision_due"], "2027-03-07T16:00:00Z", "{c}");

    // 调查取证: no review without evidence; evidence needs a second officer of the department.
    let before = w.app.rows().await;
    let review = json!({"act": "review", "opinion": "事实清楚", "legal_review": true});
    let (st, v) = w.act(&a, &case, review.clone()).await;
    assert_problem(st, &v, 422, "rule_violation");
    assert!(v["errors"].to_string().contains("no_evidence"), "{v}");
    let jtj_id = id_of(&jtj).await;
    for second in [w.a_id.as_str(), jtj_id.as_str(), "nobody"] {
        let err = w.evidence(&a, &case, second, b"x").await.unwrap_err();
        assert!(
            format!("{err:?}").contains("not_a_second_officer"),
            "{err:?}"
        );
    }
    w.app.rows().await.assert_same(&before, "refused evidence");
    let bytes = b"bidder,machine_code\nA,5C-3A-11\nB,5C-3A-11\n";
    let c = w.evidence(&a, &case, &w.b_id, bytes).await.unwrap();
    let ev = c.evidence[0].clone();
    assert_eq!(ev.sha256, etender::audit::sha256_hex(bytes));
    assert_eq!(
        (ev.added_by.as_str(), ev.second_officer.as_str()),
        (w.a_id.as_str(), w.b_id.as_str())
    );
    let confirm = json!({"act": "confirm_evidence", "evidence": ev.id});
    let before = w.app.rows().await;
    let (st, v) = w.act(&a, &case, review.clone()).await;
    assert_problem(st, &v, 422, "rule_violation");
    assert!(
        v["errors"].to_string().contains("evidence_unconfirmed"),
        "{v}"
    );
    let (st, v) = w.act(&a, &case, confirm.clone()).await;
    assert_problem(st, &v, 403, "forbidden");
    w.app
        .rows()
        .await
        .assert_same(&before, "an unconfirmed review, a self-confirmation");
    w.ok(&b, &case, confirm.clone()).await;
    let (st, v) = w.act(&b, &case, confirm).await;
    assert_problem(st, &v, 409, "invalid_state_transition");
    // The party cannot defend itself before it is told anything.
    let (st, v) = w
        .party(&bidder, &case, json!({"act": "defend", "statement": "x"}))
        .await;
    assert_problem(st, &v, 409, "invalid_state_transition");
    w.ok(&a, &case, review).await;
    let err = w.evidence(&a, &case, &w.b_id, b"late").await.unwrap_err();
    assert!(
        format!("{err:?}").contains("invalid_state_transition"),
        "{err:?}"
    );

    // 告知: a bidding ban and a large fine give the right to a hearing.
    let (st, v) = w
        .act(
            &a,
            &case,
            notice(json!([{"kind": "expert_disqualification"}])),
        )
        .await;
    assert_problem(st, &v, 422, "validation_failed");
    let penalties = json!([{"kind": "fine", "amount": "200000"},
        {"kind": "bidding_ban", "years": 1}]);
    let c = w.ok(&a, &case, notice(penalties)).await;
    assert_eq!(c["notice"]["hearing_rights"], true, "{c}");
    assert_eq!(c["notice"]["reply_due"], "2026-12-14T16:00:00Z", "{c}");
    // No decision while the party's period runs.
    let (st, v) = w
        .act(
            &a,
            &case,
            decision("潜住建罚〔2026〕1号", json!([{"kind": "warning"}])),
        )
        .await;
    assert_problem(st, &v, 409, "deadline_not_reached");

    // The party itself defends and asks for a hearing; nobody else can.
    let defend = json!({"act": "defend", "statement": "机器码一致系同一外包编制单位所致，非串通"});
    let (st, v) = w.party(&expert, &case, defend.clone()).await;
    assert_problem(st, &v, 404, "not_found");
    let (st, v) = w.party(&a, &case, defend.clone()).await;
    assert_problem(st, &v, 404, "not_found");
    let c = bidder
        .case_party_act(&case, &serde_json::from_value(defend.clone()).unwrap())
        .await
        .unwrap();
    assert!(c.defence.is_some());
    let (st, v) = w.party(&bidder, &case, defend).await;
    assert_problem(st, &v, 409, "invalid_state_transition");
    let (st, v) = w
        .party(&bidder, &case, json!({"act": "request_hearing"}))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "hearing_requested");

    // The hearing: 7 working days' notice (Tue 8 … Wed 16 December), chaired by a non-investigator.
    let earliest = "2026-12-16T16:00:00Z";
    let before = w.app.rows().await;
    let schedule = |at: &str, chair: &str| {
        let place = "局三楼听证室";
        json!({"act": "schedule_hearing", "at": at, "place": place, "chair": chair})
    };
    let (st, v) = w.act(&a, &case, schedule(earliest, &w.b_id)).await;
    assert_problem(st, &v, 422, "validation_failed");
    assert!(v["errors"].to_string().contains("not_a_chair"), "{v}");
    let (st, v) = w
        .act(&a, &case, schedule("2026-12-16T15:59:59Z", &w.chair_id))
        .await;
    assert_problem(st, &v, 422, "rule_violation");
    assert!(
        v["errors"].to_string().contains("hearing_notice_too_short"),
        "{v}"
    );
    w.app
        .rows()
        .await
        .assert_same(&before, "refused hearing dates and chairs");
    w.ok(&a, &case, schedule(earliest, &w.chair_id)).await;
    let hold = json!({"act": "hold_hearing", "attended": true, "record": "当事人到场陈述申辩"});
    w.at("2026-12-16T15:59:59Z");
    let (st, v) = w.act(&w.chair().await, &case, hold.clone()).await;
    assert_problem(st, &v, 409, "deadline_not_reached");
    w.at(earliest);
    let (st, v) = w.act(&w.a().await, &case, hold.clone()).await;
    assert_problem(st, &v, 403, "forbidden");
    w.ok(&w.chair().await, &case, hold).await;

    // 决定: never heavier than the notice (行政处罚法45), with every field of 59.
    let a = w.a().await;
    let before = w.app.rows().await;
    let heavier =
        json!([{"kind": "fine", "amount": "200000.01"}, {"kind": "bidding_ban", "years": 1}]);
    let (st, v) = w
        .act(&a, &case, decision("潜住建罚〔2026〕1号", heavier))
        .await;
    assert_problem(st, &v, 422, "rule_violation");
    assert!(
        v["errors"].to_string().contains("heavier_than_notified"),
        "{v}"
    );
    let longer = json!([{"kind": "bidding_ban", "years": 2}]);
    let (st, v) = w
        .act(&a, &case, decision("潜住建罚〔2026〕1号", longer))
        .await;
    assert_problem(st, &v, 422, "rule_violation");
    w.app.rows().await.assert_same(&before, "heavier decisions");
    let decided =
        json!([{"kind": "fine", "amount": "150000"}, {"kind": "bidding_ban", "years": 1}]);
    let c = w
        .ok(&a, &case, decision("潜住建罚〔2026〕1号", decided))
        .await;
    let d = &c["decision"];
    assert_eq!(d["party"]["uscc"], w.uscc.as_str(), "{d}");
    assert_eq!(d["evidence"][0]["sha256"], ev.sha256.as_str(), "{d}");
    assert_eq!(d["authority"]["name"], "潜江市住房和城乡建设局", "{d}");
    assert_eq!(d["remedies"]["review_days"], 60, "{d}");
    assert_eq!(d["remedies"]["litigation_months"], 6, "{d}");
    assert_eq!(d["decided_on"], "2026-12-17", "{d}");
    // Serve within 7 working days: Fri 18 … Mon 28 December.
    assert_eq!(c["serve_due"], "2026-12-28T16:00:00Z", "{c}");

    // Decided but not served: the bidder still registers for a section.
    w.bidder()
        .await
        .my_bond_account(&s.tender, "BD01")
        .await
        .unwrap();
    let c = w
        .ok(&a, &case, json!({"act": "serve", "method": "直接送达"}))
        .await;
    assert_eq!(c["served_late"], false, "{c}");
    assert_eq!(c["payment_last_day"], "2027-01-01", "{c}");
    // Served: the ban is in force on the public list, and the bidding stage refuses the USCC.
    let bans: Value = w
        .app
        .client()
        .get(&format!("/api/v1/bidding-bans?uscc={}", w.uscc))
        .await
        .unwrap();
    assert_eq!(bans[0]["decision_no"], "潜住建罚〔2026〕1号", "{bans}");
    assert_eq!(bans[0]["first_day"], "2026-12-17", "{bans}");
    assert_eq!(bans[0]["last_day"], "2027-12-16", "{bans}");
    let bidder = w.bidder().await;
    let before = w.app.rows().await;
    let err = bidder.my_bond_account(&s.tender, "BD01").await.unwrap_err();
    assert!(format!("{err:?}").contains("bidding_banned"), "{err:?}");
    w.app
        .rows()
        .await
        .assert_same(&before, "a banned bidder's registration");
    let list = w.app.client().credit_list(None).await.unwrap();
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].decision_no, "潜住建罚〔2026〕1号");
    assert_eq!(list.items[0].uscc.as_deref(), Some(w.uscc.as_str()));
    // Narrowed to a USCC: the party's decision, nobody else's; a code that is none is refused.
    let public = w.app.client();
    let mine = public.credit_list_of(Some(&w.uscc), None).await.unwrap();
    assert_eq!(mine.items.len(), 1);
    let other = pki().get("bidder-sm2").key.clone();
    assert_ne!(other, w.uscc);
    let theirs = public.credit_list_of(Some(&other), None).await.unwrap();
    assert!(theirs.items.is_empty(), "{:?}", theirs.items);
    let (st, v) = public
        .raw(
            Method::GET,
            "/api/v1/credit-list?uscc=91420000000000000X",
            None,
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    assert!(v["errors"].to_string().contains("uscc"), "{v}");
    // The award dossier's credit record of the party (`support::credit`): the decision and the
    // ban it served; another organisation has neither.
    use etender::clock::Clock as _;
    let record = |uscc: String| {
        let now = w.app.clock.now();
        w.app
            .ctx
            .db
            .read(move |c| etender::app::support::credit::record_of(c, &uscc, now))
    };
    let mine = record(w.uscc.clone()).await.unwrap();
    assert_eq!((mine.decisions.len(), mine.bans.len()), (1, 1), "{mine:?}");
    assert_eq!(mine.decisions[0].decision_no, "潜住建罚〔2026〕1号");
    assert_eq!(mine.bans[0].decision_no, "潜住建罚〔2026〕1号");
    let theirs = record(other).await.unwrap();
    assert!(theirs.decisions.is_empty() && theirs.bans.is_empty());

    w.ok(
        &a,
        &case,
        json!({"act": "execute", "record": "罚款已于2026-12-20缴至指定银行"}),
    )
    .await;
    let c = w.ok(&a, &case, json!({"act": "close"})).await;
    assert_eq!(c["state"], "closed");
    let (st, v) = w.act(&a, &case, json!({"act": "close"})).await;
    assert_problem(st, &v, 409, "invalid_state_transition");

    // The case's record verifies offline, and a tampered copy does not.
    tampering_is_caught(&w, &case).await;
}

/// The case's audit export verified with every rule, then copies changed one way each.
async fn tampering_is_caught(w: &World, case: &str) {
    use base64::Engine as _;
    use etender::audit::verify::{Rule as _, VerifiedEntry};
    use etender::audit::verify_cases::CasesReplay;
    etender::audit::checkpoint_now(&w.app.ctx.db, &w.app.ctx.audit_log, "test")
        .await
        .unwrap();
    let bundle: Value = w
        .a()
        .await
        .get(&format!("/api/v1/audit/export?subject={case}"))
        .await
        .unwrap();
    let bundle: etender::audit::bundle::Bundle = serde_json::from_value(bundle).unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    let rules = etender::audit::verify::default_rules();
    etender::audit::verify::verify_bundle(&bundle, &key, None, &rules).unwrap();
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
    let scope = bundle.scope.clone();
    assert_eq!(CasesReplay.check(&scope, &entries), Vec::<String>::new());
    let kinds: Vec<&str> = entries.iter().map(|e| e.leaf.event_type.as_str()).collect();
    assert!(kinds.contains(&"case_decided"), "{kinds:?}");
    let at = |k: &str| entries.iter().position(|e| e.leaf.event_type == k).unwrap();
    let only = |es: Vec<VerifiedEntry>, reason: &str| {
        let found = CasesReplay.check(&scope, &es);
        assert!(
            found.iter().any(|f| f.contains(reason)),
            "{reason}: {found:?}"
        );
    };
    // Reviewed before the second officer confirmed.
    let mut es = entries.clone();
    let moved = es.remove(at("case_reviewed"));
    es.insert(at("case_evidence_confirmed"), moved);
    only(es, "no second officer confirmed");
    // Confirmed by the officer who added it.
    let mut es = entries.clone();
    let i = at("case_evidence_confirmed");
    es[i].leaf.actor_id = w.a_id.clone();
    only(es, "other than its second officer");
    // A decision heavier than the notice.
    let mut es = entries.clone();
    let i = at("case_decided");
    es[i].body.as_mut().unwrap()["penalties"] =
        json!([{"kind": "fine", "amount": "250000"}, {"kind": "bidding_ban", "years": 1}]);
    only(es, "heavier than the notice");
    // No notice at all: the decision cannot follow.
    let mut es = entries.clone();
    es.remove(at("case_penalty_notified"));
    only(es, "cannot follow");
    // The hearing asked for after the party's period.
    let mut es = entries.clone();
    let i = at("case_hearing_requested");
    es[i].leaf.occurred_at = "2026-12-15T00:00:00.000000Z".into();
    only(es, "after the party's period");
    // A hearing the notice gave no right to.
    let mut es = entries.clone();
    let i = at("case_penalty_notified");
    es[i].body.as_mut().unwrap()["hearing_rights"] = json!(false);
    only(es, "gives no right to");
    // The hearing recorded by an investigator instead of its chair.
    let mut es = entries.clone();
    let i = at("case_hearing_held");
    es[i].leaf.actor_id = w.b_id.clone();
    only(es, "other than the chair");
    // A party step taken by someone else.
    let mut es = entries.clone();
    let i = at("case_defence_submitted");
    es[i].leaf.actor_id = w.b_id.clone();
    only(es, "someone other than the party");
    // A party step taken by an officer.
    let mut es = entries.clone();
    let i = at("case_defence_submitted");
    es[i].leaf.actor_role = "regulator".into();
    only(es, "was taken by a regulator");
}

#[tokio::test]
async fn the_partys_five_working_days_and_the_seven_to_serve_at_their_boundaries() {
    let w = world().await;
    // A warning and a small fine: no hearing right. A large fine: a hearing right.
    let small = w
        .notified(json!([{"kind": "warning"}, {"kind": "fine", "amount": "5000"}]))
        .await;
    let large = w
        .notified(json!([{"kind": "fine", "amount": "100000"}]))
        .await;
    let third = w.notified(json!([{"kind": "warning"}])).await;
    let bidder = w.bidder().await;
    let before = w.app.rows().await;
    let (st, v) = w
        .party(&bidder, &small, json!({"act": "request_hearing"}))
        .await;
    assert_problem(st, &v, 422, "rule_violation");
    assert!(v["errors"].to_string().contains("no_hearing_right"), "{v}");
    w.app
        .rows()
        .await
        .assert_same(&before, "a hearing without the right");

    // The last second of the 5th working day (Mon 14 December, Shanghai): in time.
    w.at("2026-12-14T15:59:59Z");
    let bidder = w.bidder().await;
    let a = w.a().await;
    let (st, v) = w
        .act(
            &a,
            &small,
            decision("潜住建罚〔2026〕2号", json!([{"kind": "warning"}])),
        )
        .await;
    assert_problem(st, &v, 409, "deadline_not_reached");
    let (st, v) = w
        .party(
            &bidder,
            &small,
            json!({"act": "defend", "statement": "初次违法"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");

    // From 00:00 Shanghai on Tue 15 December: too late for the party, in time to decide.
    w.at("2026-12-14T16:00:00Z");
    let (bidder, a) = (w.bidder().await, w.a().await);
    let before = w.app.rows().await;
    let (st, v) = w
        .party(&bidder, &large, json!({"act": "request_hearing"}))
        .await;
    assert_problem(st, &v, 409, "deadline_passed");
    let (st, v) = w
        .party(&bidder, &large, json!({"act": "defend", "statement": "x"}))
        .await;
    assert_problem(st, &v, 409, "deadline_passed");
    w.app
        .rows()
        .await
        .assert_same(&before, "a late defence and hearing request");
    // The defence counted: a warning only, lighter than the notice.
    let c = w
        .ok(
            &a,
            &small,
            decision("潜住建罚〔2026〕2号", json!([{"kind": "warning"}])),
        )
        .await;
    // Decided Tue 15 December: served by Thu 24 December (7 working days).
    assert_eq!(c["serve_due"], "2026-12-24T16:00:00Z", "{c}");
    let c = w
        .ok(
            &a,
            &large,
            decision(
                "潜住建罚〔2026〕3号",
                json!([{"kind": "fine", "amount": "100000"}]),
            ),
        )
        .await;
    assert_eq!(c["serve_due"], "2026-12-24T16:00:00Z", "{c}");
    // A decision number is unique.
    let before = w.app.rows().await;
    let (st, v) = w
        .act(
            &a,
            &third,
            decision("潜住建罚〔2026〕3号", json!([{"kind": "warning"}])),
        )
        .await;
    assert_problem(st, &v, 422, "validation_failed");
    assert!(v["errors"].to_string().contains("taken"), "{v}");
    w.app
        .rows()
        .await
        .assert_same(&before, "a decision number used twice");

    w.at("2026-12-24T15:59:59Z");
    let a = w.a().await;
    let c = w
        .ok(&a, &large, json!({"act": "serve", "method": "邮寄送达"}))
        .await;
    assert_eq!(c["served_late"], false, "{c}");
    w.at("2026-12-24T16:00:00Z");
    let a = w.a().await;
    let c = w
        .ok(
            &a,
            &small,
            json!({"act": "serve", "method": "电子送达（当事人同意）"}),
        )
        .await;
    assert_eq!(c["served_late"], true, "{c}");
    // A warning and a fine bar nobody from bidding.
    let bans: Value = w.app.client().get("/api/v1/bidding-bans").await.unwrap();
    assert_eq!(bans, json!([]));
    let list = w.app.client().credit_list(None).await.unwrap();
    assert_eq!(list.items.len(), 2, "{:?}", list.items);
    // One query a page, whatever its size; small pages give the big one.
    use etender::app::cases::credit_list;
    use etender::db::queries::counted;
    let (first, n) = counted(credit_list(&w.app.ctx, None, None, Some(1))).await;
    let first = first.unwrap();
    assert!(n <= 1, "credit list page of 1: {n} queries");
    let (second, n) = counted(credit_list(&w.app.ctx, None, first.next.clone(), Some(200))).await;
    let second = second.unwrap();
    assert!(n <= 1, "credit list page of 200: {n} queries");
    assert_eq!(second.next, None);
    let paged: Vec<String> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|e| e.case_id.clone())
        .collect();
    let whole: Vec<String> = list.items.iter().map(|e| e.case_id.clone()).collect();
    assert_eq!(paged, whole);

    // A notice on Mon 28 December: its 5 working days reach into 2027, which the calendar lacks.
    let fourth = w.reviewed().await;
    w.at("2026-12-28T02:00:00Z");
    let a = w.a().await;
    let before = w.app.rows().await;
    let (st, v) = w
        .act(&a, &fourth, notice(json!([{"kind": "warning"}])))
        .await;
    assert_problem(st, &v, 409, "calendar_not_covered");
    w.app
        .rows()
        .await
        .assert_same(&before, "a notice whose limit is not covered");
}

/// The test's own copy of a 2027 notice (the real one is not yet published): 元旦 only.
fn calendar_2027(dir: &std::path::Path) -> std::path::PathBuf {
    let file = dir.join("2027.json");
    std::fs::write(
        &file,
        r#"{"years": [{"year": 2027, "notice": "test copy of a 2027 notice",
            "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}],
            "working_weekends": []}]}"#,
    )
    .unwrap();
    file
}

#[tokio::test]
async fn ninety_days_to_decide_unless_extended_before_they_end() {
    let dir = tempfile::tempdir().unwrap();
    let file = calendar_2027(dir.path());
    let w = world_at(MONDAY, |s| s.calendar.files = vec![file.clone()]).await;
    let fine = json!([{"kind": "fine", "amount": "8000"}]);
    let (on_time, late, extended) = (
        w.notified(fine.clone()).await,
        w.notified(fine.clone()).await,
        w.notified(fine.clone()).await,
    );
    let a = w.a().await;
    let c = w
        .act(
            &a,
            &late,
            json!({"act": "extend", "days": 0, "reason": "案情复杂"}),
        )
        .await;
    assert_problem(c.0, &c.1, 422, "validation_failed");

    // Registered Mon 7 December 2026: the 90th day is Sun 7 March 2027.
    w.at("2027-03-07T15:59:59Z");
    let a = w.a().await;
    w.ok(&a, &on_time, decision("潜住建罚〔2027〕1号", fine.clone()))
        .await;
    let c = w
        .ok(
            &a,
            &extended,
            json!({"act": "extend", "days": 10,
        "reason": "经局长批准：需补充鉴定意见"}),
        )
        .await;
    assert_eq!(c["decision_due"], "2027-03-17T16:00:00Z", "{c}");
    assert_eq!(c["extended_days"], 10, "{c}");

    w.at("2027-03-07T16:00:00Z");
    let a = w.a().await;
    // The department's list: the one neither decided nor extended is overdue; a page at a time.
    let list: Value = a.get("/api/v1/cases?open=true").await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    let overdue: Vec<&str> = items
        .iter()
        .filter(|x| x["overdue"] == true)
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(overdue, [late.as_str()], "{list}");
    let first: Value = a.get("/api/v1/cases?limit=1").await.unwrap();
    let next = first["next"].as_str().unwrap().to_string();
    let second: Value = a
        .get(&format!("/api/v1/cases?limit=1&after={next}"))
        .await
        .unwrap();
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
    let bidder = w.app.enrol("bidder").await;
    let (st, v) = bidder
        .raw(Method::GET, "/api/v1/cases", None)
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let before = w.app.rows().await;
    let (st, v) = w
        .act(&a, &late, decision("潜住建罚〔2027〕2号", fine.clone()))
        .await;
    assert_problem(st, &v, 409, "deadline_passed");
    let (st, v) = w
        .act(
            &a,
            &late,
            json!({"act": "extend", "days": 10, "reason": "补批"}),
        )
        .await;
    assert_problem(st, &v, 409, "deadline_passed");
    w.app
        .rows()
        .await
        .assert_same(&before, "a late decision and a late extension");
    w.ok(&a, &extended, decision("潜住建罚〔2027〕3号", fine))
        .await;
    // The late case can still end: the facts no longer support a penalty.
    let c = w
        .ok(
            &a,
            &late,
            json!({"act": "no_penalty", "reason": "超过办案期限，依法不予处罚"}),
        )
        .await;
    assert_eq!(c["state"], "no_penalty");
}

#[tokio::test]
async fn side_exits_and_the_limitation_end_a_case() {
    let w = world().await;
    let a = w.a().await;
    // An act of more than two years ago is not punished: not filed, the clue is declined.
    let mut old = w.clue_body();
    old["occurred_on"] = json!("2024-12-06");
    let (st, v) = a
        .raw(Method::POST, "/api/v1/cases", Some(&old))
        .await
        .unwrap();
    assert_eq!(st, 201, "{v}");
    let stale = v["id"].as_str().unwrap().to_string();
    let before = w.app.rows().await;
    let (st, v) = w.act(&a, &stale, json!({"act": "register"})).await;
    assert_problem(st, &v, 422, "rule_violation");
    assert!(
        v["errors"].to_string().contains("limitation_expired"),
        "{v}"
    );
    w.app
        .rows()
        .await
        .assert_same(&before, "a case past its limitation");
    let c = w
        .ok(
            &a,
            &stale,
            json!({"act": "decline", "reason": "超过两年追责时效"}),
        )
        .await;
    assert_eq!(c["state"], "not_registered");
    // Five years where the act was grave.
    old["occurred_on"] = json!("2022-12-06");
    old["grave"] = json!(true);
    let (_, v) = a
        .raw(Method::POST, "/api/v1/cases", Some(&old))
        .await
        .unwrap();
    let grave = v["id"].as_str().unwrap().to_string();
    w.ok(&a, &grave, json!({"act": "register"})).await;
    w.ok(
        &a,
        &grave,
        json!({"act": "withdraw", "reason": "当事人主体已注销"}),
    )
    .await;

    let transferred = w.clue().await;
    w.ok(&a, &transferred, json!({"act": "register"})).await;
    let c = w
        .ok(
            &a,
            &transferred,
            json!({"act": "transfer", "to": "潜江市公安局",
        "reason": "涉嫌串通投标罪"}),
        )
        .await;
    assert_eq!(c["state"], "transferred");
    assert_eq!(c["outcome"], "潜江市公安局: 涉嫌串通投标罪");
    let reviewed = w.reviewed().await;
    w.ok(
        &a,
        &reviewed,
        json!({"act": "no_penalty", "reason": "违法行为轻微并及时改正"}),
    )
    .await;

    // Nothing follows an exit.
    let before = w.app.rows().await;
    for case in [&stale, &grave, &transferred, &reviewed] {
        for act in [
            json!({"act": "register"}),
            json!({"act": "withdraw", "reason": "x"}),
            json!({"act": "close"}),
        ] {
            let (st, v) = w.act(&a, case, act).await;
            assert_problem(st, &v, 409, "invalid_state_transition");
        }
    }
    w.app
        .rows()
        .await
        .assert_same(&before, "acts after an exit");
    let list = w.app.client().credit_list(None).await.unwrap();
    assert!(list.items.is_empty());
}

#[tokio::test]
async fn an_expert_banned_by_a_decision_is_drawn_no_more() {
    let w = world().await;
    let admin = w.app.enrol("admin").await;
    let expert = w.expert().await;
    let me = id_of(&expert).await;
    let admission = json!({"person_id": me, "region": "429005", "employer": "潜江市建筑设计院",
        "department": null, "title": "高级工程师", "senior_title": true, "practice_years": 15,
        "specialties": ["A080101"], "phone": "13800138000", "email": "expert@example.cn",
        "avoid_units": []});
    let (st, m) = admin
        .raw(Method::POST, "/api/v1/experts", Some(&admission))
        .await
        .unwrap();
    assert_eq!(st, 201, "{m}");
    let member = m["id"].as_str().unwrap().to_string();
    let a = w.a().await;
    let clue = json!({"source": {"kind": "expert_misconduct", "id": member},
        "party": {"kind": "expert", "person_id": me, "name": "某专家"},
        "summary": "评标中私下接触投标人", "occurred_on": "2026-12-01"});
    // The party of an expert's misconduct is that expert.
    let mut other = clue.clone();
    other["party"]["person_id"] = json!(w.b_id);
    let (st, v) = a
        .raw(Method::POST, "/api/v1/cases", Some(&other))
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    let case = a
        .open_case(&serde_json::from_value(clue).unwrap())
        .await
        .unwrap()
        .id;
    w.ok(&a, &case, json!({"act": "register"})).await;
    let c = w.evidence(&a, &case, &w.b_id, b"record").await.unwrap();
    let b = w.b().await;
    w.ok(
        &b,
        &case,
        json!({"act": "confirm_evidence", "evidence": c.evidence[0].id}),
    )
    .await;
    w.ok(
        &a,
        &case,
        json!({"act": "review", "opinion": "属实", "legal_review": false}),
    )
    .await;
    // A bidding ban is not an expert's penalty.
    let (st, v) = w
        .act(
            &a,
            &case,
            notice(json!([{"kind": "bidding_ban", "years": 1}])),
        )
        .await;
    assert_problem(st, &v, 422, "validation_failed");
    let penalties = json!([{"kind": "expert_suspension", "months": 12}]);
    w.ok(&a, &case, notice(penalties.clone())).await;
    // The expert itself defends (a person, not an organisation).
    let (st, v) = w
        .party(
            &expert,
            &case,
            json!({"act": "defend", "statement": "系偶遇"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    w.at("2026-12-15T02:00:00Z");
    let a = w.a().await;
    w.ok(&a, &case, decision("潜住建罚〔2026〕9号", penalties))
        .await;
    let c = w
        .ok(&a, &case, json!({"act": "serve", "method": "直接送达"}))
        .await;
    assert_eq!(c["state"], "served");
    let m: Value = w
        .a()
        .await
        .get(&format!("/api/v1/experts/{member}"))
        .await
        .unwrap();
    assert_eq!(m["status"], "suspended", "{m}");
    let list = w.app.client().credit_list(None).await.unwrap();
    assert_eq!(list.items[0].uscc, None);
    assert_eq!(list.items[0].name, "某专家");
}
