//! The remedy path (R2) without a server-held key (docs/SEALED-BIDS.md §6): publication records
//! only the custodians' public envelope keys, every bid splits its own remedy key among them,
//! a released share is final and checked on its own, a wrong one is its custodian's fault while
//! t honest ones still open the bid, released shares are forgotten whatever the outcome, and
//! custodians must be independent of the tender.

use chrono::Duration;
use etender::client::bids::{SealedBidFiles, ShareToRelease};
use etender::db::repo::bids as repo;
use etender::seal::X25519PublicKey;
use reqwest::Method;
use serde_json::{json, Value};

use crate::bids::{deadline_of, record_bonds, Bidder, BIDDERS};
use crate::fixtures::{
    custodian_secret, draft, draft_tender, id_of, publish, published_tender, register_envelope_key,
    sign_notice, CUSTODIANS,
};
use crate::helpers::{pki, TestApp};

/// Three bids on BD01 of a published tender, sealed by the client library and submitted.
async fn three_bids(app: &TestApp, t: &str) -> (Vec<Bidder>, Vec<SealedBidFiles>) {
    let mut bidders = Vec::new();
    for l in &BIDDERS[..3] {
        bidders.push(Bidder::enrol(app, l).await);
    }
    let refs: Vec<&Bidder> = bidders.iter().collect();
    record_bonds(app, t, "BD01", "200000.00", &refs).await;
    let mut sealed = Vec::new();
    for (b, price) in bidders
        .iter()
        .zip(["9100000.00", "9200000.00", "9300000.00"])
    {
        let s = b.seal(t, "BD01", price, 1000).await;
        b.submit(t, "BD01", &s).await;
        sealed.push(s);
    }
    (bidders, sealed)
}

/// The deadline passes, nobody releases a key (R1), the decryption window ends.
async fn into_recovery(app: &TestApp, t: &str) {
    let deadline = deadline_of(app, t).await;
    app.clock.set(deadline);
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    etender::app::opening::tick(&app.ctx).await.unwrap();
    app.clock.set(deadline + Duration::minutes(31));
    etender::app::opening::tick(&app.ctx).await.unwrap();
}

async fn releases(app: &TestApp, t: &str) -> Vec<repo::ReleaseRow> {
    let t = t.to_string();
    app.ctx
        .db
        .read_primary(move |c| Ok(repo::releases_of_section(c, &t, "BD01")?))
        .await
        .unwrap()
}

/// Custodian `label`'s decrypted (and commitment-checked) share of each sealed bid.
fn shares_of(label: &str, sealed: &[SealedBidFiles], bid_ids: &[String]) -> Vec<ShareToRelease> {
    sealed
        .iter()
        .zip(bid_ids)
        .map(|(s, id)| {
            let m = &s.manifest;
            ShareToRelease {
                bid_id: id.clone(),
                manifest_sha256: etender::seal::manifest_sha256(m),
                share: m
                    .remedy
                    .decrypt_share(&m.remedy_bid(), &custodian_secret(label))
                    .unwrap(),
            }
        })
        .collect()
}

async fn bid_ids(bidders: &[Bidder], t: &str) -> Vec<String> {
    let mut out = Vec::new();
    for b in bidders {
        let mine = b.client.my_bid(t, "BD01").await.unwrap();
        out.push(mine.current.unwrap().bid_id);
    }
    out
}

async fn opening(app: &TestApp, t: &str) -> etender::wire::opening::Opening {
    app.client().opening(t, "BD01").await.unwrap()
}

#[tokio::test]
async fn publication_holds_only_custodian_public_keys_and_k_custodians_open() {
    let app = TestApp::spawn().await;
    let setup = draft_tender(&app, 30).await;
    let t = setup.tender.clone();
    let registered: Vec<X25519PublicKey> = CUSTODIANS
        .iter()
        .map(|l| custodian_secret(l).public_key())
        .collect();

    let before = app.rows().await;
    let (status, body) = publish(&app, &setup).await;
    assert_eq!(status, 200, "{body}");
    let after = app.rows().await;
    // Publication stores one row per section and custodian in the only key table, and no
    // table of the old design (a server-generated key and its shares) exists any more.
    assert_eq!(
        after.get("remedy_custodians") - before.get("remedy_custodians"),
        2 * 3
    );
    assert_eq!(after.get("remedy_releases"), 0);
    let tables = before.changes(&after, &[]);
    assert!(
        !tables.iter().any(|t| t.contains("opening_key")),
        "{tables:?}"
    );
    // What it stores and shows: exactly the keys the custodians registered (whose secrets
    // the server never saw), share i to custodian i, t = 2. Nothing else.
    let (t2, keys) = (t.clone(), registered.clone());
    let rows = app
        .ctx
        .db
        .read_primary(move |c| {
            let mut v = repo::remedy_custodians_of(c, &t2, "BD01")?;
            v.extend(repo::remedy_custodians_of(c, &t2, "BD02")?);
            Ok(v)
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 6);
    for r in &rows {
        let i = r.share_index as usize - 1;
        assert_eq!(r.public_key, hex::encode(keys[i].0));
        assert_eq!(r.custodian_id, setup.custodians[i]);
        assert_eq!((r.threshold, r.total), (2, 3));
    }
    let public: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{t}"))
        .await
        .unwrap();
    for section in public["remedy"].as_array().unwrap() {
        let listed: Vec<String> = section["custodians"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["public_key"].as_str().unwrap().to_string())
            .collect();
        let want: Vec<String> = registered.iter().map(|k| hex::encode(k.0)).collect();
        assert_eq!(listed, want, "{section}");
        assert_eq!(section["threshold"], 2);
    }
    // The publication's audit entry logs the same public keys, and nothing else 32 bytes long
    // that could be a key: its remedy block is exactly the public view's.
    let t3 = t.clone();
    let bodies: Vec<String> = app
        .ctx
        .db
        .read_primary(move |c| {
            use diesel::prelude::*;
            use etender::db::schema::audit_events::dsl as ae;
            let q = ae::audit_events
                .filter(ae::tender_id.eq(t3))
                .filter(ae::event_type.eq("tender_published"))
                .select(ae::body);
            Ok(match c {
                etender::db::AnyConnection::Postgresql(pg) => q.load(pg)?,
                etender::db::AnyConnection::Sqlite(lite) => q.load(lite)?,
            })
        })
        .await
        .unwrap();
    assert_eq!(bodies.len(), 1);
    let logged: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(logged["remedy"], public["remedy"], "{logged}");
    assert!(logged.get("opening_keys").is_none(), "{logged}");

    // Bids sealed by the client library open through R2 with k = 2 of the 3 custodians.
    let (_, sealed) = three_bids(&app, &t).await;
    // Every bid has its own remedy key, none of them known to the server.
    let mut remedy_keys: Vec<_> = sealed
        .iter()
        .map(|s| s.manifest.remedy.public_key)
        .collect();
    remedy_keys.dedup();
    assert_eq!(remedy_keys.len(), 3);
    assert!(remedy_keys.iter().all(|k| !registered.contains(k)));
    into_recovery(&app, &t).await;
    let first = app.enrol(CUSTODIANS[0]).await;
    let s = first
        .release_share(
            &t,
            "BD01",
            &custodian_secret(CUSTODIANS[0]),
            &pki().get(CUSTODIANS[0]).credentials(),
        )
        .await
        .unwrap();
    assert_eq!(s.bids.len(), 3);
    assert!(s
        .bids
        .iter()
        .all(|b| b.accepted && b.valid_shares == 1 && b.status.as_str() == "sealed"));
    let held = releases(&app, &t).await;
    assert!(held.iter().all(|r| r.valid && r.share_value.is_some()));
    let third = app.enrol(CUSTODIANS[2]).await;
    let s = third
        .release_share(
            &t,
            "BD01",
            &custodian_secret(CUSTODIANS[2]),
            &pki().get(CUSTODIANS[2]).credentials(),
        )
        .await
        .unwrap();
    assert!(
        s.bids.iter().all(|b| b.status.as_str() == "opened"),
        "{s:?}"
    );
    let o = opening(&app, &t).await;
    assert!(o.bids.iter().all(|b| b.status.as_str() == "opened"));
    let record = o.record.unwrap().to_string();
    for p in ["9100000.00", "9200000.00", "9300000.00"] {
        assert!(record.contains(p), "{record}");
    }
    // The released share values are forgotten once the bids are settled; what stays is
    // each release's digest, validity and signature.
    let kept = releases(&app, &t).await;
    assert_eq!(kept.len(), 6);
    assert!(kept.iter().all(|r| r.share_value.is_none()), "{kept:?}");
}

#[tokio::test]
async fn a_release_is_final_and_a_wrong_share_is_its_custodians_fault() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let t = setup.tender.clone();
    let (bidders, sealed) = three_bids(&app, &t).await;
    let ids = bid_ids(&bidders, &t).await;
    into_recovery(&app, &t).await;

    // Custodian 1 releases a share of the first bid that is not the one it holds, and good
    // shares of the other two.
    let c1 = app.enrol(CUSTODIANS[0]).await;
    let creds1 = pki().get(CUSTODIANS[0]).credentials();
    let mut mine = shares_of(CUSTODIANS[0], &sealed, &ids);
    mine[0].share.value[5] ^= 0x40;
    let s = c1
        .release_share_values(&t, "BD01", &mine, &creds1)
        .await
        .unwrap();
    let accepted: Vec<_> = s
        .bids
        .iter()
        .map(|b| (b.accepted, b.valid_shares))
        .collect();
    assert_eq!(accepted, [(false, 0), (true, 1), (true, 1)]);
    let o = opening(&app, &t).await;
    let bad = o.bids.iter().find(|b| b.bid_id == ids[0]).unwrap();
    assert_eq!(bad.rejected_shares.len(), 1);
    assert_eq!(bad.rejected_shares[0].custodian_id, setup.custodians[0]);
    assert_eq!(bad.rejected_shares[0].share_index, 1);
    assert_eq!(bad.valid_shares, 0);

    // Neither a correction nor a repeat replaces a release: refused, nothing changes.
    let before_rows = app.rows().await;
    let before = releases(&app, &t).await;
    let honest = shares_of(CUSTODIANS[0], &sealed, &ids);
    for attempt in [&honest[..1], &honest[1..2]] {
        let e = c1
            .release_share_values(&t, "BD01", attempt, &creds1)
            .await
            .unwrap_err();
        assert_eq!(e.code().map(|c| c.as_str()), Some("share_already_released"));
    }
    // The same through the plain API, with another value for the released share.
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload = etender::seal::statements::share_release_payload(
        &t,
        "BD01",
        &honest[1].manifest_sha256,
        1,
        &[7; 32],
    );
    let sig = creds1.key.sign(creds1.algorithm, &payload).unwrap();
    let (status, body) = c1
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{t}/sections/BD01/opening/shares"),
            Some(&json!({"releases": [{"bid_id": ids[1], "share_index": 1,
                "share": hex::encode([7u8; 32]),
                "signature": base64::Engine::encode(&b64, sig)}],
                "certificate_chain": creds1.chain.iter()
                    .map(|d| base64::Engine::encode(&b64, d)).collect::<Vec<_>>(),
                "signature_algorithm": creds1.algorithm.as_str()})),
        )
        .await
        .unwrap();
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "share_already_released");
    before_rows.assert_same(&app.rows().await, "a second release");
    let after = releases(&app, &t).await;
    let view = |v: &[repo::ReleaseRow]| {
        v.iter()
            .map(|r| {
                (
                    r.bid_id.clone(),
                    r.share_index,
                    r.share_value.clone(),
                    r.valid,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(view(&before), view(&after));

    // Custodian 2 releases honestly: the second and third bids open (1 and 2 of t = 2); the
    // first has one valid share only.
    let c2 = app.enrol(CUSTODIANS[1]).await;
    c2.release_share(
        &t,
        "BD01",
        &custodian_secret(CUSTODIANS[1]),
        &pki().get(CUSTODIANS[1]).credentials(),
    )
    .await
    .unwrap();
    let o = opening(&app, &t).await;
    let status = |id: &str| {
        let b = o.bids.iter().find(|b| b.bid_id == id).unwrap();
        (b.status.as_str(), b.valid_shares)
    };
    assert_eq!(status(&ids[0]), ("sealed", 1));
    assert_eq!(status(&ids[1]), ("opened", 2));
    assert_eq!(status(&ids[2]), ("opened", 2));
    // The third, honest custodian makes k = 2 honest shares for the first bid: it opens
    // although custodian 1 released a wrong share.
    let c3 = app.enrol(CUSTODIANS[2]).await;
    let s = c3
        .release_share(
            &t,
            "BD01",
            &custodian_secret(CUSTODIANS[2]),
            &pki().get(CUSTODIANS[2]).credentials(),
        )
        .await
        .unwrap();
    assert_eq!(s.bids.len(), 1, "only the first bid was still sealed");
    assert_eq!(s.bids[0].status.as_str(), "opened");
    let o = opening(&app, &t).await;
    assert!(o.bids.iter().all(|b| b.status.as_str() == "opened"));
    let first = o.bids.iter().find(|b| b.bid_id == ids[0]).unwrap();
    assert_eq!(first.attempts.last().unwrap().path.as_str(), "r2");
    assert_eq!(first.rejected_shares[0].custodian_id, setup.custodians[0]);
    // Whatever the outcome, no released value stays.
    assert!(releases(&app, &t)
        .await
        .iter()
        .all(|r| r.share_value.is_none()));
}

/// Makes `label` (a registered person) a custodian with an envelope key, staff of the
/// organisation `org_label` (invited by an administrator, accepted by the person).
async fn custodian_on_staff_of(app: &TestApp, label: &str, org_label: &str) -> String {
    let person = app.enrol(label).await;
    let pid = id_of(&person).await;
    let admin = app.enrol("admin").await;
    let (s, v) = admin
        .raw(
            Method::PUT,
            &format!("/api/v1/people/{pid}/roles/custodian"),
            None,
        )
        .await
        .unwrap();
    assert!(s.is_success(), "{v}");
    let oid = id_of(&app.enrol(org_label).await).await;
    let (s, v) = admin
        .raw(
            Method::POST,
            &format!("/api/v1/organisations/{oid}/staff"),
            Some(&json!({"person_id": pid})),
        )
        .await
        .unwrap();
    assert!(s.is_success(), "{v}");
    // Staff are attached only once the person accepts (issue 11, finding 4).
    let person = app.enrol(label).await;
    person
        .accept_staff(&oid, &pid)
        .await
        .unwrap_or_else(|e| panic!("accept staff: {e}"));
    let (s, v) = register_envelope_key(&person, label).await;
    assert_eq!(s, 200, "{v}");
    pid
}

#[tokio::test]
async fn custodians_must_be_independent_of_the_tender() {
    let app = TestApp::spawn().await;
    // The agent's own staff member as a custodian: refused at publication.
    let insider = custodian_on_staff_of(&app, "spare", "agent").await;
    let setup = draft_tender(&app, 30).await;
    let mut custodians = setup.custodians.clone();
    custodians[0] = insider.clone();
    let now = app.clock_now();
    let (s, v) = setup
        .agent
        .raw(
            Method::PUT,
            &format!("/api/v1/tenders/{}", setup.tender),
            Some(&json!({"draft": draft(now, 30, &custodians)})),
        )
        .await
        .unwrap();
    assert!(s.is_success(), "{v}");
    let before = app.rows().await;
    let (status, body) = publish(&app, &setup).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "rule_violation");
    let errors = body["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["code"] == "custodian_not_independent"
                && e["field"] == "custodians.person_ids[0]"),
        "{body}"
    );
    before.assert_same(
        &app.rows().await,
        "a publication with a dependent custodian",
    );

    // A bidder's own staff member as a custodian: the tender publishes (the bidder is no
    // party of it), but that bidder cannot bid on it.
    let bidders_man = custodian_on_staff_of(&app, "nobody", "bidder").await;
    custodians[0] = bidders_man;
    let (s, v) = setup
        .agent
        .raw(
            Method::PUT,
            &format!("/api/v1/tenders/{}", setup.tender),
            Some(&json!({"draft": draft(now, 30, &custodians)})),
        )
        .await
        .unwrap();
    assert!(s.is_success(), "{v}");
    let sig = sign_notice(
        &setup.agent,
        &setup.tender,
        &pki().get("agent").credentials(),
    )
    .await;
    let (s, v) = setup
        .agent
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{}/publish", setup.tender),
            Some(&sig),
        )
        .await
        .unwrap();
    assert_eq!(s, 200, "{v}");
    let t = setup.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&b]).await;
    let sealed = b.seal(&t, "BD01", "9100000.00", 1000).await;
    let before = app.rows().await;
    let e = b
        .client
        .open_upload(
            &t,
            "BD01",
            &sealed.manifest,
            &pki().get("bidder").credentials(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code().map(|c| c.as_str()), Some("custodian_conflict"));
    before.assert_same(&app.rows().await, "a bid from a custodian's employer");
    // Another bidder is not affected …
    let other = Bidder::enrol(&app, "bidder-rsa").await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&other]).await;
    let sealed = other.seal(&t, "BD01", "9200000.00", 1000).await;
    let creds = pki().get("bidder-rsa").credentials();
    let upload = other
        .client
        .open_upload(&t, "BD01", &sealed.manifest, &creds)
        .await
        .unwrap();
    for (i, path) in sealed.part_paths.iter().enumerate() {
        other
            .client
            .send_part_resumable(&upload.id, i as u32, path)
            .await
            .unwrap();
    }
    // … until one of the tender's custodians joins its staff: then its submission is refused.
    let admin = app.enrol("admin").await;
    let oid = id_of(&other.client).await;
    let (s, v) = admin
        .raw(
            Method::POST,
            &format!("/api/v1/organisations/{oid}/staff"),
            Some(&json!({"person_id": setup.custodians[1]})),
        )
        .await
        .unwrap();
    assert!(s.is_success(), "{v}");
    app.enrol(crate::fixtures::CUSTODIANS[1])
        .await
        .accept_staff(&oid, &setup.custodians[1])
        .await
        .unwrap_or_else(|e| panic!("accept staff: {e}"));
    let before = app.rows().await;
    let e = other.client.submit_upload(&upload.id).await.unwrap_err();
    assert_eq!(e.code().map(|c| c.as_str()), Some("custodian_conflict"));
    before.assert_same(
        &app.rows().await,
        "a submission by a custodian's new employer",
    );
    assert!(other
        .client
        .my_bid(&t, "BD01")
        .await
        .unwrap()
        .current
        .is_none());
}
