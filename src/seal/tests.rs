//! End-to-end tests of the sealed-bid format: round trips through R1, R2 and a
//! submitted DEK, every tampering case with its own reason and fault, key
//! reuse, confidentiality of the price, and the known-answer vectors of
//! `docs/SEALED-BIDS.md`.

use std::io::Write as _;

use proptest::prelude::*;

use super::bid::{self, outer_payload};
use super::header::{CHUNK_SIZE, TAG_LEN};
use super::remedy::{RemedyPolicy, RemedySecret, ShareError};
use super::rng::DeterministicRng;
use super::stream::{self, Dek, OpenStreamError, StreamDefect};
use super::wrap::{self, EnvelopeSecret, WrapKind, X25519PublicKey};
use super::*;
use crate::crypto::keys::{SignatureAlgorithm, SigningKey};
use crate::domain::uscc::Uscc;

const CHUNK: usize = CHUNK_SIZE as usize;
const RECORD: usize = CHUNK + TAG_LEN;
const PRICE: &str = "98765432.10";

/// An Ed25519 certificate key from a fixed seed (PKCS#8 v1, as OpenSSL writes it).
fn ed25519(seed: u8) -> SigningKey {
    let mut der = hex::decode("302e020100300506032b657004220420").unwrap();
    der.extend_from_slice(&[seed; 32]);
    SigningKey::from_pkcs8_der(&der).unwrap()
}

fn uscc(n: u8) -> Uscc {
    Uscc::with_check_digit(&format!("91350100M0001{n:02}Y4")).unwrap()
}

fn context(remedy: &RemedyPolicy, tender: &str, bidder: u8, version: u32) -> BidContext {
    BidContext {
        tender_id: tender.into(),
        section_id: "S1".into(),
        bidder_uscc: uscc(bidder),
        bid_version: version,
        remedy: remedy.clone(),
    }
}

fn summary() -> Summary {
    Summary {
        price: PRICE.parse().unwrap(),
        duration_days: 180,
        quality: "合格".into(),
        project_manager: "张三".into(),
        bid_bond_reference: "BOND-2026-0001".into(),
    }
}

/// Pseudo-random document bytes (incompressible, distinct per label).
fn document(len: usize, label: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rand_core::RngCore::fill_bytes(&mut DeterministicRng::from_label(label), &mut v);
    v
}

struct Sealed {
    manifest: Manifest,
    summary_ct: Vec<u8>,
    doc_ct: Vec<u8>,
    doc: Vec<u8>,
    envelope: EnvelopeSecret,
    signer: SigningKey,
}

impl Sealed {
    fn spki(&self) -> Vec<u8> {
        self.signer.public_key_spki_der()
    }
}

fn seal_bid(ctx: BidContext, doc_len: usize, rng_label: &[u8], key_seed: u8) -> Sealed {
    let signer = ed25519(key_seed);
    let envelope = EnvelopeSecret::from_bytes(&[key_seed.wrapping_add(100); 32]);
    let rng = DeterministicRng::from_label(rng_label);
    let mut sealer =
        BidSealer::with_rng(ctx, &envelope, &signer, SignatureAlgorithm::Ed25519, rng).unwrap();
    let doc = document(doc_len, rng_label);
    let mut doc_ct = Vec::new();
    sealer
        .seal_document("技术标.pdf", doc.as_slice(), &mut doc_ct)
        .unwrap();
    let summary_ct = sealer.seal_summary(&summary()).unwrap().ciphertext.unwrap();
    let manifest = sealer.finish().unwrap();
    Sealed {
        manifest,
        summary_ct,
        doc_ct,
        doc,
        envelope,
        signer,
    }
}

/// A section's custodians: their envelope secrets and the policy published for them.
struct Committee {
    custodians: Vec<EnvelopeSecret>,
    policy: RemedyPolicy,
}

fn committee(n: u8, t: u8, label: &[u8]) -> Committee {
    let mut rng = DeterministicRng::from_label(label);
    let custodians: Vec<EnvelopeSecret> =
        (0..n).map(|_| EnvelopeSecret::generate(&mut rng)).collect();
    let policy = RemedyPolicy {
        threshold: t,
        custodians: custodians.iter().map(|c| c.public_key()).collect(),
    };
    Committee { custodians, policy }
}

impl Committee {
    /// Custodians `which` decrypt (and check) their shares of the bid.
    fn shares(&self, m: &Manifest, which: &[usize]) -> Vec<Share> {
        which
            .iter()
            .map(|&i| {
                m.remedy
                    .decrypt_share(&m.remedy_bid(), &self.custodians[i])
                    .unwrap()
            })
            .collect()
    }

    fn recover_with(&self, m: &Manifest, which: &[usize]) -> Result<RemedySecret, ShareError> {
        m.remedy.recover(&m.remedy_bid(), &self.shares(m, which))
    }
}

/// 3.5 MiB: three full chunks and a half one.
const DOC_LEN: usize = 3 * CHUNK + CHUNK / 2;

fn standard() -> (Committee, Sealed) {
    let c = committee(5, 3, b"committee-5-3");
    let s = seal_bid(context(&c.policy, "T1", 1, 1), DOC_LEN, b"bid-a", 1);
    (c, s)
}

fn open_doc(_s: &Sealed, m: &Manifest, ct: &[u8], key: PartKey<'_>) -> Result<Vec<u8>, OpenError> {
    let mut out = Vec::new();
    open_part(m, 1, key, ct, &mut out).map(|_| out)
}

/// The bidder itself signs a manifest over a ciphertext it altered: the
/// digest then matches, so the stream defect is the bidder's fault.
fn resign(s: &Sealed, ct: &[u8]) -> Manifest {
    let mut m = s.manifest.clone();
    let p = &mut m.parts[1];
    p.ciphertext_sha256 = super::encoding::sha256(ct);
    p.ciphertext_len = ct.len() as u64;
    m.outer_signature.signature = s
        .signer
        .sign(SignatureAlgorithm::Ed25519, &outer_payload(&m))
        .unwrap();
    m
}

#[test]
fn round_trip_r1_summary_and_multi_chunk_document() {
    let (c, s) = standard();
    let ctx = context(&c.policy, "T1", 1, 1);
    verify_outer(&s.manifest, &ctx, &s.spki(), SignatureAlgorithm::Ed25519).unwrap();
    assert_eq!(s.doc_ct.len(), DOC_LEN + 4 * TAG_LEN);

    let opened = open_summary(
        &s.manifest,
        PartKey::Envelope(&s.envelope),
        s.summary_ct.as_slice(),
        &s.spki(),
    )
    .unwrap();
    assert_eq!(opened.summary, summary());
    assert_eq!(opened.summary.price.to_string(), PRICE);

    let mut plain = Vec::new();
    let part = open_with_envelope_key(&s.manifest, 1, s.doc_ct.as_slice(), &mut plain, &s.envelope)
        .unwrap();
    assert_eq!(plain, s.doc);
    opened.check_document(&part).unwrap();
}

#[test]
fn round_trip_r2_three_of_five_and_two_of_three() {
    let (c, s) = standard();
    let secret = c.recover_with(&s.manifest, &[4, 0, 2]).unwrap();
    assert_eq!(secret.public_key(), s.manifest.remedy.public_key);
    let opened = open_summary(
        &s.manifest,
        PartKey::Remedy(&secret),
        s.summary_ct.as_slice(),
        &s.spki(),
    )
    .unwrap();
    let mut plain = Vec::new();
    let part =
        open_with_remedy_secret(&s.manifest, 1, s.doc_ct.as_slice(), &mut plain, &secret).unwrap();
    assert_eq!(plain, s.doc);
    opened.check_document(&part).unwrap();
    // Every 3-subset works.
    for subset in [[0, 1, 2], [1, 3, 4], [0, 3, 4]] {
        let got = c.recover_with(&s.manifest, &subset).unwrap().public_key();
        assert_eq!(got, s.manifest.remedy.public_key);
    }

    let c2 = committee(3, 2, b"committee-3-2");
    let s2 = seal_bid(context(&c2.policy, "T1", 2, 1), CHUNK + 1, b"bid-2of3", 2);
    for subset in [[0, 1], [1, 2], [2, 0]] {
        let secret = c2.recover_with(&s2.manifest, &subset).unwrap();
        let mut plain = Vec::new();
        open_with_remedy_secret(&s2.manifest, 1, s2.doc_ct.as_slice(), &mut plain, &secret)
            .unwrap();
        assert_eq!(plain, s2.doc);
    }
}

#[test]
fn every_bid_has_its_own_remedy_key() {
    // Two bids of one section: the same custodians, different keys. Shares of one bid's key
    // say nothing about another's, and they do not open it.
    let c = committee(3, 2, b"committee-3-2");
    let a = seal_bid(context(&c.policy, "T1", 1, 1), 100, b"own-a", 1);
    let b = seal_bid(context(&c.policy, "T1", 2, 1), 100, b"own-b", 2);
    assert_ne!(a.manifest.remedy.public_key, b.manifest.remedy.public_key);
    let secret_a = c.recover_with(&a.manifest, &[0, 1]).unwrap();
    assert!(matches!(
        open_doc(&b, &b.manifest, &b.doc_ct, PartKey::Remedy(&secret_a)),
        Err(OpenError::WrongKey {
            path: WrongKeyPath::RemedyKey,
            ..
        })
    ));
    // A's shares are not B's: each fails B's commitments.
    let shares_a = c.shares(&a.manifest, &[0, 1]);
    assert_eq!(
        b.manifest
            .remedy
            .recover(&b.manifest.remedy_bid(), &shares_a)
            .unwrap_err(),
        ShareError::CommitmentMismatch { index: 1 }
    );
}

#[test]
fn recovery_with_fewer_than_t_shares_fails_cleanly() {
    let (c, s) = standard();
    assert_eq!(
        c.recover_with(&s.manifest, &[0, 1]).unwrap_err(),
        ShareError::NotEnoughShares { got: 2, needed: 3 }
    );
    let c2 = committee(3, 2, b"committee-3-2");
    let s2 = seal_bid(context(&c2.policy, "T1", 2, 1), 100, b"few", 2);
    assert_eq!(
        c2.recover_with(&s2.manifest, &[1]).unwrap_err(),
        ShareError::NotEnoughShares { got: 1, needed: 2 }
    );
}

#[test]
fn a_wrong_share_is_named_on_its_own_and_t_honest_ones_still_open() {
    let (c, s) = standard();
    let m = &s.manifest;
    let bid = m.remedy_bid();
    let mut shares = c.shares(m, &[0, 1, 2, 3]);
    // Custodian 3 (share index 3) releases something else than it holds.
    shares[2].value[7] ^= 1;
    assert_eq!(
        m.remedy.check_share(&bid, 3, &shares[2].value).unwrap_err(),
        ShareError::CommitmentMismatch { index: 3 }
    );
    for ok in [&shares[0], &shares[1], &shares[3]] {
        m.remedy.check_share(&bid, ok.index, &ok.value).unwrap();
    }
    // Recovery never combines an unchecked share …
    assert_eq!(
        m.remedy.recover(&bid, &shares).unwrap_err(),
        ShareError::CommitmentMismatch { index: 3 }
    );
    // … and the three honest ones open.
    shares.remove(2);
    assert_eq!(
        m.remedy.recover(&bid, &shares).unwrap().public_key(),
        m.remedy.public_key
    );
    // Duplicate index.
    let s0 = c.shares(m, &[0]).remove(0);
    assert_eq!(
        m.remedy
            .recover(&bid, &[s0.clone(), s0.clone(), s0])
            .unwrap_err(),
        ShareError::BadIndex(1)
    );
    // Somebody who is not a custodian of the section holds no share.
    let outsider = EnvelopeSecret::from_bytes(&[0x77; 32]);
    assert_eq!(
        m.remedy.decrypt_share(&bid, &outsider).unwrap_err(),
        ShareError::WrongCustodian
    );
    // Share wraps swapped between indices do not decrypt (the binding names the index).
    let mut swapped = m.remedy.clone();
    swapped.shares.swap(0, 1);
    swapped.shares[0].index = 1;
    swapped.shares[1].index = 2;
    assert_eq!(
        swapped.decrypt_share(&bid, &c.custodians[1]).unwrap_err(),
        ShareError::ShareUndecryptable
    );
}

/// The bidder commits to (and wraps) shares of another secret than its remedy key: every share
/// checks, but they do not make the key.
#[test]
fn committed_shares_of_another_secret_are_the_bidders_fault() {
    let c = committee(3, 2, b"committee-3-2");
    let s = seal_bid(context(&c.policy, "T1", 1, 1), 100, b"liar", 1);
    let mut m = s.manifest.clone();
    let bid_binding = m.remedy.binding(&m.remedy_bid());
    let mut rng = DeterministicRng::from_label(b"other-secret");
    let other = super::shamir::split(&[0x5a; 32], 3, 2, &mut rng);
    for (slot, v) in m.remedy.shares.iter_mut().zip(&other) {
        slot.commitment = super::remedy::share_commitment(&bid_binding, v.index, &v.value);
        slot.wrap = wrap::wrap_key(
            &mut rng,
            WrapKind::Share,
            &slot.wrap.recipient,
            &super::remedy::share_binding(&bid_binding, v.index),
            &v.value,
        )
        .unwrap();
    }
    m.outer_signature.signature = s
        .signer
        .sign(SignatureAlgorithm::Ed25519, &outer_payload(&m))
        .unwrap();
    // The server cannot tell at submission: the manifest is well formed and signed.
    verify_outer(
        &m,
        &context(&c.policy, "T1", 1, 1),
        &s.spki(),
        SignatureAlgorithm::Ed25519,
    )
    .unwrap();
    assert_eq!(
        c.recover_with(&m, &[0, 1]).unwrap_err(),
        ShareError::InconsistentCommitments
    );
}

/// The bidder wraps one value to a custodian and commits to another: the custodian's tool
/// finds it before releasing anything.
#[test]
fn a_wrap_that_contradicts_its_commitment_is_found_by_the_custodian() {
    let c = committee(3, 2, b"committee-3-2");
    let s = seal_bid(context(&c.policy, "T1", 1, 1), 100, b"bad-wrap", 1);
    let mut m = s.manifest.clone();
    m.remedy.shares[2].commitment[0] ^= 1;
    assert_eq!(
        m.remedy
            .decrypt_share(&m.remedy_bid(), &c.custodians[2])
            .unwrap_err(),
        ShareError::CommitmentMismatch { index: 3 }
    );
}

#[test]
fn remedy_policies_that_cannot_protect_a_bid_are_refused() {
    let c = committee(5, 3, b"committee-5-3");
    let keys = c.policy.custodians.clone();
    let bad = [
        (1, keys.clone(), ShareError::InvalidThreshold),
        (6, keys.clone(), ShareError::InvalidThreshold),
        (2, vec![keys[0]; 3], ShareError::DuplicateCustodian),
    ];
    let signer = ed25519(1);
    let envelope = EnvelopeSecret::from_bytes(&[9; 32]);
    for (threshold, custodians, want) in bad {
        let policy = RemedyPolicy {
            threshold,
            custodians,
        };
        assert_eq!(policy.validate().unwrap_err(), want);
        let err = BidSealer::with_rng(
            context(&policy, "T1", 1, 1),
            &envelope,
            &signer,
            SignatureAlgorithm::Ed25519,
            DeterministicRng::from_label(b"x"),
        )
        .err()
        .unwrap();
        assert!(matches!(err, SealError::Remedy(e) if e == want));
    }
}

#[test]
fn bidder_submitted_dek_opens_and_a_wrong_one_is_the_bidders_fault() {
    let (_, s) = standard();
    let dek = unwrap_part_key(&s.manifest, 1, PartKey::Envelope(&s.envelope)).unwrap();
    assert_eq!(
        open_doc(&s, &s.manifest, &s.doc_ct, PartKey::Dek(&dek)).unwrap(),
        s.doc
    );
    // The release the bidder signs covers bid, part and commitment, not the key.
    let payload = dek_release_payload(&s.manifest, 1).unwrap();
    assert!(!payload.windows(32).any(|w| w == dek.as_bytes()));
    let sig = s
        .signer
        .sign(SignatureAlgorithm::Ed25519, &payload)
        .unwrap();
    crate::crypto::keys::verify_signature(&s.spki(), SignatureAlgorithm::Ed25519, &payload, &sig)
        .unwrap();
    assert_ne!(payload, dek_release_payload(&s.manifest, 0).unwrap());
    let wrong = Dek::from_bytes([9; 32]);
    let err = open_doc(&s, &s.manifest, &s.doc_ct, PartKey::Dek(&wrong)).unwrap_err();
    assert!(matches!(
        err,
        OpenError::WrongKey {
            part: 1,
            path: WrongKeyPath::SuppliedDek
        }
    ));
    assert_eq!(err.fault(), Fault::Bidder);
}

#[test]
fn flipped_byte() {
    let (_, s) = standard();
    let mut ct = s.doc_ct.clone();
    ct[RECORD + 100] ^= 0x01;
    // Altered in storage: not what the bidder signed.
    let err = open_doc(&s, &s.manifest, &ct, PartKey::Envelope(&s.envelope)).unwrap_err();
    assert!(
        matches!(
            err,
            OpenError::DigestMismatch {
                part: 1,
                defect: Some(StreamDefect::TagMismatch { chunk: 1 })
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.fault(), Fault::NotBidder);
    // Signed that way by the bidder.
    let m = resign(&s, &ct);
    let err = open_doc(&s, &m, &ct, PartKey::Envelope(&s.envelope)).unwrap_err();
    assert!(
        matches!(err, OpenError::TagMismatch { part: 1, chunk: 1 }),
        "{err:?}"
    );
    assert_eq!(err.fault(), Fault::Bidder);
    // A flipped byte in the last, short chunk.
    let mut ct = s.doc_ct.clone();
    let last = ct.len() - 1;
    ct[last] ^= 0x80;
    let m = resign(&s, &ct);
    let err = open_doc(&s, &m, &ct, PartKey::Envelope(&s.envelope)).unwrap_err();
    assert!(
        matches!(err, OpenError::TagMismatch { part: 1, chunk: 3 }),
        "{err:?}"
    );
}

#[test]
fn truncated_stream_drop_last_chunk_and_cut_mid_chunk() {
    let (_, s) = standard();
    // Drop the last chunk: what remains ends on a chunk sealed as non-final.
    let dropped = &s.doc_ct[..3 * RECORD];
    let err = open_doc(&s, &s.manifest, dropped, PartKey::Envelope(&s.envelope)).unwrap_err();
    assert!(
        matches!(
            err,
            OpenError::DigestMismatch {
                defect: Some(StreamDefect::Truncated { complete_chunks: 3 }),
                ..
            }
        ),
        "{err:?}"
    );
    let m = resign(&s, dropped);
    let err = open_doc(&s, &m, dropped, PartKey::Envelope(&s.envelope)).unwrap_err();
    assert!(
        matches!(
            err,
            OpenError::Truncated {
                part: 1,
                complete_chunks: 3
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.fault(), Fault::Bidder);
    // Cut in the middle of chunk 1.
    let cut = &s.doc_ct[..RECORD + 1000];
    let err = open_doc(&s, &s.manifest, cut, PartKey::Envelope(&s.envelope)).unwrap_err();
    assert!(
        matches!(
            err,
            OpenError::DigestMismatch {
                defect: Some(StreamDefect::Truncated { complete_chunks: 1 }),
                ..
            }
        ),
        "{err:?}"
    );
    // Empty object.
    let err = open_doc(&s, &s.manifest, &[], PartKey::Envelope(&s.envelope)).unwrap_err();
    assert!(
        matches!(
            err,
            OpenError::DigestMismatch {
                defect: Some(StreamDefect::Truncated { complete_chunks: 0 }),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn swapped_chunks_and_trailing_data() {
    let (_, s) = standard();
    let mut ct = s.doc_ct.clone();
    let (a, b) = ct.split_at_mut(RECORD);
    a.swap_with_slice(&mut b[..RECORD]);
    let err = open_doc(&s, &s.manifest, &ct, PartKey::Envelope(&s.envelope)).unwrap_err();
    assert!(
        matches!(
            err,
            OpenError::DigestMismatch {
                defect: Some(StreamDefect::ChunkOutOfOrder {
                    position: 0,
                    found: 1
                }),
                ..
            }
        ),
        "{err:?}"
    );
    let m = resign(&s, &ct);
    let err = open_doc(&s, &m, &ct, PartKey::Envelope(&s.envelope)).unwrap_err();
    assert!(
        matches!(
            err,
            OpenError::ChunkOutOfOrder {
                part: 1,
                position: 0,
                found: 1
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.fault(), Fault::Bidder);

    // A stream whose final chunk is full, followed by an extra copy of chunk 0.
    let s2 = seal_bid(
        context(&committee(5, 3, b"committee-5-3").policy, "T1", 1, 2),
        CHUNK,
        b"bid-full",
        1,
    );
    let mut ct = s2.doc_ct.clone();
    ct.extend_from_slice(&s2.doc_ct[..RECORD]);
    let m = resign(&s2, &ct);
    let err = open_doc(&s2, &m, &ct, PartKey::Envelope(&s2.envelope)).unwrap_err();
    assert!(
        matches!(
            err,
            OpenError::TrailingData {
                part: 1,
                final_chunk: 0
            }
        ),
        "{err:?}"
    );
}

#[test]
fn part_moved_from_another_bid_or_tender() {
    let c = committee(3, 2, b"committee-3-2");
    let a = seal_bid(context(&c.policy, "T1", 1, 1), 5000, b"bid-x1", 1);
    let secret = c.recover_with(&a.manifest, &[0, 1]).unwrap();
    let other_bidder = seal_bid(context(&c.policy, "T1", 2, 1), 5000, b"bid-y1", 2);
    let other_version = seal_bid(context(&c.policy, "T1", 1, 2), 5000, b"bid-x2", 1);
    let other_tender = seal_bid(context(&c.policy, "T2", 1, 1), 5000, b"bid-t2", 1);
    for (donor, field) in [
        (&other_bidder, "bidder_uscc"),
        (&other_version, "bid_version"),
        (&other_tender, "tender_id"),
    ] {
        // Only the ciphertext moved: not what bidder A signed.
        let err = open_doc(&a, &a.manifest, &donor.doc_ct, PartKey::Remedy(&secret)).unwrap_err();
        assert!(
            matches!(err, OpenError::DigestMismatch { part: 1, .. }),
            "{err:?}"
        );
        // Ciphertext and its manifest entry moved together: the header gives it away.
        let mut m = a.manifest.clone();
        m.parts[1] = donor.manifest.parts[1].clone();
        let err = open_doc(&a, &m, &donor.doc_ct, PartKey::Remedy(&secret)).unwrap_err();
        assert!(
            matches!(err, OpenError::HeaderMismatch { part: 1, field: f } if f == field),
            "{err:?}"
        );
        assert_eq!(err.fault(), Fault::NotBidder);
        let ctx = context(&c.policy, "T1", 1, 1);
        assert!(matches!(
            verify_outer(&m, &ctx, &a.spki(), SignatureAlgorithm::Ed25519),
            Err(OuterError::HeaderMismatch { part: 1, .. })
        ));
        // Header rewritten to look like A's: every wrap and chunk is bound to the
        // original header digest, and the outer signature no longer verifies.
        let mut h = donor.manifest.parts[1].header.clone();
        h.tender_id = a.manifest.tender_id.clone();
        h.bidder_uscc = a.manifest.bidder_uscc.clone();
        h.bid_version = a.manifest.bid_version;
        m.parts[1].header = h;
        let err = open_doc(&a, &m, &donor.doc_ct, PartKey::Remedy(&secret)).unwrap_err();
        assert!(
            matches!(
                err,
                OpenError::WrapInvalid {
                    part: 1,
                    kind: WrapKind::R2
                }
            ),
            "{err:?}"
        );
        // A donor's R1 wrap is addressed to its own envelope key and its R2 wrap to its own
        // bid's remedy key: both are caught before the signature.
        let r = verify_outer(&m, &ctx, &a.spki(), SignatureAlgorithm::Ed25519);
        assert!(
            matches!(
                r,
                Err(OuterError::WrapRecipient {
                    part: 1,
                    kind: WrapKind::R1 | WrapKind::R2
                })
            ),
            "{r:?}"
        );
    }
    // The right DEK under a foreign header: every chunk fails (AAD differs).
    let dek = unwrap_part_key(&a.manifest, 1, PartKey::Remedy(&secret)).unwrap();
    let mut h = a.manifest.parts[1].header.clone();
    h.bid_version = 7;
    let r = stream::open_stream(&dek, &h, a.doc_ct.as_slice(), std::io::sink(), None);
    assert!(matches!(
        r,
        Err(OpenStreamError::Defect {
            defect: StreamDefect::TagMismatch { chunk: 0 },
            ..
        })
    ));
    // A wrap moved to another part of the same bid does not open.
    let mut m = a.manifest.clone();
    m.parts[0].wraps.r2 = m.parts[1].wraps.r2.clone();
    assert!(matches!(
        unwrap_part_key(&m, 0, PartKey::Remedy(&secret)),
        Err(OpenError::WrapInvalid {
            part: 0,
            kind: WrapKind::R2
        })
    ));
}

#[test]
fn wrong_envelope_key_and_another_bids_remedy_key() {
    let (c, s) = standard();
    let stranger = EnvelopeSecret::from_bytes(&[3; 32]);
    let err = open_doc(&s, &s.manifest, &s.doc_ct, PartKey::Envelope(&stranger)).unwrap_err();
    assert!(matches!(
        err,
        OpenError::WrongKey {
            part: 1,
            path: WrongKeyPath::EnvelopeKey
        }
    ));
    assert_eq!(err.fault(), Fault::Bidder);

    // Another bid's remedy key (the same custodians, another bidder).
    let other = seal_bid(context(&c.policy, "T1", 2, 1), 100, b"another-bid", 2);
    let wrong = c.recover_with(&other.manifest, &[0, 2, 4]).unwrap();
    let err = open_doc(&s, &s.manifest, &s.doc_ct, PartKey::Remedy(&wrong)).unwrap_err();
    assert!(matches!(
        err,
        OpenError::WrongKey {
            part: 1,
            path: WrongKeyPath::RemedyKey
        }
    ));
    assert_eq!(err.fault(), Fault::NotBidder);

    // Right key, but the bidder's tool wrapped another DEK than the header commits to.
    let mut m = s.manifest.clone();
    let binding = m.parts[1].header.digest();
    let mut rng = DeterministicRng::from_label(b"rogue");
    m.parts[1].wraps.r1 = wrap::wrap_key(
        &mut rng,
        WrapKind::R1,
        &s.envelope.public_key(),
        &binding,
        &[5; 32],
    )
    .unwrap();
    let err = open_doc(&s, &m, &s.doc_ct, PartKey::Envelope(&s.envelope)).unwrap_err();
    assert!(
        matches!(err, OpenError::KeyCommitmentMismatch { part: 1 }),
        "{err:?}"
    );
    assert_eq!(err.fault(), Fault::Bidder);
    // And a corrupted R1 wrap.
    let mut m = s.manifest.clone();
    m.parts[1].wraps.r1.sealed_key[0] ^= 1;
    let err = open_doc(&s, &m, &s.doc_ct, PartKey::Envelope(&s.envelope)).unwrap_err();
    assert!(
        matches!(
            err,
            OpenError::WrapInvalid {
                part: 1,
                kind: WrapKind::R1
            }
        ),
        "{err:?}"
    );
    let _ = c;
}

#[test]
fn reused_key_or_nonce_is_detected() {
    let c = committee(3, 2, b"committee-3-2");
    // A broken bidder tool: same randomness for two versions → same DEKs and prefixes.
    let v1 = seal_bid(context(&c.policy, "T1", 1, 1), 100, b"stuck-rng", 1);
    let v2 = seal_bid(context(&c.policy, "T1", 1, 2), 100, b"stuck-rng", 1);
    let err = check_key_reuse(&[&v1.manifest, &v2.manifest]).unwrap_err();
    assert!(matches!(err, KeyReuse::RemedyKey { .. }), "{err:?}");
    assert_eq!(OpenError::from(err).fault(), Fault::Bidder);
    // Fresh randomness: no reuse across bidders and versions.
    let other = seal_bid(context(&c.policy, "T1", 2, 1), 100, b"fresh", 2);
    // The same DEKs under a fresh remedy block are still caught.
    let mut m2 = v2.manifest.clone();
    m2.remedy = other.manifest.remedy.clone();
    let err = check_key_reuse(&[&v1.manifest, &m2]).unwrap_err();
    assert!(matches!(err, KeyReuse::Dek { .. }), "{err:?}");
    check_key_reuse(&[&v1.manifest, &other.manifest]).unwrap();
    // A nonce prefix repeated inside one bid is refused at submission.
    let mut m = other.manifest.clone();
    m.parts[1].header.nonce_prefix = m.parts[0].header.nonce_prefix;
    assert!(matches!(
        check_key_reuse(&[&m]),
        Err(KeyReuse::NoncePrefix { .. })
    ));
    // A replayed wrap ephemeral.
    let mut m = other.manifest.clone();
    m.parts[1].wraps.r1.ephemeral = m.parts[0].wraps.r2.ephemeral;
    assert!(matches!(
        check_key_reuse(&[&m]),
        Err(KeyReuse::WrapEphemeral { .. })
    ));
}

#[test]
fn outer_verification_refuses_bad_manifests() {
    let (c, s) = standard();
    let ctx = context(&c.policy, "T1", 1, 1);
    let alg = SignatureAlgorithm::Ed25519;
    verify_outer(&s.manifest, &ctx, &s.spki(), alg).unwrap();
    let stranger = ed25519(77).public_key_spki_der();
    assert_eq!(
        verify_outer(&s.manifest, &ctx, &stranger, alg),
        Err(OuterError::SignerMismatch)
    );
    let mut wrong_version = ctx.clone();
    wrong_version.bid_version = 2;
    assert_eq!(
        verify_outer(&s.manifest, &wrong_version, &s.spki(), alg),
        Err(OuterError::ContextMismatch("bid_version"))
    );
    let mut m = s.manifest.clone();
    m.parts[1].ciphertext_sha256[0] ^= 1;
    assert!(matches!(
        verify_outer(&m, &ctx, &s.spki(), alg),
        Err(OuterError::SignatureInvalid(_))
    ));
    let mut m = s.manifest.clone();
    m.envelope_key_statement.envelope_public_key = X25519PublicKey([9; 32]);
    assert!(verify_outer(&m, &ctx, &s.spki(), alg).is_err());
    let mut m = s.manifest.clone();
    m.parts[1].wraps.r2.recipient = X25519PublicKey([9; 32]);
    assert_eq!(
        verify_outer(&m, &ctx, &s.spki(), alg),
        Err(OuterError::WrapRecipient {
            part: 1,
            kind: WrapKind::R2
        })
    );
    // Round trip through JSON keeps it valid.
    let back: Manifest = serde_json::from_slice(&s.manifest.to_canonical_json()).unwrap();
    verify_outer(&back, &ctx, &s.spki(), alg).unwrap();
    assert_eq!(back.to_canonical_json(), s.manifest.to_canonical_json());
}

#[test]
fn inner_signature_and_plaintext_digests_are_checked() {
    let (_, s) = standard();
    let stranger = ed25519(77).public_key_spki_der();
    let err = open_summary(
        &s.manifest,
        PartKey::Envelope(&s.envelope),
        s.summary_ct.as_slice(),
        &stranger,
    )
    .unwrap_err();
    assert!(matches!(err, OpenError::SignerMismatch));
    let opened = open_summary(
        &s.manifest,
        PartKey::Envelope(&s.envelope),
        s.summary_ct.as_slice(),
        &s.spki(),
    )
    .unwrap();
    let fake = OpenedPart {
        index: 1,
        kind: PartKind::Document,
        plaintext_sha256: [0; 32],
        plaintext_len: s.doc.len() as u64,
    };
    let err = opened.check_document(&fake).unwrap_err();
    assert!(matches!(
        err,
        OpenError::PlaintextDigestMismatch { part: 1 }
    ));
    assert_eq!(err.fault(), Fault::Bidder);

    // A bidder whose tool signs the inner statement with another key than its
    // certificate's: the outer checks pass (same certificate), the inner fails.
    let c = committee(3, 2, b"committee-3-2");
    let cert = ed25519(1);
    let other = ed25519(2);
    let envelope = EnvelopeSecret::from_bytes(&[1; 32]);
    let mut sealer = BidSealer::with_rng(
        context(&c.policy, "T1", 1, 1),
        &envelope,
        &other,
        SignatureAlgorithm::Ed25519,
        DeterministicRng::from_label(b"two-keys"),
    )
    .unwrap();
    let ct = sealer.seal_summary(&summary()).unwrap().ciphertext.unwrap();
    let m = sealer.finish().unwrap();
    let err = open_summary(
        &m,
        PartKey::Envelope(&envelope),
        ct.as_slice(),
        &cert.public_key_spki_der(),
    )
    .unwrap_err();
    assert!(matches!(err, OpenError::SignerMismatch));
}

#[test]
fn price_never_appears_in_sealed_output_or_manifest() {
    let (_, s) = standard();
    let manifest_json = s.manifest.to_canonical_json();
    for haystack in [&s.summary_ct, &s.doc_ct, &manifest_json] {
        for needle in [
            PRICE.as_bytes(),
            b"98765432",
            "张三".as_bytes(),
            b"BOND-2026",
        ] {
            assert!(
                !haystack.windows(needle.len()).any(|w| w == needle),
                "{} found",
                String::from_utf8_lossy(needle)
            );
        }
    }
    // The summary ciphertext length does not depend on the price's length.
    let c = committee(3, 2, b"committee-3-2");
    let signer = ed25519(1);
    let envelope = EnvelopeSecret::from_bytes(&[1; 32]);
    let len_for = |price: &str| {
        let mut sealer = BidSealer::new(
            context(&c.policy, "T1", 1, 1),
            &envelope,
            &signer,
            SignatureAlgorithm::Ed25519,
        )
        .unwrap();
        let mut sm = summary();
        sm.price = price.parse().unwrap();
        sealer.seal_summary(&sm).unwrap().part.ciphertext_len
    };
    assert_eq!(len_for("1"), len_for("123456789012.34"));
    assert_eq!(len_for("1"), (bid::SUMMARY_PADDING + TAG_LEN) as u64);
}

#[test]
fn sealing_order_is_enforced() {
    let c = committee(3, 2, b"committee-3-2");
    let signer = ed25519(1);
    let envelope = EnvelopeSecret::from_bytes(&[1; 32]);
    let ctx = context(&c.policy, "T1", 1, 1);
    let mut sealer =
        BidSealer::new(ctx.clone(), &envelope, &signer, SignatureAlgorithm::Ed25519).unwrap();
    sealer.seal_summary(&summary()).unwrap();
    assert!(matches!(
        sealer.seal_document("late.pdf", &b"x"[..], Vec::new()),
        Err(SealError::Order)
    ));
    assert!(matches!(
        sealer.seal_summary(&summary()),
        Err(SealError::Order)
    ));
    let sealer =
        BidSealer::new(ctx.clone(), &envelope, &signer, SignatureAlgorithm::Ed25519).unwrap();
    assert!(matches!(sealer.finish(), Err(SealError::SummaryMissing)));
    // A signature algorithm that does not fit the certificate key.
    assert!(matches!(
        BidSealer::new(ctx, &envelope, &signer, SignatureAlgorithm::EcdsaP256Sha256),
        Err(SealError::Sign(_))
    ));
}

#[test]
fn sealing_in_small_writes_equals_one_shot_and_chunk_boundaries_round_trip() {
    let mut rng = DeterministicRng::from_label(b"boundaries");
    for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK] {
        let dek = Dek::generate(&mut rng);
        let mut header = kat_header(&dek);
        rand_core::RngCore::fill_bytes(&mut rng, &mut header.nonce_prefix);
        let plain = document(len, b"boundary");
        let (one_shot, d1) =
            stream::seal_stream(&dek, &header, plain.as_slice(), Vec::new()).unwrap();
        let mut sealer = PartSealer::new(&dek, &header, Vec::new()).unwrap();
        for piece in plain.chunks(4099) {
            sealer.write_all(piece).unwrap();
        }
        let (pieces, d2) = sealer.finish().unwrap();
        assert_eq!(one_shot, pieces, "{len}");
        assert_eq!(d1, d2);
        assert_eq!(
            d1.chunks,
            (len / CHUNK + 1) as u64 - u64::from(len > 0 && len % CHUNK == 0)
        );
        let mut out = Vec::new();
        let d3 = stream::open_stream(
            &dek,
            &header,
            one_shot.as_slice(),
            &mut out,
            Some(d1.ciphertext_len),
        )
        .unwrap();
        assert_eq!(out, plain, "{len}");
        assert_eq!(d3, d1);
    }
}

fn kat_header(dek: &Dek) -> PartHeader {
    PartHeader {
        format_version: 2,
        aead_algorithm: 1,
        wrap_algorithm: 1,
        hash_algorithm: 1,
        chunk_size: CHUNK_SIZE,
        tender_id: "T-2026-0001".into(),
        section_id: "S1".into(),
        bidder_uscc: "91350100M000100Y43".into(),
        bid_version: 1,
        part_index: 1,
        part_kind: PartKind::Document,
        nonce_prefix: [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6],
        dek_commitment: dek.commitment(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]
    #[test]
    fn random_sizes_round_trip(len in 0usize..(3 * CHUNK + 4096), seed in any::<u64>()) {
        let mut rng = DeterministicRng::from_label(&seed.to_be_bytes());
        let dek = Dek::generate(&mut rng);
        let header = kat_header(&dek);
        let plain = document(len, &seed.to_le_bytes());
        let (ct, d) = stream::seal_stream(&dek, &header, plain.as_slice(), Vec::new()).unwrap();
        prop_assert_eq!(ct.len(), len + TAG_LEN * d.chunks as usize);
        let mut out = Vec::new();
        stream::open_stream(&dek, &header, ct.as_slice(), &mut out, Some(ct.len() as u64)).unwrap();
        prop_assert_eq!(out, plain);
    }
}

/// Known-answer vectors; the same values are printed in docs/SEALED-BIDS.md §10.
/// Regenerate with `cargo test kat -- --nocapture` if the format changes
/// (and bump the format version).
#[test]
fn known_answer_vectors() {
    let dek = Dek::from_bytes(core::array::from_fn(|i| i as u8));
    let header = kat_header(&dek);
    let plain = b"etender sealed-bid test vector";
    let (ct, d) = stream::seal_stream(&dek, &header, &plain[..], Vec::new()).unwrap();
    let wrap_rng = &mut DeterministicRng::from_label(b"kat-wrap");
    let recipient = EnvelopeSecret::from_bytes(&[0x11; 32]);
    let w = wrap::wrap_key(
        wrap_rng,
        WrapKind::R1,
        &recipient.public_key(),
        &header.digest(),
        dek.as_bytes(),
    )
    .unwrap();
    let vectors = [
        ("dek_commitment", hex::encode(header.dek_commitment)),
        ("header_encoding", hex::encode(header.encode())),
        ("header_digest", hex::encode(header.digest())),
        ("ciphertext", hex::encode(&ct)),
        ("ciphertext_sha256", hex::encode(d.ciphertext_sha256)),
        ("plaintext_sha256", hex::encode(d.plaintext_sha256)),
        ("recipient_public", hex::encode(recipient.public_key().0)),
        ("wrap_ephemeral", hex::encode(w.ephemeral.0)),
        ("wrap_sealed_key", hex::encode(w.sealed_key)),
    ];
    for (k, v) in &vectors {
        println!("KAT {k} = {v}");
    }
    // Whole bid from a fixed seed: manifest bytes are fixed too (Ed25519 is deterministic).
    let c = committee(3, 2, b"kat-committee");
    let s = seal_bid(context(&c.policy, "T-2026-0001", 1, 1), 100, b"kat-bid", 1);
    let manifest_sha = hex::encode(bid::manifest_sha256(&s.manifest));
    println!(
        "KAT remedy_public_key = {}",
        hex::encode(s.manifest.remedy.public_key.0)
    );
    println!("KAT bid_manifest_sha256 = {manifest_sha}");
    println!(
        "KAT bid_summary_ciphertext_sha256 = {}",
        hex::encode(s.manifest.parts[0].ciphertext_sha256)
    );
    println!(
        "KAT bid_document_ciphertext_sha256 = {}",
        hex::encode(s.manifest.parts[1].ciphertext_sha256)
    );
    let expected: &[(&str, &str)] = &KAT;
    for (k, v) in expected {
        let got = vectors
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| match *k {
                "remedy_public_key" => hex::encode(s.manifest.remedy.public_key.0),
                "bid_manifest_sha256" => manifest_sha.clone(),
                _ => panic!("unknown vector {k}"),
            });
        assert_eq!(&got, v, "{k}");
    }
    // The wrap opens with the recipient key and the same binding.
    let back = recipient.unwrap_key(&w, &header.digest()).unwrap();
    assert_eq!(&*back, dek.as_bytes());
}

/// §10.2 of docs/SEALED-BIDS.md: one bid's remedy block, share 1 of 2-of-3.
#[test]
fn remedy_known_answer_vectors() {
    use super::remedy::{share_binding, share_commitment, RemedyBid, RemedyBlock, RemedyShare};
    let bid = RemedyBid {
        tender_id: "T-2026-0001",
        section_id: "S1",
        bidder_uscc: "91350100M000100Y43",
        bid_version: 1,
    };
    let secret = EnvelopeSecret::from_bytes(&[0x22; 32]);
    let custodians: Vec<EnvelopeSecret> = (0x31..=0x33u8)
        .map(|b| EnvelopeSecret::from_bytes(&[b; 32]))
        .collect();
    let shares = super::shamir::split(
        &[0x22; 32],
        3,
        2,
        &mut DeterministicRng::from_label(b"kat-remedy"),
    );
    let mut block = RemedyBlock {
        public_key: secret.public_key(),
        threshold: 2,
        shares: custodians
            .iter()
            .zip(&shares)
            .map(|(c, v)| RemedyShare {
                index: v.index,
                commitment: [0; 32],
                wrap: wrap::Wrap {
                    kind: WrapKind::Share,
                    recipient: c.public_key(),
                    ephemeral: X25519PublicKey([0; 32]),
                    sealed_key: [0; wrap::SEALED_KEY_LEN],
                },
            })
            .collect(),
    };
    let binding = block.binding(&bid);
    for (slot, v) in block.shares.iter_mut().zip(&shares) {
        slot.commitment = share_commitment(&binding, v.index, &v.value);
    }
    let w = wrap::wrap_key(
        &mut DeterministicRng::from_label(b"kat-share"),
        WrapKind::Share,
        &custodians[0].public_key(),
        &share_binding(&binding, 1),
        &shares[0].value,
    )
    .unwrap();
    block.shares[0].wrap = w.clone();
    let got = [
        ("remedy_public", hex::encode(block.public_key.0)),
        ("share_1", hex::encode(*shares[0].value)),
        ("remedy_binding", hex::encode(binding)),
        (
            "share_1_commitment",
            hex::encode(block.shares[0].commitment),
        ),
        ("share_1_wrap_ephemeral", hex::encode(w.ephemeral.0)),
        ("share_1_wrap_sealed_key", hex::encode(w.sealed_key)),
    ];
    for (k, v) in &got {
        println!("KAT {k} = {v}");
    }
    for ((k, v), (ek, ev)) in got.iter().zip(REMEDY_KAT) {
        assert_eq!((*k, v.as_str()), (ek, ev), "{k}");
    }
    // Custodian 1 decrypts and checks its share; any two shares make the remedy key.
    let s1 = block.decrypt_share(&bid, &custodians[0]).unwrap();
    assert_eq!(*s1.value, *shares[0].value);
    let key = block.recover(&bid, &[s1, shares[2].clone()]).unwrap();
    assert_eq!(key.public_key(), secret.public_key());
}

/// Reproduced by the independent Python derivation in docs/SEALED-BIDS.md §10.4.
const REMEDY_KAT: [(&str, &str); 6] = [
    (
        "remedy_public",
        "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20",
    ),
    (
        "share_1",
        "d3a01b4cd10991d86331d320a40691e9df6f2383829fd81616316f728788f0ff",
    ),
    (
        "remedy_binding",
        "fc0c819408c917b5c9066e9c8efe17eb3e21dff42f9b6a1f70d2b18f7449e4d1",
    ),
    (
        "share_1_commitment",
        "c9d3bee7c5417e7436dabf32d6d1c1c13c0edc4e3af7f19801a44cacf760b7ea",
    ),
    (
        "share_1_wrap_ephemeral",
        "1e6a8b19c305cc8955d3c90e729d2bbb3579ab4f3ae0a01f736afe167e129b64",
    ),
    (
        "share_1_wrap_sealed_key",
        "9dc5c7ddd020797071c23c72f2ac02d64b964d8be0bfaf3368f5ae39cae14c2d\
         e3b8561602cbda5d4645993bee648296",
    ),
];

/// Cross-checked with an independent implementation (pyca/cryptography), see
/// docs/SEALED-BIDS.md §10.4. Long values continue after a `\` at the end of a line (the next
/// line's indentation is not part of the string).
const KAT: [(&str, &str); 11] = [
    (
        "dek_commitment",
        "8d8c0561f2e24d0fb7363a8795d33cb25df3164bdeee961733810c7010c78e53",
    ),
    (
        "header_encoding",
        "6574656e6465722d706172742d6865616465722f763100020101010010000000\
         0000000000000b542d323032362d303030310000000000000002533100000000\
         0000001239313335303130304d303030313030593433000000010000000102a0\
         a1a2a3a4a5a68d8c0561f2e24d0fb7363a8795d33cb25df3164bdeee96173381\
         0c7010c78e53",
    ),
    (
        "header_digest",
        "e06ed4d9b4fee13a52bef72b0a312d3e24510e14654b733c07083074ae5df671",
    ),
    (
        "ciphertext",
        "12152c70dc6392e07000b943aaea963a6e6f0b9da7910836c5ee6338232d7c91\
         7fbd106db9db138a843ff69a8719",
    ),
    (
        "ciphertext_sha256",
        "09a3fcdf7a1f88e8ed5d272d4eda50547ba6a60b3fcad5ca238a637cb98effc7",
    ),
    (
        "plaintext_sha256",
        "f6e2c79495bb0a3cab09b916d43a042e6c06dea3d6ee66e058a285853cfccbdc",
    ),
    (
        "recipient_public",
        "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13",
    ),
    (
        "wrap_ephemeral",
        "b4dedda121dd4d09b8c3878d1e3e9f28defcb5691ccfb82c45dea63fa61ae266",
    ),
    (
        "wrap_sealed_key",
        "5267052c18f9d999955d1b238aabc7efbc24666f3230549c8901f737ec4aa09b\
         0b14a2b47b0c0809d6c7f61d2839bd95",
    ),
    (
        "remedy_public_key",
        "1a3bf9ad8a914204d4190f98e35fc112a9dbbb72b173476b567f6b965db83e6b",
    ),
    (
        "bid_manifest_sha256",
        "1b7099c242c4f750e7d6ed165b60625fe04cfe52287436dc922f3cbcf483c74b",
    ),
];

/// Every record of `ct` opened in place with the read path's opener, the plaintext joined.
fn open_records(dek: &Dek, header: &PartHeader, ct: &[u8]) -> Result<Vec<u8>, StreamDefect> {
    let opener = stream::RecordOpener::new(dek, header, ct.len() as u64)?;
    let mut out = Vec::new();
    let mut at = 0;
    for position in 0..opener.records() {
        let mut record = ct[at..at + opener.record_len(position)].to_vec();
        at += record.len();
        out.extend_from_slice(opener.open(position, &mut record)?);
    }
    Ok(out)
}

/// The read path's opener (in place, no digest passes) decrypts the same bytes, and refuses a
/// wrong key, a swapped, altered or dropped record, and a wrong length.
#[test]
fn the_record_opener_decrypts_the_same_bytes_and_refuses_tampering() {
    let mut rng = DeterministicRng::from_label(b"no-digests");
    let dek = Dek::generate(&mut rng);
    let header = kat_header(&dek);
    let chunk = CHUNK_SIZE as usize;
    let plain: Vec<u8> = (0..2 * chunk + 1000).map(|i| i as u8).collect();
    let (ct, _) = seal_stream(&dek, &header, plain.as_slice(), Vec::new()).unwrap();
    assert_eq!(open_records(&dek, &header, &ct).unwrap(), plain);
    let other = Dek::generate(&mut rng);
    assert_eq!(
        open_records(&other, &kat_header(&other), &ct).unwrap_err(),
        StreamDefect::TagMismatch { chunk: 0 }
    );
    assert_eq!(
        open_records(&other, &header, &ct).unwrap_err(),
        StreamDefect::KeyCommitmentMismatch
    );
    let record = stream::RecordOpener::RECORD_LEN;
    let mut swapped = ct.clone();
    swapped[..record].copy_from_slice(&ct[record..2 * record]);
    swapped[record..2 * record].copy_from_slice(&ct[..record]);
    assert_eq!(
        open_records(&dek, &header, &swapped).unwrap_err(),
        StreamDefect::TagMismatch { chunk: 0 }
    );
    let mut altered = ct.clone();
    altered[record + 7] ^= 1;
    assert_eq!(
        open_records(&dek, &header, &altered).unwrap_err(),
        StreamDefect::TagMismatch { chunk: 1 }
    );
    // The final flag follows from the length: two whole records alone are not a stream that
    // ends there.
    assert_eq!(
        open_records(&dek, &header, &ct[..2 * record]).unwrap_err(),
        StreamDefect::TagMismatch { chunk: 1 }
    );
    let opener = stream::RecordOpener::new(&dek, &header, ct.len() as u64).unwrap();
    let mut short = ct[..record - 1].to_vec();
    assert!(matches!(
        opener.open(0, &mut short),
        Err(StreamDefect::Truncated { .. })
    ));
}

#[test]
fn every_certificate_key_type_seals_and_verifies() {
    use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
    use sm2::pkcs8::EncodePrivateKey as _;
    let p256 = EcdsaKeyPair::generate_pkcs8(
        &ECDSA_P256_SHA256_ASN1_SIGNING,
        &ring::rand::SystemRandom::new(),
    )
    .unwrap();
    let sm2_der = sm2::SecretKey::random(&mut rand_core::OsRng)
        .to_pkcs8_der()
        .unwrap();
    let c = committee(3, 2, b"committee-3-2");
    let envelope = EnvelopeSecret::from_bytes(&[4; 32]);
    for (der, alg) in [
        (p256.as_ref().to_vec(), SignatureAlgorithm::EcdsaP256Sha256),
        (sm2_der.as_bytes().to_vec(), SignatureAlgorithm::Sm2Sm3),
    ] {
        let signer = SigningKey::from_pkcs8_der(&der).unwrap();
        let ctx = context(&c.policy, "T1", 3, 1);
        let mut sealer = BidSealer::new(ctx.clone(), &envelope, &signer, alg).unwrap();
        let mut doc_ct = Vec::new();
        sealer
            .seal_document("a.pdf", &b"hello"[..], &mut doc_ct)
            .unwrap();
        let summary_ct = sealer.seal_summary(&summary()).unwrap().ciphertext.unwrap();
        let m = sealer.finish().unwrap();
        let spki = signer.public_key_spki_der();
        verify_outer(&m, &ctx, &spki, alg).unwrap();
        let opened = open_summary(
            &m,
            PartKey::Envelope(&envelope),
            summary_ct.as_slice(),
            &spki,
        )
        .unwrap();
        let mut out = Vec::new();
        let part = open_with_envelope_key(&m, 1, doc_ct.as_slice(), &mut out, &envelope).unwrap();
        opened.check_document(&part).unwrap();
        assert_eq!(out, b"hello");
    }
}

/// The plaintext length follows from the ciphertext length alone, at every chunk boundary.
#[test]
fn plaintext_length_follows_from_the_ciphertext_length() {
    let dek = Dek::from_bytes([7; 32]);
    let header = kat_header(&dek);
    let chunk = CHUNK_SIZE as usize;
    for len in [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 2 * chunk + 5] {
        let plain = vec![0x5a; len];
        let (ct, _) = stream::seal_stream(&dek, &header, plain.as_slice(), Vec::new()).unwrap();
        assert_eq!(
            stream::plaintext_len(ct.len() as u64),
            Some(len as u64),
            "{len}"
        );
        assert_eq!(open_records(&dek, &header, &ct).unwrap(), plain);
    }
    assert_eq!(stream::plaintext_len(0), None);
    assert_eq!(stream::plaintext_len(TAG_LEN as u64 - 1), None);
    let record = (CHUNK_SIZE + TAG_LEN as u32) as u64;
    assert_eq!(
        stream::plaintext_len(record + 3),
        None,
        "a short tail with no room for a tag"
    );
}
