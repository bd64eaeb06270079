//! The sequencer: moves queued audit events into the Merkle log and signs checkpoints.
//!
//! One round is one write transaction: take the sequencer lock, read the head, take the oldest
//! queued events, build their entries (with per-tender back-links), append them to the stored
//! tree with [`merkle::try_append_batch`], remove them from the queue, and sign and store a C2SP
//! checkpoint for the new size. A fork is impossible twice over: only the lock holder sequences
//! (PostgreSQL advisory lock; SQLite has one writer), and `log_index` is the primary key, so two
//! sequencers that somehow read the same head cannot both commit.
//!
//! Timing is operational (like the mail dispatcher), so rounds run on real time; nothing here
//! decides a deadline.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::leaf::{format_time, LeafEntry, LEAF_VERSION};
use super::merkle::{self, Hash, NodeId, NodeReader};
use super::note::{Checkpoint, NoteSigner, NoteVerifier};
use crate::db::repo::audit::AuditEventRow;
use crate::db::repo::audit_log as repo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use std::path::PathBuf;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// Log origin: the first checkpoint line and the signing key's name.
    pub origin: String,
    /// PKCS#8 Ed25519 checkpoint-signing key (PEM or DER).
    pub signing_key_file: PathBuf,
    /// How often the sequencer looks for pending events.
    pub sequencer_interval_ms: u64,
    /// Most events integrated in one sequencer transaction.
    pub batch_size: u32,
}

impl AuditSettings {
    /// What is wrong with these settings, as (key within `[audit]`, why); empty when usable.
    /// Whether the key file must exist depends on the profile: [`AuditLog::from_settings`].
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !super::note::is_valid_key_name(&self.origin) {
            out.push((
                "origin",
                format!("{:?} must be non-empty with no spaces or '+'", self.origin),
            ));
        }
        if self.origin == super::bid_states::SNAPSHOT_HEADER {
            out.push((
                "origin",
                "is the bid-state snapshot's header line; a checkpoint must not read as one".into(),
            ));
        }
        if self.sequencer_interval_ms < 10 || self.sequencer_interval_ms > 1000 {
            out.push((
                "sequencer_interval_ms",
                "must be between 10 and 1000 (checkpoints are due at least every second)".into(),
            ));
        }
        if self.batch_size == 0 || self.batch_size > 100_000 {
            out.push(("batch_size", "must be between 1 and 100000".into()));
        }
        out
    }
}

/// The log's identity and signing key, shared by every task of a node.
pub struct AuditLog {
    signer: NoteSigner,
    pub batch_size: u32,
    pub interval: Duration,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    /// Loads the signing key named by the settings. Development creates it when missing;
    /// production refuses (a log key must be made, and backed up, on purpose).
    pub fn from_settings(s: &AuditSettings, production: bool) -> anyhow::Result<AuditLog> {
        let signer = load_or_create_key(&s.signing_key_file, &s.origin, production)?;
        Ok(Self::with_signer(signer, s))
    }

    pub fn with_signer(signer: NoteSigner, s: &AuditSettings) -> AuditLog {
        AuditLog {
            signer,
            batch_size: s.batch_size.max(1),
            interval: Duration::from_millis(s.sequencer_interval_ms.max(10)),
        }
    }

    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    pub fn verifier(&self) -> NoteVerifier {
        self.signer.verifier()
    }

    /// Signs a note other than a checkpoint with the log key (the export's bid-state
    /// snapshot, whose first line keeps it apart from every checkpoint).
    pub fn sign_note(&self, text: &str) -> AppResult<String> {
        self.signer.sign(text).map_err(AppError::internal)
    }

    /// Signs the checkpoint for (`size`, `root`).
    pub fn sign(&self, size: u64, root: Hash) -> AppResult<String> {
        Checkpoint {
            origin: self.signer.name().to_owned(),
            size,
            root,
            extensions: vec![],
        }
        .sign(&self.signer)
        .map_err(AppError::internal)
    }
}

/// Reads a PKCS#8 Ed25519 key (PEM or DER).
pub fn read_key(path: &Path, origin: &str) -> anyhow::Result<NoteSigner> {
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("audit.signing_key_file {}: {e}", path.display()))?;
    let der = if bytes.starts_with(b"-----BEGIN") {
        pem::parse(&bytes)
            .map_err(|e| anyhow::anyhow!("audit.signing_key_file {}: {e}", path.display()))?
            .into_contents()
    } else {
        bytes
    };
    NoteSigner::from_pkcs8(origin, &der).map_err(|e| {
        anyhow::anyhow!(
            "audit.signing_key_file {}: not a PKCS#8 Ed25519 key ({e})",
            path.display()
        )
    })
}

/// Generates a key and writes it as PEM, refusing to overwrite an existing file.
pub fn generate_key_file(path: &Path, origin: &str) -> anyhow::Result<NoteSigner> {
    let (signer, pkcs8) = NoteSigner::generate(origin)?;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let text = pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8));
    // Write aside and hard-link into place: atomic, and fails if another process won the race
    // (then its key is the one to use).
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(signer),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(path, origin),
        Err(e) => Err(anyhow::anyhow!("cannot write {}: {e}", path.display())),
    }
}

fn load_or_create_key(path: &Path, origin: &str, production: bool) -> anyhow::Result<NoteSigner> {
    if path.is_file() {
        return read_key(path, origin);
    }
    if production {
        anyhow::bail!(
            "audit.signing_key_file {} does not exist; \
             production refuses to start without its log key",
            path.display()
        );
    }
    let signer = generate_key_file(path, origin)?;
    tracing::warn!(file = %path.display(), vkey = %signer.verifier(),
        "created a development audit-log signing key");
    Ok(signer)
}

/// Error from the database-backed node reader.
#[derive(Debug, thiserror::Error)]
pub enum NodeReadError {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error("stored tree node {0} is missing")]
    Missing(NodeId),
    #[error("stored tree node {0} is not 32 bytes")]
    Corrupt(NodeId),
}

/// [`NodeReader`] over `audit_tree_nodes`, on the caller's connection (and transaction).
pub struct DbNodeReader<'a> {
    conn: RefCell<&'a mut AnyConnection>,
}

impl<'a> DbNodeReader<'a> {
    pub fn new(conn: &'a mut AnyConnection) -> Self {
        DbNodeReader {
            conn: RefCell::new(conn),
        }
    }
}

impl NodeReader for DbNodeReader<'_> {
    type Error = NodeReadError;
    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, NodeReadError> {
        let keys: Vec<(i32, i64)> = ids
            .iter()
            .map(|id| (i32::from(id.level), id.index as i64))
            .collect();
        let rows = repo::read_nodes(&mut self.conn.borrow_mut(), &keys)?;
        let map: HashMap<(i32, i64), Vec<u8>> = rows
            .into_iter()
            .map(|r| ((r.level, r.idx), r.hash))
            .collect();
        ids.iter()
            .zip(&keys)
            .map(|(id, k)| {
                let h = map.get(k).ok_or(NodeReadError::Missing(*id))?;
                h.as_slice()
                    .try_into()
                    .map_err(|_| NodeReadError::Corrupt(*id))
            })
            .collect()
    }
}

fn proof_err<E: std::error::Error + Send + Sync + 'static>(e: merkle::ProofError<E>) -> AppError {
    AppError::internal(anyhow::anyhow!("audit tree: {e}"))
}

/// What one round did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    /// Another node holds the sequencer lock; nothing was done.
    pub skipped: bool,
    pub integrated: usize,
    /// Log size after the round.
    pub size: u64,
}

/// One sequencer round inside the caller's write transaction (see the module docs).
pub fn integrate_round(
    c: &mut AnyConnection,
    log: &AuditLog,
    wait_for_lock: bool,
    reason: &str,
) -> AppResult<Round> {
    if !repo::sequencer_lock(c, wait_for_lock).map_err(AppError::internal)? {
        return Ok(Round {
            skipped: true,
            integrated: 0,
            size: 0,
        });
    }
    let start = repo::size(c).map_err(AppError::internal)? as u64;
    let batch = repo::pending_batch(c, i64::from(log.batch_size)).map_err(AppError::internal)?;
    if batch.is_empty() {
        return Ok(Round {
            skipped: false,
            integrated: 0,
            size: start,
        });
    }
    for (ev, digest) in &batch {
        check_pending(ev, digest.as_deref())?;
    }
    let batch: Vec<_> = batch.into_iter().map(|(ev, _)| ev).collect();
    let now = to_db(Utc::now());
    let mut last_of_tender: HashMap<String, (u64, Hash)> = HashMap::new();
    let mut rows = Vec::with_capacity(batch.len());
    let mut leaves = Vec::with_capacity(batch.len());
    for (i, ev) in batch.iter().enumerate() {
        let index = start + i as u64;
        let prev = match &ev.tender_id {
            None => None,
            Some(t) => match last_of_tender.get(t) {
                Some(p) => Some(*p),
                None => repo::last_for_tender(c, t)
                    .map_err(AppError::internal)?
                    .map(|(i, h)| -> AppResult<(u64, Hash)> {
                        let h: Hash = h.as_slice().try_into().map_err(|_| {
                            AppError::internal(anyhow::anyhow!("corrupt leaf hash at {i}"))
                        })?;
                        Ok((i as u64, h))
                    })
                    .transpose()?,
            },
        };
        // A sealed event's leaf names no party (`EventType::leaf_parties`); an unknown type
        // cannot be queued (`record` takes the enum), so it is shown as stored.
        let (actor_id, subject) = match super::EventType::parse(&ev.event_type) {
            Some(t) => t.leaf_parties(&ev.actor_id, &ev.subject),
            None => (ev.actor_id.as_str(), ev.subject.as_str()),
        };
        let entry = LeafEntry {
            v: LEAF_VERSION,
            index,
            event_id: ev.id.clone(),
            event_type: ev.event_type.clone(),
            tender_id: ev.tender_id.clone(),
            section_id: ev.section_id.clone(),
            actor_role: ev.actor_role.clone(),
            actor_id: actor_id.to_owned(),
            subject: subject.to_owned(),
            body_sha256: ev.body_digest.clone(),
            occurred_at: format_time(ev.occurred_at),
            prev_tender_index: prev.map(|p| p.0),
            prev_tender_leaf_hash: prev.map(|p| hex::encode(p.1)),
        };
        let bytes = entry.to_bytes();
        let hash = merkle::leaf_hash(&bytes);
        if let Some(t) = &ev.tender_id {
            last_of_tender.insert(t.clone(), (index, hash));
        }
        leaves.push(hash);
        rows.push(repo::EntryRow {
            log_index: index as i64,
            event_id: ev.id.clone(),
            tender_id: ev.tender_id.clone(),
            leaf: bytes,
            leaf_hash: hash.to_vec(),
            prev_tender_index: prev.map(|p| p.0 as i64),
            prev_tender_leaf_hash: prev.map(|p| p.1.to_vec()),
            integrated_at: now,
        });
    }
    let nodes =
        merkle::try_append_batch(start, &leaves, &DbNodeReader::new(c)).map_err(proof_err)?;
    let node_rows: Vec<repo::NodeRow> = nodes
        .into_iter()
        .map(|(id, h)| repo::NodeRow {
            level: i32::from(id.level),
            idx: id.index as i64,
            hash: h.to_vec(),
        })
        .collect();
    repo::insert_entries(c, &rows).map_err(AppError::internal)?;
    repo::insert_nodes(c, &node_rows).map_err(AppError::internal)?;
    let seqs: Vec<i64> = batch.iter().map(|e| e.seq).collect();
    repo::delete_pending(c, &seqs).map_err(AppError::internal)?;
    let size = start + batch.len() as u64;
    store_checkpoint(c, log, size, reason)?;
    Ok(Round {
        skipped: false,
        integrated: batch.len(),
        size,
    })
}

/// Why the sequencer refuses a queued event: it no longer is the event `audit::record` wrote.
pub const TAMPERED: &str = "audit event altered after it was written";

/// Recomputes a queued event's body digest and event digest instead of trusting the stored
/// ones: an event edited while it waited (by someone holding the sequencer's lock, or with the
/// triggers dropped) is refused, and the round with it, so it never reaches the log under a
/// signature. The log stops growing until an operator investigates — loudly, every round.
fn check_pending(ev: &AuditEventRow, digest: Option<&str>) -> AppResult<()> {
    let mut problems = Vec::new();
    if super::sha256_hex(ev.body.as_bytes()) != ev.body_digest {
        problems.push("its body does not match its body digest");
    }
    // Events queued before digests were recorded at write time carry none (migration 000010).
    if digest.is_some_and(|d| d != super::event_digest(&super::EventFields::of(ev))) {
        problems.push("its fields or time differ from those queued when it was written");
    }
    if problems.is_empty() {
        return Ok(());
    }
    let msg = format!(
        "{TAMPERED}: event {} (seq {}): {}; refusing to sequence it",
        ev.id,
        ev.seq,
        problems.join(" and ")
    );
    tracing::error!(event = %ev.id, seq = ev.seq, "{msg}");
    Err(AppError::internal(anyhow::anyhow!(msg)))
}

/// Signs and stores the checkpoint for `size` unless one exists; returns the signed note.
fn store_checkpoint(
    c: &mut AnyConnection,
    log: &AuditLog,
    size: u64,
    reason: &str,
) -> AppResult<String> {
    if let Some(existing) = repo::checkpoint_at(c, size as i64).map_err(AppError::internal)? {
        return Ok(existing.signed_note);
    }
    let root = merkle::try_root(size, &DbNodeReader::new(c)).map_err(proof_err)?;
    let note = log.sign(size, root)?;
    repo::insert_checkpoint(
        c,
        &repo::CheckpointRow {
            tree_size: size as i64,
            root: root.to_vec(),
            signed_note: note.clone(),
            reason: reason.into(),
            issued_at: to_db(Utc::now()),
        },
    )
    .map_err(AppError::internal)?;
    Ok(note)
}

/// Integrates everything queued so far (waiting for the lock if another node holds it) and
/// returns the log size. Tests and use-cases call this instead of waiting for the background
/// task.
pub async fn integrate_now(db: &Db, log: &SharedAuditLog) -> AppResult<u64> {
    integrate_with_reason(db, log, "integrate").await
}

async fn integrate_with_reason(
    db: &Db,
    log: &SharedAuditLog,
    reason: &'static str,
) -> AppResult<u64> {
    loop {
        let l = log.clone();
        let round = db
            .write(move |c| integrate_round(c, &l, true, reason))
            .await?;
        if round.integrated < log.batch_size as usize {
            return Ok(round.size);
        }
    }
}

/// Integrates everything queued and returns a signed checkpoint covering it, issuing one with
/// `reason` (e.g. `deadline`, `opening`, `award`) if the current size has none yet.
pub async fn checkpoint_now(
    db: &Db,
    log: &SharedAuditLog,
    reason: &'static str,
) -> AppResult<String> {
    integrate_with_reason(db, log, reason).await?;
    let log = log.clone();
    db.write(move |c| {
        repo::sequencer_lock(c, true).map_err(AppError::internal)?;
        let size = repo::size(c).map_err(AppError::internal)? as u64;
        store_checkpoint(c, &log, size, reason)
    })
    .await
}

/// The background task: a round whenever events are queued, at least every `interval`.
pub async fn run(db: Db, log: SharedAuditLog) {
    loop {
        let full = match background_round(&db, &log).await {
            Ok(n) => n >= log.batch_size as usize,
            Err(e) => {
                let error = e.cause.as_ref().map(|c| format!("{c:#}"));
                let error = error.unwrap_or(e.detail.clone());
                tracing::warn!(error = %error, "audit sequencer round failed");
                false
            }
        };
        if !full {
            tokio::time::sleep(log.interval).await;
        }
    }
}

async fn background_round(db: &Db, log: &SharedAuditLog) -> AppResult<usize> {
    // A cheap read first, so an idle node never takes SQLite's single write lock.
    let pending = db
        .read_primary(|c| repo::has_pending(c).map_err(AppError::internal))
        .await?;
    if !pending {
        return Ok(0);
    }
    let log = log.clone();
    let round = db
        .write(move |c| integrate_round(c, &log, false, "sequencer"))
        .await?;
    Ok(round.integrated)
}

/// Shared handle to the log (one per node).
pub type SharedAuditLog = Arc<AuditLog>;
