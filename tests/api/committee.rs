//! The evaluation committee (issue 13 item 2): formed per section by the tenderer or its agent
//! from the draw's checked-in experts and the tenderer's representatives once the tender is
//! evaluating (招标投标法37: at least 5, odd, experts at least two thirds — refused with the rule
//! named); its members elect a leader by strict majority; the active members read the opened
//! bids while it evaluates and nobody else does; a member who leaves is replaced by the draw's
//! next reserve, who joins when it checks in (条例48). Refusals change nothing.

use chrono::{DateTime, Duration, Utc};
use etender::client::bids::SealedBidFiles;
use etender::client::Client;
use etender::domain::evaluation::committee::LeaveReason;
use reqwest::Method;
use serde_json::{json, Value};

use crate::bids::{deadline_of, record_bonds, Bidder, BIDDERS};
use crate::draws::{
    check_in_body, contribution, holding, library, relogin, request, seats, tenderer_uscc, Expert,
};
use crate::fixtures::{id_of, published_tender, Setup};
use crate::helpers::{assert_problem, extra_person, TestApp};

/// The document every bid carries as part 1 (as `Bidder::seal` writes it).
const DOC_LEN: usize = 1000;

pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) s: Setup,
    pub(crate) experts: Vec<Expert>,
    pub(crate) draw: Value,
    pub(crate) evaluation_at: DateTime<Utc>,
    /// The drawn (seated) experts, by index into `experts`.
    pub(crate) drawn: Vec<usize>,
    pub(crate) bidders: Vec<Bidder>,
    /// Opened bids of BD01.
    pub(crate) bids: Vec<String>,
    /// Persons on the tenderer's staff: (person id, its client).
    pub(crate) staff: Vec<(String, crate::helpers::Ident)>,
    /// A person on nobody's staff.
    pub(crate) stranger: String,
    /// The bids as sealed, until the opening.
    pub(crate) sealed: Vec<SealedBidFiles>,
}

impl World {
    pub(crate) fn t(&self) -> &str {
        &self.s.tender
    }

    pub(crate) fn path(&self) -> String {
        format!("/api/v1/tenders/{}/sections/BD01/committee", self.t())
    }

    pub(crate) fn draw_id(&self) -> &str {
        self.draw["id"].as_str().unwrap()
    }

    pub(crate) async fn check_in(&self, i: usize) -> Value {
        let e = &self.experts[i];
        e.client
            .post(
                &format!("/api/v1/draws/{}/check-in", self.draw_id()),
                &check_in_body(&self.draw, e, None, &e.ident),
            )
            .await
            .unwrap()
    }

    pub(crate) async fn relogin(&mut self) {
        relogin(&self.app, &mut self.experts).await;
        for b in self.bidders.iter_mut() {
            b.relogin(&self.app).await;
        }
        self.s.agent = self.app.enrol("agent").await;
    }

    /// The index into `experts` of the member with person id `person`.
    pub(crate) fn expert_of(&self, person: &Value) -> usize {
        self.experts
            .iter()
            .position(|e| person == e.person.as_str())
            .unwrap()
    }
}

/// A published tender whose BD01 evaluation experts (`count` drawn, 2 reserves) are drawn and
/// have confirmed, three sealed bids on BD01, and three persons on the tenderer's staff.
pub(crate) async fn world(count: u32) -> World {
    world_with(count, None).await
}

/// [`world`] with BD01's `evaluation` and `award` replaced before the tender is published.
pub(crate) async fn world_with(count: u32, bd01: Option<(Value, Value)>) -> World {
    world_full(count, bd01, PRICES, None).await
}

/// [`world`] on a tender supervised by `department` (code, name), created here, whose officer
/// is the `regulator` that contributes to the draw.
pub(crate) async fn world_supervised(count: u32, department: (&str, &str)) -> World {
    world_full(count, None, PRICES, Some(department)).await
}

/// The three bids' prices of [`world`].
pub(crate) const PRICES: [&str; 3] = ["9100000.00", "9200000.00", "9300000.00"];

/// [`world`] with the three bids at `prices`.
pub(crate) async fn world_priced(count: u32, prices: [&str; 3]) -> World {
    world_full(count, None, prices, None).await
}

async fn world_full(
    count: u32,
    bd01: Option<(Value, Value)>,
    prices: [&str; 3],
    department: Option<(&str, &str)>,
) -> World {
    world_on(
        TestApp::spawn().await,
        count,
        bd01,
        prices,
        department,
        None,
    )
    .await
}

/// [`world`] on `app` (e.g. one pointed at a licence registry), BD01 requiring `licences`
/// (`licence_requirements`) when given.
pub(crate) async fn world_on(
    app: TestApp,
    count: u32,
    bd01: Option<(Value, Value)>,
    prices: [&str; 3],
    department: Option<(&str, &str)>,
    licences: Option<Value>,
) -> World {
    if let Some((code, name)) = department {
        let admin = app.enrol("admin").await;
        let regulator = app.enrol("regulator").await;
        for (path, body) in [
            (
                format!("/api/v1/departments/{code}"),
                json!({"name": name, "kinds": ["房屋建筑和市政基础设施工程"]}),
            ),
            (
                format!(
                    "/api/v1/departments/{code}/officers/{}",
                    id_of(&regulator).await
                ),
                json!({"certificate_no": "鄂执 420199", "specialty": "招标投标监督"}),
            ),
        ] {
            let (st, v) = admin.raw(Method::PUT, &path, Some(&body)).await.unwrap();
            assert_eq!(st, 200, "{v}");
        }
    }
    let s = match (bd01, department, licences) {
        (None, None, None) => published_tender(&app, 30).await,
        (bd01, department, licences) => {
            let s = crate::fixtures::draft_tender(&app, 30).await;
            let mut d = crate::fixtures::draft(app.clock_now(), 30, &s.custodians);
            if let Some(l) = licences {
                d["sections"][0]["licence_requirements"] = l;
            }
            if let Some((evaluation, award)) = bd01 {
                d["sections"][0]["evaluation"] = evaluation;
                let mut award = award;
                // The section's award terms ride along with the award mode (award_publicity
                // tests).
                if let Some(terms) = award.as_object_mut().and_then(|o| o.remove("award_terms")) {
                    d["sections"][0]["award_terms"] = terms;
                }
                // So do the section's contract terms (contracts tests).
                if let Some(terms) = award.as_object_mut().and_then(|o| o.remove("contract")) {
                    d["sections"][0]["contract"] = terms;
                }
                // And the shortfall rule (a section that fails at its evaluation).
                if let Some(rule) = award.as_object_mut().and_then(|o| o.remove("shortfall")) {
                    d["sections"][0]["shortfall"] = rule;
                }
                d["sections"][0]["award"] = award;
            }
            if let Some((code, _)) = department {
                d["supervising_department"] = json!(code);
            }
            let (st, v) = s
                .agent
                .raw(
                    Method::PUT,
                    &format!("/api/v1/tenders/{}", s.tender),
                    Some(&json!({"draft": d})),
                )
                .await
                .unwrap();
            assert_eq!(st, 200, "{v}");
            let (st, v) = crate::fixtures::publish(&app, &s).await;
            assert_eq!(st, 200, "{v}");
            s
        }
    };
    let avoid = tenderer_uscc(&app).await;
    let experts = library(&app, 12, &avoid).await;
    let regulator = app.enrol("regulator").await;
    let regulator_id = id_of(&regulator).await;
    let draw: Value = s
        .agent
        .post(
            &format!("/api/v1/tenders/{}/sections/BD01/draws", s.tender),
            &request(&app, count, 2),
        )
        .await
        .unwrap();
    let evaluation_at: DateTime<Utc> =
        serde_json::from_value(draw["evaluation_at"].clone()).unwrap();
    let id = draw["id"].as_str().unwrap().to_string();
    regulator
        .post::<Value, _>(
            &format!("/api/v1/draws/{id}/contributions"),
            &contribution(&draw, [7; 32], &regulator_id),
        )
        .await
        .unwrap();
    let drawn = holding(&seats(&experts).await, "notified");
    assert_eq!(drawn.len(), count as usize);
    for &i in &drawn {
        experts[i]
            .client
            .post::<Value, _>(
                &format!("/api/v1/draws/{id}/answer"),
                &json!({"accept": true}),
            )
            .await
            .unwrap();
    }
    let mut bidders = Vec::new();
    for l in &BIDDERS[..3] {
        bidders.push(Bidder::enrol(&app, l).await);
    }
    let refs: Vec<&Bidder> = bidders.iter().collect();
    record_bonds(&app, &s.tender, "BD01", "200000.00", &refs).await;
    let mut sealed = Vec::new();
    for (b, price) in bidders.iter().zip(prices) {
        let files = b.seal(&s.tender, "BD01", price, DOC_LEN).await;
        b.submit(&s.tender, "BD01", &files).await;
        sealed.push(files);
    }
    let tenderer = app.enrol("tenderer").await;
    let tenderer_id = id_of(&tenderer).await;
    let mut staff = Vec::new();
    for i in 0..3 {
        let ident = extra_person(6100 + i, &format!("rep-{i}"), vec![]);
        let c = app.enrol_ident(&ident).await;
        let pid = id_of(&c).await;
        let (st, v) = tenderer
            .raw(
                Method::POST,
                &format!("/api/v1/organisations/{tenderer_id}/staff"),
                Some(&json!({"person_id": pid})),
            )
            .await
            .unwrap();
        assert!(st.is_success(), "invite: {v}");
        c.accept_staff(&tenderer_id, &pid).await.unwrap();
        staff.push((pid, ident));
    }
    let stranger = id_of(
        &app.enrol_ident(&extra_person(6199, "stranger", vec![]))
            .await,
    )
    .await;
    let mut w = World {
        app,
        s,
        experts,
        draw,
        evaluation_at,
        drawn,
        bidders,
        bids: Vec::new(),
        staff,
        stranger,
        sealed,
    };
    w.relogin().await;
    w
}

impl World {
    /// The deadline passes, every bidder releases its keys, the ceremony closes: the tender is
    /// evaluating.
    pub(crate) async fn open(&mut self) {
        let sealed = std::mem::take(&mut self.sealed);
        let deadline = deadline_of(&self.app, self.t()).await;
        self.app.clock.set(deadline);
        self.relogin().await;
        etender::worker::deadline_tick(&self.app.ctx).await.unwrap();
        etender::app::opening::tick(&self.app.ctx).await.unwrap();
        let t = self.t().to_string();
        for (b, files) in self.bidders.iter().zip(&sealed) {
            b.client
                .release_deks(
                    &t,
                    "BD01",
                    &files.manifest,
                    &b.envelope,
                    &crate::helpers::pki().get(b.label).credentials(),
                )
                .await
                .unwrap();
        }
        for _ in 0..12 {
            let tender: Value = self
                .app
                .client()
                .get(&format!("/api/v1/tenders/{t}"))
                .await
                .unwrap();
            if tender["state"] == "evaluating" {
                break;
            }
            self.app.clock.advance(Duration::minutes(31));
            etender::worker::deadline_tick(&self.app.ctx).await.unwrap();
        }
        self.relogin().await;
        let tender: Value = self
            .app
            .client()
            .get(&format!("/api/v1/tenders/{t}"))
            .await
            .unwrap();
        assert_eq!(tender["state"], "evaluating", "{tender}");
        let opening = self.bidders[0].client.opening(&t, "BD01").await.unwrap();
        self.bids = opening.bids.iter().map(|b| b.bid_id.clone()).collect();
        assert_eq!(self.bids.len(), 3);
    }

    /// To the check-in window (30 minutes before the evaluation).
    pub(crate) async fn advance_to_check_in(&mut self) {
        let to = self.evaluation_at - Duration::minutes(30);
        self.app.clock.advance(to - self.app.clock_now());
        self.relogin().await;
    }

    /// The evaluation starts: the draw is revealed.
    pub(crate) async fn advance_to_evaluation(&mut self) {
        self.app
            .clock
            .advance(self.evaluation_at - self.app.clock_now());
        etender::app::draws::tick(&self.app.ctx).await.unwrap();
        self.relogin().await;
    }

    pub(crate) async fn tenderer(&self) -> Client {
        self.app.enrol("tenderer").await
    }
}

fn document() -> Vec<u8> {
    (0..DOC_LEN).map(|i| (i * 31 % 251) as u8).collect()
}

async fn read(c: &Client, w: &World, bid: &str) -> Result<Vec<u8>, String> {
    let mut got = Vec::new();
    c.save_opened_part(w.t(), "BD01", bid, 1, &mut got)
        .await
        .map(|_| got)
        .map_err(|e| e.code().map(|c| c.as_str().to_string()).unwrap_or_default())
}

pub(crate) fn member_of(c: &Value, person: &str) -> Value {
    c["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["person_id"] == person)
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn a_committee_is_formed_elects_its_leader_reads_and_replaces_a_member() {
    let mut w = world(5).await;
    w.open().await;
    w.advance_to_check_in().await;
    for i in w.drawn.clone() {
        assert_eq!(w.check_in(i).await["seat"], "checked_in");
    }
    w.advance_to_evaluation().await;
    let (st, v) = w.s.agent.raw(Method::GET, &w.path(), None).await.unwrap();
    assert_problem(st, &v, 404, "not_found");

    // The tenderer forms it: the five checked-in experts and two of its staff.
    let tenderer = w.tenderer().await;
    let reps = vec![w.staff[0].0.clone(), w.staff[1].0.clone()];
    let c = tenderer.form_committee(w.t(), "BD01", &reps).await.unwrap();
    assert_eq!(c.members.len(), 7);
    assert_eq!(serde_json::to_value(c.state).unwrap(), "forming");
    assert_eq!(c.leader, None);
    let c = serde_json::to_value(&c).unwrap();
    let kinds: Vec<&str> = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "expert").count(), 5);
    assert_eq!(kinds.iter().filter(|k| **k == "representative").count(), 2);

    // Parties, members and regulators see it; a bidder and an expert not on it do not.
    let regulator = w.app.enrol("regulator").await;
    let member = |i: usize| member_of(&c, &w.experts[w.drawn[i]].person);
    let seen: Value = regulator.get(&w.path()).await.unwrap();
    assert_eq!(seen["id"], c["id"]);
    let seen: Value = w.experts[w.drawn[0]].client.get(&w.path()).await.unwrap();
    assert_eq!(seen["members"].as_array().unwrap().len(), 7);
    let outsider = &w.experts[3..]
        .iter()
        .find(|e| !w.drawn.iter().any(|&d| w.experts[d].person == e.person))
        .unwrap()
        .client;
    for c in [&w.bidders[0].client, outsider] {
        let (st, v) = c.raw(Method::GET, &w.path(), None).await.unwrap();
        assert_problem(st, &v, 404, "not_found");
    }

    // Before a leader is elected nobody on the committee reads.
    let bid = w.bids[0].clone();
    assert_eq!(
        read(&w.experts[w.drawn[0]].client, &w, &bid).await,
        Err("forbidden".into())
    );

    // Votes: one member changes its vote; 3 of 7 is no majority, the 4th elects.
    let a = member(1)["id"].as_str().unwrap().to_string();
    let leader = member(2)["id"].as_str().unwrap().to_string();
    let voter = |i: usize| &w.experts[w.drawn[i]].client;
    voter(0).vote_leader(w.t(), "BD01", &a).await.unwrap();
    let after = voter(0).vote_leader(w.t(), "BD01", &leader).await.unwrap();
    assert_eq!(after.votes_cast, 1);
    voter(1).vote_leader(w.t(), "BD01", &leader).await.unwrap();
    let c3 = voter(2).vote_leader(w.t(), "BD01", &leader).await.unwrap();
    assert_eq!(c3.leader, None, "3 of 7 is not a majority");
    let c4 = voter(3).vote_leader(w.t(), "BD01", &leader).await.unwrap();
    assert_eq!(c4.leader.as_deref(), Some(leader.as_str()));
    assert_eq!(serde_json::to_value(c4.state).unwrap(), "evaluating");
    // After the election further votes are refused, and change nothing.
    let before = w.app.rows().await;
    let (st, v) = voter(4)
        .raw(
            Method::POST,
            &format!("{}/leader-votes", w.path()),
            Some(&json!({"member_id": a})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    w.app
        .rows()
        .await
        .assert_same(&before, "a vote after the election");

    // Active members read the opened bids; nobody else does.
    assert_eq!(read(voter(0), &w, &bid).await, Ok(document()));
    let rep = w.app.enrol_ident(&w.staff[0].1).await;
    assert_eq!(read(&rep, &w, &bid).await, Ok(document()));
    // …and the section's collusion signals (collusion::… plants and checks them).
    for c in [voter(0), &rep] {
        let seen = c.collusion_signals(w.t(), "BD01").await.unwrap();
        assert_eq!(seen.bids_compared, 3);
    }
    let third = w.app.enrol_ident(&w.staff[2].1).await;
    let before = w.app.rows().await;
    for (who, c) in [
        ("an expert not on it", outsider),
        ("a bidder", &w.bidders[1].client),
        ("the tenderer", &tenderer),
        ("the agent", &w.s.agent),
    ] {
        assert_eq!(read(c, &w, &bid).await, Err("forbidden".into()), "{who}");
    }
    assert_eq!(
        read(&third, &w, &bid).await,
        Err("forbidden".into()),
        "staff not on the committee"
    );
    let signals = etender::client::collusion::signals_path(w.t(), "BD01");
    for c in [outsider, &third, &tenderer, &w.bidders[1].client] {
        let (st, v) = c.raw(Method::GET, &signals, None).await.unwrap();
        assert_problem(st, &v, 403, "forbidden");
    }
    w.app.rows().await.assert_same(&before, "refused reads");

    // The leader falls ill: it leaves, its seat goes to the first reserve, the leader is
    // cleared and the votes with it; it reads nothing any more.
    let leader_person = member(2)["person_id"].clone();
    let leader_client = &w.experts[w.drawn[2]].client;
    let gone = leader_client
        .leave_committee(w.t(), "BD01", &leader, LeaveReason::Ill, "突发疾病住院")
        .await
        .unwrap();
    assert_eq!(gone.leader, None);
    assert_eq!(serde_json::to_value(gone.state).unwrap(), "forming");
    assert_eq!(gone.votes_cast, 0);
    assert_eq!(gone.members.iter().filter(|m| m.active).count(), 6);
    assert_eq!(read(leader_client, &w, &bid).await, Err("forbidden".into()));
    let seats_now = seats(&w.experts).await;
    let reserve = holding(&seats_now, "notified");
    assert_eq!(reserve.len(), 1, "one reserve called");
    let reserve = reserve[0];
    let left_seat = seats_now[w.expert_of(&leader_person)]
        .iter()
        .find(|s| s["draw_id"] == w.draw_id())
        .unwrap()
        .clone();
    assert_eq!(left_seat["seat"], "left");
    // Twice is refused.
    let before = w.app.rows().await;
    let (st, v) = leader_client
        .raw(
            Method::POST,
            &format!("{}/members/{leader}/leave", w.path()),
            Some(&json!({"reason": "ill", "note": "再次"})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    w.app.rows().await.assert_same(&before, "leaving twice");

    // The reserve checks in, signing the commitment, and so joins in the leader's place.
    assert_eq!(w.check_in(reserve).await["seat"], "checked_in");
    let c: Value = regulator.get(&w.path()).await.unwrap();
    let joined = member_of(&c, &w.experts[reserve].person);
    assert_eq!(joined["active"], true);
    let old = member_of(&c, leader_person.as_str().unwrap());
    assert_eq!(old["active"], false);
    assert_eq!(old["left_reason"], "ill");
    assert!(old["left_at"].is_string());
    assert_eq!(old["replaced_by"], joined["id"]);

    // A new election; the newcomer reads.
    let new_leader = joined["id"].as_str().unwrap().to_string();
    for i in [0, 1, 3] {
        voter(i)
            .vote_leader(w.t(), "BD01", &new_leader)
            .await
            .unwrap();
    }
    let elected = w.experts[reserve]
        .client
        .vote_leader(w.t(), "BD01", &new_leader)
        .await
        .unwrap();
    assert_eq!(elected.leader.as_deref(), Some(new_leader.as_str()));
    assert_eq!(
        read(&w.experts[reserve].client, &w, &bid).await,
        Ok(document())
    );

    // The tenderer names a representative who leaves: no reserve for a representative.
    let rep_member = member_of(&c, &w.staff[1].0)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let after = tenderer
        .leave_committee(w.t(), "BD01", &rep_member, LeaveReason::Left, "工作调动")
        .await
        .unwrap();
    assert_eq!(after.members.iter().filter(|m| m.active).count(), 6);
    assert_eq!(after.leader.as_deref(), Some(new_leader.as_str()));

    // The tender's chain: every step, and the verifier's rules all hold.
    etender::audit::checkpoint_now(&w.app.ctx.db, &w.app.ctx.audit_log, "test")
        .await
        .unwrap();
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
    tampered_sequences_fail(&bundle, w.t(), &leader);
    let trail: Value = regulator
        .get(&format!(
            "/api/v1/audit/trail?tender_id={}&limit=1000",
            w.t()
        ))
        .await
        .unwrap();
    let count = |k: &str| {
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event_type"] == k)
            .count()
    };
    assert_eq!(count("committee_formed"), 1);
    assert_eq!(count("committee_leader_voted"), 9);
    assert_eq!(count("committee_leader_elected"), 2);
    assert_eq!(count("committee_member_left"), 2);
    assert_eq!(count("committee_member_joined"), 1);
    let reads = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "bid_part_read" && e["actor_role"] == "committee_member")
        .count();
    assert_eq!(reads, 3);
    let replaced: Vec<&Value> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "draw_seat_replaced")
        .collect();
    assert_eq!(replaced.len(), 1);
    assert_eq!(replaced[0]["body"]["reason"], "left");
    assert_eq!(replaced[0]["body"]["called_rank"], 5);
}

#[tokio::test]
async fn committee_refusals_name_the_rule_and_change_nothing() {
    let mut w = world(5).await;
    let form = |reps: Value| json!({"representatives": reps});
    let refused = |st: reqwest::StatusCode, v: &Value, status: u16, code: &str| {
        assert_problem(st, v, status, code);
    };

    // Before the opening: the tender is not evaluating.
    let before = w.app.rows().await;
    let (st, v) =
        w.s.agent
            .raw(Method::POST, &w.path(), Some(&form(json!([]))))
            .await
            .unwrap();
    refused(st, &v, 409, "invalid_state_transition");
    assert!(v["detail"].as_str().unwrap().contains("evaluating"), "{v}");
    w.app
        .rows()
        .await
        .assert_same(&before, "formed before the opening");

    // Opened, but the draw is not revealed.
    w.open().await;
    w.advance_to_check_in().await;
    let (last, first) = w.drawn.split_last().unwrap();
    for &i in first {
        w.check_in(i).await;
    }
    let tenderer = w.tenderer().await;
    let before = w.app.rows().await;
    let (st, v) = tenderer
        .raw(Method::POST, &w.path(), Some(&form(json!([]))))
        .await
        .unwrap();
    refused(st, &v, 409, "invalid_state_transition");
    assert!(v["detail"].as_str().unwrap().contains("revealed"), "{v}");
    w.app
        .rows()
        .await
        .assert_same(&before, "formed before the reveal");

    // Revealed, but one seat has not checked in.
    let last = *last;
    w.advance_to_evaluation().await;
    let tenderer = w.tenderer().await;
    let before = w.app.rows().await;
    let (st, v) = tenderer
        .raw(Method::POST, &w.path(), Some(&form(json!([]))))
        .await
        .unwrap();
    refused(st, &v, 409, "invalid_state_transition");
    assert!(v["detail"].as_str().unwrap().contains("checked in"), "{v}");
    w.app.rows().await.assert_same(&before, "formed incomplete");
    assert_eq!(w.check_in(last).await["seat"], "checked_in");

    // Wrong roles.
    let regulator = w.app.enrol("regulator").await;
    let before = w.app.rows().await;
    for (c, status, code) in [
        (&w.bidders[0].client, 403, "forbidden"),
        (&w.experts[w.drawn[0]].client, 403, "forbidden"),
        (&regulator, 403, "forbidden"),
        (&w.app.client(), 401, "unauthenticated"),
    ] {
        let (st, v) = c
            .raw(Method::POST, &w.path(), Some(&form(json!([]))))
            .await
            .unwrap();
        refused(st, &v, status, code);
    }
    w.app
        .rows()
        .await
        .assert_same(&before, "formed by the wrong role");

    // Bad compositions, each rule by name: 5 + 1 is even; 5 + 4 has experts below two thirds;
    // 5 + 3 breaks both.
    let staff: Vec<String> = w.staff.iter().map(|(p, _)| p.clone()).collect();
    let before = w.app.rows().await;
    let codes = |v: &Value| -> Vec<String> {
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_string())
            .collect()
    };
    let (st, v) = tenderer
        .raw(Method::POST, &w.path(), Some(&form(json!([staff[0]]))))
        .await
        .unwrap();
    refused(st, &v, 422, "committee_composition_invalid");
    assert_eq!(codes(&v), ["committee_size_even"]);
    let (st, v) = tenderer
        .raw(Method::POST, &w.path(), Some(&form(json!(staff))))
        .await
        .unwrap();
    refused(st, &v, 422, "committee_composition_invalid");
    assert_eq!(
        codes(&v),
        ["committee_size_even", "committee_experts_below_two_thirds"]
    );
    w.app.rows().await.assert_same(&before, "bad compositions");
    // A fourth person on the staff makes 9 members, 5 experts: below two thirds alone.
    let tenderer_id = id_of(&tenderer).await;
    let ident = extra_person(6150, "rep-3", vec![]);
    let fourth = w.app.enrol_ident(&ident).await;
    let fourth_id = id_of(&fourth).await;
    tenderer
        .post::<Value, _>(
            &format!("/api/v1/organisations/{tenderer_id}/staff"),
            &json!({"person_id": fourth_id}),
        )
        .await
        .unwrap();
    fourth.accept_staff(&tenderer_id, &fourth_id).await.unwrap();
    let mut four = staff.clone();
    four.push(fourth_id);
    let before = w.app.rows().await;
    let (st, v) = tenderer
        .raw(Method::POST, &w.path(), Some(&form(json!(four))))
        .await
        .unwrap();
    refused(st, &v, 422, "committee_composition_invalid");
    assert_eq!(codes(&v), ["committee_experts_below_two_thirds"]);
    w.app.rows().await.assert_same(&before, "bad compositions");

    // Representatives who are not the tenderer's staff, unknown, or named twice.
    let before = w.app.rows().await;
    let bidder_id = id_of(&w.bidders[0].client).await;
    for (reps, code) in [
        (json!([w.stranger, staff[0]]), "not_tenderer_staff"),
        (
            json!(["00000000-0000-0000-0000-000000000000"]),
            "not_tenderer_staff",
        ),
        (json!([bidder_id]), "not_tenderer_staff"),
        (json!([w.experts[w.drawn[0]].person]), "not_tenderer_staff"),
        (json!([staff[0], staff[1], staff[0]]), "duplicate"),
    ] {
        let (st, v) = tenderer
            .raw(Method::POST, &w.path(), Some(&form(reps.clone())))
            .await
            .unwrap();
        refused(st, &v, 422, "validation_failed");
        assert_eq!(v["errors"][0]["code"], code, "{reps}: {v}");
    }
    w.app
        .rows()
        .await
        .assert_same(&before, "bad representatives");

    // Formed once (by the agent), not twice.
    let c: Value =
        w.s.agent
            .post(&w.path(), &json!({"representatives": []}))
            .await
            .unwrap();
    assert_eq!(c["members"].as_array().unwrap().len(), 5);
    let before = w.app.rows().await;
    let (st, v) = tenderer
        .raw(Method::POST, &w.path(), Some(&form(json!([]))))
        .await
        .unwrap();
    refused(st, &v, 409, "conflict");
    w.app
        .rows()
        .await
        .assert_same(&before, "a second committee");

    // Votes by non-members, and for a non-member.
    let outsider = w
        .experts
        .iter()
        .position(|e| !c["members"].to_string().contains(&e.person))
        .unwrap();
    let member = c["members"][0]["id"].as_str().unwrap().to_string();
    let vote = |m: &str| Some(json!({"member_id": m}));
    let votes = format!("{}/leader-votes", w.path());
    let before = w.app.rows().await;
    for cl in [
        &w.experts[outsider].client,
        &tenderer,
        &w.bidders[0].client,
        &regulator,
    ] {
        let (st, v) = cl
            .raw(Method::POST, &votes, vote(&member).as_ref())
            .await
            .unwrap();
        refused(st, &v, 403, "forbidden");
    }
    let voter = &w.experts[w.drawn[0]].client;
    let (st, v) = voter
        .raw(
            Method::POST,
            &votes,
            vote(&w.experts[outsider].person).as_ref(),
        )
        .await
        .unwrap();
    refused(st, &v, 422, "validation_failed");
    assert_eq!(v["errors"][0]["code"], "not_an_active_member");
    // Leaving: by someone else than the member or the tenderer; without a note.
    let leave = format!("{}/members/{member}/leave", w.path());
    let (st, v) = w.experts[outsider]
        .client
        .raw(
            Method::POST,
            &leave,
            Some(&json!({"reason": "left", "note": "离开"})),
        )
        .await
        .unwrap();
    refused(st, &v, 403, "forbidden");
    let (st, v) = tenderer
        .raw(
            Method::POST,
            &leave,
            Some(&json!({"reason": "left", "note": "  "})),
        )
        .await
        .unwrap();
    refused(st, &v, 422, "validation_failed");
    w.app
        .rows()
        .await
        .assert_same(&before, "refused votes and departures");

    // The tenderer names an expert who must recuse: its seat is `recused` and the first reserve
    // of its specialty is called; it is no longer an active member.
    let recusing = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "expert")
        .unwrap()
        .clone();
    let after = tenderer
        .leave_committee(
            w.t(),
            "BD01",
            recusing["id"].as_str().unwrap(),
            LeaveReason::Recused,
            "与投标人存在利害关系",
        )
        .await
        .unwrap();
    assert_eq!(after.members.iter().filter(|m| m.active).count(), 4);
    let seats_now = seats(&w.experts).await;
    let i = w.expert_of(&recusing["person_id"]);
    assert!(seats_now[i]
        .iter()
        .any(|s| s["draw_id"] == w.draw_id() && s["seat"] == "recused"));
    assert_eq!(
        holding(&seats_now, "notified").len(),
        1,
        "the first reserve is called"
    );
    // The trail lists what the sequencer has integrated.
    etender::audit::sequencer::integrate_now(&w.app.ctx.db, &w.app.ctx.audit_log)
        .await
        .unwrap();
    let trail: Value = regulator
        .get(&format!(
            "/api/v1/audit/trail?tender_id={}&limit=1000",
            w.t()
        ))
        .await
        .unwrap();
    let left = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "committee_member_left")
        .unwrap();
    assert_eq!(left["body"]["by"], "tender_party");
    assert_eq!(left["body"]["reason"], "recused");
}

#[tokio::test]
async fn three_experts_alone_are_too_few() {
    let mut w = world(3).await;
    w.open().await;
    w.advance_to_check_in().await;
    for i in w.drawn.clone() {
        w.check_in(i).await;
    }
    w.advance_to_evaluation().await;
    let tenderer = w.tenderer().await;
    let before = w.app.rows().await;
    let (st, v) = tenderer
        .raw(
            Method::POST,
            &w.path(),
            Some(&json!({"representatives": []})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "committee_composition_invalid");
    assert_eq!(v["errors"][0]["code"], "committee_too_small");
    assert_eq!(v["errors"].as_array().unwrap().len(), 1);
    w.app
        .rows()
        .await
        .assert_same(&before, "too small a committee");
}

/// The committee rule of the offline verifier, on the real entries and on tampered copies: each
/// illegal sequence is named by its own reason.
fn tampered_sequences_fail(bundle: &etender::audit::bundle::Bundle, tender: &str, leader: &str) {
    use base64::Engine as _;
    use etender::audit::verify::{CommitteesReplay, Rule as _, VerifiedEntry};
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
    let scope = etender::audit::bundle::BundleScope::Tender(tender.to_string());
    let rule = CommitteesReplay;
    assert_eq!(rule.check(&scope, &entries), Vec::<String>::new());
    let find = |es: &[VerifiedEntry], k: &str| {
        es.iter()
            .position(|e| e.leaf.event_type == k)
            .unwrap_or_else(|| panic!("no {k}"))
    };
    let only = |es: Vec<VerifiedEntry>, reason: &str| {
        let found = rule.check(&scope, &es);
        assert!(
            found.len() == 1 && found[0].contains(reason),
            "{reason}: {found:?}"
        );
    };
    // Formed by a bidder.
    let mut es = entries.clone();
    let i = find(&es, "committee_formed");
    es[i].leaf.actor_role = "bidder".into();
    only(es, "not the tender's tenderer or agent");
    // An expert recorded as a representative: 4 experts of 7.
    let mut es = entries.clone();
    let i = find(&es, "committee_formed");
    es[i].body.as_mut().unwrap()["members"][0]["kind"] = json!("representative");
    only(es, "committee_experts_below_two_thirds");
    // Formed with the draw's reveal missing before it.
    let mut es = entries.clone();
    es.remove(find(&es, "draw_revealed"));
    only(es, "before its draw");
    // The vote that made the majority was for someone else.
    let mut es = entries.clone();
    let elected = find(&es, "committee_leader_elected");
    let last_vote = (0..elected)
        .rev()
        .find(|&i| es[i].leaf.event_type == "committee_leader_voted")
        .unwrap();
    let voter = es[last_vote].body.as_ref().unwrap()["voter"].clone();
    assert_ne!(voter, json!(leader));
    es[last_vote].body.as_mut().unwrap()["for"] = voter;
    only(es, "is not elected by a majority");
}
