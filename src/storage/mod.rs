//! File storage for tender documents and bid parts: content-addressed objects in an
//! [`object_store`] backend (local files, an S3-compatible store, or memory for unit tests), plus
//! a node-local scratch area where uploads and resumable bid parts collect.
//!
//! Bytes are streamed to a scratch file while SHA-256 is computed, then become the object
//! `sha256/<first two hex>/<hex>`: locally the scratch file is hard-linked into place (the
//! scratch area lies inside the store's root, so nothing is copied), elsewhere it is uploaded,
//! in parts of `part_size_mib` when large. A stored document is therefore immutable and its name
//! is its digest, so tampering is detectable by rehashing. Memory stays bounded whatever the
//! size. The scratch file is removed when an upload fails or exceeds its limit.
//!
//! Nothing replaces an object that exists: objects are created only if absent (a hard link, or
//! S3's `If-None-Match: *`), and an object found under the name is accepted only if it has the
//! size of the bytes at hand (same digest, same bytes, for an honest store). Multipart uploads
//! are the exception `object_store` leaves: its public API completes them unconditionally, so
//! the store is asked first and a large object already there is not sent again; two nodes racing
//! to store the same large document both write the bytes its name is the digest of.
//!
//! Bid parts are staged in scratch while they stream in (resumable, hashed as they arrive,
//! [`staging`]; one writer per part, see `app::bids::put_part`). A complete part becomes the
//! object `bids/<upload>/<index>` before it is reported complete — hard-linked locally, pushed to
//! a remote store — and the bytes at that name are hashed again as they are stored (the linked
//! file re-read, the pushed bytes hashed as sent); only if they hash to the manifest's digest is
//! the part complete. Bid ciphertext never goes under `sha256/`, the namespace of published tender
//! documents, so no bidder can plant or replace bytes there, and a stored part can never be
//! changed by a later upload: whatever the opening finds under a bid's key is what was checked
//! when it was stored.

mod remote;
pub mod settings;
pub mod staging;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_util::stream::{BoxStream, FuturesUnordered};
use futures_util::{Stream, StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::{
    GetResultPayload, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
};
use ring::digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use settings::{Backend, S3Settings, StorageSettings};

/// Read size when streaming a local object (downloads).
const READ_CHUNK: usize = 256 * 1024;
/// Part size of multipart uploads to the in-memory store.
const MEMORY_PART_SIZE: usize = 5 << 20;
/// Parts of one multipart upload in flight at once (each held in memory).
const PARTS_IN_FLIGHT: usize = 2;

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
    /// An object already under a content-addressed name is not the bytes that name stands for.
    #[error("stored object {key} has {found} bytes, not {expected}: the store is inconsistent")]
    Mismatch {
        key: String,
        found: u64,
        expected: u64,
    },
    #[error("object store: {0}")]
    Remote(String),
    /// The bytes stored for a bid part do not hash to what arrived (deleted again).
    #[error("stored object {key} hashes to {got}, not to the bytes received")]
    DigestMismatch { key: String, got: String },
}

fn remote(key: &str, e: object_store::Error) -> StorageError {
    match e {
        object_store::Error::NotFound { .. } => StorageError::Missing(key.into()),
        e => StorageError::Remote(e.to_string()),
    }
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

/// The object path of `key`; keys are made here, but a malformed one (`..`, empty segments) is
/// never looked up.
fn location(key: &str) -> Result<ObjectPath, StorageError> {
    match ObjectPath::parse(key) {
        Ok(p) if !key.is_empty() && p.as_ref() == key => Ok(p),
        _ => Err(StorageError::Missing(key.into())),
    }
}

/// Which backend holds the objects.
#[derive(Clone, Debug)]
enum Kind {
    /// Files under the root, beside the scratch area: scratch files are linked into place.
    Local,
    /// An S3-compatible store; the bucket is checked at start-up.
    S3(Arc<remote::Bucket>),
    /// Memory (unit tests): bytes are uploaded as to S3.
    Memory,
}

/// The store the application uses: scratch under `root`, objects in the configured backend.
#[derive(Clone)]
pub struct Store {
    root: PathBuf,
    objects: Arc<dyn ObjectStore>,
    kind: Kind,
    /// Objects above this go up in multipart uploads of this many bytes.
    part_size: usize,
    /// Staging files being written on this node (one writer each).
    writers: staging::Writers,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("root", &self.root)
            .field("backend", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Store {
    pub fn new(settings: &StorageSettings) -> Result<Store, StorageError> {
        match settings.backend {
            Backend::Local => Ok(Store::local(&settings.dir)?),
            Backend::S3 => {
                std::fs::create_dir_all(settings.dir.join("tmp"))?;
                let (objects, bucket) = remote::connect(&settings.s3)?;
                Ok(Store {
                    root: settings.dir.clone(),
                    objects,
                    kind: Kind::S3(Arc::new(bucket)),
                    part_size: settings.s3.part_size(),
                    writers: staging::Writers::default(),
                })
            }
        }
    }

    /// Objects as files under `root` (the default backend; tests, tools).
    pub fn local(root: &Path) -> std::io::Result<Store> {
        std::fs::create_dir_all(root.join("tmp"))?;
        let objects = LocalFileSystem::new_with_prefix(root).map_err(std::io::Error::other)?;
        Ok(Store {
            root: root.to_path_buf(),
            objects: Arc::new(objects),
            kind: Kind::Local,
            part_size: usize::MAX,
            writers: staging::Writers::default(),
        })
    }

    /// Objects in memory, scratch under `scratch` (unit tests: the remote code paths without a
    /// server).
    pub fn in_memory(scratch: &Path) -> std::io::Result<Store> {
        std::fs::create_dir_all(scratch.join("tmp"))?;
        Ok(Store {
            root: scratch.to_path_buf(),
            objects: Arc::new(InMemory::new()),
            kind: Kind::Memory,
            part_size: MEMORY_PART_SIZE,
            writers: staging::Writers::default(),
        })
    }

    /// Check the object store answers (and create its bucket if configured to); called at
    /// start-up so a misconfigured store stops the node instead of failing the first bid.
    pub async fn check(&self) -> Result<(), StorageError> {
        match &self.kind {
            Kind::S3(bucket) => bucket.ensure().await,
            Kind::Local | Kind::Memory => Ok(()),
        }
    }

    /// The configured backend (memory reports as local: it is not configurable).
    pub fn backend(&self) -> Backend {
        match self.kind {
            Kind::S3(_) => Backend::S3,
            Kind::Local | Kind::Memory => Backend::Local,
        }
    }

    fn is_local(&self) -> bool {
        matches!(self.kind, Kind::Local)
    }

    /// A fresh scratch file name: its path, and its object key for the local backend.
    fn scratch_file(&self) -> (PathBuf, String) {
        let name = uuid::Uuid::new_v4().to_string();
        (self.root.join("tmp").join(&name), format!("tmp/{name}"))
    }

    /// Stream `body` into the store, refusing more than `limit` bytes.
    pub async fn put<S, B, E>(&self, mut body: S, limit: u64) -> Result<Stored, StorageError>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        let (tmp, tmp_key) = self.scratch_file();
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
            drop(file);
            let sha256 = hex::encode(ctx.finish().as_ref());
            let key = content_key(&sha256);
            if self.is_local() {
                self.link(&tmp_key, &key, size).await?;
            } else {
                self.upload(&tmp, &key, size).await?;
            }
            Ok(Stored { key, sha256, size })
        }
        .await;
        // Linked, uploaded or failed: the scratch name goes either way.
        let _ = tokio::fs::remove_file(&tmp).await;
        result
    }

    /// Local backend: make the scratch object `from` the object `key` unless one is there;
    /// the scratch name stays (callers remove it).
    async fn link(&self, from: &str, key: &str, size: u64) -> Result<(), StorageError> {
        let to = location(key)?;
        match self.objects.copy_if_not_exists(&location(from)?, &to).await {
            Ok(()) => Ok(()),
            Err(object_store::Error::AlreadyExists { .. }) => self.same_size(key, size).await,
            Err(e) => Err(remote(key, e)),
        }
    }

    /// An object found under `key` where `size` bytes were to go is only accepted if it has
    /// that size.
    async fn same_size(&self, key: &str, size: u64) -> Result<(), StorageError> {
        let meta = self
            .objects
            .head(&location(key)?)
            .await
            .map_err(|e| remote(key, e))?;
        if meta.size == size {
            Ok(())
        } else {
            Err(StorageError::Mismatch {
                key: key.into(),
                found: meta.size,
                expected: size,
            })
        }
    }

    /// Upload the `size` bytes of the file at `from` as the object `key`, unless it exists:
    /// one conditional PUT up to the part size, otherwise a multipart upload reading a part at
    /// a time.
    async fn upload(&self, from: &Path, key: &str, size: u64) -> Result<(), StorageError> {
        self.upload_hashed(from, key, size).await.map(|_| ())
    }

    /// [`upload`](Self::upload), returning the SHA-256 (hex) of the bytes read and sent. When
    /// the object was already there (and has the size), the file is hashed instead.
    async fn upload_hashed(
        &self,
        from: &Path,
        key: &str,
        size: u64,
    ) -> Result<String, StorageError> {
        let to = location(key)?;
        let file = std::fs::File::open(from)?;
        if size <= self.part_size as u64 {
            let (_, bytes) = read_chunk(file, size as usize).await?;
            let sha = hex::encode(digest::digest(&digest::SHA256, &bytes).as_ref());
            let create = PutOptions::from(PutMode::Create);
            return match self.objects.put_opts(&to, bytes.into(), create).await {
                Ok(_) => Ok(sha),
                Err(object_store::Error::AlreadyExists { .. }) => {
                    self.same_size(key, size).await.map(|()| sha)
                }
                Err(e) => Err(remote(key, e)),
            };
        }
        match self.objects.head(&to).await {
            Ok(_) => {
                self.same_size(key, size).await?;
                return hash_file(from.to_path_buf()).await;
            }
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(remote(key, e)),
        }
        let mut upload = self
            .objects
            .put_multipart(&to)
            .await
            .map_err(|e| remote(key, e))?;
        let sent = async {
            let mut file = file;
            let mut left = size;
            let mut in_flight = FuturesUnordered::<object_store::UploadPart>::new();
            let mut sha = digest::Context::new(&digest::SHA256);
            while left > 0 {
                if in_flight.len() >= PARTS_IN_FLIGHT {
                    if let Some(done) = in_flight.next().await {
                        done.map_err(|e| remote(key, e))?;
                    }
                }
                let n = left.min(self.part_size as u64);
                let (f, bytes) = read_chunk(file, n as usize).await?;
                file = f;
                left -= n;
                sha.update(&bytes);
                in_flight.push(upload.put_part(PutPayload::from(bytes)));
            }
            while let Some(done) = in_flight.next().await {
                done.map_err(|e| remote(key, e))?;
            }
            upload.complete().await.map_err(|e| remote(key, e))?;
            Ok::<_, StorageError>(hex::encode(sha.finish().as_ref()))
        }
        .await;
        if sent.is_err() {
            // No parts may linger in the store for an upload that will never complete.
            if let Err(abort) = upload.abort().await {
                tracing::warn!(key, error = %abort, "aborting a multipart upload failed");
            }
        }
        sent
    }

    /// Where the bytes of part `index` of bid upload `upload` collect while they stream in.
    /// Upload ids are server-made UUIDs, so the path is never user-controlled.
    pub fn staging_path(&self, upload: &str, index: u32) -> PathBuf {
        self.root
            .join("staging")
            .join(upload)
            .join(index.to_string())
    }

    /// The sole right, on this node, to write and read back part `index` of `upload`'s staging
    /// file, or `None` while another request (or the threads of one that went away) holds it.
    /// Hold it from before the staged prefix is read until [`finish_part`](Self::finish_part)
    /// returns.
    pub fn claim_staging(&self, upload: &str, index: u32) -> Option<staging::StagingFile> {
        self.writers.claim(self.staging_path(upload, index))
    }

    /// A staged part has arrived whole, its bytes hashing to `sha256` as they were written by
    /// the holder of `staged`: make it the immutable object `bids/<upload>/<index>` and make
    /// sure the bytes stored there hash to `sha256`.
    ///
    /// Locally the staged file is hard-linked into place (created only if absent). The link is
    /// the very file the append pipeline hashed while it wrote it, and `staged` proves that
    /// nobody else wrote it meanwhile, so its digest stands without reading the file again (a
    /// second pass cost 1 s of CPU per GiB; SEALED-BIDS.md §11). Only an object already there
    /// (left by an earlier request whose answer was lost) is read and judged by its bytes.
    /// Remotely the bytes are hashed as they are read for the push. On a mismatch the object
    /// just made is deleted and [`StorageError::DigestMismatch`] returned: the part is not
    /// complete. Bid parts never go under `sha256/`, the names tender documents are published
    /// under.
    pub async fn finish_part(
        &self,
        claim: &staging::StagingFile,
        upload: &str,
        index: u32,
        sha256: &str,
    ) -> Result<(), StorageError> {
        debug_assert_eq!(claim.path(), self.staging_path(upload, index));
        let staged = self.staging_path(upload, index);
        let key = part_key(upload, index);
        let size = tokio::fs::metadata(&staged).await?.len();
        let got = if self.is_local() {
            let from = format!("staging/{upload}/{index}");
            match self
                .objects
                .copy_if_not_exists(&location(&from)?, &location(&key)?)
                .await
            {
                Ok(()) => sha256.to_string(),
                // Left by an earlier request whose answer was lost: judged by its bytes.
                Err(object_store::Error::AlreadyExists { .. }) => {
                    hash_file(self.root.join(&key)).await?
                }
                Err(e) => return Err(remote(&key, e)),
            }
        } else {
            self.upload_hashed(&staged, &key, size).await?
        };
        if got != sha256 {
            if let Err(e) = self.objects.delete(&location(&key)?).await {
                tracing::warn!(key, error = %e, "deleting a part that failed its digest");
            }
            return Err(StorageError::DigestMismatch { key, got });
        }
        let _ = tokio::fs::remove_file(&staged).await;
        Ok(())
    }

    /// The key a submitted part is kept under: `bids/<upload>/<index>`, where
    /// [`finish_part`](Self::finish_part) put it. A part completed by an older version, still
    /// only staged, is hashed (no pipeline vouches for its bytes), stored and checked now.
    /// Blocking: called inside the submission transaction on the blocking pool.
    pub fn promote(&self, upload: &str, index: u32, sha256: &str) -> Result<String, StorageError> {
        let key = part_key(upload, index);
        if self.is_local() && self.local_path(&key).is_err() {
            let claim = self.claim_staging(upload, index).ok_or_else(|| {
                StorageError::Remote(format!("part {index} of {upload} is being written"))
            })?;
            let got = block_on(&key, hash_file(claim.path().to_path_buf()))??;
            if got != sha256 {
                return Err(StorageError::DigestMismatch { key, got });
            }
            block_on(&key, self.finish_part(&claim, upload, index, sha256))??;
        }
        Ok(key)
    }

    /// Forget an upload's staged bytes (submitted, abandoned or late).
    pub fn remove_staging(&self, upload: &str) {
        let _ = std::fs::remove_dir_all(self.root.join("staging").join(upload));
    }

    /// An upload that will never be a bid (abandoned, or open at the deadline): drop its staged
    /// bytes and, with a remote store, the parts already pushed. The deletions run in the
    /// background, so this may be called inside a transaction; a failed one is logged (no bid
    /// refers to them).
    pub fn discard_upload(&self, upload: &str, parts: u32) {
        self.remove_staging(upload);
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(upload, "no runtime to delete an abandoned upload's objects");
            return;
        };
        let (store, upload) = (self.clone(), upload.to_string());
        rt.spawn(async move { store.delete_pushed_parts(&upload, parts).await });
    }

    /// Delete the stored parts of `upload` (an upload that will never be a bid).
    pub async fn delete_pushed_parts(&self, upload: &str, parts: u32) {
        for index in 0..parts {
            let key = part_key(upload, index);
            let deleted = match location(&key) {
                Ok(at) => self.objects.delete(&at).await.map_err(|e| remote(&key, e)),
                Err(e) => Err(e),
            };
            match deleted {
                Ok(()) | Err(StorageError::Missing(_)) => {}
                Err(e) => {
                    tracing::warn!(key, error = %e, "deleting an abandoned upload's part failed")
                }
            }
        }
    }

    /// Open a stored object for reading. Remote objects are fetched into scratch first and the
    /// scratch name removed at once (the open handle keeps the bytes until it is dropped).
    /// Blocking: call it on the blocking pool.
    pub fn open(&self, key: &str) -> Result<std::fs::File, StorageError> {
        block_on(key, self.open_async(key))?
    }

    async fn open_async(&self, key: &str) -> Result<std::fs::File, StorageError> {
        let got = self
            .objects
            .get(&location(key)?)
            .await
            .map_err(|e| remote(key, e))?;
        let (len, stream) = match got.payload {
            GetResultPayload::File(file, _) => return Ok(file),
            GetResultPayload::Stream(s) => (got.meta.size, s),
        };
        let (tmp, _) = self.scratch_file();
        let fetched = async {
            let mut f = tokio::fs::File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&tmp)
                .await?;
            let mut stream = stream.map_err(|e| remote(key, e));
            let mut got = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                got += chunk.len() as u64;
                f.write_all(&chunk).await?;
            }
            f.flush().await?;
            if got != len {
                return Err(StorageError::Remote(format!(
                    "get {key}: {got} of {len} bytes arrived"
                )));
            }
            let mut f = f.into_std().await;
            std::io::Seek::rewind(&mut f)?;
            Ok(f)
        }
        .await;
        let _ = tokio::fs::remove_file(&tmp).await;
        fetched
    }

    /// A stored object as a blocking reader that streams it: a local object is its file, a
    /// remote one is read chunk by chunk as it arrives — nothing is fetched ahead into scratch,
    /// so a reader of a large part starts at once and holds one chunk. A remote object that
    /// ends short of its length ends the reader early (`read_exact` then fails). Blocking: call
    /// it on the blocking pool.
    pub fn open_streaming(&self, key: &str) -> Result<Box<dyn Read + Send>, StorageError> {
        let rt = tokio::runtime::Handle::try_current()
            .map_err(|e| StorageError::Remote(format!("no runtime to reach {key}: {e}")))?;
        let got = rt
            .block_on(self.objects.get(&location(key)?))
            .map_err(|e| remote(key, e))?;
        Ok(match got.payload {
            GetResultPayload::File(file, _) => Box::new(file),
            GetResultPayload::Stream(stream) => Box::new(BlockingStream {
                rt,
                stream,
                chunk: Bytes::new(),
                key: key.to_string(),
            }),
        })
    }

    /// A stored object as a stream (downloads).
    pub async fn read(&self, key: &str) -> Result<ObjectStream, StorageError> {
        let got = self
            .objects
            .get(&location(key)?)
            .await
            .map_err(|e| remote(key, e))?;
        let len = got.meta.size;
        match got.payload {
            GetResultPayload::File(file, _) => {
                let file = tokio::fs::File::from_std(file);
                Ok((len, file_stream(file).boxed()))
            }
            GetResultPayload::Stream(s) => Ok((len, s.map_err(std::io::Error::other).boxed())),
        }
    }

    /// Path of an object kept as a local file (keys are made here, never taken from users).
    pub fn local_path(&self, key: &str) -> Result<PathBuf, StorageError> {
        if !self.is_local() || location(key).is_err() {
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

/// Runs `work` to completion from blocking code (the blocking pool, where a runtime handle is
/// at hand).
/// A remote object's byte stream read from a blocking thread, one chunk at a time.
struct BlockingStream {
    rt: tokio::runtime::Handle,
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    chunk: Bytes,
    key: String,
}

impl Read for BlockingStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rt.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(b)) => self.chunk = b,
                Some(Err(e)) => return Err(std::io::Error::other(remote(&self.key, e))),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

fn block_on<T>(key: &str, work: impl std::future::Future<Output = T>) -> Result<T, StorageError> {
    let rt = tokio::runtime::Handle::try_current()
        .map_err(|e| StorageError::Remote(format!("no runtime to reach {key}: {e}")))?;
    Ok(rt.block_on(work))
}

/// SHA-256 (hex) of the file at `path`, read on the blocking pool.
async fn hash_file(path: PathBuf) -> Result<String, StorageError> {
    tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        use std::io::Read;
        let mut f = std::fs::File::open(&path)?;
        let mut ctx = digest::Context::new(&digest::SHA256);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            ctx.update(&buf[..n]);
        }
        Ok(hex::encode(ctx.finish().as_ref()))
    })
    .await
    .map_err(std::io::Error::other)?
    .map_err(StorageError::Io)
}

/// Reads the next `len` bytes of `file` on the blocking pool, into one buffer.
async fn read_chunk(file: std::fs::File, len: usize) -> std::io::Result<(std::fs::File, Bytes)> {
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut buf = BytesMut::zeroed(len);
        (&file).read_exact(&mut buf)?;
        Ok((file, buf.freeze()))
    })
    .await
    .map_err(std::io::Error::other)?
}

/// The rest of `file` as chunks of up to [`READ_CHUNK`] bytes.
fn file_stream(file: tokio::fs::File) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::try_unfold(file, |mut f| async move {
        let mut buf = BytesMut::with_capacity(READ_CHUNK);
        let n = f.read_buf(&mut buf).await?;
        Ok::<_, std::io::Error>((n > 0).then(|| (buf.freeze(), f)))
    })
}

#[cfg(test)]
mod tests;
