//! Sealed bids end to end, driven through the bidder's client library the way real bidders
//! use it: seal on the bidder's side, resumable upload, receipts with audit proofs, replace,
//! withdraw; confidentiality before the opening (every role, every read endpoint, the database
//! and the storage files); the opening ceremony with R1, R2 (k of n, and k−1), failure
//! attribution, the record, confirmations and objections.

use std::path::{Path, PathBuf};

use chrono::Duration;
use etender::client::bank::BankNotice;
use etender::client::bids::{
    seal_bid_to_dir, BondKind, OpeningPhase, OpeningReaction, SealedBidFiles,
};
use etender::client::Client;
use etender::domain::bidding::BidState;
use etender::seal::{BidContext, EnvelopeSecret, Summary};
use reqwest::Method;
use serde_json::Value;

use crate::fixtures::{custodian_secret, id_of, published_tender, CUSTODIANS};
use crate::helpers::{pki, TestApp};

pub const BIDDERS: [&str; 4] = ["bidder", "bidder-rsa", "bidder-ed25519", "bidder-sm2"];

/// A bidder with its own envelope key and a working directory for sealed bids.
pub struct Bidder {
    pub label: &'static str,
    pub client: Client,
    pub envelope: EnvelopeSecret,
    pub dir: tempfile::TempDir,
}

impl Bidder {
    pub async fn enrol(app: &TestApp, label: &'static str) -> Bidder {
        Bidder {
            label,
            client: app.enrol(label).await,
            envelope: EnvelopeSecret::generate(&mut rand_core::OsRng),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Log in again (the clock jumps past session lifetimes in these tests).
    pub async fn relogin(&mut self, app: &TestApp) {
        self.client = app.enrol(self.label).await;
    }

    pub fn uscc(&self) -> &str {
        &pki().get(self.label).key
    }

    /// Seal a bid for the section's next version with `price` and one document of `doc_len`
    /// bytes (several chunks when larger than 1 MiB).
    pub async fn seal(
        &self,
        tender: &str,
        section: &str,
        price: &str,
        doc_len: usize,
    ) -> SealedBidFiles {
        let mine = self.client.my_bid(tender, section).await.unwrap();
        let ctx = BidContext {
            tender_id: tender.into(),
            section_id: section.into(),
            bidder_uscc: etender::domain::uscc::Uscc::parse(self.uscc()).unwrap(),
            bid_version: mine.next_version,
            remedy: mine.remedy.clone(),
        };
        let out = self
            .dir
            .path()
            .join(format!("{section}-v{}", mine.next_version));
        std::fs::create_dir_all(&out).unwrap();
        let doc = out.join("技术标.pdf.src");
        let bytes: Vec<u8> = (0..doc_len).map(|i| (i * 31 % 251) as u8).collect();
        std::fs::write(&doc, bytes).unwrap();
        let summary = Summary {
            price: price.parse().unwrap(),
            duration_days: 180,
            quality: "合格".into(),
            project_manager: "王建国".into(),
            bid_bond_reference: format!("BOND-{}", self.label),
        };
        let creds = pki().get(self.label).credentials();
        let envelope = EnvelopeSecret::from_bytes(&self.envelope.to_bytes());
        tokio::task::spawn_blocking(move || {
            seal_bid_to_dir(
                ctx,
                &summary,
                &[("技术标.pdf".to_string(), doc)],
                &out,
                &envelope,
                &creds,
            )
            .unwrap()
        })
        .await
        .unwrap()
    }

    pub async fn submit(
        &self,
        tender: &str,
        section: &str,
        sealed: &SealedBidFiles,
    ) -> etender::client::bids::Receipt {
        let creds = pki().get(self.label).credentials();
        self.client
            .submit_sealed_bid(
                tender,
                section,
                &sealed.manifest,
                &sealed.part_paths,
                &creds,
            )
            .await
            .unwrap()
    }
}

/// Each bidder's bond for `section` arrives the only way a bond can: the bidder asks for its
/// virtual sub-account, and the bank reports a guarantee issued for it in a signed notice.
pub async fn record_bonds(
    app: &TestApp,
    tender: &str,
    section: &str,
    amount: &str,
    bidders: &[&Bidder],
) {
    record_bonds_as(
        app,
        tender,
        section,
        amount,
        bidders,
        BondKind::BankGuarantee,
    )
    .await
}

/// [`record_bonds`] of another form (a cash transfer earns interest when refunded).
pub async fn record_bonds_as(
    app: &TestApp,
    tender: &str,
    section: &str,
    amount: &str,
    bidders: &[&Bidder],
    kind: BondKind,
) {
    let bank = app.bank();
    for b in bidders {
        let account = b.client.my_bond_account(tender, section).await.unwrap();
        bank.issuer
            .notify(&BankNotice {
                account: account.account,
                amount: amount.parse().unwrap(),
                kind,
                reference: format!("BG-{}-{section}", b.label),
                arrived_at: app.clock_now(),
                payer_account: None,
            })
            .await
            .unwrap();
    }
}

/// Every file under `dir`, read whole (test data is small apart from the documents).
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                out.push((p, b));
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Rows of any table whose text contains `needle` (PostgreSQL has no file to grep from here, so
/// ask the database itself for every column of every row of every table).
async fn rows_containing(app: &TestApp, needle: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let needle = format!("%{needle}%");
    app.ctx
        .db
        .read_primary(move |c| {
            let mut total = 0;
            for t in crate::helpers::table_names(c)? {
                let sql = match c {
                    etender::db::AnyConnection::Postgresql(_) => {
                        format!(
                            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {t} x \
                             WHERE CAST(x AS TEXT) LIKE $1"
                        )
                    }
                    etender::db::AnyConnection::Sqlite(_) => {
                        // SQLite: the files are grepped directly; count nothing here.
                        return Ok(0);
                    }
                };
                let r: N = diesel::sql_query(sql)
                    .bind::<diesel::sql_types::Text, _>(&needle)
                    .get_result(c)
                    .map_err(etender::error::AppError::internal)?;
                total += r.n;
            }
            Ok(total)
        })
        .await
        .unwrap()
}

/// The price must appear nowhere: not in any response any role can get, not in the database,
/// not in any stored file.
async fn assert_sealed(app: &TestApp, tender: &str, prices: &[&str], readers: &[(&str, &Client)]) {
    let reads = [
        format!("/api/v1/tenders/{tender}"),
        "/api/v1/tenders".to_string(),
        format!("/api/v1/announcements?tender={tender}"),
        format!("/api/v1/ocds/tenders/{tender}"),
        format!("/api/v1/audit/trail?tender_id={tender}"),
        "/api/v1/audit/trail".to_string(),
        "/api/v1/audit/export".to_string(),
        format!("/api/v1/audit/export?tender_id={tender}"),
        format!("/api/v1/tenders/{tender}/sections/BD01/opening"),
        format!("/api/v1/tenders/{tender}/sections/BD01/bids/mine"),
        "/api/v1/audit/entries/0".to_string(),
    ];
    for (who, c) in readers {
        for path in &reads {
            let (status, body) = c.raw(Method::GET, path, None).await.unwrap();
            // A malformed read would prove nothing.
            assert_ne!(status, 400, "{who} {path}: {body}");
            let text = body.to_string();
            for p in prices {
                assert!(!text.contains(p), "{who} read the price {p} from {path}");
            }
            // Nor may anyone but the bidder see that a bid exists for this tender.
            if *who != "bidder" && path.contains(tender) {
                assert!(
                    !text.contains("bid_submitted"),
                    "{who} saw a bid event in {path}: {text}"
                );
            }
        }
    }
    // Straight from the files: the database (SQLite, WAL included) and storage.
    // The submitted parts are really there (so this grep reads the stored ciphertext).
    let t = tender.to_string();
    let keys: Vec<String> = app
        .ctx
        .db
        .read_primary(move |c| {
            let mut keys = Vec::new();
            for b in ["BD01", "BD02"]
                .iter()
                .map(|s| {
                    etender::db::repo::bids::bids_of_section(
                        c,
                        &t,
                        s,
                        &[BidState::Submitted, BidState::Superseded],
                    )
                })
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
            {
                for p in etender::db::repo::bids::bid_parts(c, &b.id)? {
                    keys.push(p.storage_key);
                }
            }
            Ok(keys)
        })
        .await
        .unwrap();
    assert!(!keys.is_empty(), "no stored bid parts to inspect");
    for k in &keys {
        assert!(app.stored_file(k).is_file());
    }
    for (path, bytes) in app.data_dirs().iter().flat_map(|d| files_under(d)) {
        for p in prices {
            assert!(
                !contains(&bytes, p.as_bytes()),
                "{} holds the price {p} in plaintext",
                path.display()
            );
        }
    }
    for p in prices {
        assert_eq!(
            rows_containing(app, p).await,
            0,
            "a database row holds the price {p}"
        );
    }
}

#[tokio::test]
async fn sealed_bids_from_submission_to_the_opening_record() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let t = setup.tender.clone();
    let mut bidders = Vec::new();
    for l in BIDDERS {
        bidders.push(Bidder::enrol(&app, l).await);
    }
    let refs: Vec<&Bidder> = bidders.iter().collect();
    record_bonds(&app, &t, "BD01", "200000.00", &refs).await;
    record_bonds(&app, &t, "BD02", "160000.00", &refs[..3]).await;

    // Four bids on BD01 (documents of 2.5 MiB: three chunks), three on BD02.
    let prices = ["11234567.89", "11345678.90", "11456789.01", "11567890.12"];
    let mut receipts = Vec::new();
    let mut manifests = Vec::new();
    for (b, price) in bidders.iter().zip(prices) {
        let sealed = b.seal(&t, "BD01", price, 5 << 19).await;
        let r = b.submit(&t, "BD01", &sealed).await;
        r.check_against(&sealed.manifest).unwrap();
        let proof = r
            .audit
            .tlog_proof
            .as_deref()
            .expect("receipt carries its audit proof");
        assert!(proof.starts_with("c2sp.org/tlog-proof@v1"), "{proof}");
        receipts.push(r);
        manifests.push(sealed);
    }
    for (b, price) in bidders
        .iter()
        .take(3)
        .zip(["7012345.67", "7123456.78", "7234567.89"])
    {
        let sealed = b.seal(&t, "BD02", price, 1000).await;
        b.submit(&t, "BD02", &sealed).await;
    }

    // The first bidder replaces its BD01 bid: version 2 supersedes version 1.
    let replacement = "11111111.11";
    let sealed_v2 = bidders[0].seal(&t, "BD01", replacement, 4096).await;
    assert_eq!(sealed_v2.manifest.bid_version, 2);
    let r2 = bidders[0].submit(&t, "BD01", &sealed_v2).await;
    assert_eq!(r2.supersedes.as_deref(), Some(receipts[0].bid_id.as_str()));
    manifests[0] = sealed_v2;

    // Before the opening: nobody reads a price or learns of a bid.
    let mut readers = Vec::new();
    for who in [
        "tenderer",
        "agent",
        "regulator",
        "admin",
        "custodian",
        "expert",
    ] {
        readers.push((who, app.enrol(who).await));
    }
    readers.push(("public", app.client()));
    readers.push(("bidder-rsa", app.enrol("bidder-rsa").await));
    let reader_refs: Vec<(&str, &Client)> = readers.iter().map(|(w, c)| (*w, c)).collect();
    let all_prices: Vec<&str> = prices.iter().copied().chain([replacement]).collect();
    assert_sealed(&app, &t, &all_prices, &reader_refs).await;
    // Shares are not handed out before recovery.
    let custodian = app.enrol("custodian").await;
    let before = app.rows().await;
    let e = custodian.my_shares(&t, "BD01").await.unwrap_err();
    assert_eq!(e.code().map(|c| c.as_str()), Some("opening_phase"));
    before.assert_same(&app.rows().await, "a share asked for before recovery");

    // The deadline passes: late bids are refused, the opening starts once.
    let deadline = crate::fixtures::schedule(
        &setup
            .agent
            .get::<Value>(&format!("/api/v1/tenders/{t}"))
            .await
            .unwrap(),
    )
    .bid_deadline;
    app.clock.set(deadline);
    for b in bidders.iter_mut() {
        b.relogin(&app).await;
    }
    // A last-moment bid at the deadline itself is late.
    let late = bidders[3].seal(&t, "BD01", "1.00", 10).await;
    let before = app.rows().await;
    let e = bidders[3]
        .client
        .open_upload(
            &t,
            "BD01",
            &late.manifest,
            &pki().get("bidder-sm2").credentials(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code().map(|c| c.as_str()), Some("deadline_passed"));
    before.assert_same(&app.rows().await, "a bid at the deadline");
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    etender::app::opening::tick(&app.ctx).await.unwrap();
    etender::app::opening::tick(&app.ctx).await.unwrap();
    let opening = bidders[0].client.opening(&t, "BD01").await.unwrap();
    assert_eq!(opening.state, OpeningPhase::Decrypting);
    assert_eq!(
        opening.bids.len(),
        4,
        "one entry per bidder: only the latest version"
    );
    assert!(opening.bids.iter().all(|b| b.status.as_str() == "sealed"));
    assert!(opening.bids.iter().any(|b| b.version == 2));

    // R1: three bidders decrypt; bidder-sm2 is absent.
    for (b, sealed) in bidders.iter().zip(&manifests).take(3) {
        b.client
            .release_deks(
                &t,
                "BD01",
                &sealed.manifest,
                &b.envelope,
                &pki().get(b.label).credentials(),
            )
            .await
            .unwrap();
    }
    let opening = bidders[0].client.opening(&t, "BD01").await.unwrap();
    assert_eq!(
        opening
            .bids
            .iter()
            .filter(|b| b.status.as_str() == "opened")
            .count(),
        3
    );

    // The window ends; custodians are asked. One share (k−1) opens nothing.
    app.clock.set(deadline + Duration::minutes(31));
    for b in bidders.iter_mut() {
        b.relogin(&app).await;
    }
    etender::app::opening::tick(&app.ctx).await.unwrap();
    let opening = bidders[0].client.opening(&t, "BD01").await.unwrap();
    assert_eq!(opening.state, OpeningPhase::Recovering);
    let custodians: Vec<Client> = {
        let mut v = Vec::new();
        for l in CUSTODIANS {
            v.push(app.enrol(l).await);
        }
        v
    };
    let s1 = custodians[0]
        .release_share(
            &t,
            "BD01",
            &custodian_secret(CUSTODIANS[0]),
            &pki().get(CUSTODIANS[0]).credentials(),
        )
        .await
        .unwrap();
    // One share of the absent bidder's bid, the only one still sealed: t−1 = 1 of 2.
    assert_eq!(s1.threshold, 2);
    let b1: Vec<_> = s1
        .bids
        .iter()
        .map(|b| (b.accepted, b.valid_shares, b.status.as_str()))
        .collect();
    assert_eq!(b1, [(true, 1, "sealed")]);
    let opening = bidders[0].client.opening(&t, "BD01").await.unwrap();
    assert_eq!(
        opening
            .bids
            .iter()
            .filter(|b| b.status.as_str() == "sealed")
            .count(),
        1,
        "k−1 shares open nothing"
    );
    // BD02: nobody decrypts, only one custodian releases.
    custodians[0]
        .release_share(
            &t,
            "BD02",
            &custodian_secret(CUSTODIANS[0]),
            &pki().get(CUSTODIANS[0]).credentials(),
        )
        .await
        .unwrap();
    // The k-th share (the third custodian: any 2 of 3) opens the absent bidder's bid via R2.
    let s3 = custodians[2]
        .release_share(
            &t,
            "BD01",
            &custodian_secret(CUSTODIANS[2]),
            &pki().get(CUSTODIANS[2]).credentials(),
        )
        .await
        .unwrap();
    assert_eq!(s3.bids.len(), 1);
    assert_eq!(
        (s3.bids[0].valid_shares, s3.bids[0].status.as_str()),
        (2, "opened")
    );
    let opening = bidders[0].client.opening(&t, "BD01").await.unwrap();
    assert_eq!(opening.state, OpeningPhase::RecordPublished);
    let absent = opening
        .bids
        .iter()
        .find(|b| b.bidder_uscc == bidders[3].uscc())
        .unwrap();
    assert_eq!(absent.status.as_str(), "opened");
    assert_eq!(absent.attempts.last().unwrap().path.as_str(), "r2");

    // The record reads out every price, the replacement's instead of version 1's.
    let record = opening.record.clone().unwrap();
    let text = record.to_string();
    for p in [replacement, prices[1], prices[2], prices[3]] {
        assert!(text.contains(p), "record lacks {p}: {text}");
    }
    assert!(!text.contains(prices[0]), "a superseded version was opened");

    // Opened bids are read decrypted by regulators (and by the committee, during the
    // evaluation): the document of a bid opened by its bidder (R1) and of one opened by the
    // custodians (R2), as sealed, byte for byte. Every other role reads nothing, and a refused
    // read changes nothing; each read is an audit event.
    let document: Vec<u8> = (0..5usize << 19).map(|i| (i * 31 % 251) as u8).collect();
    let regulator = app.enrol("regulator").await;
    let r1 = receipts[1].bid_id.clone();
    for bid in [&r1, &absent.bid_id] {
        let mut got = Vec::new();
        let n = regulator
            .save_opened_part(&t, "BD01", bid, 1, &mut got)
            .await
            .unwrap();
        assert_eq!(n, document.len() as u64);
        assert!(got == document, "part 1 of {bid} read back differently");
        let mut summary = Vec::new();
        regulator
            .save_opened_part(&t, "BD01", bid, 0, &mut summary)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&summary).contains("合格"));
    }
    // A byte of the stored ciphertext changed after the opening: the read authenticates every
    // record, so the response stops short and the client reports it; nothing wrong is passed on
    // as the bid.
    let r1_id = r1.clone();
    let parts = app
        .ctx
        .db
        .read_primary(move |c| Ok(etender::db::repo::bids::bid_parts(c, &r1_id)?))
        .await
        .unwrap();
    let path = app.stored_file(&parts[1].storage_key);
    let pristine = std::fs::read(&path).unwrap();
    let mut bytes = pristine.clone();
    bytes[(1 << 20) + 100] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    let mut got = Vec::new();
    let e = regulator
        .save_opened_part(&t, "BD01", &r1, 1, &mut got)
        .await
        .unwrap_err();
    assert!(got.len() < document.len(), "{e}");
    assert!(
        got.len() as u64 <= 1 << 20,
        "nothing past the altered record: {e}"
    );
    std::fs::write(&path, pristine).unwrap();
    let superseded = receipts[0].bid_id.clone();
    let mut sink = Vec::new();
    let e = regulator
        .save_opened_part(&t, "BD01", &superseded, 1, &mut sink)
        .await
        .unwrap_err();
    assert_eq!(e.code().map(|c| c.as_str()), Some("not_found"), "{e}");
    let e = regulator
        .save_opened_part(&t, "BD02", &r1, 1, &mut sink)
        .await
        .unwrap_err();
    assert_eq!(
        e.code().map(|c| c.as_str()),
        Some("not_found"),
        "another section's path"
    );
    let e = regulator
        .save_opened_part(&t, "BD01", &r1, 9, &mut sink)
        .await
        .unwrap_err();
    assert_eq!(
        e.code().map(|c| c.as_str()),
        Some("not_found"),
        "no such part"
    );
    let mut refused = Vec::new();
    for who in [
        "tenderer",
        "agent",
        "admin",
        "custodian",
        "expert",
        "bidder-rsa",
    ] {
        refused.push((who, app.enrol(who).await));
    }
    refused.push(("public", app.client()));
    let before = app.rows().await;
    for (who, c) in &refused {
        for bid in [&r1, &absent.bid_id] {
            let e = c
                .save_opened_part(&t, "BD01", bid, 1, &mut sink)
                .await
                .unwrap_err();
            let code = e.code().map(|c| c.as_str());
            assert!(
                matches!(code, Some("forbidden") | Some("unauthenticated")),
                "{who} read an opened bid: {e}"
            );
        }
    }
    assert!(sink.is_empty());
    before.assert_same(&app.rows().await, "refused reads of opened bids");

    // Confirmations and objections, answered and recorded; then the ceremony closes.
    bidders[1]
        .client
        .respond_to_opening(&t, "BD01", &OpeningReaction::Confirm)
        .await
        .unwrap();
    let objection = bidders[2]
        .client
        .respond_to_opening(
            &t,
            "BD01",
            &OpeningReaction::Objection {
                text: "唱标价格与投标文件不一致".into(),
            },
        )
        .await
        .unwrap();
    let oid = objection["id"].as_str().unwrap().to_string();

    // BD02 with k−1 shares: when the recovery window ends its bids are withdrawn, not the
    // bidders' fault.
    app.clock.set(deadline + Duration::minutes(31 + 61));
    for b in bidders.iter_mut() {
        b.relogin(&app).await;
    }
    etender::app::opening::tick(&app.ctx).await.unwrap();
    let bd02 = bidders[0].client.opening(&t, "BD02").await.unwrap();
    assert_eq!(bd02.state, OpeningPhase::RecordPublished);
    for b in &bd02.bids {
        assert_eq!(b.status.as_str(), "withdrawn");
        let a = b.attempts.last().unwrap();
        assert_eq!(
            (a.error.as_deref(), a.fault.map(|f| f.as_str())),
            (Some("custodian_shares_insufficient"), Some("not_bidder"))
        );
    }

    app.clock
        .set(deadline + Duration::minutes(31 + 61 + 31 + 1));
    for b in bidders.iter_mut() {
        b.relogin(&app).await;
    }
    let agent = app.enrol("agent").await;
    etender::app::opening::tick(&app.ctx).await.unwrap();
    assert_eq!(
        bidders[0].client.opening(&t, "BD01").await.unwrap().state,
        OpeningPhase::RecordPublished,
        "an unanswered objection keeps the ceremony open"
    );
    agent
        .answer_opening_response(&t, "BD01", &oid, "经核对，唱标价格与开标一览表一致")
        .await
        .unwrap();
    etender::app::opening::tick(&app.ctx).await.unwrap();
    assert_eq!(
        bidders[0].client.opening(&t, "BD01").await.unwrap().state,
        OpeningPhase::Closed
    );
    let tender: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{t}"))
        .await
        .unwrap();
    assert_eq!(tender["state"], "evaluating");

    // A regulator verifies the tender's trail offline, opening included.
    let regulator = app.enrol("regulator").await;
    etender::audit::checkpoint_now(&app.ctx.db, &app.ctx.audit_log, "test")
        .await
        .unwrap();
    let bundle: Value = regulator
        .get(&format!("/api/v1/audit/export?tender_id={t}"))
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
    // Every step of the ceremony is in the tender's chain.
    let kinds: Vec<String> = bundle
        .entries
        .iter()
        .map(|e| {
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &e.leaf)
                .unwrap();
            etender::audit::leaf::LeafEntry::from_bytes(&bytes)
                .unwrap()
                .event_type
        })
        .collect();
    for k in [
        "tender_closed",
        "opening_started",
        "decryption_attempted",
        "share_released",
        "key_recovered",
        "opening_record_published",
        "bid_part_read",
        "opening_responded",
        "opening_response_answered",
        "opening_closed",
        "tender_opening_finished",
    ] {
        assert!(
            kinds.iter().any(|x| x == k),
            "no {k} in the tender's audit trail"
        );
    }
    // The bids' own events are in the bidder's trail, with their bodies, and only there.
    let me = id_of(&bidders[0].client).await;
    let trail: Value = bidders[0]
        .client
        .get(&format!("/api/v1/audit/trail?subject={me}"))
        .await
        .unwrap();
    let submitted: Vec<&Value> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "bid_submitted")
        .collect();
    assert_eq!(
        submitted.len(),
        3,
        "BD01 v1, its replacement, BD02 v1: {trail}"
    );
    assert!(submitted.iter().all(|e| !e["body"].is_null()));
}

/// The tender's deadline as published.
pub async fn deadline_of(app: &TestApp, t: &str) -> chrono::DateTime<chrono::Utc> {
    let v: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{t}"))
        .await
        .unwrap();
    crate::fixtures::schedule(&v).bid_deadline
}

async fn bid_count(app: &TestApp) -> usize {
    app.ctx
        .db
        .read_primary(|c| {
            use diesel::prelude::*;
            Ok(etender::db::schema::bids::table
                .count()
                .get_result::<i64>(c)? as usize)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn bad_bids_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let t = setup.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    let other = Bidder::enrol(&app, "bidder-rsa").await;
    let code = |e: etender::client::ClientError| e.code().map(|c| c.as_str().to_string());

    // No bond recorded yet.
    let sealed = b.seal(&t, "BD01", "10000000.00", 100).await;
    let creds = pki().get("bidder").credentials();
    let before = app.rows().await;
    let e = b
        .client
        .open_upload(&t, "BD01", &sealed.manifest, &creds)
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("bid_bond_missing"));
    before.assert_same(&app.rows().await, "an upload without a bond");
    record_bonds(&app, &t, "BD01", "200000.00", &[&b, &other]).await;
    let before = app.rows().await;

    // Signed with another organisation's certificate; a revoked one; an untrusted one.
    let e = b
        .client
        .open_upload(
            &t,
            "BD01",
            &sealed.manifest,
            &pki().get("bidder-rsa").credentials(),
        )
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("certificate_subject_mismatch"));
    let e = b
        .client
        .open_upload(&t, "BD01", &sealed.manifest, &pki().revoked.credentials())
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("certificate_revoked"));

    // A manifest for another section, a wrong version, a tampered signature.
    let e = b
        .client
        .open_upload(&t, "BD02", &sealed.manifest, &creds)
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("bid_manifest_invalid"));
    let mut forged = sealed.manifest.clone();
    forged.parts[0].ciphertext_len += 16;
    let e = b
        .client
        .open_upload(&t, "BD01", &forged, &creds)
        .await
        .unwrap_err();
    assert!(matches!(
        code(e).as_deref(),
        Some("bid_signature_invalid") | Some("bid_manifest_invalid")
    ),);
    let mut v2 = sealed.manifest.clone();
    v2.bid_version = 2;
    let e = b
        .client
        .open_upload(&t, "BD01", &v2, &creds)
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("bid_version_mismatch"));
    // Another bidder submitting this bidder's manifest.
    let e = other
        .client
        .open_upload(
            &t,
            "BD01",
            &sealed.manifest,
            &pki().get("bidder-rsa").credentials(),
        )
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("bid_manifest_invalid"));
    before.assert_same(&app.rows().await, "a refused upload");

    // Upload: wrong offset, too long, wrong bytes, submit before complete.
    let up = b
        .client
        .open_upload(&t, "BD01", &sealed.manifest, &creds)
        .await
        .unwrap();
    let before = app.rows().await;
    let e = b
        .client
        .upload_part(&up.id, 0, 5, reqwest::Body::from(vec![0u8; 3]))
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("upload_offset_mismatch"));
    let len = sealed.manifest.parts[0].ciphertext_len as usize;
    let e = b
        .client
        .upload_part(&up.id, 0, 0, reqwest::Body::from(vec![0u8; len + 1]))
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("part_too_long"));
    // Bytes that are not the part earn a cooldown (tests/api/uploads.rs): wait it out.
    let cooldown = chrono::Duration::seconds(etender::limits::STRIKE_MAX_SECS);
    app.clock.advance(cooldown);
    let e = b
        .client
        .upload_part(&up.id, 0, 0, reqwest::Body::from(vec![7u8; len]))
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("part_digest_mismatch"));
    app.clock.advance(cooldown);
    let e = b.client.submit_upload(&up.id).await.unwrap_err();
    assert_eq!(code(e).as_deref(), Some("upload_incomplete"));
    // Another bidder cannot see or touch the upload.
    let e = other.client.upload_status(&up.id).await.unwrap_err();
    assert_eq!(code(e).as_deref(), Some("not_found"));
    assert_eq!(bid_count(&app).await, 0, "nothing became a bid");
    before.assert_same(&app.rows().await, "a refused part or submission");

    // Resumable: half the part, then the rest from the server's offset.
    let bytes = std::fs::read(&sealed.part_paths[0]).unwrap();
    let half = bytes.len() / 2;
    let s = b
        .client
        .upload_part(&up.id, 0, 0, reqwest::Body::from(bytes[..half].to_vec()))
        .await
        .unwrap();
    assert_eq!((s.received, s.complete), (half as u64, false));
    let st = b.client.upload_status(&up.id).await.unwrap();
    let s = b
        .client
        .upload_part(
            &up.id,
            0,
            st.part(0).unwrap().received,
            reqwest::Body::from(bytes[half..].to_vec()),
        )
        .await
        .unwrap();
    assert!(s.complete);
    // A resumed request reaching a node without the earlier bytes (another node, or lost
    // scratch): the part goes back to 0 and the client's resumable sender starts it again.
    let doc = std::fs::read(&sealed.part_paths[1]).unwrap();
    let s = b
        .client
        .upload_part(
            &up.id,
            1,
            0,
            reqwest::Body::from(doc[..doc.len() / 2].to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(s.received, (doc.len() / 2) as u64);
    std::fs::remove_file(
        app.settings
            .storage
            .dir
            .join("staging")
            .join(&up.id)
            .join("1"),
    )
    .unwrap();
    let before = app.rows().await;
    let e = b
        .client
        .upload_part(
            &up.id,
            1,
            s.received,
            reqwest::Body::from(doc[doc.len() / 2..].to_vec()),
        )
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("upload_offset_mismatch"));
    before.assert_same(&app.rows().await, "a part whose staged bytes were lost");
    let st = b.client.upload_status(&up.id).await.unwrap();
    assert_eq!(st.part(1).unwrap().received, 0);
    assert!(
        st.part(0).unwrap().complete,
        "a complete part is not affected"
    );
    b.client
        .send_part_resumable(&up.id, 1, &sealed.part_paths[1])
        .await
        .unwrap();
    let r = b.client.submit_upload(&up.id).await.unwrap();
    r.check_against(&sealed.manifest).unwrap();
    // Submitted once: a second submit is refused.
    let before = app.rows().await;
    let e = b.client.submit_upload(&up.id).await.unwrap_err();
    assert_eq!(code(e).as_deref(), Some("upload_closed"));
    before.assert_same(&app.rows().await, "a second submission");

    // Withdrawal: signed by another certificate refused; by the bidder's own accepted.
    let mine = b.client.my_bid(&t, "BD01").await.unwrap().current.unwrap();
    let before = app.rows().await;
    let e = b
        .client
        .withdraw(
            &t,
            "BD01",
            &mine,
            b.uscc(),
            &pki().get("bidder-rsa").credentials(),
        )
        .await
        .unwrap_err();
    assert_eq!(code(e).as_deref(), Some("certificate_subject_mismatch"));
    before.assert_same(&app.rows().await, "a withdrawal signed by another bidder");
    let w = b
        .client
        .withdraw(&t, "BD01", &mine, b.uscc(), &creds)
        .await
        .unwrap();
    assert_eq!(w.bid_id, mine.bid_id);
    let after = b.client.my_bid(&t, "BD01").await.unwrap();
    assert!(after.current.is_none());
    assert_eq!(
        after.next_version, 2,
        "numbering continues after a withdrawal"
    );
}

/// Bonds arrive only as notices signed by a connected bank or guarantee issuer; every other
/// notice is refused with its code and records nothing.
#[tokio::test]
async fn refused_bonds_record_nothing() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let t = setup.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&b]).await;
    let account = b.client.my_bond_account(&t, "BD01").await.unwrap().account;
    let bank = app.bank();
    let notice = |amount: &str, kind: &str, reference: &str| {
        serde_json::json!({"account": account, "amount": amount, "kind": kind,
            "reference": reference, "arrived_at": app.clock_now()})
    };
    let good = notice("1000.00", "insurance", "INS-1");
    let mut unknown_account = good.clone();
    unknown_account["account"] = "6217990000000000000".into();
    let mut extra_field = good.clone();
    extra_field["organisation_id"] = id_of(&b.client).await.into();
    let forged: &[u8] = b"not the bank's key, 32 bytes long";
    let key = bank.issuer.key().to_vec();
    let k: &[u8] = &key;
    let before = app.rows().await;
    for (what, body, key, status, code) in [
        (
            "a forged signature",
            &good,
            forged,
            401,
            "signature_invalid",
        ),
        ("an unknown account", &unknown_account, k, 404, "not_found"),
        (
            "a zero amount",
            &notice("0.00", "cash", "Z-1"),
            k,
            422,
            "validation_failed",
        ),
        // Money is never negative: such a notice is not even well-formed.
        (
            "a negative amount",
            &notice("-5.00", "cash", "N-1"),
            k,
            400,
            "malformed_body",
        ),
        (
            "an empty reference",
            &notice("1000.00", "cash", " "),
            k,
            422,
            "validation_failed",
        ),
        (
            "an unknown kind",
            &notice("1000.00", "cheque", "K-1"),
            k,
            400,
            "malformed_body",
        ),
        (
            "a replayed reference",
            &notice("1000.00", "bank_guarantee", "BG-bidder-BD01"),
            k,
            409,
            "conflict",
        ),
        (
            "a field no notice has",
            &extra_field,
            k,
            400,
            "malformed_body",
        ),
    ] {
        let (st, v) = bank.notify_with(key, body).await;
        assert_eq!(
            (st.as_u16(), v["code"].as_str()),
            (status, Some(code)),
            "{what}: {v}"
        );
        before.assert_same(&app.rows().await, what);
    }
    // Bodies that are not a notice at all, signed with the bank's key: still nothing.
    for (what, body) in [
        ("a body that is not JSON", b"account=1&amount=2".to_vec()),
        (
            "a notice without an amount",
            br#"{"account":"1","reference":"x"}"#.to_vec(),
        ),
    ] {
        let (st, v) = bank.post_raw(body, &key).await;
        assert_eq!(
            (st.as_u16(), v["code"].as_str()),
            (400, Some("malformed_body")),
            "{what}"
        );
        before.assert_same(&app.rows().await, what);
    }
    // A notice signed for one body does not cover another.
    let signed = serde_json::to_vec(&good).unwrap();
    let sig = etender::client::bank::sign_notice(&key, &signed);
    let tampered = serde_json::to_vec(&notice("9000000.00", "insurance", "INS-1")).unwrap();
    let (st, v) = bank.issuer.post_signed(tampered, &sig).await.unwrap();
    assert_eq!(
        (st.as_u16(), v["code"].as_str()),
        (401, Some("signature_invalid"))
    );
    let (st, v) = bank
        .issuer
        .post_signed(signed.clone(), "not base64!")
        .await
        .unwrap();
    assert_eq!(
        (st.as_u16(), v["code"].as_str()),
        (401, Some("signature_invalid"))
    );
    before.assert_same(&app.rows().await, "a tampered or garbled signature");
    // The same notice, signed right, is recorded (the refusals above were for their reason).
    let (st, v) = bank.post_raw(signed, &key).await;
    assert_eq!(st.as_u16(), 201, "{v}");
    let mine = b.client.my_bonds(&t, "BD01").await.unwrap();
    assert_eq!(mine.len(), 2);
    assert!(mine
        .iter()
        .any(|m| m.reference == "INS-1" && m.kind == BondKind::Insurance));
}

/// With no bank or issuer connected no signature is anyone's: every notice is refused.
#[tokio::test]
async fn without_a_connected_bank_no_notice_counts() {
    let app = TestApp::spawn_with(|s| s.bonds.notice_key_file = std::path::PathBuf::new()).await;
    let setup = published_tender(&app, 30).await;
    let b = Bidder::enrol(&app, "bidder").await;
    let account = b
        .client
        .my_bond_account(&setup.tender, "BD01")
        .await
        .unwrap();
    let notice = serde_json::json!({"account": account.account, "amount": "200000.00",
        "reference": "TX-1", "arrived_at": app.clock_now()});
    let someone = etender::client::bank::BondIssuer::new(&app.base, vec![7u8; 32]);
    let before = app.rows().await;
    let e = someone
        .notify(&serde_json::from_value(notice).unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        e.code().map(|c| c.as_str()),
        Some("signature_invalid"),
        "{e}"
    );
    before.assert_same(&app.rows().await, "a notice to a server with no bank");
}

/// A bank notice without `kind` (the bank's notices before kinds existed) is a transfer.
#[tokio::test]
async fn a_notice_without_a_kind_is_a_transfer() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let b = Bidder::enrol(&app, "bidder").await;
    let account = b
        .client
        .my_bond_account(&setup.tender, "BD01")
        .await
        .unwrap();
    let (st, v) = app
        .bank()
        .notify(
            &serde_json::json!({"account": account.account, "amount": "200000.00",
            "reference": "TX-1", "arrived_at": app.clock_now()}),
        )
        .await;
    assert_eq!(st.as_u16(), 201, "{v}");
    let mine = b.client.my_bonds(&setup.tender, "BD01").await.unwrap();
    assert_eq!(mine[0].kind, BondKind::Cash);
    assert_eq!(mine[0].issuer, app.settings.bonds.bank_name);
}

#[tokio::test]
async fn an_upload_still_streaming_at_the_deadline_is_not_a_bid() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let t = setup.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&b]).await;
    let deadline = deadline_of(&app, &t).await;
    app.clock.set(deadline - Duration::seconds(5));
    let b = Bidder {
        client: app.enrol("bidder").await,
        ..b
    };
    let sealed = b.seal(&t, "BD01", "10000000.00", 3 << 20).await;
    let creds = pki().get("bidder").credentials();
    let up = b
        .client
        .open_upload(&t, "BD01", &sealed.manifest, &creds)
        .await
        .unwrap();
    b.client
        .send_part_resumable(&up.id, 0, &sealed.part_paths[0])
        .await
        .unwrap();

    // Part 1 streams: one chunk before the deadline, the rest after it.
    let before = app.rows().await;
    let bytes = std::fs::read(&sealed.part_paths[1]).unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let body = reqwest::Body::wrap_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    let client = b.client.clone();
    let id = up.id.clone();
    let sending = tokio::spawn(async move { client.upload_part(&id, 1, 0, body).await });
    tx.send(Ok(bytes[..1 << 20].to_vec())).await.unwrap();
    app.clock.set(deadline);
    for chunk in bytes[1 << 20..].chunks(1 << 20) {
        if tx.send(Ok(chunk.to_vec())).await.is_err() {
            break;
        }
    }
    drop(tx);
    // The server refuses as soon as a byte arrives after the deadline; the client may see the
    // refusal or, still sending, a closed connection. Either way nothing of the part counts.
    match sending.await.unwrap().unwrap_err() {
        etender::client::ClientError::Transport(_) => {}
        e => assert_eq!(e.code().map(|c| c.as_str()), Some("deadline_passed"), "{e}"),
    }
    let st = b.client.upload_status(&up.id).await.unwrap();
    assert_eq!(st.part(1).unwrap().received, 0);
    let e = b.client.submit_upload(&up.id).await.unwrap_err();
    assert_eq!(e.code().map(|c| c.as_str()), Some("deadline_passed"));
    before.assert_same(
        &app.rows().await,
        "a part and a submission after the deadline",
    );
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    let st = b.client.upload_status(&up.id).await.unwrap();
    assert_eq!(st.state, etender::client::bids::UploadState::Abandoned);
    assert_eq!(bid_count(&app).await, 0);
    assert!(
        !app.settings
            .storage
            .dir
            .join("staging")
            .join(&up.id)
            .exists(),
        "staged bytes of an unfinished upload are removed at the deadline"
    );
}

#[tokio::test]
async fn a_rush_of_200_submissions_in_the_last_second() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let t = setup.tender.clone();
    let deadline = deadline_of(&app, &t).await;
    // Sessions must outlive the jump to the last second: set up a minute before it.
    app.clock.set(deadline - Duration::seconds(60));
    // 200 bidders, each with a sealed bid uploaded and ready to submit.
    let idents: Vec<_> = (0..200).map(crate::helpers::extra_bidder).collect();
    let bank = app.bank();
    let mut ready = Vec::new();
    for ident in &idents {
        let c = app.enrol_ident(ident).await;
        let account = c.my_bond_account(&t, "BD01").await.unwrap();
        bank.issuer
            .notify(&BankNotice {
                account: account.account,
                amount: "200000.00".parse().unwrap(),
                kind: BondKind::Cash,
                reference: format!("CASH-{}", ident.label),
                arrived_at: app.clock_now(),
                payer_account: None,
            })
            .await
            .unwrap();
        let mine = c.my_bid(&t, "BD01").await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ctx = BidContext {
            tender_id: t.clone(),
            section_id: "BD01".into(),
            bidder_uscc: etender::domain::uscc::Uscc::parse(&ident.key).unwrap(),
            bid_version: mine.next_version,
            remedy: mine.remedy.clone(),
        };
        let summary = Summary {
            price: "9999999.99".parse().unwrap(),
            duration_days: 200,
            quality: "合格".into(),
            project_manager: "李四".into(),
            bid_bond_reference: "CASH".into(),
        };
        let envelope = EnvelopeSecret::generate(&mut rand_core::OsRng);
        let sealed = seal_bid_to_dir(
            ctx,
            &summary,
            &[],
            dir.path(),
            &envelope,
            &ident.credentials(),
        )
        .unwrap();
        let up = c
            .open_upload(&t, "BD01", &sealed.manifest, &ident.credentials())
            .await
            .unwrap();
        c.send_part_resumable(&up.id, 0, &sealed.part_paths[0])
            .await
            .unwrap();
        ready.push((c, up.id, dir));
    }
    // The last second: all 200 submit at once; the deadline strikes once half have answered.
    app.clock.set(deadline - Duration::milliseconds(900));
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (c, id, _) in &ready {
        let (c, id, answered, clock, deadline) = (
            c.clone(),
            id.clone(),
            answered.clone(),
            app.clock.clone(),
            deadline,
        );
        tasks.push(tokio::spawn(async move {
            let mut r = c.submit_upload(&id).await;
            // A lost connection (an idle keep-alive closed under the client's feet), or a 503 from
            // a server short of database connections, is what real clients meet in a rush: ask
            // where the upload stands and submit again, a few times, as `submit_sealed_bid` does.
            for attempt in 0..3 {
                if !r.as_ref().is_err_and(|e| e.is_retryable()) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
                let Ok(st) = c.upload_status(&id).await else {
                    continue;
                };
                r = match st.state {
                    etender::client::bids::UploadState::Submitted => {
                        let mine = c.my_bid(&st.tender_id, &st.section).await.unwrap();
                        c.receipt(&mine.current.unwrap().bid_id).await
                    }
                    _ => c.submit_upload(&id).await,
                };
            }
            if answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == 100 {
                clock.set(deadline);
            }
            r
        }));
    }
    let mut receipts = Vec::new();
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(r) => receipts.push(r),
            Err(e) => {
                assert_eq!(e.code().map(|c| c.as_str()), Some("deadline_passed"), "{e}");
                refused += 1;
            }
        }
    }
    assert_eq!(receipts.len() + refused, 200);
    assert!(
        receipts.len() >= 100,
        "those answered before the deadline struck got receipts"
    );
    // None lost: every receipt is a bid, every bid has its receipt, received before the deadline.
    assert_eq!(bid_count(&app).await, receipts.len());
    for r in &receipts {
        assert!(r.received_at < deadline);
        assert!(r.audit.tlog_proof.is_some() || r.audit.log_index.is_none());
    }
}

#[tokio::test]
async fn failures_at_the_opening_are_attributed() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let t = setup.tender.clone();
    let mut bidders = Vec::new();
    for l in &BIDDERS[..3] {
        bidders.push(Bidder::enrol(&app, l).await);
    }
    let refs: Vec<&Bidder> = bidders.iter().collect();
    record_bonds(&app, &t, "BD01", "200000.00", &refs).await;
    let mut sealed = Vec::new();
    for (b, price) in bidders
        .iter()
        .zip(["10100000.00", "10200000.00", "10300000.00"])
    {
        let s = b.seal(&t, "BD01", price, 3 << 20).await;
        b.submit(&t, "BD01", &s).await;
        sealed.push(s);
    }
    // Storage flips one byte of the first bidder's document after it was received.
    let bid_id = bidders[0]
        .client
        .my_bid(&t, "BD01")
        .await
        .unwrap()
        .current
        .unwrap()
        .bid_id;
    let parts = app
        .ctx
        .db
        .read_primary(move |c| Ok(etender::db::repo::bids::bid_parts(c, &bid_id)?))
        .await
        .unwrap();
    let path = app.stored_file(&parts[1].storage_key);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[1_500_000] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();

    let deadline = deadline_of(&app, &t).await;
    app.clock.set(deadline);
    for b in bidders.iter_mut() {
        b.relogin(&app).await;
    }
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    etender::app::opening::tick(&app.ctx).await.unwrap();

    // R1. The first bidder's correct keys meet a changed ciphertext: not its fault, it waits
    // for R2. The second releases a wrong key for its document: its fault, revoked (撤销).
    let out = bidders[0]
        .client
        .release_deks(
            &t,
            "BD01",
            &sealed[0].manifest,
            &bidders[0].envelope,
            &pki().get(bidders[0].label).credentials(),
        )
        .await
        .unwrap();
    assert_eq!(out.status.as_str(), "sealed");
    assert_eq!(
        out.attempt.error.as_deref(),
        Some("ciphertext_digest_mismatch")
    );
    assert_eq!(out.attempt.fault.map(|f| f.as_str()), Some("not_bidder"));
    {
        let m = &sealed[1].manifest;
        let creds = pki().get(bidders[1].label).credentials();
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut keys = Vec::new();
        for p in &m.parts {
            let dek = etender::seal::unwrap_part_key(
                m,
                p.index,
                etender::seal::PartKey::Envelope(&bidders[1].envelope),
            )
            .unwrap();
            let mut raw = *dek.as_bytes();
            if p.index == 1 {
                raw[0] ^= 0xff;
            }
            let sig = creds
                .key
                .sign(
                    creds.algorithm,
                    &etender::seal::dek_release_payload(m, p.index).unwrap(),
                )
                .unwrap();
            let signature = base64::Engine::encode(&b64, sig);
            keys.push(serde_json::json!({
                "index": p.index, "dek": hex::encode(raw), "signature": signature
            }));
        }
        let out: Value = bidders[1]
            .client
            .post(
                &format!("/api/v1/tenders/{t}/sections/BD01/opening/decryption"),
                &serde_json::json!({"keys": keys}),
            )
            .await
            .unwrap();
        assert_eq!(out["status"], "revoked");
        assert_eq!(out["attempt"]["error"], "wrong_key");
        assert_eq!(out["attempt"]["fault"], "bidder");
    }
    bidders[2]
        .client
        .release_deks(
            &t,
            "BD01",
            &sealed[2].manifest,
            &bidders[2].envelope,
            &pki().get(bidders[2].label).credentials(),
        )
        .await
        .unwrap();

    // R2 cannot repair changed ciphertext either: withdrawn (撤回), not the bidder's fault.
    app.clock.set(deadline + Duration::minutes(31));
    etender::app::opening::tick(&app.ctx).await.unwrap();
    for l in &CUSTODIANS[..2] {
        let c = app.enrol(l).await;
        c.release_share(
            &t,
            "BD01",
            &custodian_secret(l),
            &pki().get(l).credentials(),
        )
        .await
        .unwrap();
    }
    let opening = app
        .client()
        .get::<Value>(&format!("/api/v1/tenders/{t}/sections/BD01/opening"))
        .await
        .unwrap();
    let status = |i: usize| {
        opening["bids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["bidder_uscc"] == bidders[i].uscc())
            .unwrap()
            .clone()
    };
    assert_eq!(status(0)["status"], "withdrawn");
    let last = status(0)["attempts"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (
            last["path"].as_str(),
            last["error"].as_str(),
            last["fault"].as_str()
        ),
        (
            Some("r2"),
            Some("ciphertext_digest_mismatch"),
            Some("not_bidder")
        )
    );
    assert_eq!(status(1)["status"], "revoked");
    assert_eq!(status(2)["status"], "opened");
    assert_eq!(opening["state"], "record_published");
}

#[tokio::test]
async fn unconfirmed_bids_lapse_and_too_few_bids_fail_the_section() {
    let app = TestApp::spawn().await;
    let setup = published_tender(&app, 30).await;
    let t = setup.tender.clone();
    let mut bidders = Vec::new();
    for l in BIDDERS {
        bidders.push(Bidder::enrol(&app, l).await);
    }
    let refs: Vec<&Bidder> = bidders.iter().collect();
    record_bonds(&app, &t, "BD01", "200000.00", &refs).await;
    for (b, price) in bidders
        .iter()
        .zip(["9100000.00", "9200000.00", "9300000.00", "9400000.00"])
    {
        let s = b.seal(&t, "BD01", price, 100).await;
        b.submit(&t, "BD01", &s).await;
    }
    // An amendment that affects bid preparation: bids made before it must be re-confirmed.
    let sig =
        crate::fixtures::sign_notice(&setup.agent, &t, &pki().get("agent").credentials()).await;
    let amendment = serde_json::json!({
        "rationale": "调整工程量清单", "impact": "affects_bid_preparation", "signature": sig
    });
    let (st, v) = setup
        .agent
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{t}/amendments"),
            Some(&amendment),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["reconfirm_bids"], true);
    let version = v["tender"]["version"].as_u64().unwrap() as u32;
    // One confirms, one replaces its bid; two do nothing.
    let mine = bidders[0]
        .client
        .my_bid(&t, "BD01")
        .await
        .unwrap()
        .current
        .unwrap();
    bidders[0]
        .client
        .confirm_bid(
            &t,
            "BD01",
            &mine,
            bidders[0].uscc(),
            version,
            &pki().get("bidder").credentials(),
        )
        .await
        .unwrap();
    let s = bidders[1].seal(&t, "BD01", "9150000.00", 100).await;
    bidders[1].submit(&t, "BD01", &s).await;

    let deadline = deadline_of(&app, &t).await;
    app.clock.set(deadline);
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    etender::app::opening::tick(&app.ctx).await.unwrap();
    // Two bids remain: fewer than three, the section fails (流标) and it is announced.
    let o: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{t}/sections/BD01/opening"))
        .await
        .unwrap();
    assert_eq!(o["state"], "failed");
    let ann: Value = app
        .client()
        .get(&format!("/api/v1/announcements?tender={t}"))
        .await
        .unwrap();
    assert!(ann.to_string().contains("opening_failed"), "{ann}");
    let tc = t.clone();
    let lapsed = app
        .ctx
        .db
        .read_primary(move |c| {
            Ok(
                etender::db::repo::bids::bids_of_section(c, &tc, "BD01", &[BidState::Lapsed])?
                    .len(),
            )
        })
        .await
        .unwrap();
    assert_eq!(lapsed, 2);
    // BD02 had no bids at all: the whole tender fails.
    let tender: Value = app
        .client()
        .get(&format!("/api/v1/tenders/{t}"))
        .await
        .unwrap();
    assert_eq!(tender["state"], "failed");
}
