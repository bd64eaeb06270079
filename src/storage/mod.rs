//! File storage for tender documents and bid parts: content-addressed local files, plus a
//! staging area where resumable bid uploads collect.
//!
//! Bytes are streamed to a temporary file while SHA-256 is computed, then renamed to
//! `sha256/<first two hex>/<hex>`; a stored file is therefore immutable and its name is its
//! digest, so a tampered file is detectable by rehashing. Memory stays constant whatever the
//! size. The temporary file is removed when an upload fails or exceeds its limit.

pub mod staging;

use std::path::{Path, PathBuf};

use futures_util::{Stream, StreamExt};
use ring::digest;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// Directory for stored files.
    pub dir: PathBuf,
    /// Largest accepted tender document, in bytes.
    pub max_document_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the upload exceeds {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the upload is empty")]
    Empty,
    #[error("upload interrupted: {0}")]
    Interrupted(String),
    #[error("storage I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("no stored file {0}")]
    Missing(String),
}

/// What was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub key: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Clone, Debug)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: &Path) -> std::io::Result<LocalStore> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(LocalStore {
            root: root.to_path_buf(),
        })
    }

    /// Stream `body` into the store, refusing more than `limit` bytes.
    pub async fn put<S, B, E>(&self, mut body: S, limit: u64) -> Result<Stored, StorageError>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        let tmp = self.root.join("tmp").join(uuid::Uuid::new_v4().to_string());
        let result = async {
            let mut file = tokio::fs::File::create(&tmp).await?;
            let mut ctx = digest::Context::new(&digest::SHA256);
            let mut size = 0u64;
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| StorageError::Interrupted(e.to_string()))?;
                let bytes = chunk.as_ref();
                size += bytes.len() as u64;
                if size > limit {
                    return Err(StorageError::TooLarge { limit });
                }
                ctx.update(bytes);
                file.write_all(bytes).await?;
            }
            if size == 0 {
                return Err(StorageError::Empty);
            }
            file.sync_all().await?;
            Ok((hex::encode(ctx.finish().as_ref()), size))
        }
        .await;
        match result {
            Ok((sha256, size)) => {
                let key = format!("sha256/{}/{}", &sha256[..2], sha256);
                let dest = self.root.join(&key);
                if let Some(parent) = dest.parent() {
                    tokio::fs::create_dir_all(parent).await?;
                }
                tokio::fs::rename(&tmp, &dest).await?;
                Ok(Stored { key, sha256, size })
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                Err(e)
            }
        }
    }

    /// Where the bytes of part `index` of bid upload `upload` collect until submission. Upload
    /// ids are server-made UUIDs, so the path is never user-controlled.
    pub fn staging_path(&self, upload: &str, index: u32) -> PathBuf {
        self.root
            .join("staging")
            .join(upload)
            .join(index.to_string())
    }

    /// Move a fully received file whose digest is `sha256` (hex) to its content address and
    /// return its key. Blocking (called inside a transaction closure on the blocking pool).
    pub fn promote(&self, from: &Path, sha256: &str) -> Result<String, StorageError> {
        let key = format!("sha256/{}/{}", &sha256[..2], sha256);
        let dest = self.root.join(&key);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(from, &dest)?;
        Ok(key)
    }

    /// Forget an upload's staged bytes (abandoned, late, or submitted).
    pub fn remove_staging(&self, upload: &str) {
        let _ = std::fs::remove_dir_all(self.root.join("staging").join(upload));
    }

    /// Open a stored file for reading.
    pub fn open(&self, key: &str) -> Result<std::fs::File, StorageError> {
        Ok(std::fs::File::open(self.path(key)?)?)
    }

    /// Path of a stored file (keys are produced by `put`, never taken from users).
    pub fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        if key.contains("..") || key.starts_with('/') {
            return Err(StorageError::Missing(key.into()));
        }
        let p = self.root.join(key);
        if p.is_file() {
            Ok(p)
        } else {
            Err(StorageError::Missing(key.into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(
        parts: Vec<&'static [u8]>,
    ) -> impl Stream<Item = Result<&'static [u8], std::io::Error>> + Unpin {
        futures_util::stream::iter(parts.into_iter().map(Ok))
    }

    #[tokio::test]
    async fn stores_by_digest_and_enforces_limits() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path()).unwrap();
        let s = store
            .put(stream(vec![b"hello ", b"world"]), 100)
            .await
            .unwrap();
        assert_eq!(
            s.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(s.size, 11);
        assert_eq!(
            std::fs::read(store.path(&s.key).unwrap()).unwrap(),
            b"hello world"
        );
        assert!(matches!(
            store.put(stream(vec![b"0123456789", b"x"]), 10).await,
            Err(StorageError::TooLarge { limit: 10 })
        ));
        assert!(matches!(
            store.put(stream(vec![]), 10).await,
            Err(StorageError::Empty)
        ));
        // Failed uploads leave nothing behind.
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
        assert!(store.path("../etc/passwd").is_err());
    }
}
