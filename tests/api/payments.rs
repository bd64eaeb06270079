//! Treasury payments (issue 16 item 4, docs/TREASURY.md): a signed contract's payments pulled
//! from a real treasury simulator over HTTP, imported once each by the treasury's payment id —
//! through a treasury that is down, slow, answering garbage, failing halfway through its pages,
//! re-sending records or rewriting one — with a clear status for the operator; the parties and
//! regulators read payments and what is still due per milestone; wrong roles change nothing;
//! the import is audited, replayed by the verifier and released to OCDS (`contract`,
//! `contractAmendment`, `implementation`).

use std::time::Duration as StdDuration;

use chrono::Duration;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::committee::World;
use crate::contracts::{count, creds, entries, export, notified_on, winner_of};
use crate::helpers::{assert_problem, TestApp};
use etender::client::treasury::payments_path;
use etender::domain::payment::{Party, PullOutcome, TreasuryPayment, CURRENCY};
use etender::treasury::simulator::{Mode, Simulator};
use etender::wire::contracts::{ChangeKind, Contract, ProposeChangeRequest};

const TOKEN: &str = "treasury-token-for-tests";

fn milestones() -> Value {
    json!({
        "payment_milestones": [
            {"code": "advance", "title": "预付款", "percent": "30"},
            {"code": "completion", "title": "竣工验收", "percent": "70"}
        ]
    })
}

/// BD01 awarded and notified on an app pointed at `sim` (400 ms timeout, one retry); its
/// contract drafted and signed by both (no bond asked).
async fn signed(sim: &Simulator) -> (World, Contract, usize) {
    let settings = sim.settings(400, 1);
    let app = TestApp::spawn_with(move |s| s.treasury = settings).await;
    let (w, _) = notified_on(app, milestones()).await;
    let t = w.t().to_string();
    let c = w.s.agent.draft_contract(&t, "BD01").await.unwrap();
    let (win, _) = winner_of(&w, &c).await;
    // Not signed yet: nothing to pull.
    let admin = w.app.enrol("admin").await;
    let err = admin.pull_contract_payments(&t, "BD01").await.unwrap_err();
    assert_eq!(err.code().unwrap().as_str(), "invalid_state_transition");
    w.bidders[win]
        .client
        .sign_contract(&t, "BD01", &creds(w.bidders[win].label))
        .await
        .unwrap();
    let tenderer = w.app.enrol("tenderer").await;
    let c = tenderer
        .sign_contract(&t, "BD01", &creds("tenderer"))
        .await
        .unwrap();
    (w, c, win)
}

fn payment(c: &Contract, id: &str, amount: &str, days: i64) -> TreasuryPayment {
    let signed = c.signed_at.expect("signed");
    TreasuryPayment {
        payment_id: id.into(),
        contract: c.id.clone(),
        amount: amount.parse().unwrap(),
        currency: CURRENCY.into(),
        paid_at: signed + Duration::days(days),
        payer: Party {
            name: c.tenderer.name.clone(),
            uscc: c.tenderer.uscc.clone(),
            account: None,
        },
        payee: Party {
            name: c.winner.name.clone(),
            uscc: c.winner.uscc.clone(),
            account: Some("6222****0001".into()),
        },
        milestone: Some("advance".into()),
        voucher: format!("GKZF-{id}"),
        purpose: "工程款".into(),
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[tokio::test]
async fn payments_are_imported_once_through_every_failure_and_what_is_due_is_queryable() {
    let sim = Simulator::start(TOKEN).await.unwrap();
    sim.set_page_size(2);
    let (w, c, win) = signed(&sim).await;
    let t = w.t().to_string();
    let price = c.terms.price.amount();
    let advance = (price * dec("0.3")).round_dp(2);
    let admin = w.app.enrol("admin").await;

    // Nothing pulled yet: everything due, no link.
    let winner = &w.bidders[win].client;
    let none = winner.contract_payments(&t, "BD01").await.unwrap();
    assert_eq!(
        (none.summary.paid, none.summary.outstanding),
        (dec("0"), price)
    );
    assert!(none.payments.is_empty() && none.link.is_none());

    // Two payments to the supplier and one to somebody else, over two pages.
    sim.put(payment(&c, "GK0001", &advance.to_string(), 3));
    let mut stray = payment(&c, "GK0002", "1000.00", 4);
    stray.payee.uscc = "91110000100000000X".into();
    sim.put(stray);
    sim.put(payment(&c, "GK0003", "1500000.00", 40));
    let before = w.app.rows().await;
    let pull = admin.pull_contract_payments(&t, "BD01").await.unwrap();
    let after = w.app.rows().await;
    assert_eq!(pull.outcome, PullOutcome::Ok, "{:?}", pull.error);
    assert_eq!((pull.pages, pull.received, pull.imported), (2, 3, 2));
    assert_eq!(pull.problems.len(), 1);
    assert_eq!(pull.problems[0].payment_id, "GK0002");
    assert!(pull.problems[0]
        .problem
        .contains("not the contract's supplier"));
    assert_eq!(
        after.get("treasury_payments") - before.get("treasury_payments"),
        2
    );
    assert_eq!(after.get("audit_events") - before.get("audit_events"), 1);
    assert_eq!(after.get("ocds_releases") - before.get("ocds_releases"), 1);

    // What the supplier, the tenderer's side and the regulator read.
    let mine = winner.contract_payments(&t, "BD01").await.unwrap();
    assert_eq!(mine.payments.len(), 2);
    assert_eq!(mine.summary.paid, advance + dec("1500000.00"));
    assert_eq!(
        mine.summary.outstanding,
        price - advance - dec("1500000.00")
    );
    let m = &mine.summary.milestones;
    assert_eq!(
        (m[0].code.as_str(), m[0].paid, m[0].due),
        ("advance", advance, dec("0"))
    );
    assert_eq!(m[1].paid, dec("1500000.00"));
    assert_eq!(m[1].due, price - advance - dec("1500000.00"));
    assert_eq!(m[0].amount + m[1].amount, price);
    let link = mine.link.clone().unwrap();
    assert_eq!(
        (link.last_outcome, link.failures_in_row),
        (PullOutcome::Ok, 0)
    );
    for reader in [w.s.agent.clone(), w.app.enrol("regulator").await] {
        let seen = reader.contract_payments(&t, "BD01").await.unwrap();
        assert_eq!(seen.summary.paid, mine.summary.paid);
    }

    // The same records again, then every record twice: nothing imported twice.
    let again = admin.pull_contract_payments(&t, "BD01").await.unwrap();
    assert_eq!((again.imported, again.duplicates), (0, 2));
    sim.set_mode(Mode::Resend);
    let twice = admin.pull_contract_payments(&t, "BD01").await.unwrap();
    assert_eq!(
        (twice.received, twice.imported, twice.duplicates),
        (6, 0, 4)
    );
    sim.set_mode(Mode::Normal);

    // The treasury rewrites a payment: the held record stands, the operator is told.
    let mut rewritten = payment(&c, "GK0003", "1600000.00", 40);
    rewritten.voucher = "GKZF-GK0003-R".into();
    sim.put(rewritten);
    let conflict = admin.pull_contract_payments(&t, "BD01").await.unwrap();
    assert_eq!(conflict.imported, 0);
    assert!(
        conflict
            .problems
            .iter()
            .any(|p| p.payment_id == "GK0003" && p.problem.starts_with("conflict")),
        "{:?}",
        conflict.problems
    );
    let held = winner.contract_payments(&t, "BD01").await.unwrap();
    assert_eq!(held.summary.paid, mine.summary.paid);
    sim.put(payment(&c, "GK0003", "1500000.00", 40));

    // Down, garbage, slow: nothing changes, each named; the link counts the failures.
    let before = w.app.rows().await;
    for (mode, want) in [
        (Mode::Down, PullOutcome::Unreachable),
        (Mode::Garbage, PullOutcome::Garbage),
        (
            Mode::Slow(StdDuration::from_millis(900)),
            PullOutcome::Timeout,
        ),
    ] {
        sim.set_mode(mode);
        let p = admin.pull_contract_payments(&t, "BD01").await.unwrap();
        assert_eq!((p.outcome, p.imported), (want, 0), "{mode:?}");
        assert!(p.error.is_some());
    }
    let after = w.app.rows().await;
    assert_eq!(
        after.get("treasury_payments"),
        before.get("treasury_payments")
    );
    assert_eq!(after.get("audit_events"), before.get("audit_events"));
    let status = admin.treasury_status().await.unwrap();
    assert!(status.configured && status.endpoint == sim.url);
    let l = &status
        .links
        .iter()
        .find(|l| l.contract == c.id)
        .unwrap()
        .link;
    assert_eq!(
        (l.last_outcome, l.failures_in_row),
        (PullOutcome::Timeout, 3)
    );
    assert!(l.last_complete_at.is_some());
    assert_eq!(status.recent_pulls[0].outcome, PullOutcome::Timeout);

    // A new payment on the page after a failure: what came back is kept, the rest comes next.
    sim.put(payment(&c, "GK0004", "200000.00", 60));
    sim.set_mode(Mode::DownAfterFirstPage);
    let part = admin.pull_contract_payments(&t, "BD01").await.unwrap();
    assert_eq!(
        (part.outcome, part.pages, part.imported),
        (PullOutcome::Unreachable, 1, 0)
    );
    sim.set_mode(Mode::Normal);
    // The worker's pass pulls every signed contract.
    let pulled = etender::app::contracts::pull_treasury_payments(&w.app.ctx)
        .await
        .unwrap();
    assert_eq!(pulled, 1);
    let all = winner.contract_payments(&t, "BD01").await.unwrap();
    let ids: Vec<&str> = all.payments.iter().map(|p| p.payment_id.as_str()).collect();
    assert_eq!(ids, ["GK0001", "GK0003", "GK0004"]);
    let link = all.link.unwrap();
    assert_eq!(
        (link.last_outcome, link.failures_in_row),
        (PullOutcome::Ok, 0)
    );

    // Wrong roles: refused, nothing changed; a stranger bidder sees no contract.
    let regulator = w.app.enrol("regulator").await;
    let before = w.app.rows().await;
    let path = format!("{}/pull", payments_path(&t, "BD01"));
    let other = (win + 1) % w.bidders.len();
    for who in [w.s.agent.clone(), w.bidders[win].client.clone(), regulator] {
        let (st, v) = who.raw(Method::POST, &path, None).await.unwrap();
        assert_problem(st, &v, 403, "forbidden");
    }
    let (st, v) = w.app.client().raw(Method::POST, &path, None).await.unwrap();
    assert_problem(st, &v, 401, "unauthenticated");
    let (st, v) = w.bidders[other]
        .client
        .raw(Method::GET, &payments_path(&t, "BD01"), None)
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    let (st, v) = w.bidders[other]
        .client
        .raw(Method::GET, "/api/v1/treasury/status", None)
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let (st, v) = admin
        .raw(
            Method::POST,
            &format!("{}/pull", payments_path(&t, "BD09")),
            None,
        )
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    assert_eq!(w.app.rows().await, before);

    // A change both sign: the amendment is released too, and the package validates (CI).
    let tenderer = w.app.enrol("tenderer").await;
    let mut longer = c.terms.clone();
    longer.duration_days += 30;
    let ch = tenderer
        .propose_contract_change(
            &t,
            "BD01",
            &ProposeChangeRequest {
                kind: ChangeKind::Amendment,
                reason: "force_majeure".into(),
                note: "特大洪水停工30日".into(),
                terms: Some(longer),
            },
        )
        .await
        .unwrap();
    tenderer
        .sign_contract_change(&t, "BD01", &ch.id, &creds("tenderer"))
        .await
        .unwrap();
    w.bidders[win]
        .client
        .sign_contract_change(&t, "BD01", &ch.id, &creds(w.bidders[win].label))
        .await
        .unwrap();
    let package: Value = w
        .app
        .client()
        .get(&format!("/api/v1/ocds/tenders/{t}"))
        .await
        .unwrap();
    let releases = package["releases"].as_array().unwrap();
    let tagged = |tag: &str| -> Vec<&Value> {
        releases
            .iter()
            .filter(|r| r["tag"] == json!([tag]))
            .collect()
    };
    assert_eq!(tagged("contract").len(), 1);
    assert_eq!(tagged("implementation").len(), 2);
    let amended = tagged("contractAmendment");
    assert_eq!(amended.len(), 1);
    let k = &amended[0]["contracts"][0];
    assert_eq!(k["id"], json!(c.id));
    assert_eq!(k["awardID"], amended[0]["awards"][0]["id"]);
    assert_eq!(k["status"], "active");
    assert_eq!(k["amendments"][0]["id"], json!(ch.id));
    assert_eq!(
        k["implementation"]["transactions"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(k["milestones"][0]["status"], "met");
    assert_eq!(k["milestones"][1]["status"], "partiallyMet");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("contract-ocds.json"),
        serde_json::to_vec_pretty(&package).unwrap(),
    )
    .unwrap();

    // The audit: two imports, replayed; a payment imported twice or a wrong total fails.
    let bundle = export(&w.app, Some(&t)).await;
    assert_eq!(count(&bundle, "contract_payments_imported"), 2);
    tamper(&bundle);
    sim.stop().await;
}

fn tamper(bundle: &etender::audit::bundle::Bundle) {
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_contracts::ContractsReplay;
    let scope = etender::audit::bundle::BundleScope::All;
    let good = entries(bundle);
    assert!(ContractsReplay.check(&scope, &good).is_empty());
    let first = good
        .iter()
        .position(|e| e.leaf.event_type == "contract_payments_imported")
        .unwrap();
    let mut twice = good.clone();
    let copy = twice[first].clone();
    twice.insert(first + 1, copy);
    let p = ContractsReplay.check(&scope, &twice);
    assert!(p.iter().any(|p| p.contains("imported twice")), "{p:?}");
    let mut total = good.clone();
    total[first].body.as_mut().unwrap()["paid_total"] = json!("1.00");
    let p = ContractsReplay.check(&scope, &total);
    assert!(p.iter().any(|p| p.contains("paid_total")), "{p:?}");
    let mut early = good.clone();
    let signed = early
        .iter()
        .position(|e| e.leaf.event_type == "contract_signed")
        .unwrap();
    let moved = early.remove(first);
    early.insert(signed, moved);
    let p = ContractsReplay.check(&scope, &early);
    assert!(p.iter().any(|p| p.contains("not signed")), "{p:?}");
}
