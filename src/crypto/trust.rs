//! Trust anchors, CRLs and certificate path validation.
//!
//! [`TrustStore`] is an immutable snapshot of a directory of trust anchors and CRLs;
//! [`ReloadingTrustStore`] swaps in a new snapshot when the directory changes, so an
//! operator can add a CA or publish a CRL without restarting the service.
//!
//! Path validation is deliberately narrow (RFC 5280 subset for document signing):
//! names are matched byte-for-byte, authority/subject key identifiers disambiguate
//! re-keyed CAs, intermediates must be CAs allowed to sign certificates, every
//! certificate in the path must be valid at the given time, path-length
//! constraints are enforced, and each non-anchor certificate is checked against
//! any current CRL its issuer signed. Policy and name-constraint processing is not
//! done; certificates that make either critical are refused when parsed.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};

use super::crl::{parse_crls_pem_or_der, Crl};
use super::keys::{self, VerifyError};
use super::x509::{
    extract_identity, split_pem_or_der, CertError, CertMeta, IdentityExtraction, Purpose,
    VerifiedCertificate, MAX_PRESENTED_CHAIN,
};

/// Longest accepted path, counting the leaf and the trust anchor.
pub const MAX_PATH_LEN: usize = 6;

/// Upper bound on signature checks per [`TrustStore::verify_chain`] call; path
/// building backtracks, and a crafted chain must not turn that into a CPU sink.
const MAX_SIGNATURE_CHECKS: usize = 32;

/// How often [`ReloadingTrustStore::current`] looks at the directory.
const RELOAD_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Why a trust store could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The directory or a file in it could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// File or directory that failed.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A trust-anchor file or value does not hold a usable certificate.
    #[error("invalid trust anchor {origin}: {reason}")]
    InvalidAnchor {
        /// File path or position in the input.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// A CRL file or value does not hold a parseable CRL.
    #[error("invalid CRL {origin}: {reason}")]
    InvalidCrl {
        /// File path or position in the input.
        origin: String,
        /// What is wrong.
        reason: String,
    },
}

/// An immutable set of trust anchors and CRLs.
pub struct TrustStore {
    anchors: Vec<CertMeta>,
    anchor_fingerprints: HashSet<String>,
    crls: Vec<Crl>,
    /// (CRL index, issuer certificate fingerprint) → signature verified. CRL
    /// signatures are re-checked per issuer at most once per snapshot.
    crl_signature_cache: Mutex<HashMap<(usize, String), bool>>,
    /// How long after its `thisUpdate` a CRL without `nextUpdate` counts as current.
    crl_max_age: chrono::Duration,
}

/// [`TrustStore`]'s `crl_max_age` unless configured (`identity.crl_max_age_hours`).
pub const DEFAULT_CRL_MAX_AGE_HOURS: u64 = 168;

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustStore")
            .field("anchors", &self.anchor_subjects())
            .field("crls", &self.crls.len())
            .finish()
    }
}

enum Revocation {
    Good,
    Revoked,
    Unknown,
}

impl TrustStore {
    /// A store with no anchors: every chain is [`CertError::Untrusted`].
    pub fn empty() -> TrustStore {
        TrustStore::from_parsed(Vec::new(), Vec::new())
    }

    /// Loads anchors (`.pem`, `.crt`, `.cer`, `.der`; PEM bundles allowed, and CRL
    /// blocks inside them are picked up too) and CRLs (`.crl`, `.crl.pem`, PEM or
    /// DER) from `dir`. Other files, hidden files and subdirectories are ignored. A
    /// missing directory yields an empty store (check [`anchors_len`](Self::anchors_len));
    /// an unreadable or malformed file is an error, so a typo is noticed at start-up.
    pub fn load_dir(dir: &Path) -> Result<TrustStore, TrustError> {
        let files = match list_files(dir) {
            Ok(files) => files,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TrustStore::empty()),
            Err(source) => {
                return Err(TrustError::Io {
                    path: dir.to_path_buf(),
                    source,
                })
            }
        };
        let mut anchors = Vec::new();
        let mut crls = Vec::new();
        for path in files {
            let name = file_name_lower(&path);
            let is_crl = name.ends_with(".crl") || name.ends_with(".crl.pem");
            let is_cert = [".pem", ".crt", ".cer", ".der"]
                .iter()
                .any(|ext| name.ends_with(ext));
            if !is_crl && !is_cert {
                continue;
            }
            let bytes = fs::read(&path).map_err(|source| TrustError::Io {
                path: path.clone(),
                source,
            })?;
            let origin = path.display().to_string();
            if is_crl {
                for der in parse_crls_pem_or_der(&bytes).map_err(|e| TrustError::InvalidCrl {
                    origin: origin.clone(),
                    reason: e.to_string(),
                })? {
                    crls.push(parse_crl(&der, &origin)?);
                }
                continue;
            }
            let certs = split_pem_or_der(&bytes, "CERTIFICATE").map_err(|reason| {
                TrustError::InvalidAnchor {
                    origin: origin.clone(),
                    reason,
                }
            })?;
            let is_der = bytes.first() == Some(&0x30);
            let crl_blocks = if is_der {
                Vec::new()
            } else {
                split_pem_or_der(&bytes, "X509 CRL").unwrap_or_default()
            };
            if certs.is_empty() && crl_blocks.is_empty() {
                return Err(TrustError::InvalidAnchor {
                    origin,
                    reason: "no certificate found".into(),
                });
            }
            for der in certs {
                anchors.push(parse_anchor(&der, &origin)?);
            }
            for der in crl_blocks {
                crls.push(parse_crl(&der, &origin)?);
            }
        }
        Ok(TrustStore::from_parsed(anchors, crls))
    }

    /// Builds a store from DER anchors and DER CRLs.
    pub fn from_parts(anchors: Vec<Vec<u8>>, crls: Vec<Vec<u8>>) -> Result<TrustStore, TrustError> {
        let anchors = anchors
            .iter()
            .enumerate()
            .map(|(i, der)| parse_anchor(der, &format!("#{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let crls = crls
            .iter()
            .enumerate()
            .map(|(i, der)| parse_crl(der, &format!("#{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustStore::from_parsed(anchors, crls))
    }

    fn from_parsed(anchors: Vec<CertMeta>, crls: Vec<Crl>) -> TrustStore {
        let mut seen = HashSet::new();
        let anchors: Vec<CertMeta> = anchors
            .into_iter()
            .filter(|a| seen.insert(a.fingerprint.clone()))
            .collect();
        TrustStore {
            anchor_fingerprints: seen,
            anchors,
            crls,
            crl_signature_cache: Mutex::new(HashMap::new()),
            crl_max_age: chrono::Duration::hours(DEFAULT_CRL_MAX_AGE_HOURS as i64),
        }
    }

    /// The same store, treating a CRL without `nextUpdate` as stale `max_age` after its
    /// `thisUpdate`.
    pub fn with_crl_max_age(mut self, max_age: chrono::Duration) -> TrustStore {
        self.crl_max_age = max_age;
        self
    }

    /// Number of distinct trust anchors.
    pub fn anchors_len(&self) -> usize {
        self.anchors.len()
    }

    /// Number of CRLs loaded (valid or not).
    pub fn crls_len(&self) -> usize {
        self.crls.len()
    }

    /// Subject DNs of the trust anchors (for logs and health endpoints).
    pub fn anchor_subjects(&self) -> Vec<String> {
        self.anchors.iter().map(|a| a.subject.clone()).collect()
    }

    /// The loaded CRLs.
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    /// Verifies `chain` (DER, leaf first, then optional intermediates in any order)
    /// at time `at` for `purpose`, and extracts identity fields per `ident`.
    ///
    /// A path leaf → … → anchor of at most [`MAX_PATH_LEN`] certificates is built by
    /// issuer/subject match and signature verification. Every certificate in the path
    /// must be valid at `at`; every non-anchor certificate is checked against the
    /// current, correctly signed CRLs of its issuer. With `require_crl`, an issuer
    /// without such a CRL makes the result [`CertError::RevocationUnknown`].
    pub fn verify_chain(
        &self,
        chain: &[Vec<u8>],
        at: DateTime<Utc>,
        purpose: Purpose,
        ident: &IdentityExtraction,
        require_crl: bool,
    ) -> Result<VerifiedCertificate, CertError> {
        if chain.is_empty() {
            return Err(CertError::Malformed("empty certificate chain".into()));
        }
        if chain.len() > MAX_PRESENTED_CHAIN {
            return Err(CertError::ChainTooLong);
        }
        let certs = chain
            .iter()
            .map(|der| CertMeta::parse(der))
            .collect::<Result<Vec<_>, _>>()?;

        let mut search = PathSearch {
            store: self,
            certs: &certs,
            at,
            purpose,
            require_crl,
            checks_left: MAX_SIGNATURE_CHECKS,
            saw_bad_signature: false,
            saw_unsupported: None,
            saw_too_long: false,
            first_path_error: None,
            found: None,
        };
        let mut path = vec![0];
        search.extend(&mut path);
        let Some(nodes) = search.found.take() else {
            return Err(search.failure());
        };

        let leaf = &certs[0];
        let key_algorithm = keys::key_algorithm_of_spki(&leaf.spki_der)
            .map_err(|_| CertError::UnsupportedAlgorithm("unsupported public key".into()))?;
        let identity = extract_identity(&leaf.der, ident)?;
        Ok(VerifiedCertificate {
            der: leaf.der.clone(),
            subject: leaf.subject.clone(),
            issuer: leaf.issuer.clone(),
            serial_hex: leaf.serial_hex.clone(),
            fingerprint_sha256: leaf.fingerprint.clone(),
            not_before: leaf.not_before,
            not_after: leaf.not_after,
            spki_der: leaf.spki_der.clone(),
            key_algorithm,
            common_name: identity.common_name,
            organization: identity.organization,
            uscc_field: identity.uscc,
            person_id_field: identity.person_id,
            kind: ident.kind_of(&leaf.policies),
            chain_fingerprints: nodes
                .iter()
                .map(|n| self.node(&certs, *n).fingerprint.clone())
                .collect(),
        })
    }

    fn node<'a>(&'a self, certs: &'a [CertMeta], node: Node) -> &'a CertMeta {
        match node {
            Node::Presented(i) => &certs[i],
            Node::Anchor(i) => &self.anchors[i],
        }
    }

    fn revocation(&self, cert: &CertMeta, issuer: &CertMeta, at: DateTime<Utc>) -> Revocation {
        // An issuer whose keyUsage excludes cRLSign cannot vouch for any CRL.
        if issuer.key_usage.is_some_and(|ku| !ku.crl_sign()) {
            return Revocation::Unknown;
        }
        let mut have_valid_crl = false;
        for (index, crl) in self.crls.iter().enumerate() {
            if crl.issuer_raw() != issuer.subject_raw.as_slice()
                || !crl.covers(cert.is_ca(), &cert.crl_distribution_points)
                || !crl.is_current_at(at, self.crl_max_age)
                || !self.crl_signature_ok(index, crl, issuer)
            {
                continue;
            }
            have_valid_crl = true;
            if crl.is_revoked(&cert.serial_hex) {
                return Revocation::Revoked;
            }
        }
        if have_valid_crl {
            Revocation::Good
        } else {
            Revocation::Unknown
        }
    }

    fn crl_signature_ok(&self, index: usize, crl: &Crl, issuer: &CertMeta) -> bool {
        let key = (index, issuer.fingerprint.clone());
        let mut cache = self
            .crl_signature_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *cache
            .entry(key)
            .or_insert_with(|| crl.verify_signature(&issuer.spki_der).is_ok())
    }
}

fn parse_anchor(der: &[u8], origin: &str) -> Result<CertMeta, TrustError> {
    CertMeta::parse(der).map_err(|e| TrustError::InvalidAnchor {
        origin: origin.to_string(),
        reason: e.to_string(),
    })
}

fn parse_crl(der: &[u8], origin: &str) -> Result<Crl, TrustError> {
    Crl::parse(der).map_err(|e| TrustError::InvalidCrl {
        origin: origin.to_string(),
        reason: e.to_string(),
    })
}

#[derive(Clone, Copy, Debug)]
enum Node {
    Presented(usize),
    Anchor(usize),
}

/// Depth-first path building with backtracking. A complete path is validated as
/// soon as it is found; the first path that validates wins. If none does, the most
/// specific failure explains why.
struct PathSearch<'a> {
    store: &'a TrustStore,
    certs: &'a [CertMeta],
    at: DateTime<Utc>,
    purpose: Purpose,
    require_crl: bool,
    checks_left: usize,
    saw_bad_signature: bool,
    saw_unsupported: Option<String>,
    saw_too_long: bool,
    first_path_error: Option<CertError>,
    found: Option<Vec<Node>>,
}

/// Could `issuer` have issued `child`? Names must match byte for byte; key
/// identifiers, when both are present, must agree (this keeps a same-named CA from
/// another hierarchy from being mistaken for the issuer).
fn names_issuer(child: &CertMeta, issuer: &CertMeta) -> bool {
    child.issuer_raw == issuer.subject_raw
        && match (&child.authority_key_id, &issuer.subject_key_id) {
            (Some(aki), Some(ski)) => aki == ski,
            _ => true,
        }
}

/// Anchors are trusted by configuration; they are only refused as issuers when
/// they explicitly say they are not CAs or may not sign certificates.
fn anchor_may_sign(anchor: &CertMeta) -> bool {
    !matches!(anchor.basic_constraints, Some((false, _)))
        && anchor.key_usage.is_none_or(|ku| ku.key_cert_sign())
}

fn intermediate_may_sign(cert: &CertMeta) -> bool {
    cert.is_ca() && cert.key_usage.is_some_and(|ku| ku.key_cert_sign())
}

impl PathSearch<'_> {
    /// Returns true once a valid path has been stored in `found`.
    fn extend(&mut self, path: &mut Vec<usize>) -> bool {
        let current = &self.certs[path[path.len() - 1]];

        for (index, anchor) in self.store.anchors.iter().enumerate() {
            if !names_issuer(current, anchor) || !anchor_may_sign(anchor) {
                continue;
            }
            if path.len() + 1 > MAX_PATH_LEN {
                self.saw_too_long = true;
                continue;
            }
            if !self.signature_ok(current, anchor) {
                continue;
            }
            let mut nodes: Vec<Node> = path.iter().map(|i| Node::Presented(*i)).collect();
            nodes.push(Node::Anchor(index));
            match self.validate(&nodes) {
                Ok(()) => {
                    self.found = Some(nodes);
                    return true;
                }
                Err(e) => {
                    self.first_path_error.get_or_insert(e);
                }
            }
        }

        for index in 1..self.certs.len() {
            let candidate = &self.certs[index];
            // A presented copy of an anchor adds nothing; the anchor itself is tried above.
            if path.contains(&index)
                || self
                    .store
                    .anchor_fingerprints
                    .contains(&candidate.fingerprint)
                || !names_issuer(current, candidate)
                || !intermediate_may_sign(candidate)
            {
                continue;
            }
            // The candidate and at least one anchor above it must still fit.
            if path.len() + 2 > MAX_PATH_LEN {
                self.saw_too_long = true;
                continue;
            }
            if !self.signature_ok(current, candidate) {
                continue;
            }
            path.push(index);
            if self.extend(path) {
                return true;
            }
            path.pop();
        }
        false
    }

    fn signature_ok(&mut self, child: &CertMeta, issuer: &CertMeta) -> bool {
        if self.checks_left == 0 {
            return false;
        }
        self.checks_left -= 1;
        match child.verify_signed_by(&issuer.spki_der) {
            Ok(()) => true,
            Err(VerifyError::BadSignature | VerifyError::AlgorithmKeyMismatch) => {
                self.saw_bad_signature = true;
                false
            }
            Err(VerifyError::UnsupportedAlgorithm) => {
                let reason = match &child.signature_algorithm {
                    Err(reason) => reason.clone(),
                    Ok(_) => format!("issuer key of {} is not supported", issuer.subject),
                };
                self.saw_unsupported.get_or_insert(reason);
                false
            }
            Err(VerifyError::WeakKey) => {
                self.saw_unsupported.get_or_insert(format!(
                    "RSA key of {} is shorter than 2048 bits",
                    issuer.subject
                ));
                false
            }
            Err(VerifyError::MalformedKey) => {
                self.saw_unsupported
                    .get_or_insert(format!("public key of {} is malformed", issuer.subject));
                false
            }
        }
    }

    fn validate(&self, nodes: &[Node]) -> Result<(), CertError> {
        let path: Vec<&CertMeta> = nodes
            .iter()
            .map(|n| self.store.node(self.certs, *n))
            .collect();

        for cert in &path {
            if self.at < cert.not_before {
                return Err(CertError::NotYetValid {
                    not_before: cert.not_before,
                });
            }
            if self.at > cert.not_after {
                return Err(CertError::Expired {
                    not_after: cert.not_after,
                });
            }
        }

        // pathLenConstraint counts the intermediates below the constraining CA.
        for (position, cert) in path.iter().enumerate().skip(1) {
            if let Some((true, Some(limit))) = cert.basic_constraints {
                let below = position - 1;
                if u32::try_from(below).map_or(true, |b| b > limit) {
                    return Err(CertError::Untrusted);
                }
            }
        }

        let leaf = path[0];
        leaf.check_purpose(self.purpose)?;
        keys::check_public_key(&leaf.spki_der).map_err(|e| match e {
            VerifyError::WeakKey => {
                CertError::UnsupportedAlgorithm("RSA key shorter than 2048 bits".into())
            }
            VerifyError::MalformedKey => {
                CertError::Malformed("malformed subject public key".into())
            }
            _ => CertError::UnsupportedAlgorithm("unsupported subject public key".into()),
        })?;

        let mut unknown = false;
        for pair in path.windows(2) {
            match self.store.revocation(pair[0], pair[1], self.at) {
                Revocation::Revoked => {
                    return Err(CertError::Revoked {
                        serial: pair[0].serial_hex.clone(),
                    })
                }
                Revocation::Unknown => unknown = true,
                Revocation::Good => {}
            }
        }
        if unknown && self.require_crl {
            return Err(CertError::RevocationUnknown);
        }
        Ok(())
    }

    fn failure(&mut self) -> CertError {
        if let Some(e) = self.first_path_error.take() {
            e
        } else if let Some(reason) = self.saw_unsupported.take() {
            CertError::UnsupportedAlgorithm(reason)
        } else if self.saw_bad_signature {
            CertError::BadChainSignature
        } else if self.saw_too_long {
            CertError::ChainTooLong
        } else {
            CertError::Untrusted
        }
    }
}

fn file_name_lower(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Regular files (following symlinks) in `dir`, sorted, skipping hidden names —
/// which also skips the `..data` indirection of Kubernetes ConfigMap mounts.
fn list_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Names, sizes and mtimes of the directory's files: a change in any means reload.
type DirSnapshot = Vec<(PathBuf, u64, Option<SystemTime>)>;

fn snapshot(dir: &Path) -> DirSnapshot {
    list_files(dir)
        .unwrap_or_default()
        .into_iter()
        .map(|path| {
            let meta = fs::metadata(&path).ok();
            let len = meta.as_ref().map_or(0, std::fs::Metadata::len);
            let modified = meta.and_then(|m| m.modified().ok());
            (path, len, modified)
        })
        .collect()
}

struct ReloadState {
    last_check: Instant,
    snapshot: DirSnapshot,
    last_error: Option<String>,
}

/// A [`TrustStore`] that follows a directory.
///
/// [`current`](Self::current) is cheap: at most once per second one caller stats
/// the directory's files; only when a name, size or mtime changed is the directory
/// re-read. A reload that fails keeps the previous store (see
/// [`last_error`](Self::last_error)), so a half-copied file cannot drop all trust.
pub struct ReloadingTrustStore {
    dir: PathBuf,
    crl_max_age: chrono::Duration,
    current: RwLock<Arc<TrustStore>>,
    state: Mutex<ReloadState>,
}

impl std::fmt::Debug for ReloadingTrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReloadingTrustStore")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl ReloadingTrustStore {
    /// Loads `dir` now; fails if the initial load fails.
    pub fn new(dir: PathBuf) -> Result<Self, TrustError> {
        Self::with_crl_max_age(
            dir,
            chrono::Duration::hours(DEFAULT_CRL_MAX_AGE_HOURS as i64),
        )
    }

    /// As [`new`](Self::new), with CRLs lacking `nextUpdate` stale `crl_max_age` after their
    /// `thisUpdate`.
    pub fn with_crl_max_age(
        dir: PathBuf,
        crl_max_age: chrono::Duration,
    ) -> Result<Self, TrustError> {
        let snap = snapshot(&dir);
        let store = TrustStore::load_dir(&dir)?.with_crl_max_age(crl_max_age);
        Ok(ReloadingTrustStore {
            crl_max_age,
            current: RwLock::new(Arc::new(store)),
            state: Mutex::new(ReloadState {
                last_check: Instant::now(),
                snapshot: snap,
                last_error: None,
            }),
            dir,
        })
    }

    /// The directory being followed.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The current snapshot, reloading first if the directory changed and the last
    /// check is at least a second old.
    pub fn current(&self) -> Arc<TrustStore> {
        // try_lock: if another thread is already checking, use the current snapshot
        // instead of queueing behind its disk I/O.
        if let Some(mut state) = match self.state.try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        } {
            if state.last_check.elapsed() >= RELOAD_CHECK_INTERVAL {
                self.check(&mut state);
            }
        }
        self.snapshot_arc()
    }

    /// Re-reads the directory now, ignoring the throttle and the change detection.
    /// For tests and admin "reload" commands.
    pub fn force_reload(&self) -> Result<(), TrustError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.last_check = Instant::now();
        state.snapshot = snapshot(&self.dir);
        match TrustStore::load_dir(&self.dir).map(|t| t.with_crl_max_age(self.crl_max_age)) {
            Ok(store) => {
                self.swap(store);
                state.last_error = None;
                Ok(())
            }
            Err(e) => {
                state.last_error = Some(e.to_string());
                Err(e)
            }
        }
    }

    /// The error of the most recent failed automatic reload, if the latest attempt failed.
    pub fn last_error(&self) -> Option<String> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last_error
            .clone()
    }

    fn check(&self, state: &mut ReloadState) {
        state.last_check = Instant::now();
        // Snapshot before loading: a change racing with the load shows up as a
        // different snapshot next time and triggers another reload.
        let snap = snapshot(&self.dir);
        if snap == state.snapshot {
            return;
        }
        state.snapshot = snap;
        match TrustStore::load_dir(&self.dir).map(|t| t.with_crl_max_age(self.crl_max_age)) {
            Ok(store) => {
                self.swap(store);
                state.last_error = None;
            }
            Err(e) => state.last_error = Some(e.to_string()),
        }
    }

    fn swap(&self, store: TrustStore) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(store);
    }

    fn snapshot_arc(&self) -> Arc<TrustStore> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Makes the next [`current`](Self::current) call check the directory
    /// regardless of the one-second throttle (test hook).
    #[doc(hidden)]
    pub fn expire_throttle(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.last_check = Instant::now()
            .checked_sub(RELOAD_CHECK_INTERVAL)
            .unwrap_or(state.last_check);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::{KeyAlgorithm, SignatureAlgorithm};
    use crate::crypto::x509::{parse_chain_pem_or_der, IdentityField};
    use crate::pki::{Authority, KeyUsageBit, LeafSpec, PkiKeyAlgorithm};
    use chrono::Duration as ChronoDuration;

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    fn root(alg: PkiKeyAlgorithm, cn: &str) -> Authority {
        Authority::new_root(
            alg,
            cn,
            now() - ChronoDuration::days(30),
            now() + ChronoDuration::days(3650),
        )
        .unwrap()
    }

    fn store_of(anchors: &[&Authority], crls: Vec<Vec<u8>>) -> TrustStore {
        TrustStore::from_parts(
            anchors.iter().map(|a| a.cert_der().to_vec()).collect(),
            crls,
        )
        .unwrap()
    }

    fn verify(store: &TrustStore, chain: &[Vec<u8>]) -> Result<VerifiedCertificate, CertError> {
        store.verify_chain(
            chain,
            now(),
            Purpose::Signing,
            &IdentityExtraction::default(),
            false,
        )
    }

    fn secs(t: DateTime<Utc>) -> DateTime<Utc> {
        DateTime::from_timestamp(t.timestamp(), 0).unwrap()
    }

    fn crl(ca: &Authority, revoked: &[&str]) -> Vec<u8> {
        let revoked: Vec<String> = revoked.iter().map(|s| s.to_string()).collect();
        ca.crl_der(
            &revoked,
            now() - ChronoDuration::hours(1),
            now() + ChronoDuration::days(7),
        )
        .unwrap()
    }

    #[test]
    fn shared_types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<TrustStore>();
        assert_send_sync::<ReloadingTrustStore>();
        assert_send_sync::<keys::SigningKey>();
        assert_send_sync::<Authority>();
        assert_send_sync::<VerifiedCertificate>();
    }

    #[test]
    fn valid_chain_for_every_leaf_algorithm() {
        let p256_root = root(PkiKeyAlgorithm::EcdsaP256, "P256 Root");
        let sm2_root = root(PkiKeyAlgorithm::Sm2, "SM2 Root");
        let store = store_of(&[&p256_root, &sm2_root], vec![]);
        let cases = [
            (
                &p256_root,
                PkiKeyAlgorithm::EcdsaP256,
                KeyAlgorithm::EcdsaP256,
            ),
            (&p256_root, PkiKeyAlgorithm::Rsa2048, KeyAlgorithm::Rsa),
            (&p256_root, PkiKeyAlgorithm::Ed25519, KeyAlgorithm::Ed25519),
            (&p256_root, PkiKeyAlgorithm::Sm2, KeyAlgorithm::Sm2),
            (&sm2_root, PkiKeyAlgorithm::Sm2, KeyAlgorithm::Sm2),
        ];
        for (ca, alg, key_alg) in cases {
            let mut spec = LeafSpec::signing(alg, "测试 Leaf");
            spec.organization = Some("湖北测试有限公司".into());
            let leaf = ca.issue(&spec).unwrap();
            let v = verify(&store, std::slice::from_ref(&leaf.cert_der))
                .unwrap_or_else(|e| panic!("{alg:?} under {:?}: {e}", ca.signature_algorithm()));
            assert_eq!(v.key_algorithm, key_alg);
            assert_eq!(v.serial_hex, leaf.serial_hex);
            assert_eq!(
                v.fingerprint_sha256,
                crate::crypto::x509::fingerprint_sha256(&leaf.cert_der)
            );
            assert_eq!(
                v.chain_fingerprints,
                vec![
                    v.fingerprint_sha256.clone(),
                    crate::crypto::x509::fingerprint_sha256(ca.cert_der())
                ]
            );
            assert_eq!(v.subject, "CN=测试 Leaf,O=湖北测试有限公司,C=CN");
            assert!(v.issuer.starts_with("CN=") && v.issuer.ends_with(",O=etender,C=CN"));
            assert_eq!(v.common_name.as_deref(), Some("测试 Leaf"));
            assert_eq!(v.not_before, secs(spec.not_before));
            assert_eq!(v.not_after, secs(spec.not_after));
            assert_eq!(v.der, leaf.cert_der);
            // The verified key checks a document signature made with the issued key.
            let key = leaf.signing_key().unwrap();
            let sig = key.sign(key.default_signature_algorithm(), b"doc").unwrap();
            keys::verify_signature(&v.spki_der, key.default_signature_algorithm(), b"doc", &sig)
                .unwrap();
        }
    }

    #[test]
    fn every_ca_signature_algorithm_is_verified() {
        let mut cas = vec![
            root(PkiKeyAlgorithm::Ed25519, "Ed Root"),
            root(PkiKeyAlgorithm::Rsa2048, "RSA Root"),
        ];
        cas.push(
            root(PkiKeyAlgorithm::Rsa2048, "RSA PSS Root")
                .with_signature_algorithm(SignatureAlgorithm::RsaPssSha256)
                .unwrap(),
        );
        for ca in &cas {
            let store = store_of(&[ca], vec![crl(ca, &[])]);
            let leaf = ca
                .issue(&LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "leaf"))
                .unwrap();
            let result = store.verify_chain(
                &[leaf.cert_der],
                now(),
                Purpose::Signing,
                &IdentityExtraction::default(),
                true,
            );
            assert!(result.is_ok(), "{:?}: {result:?}", ca.signature_algorithm());
        }
    }

    #[test]
    fn validity_window_is_enforced() {
        let ca = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let store = store_of(&[&ca], vec![]);

        let mut expired = LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "old");
        expired.not_before = now() - ChronoDuration::days(10);
        expired.not_after = now() - ChronoDuration::days(1);
        let leaf = ca.issue(&expired).unwrap();
        assert_eq!(
            verify(&store, std::slice::from_ref(&leaf.cert_der)),
            Err(CertError::Expired {
                not_after: secs(expired.not_after)
            })
        );
        // The same certificate was fine at a time inside its window.
        assert!(store
            .verify_chain(
                &[leaf.cert_der],
                now() - ChronoDuration::days(5),
                Purpose::Signing,
                &IdentityExtraction::default(),
                false
            )
            .is_ok());

        let mut future = LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "future");
        future.not_before = now() + ChronoDuration::days(1);
        future.not_after = now() + ChronoDuration::days(10);
        let leaf = ca.issue(&future).unwrap();
        assert_eq!(
            verify(&store, &[leaf.cert_der]),
            Err(CertError::NotYetValid {
                not_before: secs(future.not_before)
            })
        );
    }

    #[test]
    fn revocation_via_crl() {
        let ca = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let leaf = ca
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "leaf"))
            .unwrap();
        let other = ca
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "other"))
            .unwrap();
        let chain = [leaf.cert_der.clone()];
        let ident = IdentityExtraction::default();
        let check = |store: &TrustStore, require| {
            store.verify_chain(&chain, now(), Purpose::Signing, &ident, require)
        };

        let listed = store_of(
            &[&ca],
            vec![crl(&ca, &[&other.serial_hex, &leaf.serial_hex])],
        );
        assert_eq!(
            check(&listed, false),
            Err(CertError::Revoked {
                serial: leaf.serial_hex.clone()
            })
        );

        let not_listed = store_of(&[&ca], vec![crl(&ca, &[&other.serial_hex])]);
        assert!(check(&not_listed, true).is_ok());

        let no_crl = store_of(&[&ca], vec![]);
        assert!(check(&no_crl, false).is_ok());
        assert_eq!(check(&no_crl, true), Err(CertError::RevocationUnknown));

        // A CRL past nextUpdate is ignored.
        let stale_crl = ca
            .crl_der(
                std::slice::from_ref(&leaf.serial_hex),
                now() - ChronoDuration::days(10),
                now() - ChronoDuration::days(1),
            )
            .unwrap();
        let stale = store_of(&[&ca], vec![stale_crl]);
        assert!(check(&stale, false).is_ok());
        assert_eq!(check(&stale, true), Err(CertError::RevocationUnknown));

        // A CRL with the right issuer name but signed by another key is ignored.
        let impostor = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let forged = store_of(&[&ca], vec![crl(&impostor, &[&leaf.serial_hex])]);
        assert!(check(&forged, false).is_ok());
        assert_eq!(check(&forged, true), Err(CertError::RevocationUnknown));
    }

    #[test]
    fn wrong_ca_is_untrusted() {
        let trusted = root(PkiKeyAlgorithm::EcdsaP256, "Trusted Root");
        let store = store_of(&[&trusted], vec![]);
        let foreign = root(PkiKeyAlgorithm::EcdsaP256, "Foreign Root");
        let leaf = foreign
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "x"))
            .unwrap();
        assert_eq!(verify(&store, &[leaf.cert_der]), Err(CertError::Untrusted));

        // Same name, different key: the key identifiers tell them apart.
        let twin = root(PkiKeyAlgorithm::EcdsaP256, "Trusted Root");
        let leaf = twin
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "x"))
            .unwrap();
        assert_eq!(
            verify(&store, std::slice::from_ref(&leaf.cert_der)),
            Err(CertError::Untrusted)
        );
        // Presenting the foreign root as an "intermediate" does not help.
        assert_eq!(
            verify(&store, &[leaf.cert_der, twin.cert_der().to_vec()]),
            Err(CertError::Untrusted)
        );

        assert_eq!(
            verify(&TrustStore::empty(), &[trusted.cert_der().to_vec()]),
            Err(CertError::Untrusted)
        );
    }

    #[test]
    fn key_usage_is_enforced() {
        let ca = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let store = store_of(&[&ca], vec![]);
        let mut spec = LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "enc");
        spec.key_usage = vec![KeyUsageBit::KeyEncipherment];
        let leaf = ca.issue(&spec).unwrap();
        assert!(matches!(
            verify(&store, &[leaf.cert_der]),
            Err(CertError::KeyUsage(_))
        ));

        spec.key_usage = vec![];
        let leaf = ca.issue(&spec).unwrap();
        assert!(matches!(
            verify(&store, &[leaf.cert_der]),
            Err(CertError::KeyUsage(_))
        ));

        spec.key_usage = vec![KeyUsageBit::NonRepudiation];
        let leaf = ca.issue(&spec).unwrap();
        assert!(verify(&store, &[leaf.cert_der]).is_ok());

        // A CA certificate is not a signing certificate, even a trusted one.
        assert!(matches!(
            verify(&store, &[ca.cert_der().to_vec()]),
            Err(CertError::KeyUsage(_))
        ));
    }

    #[test]
    fn malformed_input() {
        let store = TrustStore::empty();
        assert!(matches!(
            verify(&store, &[b"garbage".to_vec()]),
            Err(CertError::Malformed(_))
        ));
        assert!(matches!(verify(&store, &[]), Err(CertError::Malformed(_))));
        let ca = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let mut truncated = ca.cert_der().to_vec();
        truncated.truncate(truncated.len() - 10);
        assert!(matches!(
            verify(&store, &[truncated]),
            Err(CertError::Malformed(_))
        ));
        let mut trailing = ca.cert_der().to_vec();
        trailing.push(0);
        assert!(matches!(
            verify(&store, &[trailing]),
            Err(CertError::Malformed(_))
        ));
    }

    #[test]
    fn intermediate_chains() {
        let ca = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let inter = ca
            .new_intermediate(
                PkiKeyAlgorithm::Sm2,
                "Issuing CA",
                now() - ChronoDuration::days(1),
                now() + ChronoDuration::days(365),
            )
            .unwrap();
        let leaf = inter
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::Sm2, "leaf"))
            .unwrap();
        let store = store_of(&[&ca], vec![]);

        let v = verify(&store, &[leaf.cert_der.clone(), inter.cert_der().to_vec()]).unwrap();
        assert_eq!(v.chain_fingerprints.len(), 3);
        assert_eq!(v.issuer, "CN=Issuing CA,O=etender,C=CN");

        // Without the intermediate there is no path.
        assert_eq!(
            verify(&store, std::slice::from_ref(&leaf.cert_der)),
            Err(CertError::Untrusted)
        );

        // Extra, unrelated certificates and the root itself in any order are fine.
        let noise = root(PkiKeyAlgorithm::Ed25519, "Noise").cert_der().to_vec();
        let v = verify(
            &store,
            &[
                leaf.cert_der.clone(),
                ca.cert_der().to_vec(),
                noise,
                inter.cert_der().to_vec(),
            ],
        )
        .unwrap();
        assert_eq!(v.chain_fingerprints.len(), 3);

        // Revocation applies to the intermediate too (root CRL) and to the leaf
        // (intermediate CRL); require_crl needs both.
        let full = [leaf.cert_der.clone(), inter.cert_der().to_vec()];
        let revoked_inter = store_of(&[&ca], vec![crl(&ca, &[&inter_serial(&inter)])]);
        assert_eq!(
            verify(&revoked_inter, &full),
            Err(CertError::Revoked {
                serial: inter_serial(&inter)
            })
        );
        let only_root_crl = store_of(&[&ca], vec![crl(&ca, &[])]);
        let ident = IdentityExtraction::default();
        assert_eq!(
            only_root_crl.verify_chain(&full, now(), Purpose::Signing, &ident, true),
            Err(CertError::RevocationUnknown)
        );
        let both = store_of(&[&ca], vec![crl(&ca, &[]), crl(&inter, &[])]);
        assert!(both
            .verify_chain(&full, now(), Purpose::Signing, &ident, true)
            .is_ok());
        let leaf_revoked = store_of(
            &[&ca],
            vec![crl(&ca, &[]), crl(&inter, &[&leaf.serial_hex])],
        );
        assert_eq!(
            verify(&leaf_revoked, &full),
            Err(CertError::Revoked {
                serial: leaf.serial_hex.clone()
            })
        );
    }

    fn inter_serial(ca: &Authority) -> String {
        CertMeta::parse(ca.cert_der()).unwrap().serial_hex
    }

    #[test]
    fn issuers_must_be_cas_and_respect_path_length() {
        let ca = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let store = store_of(&[&ca], vec![]);
        let window = (
            now() - ChronoDuration::days(1),
            now() + ChronoDuration::days(30),
        );

        // An end-entity certificate used as an issuer.
        let ee = ca
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "EE"))
            .unwrap();
        let fake_ca = Authority::from_der(&ee.cert_der, &ee.key_pkcs8_der).unwrap();
        let leaf = fake_ca
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "leaf"))
            .unwrap();
        assert_eq!(
            verify(&store, &[leaf.cert_der, ee.cert_der]),
            Err(CertError::Untrusted)
        );

        // pathLenConstraint 0 on the first intermediate forbids a second one.
        let i1 = ca
            .new_intermediate(PkiKeyAlgorithm::EcdsaP256, "I1", window.0, window.1)
            .unwrap();
        let i2 = i1
            .new_intermediate(PkiKeyAlgorithm::EcdsaP256, "I2", window.0, window.1)
            .unwrap();
        let leaf = i2
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "leaf"))
            .unwrap();
        assert_eq!(
            verify(
                &store,
                &[
                    leaf.cert_der,
                    i2.cert_der().to_vec(),
                    i1.cert_der().to_vec()
                ]
            ),
            Err(CertError::Untrusted)
        );
    }

    #[test]
    fn overlong_chains_are_refused() {
        let ca = root(PkiKeyAlgorithm::Ed25519, "Root");
        let store = store_of(&[&ca], vec![]);
        let window = (
            now() - ChronoDuration::days(1),
            now() + ChronoDuration::days(30),
        );
        let mut chain_cas = vec![ca
            .new_intermediate(PkiKeyAlgorithm::Ed25519, "I0", window.0, window.1)
            .unwrap()];
        for i in 1..5 {
            let next = chain_cas[i - 1]
                .new_intermediate(
                    PkiKeyAlgorithm::Ed25519,
                    &format!("I{i}"),
                    window.0,
                    window.1,
                )
                .unwrap();
            chain_cas.push(next);
        }
        let leaf = chain_cas[4]
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::Ed25519, "leaf"))
            .unwrap();
        // leaf + 5 intermediates + anchor = 7 > MAX_PATH_LEN
        let mut chain = vec![leaf.cert_der.clone()];
        chain.extend(chain_cas.iter().rev().map(|c| c.cert_der().to_vec()));
        assert_eq!(verify(&store, &chain), Err(CertError::ChainTooLong));

        let too_many = vec![leaf.cert_der; MAX_PRESENTED_CHAIN + 1];
        assert_eq!(verify(&store, &too_many), Err(CertError::ChainTooLong));
    }

    #[test]
    fn tampering_is_detected() {
        let ca = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let store = store_of(&[&ca], vec![]);
        let leaf = ca
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "Leaf-Name"))
            .unwrap();

        // A flipped bit in the signature value (last byte of the DER).
        let mut bad_sig = leaf.cert_der.clone();
        let last = bad_sig.len() - 1;
        bad_sig[last] ^= 0x01;
        assert_eq!(
            verify(&store, &[bad_sig]),
            Err(CertError::BadChainSignature)
        );

        // A changed subject (same length, so the DER stays well formed).
        let needle = b"Leaf-Name";
        let pos = leaf
            .cert_der
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap();
        let mut bad_tbs = leaf.cert_der.clone();
        bad_tbs[pos] = b'X';
        assert_eq!(
            verify(&store, &[bad_tbs]),
            Err(CertError::BadChainSignature)
        );

        // Same for an SM2 CA.
        let sm2 = root(PkiKeyAlgorithm::Sm2, "SM2");
        let store = store_of(&[&sm2], vec![]);
        let leaf = sm2
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::Sm2, "Leaf-Name"))
            .unwrap();
        let mut bad_tbs = leaf.cert_der.clone();
        let pos = bad_tbs
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap();
        bad_tbs[pos] = b'X';
        assert_eq!(
            verify(&store, &[bad_tbs]),
            Err(CertError::BadChainSignature)
        );
    }

    #[test]
    fn weak_rsa_leaf_is_refused() {
        use rsa::pkcs8::EncodePublicKey as _;
        let ca = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let store = store_of(&[&ca], vec![]);
        let spki = crate::pki::test_support::rsa1024()
            .to_public_key()
            .to_public_key_der()
            .unwrap();
        let cert = ca
            .issue_for_public_key(
                &LeafSpec::signing(PkiKeyAlgorithm::Rsa2048, "weak"),
                spki.as_bytes(),
            )
            .unwrap();
        assert!(matches!(
            verify(&store, &[cert]),
            Err(CertError::UnsupportedAlgorithm(reason)) if reason.contains("2048")
        ));
    }

    #[test]
    fn identity_fields_are_extracted() {
        let ca = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let store = store_of(&[&ca], vec![]);
        let mut spec = LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "张三");
        spec.subject_serial_number = Some("91350100M000100Y43".into());
        spec.organizational_unit = Some("429999197803120117".into());
        spec.extra_extension = Some((
            "1.2.156.112562.2.1.1.24".into(),
            "91420100MA4B1D2U3X".into(),
        ));
        let leaf = ca.issue(&spec).unwrap();
        let chain = [leaf.cert_der];
        let cases = [
            (
                IdentityField::SubjectSerialNumber,
                Some("91350100M000100Y43"),
            ),
            (
                IdentityField::SubjectOrganizationalUnit,
                Some("429999197803120117"),
            ),
            (
                IdentityField::Extension("1.2.156.112562.2.1.1.24".into()),
                Some("91420100MA4B1D2U3X"),
            ),
            (IdentityField::Extension("1.2.3.4".into()), None),
        ];
        for (field, expected) in cases {
            let ident = IdentityExtraction {
                uscc: field.clone(),
                person_id: IdentityField::SubjectOrganizationalUnit,
                ..IdentityExtraction::default()
            };
            let v = store
                .verify_chain(&chain, now(), Purpose::Signing, &ident, false)
                .unwrap();
            assert_eq!(v.uscc_field.as_deref(), expected, "{field}");
            assert_eq!(v.person_id_field.as_deref(), Some("429999197803120117"));
        }
        let v = verify(&store, &chain).unwrap();
        assert_eq!(
            v.subject,
            "serialNumber=91350100M000100Y43,CN=张三,OU=429999197803120117,C=CN"
        );
    }

    #[test]
    fn load_dir_reads_anchor_and_crl_files() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(
            TrustStore::load_dir(&tmp.path().join("missing"))
                .unwrap()
                .anchors_len(),
            0
        );

        let a = root(PkiKeyAlgorithm::EcdsaP256, "A");
        let b = root(PkiKeyAlgorithm::Sm2, "B");
        let leaf = b
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::Sm2, "leaf"))
            .unwrap();
        // PEM bundle holding a certificate and a CRL, a DER .cer, and noise.
        let bundle = format!(
            "{}{}",
            a.cert_pem(),
            a.crl_pem(&[], now(), now() + ChronoDuration::days(1))
                .unwrap()
        );
        fs::write(tmp.path().join("a.pem"), bundle).unwrap();
        fs::write(tmp.path().join("b.CER"), b.cert_der()).unwrap();
        fs::write(tmp.path().join("b.crl"), crl(&b, &[&leaf.serial_hex])).unwrap();
        fs::write(tmp.path().join("README.txt"), "not a cert").unwrap();
        fs::write(tmp.path().join(".hidden.pem"), "junk").unwrap();
        fs::create_dir(tmp.path().join("sub.pem")).unwrap();

        let store = TrustStore::load_dir(tmp.path()).unwrap();
        assert_eq!(store.anchors_len(), 2);
        assert_eq!(store.crls_len(), 2);
        assert_eq!(
            verify(&store, &[leaf.cert_der]),
            Err(CertError::Revoked {
                serial: leaf.serial_hex
            })
        );

        fs::write(
            tmp.path().join("broken.pem"),
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        assert!(matches!(
            TrustStore::load_dir(tmp.path()),
            Err(TrustError::InvalidAnchor { .. })
        ));
    }

    #[test]
    fn chain_parsing_accepts_pem_bundles_and_der() {
        let ca = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let leaf = ca
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "leaf"))
            .unwrap();
        let bundle = format!("{}\n{}", leaf.cert_pem(), ca.cert_pem());
        assert_eq!(
            parse_chain_pem_or_der(bundle.as_bytes()).unwrap(),
            vec![leaf.cert_der.clone(), ca.cert_der().to_vec()]
        );
        assert_eq!(
            parse_chain_pem_or_der(&leaf.cert_der).unwrap(),
            vec![leaf.cert_der.clone()]
        );
        let mut two = leaf.cert_der.clone();
        two.extend_from_slice(ca.cert_der());
        assert_eq!(parse_chain_pem_or_der(&two).unwrap().len(), 2);
        assert!(matches!(
            parse_chain_pem_or_der(leaf.key_pem().as_bytes()),
            Err(CertError::Malformed(_))
        ));
    }

    #[test]
    fn der_ending_in_whitespace_bytes_is_not_trimmed() {
        // Regression: binary input used to be ASCII-trimmed, truncating any DER
        // whose signature ended in 0x20, 0x0a, … Issue until such a certificate
        // appears (about 1 in 50).
        let ca = root(PkiKeyAlgorithm::Ed25519, "Root");
        let leaf = (0..2000)
            .map(|_| {
                ca.issue(&LeafSpec::signing(PkiKeyAlgorithm::Ed25519, "ws"))
                    .unwrap()
            })
            .find(|l| l.cert_der.last().is_some_and(u8::is_ascii_whitespace))
            .expect("a certificate ending in a whitespace byte");
        assert_eq!(
            parse_chain_pem_or_der(&leaf.cert_der).unwrap(),
            vec![leaf.cert_der.clone()]
        );
        let mut two = leaf.cert_der.clone();
        two.extend_from_slice(&leaf.cert_der);
        assert_eq!(parse_chain_pem_or_der(&two).unwrap().len(), 2);
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("leaf.der"), &leaf.cert_der).unwrap();
        assert_eq!(TrustStore::load_dir(tmp.path()).unwrap().anchors_len(), 1);
    }

    #[test]
    fn reloading_store_picks_up_new_crl() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = root(PkiKeyAlgorithm::EcdsaP256, "Root");
        let leaf = ca
            .issue(&LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, "leaf"))
            .unwrap();
        fs::write(tmp.path().join("root.pem"), ca.cert_pem()).unwrap();
        let reloading = ReloadingTrustStore::new(tmp.path().to_path_buf()).unwrap();
        let chain = [leaf.cert_der.clone()];
        assert!(verify(&reloading.current(), &chain).is_ok());

        let crl_pem = ca
            .crl_pem(
                std::slice::from_ref(&leaf.serial_hex),
                now(),
                now() + ChronoDuration::days(1),
            )
            .unwrap();
        fs::write(tmp.path().join("root.crl.pem"), crl_pem).unwrap();
        // Within the throttle window the old snapshot is served.
        let before = reloading.current();
        assert_eq!(before.crls_len(), 0);
        reloading.expire_throttle();
        let after = reloading.current();
        assert_eq!(after.crls_len(), 1);
        assert_eq!(
            verify(&after, &chain),
            Err(CertError::Revoked {
                serial: leaf.serial_hex.clone()
            })
        );
        // Unchanged directory: the same snapshot is kept.
        reloading.expire_throttle();
        assert!(Arc::ptr_eq(&after, &reloading.current()));

        // A broken file keeps the last good store and reports the error.
        fs::write(tmp.path().join("bad.crl"), "junk").unwrap();
        reloading.expire_throttle();
        assert!(Arc::ptr_eq(&after, &reloading.current()));
        assert!(reloading.last_error().is_some());
        assert!(reloading.force_reload().is_err());
        fs::remove_file(tmp.path().join("bad.crl")).unwrap();
        reloading.force_reload().unwrap();
        assert!(reloading.last_error().is_none());
        assert_eq!(reloading.current().anchors_len(), 1);
    }
}
