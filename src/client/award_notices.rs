//! Client calls of the award's notices: read the drafts and sign each with the tenderer's (or
//! agent's) certificate, read and verify an issued notice offline, and the written report.

use base64::Engine;
use serde_json::json;

use super::{urlencode, Client, ClientError, Credentials};
use crate::crypto::keys::{verify_signature, SignatureAlgorithm};
use crate::crypto::x509::CertMeta;
use crate::domain::award_notices::{notice_statement, report_statement};
use crate::wire::award_notices::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// `…/sections/{section}/award/notices`.
pub fn notices_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}/award/notices",
        urlencode(tender),
        urlencode(section)
    )
}

/// `/api/v1/tenders/{tender}/award/notices/{id}`.
pub fn notice_path(tender: &str, id: &str) -> String {
    format!(
        "/api/v1/tenders/{}/award/notices/{}",
        urlencode(tender),
        urlencode(id)
    )
}

/// `…/sections/{section}/award/written-report`.
pub fn written_report_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}/award/written-report",
        urlencode(tender),
        urlencode(section)
    )
}

fn local(msg: impl Into<String>) -> ClientError {
    ClientError::Local(msg.into())
}

fn digest32(hex_digest: &str) -> Result<[u8; 32], ClientError> {
    hex::decode(hex_digest)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| local("a digest is 32 bytes of hex"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}

/// The body issuing `drafts` signed with `creds` (each draft's digest checked against its
/// document first, so a client never signs what it did not read).
pub fn sign_notices(
    drafts: &NoticeDrafts,
    creds: &Credentials,
) -> Result<IssueNoticesRequest, ClientError> {
    let mut signatures = Vec::with_capacity(drafts.notices.len());
    for d in &drafts.notices {
        if sha256_hex(d.document.as_bytes()) != d.digest {
            return Err(local(format!(
                "the draft to bid {} is not its digest",
                d.bid
            )));
        }
        let sig = creds
            .key
            .sign(creds.algorithm, &notice_statement(&digest32(&d.digest)?))
            .map_err(|e| local(format!("signing failed: {e}")))?;
        signatures.push(NoticeSignatureEntry {
            digest: d.digest.clone(),
            signature: B64.encode(sig),
        });
    }
    Ok(IssueNoticesRequest {
        certificate_chain: creds.chain.iter().map(|c| B64.encode(c)).collect(),
        signature_algorithm: creds.algorithm.as_str().to_string(),
        signatures,
    })
}

/// Checks an issued notice offline: its document hashes to its digest and the signature over
/// the notice statement verifies with the certificate it carries. Returns the certificate's
/// subject. (Whether that certificate is the tenderer's is the reader's trust decision.)
pub fn verify_notice(n: &AwardNotice) -> Result<String, ClientError> {
    if sha256_hex(n.document.as_bytes()) != n.digest {
        return Err(local("the notice's document does not hash to its digest"));
    }
    let der = B64
        .decode(&n.certificate)
        .map_err(|_| local("certificate is not base64"))?;
    let meta = CertMeta::parse(&der).map_err(|e| local(format!("certificate: {e}")))?;
    let alg = SignatureAlgorithm::parse(&n.signature_algorithm)
        .ok_or_else(|| local("unknown signature algorithm"))?;
    let sig = B64
        .decode(&n.signature)
        .map_err(|_| local("signature is not base64"))?;
    verify_signature(
        &meta.spki_der,
        alg,
        &notice_statement(&digest32(&n.digest)?),
        &sig,
    )
    .map_err(|e| local(format!("the notice's signature does not verify: {e}")))?;
    Ok(meta.subject.clone())
}

impl Client {
    pub async fn notice_drafts(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<NoticeDrafts, ClientError> {
        self.get(&format!("{}/draft", notices_path(tender, section)))
            .await
    }

    /// Reads the drafts, signs each with `creds`, and issues them.
    pub async fn issue_notices(
        &self,
        tender: &str,
        section: &str,
        creds: &Credentials,
    ) -> Result<IssuedNotices, ClientError> {
        let drafts = self.notice_drafts(tender, section).await?;
        let body = sign_notices(&drafts, creds)?;
        self.post(&notices_path(tender, section), &body).await
    }

    pub async fn award_notices(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<Vec<AwardNotice>, ClientError> {
        self.get(&notices_path(tender, section)).await
    }

    pub async fn award_notice(&self, tender: &str, id: &str) -> Result<AwardNotice, ClientError> {
        self.get(&notice_path(tender, id)).await
    }

    pub async fn written_report(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<WrittenReport, ClientError> {
        self.get(&written_report_path(tender, section)).await
    }

    /// Reads the written report, checks its digest, signs it with `creds` and files it.
    pub async fn file_written_report(
        &self,
        tender: &str,
        section: &str,
        creds: &Credentials,
    ) -> Result<WrittenReport, ClientError> {
        let r = self.written_report(tender, section).await?;
        if sha256_hex(r.document.as_bytes()) != r.digest {
            return Err(local("the written report is not its digest"));
        }
        let sig = creds
            .key
            .sign(creds.algorithm, &report_statement(&digest32(&r.digest)?))
            .map_err(|e| local(format!("signing failed: {e}")))?;
        let body = json!({
            "digest": r.digest,
            "certificate_chain": creds.chain.iter().map(|c| B64.encode(c)).collect::<Vec<_>>(),
            "signature": B64.encode(sig),
            "signature_algorithm": creds.algorithm.as_str(),
        });
        self.post(&written_report_path(tender, section), &body)
            .await
    }

    pub async fn overdue_written_reports(&self) -> Result<Vec<OverdueWrittenReport>, ClientError> {
        self.get("/api/v1/award/written-reports/overdue").await
    }
}
