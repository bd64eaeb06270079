//! Contracts after the award and bid-bond refunds (issue 16 items 1–3, docs/CONTRACTS.md): the
//! contract drafted from the tender's terms and the winning bid, locked terms, the performance
//! bond, both signatures, the 30 days with reminders and the regulator's flag, changes that
//! take effect only when both have signed, terminations, and every bidder's bond refunded with
//! interest computed exactly within 5 days (or flagged).

use chrono::{DateTime, Duration, SubsecRound, Utc};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::award::evaluated_on;
use crate::award_notices::{agent_creds, drive};
use crate::bids::{record_bonds_as, Bidder};
use crate::committee::World;
use crate::fixtures::{id_of, published_tender};
use crate::helpers::{assert_problem, pki, TestApp};
use etender::client::contracts::{contract_path, sign_change, sign_version};
use etender::client::Client;
use etender::domain::bidding::BondKind;
use etender::domain::contract::{sign_due, Terms};
use etender::domain::refund::{interest, interest_days, InterestRule};
use etender::wire::award_publicity::WinnerDropsOutRequest;
use etender::wire::contracts::{Contract, PerformanceBondRequest, ProposeChangeRequest};

fn contract_terms() -> Value {
    json!({
        "performance_bond_percent": "5",
        "payment_milestones": [
            {"code": "advance", "title": "预付款", "percent": "30"},
            {"code": "completion", "title": "竣工验收", "percent": "70"}
        ],
        "clauses": ["质量保修期二年，保修金为合同价的3%"]
    })
}

/// A traditional section with contract terms, awarded to its first bid and notified.
async fn notified() -> (World, DateTime<Utc>) {
    notified_on(TestApp::spawn().await, contract_terms()).await
}

/// [`notified`] on `app` with the section's `contract` terms.
pub(crate) async fn notified_on(app: TestApp, contract: Value) -> (World, DateTime<Utc>) {
    let mut w = evaluated_on(
        app,
        json!({"kind": "traditional", "candidates": 2, "contract": contract}),
    )
    .await;
    let until = drive(&w, &w.bids[0], None).await;
    // Notices and the contract after the candidates' publicity.
    w.app.clock.set(until);
    w.relogin().await;
    let issued =
        w.s.agent
            .issue_notices(w.t(), "BD01", &agent_creds())
            .await
            .unwrap();
    (w, issued.notices[0].issued_at)
}

/// The bidder that won, and the others.
pub(crate) async fn winner_of(w: &World, c: &Contract) -> (usize, Vec<usize>) {
    let mut win = None;
    let mut others = Vec::new();
    for (i, b) in w.bidders.iter().enumerate() {
        if id_of(&b.client).await == c.winner.id {
            win = Some(i);
        } else {
            others.push(i);
        }
    }
    (win.expect("the winner is one of the bidders"), others)
}

/// Drafts BD01's contract (notified, after its publicity, no bond asked) and has both sign it.
pub(crate) async fn sign_both(w: &World) {
    let t = w.t();
    let c = w.s.agent.draft_contract(t, "BD01").await.unwrap();
    let (win, _) = winner_of(w, &c).await;
    w.bidders[win]
        .client
        .sign_contract(t, "BD01", &creds(w.bidders[win].label))
        .await
        .unwrap();
    let tenderer = w.app.enrol("tenderer").await;
    let signed = tenderer
        .sign_contract(t, "BD01", &creds("tenderer"))
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(signed.state).unwrap(), "signed");
}

pub(crate) fn creds(label: &str) -> etender::client::Credentials {
    pki().get(label).credentials()
}

async fn raw(c: &Client, m: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let (st, v) = c.raw(m, path, body.as_ref()).await.unwrap();
    (st.as_u16(), v)
}

#[tokio::test]
async fn a_contract_is_drafted_from_the_award_signed_by_both_and_changed_only_by_both() {
    let (mut w, notified_at) = notified().await;
    let t = w.t().to_string();
    let path = contract_path(&t, "BD01");
    let tenderer = w.app.enrol("tenderer").await;

    // Only the tender's side drafts it: bidders, experts and regulators cannot; nothing changed.
    let expert = w.app.enrol("expert").await;
    let before = w.app.rows().await;
    for c in [&w.bidders[0].client, &expert] {
        let (st, v) = raw(c, Method::POST, &path, None).await;
        assert_problem(st.try_into().unwrap(), &v, 403, "forbidden");
    }
    before.assert_same(&w.app.rows().await, "drafts by the wrong roles");

    // Drafted from the winning bid and the tender's terms; the 30 days run from the notice.
    let c = w.s.agent.draft_contract(&t, "BD01").await.unwrap();
    assert_eq!(serde_json::to_value(c.state).unwrap(), "draft");
    assert_eq!(c.bid, w.bids[0]);
    assert_eq!(c.due_at, sign_due(notified_at));
    assert_eq!(c.terms.payment_milestones.len(), 2);
    assert_eq!(c.terms.performance_bond_percent, Some(Decimal::from(5)));
    assert!(c.performance_bond_required && !c.overdue);
    let (win, others) = winner_of(&w, &c).await;
    assert!(c.terms.price.amount() > Decimal::ZERO);
    assert!(!c.terms.project_manager.is_empty());
    // A second draft is refused.
    let (st, v) = raw(&w.s.agent, Method::POST, &path, None).await;
    assert_problem(st.try_into().unwrap(), &v, 409, "conflict");

    // The winner and the tenderer read it; a losing bidder and a stranger do not.
    w.bidders[win].client.contract(&t, "BD01").await.unwrap();
    tenderer.contract(&t, "BD01").await.unwrap();
    for c in [&w.bidders[others[0]].client, &expert] {
        let (st, v) = raw(c, Method::GET, &path, None).await;
        assert_problem(st.try_into().unwrap(), &v, 404, "not_found");
    }
    w.app
        .enrol("regulator")
        .await
        .contract(&t, "BD01")
        .await
        .unwrap();

    // A locked term edited: refused (条例57), nothing changed. The editable ones: accepted.
    let before = w.app.rows().await;
    let mut cheaper: Terms = c.terms.clone();
    cheaper.price = "1000000.00".parse().unwrap();
    let (st, v) = raw(
        &w.s.agent,
        Method::PUT,
        &format!("{path}/terms"),
        Some(json!(cheaper)),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 422, "locked_term");
    assert!(v["detail"].as_str().unwrap().contains("price"), "{v}");
    // The winner edits nothing.
    let mut edited = c.terms.clone();
    edited.site = Some("潜江市东荆河大道K0+000至K3+200".into());
    edited.start_date = Some(chrono::NaiveDate::from_ymd_opt(2027, 6, 1).unwrap());
    let (st, v) = raw(
        &w.bidders[win].client,
        Method::PUT,
        &format!("{path}/terms"),
        Some(json!(edited)),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 403, "forbidden");
    before.assert_same(&w.app.rows().await, "refused edits");
    let c2 =
        w.s.agent
            .edit_contract_terms(&t, "BD01", &edited)
            .await
            .unwrap();
    assert_ne!(c2.digest, c.digest);
    assert_eq!(c2.version, 1);

    // Signing before the performance bond is recorded: refused.
    let winner_creds = creds(w.bidders[win].label);
    let (st, v) = raw(
        &w.bidders[win].client,
        Method::POST,
        &format!("{path}/signatures"),
        Some(json!(sign_version(&c2, &winner_creds).unwrap())),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 409, "performance_bond_missing");
    // A bond over 10 % or under the 5 % asked: refused; 5 % exactly: recorded.
    let price = c2.terms.price.amount();
    for amount in [
        price / Decimal::TEN + Decimal::new(1, 2),
        price / Decimal::from(20) - Decimal::new(1, 2),
    ] {
        let (st, v) = raw(
            &w.s.agent,
            Method::POST,
            &format!("{path}/performance-bond"),
            Some(
                json!({"kind": "bank_guarantee", "amount": amount.round_dp(2).to_string(),
                "issuer": "示范银行潜江支行", "reference": "BG-2027-001"}),
            ),
        )
        .await;
        assert_problem(st.try_into().unwrap(), &v, 422, "validation_failed");
    }
    let bond = PerformanceBondRequest {
        kind: etender::domain::bidding::BondKind::BankGuarantee,
        amount: (price / Decimal::from(20))
            .round_dp(2)
            .to_string()
            .parse()
            .unwrap(),
        issuer: "示范银行潜江支行".into(),
        reference: "BG-2027-001".into(),
    };
    w.s.agent
        .record_performance_bond(&t, "BD01", &bond)
        .await
        .unwrap();

    // A party signing with another organisation's certificate: refused, nothing changed.
    let before = w.app.rows().await;
    let loser_creds = creds(w.bidders[others[0]].label);
    let (st, v) = raw(
        &w.bidders[win].client,
        Method::POST,
        &format!("{path}/signatures"),
        Some(json!(sign_version(&c2, &loser_creds).unwrap())),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 403, "forbidden");
    // A signature over an older digest: refused.
    let (st, v) = raw(
        &w.bidders[win].client,
        Method::POST,
        &format!("{path}/signatures"),
        Some(json!(sign_version(&c, &winner_creds).unwrap())),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 409, "conflict");
    before.assert_same(&w.app.rows().await, "refused signatures");

    // The winner signs: one signature makes nothing binding, no refund is due yet.
    let c3 = w.bidders[win]
        .client
        .sign_contract(&t, "BD01", &winner_creds)
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(c3.state).unwrap(), "draft");
    assert_eq!(c3.signatures.len(), 1);
    assert!(tenderer
        .section_bond_refunds(&t, "BD01")
        .await
        .unwrap()
        .is_empty());
    // Twice: refused.
    let (st, v) = raw(
        &w.bidders[win].client,
        Method::POST,
        &format!("{path}/signatures"),
        Some(json!(sign_version(&c3, &winner_creds).unwrap())),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 409, "conflict");

    // The tenderer signs: binding, version 1 kept, every bidder's bond due within 5 days.
    let signed = tenderer
        .sign_contract(&t, "BD01", &creds("tenderer"))
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(signed.state).unwrap(), "signed");
    assert_eq!(signed.versions.len(), 1);
    let refunds = tenderer.section_bond_refunds(&t, "BD01").await.unwrap();
    assert_eq!(refunds.len(), 3, "one per bidder, the winner's too");
    let signed_at = signed.signed_at.unwrap();
    for r in &refunds {
        assert_eq!(serde_json::to_value(r.ground).unwrap(), "contract_signed");
        assert_eq!(r.due_at, Some(etender::domain::refund::due(signed_at)));
        assert_eq!(r.principal.to_string(), "200000.00");
    }
    // Editing a signed contract: refused.
    let (st, v) = raw(
        &w.s.agent,
        Method::PUT,
        &format!("{path}/terms"),
        Some(json!(edited)),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 409, "invalid_state_transition");

    // Changes. An editorial change of the price: refused (locked), nothing changed.
    let before = w.app.rows().await;
    let mut longer = signed.terms.clone();
    longer.duration_days += 30;
    let mut pricier = longer.clone();
    pricier.price = "9999999.00".parse().unwrap();
    for (reason, terms) in [("editorial", &longer), ("force_majeure", &pricier)] {
        let (st, v) = raw(
            &tenderer,
            Method::POST,
            &format!("{path}/changes"),
            Some(
                json!({"kind": "amendment", "reason": reason, "note": "工期顺延",
                "terms": terms}),
            ),
        )
        .await;
        assert_problem(st.try_into().unwrap(), &v, 422, "locked_term");
    }
    for bad in [
        json!({"kind": "amendment", "reason": "whim", "note": "x", "terms": longer}),
        json!({"kind": "amendment", "reason": "force_majeure", "note": "x"}),
        json!({"kind": "termination", "reason": "mutual_agreement", "note": ""}),
        json!({"kind": "termination", "reason": "force_majeure", "note": "x", "terms": longer}),
    ] {
        let (st, v) = raw(
            &tenderer,
            Method::POST,
            &format!("{path}/changes"),
            Some(bad),
        )
        .await;
        assert_problem(st.try_into().unwrap(), &v, 422, "validation_failed");
    }
    before.assert_same(&w.app.rows().await, "refused changes");

    // 不可抗力: 30 more days. Signed by its proposer only: no effect.
    let ch = tenderer
        .propose_contract_change(
            &t,
            "BD01",
            &ProposeChangeRequest {
                kind: etender::wire::contracts::ChangeKind::Amendment,
                reason: "force_majeure".into(),
                note: "2027年7月特大洪水停工30日".into(),
                terms: Some(longer.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(ch.changes.len(), 1);
    assert_eq!(ch.changes[0].before, json!(signed.terms.duration_days));
    assert_eq!(ch.changes[0].after, json!(longer.duration_days));
    let c = tenderer
        .sign_contract_change(&t, "BD01", &ch.id, &creds("tenderer"))
        .await
        .unwrap();
    assert_eq!(c.version, 1, "one signature changes nothing");
    assert_eq!(c.terms.duration_days, signed.terms.duration_days);
    // One proposal at a time.
    let (st, v) = raw(
        &w.bidders[win].client,
        Method::POST,
        &format!("{path}/changes"),
        Some(json!({"kind": "termination", "reason": "mutual_agreement", "note": "协商解除"})),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 409, "change_pending");
    // A losing bidder cannot sign it.
    let (st, v) = raw(
        &w.bidders[others[0]].client,
        Method::POST,
        &format!("{path}/changes/{}/signatures", ch.id),
        Some(json!(sign_change(&ch, &loser_creds).unwrap())),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 404, "not_found");
    // The winner signs: version 2, with the duration's before and after kept.
    let c = w.bidders[win]
        .client
        .sign_contract_change(&t, "BD01", &ch.id, &winner_creds)
        .await
        .unwrap();
    assert_eq!(c.version, 2);
    assert_eq!(c.terms.duration_days, longer.duration_days);
    assert_eq!(c.versions.len(), 2);
    assert_eq!(c.versions[1].change.as_deref(), Some(ch.id.as_str()));
    assert_eq!(
        c.versions[1].changes[0].before,
        json!(signed.terms.duration_days)
    );
    assert_eq!(
        c.versions[0].terms, signed.terms,
        "version 1 kept as signed"
    );

    // A termination proposed by the winner and declined by the tenderer: still in force.
    let term = w.bidders[win]
        .client
        .propose_contract_change(
            &t,
            "BD01",
            &ProposeChangeRequest {
                kind: etender::wire::contracts::ChangeKind::Termination,
                reason: "tenderer_breach".into(),
                note: "预付款逾期".into(),
                terms: None,
            },
        )
        .await
        .unwrap();
    let declined = tenderer
        .decline_contract_change(&t, "BD01", &term.id, "预付款已于当日支付")
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(declined.state).unwrap(), "declined");
    let c = tenderer.contract(&t, "BD01").await.unwrap();
    assert_eq!(serde_json::to_value(c.state).unwrap(), "signed");
    // Signing a declined change: refused.
    let (st, v) = raw(
        &tenderer,
        Method::POST,
        &format!("{path}/changes/{}/signatures", term.id),
        Some(json!(sign_change(&term, &creds("tenderer")).unwrap())),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 409, "invalid_state_transition");

    // A mutual termination signed by both ends it.
    let term = tenderer
        .propose_contract_change(
            &t,
            "BD01",
            &ProposeChangeRequest {
                kind: etender::wire::contracts::ChangeKind::Termination,
                reason: "mutual_agreement".into(),
                note: "项目规划调整，双方协商解除".into(),
                terms: None,
            },
        )
        .await
        .unwrap();
    tenderer
        .sign_contract_change(&t, "BD01", &term.id, &creds("tenderer"))
        .await
        .unwrap();
    let c = w.bidders[win]
        .client
        .sign_contract_change(&t, "BD01", &term.id, &winner_creds)
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(c.state).unwrap(), "terminated");
    assert!(c.terminated_at.is_some());

    // The export verifies with the contract's events in it; a forged signature does not.
    w.relogin().await;
    let bundle = export(&w.app, Some(&t)).await;
    assert!(count(&bundle, "contract_change_effective") == 1);
    tamper(&bundle);
}

/// The regulator's export (of one tender, or all), verified with every default rule.
pub(crate) async fn export(app: &TestApp, tender: Option<&str>) -> etender::audit::bundle::Bundle {
    etender::audit::checkpoint_now(&app.ctx.db, &app.ctx.audit_log, "test")
        .await
        .unwrap();
    let regulator = app.enrol("regulator").await;
    let path = match tender {
        Some(t) => format!("/api/v1/audit/export?tender_id={t}"),
        None => "/api/v1/audit/export".to_string(),
    };
    let bundle: Value = regulator.get(&path).await.unwrap();
    let bundle: etender::audit::bundle::Bundle = serde_json::from_value(bundle).unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    etender::audit::verify::verify_bundle(
        &bundle,
        &key,
        None,
        &etender::audit::verify::default_rules(),
    )
    .unwrap();
    bundle
}

pub(crate) fn entries(
    bundle: &etender::audit::bundle::Bundle,
) -> Vec<etender::audit::verify::VerifiedEntry> {
    use base64::Engine;
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

pub(crate) fn count(bundle: &etender::audit::bundle::Bundle, ty: &str) -> usize {
    entries(bundle)
        .iter()
        .filter(|e| e.leaf.event_type == ty)
        .count()
}

/// The contracts rule passes the chain as logged, and fails it with a signature swapped between
/// the parties, a change in force with one signature, or a refund's interest altered.
fn tamper(bundle: &etender::audit::bundle::Bundle) {
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_contracts::ContractsReplay;
    let scope = etender::audit::bundle::BundleScope::All;
    let good = entries(bundle);
    assert!(ContractsReplay.check(&scope, &good).is_empty());
    let mut swapped = good.clone();
    let sigs: Vec<usize> = swapped
        .iter()
        .enumerate()
        .filter(|(_, e)| e.leaf.event_type == "contract_signature_added")
        .map(|(i, _)| i)
        .collect();
    let cert = swapped[sigs[0]].body.as_ref().unwrap()["certificate"].clone();
    swapped[sigs[1]].body.as_mut().unwrap()["certificate"] = cert;
    let p = ContractsReplay.check(&scope, &swapped);
    assert!(
        p.iter().any(|p| p.contains("not its organisation's")),
        "{p:?}"
    );
    let mut one = good.clone();
    let last = one
        .iter()
        .position(|e| e.leaf.event_type == "contract_change_signed")
        .unwrap();
    one.remove(last);
    let p = ContractsReplay.check(&scope, &one);
    assert!(p.iter().any(|p| p.contains("without both")), "{p:?}");
}

#[tokio::test]
async fn bonds_are_refunded_within_five_days_with_interest_or_flagged() {
    let (mut w, _) = notified().await;
    let t = w.t().to_string();
    let tenderer = w.app.enrol("tenderer").await;
    let c = w.s.agent.draft_contract(&t, "BD01").await.unwrap();
    let (win, others) = winner_of(&w, &c).await;
    let price = c.terms.price.amount();
    w.s.agent
        .record_performance_bond(
            &t,
            "BD01",
            &PerformanceBondRequest {
                kind: etender::domain::bidding::BondKind::Cash,
                amount: (price / Decimal::from(20))
                    .round_dp(2)
                    .to_string()
                    .parse()
                    .unwrap(),
                issuer: "示范银行".into(),
                reference: "PB-1".into(),
            },
        )
        .await
        .unwrap();
    w.bidders[win]
        .client
        .sign_contract(&t, "BD01", &creds(w.bidders[win].label))
        .await
        .unwrap();
    let signed = tenderer
        .sign_contract(&t, "BD01", &creds("tenderer"))
        .await
        .unwrap();
    let signed_at = signed.signed_at.unwrap();
    let due = etender::domain::refund::due(signed_at);

    // Each bidder reads its own refund only; the trading centre and regulators read all.
    let mine = w.bidders[others[0]].client.my_bond_refunds().await.unwrap();
    assert_eq!(mine.len(), 1);
    let admin = w.app.enrol("admin").await;
    let open = admin.open_bond_refunds().await.unwrap();
    assert_eq!(open.len(), 3);
    let (st, v) = raw(
        &w.bidders[win].client,
        Method::GET,
        "/api/v1/bond-refunds",
        None,
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 403, "forbidden");

    // Only the trading centre records a refund; bad input refused; nothing changed.
    let regulator = w.app.enrol("regulator").await;
    let before = w.app.rows().await;
    let path = format!("/api/v1/bond-refunds/{}/refund", mine[0].id);
    for c in [&tenderer, &w.bidders[others[0]].client, &regulator] {
        let (st, v) = raw(c, Method::POST, &path, Some(json!({"bank_reference": "X"}))).await;
        assert_problem(st.try_into().unwrap(), &v, 403, "forbidden");
    }
    let (st, v) = raw(
        &admin,
        Method::POST,
        &path,
        Some(json!({"bank_reference": " "})),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 422, "validation_failed");
    let (st, v) = raw(
        &admin,
        Method::POST,
        "/api/v1/bond-refunds/nope/refund",
        Some(json!({"bank_reference": "X"})),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 404, "not_found");
    before.assert_same(&w.app.rows().await, "refused refunds");

    // Two days later the first refund is made: a guarantee (保函) is returned, and earns no
    // interest (the cash case: the withdrawal test below).
    w.app.clock.set(signed_at + Duration::days(2));
    w.relogin().await;
    let admin = w.app.enrol("admin").await;
    let r = admin
        .record_bond_refund(&mine[0].id, "BG-RETURN-1")
        .await
        .unwrap();
    assert_eq!((r.interest, r.interest_days), (None, 0));
    assert_eq!(serde_json::to_value(r.state).unwrap(), "refunded");
    assert!(!r.overdue);
    // Twice: refused.
    let (st, v) = raw(
        &admin,
        Method::POST,
        &path,
        Some(json!({"bank_reference": "X"})),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 409, "invalid_state_transition");

    // At the limit itself nothing is flagged; after it the two still open are, once.
    w.app.clock.set(due - Duration::seconds(1));
    let before = w.app.rows().await;
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    before.assert_same(&w.app.rows().await, "tick before the limit");
    w.app.clock.set(due);
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    w.relogin().await;
    let regulator = w.app.enrol("regulator").await;
    let open = regulator.open_bond_refunds().await.unwrap();
    assert_eq!(open.len(), 2);
    assert!(open
        .iter()
        .all(|r| r.overdue && r.overdue_flagged_at == Some(due)));
    let bundle = export(&w.app, Some(&t)).await;
    assert_eq!(
        count(&bundle, "bond_refund_overdue_flagged"),
        2,
        "flagged once each"
    );
    // The refund's interest is replayed offline; an altered one fails the rule.
    use etender::audit::verify::Rule as _;
    let mut es = entries(&bundle);
    let i = es
        .iter()
        .position(|e| e.leaf.event_type == "bond_refunded")
        .unwrap();
    es[i].body.as_mut().unwrap()["interest"] = json!("0.01");
    let p = etender::audit::verify_contracts::ContractsReplay
        .check(&etender::audit::bundle::BundleScope::All, &es);
    assert!(p.iter().any(|p| p.contains("not cash")), "{p:?}");
}

#[tokio::test]
async fn the_thirty_days_are_reminded_then_flagged_and_late_signing_is_recorded_late() {
    let (mut w, notified_at) = notified().await;
    let t = w.t().to_string();
    let c = w.s.agent.draft_contract(&t, "BD01").await.unwrap();
    let due = sign_due(notified_at);
    let mails = |rows: &crate::helpers::Rows| rows.get("mail_outbox");
    // 7 days before the last day, 00:00 Beijing: both parties reminded once.
    let first = due - Duration::days(8);
    w.app.clock.set(first - Duration::seconds(1));
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    let before = w.app.rows().await;
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    before.assert_same(&w.app.rows().await, "before the first reminder");
    w.app.clock.set(first);
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    let after = w.app.rows().await;
    assert_eq!(
        mails(&after) - mails(&before),
        2,
        "tenderer and winner, once"
    );
    // At the limit: flagged to the regulator.
    w.app.clock.set(due - Duration::seconds(1));
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    w.relogin().await;
    let regulator = w.app.enrol("regulator").await;
    let seen = regulator.contract(&t, "BD01").await.unwrap();
    assert!(!seen.overdue && seen.overdue_flagged_at.is_none());
    w.app.clock.set(due);
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    let seen = regulator.contract(&t, "BD01").await.unwrap();
    assert!(seen.overdue);
    assert_eq!(seen.overdue_flagged_at, Some(due));
    assert_eq!(c.due_at, due);
}

#[tokio::test]
async fn no_signature_while_the_tender_is_suspended_or_the_publicity_runs() {
    let (mut w, _) = notified().await;
    let t = w.t().to_string();
    let path = contract_path(&t, "BD01");
    let c = w.s.agent.draft_contract(&t, "BD01").await.unwrap();
    let (win, _) = winner_of(&w, &c).await;
    let winner_creds = creds(w.bidders[win].label);
    w.s.agent
        .record_performance_bond(
            &t,
            "BD01",
            &PerformanceBondRequest {
                kind: etender::domain::bidding::BondKind::Cash,
                amount: (c.terms.price.amount() / Decimal::from(20))
                    .round_dp(2)
                    .to_string()
                    .parse()
                    .unwrap(),
                issuer: "示范银行".into(),
                reference: "PB-1".into(),
            },
        )
        .await
        .unwrap();
    // The award's publicity pushed past now (as a re-publicised result would be): refused.
    let (tid, now) = (t.clone(), w.app.clock_now());
    w.app
        .ctx
        .db
        .write(move |c| {
            let mut a = etender::app::support::award::load(c, &tid, "BD01")?;
            a.row.publicity_until = Some(etender::db::types::to_db(now + Duration::days(1)));
            etender::app::support::award::save(c, now, &mut a)
        })
        .await
        .unwrap();
    let before = w.app.rows().await;
    let body = json!(sign_version(&c, &winner_creds).unwrap());
    let (st, v) = raw(
        &w.bidders[win].client,
        Method::POST,
        &format!("{path}/signatures"),
        Some(body.clone()),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 409, "publicity_not_over");
    before.assert_same(&w.app.rows().await, "signing during the publicity");
    w.app.clock.set(now + Duration::days(1));
    w.relogin().await;
    // The tender suspended (a complaint on another section of a tender does that while this one
    // is notified; here the row is set as the lifecycle sets it): refused again.
    let tid = t.clone();
    let at = w.app.clock_now();
    w.app
        .ctx
        .db
        .write(move |c| {
            use etender::domain::lifecycle::{State, StateKind, SuspensionReason};
            let mut row = etender::db::repo::tenders::find_tender(c, &tid)?.unwrap();
            let state = State::Suspended {
                reason: SuspensionReason::Complaint,
                note: "投诉处理期间暂停".into(),
                open_objections: 0,
                resume_to: StateKind::Awarded,
            };
            etender::app::support::tender::set_state(&mut row, &state, at)?;
            etender::db::repo::tenders::update_tender(c, &row)?;
            Ok(())
        })
        .await
        .unwrap();
    let (st, v) = raw(
        &w.bidders[win].client,
        Method::POST,
        &format!("{path}/signatures"),
        Some(body),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 409, "invalid_state_transition");
    assert!(v["detail"].as_str().unwrap().contains("suspended"), "{v}");
}

#[tokio::test]
async fn a_bond_withdrawn_before_the_deadline_is_due_back_within_five_days() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let t = s.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    record_bonds_as(&app, &t, "BD01", "200000.00", &[&b], BondKind::Cash).await;
    let files = b.seal(&t, "BD01", "9100000.00", 4096).await;
    b.submit(&t, "BD01", &files).await;
    let mine = b.client.my_bid(&t, "BD01").await.unwrap().current.unwrap();
    assert!(b.client.my_bond_refunds().await.unwrap().is_empty());
    let now = app.clock_now().trunc_subsecs(6);
    b.client
        .withdraw(&t, "BD01", &mine, b.uscc(), &creds("bidder"))
        .await
        .unwrap();
    let r = b.client.my_bond_refunds().await.unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(serde_json::to_value(r[0].ground).unwrap(), "bid_withdrawn");
    let due = r[0].due_at.unwrap();
    assert!(due > now + Duration::days(5) && due <= now + Duration::days(6));
    // The log's public metadata does not tie the withdrawal's refund to the tender.
    // Eleven days after the bond arrived the trading centre pays it back: principal and the
    // interest to the fen, from the arrival day to today (first day counted, last not).
    let received = r[0].received_at;
    app.clock.set(now + Duration::days(11));
    let admin = app.enrol("admin").await;
    let paid_at = app.clock_now().trunc_subsecs(6);
    let paid = admin
        .record_bond_refund(&r[0].id, "CB2027060100012")
        .await
        .unwrap();
    let days = interest_days(received, paid_at);
    assert!((11..=12).contains(&days), "{days}");
    // Written out: 200000 × 0.35 % × days / 360, rounded half away from zero to the fen.
    let by_hand = (Decimal::from(200_000) * Decimal::new(35, 4) * Decimal::from(days)
        / Decimal::from(360))
    .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let rule = InterestRule {
        annual_percent: Decimal::new(35, 2),
        day_basis: 360,
    };
    assert_eq!(interest(Decimal::from(200_000), days, rule), by_hand);
    assert_eq!(paid.interest.unwrap().amount(), by_hand);
    assert_eq!(paid.interest_days, days);
    assert!(
        paid.overdue,
        "eleven days is late: flagged by the watch as such"
    );
    let all = export(&app, None).await;
    // The interest replays offline; an altered one fails the rule.
    {
        use etender::audit::verify::Rule as _;
        let mut es = entries(&all);
        let i = es
            .iter()
            .position(|e| e.leaf.event_type == "bond_refunded")
            .unwrap();
        es[i].body.as_mut().unwrap()["interest"] = json!("0.01");
        let p = etender::audit::verify_contracts::ContractsReplay
            .check(&etender::audit::bundle::BundleScope::All, &es);
        assert!(p.iter().any(|p| p.contains("is not")), "{p:?}");
    }
    assert_eq!(count(&all, "bond_refunds_due"), 1);
    let of_tender = export(&app, Some(&t)).await;
    assert_eq!(
        count(&of_tender, "bond_refunds_due"),
        0,
        "the refund's entry names no tender before the opening"
    );
}

/// A section that fails at its opening (two bids, 条例44: 流标) is tendered again: every bond
/// it holds is due back within five days, on the ground `section_failed`, once.
#[tokio::test]
async fn the_bonds_of_a_section_that_fails_at_its_opening_are_due_back() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let t = s.tender.clone();
    let mut a = Bidder::enrol(&app, "bidder").await;
    let mut b = Bidder::enrol(&app, "bidder-rsa").await;
    record_bonds_as(&app, &t, "BD01", "200000.00", &[&a, &b], BondKind::Cash).await;
    for (x, price) in [(&a, "9100000.00"), (&b, "9200000.00")] {
        let files = x.seal(&t, "BD01", price, 4096).await;
        x.submit(&t, "BD01", &files).await;
    }
    let deadline = crate::bids::deadline_of(&app, &t).await;
    app.clock.set(deadline);
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    etender::app::opening::tick(&app.ctx).await.unwrap();
    let o: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{t}/sections/BD01/opening"))
        .await
        .unwrap();
    assert_eq!(o["state"], "failed");
    let failed_at = app.clock_now();
    a.relogin(&app).await;
    b.relogin(&app).await;
    for x in [&a, &b] {
        let r = x.client.my_bond_refunds().await.unwrap();
        assert_eq!(r.len(), 1, "one refund for the one bond");
        assert_eq!(serde_json::to_value(r[0].ground).unwrap(), "section_failed");
        assert_eq!(serde_json::to_value(r[0].state).unwrap(), "due");
        assert_eq!(
            r[0].due_at,
            Some(etender::domain::refund::due(r[0].ground_at))
        );
        assert!(r[0].ground_at <= failed_at);
    }
    // Another tick changes nothing: the refunds are opened once.
    let before = app.rows().await;
    etender::app::opening::tick(&app.ctx).await.unwrap();
    before.assert_same(&app.rows().await, "a second tick");
    let bundle = export(&app, Some(&t)).await;
    assert_eq!(count(&bundle, "bond_refunds_due"), 1);
    // The verifier holds the refunds to their ground: without the section's failure in the
    // chain they are refused.
    use etender::audit::verify::Rule as _;
    let rule = etender::audit::verify_contracts::ContractsReplay;
    let scope = etender::audit::bundle::BundleScope::All;
    let es = entries(&bundle);
    assert!(rule.check(&scope, &es).is_empty());
    let without: Vec<_> = es
        .into_iter()
        .filter(|e| e.leaf.event_type != "opening_failed")
        .collect();
    let p = rule.check(&scope, &without);
    assert!(p.iter().any(|p| p.contains("section_failed")), "{p:?}");
}

/// The winner gives the award up (条例74) and so does the next in rank: no candidate is left,
/// the section is tendered again and its bonds are due back — but the two that gave up lose
/// theirs. Once a contract is signed, nobody drops out of the award any more.
#[tokio::test]
async fn a_retendered_section_returns_its_bonds_but_not_those_of_winners_that_gave_up() {
    let (w, _) = notified().await;
    let t = w.t().to_string();
    let gave_up = WinnerDropsOutRequest {
        reason: serde_json::from_value(json!("gave_up")).unwrap(),
        statement: "中标人书面放弃中标。".into(),
    };
    let first =
        w.s.agent
            .award_winner_drops_out(&t, "BD01", &gave_up)
            .await
            .unwrap();
    let second = first.winner.clone().expect("the next in rank wins");
    let admin = w.app.enrol("admin").await;
    assert!(
        admin.open_bond_refunds().await.unwrap().is_empty(),
        "nothing is due while the award goes on"
    );
    let a =
        w.s.agent
            .award_winner_drops_out(&t, "BD01", &gave_up)
            .await
            .unwrap();
    assert_eq!(serde_json::to_value(a.stage).unwrap(), "failed");
    assert!(a.winner.is_none());
    let org_of = |bid: String| async {
        w.app
            .ctx
            .db
            .read(move |c| Ok(etender::db::repo::bids::find_bid(c, &bid)?))
            .await
            .unwrap()
            .unwrap()
            .organisation_id
    };
    let gave_up_orgs = [org_of(w.bids[0].clone()).await, org_of(second).await];
    let mut kept = 0;
    for b in &w.bidders {
        let r = b.client.my_bond_refunds().await.unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(serde_json::to_value(r[0].ground).unwrap(), "section_failed");
        let state = serde_json::to_value(r[0].state).unwrap();
        if gave_up_orgs.contains(&r[0].organisation) {
            assert_eq!((state, r[0].due_at), (json!("kept"), None));
            kept += 1;
        } else {
            assert_eq!(state, "due");
            assert!(r[0].due_at.is_some());
        }
    }
    assert_eq!(kept, 2);
}

/// Once both parties signed the contract the award is spent: a drop-out is refused and
/// nothing changes (ending it is the contract's termination).
#[tokio::test]
async fn no_winner_drops_out_once_the_contract_is_signed() {
    let (w, _) = notified_on(TestApp::spawn().await, json!({"clauses": ["保修二年"]})).await;
    sign_both(&w).await;
    let t = w.t().to_string();
    let before = w.app.rows().await;
    let (st, v) = raw(
        &w.s.agent,
        Method::POST,
        &format!("/api/v1/tenders/{t}/sections/BD01/award/winner/drop-out"),
        Some(json!({"reason": "cannot_perform", "statement": "不能履行合同。"})),
    )
    .await;
    assert_problem(st.try_into().unwrap(), &v, 409, "award_stage");
    before.assert_same(&w.app.rows().await, "a drop-out after the signature");
}

/// Once the contract of its last awarded section is signed the tender is `contracted` (BD01
/// is the one awarded here), logged after the signing; the written report of 招标投标法47 is
/// still filed afterwards. The contracts rule refuses a `tender_contracted` whose contract the
/// chain does not show signed, or lists under another section.
#[tokio::test]
async fn the_tender_is_contracted_once_its_awarded_sections_contracts_are_signed() {
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_contracts::ContractsReplay;
    let (w, _) = notified_on(TestApp::spawn().await, json!({"clauses": ["保修二年"]})).await;
    let t = w.t().to_string();
    let state = || async {
        let v: Value = w
            .app
            .client()
            .get(&format!("/api/v1/tenders/{t}"))
            .await
            .unwrap();
        v["state"].as_str().unwrap().to_string()
    };
    let c = w.s.agent.draft_contract(&t, "BD01").await.unwrap();
    let (win, _) = winner_of(&w, &c).await;
    w.bidders[win]
        .client
        .sign_contract(&t, "BD01", &creds(w.bidders[win].label))
        .await
        .unwrap();
    assert_eq!(state().await, "awarded", "one signature binds nothing");
    let tenderer = w.app.enrol("tenderer").await;
    tenderer
        .sign_contract(&t, "BD01", &creds("tenderer"))
        .await
        .unwrap();
    assert_eq!(state().await, "contracted");
    let report =
        w.s.agent
            .file_written_report(&t, "BD01", &agent_creds())
            .await
            .unwrap();
    assert!(report.filed_at.is_some(), "{report:?}");

    let bundle = export(&w.app, Some(&t)).await;
    let good = entries(&bundle);
    let at = |ty: &str| good.iter().position(|e| e.leaf.event_type == ty).unwrap();
    assert!(at("contract_signed") < at("tender_contracted"));
    assert_eq!(count(&bundle, "tender_contracted"), 1);
    let contracted = good[at("tender_contracted")].body.clone().unwrap();
    assert_eq!(
        contracted["contracts"],
        json!([{"section": "BD01", "contract": c.id}])
    );
    let scope = etender::audit::bundle::BundleScope::All;
    assert!(ContractsReplay.check(&scope, &good).is_empty());
    let mut unsigned = good.clone();
    unsigned.remove(at("contract_signed"));
    let p = ContractsReplay.check(&scope, &unsigned);
    assert!(p.iter().any(|p| p.contains("not show signed")), "{p:?}");
    let mut elsewhere = good.clone();
    elsewhere[at("tender_contracted")].body.as_mut().unwrap()["contracts"][0]["section"] =
        json!("BD02");
    let p = ContractsReplay.check(&scope, &elsewhere);
    assert!(p.iter().any(|p| p.contains("of section BD02")), "{p:?}");
}

/// A section whose complete evaluation report recommends nobody fails (流标): the committee
/// rejects one of three bids and the tender wants three candidates or none (`shortfall:
/// fail`). Once the last member's position is in, every bond of the section is due back.
#[tokio::test]
async fn the_bonds_of_a_section_its_evaluation_fails_are_due_back() {
    use crate::report::{all_pass, draw_k, evaluating, scores};
    use etender::domain::evaluation::sheet::Sheet;
    let award = json!({"kind": "traditional", "candidates": 3, "shortfall": {"kind": "fail"}});
    let mut w = crate::committee::world_on(
        TestApp::spawn().await,
        5,
        Some((crate::award::evaluation(), award)),
        crate::committee::PRICES,
        None,
        None,
    )
    .await;
    evaluating(&mut w).await;
    draw_k(&w).await;
    w.relogin().await;
    let t = w.t().to_string();
    let bids = w.bids.clone();
    // Every member fails the third bid's responsiveness line: it is rejected.
    let mut sheet = all_pass(&bids);
    if let Sheet::Preliminary { verdicts } = &mut sheet {
        for v in verdicts
            .iter_mut()
            .filter(|v| v.bid == bids[2] && v.requirement == "R1")
        {
            v.pass = false;
            v.reason = Some("工期未响应招标文件的实质性要求".into());
        }
    }
    let (a, b) = (bids[0].as_str(), bids[1].as_str());
    for i in 0..5 {
        let m = &w.experts[w.drawn[i]];
        let creds = m.ident.credentials();
        m.client
            .submit_sheet(&t, "BD01", &sheet, &creds)
            .await
            .unwrap();
    }
    for i in 0..5 {
        let m = &w.experts[w.drawn[i]];
        let s = scores(&[(a, "27", "9"), (b, "24", "7")]);
        m.client
            .submit_sheet(&t, "BD01", &s, &m.ident.credentials())
            .await
            .unwrap();
    }
    let leader = &w.experts[w.drawn[0]];
    let report = leader.client.generate_report(&t, "BD01").await.unwrap();
    assert_eq!(report.outcome.as_str(), "section_fails");
    for i in 0..5 {
        let m = &w.experts[w.drawn[i]];
        let admin = w.app.enrol("admin").await;
        assert!(
            admin.open_bond_refunds().await.unwrap().is_empty(),
            "nothing is due before the report is complete"
        );
        m.client
            .sign_report(&t, "BD01", &m.person, None, &m.ident.credentials())
            .await
            .unwrap();
    }
    let tender: Value = w
        .app
        .client()
        .get(&format!("/api/v1/tenders/{t}"))
        .await
        .unwrap();
    assert_eq!(tender["state"], "failed");
    let admin = w.app.enrol("admin").await;
    let open = admin.open_bond_refunds().await.unwrap();
    assert_eq!(open.len(), w.bidders.len());
    assert!(open.iter().all(|r| {
        serde_json::to_value(r.ground).unwrap() == "section_failed"
            && serde_json::to_value(r.state).unwrap() == "due"
    }));
}

/// A winner that drops out while its contract is a draft (it did not post the performance
/// bond, say): the draft is withdrawn (`contract_withdrawn`, its terms kept in the log) and the
/// next winner's contract is drafted after its own notice. A withdrawn draft takes no further
/// step, and the contracts rule refuses a signed contract withdrawn.
#[tokio::test]
async fn a_draft_contract_is_withdrawn_when_its_winner_drops_out() {
    // The traditional award through the API: candidates published, rank 1 named after the
    // publicity, notified, its contract drafted and signed by the winner only.
    let mut w = evaluated_on(
        TestApp::spawn().await,
        json!({"kind": "traditional", "candidates": 2, "contract": {"clauses": ["保修二年"]}}),
    )
    .await;
    let t = w.t().to_string();
    let published: etender::wire::award::SectionAward =
        w.s.agent
            .post(
                &format!("/api/v1/tenders/{t}/sections/BD01/award/publicity"),
                &json!({}),
            )
            .await
            .unwrap();
    let ranked = published.candidates.clone();
    w.app
        .clock
        .set(published.publicity_until.unwrap() + Duration::seconds(1));
    w.relogin().await;
    w.s.agent
        .award_winner(
            &t,
            "BD01",
            &etender::wire::award_publicity::AwardWinnerRequest {
                winner: ranked[0].clone(),
                reason: None,
            },
        )
        .await
        .unwrap();
    w.s.agent
        .issue_notices(&t, "BD01", &agent_creds())
        .await
        .unwrap();
    let first = w.s.agent.draft_contract(&t, "BD01").await.unwrap();
    assert_eq!(first.bid, ranked[0]);
    let (win, _) = winner_of(&w, &first).await;
    w.bidders[win]
        .client
        .sign_contract(&t, "BD01", &creds(w.bidders[win].label))
        .await
        .unwrap();
    let (st, v) = raw(
        &w.s.agent,
        Method::POST,
        &format!("/api/v1/tenders/{t}/sections/BD01/award/winner/drop-out"),
        Some(json!({"reason": "no_performance_bond", "statement": "未按期提交履约保证金。"})),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (&v["winner"], &v["award_round"]),
        (&json!(ranked[1]), &json!(2)),
        "{v}"
    );
    // The draft is gone; its winner can no longer sign it.
    let (st, v) = raw(
        &w.s.agent,
        Method::GET,
        &format!("/api/v1/tenders/{t}/sections/BD01/contract"),
        None,
    )
    .await;
    assert_eq!((st, v["code"].as_str()), (404, Some("not_found")), "{v}");
    // The next winner is notified, and its contract drafted.
    let now = w.app.clock_now();
    w.app.clock.set(now + chrono::Duration::minutes(1));
    w.relogin().await;
    w.s.agent
        .issue_notices(&t, "BD01", &agent_creds())
        .await
        .unwrap();
    let second = w.s.agent.draft_contract(&t, "BD01").await.unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!(
        (second.bid.as_str(), second.award_round),
        (ranked[1].as_str(), 2)
    );

    let bundle = export(&w.app, Some(&t)).await;
    let es = entries(&bundle);
    let at = es
        .iter()
        .position(|e| e.leaf.event_type == "contract_withdrawn")
        .expect("the withdrawal is logged");
    let body = es[at].body.as_ref().unwrap();
    assert_eq!(body["contract"], first.id.as_str(), "{body}");
    assert_eq!(body["digest"], first.digest.as_str(), "{body}");
    use etender::audit::verify::Rule as _;
    use etender::audit::verify_contracts::ContractsReplay;
    let scope = etender::audit::bundle::BundleScope::All;
    assert!(ContractsReplay.check(&scope, &es).is_empty());
    // A step on the withdrawn draft after its withdrawal, or a signed contract withdrawn.
    let mut tampered = es.clone();
    let signature = es
        .iter()
        .position(|e| e.leaf.event_type == "contract_signature_added")
        .unwrap();
    let moved = tampered.remove(signature);
    tampered.insert(at, moved);
    let found = ContractsReplay.check(&scope, &tampered);
    assert!(
        found.iter().any(|f| f.contains("after the contract ended")),
        "{found:?}"
    );
}
