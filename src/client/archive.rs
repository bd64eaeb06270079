//! Client calls of the tender's archive: download it to a file (streamed, constant memory) and
//! verify it offline with the log's verifier key.

use std::path::Path;

use super::{urlencode, Client, ClientError};
use crate::audit::archive::{verify_archive, ArchiveFailure, ArchiveReport};
use crate::audit::note::NoteVerifier;

/// `/api/v1/tenders/{tender}/archive`.
pub fn archive_path(tender: &str) -> String {
    format!("/api/v1/tenders/{}/archive", urlencode(tender))
}

impl Client {
    /// Streams the tender's archive into `to`; returns the bytes written.
    pub async fn save_archive(
        &self,
        tender: &str,
        to: &mut (dyn std::io::Write + Send),
    ) -> Result<u64, ClientError> {
        self.save(&archive_path(tender), to).await
    }
}

/// Verifies the archive file at `path` offline (`audit::archive::verify_archive`).
pub fn verify_archive_file(
    path: &Path,
    key: &NoteVerifier,
) -> anyhow::Result<Result<ArchiveReport, ArchiveFailure>> {
    let f = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(verify_archive(
        std::io::BufReader::with_capacity(1 << 20, f),
        key,
    ))
}
