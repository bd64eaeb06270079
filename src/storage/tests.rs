//! The store on its local and in-memory backends (the S3 backend against a real S3-compatible
//! server is tests/api/storage.rs).

use std::io::Read;

use super::*;

fn stream(
    parts: Vec<&'static [u8]>,
) -> impl Stream<Item = Result<&'static [u8], std::io::Error>> + Unpin {
    futures_util::stream::iter(parts.into_iter().map(Ok))
}

/// Deterministic bytes that do not repeat.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn chunks(bytes: &[u8]) -> impl Stream<Item = Result<Vec<u8>, std::io::Error>> + Unpin + '_ {
    futures_util::stream::iter(bytes.chunks(64 * 1024).map(|c| Ok(c.to_vec())))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, bytes))
}

fn scratch_files(root: &Path) -> usize {
    std::fs::read_dir(root.join("tmp")).unwrap().count()
}

async fn read_all(store: &Store, key: &str) -> Vec<u8> {
    let (len, mut s) = store.read(key).await.unwrap();
    let mut got = Vec::new();
    while let Some(c) = s.next().await {
        got.extend_from_slice(&c.unwrap());
    }
    assert_eq!(len, got.len() as u64);
    got
}

/// The bytes of an object straight from the backend.
async fn stored(store: &Store, key: &str) -> Option<Bytes> {
    match store.objects.get(&location(key).unwrap()).await {
        Ok(r) => Some(r.bytes().await.unwrap()),
        Err(object_store::Error::NotFound { .. }) => None,
        Err(e) => panic!("{e}"),
    }
}

async fn opened(store: &Store, key: &str) -> Vec<u8> {
    let (s, key) = (store.clone(), key.to_string());
    tokio::task::spawn_blocking(move || {
        let mut v = Vec::new();
        s.open(&key).unwrap().read_to_end(&mut v).unwrap();
        v
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn stores_by_digest_and_enforces_limits() {
    for memory in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = if memory {
            Store::in_memory(dir.path()).unwrap()
        } else {
            Store::local(dir.path()).unwrap()
        };
        let s = store
            .put(stream(vec![b"hello ", b"world"]), 100)
            .await
            .unwrap();
        assert_eq!(
            s.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(s.key, format!("sha256/b9/{}", s.sha256));
        assert_eq!(s.size, 11);
        assert_eq!(read_all(&store, &s.key).await, b"hello world");
        assert_eq!(opened(&store, &s.key).await, b"hello world");
        assert_eq!(
            stored(&store, &s.key).await.as_deref(),
            Some(&b"hello world"[..])
        );
        assert_eq!(store.local_path(&s.key).is_ok(), !memory);
        assert!(matches!(
            store.put(stream(vec![b"0123456789", b"x"]), 10).await,
            Err(StorageError::TooLarge { limit: 10 })
        ));
        assert!(matches!(
            store.put(stream(vec![]), 10).await,
            Err(StorageError::Empty)
        ));
        let cut = futures_util::stream::iter(vec![
            Ok(&b"abc"[..]),
            Err(std::io::Error::other("connection reset")),
        ]);
        assert!(matches!(
            store.put(cut, 10).await,
            Err(StorageError::Interrupted(_))
        ));
        // Failed uploads leave nothing behind, and neither do successful ones.
        assert_eq!(scratch_files(dir.path()), 0);
        for bad in ["../etc/passwd", "/etc/passwd", "sha256//x", ""] {
            assert!(store.local_path(bad).is_err(), "{bad}");
            assert!(
                matches!(store.read(bad).await, Err(StorageError::Missing(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            store.read("sha256/00/nothing").await,
            Err(StorageError::Missing(_))
        ));
        let s2 = store.clone();
        let missing =
            tokio::task::spawn_blocking(move || s2.open("sha256/00/nothing").unwrap_err())
                .await
                .unwrap();
        assert!(matches!(missing, StorageError::Missing(_)), "{missing}");
    }
}

#[tokio::test]
async fn large_objects_go_up_in_parts_and_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::in_memory(dir.path()).unwrap();
    store.part_size = 256 * 1024;
    // Five parts and a short one: more than the parts in flight.
    let bytes = noise(5 * 256 * 1024 + 1234, 3);
    let s = store.put(chunks(&bytes), 1 << 30).await.unwrap();
    assert_eq!(s.sha256, sha256_hex(&bytes));
    assert_eq!(s.size, bytes.len() as u64);
    assert_eq!(stored(&store, &s.key).await.unwrap(), bytes);
    assert_eq!(read_all(&store, &s.key).await, bytes);
    assert_eq!(opened(&store, &s.key).await, bytes);
    // The same bytes again are the same object, small or large.
    assert_eq!(store.put(chunks(&bytes), 1 << 30).await.unwrap(), s);
    let small = store.put(stream(vec![b"tender"]), 100).await.unwrap();
    assert_eq!(
        store.put(stream(vec![b"tender"]), 100).await.unwrap(),
        small
    );
    assert_eq!(scratch_files(dir.path()), 0, "fetched copies have no name");
}

/// An object already under a digest's name is never replaced; it is accepted only if it has
/// the size of the bytes at hand, and otherwise the store is reported inconsistent.
#[tokio::test]
async fn an_existing_object_is_never_replaced() {
    for memory in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut store = if memory {
            Store::in_memory(dir.path()).unwrap()
        } else {
            Store::local(dir.path()).unwrap()
        };
        store.part_size = 256 * 1024;
        for len in [100, 700 * 1024] {
            let bytes = noise(len, len as u64);
            let key = content_key(&sha256_hex(&bytes));
            let squatter = Bytes::from(noise(len / 2, 9));
            store
                .objects
                .put(&location(&key).unwrap(), squatter.clone().into())
                .await
                .unwrap();
            let e = store.put(chunks(&bytes), 1 << 30).await.unwrap_err();
            assert!(
                matches!(e, StorageError::Mismatch { found, expected, .. }
                    if found == len as u64 / 2 && expected == len as u64),
                "{e}"
            );
            assert_eq!(stored(&store, &key).await.unwrap(), squatter, "kept");
        }
        assert_eq!(scratch_files(dir.path()), 0);
    }
}

/// A bid part: staged in scratch, then stored for good under `bids/<upload>/<index>` (linked
/// locally, pushed to memory) and hashed again there; never under `sha256/`.
#[tokio::test]
async fn bid_parts_are_stored_checked_and_discarded() {
    for memory in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut store = if memory {
            Store::in_memory(dir.path()).unwrap()
        } else {
            Store::local(dir.path()).unwrap()
        };
        store.part_size = 256 * 1024;
        let bytes = noise(600 * 1024, 11);
        let sha = sha256_hex(&bytes);
        let staged = store.staging_path("up-1", 0);
        std::fs::create_dir_all(staged.parent().unwrap()).unwrap();
        std::fs::write(&staged, &bytes).unwrap();
        let claim = store.claim_staging("up-1", 0).unwrap();
        assert!(
            store.claim_staging("up-1", 0).is_none(),
            "one writer per staged part"
        );
        store.finish_part(&claim, "up-1", 0, &sha).await.unwrap();
        drop(claim);
        assert!(!staged.exists(), "stored parts leave scratch");
        assert_eq!(stored(&store, "bids/up-1/0").await.unwrap(), bytes);
        let (s, sha2) = (store.clone(), sha.clone());
        let key = tokio::task::spawn_blocking(move || s.promote("up-1", 0, &sha2).unwrap())
            .await
            .unwrap();
        assert_eq!(key, "bids/up-1/0");
        assert_eq!(stored(&store, &content_key(&sha)).await, None);
        assert_eq!(opened(&store, &key).await, bytes);

        // Bytes that do not hash to what arrived are not kept, and the part is not stored:
        // remotely the pushed bytes are hashed; locally the staged file's own digest is trusted
        // (its claim proves one writer), so what is judged is an object already in place.
        let staged = store.staging_path("up-3", 0);
        std::fs::create_dir_all(staged.parent().unwrap()).unwrap();
        if memory {
            std::fs::write(&staged, b"other bytes").unwrap();
        } else {
            std::fs::write(&staged, &bytes).unwrap();
            let left = dir.path().join("bids/up-3/0");
            std::fs::create_dir_all(left.parent().unwrap()).unwrap();
            std::fs::write(&left, b"other bytes").unwrap();
        }
        let claim = store.claim_staging("up-3", 0).unwrap();
        let e = store
            .finish_part(&claim, "up-3", 0, &sha)
            .await
            .unwrap_err();
        assert!(matches!(e, StorageError::DigestMismatch { .. }), "{e}");
        assert_eq!(stored(&store, "bids/up-3/0").await, None);

        // An abandoned upload: its staged bytes and stored parts go.
        let staged = store.staging_path("up-2", 1);
        std::fs::create_dir_all(staged.parent().unwrap()).unwrap();
        std::fs::write(&staged, b"part").unwrap();
        let claim = store.claim_staging("up-2", 1).unwrap();
        store
            .finish_part(&claim, "up-2", 1, &sha256_hex(b"part"))
            .await
            .unwrap();
        store.remove_staging("up-2");
        store.delete_pushed_parts("up-2", 3).await;
        assert!(!dir.path().join("staging/up-2").exists());
        assert_eq!(stored(&store, "bids/up-2/1").await, None);
        // The submitted part stays.
        assert_eq!(opened(&store, &key).await, bytes);
    }
}

#[test]
fn debug_names_the_backend_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::config::Settings::load_for_development(None)
        .unwrap()
        .storage;
    settings.dir = dir.path().to_path_buf();
    settings.backend = Backend::S3;
    settings.s3 = settings::tests::s3();
    let store = Store::new(&settings).unwrap();
    assert_eq!(store.backend(), Backend::S3);
    let shown = format!("{store:?}");
    assert!(
        shown.contains("S3") && !shown.contains("the-secret-key"),
        "{shown}"
    );
    settings.s3.bucket = "No Such Bucket".into();
    let e = Store::new(&settings).unwrap_err().to_string();
    assert!(e.contains("storage.s3") && e.contains("bucket"), "{e}");
}
