//! The S3 object store against a real S3-compatible server (s3s-fs, started by `make test`;
//! it checks every SigV4 signature and S3's multipart rules, and keeps objects as plain files
//! under `ETENDER_TEST_S3_ROOT/<bucket>/<key>`, which these tests read to see what was stored).
//! The whole API suite also runs on S3 in the PostgreSQL pass (`ETENDER_TEST_STORAGE=s3`).

use std::io::Read;
use std::path::Path;

use etender::storage::{Backend, StorageError, StorageSettings, Store};
use futures_util::StreamExt;
use ring::digest;

use crate::helpers::{fresh_bucket, s3_root, s3_settings};

fn settings(dir: &Path, bucket: &str) -> StorageSettings {
    let mut s = etender::config::Settings::load_for_development(None)
        .unwrap()
        .storage;
    s.dir = dir.to_path_buf();
    s.backend = Backend::S3;
    s.s3 = s3_settings(bucket);
    s
}

/// Deterministic bytes that do not compress or repeat.
fn data(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn chunks(
    bytes: &[u8],
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Unpin + '_ {
    futures_util::stream::iter(bytes.chunks(64 * 1024).map(|c| Ok(c.to_vec())))
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test]
async fn documents_and_bid_parts_round_trip_through_s3() {
    let tmp = tempfile::tempdir().unwrap();
    let bucket = fresh_bucket();
    let store = Store::new(&settings(tmp.path(), &bucket)).unwrap();
    store.check().await.expect("bucket created");
    let objects = s3_root().join(&bucket);

    // 12 MiB and a bit with 5 MiB parts: a three-part multipart upload.
    let bytes = data(12 * 1024 * 1024 + 123);
    let stored = store.put(chunks(&bytes), 1 << 30).await.unwrap();
    assert_eq!(
        stored.sha256,
        hex::encode(digest::digest(&digest::SHA256, &bytes))
    );
    assert_eq!(stored.size, bytes.len() as u64);
    assert_eq!(std::fs::read(objects.join(&stored.key)).unwrap(), bytes);
    assert_eq!(files_in(&tmp.path().join("tmp")), 0, "scratch is emptied");
    // Content-addressed: the same bytes again are the same object.
    let again = store.put(chunks(&bytes), 1 << 30).await.unwrap();
    assert_eq!(again, stored);

    let (len, mut stream) = store.read(&stored.key).await.unwrap();
    assert_eq!(len, bytes.len() as u64);
    let mut got = Vec::new();
    while let Some(c) = stream.next().await {
        got.extend_from_slice(&c.unwrap());
    }
    assert_eq!(got, bytes);

    let s2 = store.clone();
    let key = stored.key.clone();
    let opened = tokio::task::spawn_blocking(move || {
        let mut f = s2.open(&key).unwrap();
        let mut v = Vec::new();
        f.read_to_end(&mut v).unwrap();
        v
    })
    .await
    .unwrap();
    assert_eq!(opened, bytes);
    assert_eq!(
        files_in(&tmp.path().join("tmp")),
        0,
        "the fetched copy has no name"
    );

    // A bid part: staged locally, pushed when whole, kept under its upload's key.
    let staged = store.staging_path("up-1", 0);
    std::fs::create_dir_all(staged.parent().unwrap()).unwrap();
    std::fs::write(&staged, &bytes[..6 * 1024 * 1024]).unwrap();
    let part_sha = hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        &bytes[..6 * 1024 * 1024],
    ));
    let claim = store.claim_staging("up-1", 0).unwrap();
    store
        .finish_part(&claim, "up-1", 0, &part_sha)
        .await
        .unwrap();
    drop(claim);
    assert!(!staged.exists(), "the staged copy is dropped once pushed");
    assert_eq!(
        std::fs::read(objects.join("bids/up-1/0")).unwrap(),
        &bytes[..6 * 1024 * 1024]
    );
    let key = store.promote("up-1", 0, &part_sha).unwrap();
    assert_eq!(key, "bids/up-1/0");
    store.delete_pushed_parts("up-1", 1).await;
    assert!(!objects.join("bids/up-1/0").exists());

    assert!(matches!(
        store.read("sha256/00/nothing").await,
        Err(StorageError::Missing(_))
    ));
}

#[tokio::test]
async fn wrong_credentials_and_missing_buckets_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let bucket = fresh_bucket();
    let good = settings(tmp.path(), &bucket);
    Store::new(&good).unwrap().check().await.unwrap();
    let objects = s3_root().join(&bucket);

    // A wrong secret: every request's signature is refused and nothing is stored.
    let mut bad = good.clone();
    bad.s3.secret_access_key = "not-the-secret".into();
    let store = Store::new(&bad).unwrap();
    let e = store.check().await.unwrap_err().to_string();
    assert!(e.contains("403") && !e.contains("not-the-secret"), "{e}");
    let e = store
        .put(chunks(b"tender document"), 1 << 20)
        .await
        .unwrap_err();
    assert!(matches!(e, StorageError::Remote(_)), "{e}");
    assert!(e.to_string().contains("403"), "{e}");
    assert_eq!(files_in(&objects), 0, "a refused put stored nothing");
    assert_eq!(
        files_in(&tmp.path().join("tmp")),
        0,
        "nor left scratch behind"
    );

    // A bucket that does not exist, with creation not allowed.
    let mut missing = good.clone();
    missing.s3.bucket = fresh_bucket();
    missing.s3.create_bucket = false;
    let e = Store::new(&missing)
        .unwrap()
        .check()
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains(&missing.s3.bucket), "{e}");

    // The server refuses to start on such a store rather than fail the first bid.
    let mut s = etender::config::Settings::load_for_development(None).unwrap();
    s.database.url = format!("sqlite://{}", tmp.path().join("e.db").display()).into();
    s.audit.signing_key_file = tmp.path().join("audit-key.pem");
    s.keys.kek_file = tmp.path().join("kek");
    s.identity.trust_dir = tmp.path().to_path_buf();
    s.http.listen = "127.0.0.1:0".parse().unwrap();
    s.storage = bad;
    let e = match etender::startup::Application::build(s).await {
        Ok(_) => panic!("started on a store that refuses its credentials"),
        Err(e) => format!("{e:#}"),
    };
    assert!(e.contains("storage") && e.contains("403"), "{e}");
    // Neither secret is ever part of a message.
    for shown in [e, format!("{:?}", store), format!("{:?}", good)] {
        assert!(
            !shown.contains("not-the-secret") && !shown.contains("etender-test-secret"),
            "{shown}"
        );
    }
}

/// An object already under a digest's name is never replaced: small objects go up with
/// `If-None-Match: *`, large ones only when the store has none; one found is accepted only if it
/// has the size of the bytes at hand.
#[tokio::test]
async fn an_existing_object_is_never_replaced_on_s3() {
    let tmp = tempfile::tempdir().unwrap();
    let bucket = fresh_bucket();
    let store = Store::new(&settings(tmp.path(), &bucket)).unwrap();
    store.check().await.unwrap();
    let objects = s3_root().join(&bucket);
    // One single-PUT object and one multipart object (5 MiB parts).
    for len in [1000, 6 * 1024 * 1024] {
        let bytes = data(len);
        let sha = hex::encode(digest::digest(&digest::SHA256, &bytes));
        let key = format!("sha256/{}/{sha}", &sha[..2]);
        let squatter = objects.join(&key);
        std::fs::create_dir_all(squatter.parent().unwrap()).unwrap();
        std::fs::write(&squatter, &bytes[..len / 2]).unwrap();
        let e = store.put(chunks(&bytes), 1 << 30).await.unwrap_err();
        assert!(matches!(e, StorageError::Mismatch { .. }), "{e}");
        assert_eq!(std::fs::read(&squatter).unwrap(), &bytes[..len / 2], "kept");
        // With the squatter gone the bytes are stored, and stored once.
        std::fs::remove_file(&squatter).unwrap();
        let stored = store.put(chunks(&bytes), 1 << 30).await.unwrap();
        assert_eq!(stored.key, key);
        assert_eq!(std::fs::read(&squatter).unwrap(), bytes);
        assert_eq!(store.put(chunks(&bytes), 1 << 30).await.unwrap(), stored);
    }
    assert_eq!(files_in(&tmp.path().join("tmp")), 0);
}
