//! K of the price formula is drawn as the opening record comes out (issue 13 item 3), by the
//! platform's one verifiable mechanism: committed in the log, the supervising regulator's value
//! or the checkpoint fallback, made and revealed at once, replayed by the offline verifier.

use chrono::Duration;
use etender::domain::draw;
use etender::domain::evaluation::lot;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::committee::world;
use crate::draws::contribution;
use crate::fixtures::id_of;
use crate::helpers::assert_problem;

fn k_lottery(list: &Value) -> Value {
    let all = list["items"].as_array().unwrap();
    let lots: Vec<&Value> = all.iter().filter(|d| d["purpose"] == "lottery").collect();
    assert_eq!(lots.len(), 1, "one K lottery for BD01: {list}");
    lots[0].clone()
}

/// The revealed record of draw `id` from the tender's audit export, replayed.
async fn replayed_k(
    w: &crate::committee::World,
    regulator: &etender::client::Client,
    id: &str,
) -> Decimal {
    etender::audit::checkpoint_now(&w.app.ctx.db, &w.app.ctx.audit_log, "test")
        .await
        .unwrap();
    let bundle: Value = regulator
        .get(&format!("/api/v1/audit/export?tender_id={}", w.t()))
        .await
        .unwrap();
    let parsed: etender::audit::bundle::Bundle = serde_json::from_value(bundle.clone()).unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&parsed.public_key).unwrap();
    etender::audit::verify::verify_bundle(
        &parsed,
        &key,
        None,
        &etender::audit::verify::default_rules(),
    )
    .unwrap();
    let trail: Value = regulator
        .get(&format!(
            "/api/v1/audit/trail?tender_id={}&limit=1000",
            w.t()
        ))
        .await
        .unwrap();
    let revealed = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "draw_revealed" && e["subject"] == id)
        .unwrap_or_else(|| panic!("no reveal of {id}: {trail}"));
    let record: draw::Record = serde_json::from_value(revealed["body"]["record"].clone()).unwrap();
    draw::verify(&record).unwrap();
    let seed = draw::seed(&record.frame_digest, &record.secret, &record.contributions);
    lot::k_from_seed(&record.frame, &seed).unwrap()
}

#[tokio::test]
async fn k_is_drawn_at_the_opening_with_the_regulators_value_and_replays() {
    let mut w = world(5).await;
    w.open().await;
    let t = w.t().to_string();
    let regulator = w.app.enrol("regulator").await;
    let regulator_id = id_of(&regulator).await;
    let list: Value = regulator
        .get(&format!("/api/v1/tenders/{t}/draws"))
        .await
        .unwrap();
    let k = k_lottery(&list);
    assert_eq!(k["state"], "committed", "{k}");
    assert!(k.get("lottery").is_none(), "{k}");
    assert_eq!(k["groups"][0]["candidates"], 3);
    let id = k["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/draws/{id}/contributions");

    // Bidders and the public do not list a tender's draws; nobody but a regulator contributes.
    let (st, v) = w.bidders[0]
        .client
        .raw(Method::GET, &format!("/api/v1/tenders/{t}/draws"), None)
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");
    let tenderer = w.app.enrol("tenderer").await;
    let (st, v) = tenderer
        .raw(
            Method::POST,
            &path,
            Some(&contribution(&k, [3; 32], &regulator_id)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let unchanged: Value = regulator.get(&format!("/api/v1/draws/{id}")).await.unwrap();
    assert_eq!(unchanged["state"], "committed");
    assert_eq!(unchanged["contributions"], serde_json::json!([]));

    let made: Value = regulator
        .post(&path, &contribution(&k, [3; 32], &regulator_id))
        .await
        .unwrap();
    assert_eq!(made["state"], "revealed", "{made}");
    assert_eq!(made["lottery"]["draws"], "price_coefficient_k");
    let drawn = made["lottery"]["drawn"].as_array().unwrap();
    assert_eq!(drawn.len(), 1);
    let value: Decimal = drawn[0].as_str().unwrap().parse().unwrap();
    assert!(["0.01", "0.02", "0.03"].contains(&drawn[0].as_str().unwrap()));
    assert!(
        made["secret"].is_string(),
        "a lottery is revealed as it is made"
    );

    // A second contribution is refused and changes nothing.
    let (st, v) = regulator
        .raw(
            Method::POST,
            &path,
            Some(&contribution(&k, [4; 32], &regulator_id)),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    let again: Value = regulator.get(&format!("/api/v1/draws/{id}")).await.unwrap();
    assert_eq!(again["contributions"], made["contributions"]);
    assert_eq!(again["lottery"], made["lottery"]);

    // The tick neither redraws nor adds a second K lottery.
    w.app.clock.advance(Duration::minutes(90));
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    let regulator = w.app.enrol("regulator").await;
    let list: Value = regulator
        .get(&format!("/api/v1/tenders/{t}/draws"))
        .await
        .unwrap();
    assert_eq!(k_lottery(&list)["lottery"], made["lottery"]);

    // Offline: the export verifies and the revealed record replays to the same K.
    assert_eq!(replayed_k(&w, &regulator, &id).await, value);
}

#[tokio::test]
async fn without_the_regulators_value_k_is_drawn_by_the_checkpoint_fallback() {
    let mut w = world(5).await;
    w.open().await;
    let t = w.t().to_string();
    w.app.clock.advance(Duration::minutes(61));
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    etender::audit::sequencer::integrate_now(&w.app.ctx.db, &w.app.ctx.audit_log)
        .await
        .unwrap();
    etender::worker::deadline_tick(&w.app.ctx).await.unwrap();
    let regulator = w.app.enrol("regulator").await;
    let list: Value = regulator
        .get(&format!("/api/v1/tenders/{t}/draws"))
        .await
        .unwrap();
    let k = k_lottery(&list);
    assert_eq!(k["state"], "revealed", "{k}");
    assert_eq!(k["contributions"][0]["contributor"], "fallback:checkpoint");
    let drawn: Decimal = k["lottery"]["drawn"][0].as_str().unwrap().parse().unwrap();
    let id = k["id"].as_str().unwrap().to_string();
    assert_eq!(replayed_k(&w, &regulator, &id).await, drawn);
}
