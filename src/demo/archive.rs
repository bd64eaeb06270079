//! The demo's archive chapter (docs/ARCHIVE.md): once the tender's notices are out, the agent
//! downloads the tender's archive and the regulator's tool verifies it offline with the log's
//! published key alone; then one byte of it is changed and the verifier names the file.

use std::path::Path;

use anyhow::{bail, Context};
use serde_json::Value;

use super::{identity, login, say, short, Story};
use crate::audit::note::NoteVerifier;
use crate::client::archive::verify_archive_file;
use crate::error::ErrorCode;
use crate::pki::DevPki;

/// Exports `tender`'s archive as its agent, verifies it offline and shows a tampered copy
/// failing. The archive is kept at `keep` when given (`demo --archive-out`); otherwise it is
/// written to a temporary directory removed afterwards.
pub(super) async fn story(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    keep: Option<&Path>,
) -> anyhow::Result<()> {
    story.step("the agent exports the tender's archive; it verifies offline against the log");
    let agent = login(base, identity(pki, "agent")?).await?;
    let scratch = super::WorkDir(super::tempdir()?);
    let path = match keep {
        Some(p) => p.to_path_buf(),
        None => scratch.0.join(format!("archive-{tender}.tar")),
    };
    // The archive ties only entries a signed checkpoint covers: the sequencer signs the last
    // steps within moments.
    let mut tries = 0;
    let bytes = loop {
        let mut f = std::fs::File::create(&path).with_context(|| path.display().to_string())?;
        match agent.save_archive(tender, &mut f).await {
            Ok(n) => break n,
            Err(e) if e.code() == Some(ErrorCode::Conflict) && tries < 100 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e).context("exporting the archive"),
        }
    };
    say(format!(
        "archive of tender {}: {bytes} bytes, {}",
        short(tender),
        path.display()
    ));
    let key: Value = agent.get("/api/v1/audit/public-key").await?;
    let key = NoteVerifier::parse(key["verifier_key"].as_str().unwrap_or_default())
        .context("published verifier key")?;
    let report = verify_archive_file(&path, &key)??;
    say(report.to_string());

    // One byte changed in the first file after the first header: the verifier names it.
    let mut tampered = std::fs::read(&path)?;
    if tampered.len() > 600 {
        tampered[512] ^= 1;
    }
    let copy = scratch.0.join("tampered.tar");
    std::fs::write(&copy, &tampered)?;
    match verify_archive_file(&copy, &key)? {
        Ok(_) => bail!("a tampered archive verified"),
        Err(f) => say(format!("a copy with one byte changed is refused: {f}")),
    }
    if keep.is_none() {
        say("(the archive is removed with the demo; `--archive-out FILE` keeps it)");
    }
    Ok(())
}
