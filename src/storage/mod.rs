//! File storage for tender documents and bid parts: content-addressed objects kept either as
//! local files (the default) or in an S3-compatible object store, plus a node-local scratch
//! area where uploads and resumable bid parts collect.
//!
//! Bytes are streamed to a scratch file while SHA-256 is computed, then become the object
//! `sha256/<first two hex>/<hex>` (a rename locally, an upload to S3); a stored document is
//! therefore immutable and its name is its digest, so tampering is detectable by rehashing.
//! Memory stays constant whatever the size. The scratch file is removed when an upload fails
//! or exceeds its limit.
//!
//! Bid parts are staged in scratch while they stream in (resumable, hashed as they arrive).
//! With S3 a complete part is pushed to `bids/<upload>/<index>` before the part is reported
//! complete, so the bid's bytes live in the shared store by the time it is submitted; locally the
//! part is renamed to its content address at submission.

pub mod s3;
pub mod sigv4;

pub mod staging;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use ring::digest;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

pub use s3::{S3Settings, S3Store};

/// Where stored objects live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Local,
    S3,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// Local objects (backend "local"), and on every backend the node's scratch area.
    pub dir: PathBuf,
    /// Largest accepted tender document, in bytes.
    pub max_document_bytes: u64,
    pub backend: Backend,
    pub s3: S3Settings,
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
    #[error("object store: {0}")]
    Remote(String),
}

/// What was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub key: String,
    pub sha256: String,
    pub size: u64,
}

/// A stored object's bytes as a stream, and its length.
pub type ObjectStream = (u64, BoxStream<'static, Result<Bytes, std::io::Error>>);

fn content_key(sha256: &str) -> String {
    format!("sha256/{}/{}", &sha256[..2], sha256)
}

fn part_key(upload: &str, index: u32) -> String {
    format!("bids/{upload}/{index}")
}

/// The store the application uses: scratch and (for the local backend) objects under `dir`,
/// objects in S3 when configured.
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
    remote: Option<Arc<S3Store>>,
}

impl Store {
    pub fn new(settings: &StorageSettings) -> Result<Store, StorageError> {
        std::fs::create_dir_all(settings.dir.join("tmp"))?;
        let remote = match settings.backend {
            Backend::Local => None,
            Backend::S3 => Some(Arc::new(S3Store::new(&settings.s3)?)),
        };
        Ok(Store {
            root: settings.dir.clone(),
            remote,
        })
    }

    /// Local files only under `root` (tests, tools).
    pub fn local(root: &Path) -> std::io::Result<Store> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Store {
            root: root.to_path_buf(),
            remote: None,
        })
    }

    /// Check the object store answers (and create its bucket if configured to); called at
    /// start-up so a misconfigured store stops the node instead of failing the first bid.
    pub async fn check(&self) -> Result<(), StorageError> {
        match &self.remote {
            Some(s3) => s3.ensure_bucket().await,
            None => Ok(()),
        }
    }

    pub fn backend(&self) -> Backend {
        if self.remote.is_some() {
            Backend::S3
        } else {
            Backend::Local
        }
    }

    fn scratch_file(&self) -> PathBuf {
        self.root.join("tmp").join(uuid::Uuid::new_v4().to_string())
    }

    /// Stream `body` into the store, refusing more than `limit` bytes.
    pub async fn put<S, B, E>(&self, mut body: S, limit: u64) -> Result<Stored, StorageError>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        let tmp = self.scratch_file();
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
            let sha256 = hex::encode(ctx.finish().as_ref());
            let key = content_key(&sha256);
            match &self.remote {
                // Content-addressed: an object already there under this name has these bytes.
                Some(s3) => {
                    if s3.head(&key).await? != Some(size) {
                        s3.put_file(&key, &tmp).await?;
                    }
                    let _ = tokio::fs::remove_file(&tmp).await;
                }
                None => {
                    let dest = self.root.join(&key);
                    if let Some(parent) = dest.parent() {
                        tokio::fs::create_dir_all(parent).await?;
                    }
                    tokio::fs::rename(&tmp, &dest).await?;
                }
            }
            Ok(Stored { key, sha256, size })
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }

    /// Where the bytes of part `index` of bid upload `upload` collect while they stream in.
    /// Upload ids are server-made UUIDs, so the path is never user-controlled.
    pub fn staging_path(&self, upload: &str, index: u32) -> PathBuf {
        self.root
            .join("staging")
            .join(upload)
            .join(index.to_string())
    }

    /// A staged part has arrived whole (digest checked): with S3, push it to the shared store
    /// now, so submission needs no transfer and any node can open it; locally, nothing yet.
    pub async fn finish_part(&self, upload: &str, index: u32) -> Result<(), StorageError> {
        if let Some(s3) = &self.remote {
            let staged = self.staging_path(upload, index);
            s3.put_file(&part_key(upload, index), &staged).await?;
            let _ = tokio::fs::remove_file(&staged).await;
        }
        Ok(())
    }

    /// The key a submitted part is kept under. Locally the staged file is renamed to its
    /// content address (`sha256` hex); with S3 it is already at `bids/<upload>/<index>`.
    /// Blocking (called inside the submission transaction on the blocking pool).
    pub fn promote(&self, upload: &str, index: u32, sha256: &str) -> Result<String, StorageError> {
        if self.remote.is_some() {
            return Ok(part_key(upload, index));
        }
        let key = content_key(sha256);
        let dest = self.root.join(&key);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(self.staging_path(upload, index), &dest)?;
        Ok(key)
    }

    /// Forget an upload's staged bytes (submitted, abandoned or late).
    pub fn remove_staging(&self, upload: &str) {
        let _ = std::fs::remove_dir_all(self.root.join("staging").join(upload));
    }

    /// An upload that will never be a bid (abandoned, or open at the deadline): drop its staged
    /// bytes and, with S3, the parts already pushed. The deletions run in the background, so
    /// this may be called inside a transaction; a failed one is logged (no bid refers to them).
    pub fn discard_upload(&self, upload: &str, parts: u32) {
        self.remove_staging(upload);
        if self.remote.is_none() {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(upload, "no runtime to delete an abandoned upload's objects");
            return;
        };
        let (store, upload) = (self.clone(), upload.to_string());
        rt.spawn(async move { store.delete_pushed_parts(&upload, parts).await });
    }

    /// Delete the parts of `upload` that were pushed to S3 (nothing on the local backend).
    pub async fn delete_pushed_parts(&self, upload: &str, parts: u32) {
        let Some(s3) = &self.remote else {
            return;
        };
        for index in 0..parts {
            let key = part_key(upload, index);
            if let Err(e) = s3.delete(&key).await {
                tracing::warn!(key, error = %e, "deleting an abandoned upload's part failed");
            }
        }
    }

    /// Open a stored object for reading. With S3 the object is fetched into scratch first and
    /// the scratch name removed at once (the open handle keeps the bytes until it is dropped).
    /// Blocking: call it on the blocking pool.
    pub fn open(&self, key: &str) -> Result<std::fs::File, StorageError> {
        let Some(s3) = &self.remote else {
            return Ok(std::fs::File::open(self.local_path(key)?)?);
        };
        let tmp = self.scratch_file();
        let fetched = tokio::runtime::Handle::try_current()
            .map_err(|e| StorageError::Remote(format!("no runtime to fetch {key}: {e}")))?
            .block_on(s3.get_to_file(key, &tmp));
        let opened = fetched.and_then(|_| Ok(std::fs::File::open(&tmp)?));
        let _ = std::fs::remove_file(&tmp);
        opened
    }

    /// A stored object as a stream (downloads).
    pub async fn read(&self, key: &str) -> Result<ObjectStream, StorageError> {
        if let Some(s3) = &self.remote {
            let (len, stream) = s3.get_stream(key).await?;
            return Ok((len, stream.boxed()));
        }
        let file = tokio::fs::File::open(self.local_path(key)?).await?;
        let len = file.metadata().await?.len();
        let stream = futures_util::stream::unfold(file, |mut f| async move {
            use tokio::io::AsyncReadExt;
            let mut buf = vec![0u8; 64 * 1024];
            match f.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(Bytes::from(buf)), f))
                }
                Err(e) => Some((Err(e), f)),
            }
        });
        Ok((len, stream.boxed()))
    }

    /// Path of an object kept as a local file (keys are made here, never taken from users).
    pub fn local_path(&self, key: &str) -> Result<PathBuf, StorageError> {
        if key.contains("..") || key.starts_with('/') || self.remote.is_some() {
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
        let store = Store::local(dir.path()).unwrap();
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
            std::fs::read(store.local_path(&s.key).unwrap()).unwrap(),
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
        assert!(store.local_path("../etc/passwd").is_err());
    }
}
