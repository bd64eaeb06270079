//! Who bids where must not leak before the opening (issue 11, finding 6): an administrator, a
//! regulator and the public each try to learn a tender's bidders, or their number, from the
//! audit trails and exports, the bid-state snapshot and the metrics — and learn nothing the
//! bidder's own reads do not give back to the bidder alone.

use etender::audit::bundle::Bundle;
use etender::audit::verify::{default_rules, verify_bundle};
use etender::audit::{EventType, SEALED_PARTY};
use etender::client::bids::BondKind;
use reqwest::Method;
use serde_json::Value;

use crate::bids::{record_bonds, Bidder};
use crate::fixtures::{id_of, published_tender};
use crate::helpers::{pki, Bank, TestApp};

/// The sealed entries of `bundle`, each with whether its body came along.
fn sealed_entries(bundle: &Bundle) -> Vec<(etender::audit::leaf::LeafEntry, bool)> {
    use base64::Engine as _;
    bundle
        .entries
        .iter()
        .filter_map(|e| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&e.leaf)
                .unwrap();
            let leaf = etender::audit::leaf::LeafEntry::from_bytes(&bytes).unwrap();
            let sealed = EventType::parse(&leaf.event_type).is_some_and(|t| t.is_sealed());
            sealed.then_some((leaf, e.event.is_some()))
        })
        .collect()
}

#[tokio::test]
async fn overseers_and_the_public_learn_no_bidder_before_the_opening() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let t = s.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    let org = id_of(&b.client).await;
    let uscc = b.uscc().to_string();
    // The bank reports the bond, the bidder submits, then withdraws and submits again: every
    // kind of sealed bid event.
    record_bonds(&app, &t, "BD01", "200000.00", &[&b]).await;
    let sealed = b.seal(&t, "BD01", "1234567.89", 2048).await;
    b.submit(&t, "BD01", &sealed).await;
    let mine = b.client.my_bid(&t, "BD01").await.unwrap().current.unwrap();
    let creds = pki().get("bidder").credentials();
    b.client
        .withdraw(&t, "BD01", &mine, &uscc, &creds)
        .await
        .unwrap();
    let sealed = b.seal(&t, "BD01", "1234000.00", 2048).await;
    b.submit(&t, "BD01", &sealed).await;
    etender::audit::sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let key = crate::audit::vkey(&app).await;

    let admin = app.enrol("admin").await;
    let regulator = app.enrol("regulator").await;
    let bidder_names = [org.as_str(), uscc.as_str(), t.as_str()];
    for (who, c) in [("administrator", &admin), ("regulator", &regulator)] {
        // The whole log: every sealed entry is there (the log is complete), naming nobody.
        let all = c.audit_export(None, None, None).await.unwrap();
        let found = sealed_entries(&all);
        assert!(
            found.len() >= 4,
            "{who}: bond, two submissions, a withdrawal: {found:?}"
        );
        for (leaf, with_body) in &found {
            assert_eq!(
                leaf.actor_id, SEALED_PARTY,
                "{who} sees the actor of {leaf:?}"
            );
            assert!(leaf.tender_id.is_none(), "{who}: {leaf:?}");
            let text = serde_json::to_string(leaf).unwrap();
            for name in bidder_names {
                assert!(!text.contains(name), "{who} reads {name} in {text}");
            }
            // No person recorded the bond: nobody at the platform reads any body.
            assert!(!with_body, "{who} reads the body of {leaf:?}");
        }
        // The offline verifier still checks the whole log, snapshot replay included.
        verify_bundle(&all, &key, None, &default_rules()).unwrap();
        // The trail reads the same.
        let trail: Value = c.get("/api/v1/audit/trail?limit=1000").await.unwrap();
        for e in trail["items"].as_array().unwrap() {
            if EventType::parse(e["event_type"].as_str().unwrap()).is_some_and(|t| t.is_sealed()) {
                assert_eq!(e["actor_id"], SEALED_PARTY, "{who}: {e}");
                let mut e = e.clone();
                let body = e["body"].take();
                assert!(body.is_null(), "{who} reads the body of {e}");
                let text = e.to_string();
                for name in bidder_names {
                    assert!(!text.contains(name), "{who} reads {name} in {text}");
                }
            }
        }
        // The bidder's own trail and export, read by an overseer, show no sealed event.
        let (st, v) = c
            .raw(
                Method::GET,
                &format!("/api/v1/audit/trail?subject={org}&limit=1000"),
                None,
            )
            .await
            .unwrap();
        assert_eq!(st, 200, "{v}");
        for e in v["items"].as_array().unwrap() {
            let ty = e["event_type"].as_str().unwrap();
            assert!(
                !EventType::parse(ty).unwrap().is_sealed(),
                "{who} sees {ty} in the bidder's trail: {e}"
            );
        }
        let theirs = c.audit_export(None, Some(&org), None).await.unwrap();
        assert!(
            sealed_entries(&theirs).is_empty(),
            "{who} sees sealed entries in the bidder's export"
        );
        // The tender's own trail and export hold no bid or bond entry.
        let tender = c.audit_export(Some(&t), None, None).await.unwrap();
        assert!(sealed_entries(&tender).is_empty(), "{who}: tender export");
    }

    // The bidder reads its own sealed entries, bodies and all.
    let own = b.client.audit_export(None, Some(&org), None).await.unwrap();
    let own_sealed = sealed_entries(&own);
    assert!(
        own_sealed.iter().filter(|(_, body)| *body).count() >= 3,
        "the bidder's own export: {own_sealed:?}"
    );
    verify_bundle(&own, &key, None, &default_rules()).unwrap();

    // Metrics: not on the public listener; on their own, no route of a bid or bond.
    let (st, _) = app
        .client()
        .raw(Method::GET, "/metrics", None)
        .await
        .unwrap();
    assert_eq!(st, 404, "/metrics is not public");
    let metrics = app.metrics_text().await;
    for route in [
        "bid-bonds",
        "bid-uploads",
        "bids/mine",
        "withdrawal",
        "receipt",
        "/parts/",
    ] {
        assert!(
            !metrics.contains(route),
            "metrics count the sealed route {route}:\n{metrics}"
        );
    }
    assert!(
        metrics.contains(r#"method="sealed",route="sealed""#),
        "{metrics}"
    );
}

/// Rows (of every table) whose text contains every one of `needles`, table by table: what a
/// DBA reads from a dump without the node's KEK.
async fn rows_with(app: &TestApp, needles: &[&str]) -> Vec<(String, i64)> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    #[derive(QueryableByName)]
    struct Col {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let needles: Vec<String> = needles.iter().map(|n| format!("%{n}%")).collect();
    app.ctx
        .db
        .read_primary(move |c| {
            let mut out = Vec::new();
            for t in crate::helpers::table_names(c)? {
                // The whole row as one text: PostgreSQL casts the row; SQLite concatenates
                // its columns.
                let row_text = match c {
                    etender::db::AnyConnection::Postgresql(_) => "CAST(x AS TEXT)".to_string(),
                    etender::db::AnyConnection::Sqlite(lite) => {
                        let cols: Vec<Col> =
                            diesel::sql_query(format!("SELECT name FROM pragma_table_info('{t}')"))
                                .load(lite)?;
                        cols.iter()
                            .map(|c| format!("COALESCE(CAST(x.\"{}\" AS TEXT), '')", c.name))
                            .collect::<Vec<_>>()
                            .join(" || '|' || ")
                    }
                };
                let wheres: Vec<String> = (1..=needles.len())
                    .map(|i| format!("{row_text} LIKE ${i}"))
                    .collect();
                let sql = format!(
                    "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {t} x WHERE {}",
                    wheres.join(" AND ")
                );
                let sql = match c {
                    etender::db::AnyConnection::Sqlite(_) => sql.replace('$', "?"),
                    _ => sql,
                };
                let mut q = diesel::sql_query(sql).into_boxed();
                for n in &needles {
                    q = q.bind::<diesel::sql_types::Text, _>(n.clone());
                }
                let r: N = q
                    .get_result(c)
                    .map_err(etender::error::AppError::internal)?;
                if r.n > 0 {
                    out.push((t, r.n));
                }
            }
            Ok(out)
        })
        .await
        .unwrap()
}

/// Columns of `bids`, `bid_uploads` and `bid_bonds` that hold one value in two rows of
/// different bidders of `tender`'s section BD01 — a value a dump could group the section's
/// rows by, and count them — as (table, column, value). States, times and version numbers
/// (values every section shares) and NULL are not values of a section.
async fn values_shared_across_bidders(
    app: &TestApp,
    tender: &str,
    orgs: &[&str],
) -> Vec<(String, String, String)> {
    use diesel::prelude::*;
    use etender::db::repo::bids as repo;
    use etender::domain::bidding::UploadState;
    #[derive(QueryableByName)]
    struct Col {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    #[derive(QueryableByName)]
    struct Cell {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        v: Option<String>,
    }
    const NOT_A_SECTION_VALUE: [&str; 11] = [
        "state",
        "version",
        "bid_version",
        "tender_version",
        "confirmed_tender_version",
        "received_at",
        "closed_at",
        "recorded_at",
        "created_at",
        "updated_at",
        "id",
    ];
    let (tender, orgs) = (
        tender.to_string(),
        orgs.iter().map(|o| o.to_string()).collect::<Vec<_>>(),
    );
    app.ctx
        .db
        .read_primary(move |c| {
            // Whose each row is, read through the KEK as the node does.
            let mut owner = std::collections::HashMap::new();
            for org in &orgs {
                for b in repo::bids_of_bidder(c, &tender, "BD01", org)? {
                    owner.insert(b.id, org.clone());
                }
                for b in repo::bonds_of(c, &tender, "BD01", org)? {
                    owner.insert(b.id, org.clone());
                }
                for st in [
                    UploadState::Open,
                    UploadState::Submitted,
                    UploadState::Abandoned,
                ] {
                    for u in repo::uploads_of(c, &tender, "BD01", org, st)? {
                        owner.insert(u.id, org.clone());
                    }
                }
            }
            let mut shared = Vec::new();
            for table in ["bids", "bid_uploads", "bid_bonds"] {
                let cols: Vec<Col> = match c {
                    etender::db::AnyConnection::Postgresql(pg) => diesel::sql_query(format!(
                        "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
                         WHERE table_schema = current_schema() AND table_name = '{table}'"
                    ))
                    .load(pg)?,
                    etender::db::AnyConnection::Sqlite(lite) => {
                        diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}')"))
                            .load(lite)?
                    }
                };
                assert!(!cols.is_empty(), "no columns in {table}");
                for col in cols.iter().map(|c| c.name.as_str()) {
                    if NOT_A_SECTION_VALUE.contains(&col) {
                        continue;
                    }
                    let cells: Vec<Cell> = diesel::sql_query(format!(
                        "SELECT id, CAST(\"{col}\" AS TEXT) AS v FROM {table}"
                    ))
                    .load(c)?;
                    let mut seen: std::collections::HashMap<String, &str> = Default::default();
                    for cell in &cells {
                        let (Some(v), Some(who)) = (&cell.v, owner.get(&cell.id)) else {
                            continue;
                        };
                        match seen.get(v) {
                            Some(other) if *other != who.as_str() => {
                                shared.push((table.to_string(), col.to_string(), v.clone()));
                            }
                            _ => {
                                seen.insert(v.clone(), who);
                            }
                        }
                    }
                }
            }
            // Every row of both bidders was looked at.
            assert!(owner.len() >= 6, "rows of the bidders: {owner:?}");
            Ok(shared)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_database_dump_names_no_bidder_of_a_tender_before_the_opening() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let t = s.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    let org = id_of(&b.client).await;
    let uscc = b.uscc().to_string();
    let email = format!("{}@example.cn", b.label);
    let regulator = app.enrol("regulator").await;
    let name: Value = regulator
        .get(&format!("/api/v1/organisations/{org}"))
        .await
        .unwrap();
    let name = name["name"].as_str().unwrap().to_string();
    etender::audit::sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let mentions_before = rows_with(&app, &[&t]).await;

    // A bond, a bid, a withdrawal, a second bid, and an upload left open; a second bidder's
    // bond and bid.
    let b2 = Bidder::enrol(&app, "bidder-rsa").await;
    let org2 = id_of(&b2.client).await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&b, &b2]).await;
    let sealed2 = b2.seal(&t, "BD01", "1250000.00", 1024).await;
    b2.submit(&t, "BD01", &sealed2).await;
    let sealed = b.seal(&t, "BD01", "1234567.89", 2048).await;
    b.submit(&t, "BD01", &sealed).await;
    let mine = b.client.my_bid(&t, "BD01").await.unwrap().current.unwrap();
    let creds = pki().get("bidder").credentials();
    b.client
        .withdraw(&t, "BD01", &mine, &uscc, &creds)
        .await
        .unwrap();
    let sealed = b.seal(&t, "BD01", "1234000.00", 2048).await;
    b.submit(&t, "BD01", &sealed).await;
    let open = b.seal(&t, "BD01", "1233000.00", 64).await;
    b.client
        .open_upload(&t, "BD01", &open.manifest, &creds)
        .await
        .unwrap();
    etender::audit::sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();

    // No row names the tender together with the bidder: not its id, USCC, name or address.
    for who in [&org, &uscc, &name, &email] {
        let found = rows_with(&app, &[&t, who]).await;
        assert!(
            found.is_empty(),
            "rows name tender {t} with {who}: {found:?}"
        );
    }
    // Nor does bidding add any row that names the tender: their number says nothing either.
    assert_eq!(
        rows_with(&app, &[&t]).await,
        mentions_before,
        "bidding added rows naming the tender"
    );
    // Nor can a dump group the section's rows, to count them: no stored value is shared by
    // the rows of two of its bidders (their own rows share their own blind index only).
    let shared = values_shared_across_bidders(&app, &t, &[&org, &org2]).await;
    assert!(
        shared.is_empty(),
        "values group the section's rows: {shared:?}"
    );
    // The bid rows are there, under the KEK (the dump is of something).
    let sealed_rows = rows_with(&app, &["kek:"]).await;
    for table in ["bids", "bid_uploads", "bid_bonds", "audit_events"] {
        assert!(
            sealed_rows.iter().any(|(t, _)| t == table),
            "no sealed row in {table}: {sealed_rows:?}"
        );
    }

    // The opening lists the bid in the tender's own chain, bidder and all: what the law makes
    // public at the opening (one bid: the section fails, 流标, and says so).
    app.clock.advance(chrono::Duration::days(31));
    etender::worker::deadline_tick(&app.ctx).await.unwrap();
    etender::app::opening::tick(&app.ctx).await.unwrap();
    etender::audit::sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let regulator = app.enrol("regulator").await;
    let trail: Value = regulator
        .get(&format!("/api/v1/audit/trail?tender_id={t}&limit=1000"))
        .await
        .unwrap();
    let started = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "opening_started")
        .unwrap_or_else(|| panic!("no opening_started: {trail}"));
    let listed = started["body"]["bids"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{started}");
    let first = listed
        .iter()
        .find(|x| x["organisation"] == org.as_str())
        .unwrap_or_else(|| panic!("{org} not listed: {started}"));
    assert_eq!(first["bidder_uscc"], uscc.as_str());
    // With its bonds, sealed until now.
    assert_eq!(first["bonds"][0]["amount"], "200000.00");
    let found = rows_with(&app, &[&t, &org]).await;
    assert!(
        found.iter().any(|(t, _)| t == "audit_events"),
        "the opening event names the bidder: {found:?}"
    );
    // And from the opening on, the section's rows carry it in the clear (found by index): the
    // bids, the uploads that became them, the bonds. Who each row's bidder is stays sealed.
    let named = rows_with(&app, &[&t]).await;
    for table in ["bids", "bid_uploads", "bid_bonds"] {
        let n = named.iter().find(|(x, _)| x == table).map(|(_, n)| *n);
        let want = match table {
            "bids" => 3,
            "bid_uploads" => 3,
            _ => 2,
        };
        assert_eq!(n, Some(want), "{table} rows naming the tender: {named:?}");
    }
    let shared = values_shared_across_bidders(&app, &t, &[&org, &org2]).await;
    assert!(
        shared
            .iter()
            .any(|(x, col, v)| x == "bids" && col == "tender_id" && *v == t),
        "{shared:?}"
    );
    assert!(rows_with(&app, &[&t, &org])
        .await
        .iter()
        .all(|(x, _)| !x.starts_with("bid")));
}

#[tokio::test]
async fn a_rotated_kek_rewraps_every_bid_row_and_the_old_version_can_go() {
    use etender::crypto::kek::Kek;
    use std::sync::Arc;
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let t = s.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    let org = id_of(&b.client).await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&b]).await;
    let sealed = b.seal(&t, "BD01", "1234567.89", 2048).await;
    b.submit(&t, "BD01", &sealed).await;
    let account: Value = b
        .client
        .get(&format!(
            "/api/v1/tenders/{t}/sections/BD01/bid-bonds/account"
        ))
        .await
        .unwrap();
    let number = account["account"].as_str().unwrap().to_string();

    // The operator rotates the KEK file and rewraps (what `etender kek rotate` and
    // `etender kek rewrap` do), on a second connection to the same database.
    let file = app.settings.keys.kek_file.clone();
    let mut kek = Kek::read_file(&file).unwrap();
    let old_id = kek.key_id();
    kek.rotate().unwrap();
    assert_ne!(kek.key_id(), old_id);
    let settings = app.settings.database.clone();
    let rotated = Arc::new(kek);
    let (t2, org2) = (t.clone(), org.clone());
    let (done, only_new) = tokio::task::spawn_blocking(move || {
        let db = etender::db::Db::connect(&settings)
            .unwrap()
            .with_kek(rotated.clone());
        let done = db
            .write_blocking(|c| Ok(etender::db::repo::bids::rewrap(c)?))
            .unwrap();
        // A node that holds only the new version finds and opens every row.
        let text = rotated.to_text();
        let new_only: String = text
            .lines()
            .filter(|l| !l.starts_with("1 "))
            .map(|l| format!("{l}\n"))
            .collect();
        let db = etender::db::Db::connect(&settings)
            .unwrap()
            .with_kek(Arc::new(Kek::parse(&new_only).unwrap()));
        let found = db
            .read_blocking(|c| {
                let bids = etender::db::repo::bids::bids_of_bidder(c, &t2, "BD01", &org2)?;
                let bonds = etender::db::repo::bids::bonds_of(c, &t2, "BD01", &org2)?;
                let account = etender::db::repo::bids::bond_account(c, &number)?.unwrap();
                assert_eq!(account.organisation_id, org2);
                Ok((bids.len(), bonds.len(), bids[0].organisation_id.clone()))
            })
            .unwrap();
        (done, found)
    })
    .await
    .unwrap();
    assert_eq!(
        (done.bids, done.bonds, done.bond_accounts),
        (1, 1, 1),
        "{done:?}"
    );
    assert_eq!(only_new, (1, 1, org.clone()));
    // Nothing of the bid tables is left under version 1.
    let v1 = rows_with(&app, &["kek:1:"]).await;
    for table in ["bids", "bid_uploads", "bid_bonds", "bond_accounts"] {
        assert!(
            !v1.iter().any(|(t, _)| t == table),
            "{table} still under version 1: {v1:?}"
        );
    }
}

#[tokio::test]
async fn bonds_arrive_from_the_bank_in_sub_accounts_that_name_nobody() {
    // The bank, and an insurer issuing guarantee insurance with its own key.
    let keys = tempfile::tempdir().unwrap();
    let insurer_key = keys.path().join("insurer.key");
    etender::app::bids::generate_notice_key(&insurer_key).unwrap();
    let ik = insurer_key.clone();
    let app = TestApp::spawn_with(move |s| {
        s.bonds.issuers = vec![etender::config::BondIssuer {
            name: "示范保险 (demo insurer)".into(),
            key_file: ik,
        }]
    })
    .await;
    let bank = app.bank();
    let insurer = Bank::with_key_file(&app, &insurer_key);
    let s = published_tender(&app, 30).await;
    let t = s.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    let org = id_of(&b.client).await;
    let uscc = b.uscc().to_string();
    let path = format!("/api/v1/tenders/{t}/sections/BD01/bid-bonds/account");
    let account: Value = b.client.get(&path).await.unwrap();
    let number = account["account"].as_str().unwrap().to_string();
    assert_eq!(account["amount"], "200000.00");
    assert!(
        number.starts_with(&app.settings.bonds.account_prefix),
        "{account}"
    );
    for name in [&org, &uscc, &t] {
        assert!(!number.contains(name.as_str()));
    }
    // Asked again, the same account.
    let again: Value = b.client.get(&path).await.unwrap();
    assert_eq!(again["account"], number.as_str());
    // Nobody else has an account to ask for.
    let regulator = app.enrol("regulator").await;
    let (st, v) = regulator.raw(Method::GET, &path, None).await.unwrap();
    assert_eq!((st.as_u16(), v["code"].as_str()), (403, Some("forbidden")));

    // A transfer the bank reports (refusals: `bids::refused_bonds_record_nothing`), and a
    // guarantee insurance the insurer reports, each under its own key.
    let notice = serde_json::json!({"account": number, "amount": "200000.00",
        "reference": "BANK-TX-0001", "arrived_at": app.clock_now()});
    let (st, v) = bank.notify(&notice).await;
    assert_eq!(st.as_u16(), 201, "{v}");
    let policy = serde_json::json!({"account": number, "amount": "50000.00", "kind": "insurance",
        "reference": "POLICY-7", "arrived_at": app.clock_now()});
    let (st, v) = insurer.notify(&policy).await;
    assert_eq!(st.as_u16(), 201, "{v}");

    // The bidder sees its bonds, each with the form and the issuer that reported it, and they
    // cover the bid.
    let mut mine = b.client.my_bonds(&t, "BD01").await.unwrap();
    mine.sort_by(|a, b| a.reference.cmp(&b.reference));
    let seen: Vec<_> = mine
        .iter()
        .map(|m| {
            (
                m.reference.as_str(),
                m.amount.to_string(),
                m.kind,
                m.issuer.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "BANK-TX-0001",
                "200000.00".into(),
                BondKind::Cash,
                "示范银行 (demo bank)"
            ),
            (
                "POLICY-7",
                "50000.00".into(),
                BondKind::Insurance,
                "示范保险 (demo insurer)"
            ),
        ]
    );
    let sealed = b.seal(&t, "BD01", "1234567.89", 1024).await;
    b.submit(&t, "BD01", &sealed).await;

    // Nobody at the platform can tell whose bond arrived, or for which tender: not the
    // administrator or the regulator (the entry names nobody, the body is the bidder's), not a
    // DBA (no row holds the account number, or the tender with the bidder).
    etender::audit::sequencer::integrate_now(&app.ctx.db, &app.ctx.audit_log)
        .await
        .unwrap();
    let admin = app.enrol("admin").await;
    for (who, c) in [("administrator", &admin), ("regulator", &regulator)] {
        let trail: Value = c.get("/api/v1/audit/trail?limit=1000").await.unwrap();
        let bonds: Vec<&Value> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event_type"] == "bid_bond_recorded")
            .collect();
        assert_eq!(bonds.len(), 2, "{who}: {trail}");
        for bond in bonds {
            assert_eq!(bond["actor_id"], SEALED_PARTY);
            assert_eq!(bond["subject"], SEALED_PARTY);
            assert!(bond["body"].is_null(), "{who} reads {bond}");
            assert!(!bond.to_string().contains(&number));
        }
    }
    assert!(rows_with(&app, &[&number]).await.is_empty());
    assert!(rows_with(&app, &[&t, &org]).await.is_empty());
    let own = b.client.audit_export(None, Some(&org), None).await.unwrap();
    assert!(
        own.entries.iter().any(|e| e
            .event
            .as_ref()
            .is_some_and(|ev| ev.body.contains("BANK-TX-0001"))),
        "the bidder reads its own bond's entry"
    );
}

/// No person records a bond, so none learns one before the opening: the manual path of the
/// trading centre is gone (the administrator's old request finds no route), the bank's endpoint
/// takes no login, and neither an administrator nor a regulator can read a bidder's bond or
/// account (what the trails show of a bond: `overseers_and_the_public_learn_no_bidder_…`).
#[tokio::test]
async fn no_one_at_the_platform_records_or_reads_a_bond_before_the_opening() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let t = s.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    let org = id_of(&b.client).await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&b]).await;
    let admin = app.enrol("admin").await;
    let regulator = app.enrol("regulator").await;
    let section = format!("/api/v1/tenders/{t}/sections/BD01");
    let before = app.rows().await;
    // The request the trading centre used to record a bond by hand.
    let by_hand = serde_json::json!({"organisation_id": org, "amount": "200000.00",
        "kind": "bank_guarantee", "reference": "BY-HAND-1"});
    for (who, c) in [("administrator", &admin), ("regulator", &regulator)] {
        let (st, v) = c
            .raw(
                Method::POST,
                &format!("{section}/bid-bonds"),
                Some(&by_hand),
            )
            .await
            .unwrap();
        assert!(
            matches!(st.as_u16(), 404 | 405),
            "{who} records a bond by hand: {st} {v}"
        );
        // A login is no key of the bank's.
        let (st, v) = c
            .raw(Method::POST, "/api/v1/bank/bond-arrivals", Some(&by_hand))
            .await
            .unwrap();
        assert_eq!(
            (st.as_u16(), v["code"].as_str()),
            (401, Some("signature_invalid")),
            "{who}: {v}"
        );
        for read in ["bid-bonds/mine", "bid-bonds/account"] {
            let (st, v) = c
                .raw(Method::GET, &format!("{section}/{read}"), None)
                .await
                .unwrap();
            assert_eq!(
                (st.as_u16(), v["code"].as_str()),
                (403, Some("forbidden")),
                "{who} reads {read}: {v}"
            );
        }
    }
    before.assert_same(
        &app.rows().await,
        "overseers trying to record or read a bond",
    );
    // The route is gone from the API description too.
    let doc: Value = app.client().get("/openapi.json").await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(!paths.contains_key("/api/v1/tenders/{id}/sections/{code}/bid-bonds"));
    assert!(paths.contains_key("/api/v1/bank/bond-arrivals"));
    // The bidder still has its bond.
    assert_eq!(b.client.my_bonds(&t, "BD01").await.unwrap().len(), 1);
}

/// A bid row of `tender` as the repositories take it, with a manifest and certificate of a
/// real one's size (what each scan decrypts and parses).
fn filler_bid(
    tender: &str,
    org: &str,
    at: chrono::NaiveDateTime,
) -> etender::db::repo::bids::BidRow {
    let id = uuid::Uuid::now_v7().to_string();
    etender::db::repo::bids::BidRow {
        id: id.clone(),
        tender_id: tender.into(),
        section_code: "BD01".into(),
        organisation_id: org.into(),
        bidder_uscc: "91110000000000000X".into(),
        version: 1,
        state: "submitted".into(),
        manifest: "m".repeat(2000),
        manifest_sha256: format!("{:0>64}", id.replace('-', "")),
        certificate: "c".repeat(1500),
        certificate_serial: "01".into(),
        signature_algorithm: "sm2".into(),
        tender_version: 1,
        confirmed_tender_version: 1,
        received_at: at,
        receipt_event_id: id,
        supersedes: None,
        closed_at: None,
        summary: None,
    }
}

/// What finding a section's bids costs before its opening, when no column names the section:
/// every unrevealed bid row on the node is opened (docs/ARCHITECTURE.md quotes the figure).
/// After the opening the section's rows are found by index and none of its own is scanned.
#[tokio::test]
async fn a_sections_bids_are_found_among_ten_thousand_unrevealed_rows() {
    use etender::db::repo::bids as repo;
    use etender::domain::bidding::BidState;
    const OTHERS: usize = 10_000;
    let app = TestApp::spawn().await;
    let at = app.clock_now().naive_utc();
    app.ctx
        .db
        .write(move |c| {
            for i in 0..OTHERS {
                repo::insert_bid(c, &filler_bid(&format!("other-{i}"), "o", at), &[])?;
            }
            for org in ["a", "b", "c"] {
                repo::insert_bid(c, &filler_bid("mine", org, at), &[])?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let submitted = [BidState::Submitted];
    let (found, took) = app
        .ctx
        .db
        .read_primary(move |c| {
            let start = std::time::Instant::now();
            let found = repo::bids_of_section(c, "mine", "BD01", &submitted)?;
            Ok((found, start.elapsed()))
        })
        .await
        .unwrap();
    eprintln!("bids_of_section among {OTHERS} unrevealed bid rows: {took:?}");
    let mut orgs: Vec<String> = found.iter().map(|b| b.organisation_id.clone()).collect();
    orgs.sort();
    assert_eq!(orgs, ["a", "b", "c"]);
    // Generous (an unoptimised build on a shared machine): what matters is the order of it.
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");

    // Revealed (what the opening does), the section is found by index and still whole.
    let revealed = app
        .ctx
        .db
        .write(|c| Ok(repo::reveal_section(c, "mine", "BD01")?))
        .await
        .unwrap();
    assert_eq!(
        revealed,
        repo::Revealed {
            bids: 3,
            uploads: 0,
            bonds: 0
        }
    );
    let again = app
        .ctx
        .db
        .read_primary(move |c| Ok(repo::bids_of_section(c, "mine", "BD01", &submitted)?))
        .await
        .unwrap();
    assert_eq!(again.len(), 3);
}

/// A tender terminated before its opening: its bid rows get their plain section then (its
/// bidders are owed their bonds back and nothing is left to compete for), as at an opening, so
/// they leave the scan of unrevealed rows; the bidder stays sealed.
#[tokio::test]
async fn a_terminated_tenders_bids_are_revealed_by_section_only() {
    let app = TestApp::spawn().await;
    let s = published_tender(&app, 30).await;
    let t = s.tender.clone();
    let b = Bidder::enrol(&app, "bidder").await;
    let org = id_of(&b.client).await;
    record_bonds(&app, &t, "BD01", "200000.00", &[&b]).await;
    let sealed = b.seal(&t, "BD01", "1234567.89", 2048).await;
    b.submit(&t, "BD01", &sealed).await;
    let tables = |rows: Vec<(String, i64)>| -> Vec<String> {
        rows.into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(t, _)| t)
            .collect()
    };
    let before = tables(rows_with(&app, &[&t]).await);
    assert!(!before.iter().any(|x| x == "bids"), "{before:?}");
    let (st, v) = s
        .agent
        .raw(
            Method::POST,
            &format!("/api/v1/tenders/{t}/actions"),
            Some(&serde_json::json!({"action": "terminate", "reason": "项目取消"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{v}");
    let after = tables(rows_with(&app, &[&t]).await);
    for table in ["bids", "bid_uploads", "bid_bonds"] {
        assert!(
            after.iter().any(|x| x == table),
            "{table} not revealed: {after:?}"
        );
    }
    let named = tables(rows_with(&app, &[&t, &org]).await);
    assert!(
        !named.iter().any(|x| x.starts_with("bid")),
        "a bid row names the bidder: {named:?}"
    );
}
