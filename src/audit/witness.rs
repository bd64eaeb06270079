//! The witness's own rules: what `etender witness run` checks before it cosigns a checkpoint.
//!
//! A witness keeps one state file per log: the last checkpoint it cosigned (size, root and the
//! signed note). It cosigns a new checkpoint only if the log's key signed it, its origin is the
//! log's, and it is consistent with the saved one: the same root at the same size, or a valid
//! RFC 9162 consistency proof from the saved size to the new one. Anything else — a smaller
//! tree (rollback), another root at the same size (fork), a proof that fails (history
//! rewritten) — is refused, and the state file is left as it was, so the witness keeps refusing
//! every later checkpoint of the rewritten log too. Pure: the caller does I/O and picks the
//! time.

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::cosignature::Cosigner;
use super::merkle::{self, Hash};
use super::note::{Checkpoint, NoteVerifier};

/// Format tag of the witness state file.
pub const STATE_FORMAT: &str = "etender-witness-state/v1";

/// What a witness remembers about one log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessState {
    pub format: String,
    pub origin: String,
    pub size: u64,
    /// Base64 root of the last cosigned checkpoint.
    pub root: String,
    /// The last cosigned checkpoint as the log signed it (cosignatures stripped).
    pub checkpoint: String,
}

impl WitnessState {
    /// Reads the state file; `None` when it does not exist yet (first run).
    pub fn load(path: &Path) -> anyhow::Result<Option<WitnessState>> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let s: WitnessState = serde_json::from_slice(&bytes).map_err(|e| {
                    anyhow::anyhow!("witness state {}: unreadable ({e})", path.display())
                })?;
                if s.format != STATE_FORMAT {
                    anyhow::bail!(
                        "witness state {}: unknown format {:?}",
                        path.display(),
                        s.format
                    );
                }
                Ok(Some(s))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("witness state {}: {e}", path.display())),
        }
    }

    /// Writes the state atomically (temporary file, fsync, rename).
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        use std::io::Write;
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&serde_json::to_vec_pretty(self)?)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }

    fn root_hash(&self) -> Option<Hash> {
        B64.decode(&self.root).ok()?.try_into().ok()
    }
}

/// Why a witness refuses to cosign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the checkpoint is not signed by the log key {key}: {why}")]
    BadSignature { key: String, why: String },
    #[error(
        "ROLLBACK: the log shows size {new} but this witness already cosigned size {old}; \
         the log shrank or is showing an old view"
    )]
    Rollback { old: u64, new: u64 },
    #[error(
        "FORK: the log shows size {size} with root {new_root}, but this witness cosigned \
         root {old_root} at that size; the log was rewritten"
    )]
    Fork {
        size: u64,
        old_root: String,
        new_root: String,
    },
    #[error(
        "INCONSISTENT: the checkpoint of size {new} is not an extension of the size-{old} \
         checkpoint this witness cosigned ({why}); the log's history was rewritten"
    )]
    Inconsistent { old: u64, new: u64, why: String },
    #[error("the witness state is unusable: {0}")]
    State(String),
}

/// A checkpoint the witness has checked, ready to cosign.
#[derive(Debug, Clone)]
pub struct Checked {
    pub checkpoint: Checkpoint,
    /// The checkpoint note text (what the cosignature covers).
    pub text: String,
    /// The new state to save once cosigned.
    pub state: WitnessState,
}

/// The sizes a consistency proof is needed between, if any: `(old, new)`.
pub fn proof_needed(state: Option<&WitnessState>, new_size: u64) -> Option<(u64, u64)> {
    let s = state?;
    (s.size > 0 && s.size < new_size).then_some((s.size, new_size))
}

/// Checks `note` (as served: log signature plus any cosignatures) against the log key and the
/// saved state, with `proof` the consistency proof for [`proof_needed`]'s sizes.
pub fn check(
    log_key: &NoteVerifier,
    state: Option<&WitnessState>,
    note: &str,
    proof: &[Hash],
) -> Result<Checked, Refusal> {
    let (cp, opened) =
        Checkpoint::open_signed_for_origin(note, log_key.name(), std::slice::from_ref(log_key))
            .map_err(|e| Refusal::BadSignature {
                key: log_key.to_vkey_string(),
                why: e.to_string(),
            })?;
    if let Some(s) = state {
        if s.origin != cp.origin {
            return Err(Refusal::State(format!(
                "it is for origin {:?}, the checkpoint for {:?}",
                s.origin, cp.origin
            )));
        }
        let old_root = s
            .root_hash()
            .ok_or_else(|| Refusal::State("its root is not base64 of 32 bytes".into()))?;
        if cp.size < s.size {
            return Err(Refusal::Rollback {
                old: s.size,
                new: cp.size,
            });
        }
        if cp.size == s.size && cp.root != old_root {
            return Err(Refusal::Fork {
                size: cp.size,
                old_root: s.root.clone(),
                new_root: B64.encode(cp.root),
            });
        }
        if s.size > 0 && cp.size > s.size {
            merkle::verify_consistency(s.size, cp.size, &old_root, &cp.root, proof).map_err(
                |e| Refusal::Inconsistent {
                    old: s.size,
                    new: cp.size,
                    why: e.to_string(),
                },
            )?;
        }
    }
    let own = log_key.name();
    let log_only = log_signature_only(note, own);
    Ok(Checked {
        state: WitnessState {
            format: STATE_FORMAT.into(),
            origin: cp.origin.clone(),
            size: cp.size,
            root: B64.encode(cp.root),
            checkpoint: log_only,
        },
        text: opened.text,
        checkpoint: cp,
    })
}

/// The note with only the log's own signature lines (cosignatures dropped).
fn log_signature_only(note: &str, origin: &str) -> String {
    let Some(split) = note.rfind("\n\n") else {
        return note.to_owned();
    };
    let prefix = format!("\u{2014} {origin} ");
    let mut out = note[..split + 2].to_owned();
    for line in note[split + 2..].lines() {
        if line.starts_with(&prefix) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Cosigns a checked checkpoint at `timestamp` (POSIX seconds).
pub fn cosign(cosigner: &Cosigner, checked: &Checked, timestamp: u64) -> anyhow::Result<String> {
    Ok(cosigner.cosign(&checked.text, timestamp)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::merkle::MemoryTree;
    use crate::audit::note::NoteSigner;

    fn signed(log: &NoteSigner, tree: &MemoryTree, size: u64) -> String {
        Checkpoint {
            origin: log.name().into(),
            size,
            root: tree.root_at(size).unwrap(),
            extensions: vec![],
        }
        .sign(log)
        .unwrap()
    }

    #[test]
    fn consistent_growth_is_accepted_and_a_rewrite_refused() {
        let (log, _) = NoteSigner::generate("example.com/log").unwrap();
        let key = log.verifier();
        let mut tree = MemoryTree::new();
        tree.extend((0..5u8).map(|i| merkle::leaf_hash(&[i])));
        let first = check(&key, None, &signed(&log, &tree, 5), &[]).unwrap();
        assert_eq!(proof_needed(Some(&first.state), 8), Some((5, 8)));
        tree.extend((5..8u8).map(|i| merkle::leaf_hash(&[i])));
        let proof = merkle::consistency_proof(5, 8, &tree).unwrap();
        let next = check(&key, Some(&first.state), &signed(&log, &tree, 8), &proof).unwrap();
        assert_eq!(next.state.size, 8);

        // The operator rewrites entry 2 and re-signs with the real key.
        let mut forged = MemoryTree::new();
        forged.extend((0..9u8).map(|i| merkle::leaf_hash(&[if i == 2 { 99 } else { i }])));
        let proof = merkle::consistency_proof(8, 9, &forged).unwrap();
        let e = check(&key, Some(&next.state), &signed(&log, &forged, 9), &proof).unwrap_err();
        assert!(
            matches!(e, Refusal::Inconsistent { old: 8, new: 9, .. }),
            "{e}"
        );
        let e = check(&key, Some(&next.state), &signed(&log, &forged, 8), &[]).unwrap_err();
        assert!(matches!(e, Refusal::Fork { size: 8, .. }), "{e}");
        let e = check(&key, Some(&next.state), &signed(&log, &tree, 5), &[]).unwrap_err();
        assert!(matches!(e, Refusal::Rollback { old: 8, new: 5 }), "{e}");
        let (other, _) = NoteSigner::generate("example.com/log").unwrap();
        let e = check(&key, None, &signed(&other, &tree, 8), &[]).unwrap_err();
        assert!(matches!(e, Refusal::BadSignature { .. }), "{e}");
    }
}
