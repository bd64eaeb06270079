//! The witness's tool (`etender witness run`): fetch the log's latest checkpoint, check it
//! against the last one this witness cosigned (`audit::witness`), cosign it and post the
//! cosignature back. Also the client calls around witnesses: registration and cosigned exports.

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use super::{urlencode, Client, ClientError};
use crate::audit::bundle::{Bundle, ConsistencyProof};
use crate::audit::cosignature::Cosigner;
use crate::audit::merkle::Hash;
use crate::audit::note::{Checkpoint, NoteVerifier};
use crate::audit::witness::{self, Refusal, WitnessState};
use crate::wire::audit::{AddCosignature, Cosignature, RegisterWitness, Witness};

/// What one witness run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    pub origin: String,
    pub size: u64,
    /// The size this witness had cosigned before (None on its first run).
    pub previous: Option<u64>,
    pub cosignature: String,
}

/// Why a run did not cosign: a refusal (the log misbehaved) or an ordinary failure.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("REFUSED to cosign: {0}")]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<ClientError> for WitnessError {
    fn from(e: ClientError) -> Self {
        WitnessError::Other(e.into())
    }
}

impl Client {
    /// Register a witness (regulators, administrators).
    pub async fn register_witness(&self, name: &str, vkey: &str) -> Result<Witness, ClientError> {
        let body = RegisterWitness {
            name: name.into(),
            verifier_key: vkey.into(),
        };
        self.post("/api/v1/audit/witnesses", &body).await
    }

    /// An export bundle at the latest checkpoint cosigned by at least `min_cosignatures`
    /// registered witnesses.
    pub async fn audit_export_cosigned(
        &self,
        tender_id: Option<&str>,
        subject: Option<&str>,
        since_size: Option<u64>,
        min_cosignatures: u32,
    ) -> Result<Bundle, ClientError> {
        let mut q = vec![format!("min_cosignatures={min_cosignatures}")];
        if let Some(t) = tender_id {
            q.push(format!("tender_id={}", urlencode(t)));
        }
        if let Some(s) = subject {
            q.push(format!("subject={}", urlencode(s)));
        }
        if let Some(n) = since_size {
            q.push(format!("since_size={n}"));
        }
        self.get(&format!("/api/v1/audit/export?{}", q.join("&")))
            .await
    }
}

/// One witness round against `client`'s server: see the module docs. The state file is
/// updated only after the checkpoint passed every check, and before the cosignature is posted.
pub async fn run_once(
    client: &Client,
    log_key: &NoteVerifier,
    cosigner: &Cosigner,
    state_path: &Path,
    now_unix: u64,
) -> Result<Cosigned, WitnessError> {
    let state = WitnessState::load(state_path)?;
    let note = client.get_text("/api/v1/audit/checkpoint").await?;
    // Only to learn which proof to ask for; `witness::check` verifies everything.
    let size = Checkpoint::open_signed(&note, log_key)
        .map(|cp| cp.size)
        .unwrap_or(0);
    let proof: Vec<Hash> = match witness::proof_needed(state.as_ref(), size) {
        Some((old, new)) => {
            let p: ConsistencyProof = client
                .get(&format!(
                    "/api/v1/audit/proofs/consistency?old_size={old}&new_size={new}"
                ))
                .await?;
            p.hashes
                .iter()
                .map(|h| B64.decode(h).ok().and_then(|b| b.try_into().ok()))
                .collect::<Option<Vec<Hash>>>()
                .ok_or_else(|| anyhow::anyhow!("the server's consistency proof is malformed"))?
        }
        None => Vec::new(),
    };
    let checked = witness::check(log_key, state.as_ref(), &note, &proof)?;
    let line = witness::cosign(cosigner, &checked, now_unix)?;
    // Another run of this witness may have moved the state meanwhile: never write an older
    // view over a newer one (that would let a later fork of the newer part pass).
    if WitnessState::load(state_path)? != state {
        return Err(anyhow::anyhow!(
            "the state file {} changed during this run (another witness run?); run again",
            state_path.display()
        )
        .into());
    }
    checked.state.save(state_path)?;
    let _: Cosignature = client
        .post(
            "/api/v1/audit/cosignatures",
            &AddCosignature {
                tree_size: checked.checkpoint.size,
                cosignature: line.clone(),
            },
        )
        .await?;
    Ok(Cosigned {
        origin: checked.checkpoint.origin,
        size: checked.checkpoint.size,
        previous: state.map(|s| s.size),
        cosignature: line,
    })
}
