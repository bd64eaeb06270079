//! Bids: sealing (bidder), outer verification (server at submission), opening.
//!
//! Sealing order matters: documents first, then the summary, because the inner
//! signature — which lives inside the sealed summary — covers every document's
//! plaintext digest. The outer signature, in the clear, covers only ciphertext
//! digests and wraps: a plaintext digest in the clear would let anyone
//! brute-force a price.
//!
//! Every opening failure is its own [`OpenError`] variant, and
//! [`OpenError::fault`] says whether the bidder caused it (→ bid revoked, 撤销)
//! or someone else did (→ bid withdrawn, 撤回; domain-rules §1.3 E8). The rule
//! used: whatever contradicts what the bidder signed at submission (ciphertext
//! digest, manifest headers) or stems from a key the bidder does not control is
//! not the bidder's fault; a defect inside exactly what the bidder signed is.

use std::collections::HashMap;
use std::io::{self, Read, Write};

use zeroize::Zeroizing;

use super::encoding::{self, Enc};
use super::header::{
    PartHeader, PartKind, AEAD_AES_256_GCM, CHUNK_SIZE, FORMAT_VERSION, HASH_SHA256,
    NONCE_PREFIX_LEN, TAG_LEN, WRAP_X25519_HKDF_SHA256_A256GCM,
};
pub use super::manifest::Summary;
use super::manifest::{
    DocumentDigest, EnvelopeKeyStatement, Manifest, ManifestPart, PartWraps, Preparation,
    SignatureBlock, SummaryBody, MANIFEST_FORMAT, SUMMARY_FORMAT,
};
use super::remedy::{self, RemedyBid, RemedyBlock, RemedyPolicy, RemedySecret, ShareError};
use super::rng::SealRng;
use super::stream::{self, Dek, OpenStreamError, StreamDefect};
use super::wrap::{self, EnvelopeSecret, WrapError, WrapKind, X25519PublicKey};
use crate::crypto::keys::{
    verify_signature, KeyError, SignatureAlgorithm, SigningKey, VerifyError,
};
use crate::domain::uscc::Uscc;

const STATEMENT_LABEL: &str = "etender-envelope-key/v1";
const OUTER_LABEL: &str = "etender-bid-outer/v2";
const INNER_LABEL: &str = "etender-bid-inner/v2";
/// The summary plaintext is padded with spaces to a multiple of this, so that
/// its ciphertext length does not reveal how many digits the price has.
pub const SUMMARY_PADDING: usize = 4096;
const MAX_ID_LEN: usize = 256;
const MAX_NAME_LEN: usize = 1024;
/// Name of the summary part in the manifest.
pub const SUMMARY_NAME: &str = "summary";

/// What a bid is sealed for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BidContext {
    /// Tender id.
    pub tender_id: String,
    /// Section (标段) id.
    pub section_id: String,
    /// Bidder's USCC (must be the one in its certificate).
    pub bidder_uscc: Uscc,
    /// Bid version (a replacement has a higher one).
    pub bid_version: u32,
    /// The section's remedy policy as published with the tender: threshold and custodian
    /// envelope keys, to which the bid's remedy key is split.
    pub remedy: RemedyPolicy,
}

/// An identifier or name that cannot be sealed into a header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    /// Empty, too long, or containing control characters.
    #[error("{0} must be 1..=256 bytes (names 1..=1024) without control characters")]
    Invalid(&'static str),
}

fn check_text(field: &'static str, s: &str, max: usize) -> Result<(), ContextError> {
    if s.is_empty() || s.len() > max || s.chars().any(char::is_control) {
        return Err(ContextError::Invalid(field));
    }
    Ok(())
}

impl BidContext {
    /// Checks the identifiers.
    pub fn validate(&self) -> Result<(), ContextError> {
        check_text("tender_id", &self.tender_id, MAX_ID_LEN)?;
        check_text("section_id", &self.section_id, MAX_ID_LEN)
    }
}

/// Why sealing failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Bad identifier or name.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// The certificate key could not sign (e.g. algorithm does not fit the key).
    #[error("signing failed: {0}")]
    Sign(#[from] KeyError),
    /// Reading the document or writing the ciphertext failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// A recipient key is a low-order point.
    #[error("key wrap failed: {0}")]
    Wrap(#[from] WrapError),
    /// The remedy policy is unusable (threshold, duplicate or low-order custodian keys).
    #[error("remedy policy: {0}")]
    Remedy(#[from] ShareError),
    /// Documents must be sealed before the summary; the summary only once.
    #[error("documents must be sealed before the summary, and the summary exactly once")]
    Order,
    /// `finish` before `seal_summary`.
    #[error("the summary has not been sealed")]
    SummaryMissing,
    /// The summary body does not fit one chunk.
    #[error("summary too large")]
    SummaryTooLarge,
    /// More parts than a u32 index can hold.
    #[error("too many parts")]
    TooManyParts,
}

/// What sealing one part produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedPart {
    /// The manifest entry.
    pub part: ManifestPart,
    /// The ciphertext, for the summary only (documents went to the caller's writer).
    pub ciphertext: Option<Vec<u8>>,
}

fn statement_payload(
    tender_id: &str,
    section_id: &str,
    uscc: &str,
    key: &X25519PublicKey,
) -> Vec<u8> {
    let mut e = Enc::with_label(STATEMENT_LABEL);
    e.str(tender_id).str(section_id).str(uscc).fixed(&key.0);
    e.into_bytes()
}

fn context_into(e: &mut Enc, m: &Manifest) {
    e.str(&m.format)
        .str(&m.tender_id)
        .str(&m.section_id)
        .str(&m.bidder_uscc)
        .u32(m.bid_version)
        .fixed(&m.remedy.binding(&m.remedy_bid()))
        .fixed(&m.envelope_key_statement.envelope_public_key.0);
}

pub(crate) fn outer_payload(m: &Manifest) -> Vec<u8> {
    let mut e = Enc::with_label(OUTER_LABEL);
    context_into(&mut e, m);
    m.remedy.encode_into(&mut e);
    e.u64(m.parts.len() as u64);
    for p in &m.parts {
        e.u32(p.index)
            .u8(p.kind.code())
            .str(&p.name)
            .fixed(&p.header.digest())
            .u64(p.ciphertext_len)
            .fixed(&p.ciphertext_sha256);
        p.wraps.r1.encode_into(&mut e);
        p.wraps.r2.encode_into(&mut e);
    }
    e.into_bytes()
}

fn inner_payload(
    m: &Manifest,
    summary_header: &[u8; 32],
    summary: &Summary,
    docs: &[DocumentDigest],
) -> Vec<u8> {
    let mut e = Enc::with_label(INNER_LABEL);
    context_into(&mut e, m);
    e.fixed(summary_header)
        .str(&summary.price.to_string())
        .u32(summary.duration_days)
        .str(&summary.quality)
        .str(&summary.project_manager)
        .str(&summary.bid_bond_reference)
        .u64(docs.len() as u64);
    for d in docs {
        e.u32(d.index)
            .str(&d.name)
            .fixed(&d.header_sha256)
            .u64(d.plaintext_len)
            .fixed(&d.plaintext_sha256);
    }
    e.into_bytes()
}

/// Bidder-side builder of one sealed bid.
pub struct BidSealer<'a, R: SealRng = rand_core::OsRng> {
    ctx: BidContext,
    envelope_public: X25519PublicKey,
    signer: &'a SigningKey,
    alg: SignatureAlgorithm,
    rng: R,
    statement: EnvelopeKeyStatement,
    remedy: RemedyBlock,
    documents: Vec<(ManifestPart, DocumentDigest)>,
    summary: Option<ManifestPart>,
    preparation: Option<Preparation>,
}

impl<'a> BidSealer<'a, rand_core::OsRng> {
    /// A sealer drawing keys and nonces from the operating system.
    pub fn new(
        ctx: BidContext,
        envelope_key: &EnvelopeSecret,
        signer: &'a SigningKey,
        sig_alg: SignatureAlgorithm,
    ) -> Result<Self, SealError> {
        Self::with_rng(ctx, envelope_key, signer, sig_alg, rand_core::OsRng)
    }
}

impl<'a, R: SealRng> BidSealer<'a, R> {
    /// A sealer with a caller-chosen generator; a [`super::rng::DeterministicRng`]
    /// here yields the known-answer vectors of `docs/SEALED-BIDS.md`.
    pub fn with_rng(
        ctx: BidContext,
        envelope_key: &EnvelopeSecret,
        signer: &'a SigningKey,
        sig_alg: SignatureAlgorithm,
        rng: R,
    ) -> Result<Self, SealError> {
        ctx.validate()?;
        let mut rng = rng;
        let envelope_public = envelope_key.public_key();
        let uscc = ctx.bidder_uscc.to_string();
        let payload = statement_payload(&ctx.tender_id, &ctx.section_id, &uscc, &envelope_public);
        let statement = EnvelopeKeyStatement {
            tender_id: ctx.tender_id.clone(),
            section_id: ctx.section_id.clone(),
            bidder_uscc: uscc,
            envelope_public_key: envelope_public,
            signature: SignatureBlock {
                algorithm: sig_alg,
                signer_spki: signer.public_key_spki_der(),
                signature: signer.sign(sig_alg, &payload)?,
            },
        };
        // The remedy key is drawn, split and forgotten here: only its public half, the
        // commitments and the custodians' wraps stay.
        let bid = RemedyBid {
            tender_id: &ctx.tender_id,
            section_id: &ctx.section_id,
            bidder_uscc: &statement.bidder_uscc,
            bid_version: ctx.bid_version,
        };
        let remedy = remedy::make_block(&bid, &ctx.remedy, &mut rng)?;
        Ok(BidSealer {
            ctx,
            envelope_public,
            signer,
            alg: sig_alg,
            rng,
            statement,
            remedy,
            documents: Vec::new(),
            summary: None,
            preparation: None,
        })
    }

    /// Records how the bid was prepared (the bidder's tool observes its machine and
    /// documents); sealed into the summary, so nobody reads it before the opening.
    pub fn set_preparation(&mut self, preparation: Preparation) {
        self.preparation = Some(preparation);
    }

    fn new_part(&mut self, index: u32, kind: PartKind) -> (Dek, PartHeader) {
        let dek = Dek::generate(&mut self.rng);
        let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
        self.rng.fill_bytes(&mut nonce_prefix);
        let header = PartHeader {
            format_version: FORMAT_VERSION,
            aead_algorithm: AEAD_AES_256_GCM,
            wrap_algorithm: WRAP_X25519_HKDF_SHA256_A256GCM,
            hash_algorithm: HASH_SHA256,
            chunk_size: CHUNK_SIZE,
            tender_id: self.ctx.tender_id.clone(),
            section_id: self.ctx.section_id.clone(),
            bidder_uscc: self.ctx.bidder_uscc.to_string(),
            bid_version: self.ctx.bid_version,
            part_index: index,
            part_kind: kind,
            nonce_prefix,
            dek_commitment: dek.commitment(),
        };
        (dek, header)
    }

    fn wraps(&mut self, dek: &Dek, header_digest: &[u8; 32]) -> Result<PartWraps, WrapError> {
        let r1 = wrap::wrap_key(
            &mut self.rng,
            WrapKind::R1,
            &self.envelope_public,
            header_digest,
            dek.as_bytes(),
        )?;
        let r2 = wrap::wrap_key(
            &mut self.rng,
            WrapKind::R2,
            &self.remedy.public_key,
            header_digest,
            dek.as_bytes(),
        )?;
        Ok(PartWraps { r1, r2 })
    }

    /// Seals one document, streaming from `reader` to `writer` (about one chunk
    /// in memory). Documents get indices 1, 2, … in call order.
    pub fn seal_document<Rd: Read, W: Write>(
        &mut self,
        name: &str,
        reader: Rd,
        writer: W,
    ) -> Result<SealedPart, SealError> {
        if self.summary.is_some() {
            return Err(SealError::Order);
        }
        check_text("name", name, MAX_NAME_LEN)?;
        let index = u32::try_from(self.documents.len() + 1).map_err(|_| SealError::TooManyParts)?;
        let (dek, header) = self.new_part(index, PartKind::Document);
        let header_digest = header.digest();
        let (_, digests) = stream::seal_stream(&dek, &header, reader, writer)?;
        let wraps = self.wraps(&dek, &header_digest)?;
        let part = ManifestPart {
            index,
            kind: PartKind::Document,
            name: name.to_string(),
            header,
            ciphertext_sha256: digests.ciphertext_sha256,
            ciphertext_len: digests.ciphertext_len,
            wraps,
        };
        let doc = DocumentDigest {
            index,
            name: name.to_string(),
            header_sha256: header_digest,
            plaintext_sha256: digests.plaintext_sha256,
            plaintext_len: digests.plaintext_len,
        };
        self.documents.push((part.clone(), doc));
        Ok(SealedPart {
            part,
            ciphertext: None,
        })
    }

    /// Seals the summary (part 0), with the inner signature over it and every
    /// document sealed so far. No document can be added afterwards.
    pub fn seal_summary(&mut self, summary: &Summary) -> Result<SealedPart, SealError> {
        if self.summary.is_some() {
            return Err(SealError::Order);
        }
        check_text("quality", &summary.quality, MAX_NAME_LEN)?;
        check_text("project_manager", &summary.project_manager, MAX_NAME_LEN)?;
        check_text(
            "bid_bond_reference",
            &summary.bid_bond_reference,
            MAX_NAME_LEN,
        )?;
        let (dek, header) = self.new_part(0, PartKind::Summary);
        let header_digest = header.digest();
        let docs: Vec<DocumentDigest> = self.documents.iter().map(|(_, d)| d.clone()).collect();
        let skeleton = self.manifest_skeleton(Vec::new());
        let payload = inner_payload(&skeleton, &header_digest, summary, &docs);
        let body = SummaryBody {
            format: SUMMARY_FORMAT.to_string(),
            summary: summary.clone(),
            documents: docs,
            inner_signature: SignatureBlock {
                algorithm: self.alg,
                signer_spki: self.signer.public_key_spki_der(),
                signature: self.signer.sign(self.alg, &payload)?,
            },
            preparation: self.preparation.clone(),
        };
        // Allocated once at its maximum (one chunk) so that no reallocation leaves
        // a copy of the price behind in freed memory.
        let mut plain = Zeroizing::new(Vec::with_capacity(CHUNK_SIZE as usize));
        serde_json::to_writer(&mut *plain, &body)
            .map_err(|e| SealError::Io(io::Error::other(e)))?;
        let padded = plain.len().div_ceil(SUMMARY_PADDING).max(1) * SUMMARY_PADDING;
        if padded > CHUNK_SIZE as usize {
            return Err(SealError::SummaryTooLarge);
        }
        // Trailing whitespace is valid JSON, so the padding needs no framing.
        plain.resize(padded, b' ');
        let (ciphertext, digests) =
            stream::seal_stream(&dek, &header, plain.as_slice(), Vec::new())?;
        let wraps = self.wraps(&dek, &header_digest)?;
        let part = ManifestPart {
            index: 0,
            kind: PartKind::Summary,
            name: SUMMARY_NAME.to_string(),
            header,
            ciphertext_sha256: digests.ciphertext_sha256,
            ciphertext_len: digests.ciphertext_len,
            wraps,
        };
        self.summary = Some(part.clone());
        Ok(SealedPart {
            part,
            ciphertext: Some(ciphertext),
        })
    }

    fn manifest_skeleton(&self, parts: Vec<ManifestPart>) -> Manifest {
        Manifest {
            format: MANIFEST_FORMAT.to_string(),
            tender_id: self.ctx.tender_id.clone(),
            section_id: self.ctx.section_id.clone(),
            bidder_uscc: self.ctx.bidder_uscc.to_string(),
            bid_version: self.ctx.bid_version,
            remedy: self.remedy.clone(),
            envelope_key_statement: self.statement.clone(),
            parts,
            outer_signature: SignatureBlock {
                algorithm: self.alg,
                signer_spki: self.signer.public_key_spki_der(),
                signature: Vec::new(),
            },
        }
    }

    /// The manifest with the outer signature. Requires the summary.
    pub fn finish(self) -> Result<Manifest, SealError> {
        let summary = self.summary.clone().ok_or(SealError::SummaryMissing)?;
        let mut parts = vec![summary];
        parts.extend(self.documents.iter().map(|(p, _)| p.clone()));
        let mut m = self.manifest_skeleton(parts);
        m.outer_signature.signature = self.signer.sign(self.alg, &outer_payload(&m))?;
        Ok(m)
    }
}

/// Where a reused key or nonce was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartRef {
    /// Tender id.
    pub tender_id: String,
    /// Bidder USCC.
    pub bidder_uscc: String,
    /// Bid version.
    pub bid_version: u32,
    /// Part index.
    pub part: u32,
}

/// Key material that must be fresh per part but was seen twice.
///
/// What is checkable without any secret: DEK reuse (equal DEK commitments —
/// the commitment is a hash of the DEK), nonce-prefix reuse (with random 56-bit
/// prefixes an accidental collision among 10⁴ parts has probability ≈ 7·10⁻¹⁰,
/// so a repeat means a broken generator or a copied part), and a repeated wrap
/// ephemeral key (a copied or replayed wrap).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyReuse {
    /// Two parts share a DEK.
    #[error("DEK reused: {first:?} and {second:?}")]
    Dek {
        /// Earlier occurrence.
        first: PartRef,
        /// Later occurrence.
        second: PartRef,
    },
    /// Two parts share a nonce prefix.
    #[error("nonce prefix reused: {first:?} and {second:?}")]
    NoncePrefix {
        /// Earlier occurrence.
        first: PartRef,
        /// Later occurrence.
        second: PartRef,
    },
    /// Two bids (or versions) share a remedy key.
    #[error("remedy key reused: {first:?} and {second:?}")]
    RemedyKey {
        /// Earlier occurrence.
        first: PartRef,
        /// Later occurrence.
        second: PartRef,
    },
    /// Two wraps share an ephemeral key.
    #[error("wrap ephemeral key reused: {first:?} and {second:?}")]
    WrapEphemeral {
        /// Earlier occurrence.
        first: PartRef,
        /// Later occurrence.
        second: PartRef,
    },
}

/// Checks that no DEK, nonce prefix or wrap ephemeral key occurs twice across
/// `manifests` (pass each stored bid version once: a section's bids, and a
/// bidder's earlier versions).
pub fn check_key_reuse(manifests: &[&Manifest]) -> Result<(), KeyReuse> {
    let mut deks: HashMap<[u8; 32], PartRef> = HashMap::new();
    let mut prefixes: HashMap<[u8; NONCE_PREFIX_LEN], PartRef> = HashMap::new();
    let mut ephemerals: HashMap<[u8; 32], PartRef> = HashMap::new();
    let mut remedy_keys: HashMap<[u8; 32], PartRef> = HashMap::new();
    for m in manifests {
        // The remedy block counts as part 0's: its key and share wraps are as fresh as a DEK.
        let here = PartRef {
            tender_id: m.tender_id.clone(),
            bidder_uscc: m.bidder_uscc.clone(),
            bid_version: m.bid_version,
            part: 0,
        };
        if let Some(first) = remedy_keys.insert(m.remedy.public_key.0, here.clone()) {
            return Err(KeyReuse::RemedyKey {
                first,
                second: here,
            });
        }
        for s in &m.remedy.shares {
            if let Some(first) = ephemerals.insert(s.wrap.ephemeral.0, here.clone()) {
                return Err(KeyReuse::WrapEphemeral {
                    first,
                    second: here,
                });
            }
        }
        for p in &m.parts {
            let here = PartRef {
                tender_id: m.tender_id.clone(),
                bidder_uscc: m.bidder_uscc.clone(),
                bid_version: m.bid_version,
                part: p.index,
            };
            if let Some(first) = deks.insert(p.header.dek_commitment, here.clone()) {
                return Err(KeyReuse::Dek {
                    first,
                    second: here,
                });
            }
            if let Some(first) = prefixes.insert(p.header.nonce_prefix, here.clone()) {
                return Err(KeyReuse::NoncePrefix {
                    first,
                    second: here,
                });
            }
            for w in [&p.wraps.r1, &p.wraps.r2] {
                if let Some(first) = ephemerals.insert(w.ephemeral.0, here.clone()) {
                    return Err(KeyReuse::WrapEphemeral {
                        first,
                        second: here,
                    });
                }
            }
        }
    }
    Ok(())
}

/// Why a manifest was refused at submission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OuterError {
    /// Not [`MANIFEST_FORMAT`], or an unsupported header.
    #[error("unsupported format")]
    UnsupportedFormat,
    /// The manifest is for another tender, section, bidder, version or remedy policy.
    #[error("manifest does not match the expected {0}")]
    ContextMismatch(&'static str),
    /// Parts missing, out of order, or sizes impossible.
    #[error("malformed manifest: {0}")]
    Malformed(&'static str),
    /// A part header names another bid than the manifest.
    #[error("part {part}: header field {field} does not match the bid")]
    HeaderMismatch {
        /// Part index.
        part: u32,
        /// Differing field.
        field: &'static str,
    },
    /// A wrap is not addressed to the bid's envelope key, remedy key or custodian.
    #[error("part {part}: {kind:?} wrap has the wrong recipient")]
    WrapRecipient {
        /// Part index.
        part: u32,
        /// R1 or R2.
        kind: WrapKind,
    },
    /// The envelope key statement is for another bid or badly signed.
    #[error("envelope key statement invalid: {0}")]
    EnvelopeStatementInvalid(&'static str),
    /// A signature block names another key or algorithm than the certificate's.
    #[error("signature made with another key or algorithm than the certificate's")]
    SignerMismatch,
    /// The outer signature does not verify.
    #[error("outer signature invalid: {0}")]
    SignatureInvalid(VerifyError),
    /// Key material reused (see [`KeyReuse`]).
    #[error(transparent)]
    KeyReused(#[from] KeyReuse),
}

/// The first header field that differs from the bid the manifest describes.
fn header_mismatch(m: &Manifest, p: &ManifestPart) -> Option<&'static str> {
    let h = &p.header;
    if h.tender_id != m.tender_id {
        Some("tender_id")
    } else if h.section_id != m.section_id {
        Some("section_id")
    } else if h.bidder_uscc != m.bidder_uscc {
        Some("bidder_uscc")
    } else if h.bid_version != m.bid_version {
        Some("bid_version")
    } else if h.part_index != p.index {
        Some("part_index")
    } else if h.part_kind != p.kind {
        Some("part_kind")
    } else {
        None
    }
}

/// Smallest and largest ciphertext for a part; the layout fixes both.
fn plausible_len(kind: PartKind, len: u64) -> bool {
    let record = u64::from(CHUNK_SIZE) + TAG_LEN as u64;
    match kind {
        PartKind::Summary => (TAG_LEN as u64 + SUMMARY_PADDING as u64..=record).contains(&len),
        PartKind::Document => len >= TAG_LEN as u64 && len.div_ceil(record) <= 1 << 32,
    }
}

fn check_signer(
    block: &SignatureBlock,
    cert_spki: &[u8],
    alg: SignatureAlgorithm,
) -> Result<(), OuterError> {
    if block.signer_spki != cert_spki || block.algorithm != alg {
        return Err(OuterError::SignerMismatch);
    }
    Ok(())
}

/// The remedy block follows the section's published policy: same threshold, one share per
/// custodian in order, each wrapped to that custodian's key.
fn check_remedy(block: &RemedyBlock, policy: &RemedyPolicy) -> Result<(), OuterError> {
    if block.threshold != policy.threshold || block.shares.len() != policy.custodians.len() {
        return Err(OuterError::ContextMismatch("remedy policy"));
    }
    for (i, (s, custodian)) in block.shares.iter().zip(&policy.custodians).enumerate() {
        if usize::from(s.index) != i + 1 {
            return Err(OuterError::Malformed(
                "remedy share indices must be 1, 2, …",
            ));
        }
        if s.wrap.kind != WrapKind::Share || s.wrap.recipient != *custodian {
            return Err(OuterError::WrapRecipient {
                part: 0,
                kind: WrapKind::Share,
            });
        }
    }
    Ok(())
}

/// Server-side check at submission: the manifest is for `expected`, well
/// formed, its envelope key statement and outer signature verify with the
/// certificate's key `cert_spki` (DER SubjectPublicKeyInfo) under `sig_alg`, and
/// no key material repeats within it. Chain, revocation and USCC-in-certificate
/// checks are the caller's (crypto::trust).
pub fn verify_outer(
    manifest: &Manifest,
    expected: &BidContext,
    cert_spki: &[u8],
    sig_alg: SignatureAlgorithm,
) -> Result<(), OuterError> {
    let m = manifest;
    if m.format != MANIFEST_FORMAT {
        return Err(OuterError::UnsupportedFormat);
    }
    if m.tender_id != expected.tender_id {
        return Err(OuterError::ContextMismatch("tender_id"));
    }
    if m.section_id != expected.section_id {
        return Err(OuterError::ContextMismatch("section_id"));
    }
    if m.bidder_uscc != expected.bidder_uscc.as_str() {
        return Err(OuterError::ContextMismatch("bidder_uscc"));
    }
    if m.bid_version != expected.bid_version {
        return Err(OuterError::ContextMismatch("bid_version"));
    }
    check_remedy(&m.remedy, &expected.remedy)?;
    if m.parts.is_empty() {
        return Err(OuterError::Malformed("no parts"));
    }
    let envelope_pk = m.envelope_key_statement.envelope_public_key;
    for (i, p) in m.parts.iter().enumerate() {
        if u64::from(p.index) != i as u64 {
            return Err(OuterError::Malformed("part indices must be 0, 1, 2, …"));
        }
        let want = if i == 0 {
            PartKind::Summary
        } else {
            PartKind::Document
        };
        if p.kind != want {
            return Err(OuterError::Malformed(
                "part 0 must be the summary, the rest documents",
            ));
        }
        if !p.header.is_supported() {
            return Err(OuterError::UnsupportedFormat);
        }
        if let Some(field) = header_mismatch(m, p) {
            return Err(OuterError::HeaderMismatch {
                part: p.index,
                field,
            });
        }
        if check_text("name", &p.name, MAX_NAME_LEN).is_err() {
            return Err(OuterError::Malformed(
                "part name empty, too long or with control characters",
            ));
        }
        if !plausible_len(p.kind, p.ciphertext_len) {
            return Err(OuterError::Malformed("impossible ciphertext length"));
        }
        if p.wraps.r1.kind != WrapKind::R1 || p.wraps.r1.recipient != envelope_pk {
            return Err(OuterError::WrapRecipient {
                part: p.index,
                kind: WrapKind::R1,
            });
        }
        if p.wraps.r2.kind != WrapKind::R2 || p.wraps.r2.recipient != m.remedy.public_key {
            return Err(OuterError::WrapRecipient {
                part: p.index,
                kind: WrapKind::R2,
            });
        }
    }
    let st = &m.envelope_key_statement;
    if st.tender_id != m.tender_id
        || st.section_id != m.section_id
        || st.bidder_uscc != m.bidder_uscc
    {
        return Err(OuterError::EnvelopeStatementInvalid("bound to another bid"));
    }
    check_signer(&st.signature, cert_spki, sig_alg)?;
    let payload = statement_payload(&st.tender_id, &st.section_id, &st.bidder_uscc, &envelope_pk);
    verify_signature(cert_spki, sig_alg, &payload, &st.signature.signature)
        .map_err(|_| OuterError::EnvelopeStatementInvalid("signature does not verify"))?;
    check_signer(&m.outer_signature, cert_spki, sig_alg)?;
    verify_signature(
        cert_spki,
        sig_alg,
        &outer_payload(m),
        &m.outer_signature.signature,
    )
    .map_err(OuterError::SignatureInvalid)?;
    check_key_reuse(&[m])?;
    Ok(())
}

/// The key a part is opened with.
#[derive(Clone, Copy, Debug)]
pub enum PartKey<'a> {
    /// R1: the bidder's envelope secret.
    Envelope(&'a EnvelopeSecret),
    /// R2: the bid's recovered remedy secret.
    Remedy(&'a RemedySecret),
    /// A DEK the bidder unwrapped itself and submitted in the decryption window.
    Dek(&'a Dek),
}

/// Which key was wrong in [`OpenError::WrongKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WrongKeyPath {
    /// An envelope secret that is not the bid's envelope key.
    EnvelopeKey,
    /// A remedy secret that is not this bid's remedy key.
    RemedyKey,
    /// A submitted DEK that does not match the part's commitment.
    SuppliedDek,
}

/// Who caused an opening failure (domain-rules §1.3 E8).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The bidder: the bid is treated as revoked (视为撤销).
    Bidder,
    /// Anyone else (platform, storage, custodians): treated as withdrawn (视为撤回).
    NotBidder,
}

impl Fault {
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Bidder => "bidder",
            Fault::NotBidder => "not_bidder",
        }
    }
}

/// Why a part or bid did not open. Each tampering and key failure has its own variant.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The manifest has no such part.
    #[error("no part {index}")]
    NoSuchPart {
        /// Requested index.
        index: u32,
    },
    /// The part's header names another tender, section, bidder, version or
    /// position than the manifest: a part moved from another bid.
    #[error("part {part}: header field {field} belongs to another bid")]
    HeaderMismatch {
        /// Part index.
        part: u32,
        /// Differing field.
        field: &'static str,
    },
    /// Unknown format version, algorithm or chunk size.
    #[error("part {part}: unsupported format")]
    UnsupportedFormat {
        /// Part index.
        part: u32,
    },
    /// The key presented is not the one the part was sealed for.
    #[error("part {part}: wrong key ({path:?})")]
    WrongKey {
        /// Part index.
        part: u32,
        /// Which key.
        path: WrongKeyPath,
    },
    /// The right key, but the wrap does not open: it was made for another part,
    /// bid or key, or is corrupt.
    #[error("part {part}: {kind:?} wrap does not open")]
    WrapInvalid {
        /// Part index.
        part: u32,
        /// R1 or R2.
        kind: WrapKind,
    },
    /// A wrap opened but yields a DEK other than the header commits to (R1 and
    /// R2 would open different plaintexts).
    #[error("part {part}: wrapped key does not match the header's commitment")]
    KeyCommitmentMismatch {
        /// Part index.
        part: u32,
    },
    /// The stored ciphertext is not what the bidder submitted and signed.
    #[error("part {part}: ciphertext differs from the submitted one ({defect:?})")]
    DigestMismatch {
        /// Part index.
        part: u32,
        /// What the stream itself shows, if it also fails to open.
        defect: Option<StreamDefect>,
    },
    /// A chunk of the submitted ciphertext fails authentication.
    #[error("part {part}: chunk {chunk} fails authentication")]
    TagMismatch {
        /// Part index.
        part: u32,
        /// Chunk position.
        chunk: u64,
    },
    /// The submitted ciphertext ends before its final chunk.
    #[error("part {part}: truncated after {complete_chunks} chunks")]
    Truncated {
        /// Part index.
        part: u32,
        /// Chunks that authenticated.
        complete_chunks: u64,
    },
    /// Chunks of the submitted ciphertext are reordered or swapped.
    #[error("part {part}: chunk at {position} is chunk {found}")]
    ChunkOutOfOrder {
        /// Part index.
        part: u32,
        /// Position.
        position: u64,
        /// Real chunk number.
        found: u64,
    },
    /// Data after the final chunk.
    #[error("part {part}: data after final chunk {final_chunk}")]
    TrailingData {
        /// Part index.
        part: u32,
        /// Final chunk position.
        final_chunk: u64,
    },
    /// More than 2³² chunks.
    #[error("part {part}: too large")]
    TooLarge {
        /// Part index.
        part: u32,
    },
    /// The summary plaintext is not a valid summary body for this manifest.
    #[error("summary malformed: {0}")]
    SummaryMalformed(&'static str),
    /// The inner signature was made with another key than the certificate's.
    #[error("inner signature made with another key")]
    SignerMismatch,
    /// The inner signature does not verify.
    #[error("inner signature invalid")]
    InnerSignatureInvalid,
    /// A document's plaintext differs from the digest in the signed summary.
    #[error("part {part}: plaintext digest differs from the signed one")]
    PlaintextDigestMismatch {
        /// Part index.
        part: u32,
    },
    /// Key material reused.
    #[error(transparent)]
    KeyReused(#[from] KeyReuse),
    /// Reading stored ciphertext or writing plaintext failed.
    #[error("part {part}: I/O error: {source}")]
    Io {
        /// Part index.
        part: u32,
        /// Cause.
        source: io::Error,
    },
}

impl OpenError {
    /// Stable snake_case name of the failure, as recorded in the opening record and audit log.
    pub fn code(&self) -> &'static str {
        match self {
            OpenError::NoSuchPart { .. } => "no_such_part",
            OpenError::HeaderMismatch { .. } => "part_moved",
            OpenError::UnsupportedFormat { .. } => "unsupported_format",
            OpenError::WrongKey {
                path: WrongKeyPath::EnvelopeKey,
                ..
            } => "wrong_envelope_key",
            OpenError::WrongKey {
                path: WrongKeyPath::RemedyKey,
                ..
            } => "wrong_remedy_key",
            OpenError::WrongKey {
                path: WrongKeyPath::SuppliedDek,
                ..
            } => "wrong_key",
            OpenError::WrapInvalid { .. } => "wrap_invalid",
            OpenError::KeyCommitmentMismatch { .. } => "key_commitment_mismatch",
            OpenError::DigestMismatch { .. } => "ciphertext_digest_mismatch",
            OpenError::TagMismatch { .. } => "tag_mismatch",
            OpenError::Truncated { .. } => "truncated",
            OpenError::ChunkOutOfOrder { .. } => "chunk_out_of_order",
            OpenError::TrailingData { .. } => "trailing_data",
            OpenError::TooLarge { .. } => "too_large",
            OpenError::SummaryMalformed(_) => "summary_malformed",
            OpenError::SignerMismatch => "inner_signer_mismatch",
            OpenError::InnerSignatureInvalid => "inner_signature_invalid",
            OpenError::PlaintextDigestMismatch { .. } => "plaintext_digest_mismatch",
            OpenError::KeyReused(_) => "key_reused",
            OpenError::Io { .. } => "storage_unreadable",
        }
    }

    /// Who is at fault.
    pub fn fault(&self) -> Fault {
        match self {
            OpenError::NoSuchPart { .. }
            | OpenError::HeaderMismatch { .. }
            | OpenError::DigestMismatch { .. }
            | OpenError::Io { .. }
            | OpenError::WrongKey {
                path: WrongKeyPath::RemedyKey,
                ..
            } => Fault::NotBidder,
            OpenError::UnsupportedFormat { .. }
            | OpenError::WrongKey { .. }
            | OpenError::WrapInvalid { .. }
            | OpenError::KeyCommitmentMismatch { .. }
            | OpenError::TagMismatch { .. }
            | OpenError::Truncated { .. }
            | OpenError::ChunkOutOfOrder { .. }
            | OpenError::TrailingData { .. }
            | OpenError::TooLarge { .. }
            | OpenError::SummaryMalformed(_)
            | OpenError::SignerMismatch
            | OpenError::InnerSignatureInvalid
            | OpenError::PlaintextDigestMismatch { .. }
            | OpenError::KeyReused(_) => Fault::Bidder,
        }
    }

    fn from_defect(part: u32, d: StreamDefect) -> OpenError {
        match d {
            StreamDefect::TagMismatch { chunk } => OpenError::TagMismatch { part, chunk },
            StreamDefect::Truncated { complete_chunks } => OpenError::Truncated {
                part,
                complete_chunks,
            },
            StreamDefect::ChunkOutOfOrder { position, found } => OpenError::ChunkOutOfOrder {
                part,
                position,
                found,
            },
            StreamDefect::TrailingData { final_chunk } => {
                OpenError::TrailingData { part, final_chunk }
            }
            StreamDefect::UnsupportedHeader => OpenError::UnsupportedFormat { part },
            StreamDefect::KeyCommitmentMismatch => OpenError::KeyCommitmentMismatch { part },
            StreamDefect::TooLarge => OpenError::TooLarge { part },
        }
    }
}

/// A part that opened, with its plaintext digest (to compare with the summary's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedPart {
    /// Part index.
    pub index: u32,
    /// Kind.
    pub kind: PartKind,
    /// SHA-256 of the plaintext written.
    pub plaintext_sha256: [u8; 32],
    /// Plaintext bytes written.
    pub plaintext_len: u64,
}

fn locate(m: &Manifest, index: u32) -> Result<&ManifestPart, OpenError> {
    let p = m.part(index).ok_or(OpenError::NoSuchPart { index })?;
    if let Some(field) = header_mismatch(m, p) {
        return Err(OpenError::HeaderMismatch { part: index, field });
    }
    if !p.header.is_supported() {
        return Err(OpenError::UnsupportedFormat { part: index });
    }
    Ok(p)
}

/// Recovers a part's DEK (the bidder does this in the R1 decryption window and
/// submits the result; the opening server does it for R2).
pub fn unwrap_part_key(
    manifest: &Manifest,
    index: u32,
    key: PartKey<'_>,
) -> Result<Dek, OpenError> {
    let p = locate(manifest, index)?;
    let binding = p.header.digest();
    let (dek, supplied) = match key {
        PartKey::Envelope(s) => {
            if s.public_key() != manifest.envelope_key_statement.envelope_public_key {
                return Err(OpenError::WrongKey {
                    part: index,
                    path: WrongKeyPath::EnvelopeKey,
                });
            }
            let raw = s
                .unwrap_key(&p.wraps.r1, &binding)
                .map_err(|_| OpenError::WrapInvalid {
                    part: index,
                    kind: WrapKind::R1,
                })?;
            (Dek::from_bytes(*raw), false)
        }
        PartKey::Remedy(s) => {
            if s.public_key() != manifest.remedy.public_key {
                return Err(OpenError::WrongKey {
                    part: index,
                    path: WrongKeyPath::RemedyKey,
                });
            }
            let raw = s
                .unwrap_key(&p.wraps.r2, &binding)
                .map_err(|_| OpenError::WrapInvalid {
                    part: index,
                    kind: WrapKind::R2,
                })?;
            (Dek::from_bytes(*raw), false)
        }
        PartKey::Dek(d) => (d.clone(), true),
    };
    if dek.commitment() != p.header.dek_commitment {
        return Err(if supplied {
            OpenError::WrongKey {
                part: index,
                path: WrongKeyPath::SuppliedDek,
            }
        } else {
            OpenError::KeyCommitmentMismatch { part: index }
        });
    }
    Ok(dek)
}

/// Opens part `index` from `reader` into `writer`, checking the DEK against
/// the header commitment, every chunk's tag and position, the final flag, and
/// the ciphertext digest and length against the manifest. Output written before
/// an error must be discarded.
pub fn open_part<Rd: Read, W: Write>(
    manifest: &Manifest,
    index: u32,
    key: PartKey<'_>,
    reader: Rd,
    writer: W,
) -> Result<OpenedPart, OpenError> {
    let dek = unwrap_part_key(manifest, index, key)?;
    let p = locate(manifest, index)?;
    let matches = |sha: &[u8; 32], len: u64| *sha == p.ciphertext_sha256 && len == p.ciphertext_len;
    match stream::open_stream(&dek, &p.header, reader, writer, Some(p.ciphertext_len)) {
        Ok(d) if matches(&d.ciphertext_sha256, d.ciphertext_len) => Ok(OpenedPart {
            index,
            kind: p.kind,
            plaintext_sha256: d.plaintext_sha256,
            plaintext_len: d.plaintext_len,
        }),
        Ok(_) => Err(OpenError::DigestMismatch {
            part: index,
            defect: None,
        }),
        Err(OpenStreamError::Io(source)) => Err(OpenError::Io {
            part: index,
            source,
        }),
        Err(OpenStreamError::Defect { defect, ciphertext }) => Err(match ciphertext {
            Some(c) if matches(&c.sha256, c.len) => OpenError::from_defect(index, defect),
            Some(_) => OpenError::DigestMismatch {
                part: index,
                defect: Some(defect),
            },
            None => match defect {
                StreamDefect::UnsupportedHeader | StreamDefect::KeyCommitmentMismatch => {
                    OpenError::from_defect(index, defect)
                }
                _ => OpenError::Io {
                    part: index,
                    source: io::Error::other("ciphertext unreadable after a chunk failed"),
                },
            },
        }),
    }
}

/// R1: opens a part with the bidder's envelope secret.
pub fn open_with_envelope_key<Rd: Read, W: Write>(
    manifest: &Manifest,
    index: u32,
    reader: Rd,
    writer: W,
    envelope_secret: &EnvelopeSecret,
) -> Result<OpenedPart, OpenError> {
    open_part(
        manifest,
        index,
        PartKey::Envelope(envelope_secret),
        reader,
        writer,
    )
}

/// R2: opens a part with the bid's recovered remedy secret.
pub fn open_with_remedy_secret<Rd: Read, W: Write>(
    manifest: &Manifest,
    index: u32,
    reader: Rd,
    writer: W,
    remedy_secret: &RemedySecret,
) -> Result<OpenedPart, OpenError> {
    open_part(
        manifest,
        index,
        PartKey::Remedy(remedy_secret),
        reader,
        writer,
    )
}

/// An opened and verified summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedSummary {
    /// The 开标一览表 fields.
    pub summary: Summary,
    /// Signed plaintext digests of every document.
    pub documents: Vec<DocumentDigest>,
    /// How the bid was prepared, as the bidder's tool recorded it (collusion signals).
    pub preparation: Option<Preparation>,
}

impl OpenedSummary {
    /// Checks an opened document against the digest the bidder signed.
    pub fn check_document(&self, opened: &OpenedPart) -> Result<(), OpenError> {
        let ok = self.documents.iter().any(|d| {
            d.index == opened.index
                && d.plaintext_sha256 == opened.plaintext_sha256
                && d.plaintext_len == opened.plaintext_len
        });
        if ok {
            Ok(())
        } else {
            Err(OpenError::PlaintextDigestMismatch { part: opened.index })
        }
    }
}

/// Opens the summary (part 0) and verifies the inner signature with the
/// certificate key `cert_spki`. Open it first: it is small, and it carries the
/// digests every document is then checked against.
pub fn open_summary<Rd: Read>(
    manifest: &Manifest,
    key: PartKey<'_>,
    reader: Rd,
    cert_spki: &[u8],
) -> Result<OpenedSummary, OpenError> {
    let p = locate(manifest, 0)?;
    if p.kind != PartKind::Summary {
        return Err(OpenError::SummaryMalformed("part 0 is not the summary"));
    }
    // Bounded: the layout allows one chunk, so a huge stored object is cut off
    // (and then fails as truncated or with a digest mismatch), never buffered whole.
    let limit = u64::from(CHUNK_SIZE) + TAG_LEN as u64 + 1;
    // One allocation of the largest possible size, for the same reason as in sealing.
    let mut plain = Zeroizing::new(Vec::with_capacity(limit as usize));
    open_part(manifest, 0, key, reader.take(limit), &mut *plain)?;
    let body: SummaryBody = serde_json::from_slice(&plain)
        .map_err(|_| OpenError::SummaryMalformed("not a summary body"))?;
    if body.format != SUMMARY_FORMAT {
        return Err(OpenError::SummaryMalformed("unknown summary format"));
    }
    let docs: Vec<&ManifestPart> = manifest.parts.iter().filter(|p| p.index != 0).collect();
    let consistent = body.documents.len() == docs.len()
        && body.documents.iter().zip(&docs).all(|(d, p)| {
            d.index == p.index && d.name == p.name && d.header_sha256 == p.header.digest()
        });
    if !consistent {
        return Err(OpenError::SummaryMalformed(
            "document list differs from the manifest",
        ));
    }
    let sig = &body.inner_signature;
    if sig.signer_spki != cert_spki {
        return Err(OpenError::SignerMismatch);
    }
    let payload = inner_payload(manifest, &p.header.digest(), &body.summary, &body.documents);
    verify_signature(cert_spki, sig.algorithm, &payload, &sig.signature)
        .map_err(|_| OpenError::InnerSignatureInvalid)?;
    Ok(OpenedSummary {
        summary: body.summary,
        documents: body.documents,
        preparation: body.preparation,
    })
}

/// Digest helper for callers that store a manifest: SHA-256 of its canonical JSON.
pub fn manifest_sha256(manifest: &Manifest) -> [u8; 32] {
    encoding::sha256(&manifest.to_canonical_json())
}

const DEK_RELEASE_LABEL: &str = "etender-dek-release/v1";

/// What a bidder signs when it submits an unwrapped DEK in the R1 decryption
/// window: the bid (manifest digest), the part and the DEK commitment — not the
/// DEK itself, so that stored signatures never carry key material. The server
/// checks the signature and then the DEK against the commitment
/// ([`PartKey::Dek`] → [`OpenError::WrongKey`] with [`WrongKeyPath::SuppliedDek`]).
pub fn dek_release_payload(manifest: &Manifest, index: u32) -> Result<Vec<u8>, OpenError> {
    let p = manifest
        .part(index)
        .ok_or(OpenError::NoSuchPart { index })?;
    let mut e = Enc::with_label(DEK_RELEASE_LABEL);
    e.fixed(&manifest_sha256(manifest))
        .u32(index)
        .fixed(&p.header.dek_commitment);
    Ok(e.into_bytes())
}
