//! The demo's witness: the regulator makes its own Ed25519 witness key (here, in a temporary
//! directory standing in for the regulator's machine), registers the public half, runs one
//! witness round (check consistency with its state file, cosign, post), and the offline
//! verifier then requires that cosignature on the exported checkpoint — and on a receipt.

use anyhow::Context;
use serde_json::Value;

use super::say;
use crate::audit::cosignature::{Cosigner, WitnessPolicy};
use crate::audit::note::{Checkpoint, NoteVerifier};
use crate::audit::proof_text::TlogProof;
use crate::audit::verify::{default_rules, verify_bundle_with};
use crate::client::witness::run_once;
use crate::client::Client;
use crate::pki::DevIdentity;

fn unix_now() -> anyhow::Result<u64> {
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs())
}

/// Waits (up to 10 s: the sequencer runs every `audit.sequencer_interval_ms`) until the log's
/// checkpoint is larger than `size`.
async fn wait_for_growth(public: &Client, log_key: &NoteVerifier, size: u64) -> anyhow::Result<()> {
    for _ in 0..100 {
        let note = public.get_text("/api/v1/audit/checkpoint").await?;
        if Checkpoint::open_signed(&note, log_key)?.size > size {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the log did not grow past size {size} within 10 s")
}

pub async fn story(base: &str, regulator_id: &DevIdentity) -> anyhow::Result<()> {
    let regulator = super::enrol(base, regulator_id).await?;
    let key: Value = regulator.get("/api/v1/audit/public-key").await?;
    let log_key = NoteVerifier::parse(key["verifier_key"].as_str().unwrap_or_default())
        .context("published verifier key")?;
    // A fresh name per run: witnesses are permanent, and the demo may run against a server
    // that has seen an earlier demo.
    let name = format!(
        "regulator.demo/witness-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let (cosigner, _pkcs8) = Cosigner::generate(&name)?;
    let registered = regulator
        .register_witness(&name, &cosigner.verifier().to_vkey_string())
        .await?;
    say(format!(
        "witness {} registered by the regulator (key id {})",
        registered.name, registered.key_id
    ));
    let dir = std::env::temp_dir().join(format!("etender-witness-{}", uuid::Uuid::new_v4()));
    let state = dir.join("state.json");
    let public = Client::new(base);
    let first = run_once(&public, &log_key, &cosigner, &state, unix_now()?).await?;
    say(format!(
        "the witness cosigned checkpoint size {}",
        first.size
    ));
    // The log grows (a login is an event); a second round
    // checks the consistency proof from the size it saw.
    let regulator = super::enrol(base, regulator_id).await?;
    wait_for_growth(&public, &log_key, first.size).await?;
    let second = run_once(&public, &log_key, &cosigner, &state, unix_now()?).await?;
    say(format!(
        "the witness checked the consistency proof {} → {} and cosigned again",
        first.size, second.size
    ));
    let policy = WitnessPolicy::new(vec![cosigner.verifier()], 1).map_err(anyhow::Error::msg)?;
    let bundle = regulator.audit_export_cosigned(None, None, None, 1).await?;
    let report = verify_bundle_with(&bundle, &log_key, None, &default_rules(), Some(&policy))?;
    say(report.to_string());
    // A receipt now carries the witness's cosignature too.
    let me: Value = regulator.get("/api/v1/me").await?;
    let my_id = me["id"].as_str().unwrap_or_default();
    let trail: Value = regulator
        .get(&format!("/api/v1/audit/trail?subject={my_id}"))
        .await?;
    let event_id = trail["items"]
        .as_array()
        .and_then(|items| items.first())
        .and_then(|e| e["event_id"].as_str())
        .context("the regulator has a trail")?
        .to_string();
    let text = regulator
        .get_text(&format!("/api/v1/audit/receipts/{event_id}"))
        .await?;
    let receipt = TlogProof::parse(&text)?;
    let names = policy
        .check(&receipt.signed_checkpoint)
        .map_err(|p| anyhow::anyhow!("receipt cosignatures: {}", p.join("; ")))?;
    say(format!(
        "a receipt's checkpoint carries the cosignature of {}",
        names.join(", ")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
