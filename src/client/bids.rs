//! Sealed bids over HTTP: the bidder's and the custodian's side of `docs/BIDDING.md`.
//!
//! The envelope itself is `crate::seal`; this module only moves it. Three concerns shape it:
//!
//! - **Constant memory.** Part files can be gigabytes, so sealing writes straight to disk and
//!   uploading streams from disk; no part is ever held whole in memory.
//! - **Resumability.** The server keeps every byte it received, even from a cut request, and
//!   reports how far it got. The sender therefore never restarts a part: after a transport
//!   error, a 5xx or a 409 `upload_offset_mismatch` it asks the server for the offset and seeks
//!   the file there. An upload of the same manifest left open by an earlier run is picked up
//!   again instead of being replaced (a new upload would abandon the old one's bytes).
//! - **Trust nothing that came back.** The receipt is compared with the manifest that was
//!   sent, and DEKs are only released for a manifest the caller's own key sealed.
//!
//! Signed statements are built by `crate::seal::statements` and `crate::seal::dek_release_payload`
//! so that the server verifies exactly the bytes signed here.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::Value;
use zeroize::Zeroizing;

use super::{decode_value, read_response, urlencode, Client, ClientError, Credentials};
use crate::crypto::x509::{read_identity_field, IdentityField};
use crate::domain::uscc::Uscc;
use crate::seal::{
    self, statements, BidContext, BidSealer, EnvelopeSecret, Manifest, PartKey, Preparation,
    Summary, X25519PublicKey,
};

#[cfg(test)]
mod tests;

/// How often a part is retried without the server's offset moving forward.
const MAX_RETRIES_WITHOUT_PROGRESS: u32 = 5;
/// Read size when hashing part files.
const HASH_BUFFER: usize = 1 << 20;
/// Size of the chunks a part file is read in and handed to the HTTP client: large, so the
/// reading thread and the connection wake once per MiB, not once per 64 KiB.
const UPLOAD_CHUNK: usize = 1 << 20;
/// Chunks read ahead of the connection (the memory one part upload holds, with the one being
/// sent).
const UPLOAD_READ_AHEAD: usize = 2;
/// A part request may run much longer than the client's default timeout (large parts on slow
/// links). A timeout is still a resumable failure, so this only bounds a stalled connection.
const PART_REQUEST_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// Problem code of a part request whose `Upload-Offset` is not the server's count.
pub const UPLOAD_OFFSET_MISMATCH: &str = "upload_offset_mismatch";
/// File name of the manifest in a sealed-bid directory.
pub const MANIFEST_FILE: &str = "manifest.json";

// ---------------------------------------------------------------------------------------------
// DTOs (docs/BIDDING.md)
// ---------------------------------------------------------------------------------------------

pub use crate::domain::bidding::{BidState, BondKind, OpeningPhase, OpeningStatus, UploadState};
pub use crate::wire::bids::{
    BidBond, BidView, BondAccount, EnvelopeKey, MyBid, PartStatus, Receipt, ReceiptAudit,
    ReceiptKind, ReceiptPart, UploadStatus,
};
pub use crate::wire::opening::{
    Attempt, BidOutcome, MyShares, Opening, OpeningBid, OpeningReaction, OpeningResponse,
    ShareStatus,
};

impl BidView {
    /// The manifest digest as bytes, for signed statements.
    pub fn manifest_digest(&self) -> Result<[u8; 32], ClientError> {
        hex32(&self.manifest_sha256, "manifest_sha256")
    }
}

impl Receipt {
    /// Checks that a submission receipt acknowledges exactly `manifest`: a receipt for other
    /// bytes proves nothing about the bid that was sealed.
    pub fn check_against(&self, manifest: &Manifest) -> Result<(), ClientError> {
        let want = hex::encode(seal::manifest_sha256(manifest));
        let fields: [(&str, bool); 6] = [
            ("kind", self.kind == ReceiptKind::Submission),
            ("tender_id", self.tender_id == manifest.tender_id),
            ("section", self.section == manifest.section_id),
            ("bidder_uscc", self.bidder_uscc == manifest.bidder_uscc),
            ("bid_version", self.bid_version == manifest.bid_version),
            (
                "manifest_sha256",
                self.manifest_sha256.eq_ignore_ascii_case(&want),
            ),
        ];
        if let Some((field, _)) = fields.iter().find(|(_, ok)| !ok) {
            return Err(local(format!(
                "receipt {} does not match the submitted manifest: {field} differs",
                self.bid_id
            )));
        }
        let parts_match = self.parts.len() == manifest.parts.len()
            && manifest.parts.iter().all(|m| {
                self.parts.iter().any(|r| {
                    r.index == m.index
                        && r.name == m.name
                        && r.ciphertext_len == m.ciphertext_len
                        && r.ciphertext_sha256
                            .eq_ignore_ascii_case(&hex::encode(m.ciphertext_sha256))
                })
            });
        if !parts_match {
            return Err(local(format!(
                "receipt {} does not list the submitted parts",
                self.bid_id
            )));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------------

/// The certificate-signed part of a statement body.
#[derive(Serialize)]
struct Signed {
    certificate_chain: Vec<String>,
    signature: String,
    signature_algorithm: &'static str,
}

fn sign(creds: &Credentials, payload: &[u8]) -> Result<Signed, ClientError> {
    let signature = creds
        .key
        .sign(creds.algorithm, payload)
        .map_err(|e| local(format!("signing failed: {e}")))?;
    Ok(Signed {
        certificate_chain: chain_b64(creds),
        signature: b64(&signature),
        signature_algorithm: creds.algorithm.as_str(),
    })
}

#[derive(Serialize)]
struct RegisterKeyBody {
    public_key: X25519PublicKey,
    #[serde(flatten)]
    signed: Signed,
}

/// Field order is the manifest's declaration order because the body is serialised from the
/// struct (not via `Value`, which sorts keys): the server sees the canonical manifest bytes.
#[derive(Serialize)]
struct OpenUploadBody<'a> {
    manifest: &'a Manifest,
    certificate_chain: Vec<String>,
}

#[derive(Serialize)]
struct DekRelease {
    index: u32,
    #[serde(serialize_with = "secret_str")]
    dek: Zeroizing<String>,
    signature: String,
}

#[derive(Serialize)]
struct DekReleaseBody {
    keys: Vec<DekRelease>,
}

#[derive(Serialize)]
struct ShareRelease {
    bid_id: String,
    share_index: u8,
    #[serde(serialize_with = "secret_str")]
    share: Zeroizing<String>,
    signature: String,
}

#[derive(Serialize)]
struct ShareReleaseBody {
    releases: Vec<ShareRelease>,
    certificate_chain: Vec<String>,
    signature_algorithm: &'static str,
}

/// One decrypted remedy share, ready to be signed and released.
#[derive(Debug)]
pub struct ShareToRelease {
    /// The bid.
    pub bid_id: String,
    /// SHA-256 of the bid's canonical manifest (what the release signature pins).
    pub manifest_sha256: [u8; 32],
    /// The share.
    pub share: seal::Share,
}

fn secret_str<S: Serializer>(v: &Zeroizing<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v)
}

// ---------------------------------------------------------------------------------------------
// Client methods
// ---------------------------------------------------------------------------------------------

impl Client {
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, format!("{}{}", self.base, path));
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// Like `call`, but serialises `body` straight from its type, keeping struct field order.
    pub(super) async fn send<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            let bytes = serde_json::to_vec(b).map_err(|e| local(e.to_string()))?;
            req = req.header(CONTENT_TYPE, "application/json").body(bytes);
        }
        let (status, value) = read_response(req.send().await?).await?;
        decode_value(status, value)
    }

    // --- keys before bidding ---------------------------------------------------------------

    /// A custodian registers its envelope public key, signed with its personal certificate.
    /// `person_id` is the caller's own principal id (from the login session).
    pub async fn register_envelope_key(
        &self,
        person_id: &str,
        envelope: &EnvelopeSecret,
        creds: &Credentials,
    ) -> Result<EnvelopeKey, ClientError> {
        let public_key = envelope.public_key();
        let payload = statements::custodian_key_payload(person_id, &public_key);
        let body = RegisterKeyBody {
            public_key,
            signed: sign(creds, &payload)?,
        };
        self.send(Method::PUT, "/api/v1/me/envelope-key", Some(&body))
            .await
    }

    /// The caller's registered envelope key (`not_found` if none).
    pub async fn my_envelope_key(&self) -> Result<EnvelopeKey, ClientError> {
        self.get("/api/v1/me/envelope-key").await
    }

    /// The caller's virtual sub-account for a section's bond, opened on first request
    /// (bidder): pay the bond there, or have the guarantee issued for it.
    pub async fn my_bond_account(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<BondAccount, ClientError> {
        self.get(&format!(
            "{}/bid-bonds/account",
            section_path(tender, section)
        ))
        .await
    }

    /// The caller's own bonds for a section (bidder).
    pub async fn my_bonds(&self, tender: &str, section: &str) -> Result<Vec<BidBond>, ClientError> {
        self.get(&format!("{}/bid-bonds/mine", section_path(tender, section)))
            .await
    }

    // --- submission --------------------------------------------------------------------------

    /// The caller's current bid, the version to seal next, the remedy policy and any open upload.
    pub async fn my_bid(&self, tender: &str, section: &str) -> Result<MyBid, ClientError> {
        self.get(&format!("{}/bids/mine", section_path(tender, section)))
            .await
    }

    /// Opens an upload for a sealed manifest (abandons the caller's previous open upload).
    pub async fn open_upload(
        &self,
        tender: &str,
        section: &str,
        manifest: &Manifest,
        creds: &Credentials,
    ) -> Result<UploadStatus, ClientError> {
        let body = OpenUploadBody {
            manifest,
            certificate_chain: chain_b64(creds),
        };
        let path = format!("{}/bid-uploads", section_path(tender, section));
        self.send(Method::POST, &path, Some(&body)).await
    }

    pub async fn upload_status(&self, upload_id: &str) -> Result<UploadStatus, ClientError> {
        self.get(&upload_path(upload_id)).await
    }

    /// Sends bytes of part `index` starting at `offset`, which must be the server's `received`.
    /// `body` may be a stream (`reqwest::Body::wrap_stream`), so nothing needs to be in memory.
    pub async fn upload_part(
        &self,
        upload_id: &str,
        index: u32,
        offset: u64,
        body: reqwest::Body,
    ) -> Result<PartStatus, ClientError> {
        self.put_part(upload_id, index, offset, body, None).await
    }

    async fn put_part(
        &self,
        upload_id: &str,
        index: u32,
        offset: u64,
        body: reqwest::Body,
        len: Option<u64>,
    ) -> Result<PartStatus, ClientError> {
        let path = format!("{}/parts/{index}", upload_path(upload_id));
        let mut req = self
            .request(Method::PUT, &path)
            .header("Upload-Offset", offset.to_string())
            .header(CONTENT_TYPE, "application/octet-stream")
            .timeout(PART_REQUEST_TIMEOUT);
        // A declared length lets the server refuse an over-long part before reading it.
        if let Some(n) = len {
            req = req.header(CONTENT_LENGTH, n.to_string());
        }
        let (status, value) = read_response(req.body(body).send().await?).await?;
        decode_value(status, value)
    }

    /// Submits a complete upload: the bid exists from here on.
    pub async fn submit_upload(&self, upload_id: &str) -> Result<Receipt, ClientError> {
        self.send::<_, Value>(
            Method::POST,
            &format!("{}/submit", upload_path(upload_id)),
            None,
        )
        .await
    }

    pub async fn abandon_upload(&self, upload_id: &str) -> Result<(), ClientError> {
        self.send::<Value, Value>(Method::DELETE, &upload_path(upload_id), None)
            .await
            .map(|_| ())
    }

    pub async fn receipt(&self, bid_id: &str) -> Result<Receipt, ClientError> {
        self.get(&format!("/api/v1/bids/{}/receipt", urlencode(bid_id)))
            .await
    }

    /// Sends one part file, resuming from wherever the server is, until it is complete.
    pub async fn send_part_resumable(
        &self,
        upload_id: &str,
        index: u32,
        path: &Path,
    ) -> Result<PartStatus, ClientError> {
        let status = self.upload_status(upload_id).await?;
        let part = status
            .part(index)
            .cloned()
            .ok_or_else(|| local(format!("upload {upload_id} has no part {index}")))?;
        self.send_part_from(upload_id, path, part).await
    }

    /// The resume loop. Progress (the server's count moving forward) resets the retry budget,
    /// so a large part on a flaky link still finishes, while a server that accepts nothing
    /// fails after a few attempts.
    async fn send_part_from(
        &self,
        upload_id: &str,
        path: &Path,
        mut known: PartStatus,
    ) -> Result<PartStatus, ClientError> {
        let index = known.index;
        let len = tokio::fs::metadata(path)
            .await
            .map_err(|e| local(format!("{}: {e}", path.display())))?
            .len();
        if len != known.ciphertext_len {
            return Err(local(format!(
                "{}: {len} bytes, but part {index} is {} bytes",
                path.display(),
                known.ciphertext_len
            )));
        }
        let mut failures = 0u32;
        loop {
            if known.complete {
                return Ok(known);
            }
            if known.received > len {
                return Err(local(format!(
                    "server holds {} bytes of part {index}, which has {len}",
                    known.received
                )));
            }
            let from = known.received;
            let failed = match self.put_file(upload_id, index, path, from, len).await {
                Ok(ps) if ps.complete => return Ok(ps),
                Ok(ps) => {
                    // The server stopped short of the end without an error: carry on from its
                    // count.
                    known = ps;
                    None
                }
                Err(e) if is_resumable(&e) => {
                    tokio::time::sleep(backoff(failures)).await;
                    match self.upload_status(upload_id).await {
                        Ok(s) => {
                            known = s.part(index).cloned().ok_or_else(|| {
                                local(format!("upload {upload_id} has no part {index}"))
                            })?;
                        }
                        Err(e2) if is_resumable(&e2) => {}
                        Err(e2) => return Err(e2),
                    }
                    Some(e)
                }
                Err(e) => return Err(e),
            };
            if known.received > from {
                failures = 0;
            } else {
                failures += 1;
                if failures > MAX_RETRIES_WITHOUT_PROGRESS {
                    return Err(failed.unwrap_or_else(|| {
                        local(format!(
                            "part {index}: no progress after {MAX_RETRIES_WITHOUT_PROGRESS} retries"
                        ))
                    }));
                }
            }
        }
    }

    /// Sends the bytes of the part file at `path` from `from` to its end (`len`).
    async fn put_file(
        &self,
        upload_id: &str,
        index: u32,
        path: &Path,
        from: u64,
        len: u64,
    ) -> Result<PartStatus, ClientError> {
        let file = File::open(path).map_err(|e| io_err(path, e))?;
        let remaining = len - from;
        self.put_part(
            upload_id,
            index,
            from,
            file_body(file, from, remaining),
            Some(remaining),
        )
        .await
    }

    /// Uploads a sealed bid from its part files (`parts[i]` holds part `i`) and submits it.
    /// Resumes an open upload of the same manifest left by an earlier run, and checks that the
    /// receipt acknowledges exactly this manifest.
    pub async fn submit_sealed_bid(
        &self,
        tender: &str,
        section: &str,
        manifest: &Manifest,
        parts: &[PathBuf],
        creds: &Credentials,
    ) -> Result<Receipt, ClientError> {
        check_target(manifest, tender, section)?;
        if parts.len() != manifest.parts.len() {
            return Err(local(format!(
                "{} part files for a manifest of {} parts",
                parts.len(),
                manifest.parts.len()
            )));
        }
        let digest = hex::encode(seal::manifest_sha256(manifest));
        let upload = match self.my_bid(tender, section).await?.upload {
            Some(u)
                if u.state == UploadState::Open
                    && u.manifest_sha256.eq_ignore_ascii_case(&digest) =>
            {
                u
            }
            _ => self.open_upload(tender, section, manifest, creds).await?,
        };
        for p in &manifest.parts {
            let path = parts
                .get(p.index as usize)
                .ok_or_else(|| local(format!("no file for part {}", p.index)))?;
            let known = upload.part(p.index).cloned().unwrap_or(PartStatus {
                index: p.index,
                name: p.name.clone(),
                received: 0,
                ciphertext_len: p.ciphertext_len,
                complete: false,
            });
            self.send_part_from(&upload.id, path, known).await?;
        }
        let receipt = self
            .submit_recovering(tender, section, &upload.id, &digest)
            .await?;
        receipt.check_against(manifest)?;
        Ok(receipt)
    }

    /// Submits; when the answer is lost in transit or the server was busy (503), finds out
    /// whether the bid was made before submitting again (a second submit of a submitted upload
    /// would only be refused) — a few times, backing off, since a server short of connections in
    /// the last second's rush may be short again on the next attempt.
    async fn submit_recovering(
        &self,
        tender: &str,
        section: &str,
        upload_id: &str,
        digest: &str,
    ) -> Result<Receipt, ClientError> {
        const ATTEMPTS: u32 = 4;
        let mut attempt = 0;
        loop {
            let err = match self.submit_upload(upload_id).await {
                Err(e) if e.is_retryable() && attempt + 1 < ATTEMPTS => e,
                other => return other,
            };
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
            let status = match self.upload_status(upload_id).await {
                Err(e) if e.is_retryable() => continue,
                other => other?,
            };
            match status.state {
                UploadState::Open => continue,
                UploadState::Submitted => {
                    return match self.my_bid(tender, section).await?.current {
                        Some(b) if b.manifest_sha256.eq_ignore_ascii_case(digest) => {
                            self.receipt(&b.bid_id).await
                        }
                        _ => Err(err),
                    }
                }
                UploadState::Abandoned => return Err(err),
            }
        }
    }

    /// 撤回: withdraws `bid` (the current one, from [`my_bid`](Self::my_bid)).
    pub async fn withdraw(
        &self,
        tender: &str,
        section: &str,
        bid: &BidView,
        bidder_uscc: &str,
        creds: &Credentials,
    ) -> Result<Receipt, ClientError> {
        let payload = statements::withdrawal_payload(
            tender,
            section,
            bidder_uscc,
            bid.version,
            &bid.manifest_digest()?,
        );
        let path = format!("{}/bids/mine/withdrawal", section_path(tender, section));
        self.send(Method::POST, &path, Some(&sign(creds, &payload)?))
            .await
    }

    /// Re-confirms `bid` against notice version `tender_version` after an amendment.
    pub async fn confirm_bid(
        &self,
        tender: &str,
        section: &str,
        bid: &BidView,
        bidder_uscc: &str,
        tender_version: u32,
        creds: &Credentials,
    ) -> Result<Value, ClientError> {
        let payload = statements::confirmation_payload(
            tender,
            section,
            bidder_uscc,
            bid.version,
            &bid.manifest_digest()?,
            tender_version,
        );
        let path = format!("{}/bids/mine/confirmation", section_path(tender, section));
        self.send(Method::POST, &path, Some(&sign(creds, &payload)?))
            .await
    }

    // --- opening ---------------------------------------------------------------------------

    pub async fn opening(&self, tender: &str, section: &str) -> Result<Opening, ClientError> {
        self.get(&format!("{}/opening", section_path(tender, section)))
            .await
    }

    /// R1: unwraps every part's DEK with the bidder's envelope key and releases them, each
    /// signed over `dek_release_payload`. The signature must come from the key that sealed the
    /// bid (the server checks it against the bid certificate), so other credentials are refused
    /// here rather than producing a release the server would count against the bid.
    pub async fn release_deks(
        &self,
        tender: &str,
        section: &str,
        manifest: &Manifest,
        envelope: &EnvelopeSecret,
        creds: &Credentials,
    ) -> Result<BidOutcome, ClientError> {
        check_target(manifest, tender, section)?;
        if creds.key.public_key_spki_der() != manifest.outer_signature.signer_spki {
            return Err(local(
                "these credentials did not seal this bid; use the bid certificate's key",
            ));
        }
        let alg = manifest.outer_signature.algorithm;
        let mut keys = Vec::with_capacity(manifest.parts.len());
        for p in &manifest.parts {
            let dek = seal::unwrap_part_key(manifest, p.index, PartKey::Envelope(envelope))
                .map_err(|e| local(format!("part {}: {e}", p.index)))?;
            let payload = seal::dek_release_payload(manifest, p.index)
                .map_err(|e| local(format!("part {}: {e}", p.index)))?;
            let signature = creds
                .key
                .sign(alg, &payload)
                .map_err(|e| local(format!("signing failed: {e}")))?;
            keys.push(DekRelease {
                index: p.index,
                dek: Zeroizing::new(hex::encode(dek.as_bytes())),
                signature: b64(&signature),
            });
        }
        let path = format!("{}/opening/decryption", section_path(tender, section));
        self.send(Method::POST, &path, Some(&DekReleaseBody { keys }))
            .await
    }

    /// R2: the bids still sealed whose manifests carry the caller's wrapped remedy shares (a
    /// listed custodian, recovery phase).
    pub async fn my_shares(&self, tender: &str, section: &str) -> Result<MyShares, ClientError> {
        self.get(&format!(
            "{}/opening/shares/mine",
            section_path(tender, section)
        ))
        .await
    }

    /// R2: decrypts the caller's share of every bid still sealed that it has not released yet,
    /// checks each against the bidder's commitment, and releases them, signed. A share that
    /// does not decrypt or differs from its commitment is the bidder's doing: it is not
    /// released (an error if no share could be).
    pub async fn release_share(
        &self,
        tender: &str,
        section: &str,
        envelope: &EnvelopeSecret,
        creds: &Credentials,
    ) -> Result<ShareStatus, ClientError> {
        let mine = self.my_shares(tender, section).await?;
        let mut out = Vec::new();
        let mut refused = Vec::new();
        for b in mine.bids.into_iter().filter(|b| !b.released) {
            let digest = seal::manifest_sha256(&b.manifest);
            // The server's digest must be of the manifest it sent: the signature pins it.
            if hex::encode(digest) != b.manifest_sha256 {
                return Err(local(format!("bid {}: manifest digest mismatch", b.bid_id)));
            }
            match b
                .manifest
                .remedy
                .decrypt_share(&b.manifest.remedy_bid(), envelope)
            {
                Ok(share) => out.push(ShareToRelease {
                    bid_id: b.bid_id,
                    manifest_sha256: digest,
                    share,
                }),
                Err(e) => refused.push(format!("{}: {e}", b.bid_id)),
            }
        }
        if out.is_empty() {
            return Err(local(format!(
                "no share to release{}",
                if refused.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", refused.join("; "))
                }
            )));
        }
        self.release_share_values(tender, section, &out, creds)
            .await
    }

    /// R2: signs and releases decrypted shares as they are (no check against the bidders'
    /// commitments: [`Client::release_share`] makes that check).
    pub async fn release_share_values(
        &self,
        tender: &str,
        section: &str,
        shares: &[ShareToRelease],
        creds: &Credentials,
    ) -> Result<ShareStatus, ClientError> {
        let mut releases = Vec::with_capacity(shares.len());
        for s in shares {
            let payload = statements::share_release_payload(
                tender,
                section,
                &s.manifest_sha256,
                s.share.index,
                &s.share.value,
            );
            let signature = creds
                .key
                .sign(creds.algorithm, &payload)
                .map_err(|e| local(format!("signing failed: {e}")))?;
            releases.push(ShareRelease {
                bid_id: s.bid_id.clone(),
                share_index: s.share.index,
                share: Zeroizing::new(hex::encode(*s.share.value)),
                signature: b64(&signature),
            });
        }
        let body = ShareReleaseBody {
            releases,
            certificate_chain: chain_b64(creds),
            signature_algorithm: creds.algorithm.as_str(),
        };
        let path = format!("{}/opening/shares", section_path(tender, section));
        self.send(Method::POST, &path, Some(&body)).await
    }

    /// A bidder that bid confirms the opening record or objects to it.
    pub async fn respond_to_opening(
        &self,
        tender: &str,
        section: &str,
        response: &OpeningReaction,
    ) -> Result<Value, ClientError> {
        let path = format!("{}/opening/responses", section_path(tender, section));
        self.send(Method::POST, &path, Some(response)).await
    }

    /// The tenderer or agent answers an objection.
    pub async fn answer_opening_response(
        &self,
        tender: &str,
        section: &str,
        response_id: &str,
        answer: &str,
    ) -> Result<Value, ClientError> {
        let path = format!(
            "{}/opening/responses/{}/answer",
            section_path(tender, section),
            urlencode(response_id)
        );
        self.send(
            Method::POST,
            &path,
            Some(&serde_json::json!({ "answer": answer })),
        )
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// Sealing to and loading from a directory
// ---------------------------------------------------------------------------------------------

/// A sealed bid on disk: `manifest.json` and `part-<i>.bin`.
#[derive(Clone, Debug)]
pub struct SealedBidFiles {
    pub manifest: Manifest,
    /// `part_paths[i]` is part `i` (0 = summary).
    pub part_paths: Vec<PathBuf>,
}

pub fn part_file_name(index: u32) -> String {
    format!("part-{index}.bin")
}

/// Seals a bid into `out_dir`, streaming each document from disk to `part-<i>.bin` (documents
/// are parts 1… in the given order, the summary part 0). The manifest is written last and
/// atomically, so a directory with a `manifest.json` always holds a complete bid. Refuses a
/// directory that already holds one: overwriting a submitted bid's files would lose what the
/// R1 release needs. Blocking; run it on a blocking thread in async code.
///
/// The summary records how the bid was prepared: this machine's fingerprint
/// (`client::device`, digests only) and each document's own metadata (`client::docmeta`: PDF
/// Info, OOXML properties), sealed like the price. A tool that knows more (the pricing
/// software's dongle) uses [`seal_bid_to_dir_with`].
pub fn seal_bid_to_dir(
    ctx: BidContext,
    summary: &Summary,
    documents: &[(String, PathBuf)],
    out_dir: &Path,
    envelope: &EnvelopeSecret,
    creds: &Credentials,
) -> Result<SealedBidFiles, ClientError> {
    let device = super::device::observe(None);
    let preparation = (!super::device::is_empty(&device)).then(|| Preparation {
        device: Some(device),
        documents: Vec::new(),
    });
    seal_bid_to_dir_with(
        ctx,
        summary,
        documents,
        out_dir,
        envelope,
        creds,
        preparation,
    )
}

/// [`seal_bid_to_dir`] with the preparation record the caller observed (or none); the
/// documents' metadata is read from the files here unless that record carries some.
pub fn seal_bid_to_dir_with(
    ctx: BidContext,
    summary: &Summary,
    documents: &[(String, PathBuf)],
    out_dir: &Path,
    envelope: &EnvelopeSecret,
    creds: &Credentials,
    preparation: Option<Preparation>,
) -> Result<SealedBidFiles, ClientError> {
    let manifest_path = out_dir.join(MANIFEST_FILE);
    if manifest_path.exists() {
        return Err(local(format!(
            "{} already holds a sealed bid; seal into a new directory",
            out_dir.display()
        )));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| io_err(out_dir, e))?;
    let mut sealer = BidSealer::new(ctx, envelope, &creds.key, creds.algorithm)
        .map_err(|e| local(format!("sealing: {e}")))?;
    let mut preparation = preparation.unwrap_or_default();
    if preparation.documents.is_empty() {
        preparation.documents = documents
            .iter()
            .zip(1u32..)
            .filter_map(|((_, path), index)| super::docmeta::read_file(path, index))
            .collect();
    }
    let preparation = (preparation != Preparation::default()).then_some(preparation);
    if let Some(p) = preparation {
        sealer.set_preparation(p);
    }
    let mut part_paths = vec![out_dir.join(part_file_name(0))];
    for (name, path) in documents {
        let index = part_paths.len() as u32;
        let input = File::open(path).map_err(|e| io_err(path, e))?;
        let out_path = out_dir.join(part_file_name(index));
        let out = File::create(&out_path).map_err(|e| io_err(&out_path, e))?;
        let mut writer = BufWriter::new(out);
        sealer
            .seal_document(name, BufReader::new(input), &mut writer)
            .map_err(|e| local(format!("sealing {}: {e}", path.display())))?;
        finish_file(writer, &out_path)?;
        part_paths.push(out_path);
    }
    let sealed = sealer
        .seal_summary(summary)
        .map_err(|e| local(format!("sealing the summary: {e}")))?;
    let ciphertext = sealed
        .ciphertext
        .ok_or_else(|| local("the sealer returned no summary ciphertext"))?;
    write_synced(&part_paths[0], &ciphertext)?;
    let manifest = sealer
        .finish()
        .map_err(|e| local(format!("sealing: {e}")))?;
    let tmp = out_dir.join(format!("{MANIFEST_FILE}.tmp"));
    write_synced(&tmp, &manifest.to_canonical_json())?;
    std::fs::rename(&tmp, &manifest_path).map_err(|e| io_err(&manifest_path, e))?;
    Ok(SealedBidFiles {
        manifest,
        part_paths,
    })
}

/// Loads a sealed bid written by [`seal_bid_to_dir`], checking that every part file exists with
/// the manifest's length (a cheap check; [`SealedBidFiles::verify_digests`] reads them).
pub fn load_sealed_bid(dir: &Path) -> Result<SealedBidFiles, ClientError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let bytes = std::fs::read(&manifest_path).map_err(|e| io_err(&manifest_path, e))?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| local(format!("{}: not a manifest: {e}", manifest_path.display())))?;
    let mut part_paths = Vec::with_capacity(manifest.parts.len());
    for (i, p) in manifest.parts.iter().enumerate() {
        if p.index as usize != i {
            return Err(local(format!(
                "{}: parts are not numbered 0…n",
                manifest_path.display()
            )));
        }
        let path = dir.join(part_file_name(p.index));
        let len = std::fs::metadata(&path)
            .map_err(|e| io_err(&path, e))?
            .len();
        if len != p.ciphertext_len {
            return Err(local(format!(
                "{}: {len} bytes, the manifest says {}",
                path.display(),
                p.ciphertext_len
            )));
        }
        part_paths.push(path);
    }
    Ok(SealedBidFiles {
        manifest,
        part_paths,
    })
}

impl SealedBidFiles {
    /// Hashes every part file against the manifest, so that a damaged file is found before
    /// uploading it (the server would only refuse it at its last byte). Blocking.
    pub fn verify_digests(&self) -> Result<(), ClientError> {
        for (p, path) in self.manifest.parts.iter().zip(&self.part_paths) {
            let mut file = File::open(path).map_err(|e| io_err(path, e))?;
            let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
            let mut buf = vec![0u8; HASH_BUFFER];
            loop {
                let n = file.read(&mut buf).map_err(|e| io_err(path, e))?;
                if n == 0 {
                    break;
                }
                ctx.update(&buf[..n]);
            }
            if ctx.finish().as_ref() != p.ciphertext_sha256 {
                return Err(local(format!(
                    "{}: SHA-256 differs from the manifest's part {}",
                    path.display(),
                    p.index
                )));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Envelope key files
// ---------------------------------------------------------------------------------------------

/// Writes an envelope secret as 64 hex characters to a new file, readable by its owner only.
/// Never overwrites: losing the old key would make bids sealed to it unreadable in R1.
pub fn write_envelope_key_file(path: &Path, secret: &EnvelopeSecret) -> Result<(), ClientError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(path).map_err(|e| io_err(path, e))?;
    let mut text = Zeroizing::new(hex::encode(*secret.to_bytes()));
    text.push('\n');
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_err(path, e))
}

/// Reads an envelope key file written by [`write_envelope_key_file`].
pub fn read_envelope_key_file(path: &Path) -> Result<EnvelopeSecret, ClientError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| io_err(path, e))?);
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), bytes.as_mut()).map_err(|_| {
        local(format!(
            "{}: not an envelope key (64 hex characters)",
            path.display()
        ))
    })?;
    Ok(EnvelopeSecret::from_bytes(&bytes))
}

/// Reads the key file, or creates it with a fresh key when it does not exist.
/// Returns whether it was created.
pub fn load_or_create_envelope_key(path: &Path) -> Result<(EnvelopeSecret, bool), ClientError> {
    if path.exists() {
        return Ok((read_envelope_key_file(path)?, false));
    }
    let secret = EnvelopeSecret::generate(&mut rand_core::OsRng);
    write_envelope_key_file(path, &secret)?;
    Ok((secret, true))
}

/// The bidder USCC of a certificate, read from the subject `serialNumber` (the platform's default
/// `identity.uscc_field`). A bid must be sealed for the USCC the server will find in the
/// certificate, so a tool should not ask the user to type it when the certificate says it.
pub fn uscc_from_certificate(creds: &Credentials) -> Result<Uscc, ClientError> {
    let leaf = creds
        .chain
        .first()
        .ok_or_else(|| local("the certificate chain is empty"))?;
    let (_, cert) = x509_parser::parse_x509_certificate(leaf)
        .map_err(|e| local(format!("cannot parse the certificate: {e}")))?;
    let text = read_identity_field(&cert, &IdentityField::SubjectSerialNumber)
        .ok_or_else(|| local("the certificate carries no USCC in its subject serialNumber"))?;
    Uscc::parse(&text).map_err(|e| local(format!("certificate USCC {text}: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn section_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}",
        urlencode(tender),
        urlencode(section)
    )
}

fn upload_path(upload_id: &str) -> String {
    format!("/api/v1/bid-uploads/{}", urlencode(upload_id))
}

fn local(msg: impl Into<String>) -> ClientError {
    ClientError::Local(msg.into())
}

fn io_err(path: &Path, e: std::io::Error) -> ClientError {
    local(format!("{}: {e}", path.display()))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn chain_b64(creds: &Credentials) -> Vec<String> {
    creds.chain.iter().map(|c| b64(c)).collect()
}

fn hex32(s: &str, what: &str) -> Result<[u8; 32], ClientError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| local(format!("{what}: not 32 bytes of hex")))?;
    Ok(out)
}

/// Refuses to use a manifest under another tender or section than the one addressed: the
/// server would refuse it too, but only after the whole upload.
fn check_target(manifest: &Manifest, tender: &str, section: &str) -> Result<(), ClientError> {
    if manifest.tender_id != tender || manifest.section_id != section {
        return Err(local(format!(
            "the bid is sealed for tender {} section {}, not {tender} {section}",
            manifest.tender_id, manifest.section_id
        )));
    }
    Ok(())
}

/// Failures after which the server's offset is worth asking for: the connection broke, the
/// server failed, or it has a different count than the client.
fn is_resumable(e: &ClientError) -> bool {
    match e {
        ClientError::Transport(_) => true,
        ClientError::Local(_) => false,
        _ => {
            // A part another request still holds (the previous attempt of a cut connection,
            // until the server notices), load shedding and an idle cut all pass: ask and resume.
            matches!(
                e.problem_code().as_deref(),
                Some(
                    UPLOAD_OFFSET_MISMATCH
                        | "upload_busy"
                        | "too_many_uploads"
                        | "body_idle_timeout"
                )
            ) || e.status().is_some_and(|s| s >= 500)
        }
    }
}

fn backoff(failures: u32) -> Duration {
    Duration::from_millis(250u64 << failures.min(5))
}

fn finish_file(writer: BufWriter<File>, path: &Path) -> Result<(), ClientError> {
    let file = writer
        .into_inner()
        .map_err(|e| io_err(path, e.into_error()))?;
    file.sync_all().map_err(|e| io_err(path, e))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    let mut file = File::create(path).map_err(|e| io_err(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_err(path, e))
}

/// A streaming request body over `len` bytes of `file` from `offset`. A blocking-pool thread
/// reads chunks of [`UPLOAD_CHUNK`] straight into the buffers the HTTP client hands to the socket
/// (no copy in between), at most [`UPLOAD_READ_AHEAD`] ahead of it; each buffer comes back to the
/// reader once sent, so a part of any size reuses the same few MiB. If the request is dropped,
/// the reader stops at its next chunk.
fn file_body(file: File, offset: u64, len: u64) -> reqwest::Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(UPLOAD_READ_AHEAD);
    let (give_back, returned) = std::sync::mpsc::sync_channel::<Vec<u8>>(UPLOAD_READ_AHEAD + 2);
    tokio::task::spawn_blocking(move || {
        let mut file = file;
        if let Err(e) = std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(offset)) {
            let _ = tx.blocking_send(Err(e));
            return;
        }
        let mut left = len;
        while left > 0 {
            let n = left.min(UPLOAD_CHUNK as u64) as usize;
            let mut buf = returned.try_recv().unwrap_or_default();
            buf.resize(n, 0);
            let chunk = match file.read_exact(&mut buf) {
                Ok(()) => Ok(bytes::Bytes::from_owner(Recycled {
                    buf,
                    back: give_back.clone(),
                })),
                Err(e) => Err(e),
            };
            let failed = chunk.is_err();
            if tx.blocking_send(chunk).is_err() || failed {
                return;
            }
            left -= n as u64;
        }
    });
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    reqwest::Body::wrap_stream(chunks)
}

/// A chunk of a part file on its way to the socket; its buffer goes back to the reader when
/// the HTTP client drops it.
struct Recycled {
    buf: Vec<u8>,
    back: std::sync::mpsc::SyncSender<Vec<u8>>,
}

impl AsRef<[u8]> for Recycled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        // The reader may be gone, or have buffers enough: then this one is freed.
        let _ = self.back.try_send(std::mem::take(&mut self.buf));
    }
}
