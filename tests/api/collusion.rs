//! Collusion signals (串标围标, issue 13 item 6): computed when a section's opening record is
//! published, from what the platform holds of each opened bid — the sealed summary's price and
//! project manager, each document's digest, the preparation record the bidder tool sealed
//! (device fingerprint, the documents' own metadata read from real PDF files), the addresses the
//! upload came from (real source addresses on loopback), the accounts cash bonds were paid from
//! (the bank's signed notices). Planted cases are found; independent bids stay quiet; only
//! regulators (and the evaluating committee, committee::…) read them, and refusals change
//! nothing.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use chrono::Duration;
use etender::client::bids::{seal_bid_to_dir_with, SealedBidFiles};
use etender::client::Client;
use etender::domain::bidding::BondKind;
use etender::seal::{BidContext, DeviceFingerprint, EnvelopeSecret, Preparation, Summary};
use etender::wire::bids::BankNotice;
use etender::wire::collusion::{SignalKind, Strength};
use reqwest::Method;
use serde_json::Value;

use crate::bids::deadline_of;
use crate::fixtures::published_tender;
use crate::helpers::{assert_problem, extra_bidder, Ident, TestApp};

/// A bidder organisation sending from its own loopback address.
struct Firm {
    name: &'static str,
    ident: Ident,
    addr: IpAddr,
    client: Client,
    envelope: EnvelopeSecret,
    dir: tempfile::TempDir,
}

impl Firm {
    async fn enrol(app: &TestApp, i: u32, name: &'static str, addr: [u8; 4]) -> Firm {
        let ident = extra_bidder(7300 + i);
        let addr = IpAddr::from(addr);
        let client = app.enrol_ident(&ident).await.from_local_address(addr);
        Firm {
            name,
            ident,
            addr,
            client,
            envelope: EnvelopeSecret::generate(&mut rand_core::OsRng),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    async fn relogin(&mut self, app: &TestApp) {
        self.client = app
            .enrol_ident(&self.ident)
            .await
            .from_local_address(self.addr);
    }

    /// The bond arrives: a transfer from `payer`, or else a bank guarantee.
    async fn bond(&self, app: &TestApp, tender: &str, section: &str, payer: Option<&str>) {
        let account = self.client.my_bond_account(tender, section).await.unwrap();
        let kind = if payer.is_some() {
            BondKind::Cash
        } else {
            BondKind::BankGuarantee
        };
        app.bank()
            .issuer
            .notify(&BankNotice {
                account: account.account,
                amount: "200000.00".parse().unwrap(),
                kind,
                reference: format!("B-{}-{section}", self.name),
                arrived_at: app.clock_now(),
                payer_account: payer.map(str::to_string),
            })
            .await
            .unwrap();
    }

    /// Seals and submits a bid: `docs` are written as files and sealed in order; `device`
    /// seeds the machine's fingerprint (the tool's own record; the documents' metadata is read
    /// from the files by the tool).
    #[allow(clippy::too_many_arguments)]
    async fn bid(
        &self,
        tender: &str,
        section: &str,
        price: &str,
        manager: &str,
        device: &str,
        docs: Vec<Vec<u8>>,
    ) -> SealedBidFiles {
        let mine = self.client.my_bid(tender, section).await.unwrap();
        let ctx = BidContext {
            tender_id: tender.into(),
            section_id: section.into(),
            bidder_uscc: etender::domain::uscc::Uscc::parse(&self.ident.key).unwrap(),
            bid_version: mine.next_version,
            remedy: mine.remedy.clone(),
        };
        let out = self
            .dir
            .path()
            .join(format!("{section}-v{}", mine.next_version));
        std::fs::create_dir_all(&out).unwrap();
        let files: Vec<(String, PathBuf)> = docs
            .into_iter()
            .enumerate()
            .map(|(i, bytes)| {
                let p = self.dir.path().join(format!("{section}-doc-{i}.src"));
                std::fs::write(&p, bytes).unwrap();
                (format!("文件{i}.pdf"), p)
            })
            .collect();
        let summary = Summary {
            price: price.parse().unwrap(),
            duration_days: 180,
            quality: "合格".into(),
            project_manager: manager.into(),
            bid_bond_reference: format!("B-{}-{section}", self.name),
        };
        let c = |name: &str| DeviceFingerprint::component(name, &format!("{device}-{name}"));
        let preparation = Preparation {
            device: Some(DeviceFingerprint {
                mac: c("mac"),
                cpu: c("cpu"),
                disk: c("disk"),
                board: c("board"),
                pricing_dongle: None,
            }),
            documents: Vec::new(),
        };
        let creds = self.ident.credentials();
        let envelope = EnvelopeSecret::from_bytes(&self.envelope.to_bytes());
        let sealed = tokio::task::spawn_blocking(move || {
            seal_bid_to_dir_with(
                ctx,
                &summary,
                &files,
                &out,
                &envelope,
                &creds,
                Some(preparation),
            )
            .unwrap()
        })
        .await
        .unwrap();
        self.client
            .submit_sealed_bid(
                tender,
                section,
                &sealed.manifest,
                &sealed.part_paths,
                &self.ident.credentials(),
            )
            .await
            .unwrap();
        sealed
    }
}

/// A one-page PDF whose Info dictionary names `author` and the two instants.
fn pdf(author: &str, created: &str, modified: &str, body: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!("<< /Type /Pages /Kids [] /Count 0 /Note ({body}) >>"),
        format!(
            "<< /Author ({author}) /Creator (Writer) /CreationDate (D:{created}+08'00') \
             /ModDate (D:{modified}+08'00') >>"
        ),
    ];
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        write!(out, "{} 0 obj\n{o}\nendobj\n", i + 1).unwrap();
    }
    let xref = out.len();
    write!(out, "xref\n0 4\n0000000000 65535 f\r\n").unwrap();
    for o in offsets {
        write!(out, "{o:010} 00000 n\r\n").unwrap();
    }
    write!(
        out,
        "trailer\n<< /Size 4 /Root 1 0 R /Info 3 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    )
    .unwrap();
    out
}

/// Bytes nobody else has.
fn own(label: &str) -> Vec<u8> {
    format!("{label}: 施工组织设计 ").repeat(40).into_bytes()
}

fn path(t: &str, section: &str) -> String {
    etender::client::collusion::signals_path(t, section)
}

/// An officer of a department opens a clue citing `{tender}/BD01/{seq}` against `uscc`: the
/// number read from the API is accepted; the one after the last signal is not, and writes
/// nothing.
async fn cite_signal(app: &TestApp, t: &str, seq: u32, uscc: &str) {
    let admin = app.enrol("admin").await;
    let regulator = app.enrol("regulator").await;
    let (st, v) = admin
        .raw(
            Method::PUT,
            "/api/v1/departments/429005-zjj",
            Some(&serde_json::json!({"name": "潜江市住房和城乡建设局", "kinds": ["市政"]})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let me = crate::fixtures::id_of(&regulator).await;
    let (st, v) = admin
        .raw(
            Method::PUT,
            &format!("/api/v1/departments/429005-zjj/officers/{me}"),
            Some(&serde_json::json!({"certificate_no": "鄂执 1", "specialty": "招投标"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let clue = |id: String| {
        serde_json::json!({"source": {"kind": "collusion_signal", "id": id},
            "party": {"kind": "organisation", "uscc": uscc, "name": "甲公司"},
            "summary": "两家投标人的投标文件由同一台电脑编制", "occurred_on": "2026-11-20"})
    };
    let before = app.rows().await;
    let (st, v) = regulator
        .raw(
            Method::POST,
            "/api/v1/cases",
            Some(&clue(format!("{t}/BD01/8"))),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    assert!(v["errors"].to_string().contains("source.id"), "{v}");
    app.rows()
        .await
        .assert_same(&before, "a clue citing no signal");
    let (st, v) = regulator
        .raw(
            Method::POST,
            "/api/v1/cases",
            Some(&clue(format!("{t}/BD01/{seq}"))),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["source"]["id"], format!("{t}/BD01/{seq}"), "{v}");
}

#[tokio::test]
async fn planted_cases_are_found_and_independent_bids_stay_quiet() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let t = s.tender.clone();
    let mut firms = Vec::new();
    for (i, name) in ["A", "B", "C", "D", "E"].into_iter().enumerate() {
        let last = if i >= 3 { 20 } else { 11 + i as u8 };
        firms.push(Firm::enrol(&app, i as u32, name, [127, 0, 0, last]).await);
    }
    let (a, b, c, d, e) = (&firms[0], &firms[1], &firms[2], &firms[3], &firms[4]);

    // BD01, planted: A and B from one machine; B's and C's bonds from one account (written
    // differently); A's and C's documents created and saved at the same instants; D and E
    // send one identical file, from one address; A and D name one manager; prices A·B·C at a
    // constant ratio (1.1) and C·D·E with equal steps (220 000).
    // A notice naming an impossible paying account is refused, and records nothing.
    let bank = app.bank();
    let account = a.client.my_bond_account(&t, "BD01").await.unwrap();
    let notice = BankNotice {
        account: account.account,
        amount: "200000.00".parse().unwrap(),
        kind: BondKind::Cash,
        reference: "B-too-long".into(),
        arrived_at: app.clock_now(),
        payer_account: Some("6".repeat(65)),
    };
    let body = serde_json::to_vec(&notice).unwrap();
    let sig = etender::client::bank::sign_notice(bank.issuer.key(), &body);
    let before = app.rows().await;
    let (st, v) = bank.issuer.post_signed(body, &sig).await.unwrap();
    assert_problem(st, &v, 422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "payer_account", "{v}");
    app.rows()
        .await
        .assert_same(&before, "a refused bond notice");

    a.bond(&app, &t, "BD01", None).await;
    b.bond(&app, &t, "BD01", Some("6222 0000 1111 2222")).await;
    c.bond(&app, &t, "BD01", Some("6222-0000-1111-2222")).await;
    d.bond(&app, &t, "BD01", Some("6222 9999 0000 0001")).await;
    e.bond(&app, &t, "BD01", None).await;
    let same_times = ("20261103091200", "20261120174031");
    let shared = own("copied");
    let mut sealed = vec![
        (
            0,
            "BD01",
            a.bid(
                &t,
                "BD01",
                "8000000.00",
                "李明",
                "m1",
                vec![pdf("甲", same_times.0, same_times.1, "a"), own("A1")],
            )
            .await,
        ),
        (
            1,
            "BD01",
            b.bid(
                &t,
                "BD01",
                "8800000.00",
                "赵强",
                "m1",
                vec![
                    pdf("乙", "20261101080000", "20261118100000", "b"),
                    own("B1"),
                ],
            )
            .await,
        ),
        (
            2,
            "BD01",
            c.bid(
                &t,
                "BD01",
                "9680000.00",
                "孙磊",
                "m3",
                vec![own("C1"), pdf("丙", same_times.0, same_times.1, "c")],
            )
            .await,
        ),
        (
            3,
            "BD01",
            d.bid(
                &t,
                "BD01",
                "9900000.00",
                "李明",
                "m4",
                vec![shared.clone(), own("D1")],
            )
            .await,
        ),
        (
            4,
            "BD01",
            e.bid(
                &t,
                "BD01",
                "10120000.00",
                "周杰",
                "m5",
                vec![own("E1"), shared],
            )
            .await,
        ),
    ];
    // BD02, independent: their own machines, files, times, managers and bonds; prices with
    // no pattern; A and B both include the tender's own document, which is public.
    let tender_doc = b"%PDF-1.7 tender documents \xe6\x8b\x9b\xe6\xa0\x87".to_vec();
    for f in [a, b, c] {
        f.bond(&app, &t, "BD02", None).await;
    }
    sealed.push((
        0,
        "BD02",
        a.bid(
            &t,
            "BD02",
            "7000000.00",
            "钱一",
            "n1",
            vec![
                pdf("甲", "20261102090000", "20261119100000", "a2"),
                tender_doc.clone(),
            ],
        )
        .await,
    ));
    sealed.push((
        1,
        "BD02",
        b.bid(
            &t,
            "BD02",
            "7350000.00",
            "钱二",
            "n2",
            vec![own("B2"), tender_doc],
        )
        .await,
    ));
    sealed.push((
        2,
        "BD02",
        c.bid(
            &t,
            "BD02",
            "7420000.00",
            "钱三",
            // The machine A and B used in BD01: nothing inside BD02, a lead across sections.
            "m1",
            vec![pdf("丙", "20261104090000", "20261121100000", "c2")],
        )
        .await,
    ));

    // Before the opening record: nothing to read, even for a regulator.
    let regulator = app.enrol("regulator").await;
    let (st, v) = regulator
        .raw(Method::GET, &path(&t, "BD01"), None)
        .await
        .unwrap();
    assert_problem(st, &v, 404, "not_found");

    // The opening: every bidder releases its keys, the records are published.
    let deadline = deadline_of(&app, &t).await;
    app.clock.set(deadline);
    for f in firms.iter_mut() {
        f.relogin(&app).await;
    }
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    etender::app::opening::tick(&app.ctx).await.unwrap();
    for (i, section, files) in &sealed {
        let f = &firms[*i];
        f.client
            .release_deks(
                &t,
                section,
                &files.manifest,
                &f.envelope,
                &f.ident.credentials(),
            )
            .await
            .unwrap();
    }
    for _ in 0..12 {
        let tender: Value = app
            .client()
            .get(&format!("/api/v1/tenders/{t}"))
            .await
            .unwrap();
        if tender["state"] == "evaluating" {
            break;
        }
        app.clock.advance(Duration::minutes(31));
        etender::worker::deadline_tick(&app.ctx).await.unwrap();
    }
    for f in firms.iter_mut() {
        f.relogin(&app).await;
    }
    let regulator = app.enrol("regulator").await;
    // Bid ids by firm, from the opening records.
    let mut name_of = std::collections::BTreeMap::new();
    for section in ["BD01", "BD02"] {
        let rec = firms[0].client.opening(&t, section).await.unwrap();
        assert_eq!(rec.bids.len(), if section == "BD01" { 5 } else { 3 });
        for bid in &rec.bids {
            let f = firms
                .iter()
                .find(|f| f.ident.key == bid.bidder_uscc)
                .unwrap();
            name_of.insert(bid.bid_id.clone(), f.name);
        }
    }

    let got = regulator.collusion_signals(&t, "BD01").await.unwrap();
    assert_eq!(got.bids_compared, 5);
    let found: BTreeSet<(Strength, SignalKind, Vec<&str>)> = got
        .signals
        .iter()
        .map(|x| {
            let mut who: Vec<&str> = x.bids.iter().map(|b| name_of[b]).collect();
            who.sort();
            (x.strength, x.kind, who)
        })
        .collect();
    use SignalKind as K;
    let (strong, weak) = (Strength::Strong, Strength::Weak);
    let want: BTreeSet<(Strength, SignalKind, Vec<&str>)> = [
        (strong, K::IdenticalDocument, vec!["D", "E"]),
        (strong, K::IdenticalDocumentMetadata, vec!["A", "C"]),
        (strong, K::SameDevice, vec!["A", "B"]),
        (strong, K::SameBondAccount, vec!["B", "C"]),
        (weak, K::SameUploadAddress, vec!["D", "E"]),
        (weak, K::SameProjectManagerName, vec!["A", "D"]),
        (weak, K::PriceArithmeticProgression, vec!["C", "D", "E"]),
        (weak, K::PriceGeometricProgression, vec!["A", "B", "C"]),
    ]
    .into_iter()
    .collect();
    assert_eq!(found, want, "{:#?}", got.signals);
    assert_eq!(got.signals[0].strength, strong, "strong ones first");
    let evidence = |kind: SignalKind| {
        got.signals
            .iter()
            .find(|x| x.kind == kind)
            .map(|x| x.evidence.clone())
            .unwrap()
    };
    assert!(evidence(K::SameBondAccount).contains("6222000011112222"));
    assert!(evidence(K::SameUploadAddress).contains("127.0.0.20"));
    assert!(evidence(K::IdenticalDocumentMetadata).contains("2026-11-03t09:12:00+08:00"));
    // Each signal carries its number, by which a case cites it (docs/SUPERVISION.md §8).
    let seqs: Vec<u32> = got.signals.iter().map(|x| x.seq).collect();
    assert_eq!(seqs, (0..8).collect::<Vec<u32>>());
    let device = got
        .signals
        .iter()
        .find(|x| x.kind == K::SameDevice)
        .unwrap();
    cite_signal(&app, &t, device.seq, &firms[0].ident.key).await;

    let quiet = regulator.collusion_signals(&t, "BD02").await.unwrap();
    assert_eq!(quiet.bids_compared, 3);
    assert!(quiet.signals.is_empty(), "{:#?}", quiet.signals);

    // Across sections (the regulator's view): one machine behind A and B in BD01 and C in
    // BD02 — three organisations, two sections. Nothing else crosses.
    let across: etender::wire::supervision::CrossSignals = regulator
        .get("/api/v1/supervision/collusion-signals")
        .await
        .unwrap();
    assert_eq!(across.sections, 2);
    assert_eq!(across.signals.len(), 1, "{:#?}", across.signals);
    let x = &across.signals[0];
    assert_eq!(
        x.kind,
        etender::wire::supervision::CrossKind::SameMachineAcrossSections
    );
    let mut abc: Vec<String> = firms[..3].iter().map(|f| f.ident.key.clone()).collect();
    abc.sort();
    assert_eq!(x.organisations, abc);
    assert_eq!(x.sections.len(), 2);
    let rings: etender::wire::supervision::CrossSignals = regulator
        .get("/api/v1/supervision/collusion-signals?kind=rotating_winners")
        .await
        .unwrap();
    assert!(rings.signals.is_empty());
    // Not for bidders; not further back than three years.
    let (st, v) = firms[0]
        .client
        .raw(Method::GET, "/api/v1/supervision/collusion-signals", None)
        .await
        .unwrap();
    assert_problem(st, &v, 403, "forbidden");
    let (st, v) = regulator
        .raw(
            Method::GET,
            "/api/v1/supervision/collusion-signals?since=2020-01-01",
            None,
        )
        .await
        .unwrap();
    assert_problem(st, &v, 422, "validation_failed");

    // One audit entry per section, naming the count and the digest the reader sees.
    etender::audit::checkpoint_now(&app.ctx.db, &app.ctx.audit_log, "test")
        .await
        .unwrap();
    let trail: Value = regulator
        .get(&format!("/api/v1/audit/trail?tender_id={t}&limit=1000"))
        .await
        .unwrap();
    let entries: Vec<&Value> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "collusion_signals_computed")
        .collect();
    assert_eq!(entries.len(), 2);
    let bd01 = entries.iter().find(|e| e["section_id"] == "BD01").unwrap();
    assert_eq!(bd01["body"]["signals"], 8);
    assert_eq!(bd01["body"]["strong"], 4);
    assert_eq!(bd01["body"]["signals_sha256"], got.signals_sha256.as_str());

    // Nobody else reads them, and asking changes nothing.
    let tenderer = app.enrol("tenderer").await;
    let expert = app.enrol("expert").await;
    let agent = app.enrol("agent").await;
    let before = app.rows().await;
    for (who, c) in [
        ("a bidder of the section", &firms[0].client),
        ("the tenderer", &tenderer),
        ("the agent", &agent),
        ("an expert not on a committee", &expert),
    ] {
        let (st, v) = c.raw(Method::GET, &path(&t, "BD01"), None).await.unwrap();
        assert_problem(st, &v, 403, "forbidden");
        assert!(v.get("signals").is_none(), "{who}");
    }
    let (st, v) = app
        .client()
        .raw(Method::GET, &path(&t, "BD01"), None)
        .await
        .unwrap();
    assert_problem(st, &v, 401, "unauthenticated");
    app.rows()
        .await
        .assert_same(&before, "refused reads of the signals");

    // The preparation records are sealed under the KEK: a rotation rewraps them (`etender kek
    // rewrap`), after which a node holding only the new version still reads every one.
    let file = app.settings.keys.kek_file.clone();
    let mut kek = etender::crypto::kek::Kek::read_file(&file).unwrap();
    kek.rotate().unwrap();
    let (settings, rotated) = (app.settings.database.clone(), std::sync::Arc::new(kek));
    let ids: Vec<String> = name_of.keys().cloned().collect();
    let (rewrapped, read) = tokio::task::spawn_blocking(move || {
        let db = etender::db::Db::connect(&settings)
            .unwrap()
            .with_kek(rotated.clone());
        let n = db
            .write_blocking(|c| Ok(etender::db::repo::collusion::rewrap_preparations(c)?))
            .unwrap();
        let new_only: String = rotated
            .to_text()
            .lines()
            .filter(|l| !l.starts_with("1 "))
            .map(|l| format!("{l}\n"))
            .collect();
        let kek = etender::crypto::kek::Kek::parse(&new_only).unwrap();
        let db = etender::db::Db::connect(&settings)
            .unwrap()
            .with_kek(std::sync::Arc::new(kek));
        let read = db
            .read_blocking(|c| Ok(etender::db::repo::collusion::preparations_of(c, &ids)?))
            .unwrap();
        (n, read)
    })
    .await
    .unwrap();
    assert_eq!(rewrapped, 8, "one record per opened bid");
    assert_eq!(read.len(), 8);
    assert!(read.iter().all(|(_, p)| p.device.is_some()));
    // The PDFs' metadata came through the sealed summary: A's file in each section, read by the
    // bidder tool.
    let of_a: Vec<&String> = name_of
        .iter()
        .filter(|(_, n)| **n == "A")
        .map(|(id, _)| id)
        .collect();
    let authors: Vec<&str> = read
        .iter()
        .filter(|(id, _)| of_a.contains(&id))
        .flat_map(|(_, p)| p.documents.iter().filter_map(|d| d.author.as_deref()))
        .collect();
    assert_eq!(authors, vec!["甲", "甲"]);
}
