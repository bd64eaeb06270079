//! Migrations: every one reverses, and SQLite and PostgreSQL keep the same tables and columns.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::Text;
use etender::db::migrate;
use etender::db::Backend;

use crate::helpers::{fresh_database_url, fresh_pg_database_url};

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = Text)]
    t: String,
    #[diesel(sql_type = Text)]
    c: String,
}

/// table → sorted column names.
fn columns(url: &str) -> BTreeMap<String, Vec<String>> {
    let rows: Vec<Col> = match Backend::from_url(url).unwrap() {
        Backend::Sqlite => {
            let path = etender::db::connection::sqlite_path(url).unwrap();
            let mut c = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
            diesel::sql_query(
                "SELECT m.name AS t, p.name AS c \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                 AND m.name != '__diesel_schema_migrations'",
            )
            .load(&mut c)
            .unwrap()
        }
        Backend::Postgres => {
            let mut c = PgConnection::establish(url).unwrap();
            diesel::sql_query(
                "SELECT table_name::text AS t, column_name::text AS c \
                 FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name != '__diesel_schema_migrations'",
            )
            .load(&mut c)
            .unwrap()
        }
    };
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        map.entry(r.t).or_default().push(r.c);
    }
    for v in map.values_mut() {
        v.sort();
    }
    map
}

#[test]
fn every_migration_reverses() {
    let tmp = tempfile::tempdir().unwrap();
    let url = fresh_database_url(tmp.path());
    // The fresh database is already migrated (from the template on PostgreSQL): start clean.
    let _ = migrate::revert_all(&url);
    let applied = migrate::run_pending(&url).unwrap();
    let backend = Backend::from_url(&url).unwrap();
    assert_eq!(applied.len(), migrate::names(backend).len());
    assert!(!applied.is_empty());
    let full = columns(&url);
    assert!(full.contains_key("organisations") && full.contains_key("audit_events"));
    let reverted = migrate::revert_all(&url).unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert!(
        columns(&url).is_empty(),
        "tables left after reverting: {:?}",
        columns(&url)
    );
    migrate::run_pending(&url).unwrap();
    assert_eq!(columns(&url), full, "up → down → up changed the schema");
}

#[test]
fn sqlite_and_postgres_migrations_have_the_same_names() {
    assert_eq!(
        migrate::names(Backend::Sqlite),
        migrate::names(Backend::Postgres)
    );
}

/// Compares live databases, so it needs the throwaway cluster that `make test` starts for both
/// passes; without one it fails rather than pass vacuously.
#[test]
fn sqlite_and_postgres_schemas_stay_in_step() {
    assert!(
        std::env::var("ETENDER_TEST_PG_URL").is_ok(),
        "this test compares SQLite with PostgreSQL: \
         run it through `make test`, which starts a cluster"
    );
    let tmp = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", tmp.path().join("parity.db").display());
    migrate::run_pending(&sqlite).unwrap();
    let lite = columns(&sqlite);
    let pg = columns(&fresh_pg_database_url());
    assert!(!lite.is_empty());
    assert_eq!(lite, pg, "SQLite and PostgreSQL schemas differ");
}
