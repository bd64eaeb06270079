//! The remedy path (R2): a per-bid key that the bidder's tool splits t-of-n among the
//! section's custodians itself.
//!
//! Format v1 had the server generate one opening key per section at publication, split it
//! and drop it: for that moment the whole key, which opens every bid of the section, existed
//! in the server process. In v2 nobody but the bidder ever holds a key to its bid before the
//! opening. The bidder's tool draws a fresh X25519 *remedy key* per bid, wraps every part's
//! DEK to its public half (the R2 wrap), splits the secret with Shamir (t-of-n, [`shamir`])
//! and wraps share i to custodian i's registered envelope key. Next to each share wrap it
//! puts a commitment to the share value, and the outer signature covers all of it. After the
//! deadline, t custodians decrypt their shares of each bid still sealed and release them.
//!
//! Each released share is checked on its own against the commitment the bidder signed, so a
//! wrong share is attributed to the custodian who released it and the others still open the
//! bid. When t shares that each equal their commitment do not recombine to the remedy public
//! key, the bidder signed inconsistent shares: that is the bidder's fault.

use serde::{Deserialize, Serialize};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::encoding::{self, Enc};
use super::rng::SealRng;
use super::shamir::{self, Share};
use super::wrap::{self, EnvelopeSecret, Wrap, WrapError, WrapKind, X25519PublicKey};

const REMEDY_LABEL: &str = "etender-remedy/v2";
const SHARE_BINDING_LABEL: &str = "etender-remedy-share/v2";
const SHARE_COMMIT_LABEL: &str = "etender-remedy-share-commit/v2";
/// Combinations tried to find a consistent subset among more than t shares.
const MAX_SUBSETS: usize = 10_000;

/// Why shares could not be made, opened, checked or recombined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    /// Need 2 ≤ t ≤ n ≤ 255 and exactly n custodian keys.
    #[error("invalid threshold: need 2 <= t <= n <= 255 and one key per custodian")]
    InvalidThreshold,
    /// The same custodian key appears twice (one person would hold two shares).
    #[error("custodian keys must be distinct")]
    DuplicateCustodian,
    /// No share of this bid is addressed to this custodian key (or has this index).
    #[error("no share of this bid for this custodian")]
    WrongCustodian,
    /// The share wrap does not decrypt with the custodian's key (altered, or made for
    /// another key).
    #[error("share does not decrypt")]
    ShareUndecryptable,
    /// The share value differs from the commitment the bidder signed. Released by a
    /// custodian: the custodian's fault. Found by a custodian's tool right after decrypting
    /// its own wrap: the bidder wrapped something else than it committed to.
    #[error("share {index} differs from the bidder's commitment")]
    CommitmentMismatch {
        /// Share index.
        index: u8,
    },
    /// Fewer than t shares.
    #[error("{got} shares given, {needed} needed")]
    NotEnoughShares {
        /// Shares given.
        got: usize,
        /// Threshold.
        needed: u8,
    },
    /// Two shares with the same index, or index 0.
    #[error("duplicate or zero share index {0}")]
    BadIndex(u8),
    /// Shares that each equal the bidder's commitment do not recombine to the bid's remedy
    /// public key, in any t-subset: the bidder committed to shares of another secret.
    #[error("the committed shares do not recombine to the remedy public key")]
    InconsistentCommitments,
}

/// What a section publishes for the remedy path: the threshold and the custodians' envelope
/// public keys in share order (share i goes to `custodians[i-1]`). Public keys only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemedyPolicy {
    /// Shares needed to recover a bid's remedy key.
    pub threshold: u8,
    /// The custodians' registered X25519 envelope keys, share 1 first.
    pub custodians: Vec<X25519PublicKey>,
}

impl RemedyPolicy {
    /// 2 ≤ t ≤ n ≤ 255, distinct keys.
    pub fn validate(&self) -> Result<(), ShareError> {
        let n = self.custodians.len();
        if self.threshold < 2 || usize::from(self.threshold) > n || n > 255 {
            return Err(ShareError::InvalidThreshold);
        }
        let mut sorted = self.custodians.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != n {
            return Err(ShareError::DuplicateCustodian);
        }
        Ok(())
    }
}

/// One custodian's share of a bid's remedy key, as the manifest carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemedyShare {
    /// Share index (x coordinate), 1..=n.
    pub index: u8,
    /// SHA-256(label("etender-remedy-share-commit/v2") ‖ remedy_binding ‖ index ‖ value).
    #[serde(with = "encoding::hex_array")]
    pub commitment: [u8; 32],
    /// The share value wrapped to the custodian (kind [`WrapKind::Share`]; `wrap.recipient`
    /// is the custodian's envelope public key).
    pub wrap: Wrap,
}

/// The remedy block of a manifest: the per-bid remedy public key (the R2 recipient of every
/// part), the threshold and one share per custodian.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemedyBlock {
    /// The bid's remedy public key.
    pub public_key: X25519PublicKey,
    /// Threshold t.
    pub threshold: u8,
    /// Shares 1..=n in order.
    pub shares: Vec<RemedyShare>,
}

/// The bid a remedy block belongs to (the fields its binding covers).
#[derive(Clone, Copy, Debug)]
pub struct RemedyBid<'a> {
    /// Tender id.
    pub tender_id: &'a str,
    /// Section id.
    pub section_id: &'a str,
    /// Bidder USCC.
    pub bidder_uscc: &'a str,
    /// Bid version.
    pub bid_version: u32,
}

impl RemedyBlock {
    /// SHA-256 of `label("etender-remedy/v2") ‖ var(tender_id) ‖ var(section_id) ‖
    /// var(bidder_uscc) ‖ bid_version u32 ‖ remedy_public_key (32) ‖ t u8 ‖ n u8 ‖
    /// each share's custodian key (32)`: what every share wrap and commitment is bound to.
    pub fn binding(&self, bid: &RemedyBid<'_>) -> [u8; 32] {
        let mut e = Enc::with_label(REMEDY_LABEL);
        e.str(bid.tender_id)
            .str(bid.section_id)
            .str(bid.bidder_uscc)
            .u32(bid.bid_version)
            .fixed(&self.public_key.0)
            .u8(self.threshold)
            .u8(u8::try_from(self.shares.len()).unwrap_or(u8::MAX));
        for s in &self.shares {
            e.fixed(&s.wrap.recipient.0);
        }
        encoding::sha256(&e.into_bytes())
    }

    /// What the outer signature covers of the block (after the binding, in the context).
    pub(crate) fn encode_into(&self, e: &mut Enc) {
        e.u64(self.shares.len() as u64);
        for s in &self.shares {
            e.u8(s.index).fixed(&s.commitment);
            s.wrap.encode_into(e);
        }
    }

    /// The share with this index.
    pub fn share(&self, index: u8) -> Option<&RemedyShare> {
        self.shares.iter().find(|s| s.index == index)
    }

    /// The share addressed to this custodian key.
    pub fn share_for(&self, custodian: &X25519PublicKey) -> Option<&RemedyShare> {
        self.shares.iter().find(|s| s.wrap.recipient == *custodian)
    }

    /// Server side: checks one released share on its own against the bidder's commitment.
    pub fn check_share(
        &self,
        bid: &RemedyBid<'_>,
        index: u8,
        value: &[u8; 32],
    ) -> Result<(), ShareError> {
        let s = self.share(index).ok_or(ShareError::WrongCustodian)?;
        // Commitments are public; comparing them leaks nothing.
        if share_commitment(&self.binding(bid), index, value) != s.commitment {
            return Err(ShareError::CommitmentMismatch { index });
        }
        Ok(())
    }

    /// Custodian side: decrypts this custodian's share of the bid and checks it against the
    /// commitment before anything is released.
    pub fn decrypt_share(
        &self,
        bid: &RemedyBid<'_>,
        custodian: &EnvelopeSecret,
    ) -> Result<Share, ShareError> {
        let s = self
            .share_for(&custodian.public_key())
            .filter(|s| s.wrap.kind == WrapKind::Share)
            .ok_or(ShareError::WrongCustodian)?;
        let binding = self.binding(bid);
        let value = custodian
            .unwrap_key(&s.wrap, &share_binding(&binding, s.index))
            .map_err(|_| ShareError::ShareUndecryptable)?;
        if share_commitment(&binding, s.index, &value) != s.commitment {
            return Err(ShareError::CommitmentMismatch { index: s.index });
        }
        Ok(Share {
            index: s.index,
            value,
        })
    }

    /// Recombines at least t shares, each checked against its commitment, into the remedy
    /// secret, and checks it against the remedy public key. With more than t shares and a
    /// mismatch it looks for a t-subset that opens (bounded search).
    pub fn recover(
        &self,
        bid: &RemedyBid<'_>,
        shares: &[Share],
    ) -> Result<RemedySecret, ShareError> {
        let t = self.threshold;
        if t < 2 {
            return Err(ShareError::InvalidThreshold);
        }
        if shares.len() < usize::from(t) {
            return Err(ShareError::NotEnoughShares {
                got: shares.len(),
                needed: t,
            });
        }
        let mut seen = [false; 256];
        for s in shares {
            let slot = &mut seen[usize::from(s.index)];
            if s.index == 0 || *slot {
                return Err(ShareError::BadIndex(s.index));
            }
            *slot = true;
            self.check_share(bid, s.index, &s.value)?;
        }
        let all: Vec<&Share> = shares.iter().collect();
        if let Some(secret) = try_secret(&all, &self.public_key) {
            return Ok(secret);
        }
        let t = usize::from(t);
        let mut idx: Vec<usize> = (0..t).collect();
        for _ in 0..MAX_SUBSETS {
            let subset: Vec<&Share> = idx.iter().map(|&i| all[i]).collect();
            if let Some(secret) = try_secret(&subset, &self.public_key) {
                return Ok(secret);
            }
            let Some(pos) = (0..t).rev().find(|&p| idx[p] < all.len() - t + p) else {
                break;
            };
            idx[pos] += 1;
            for q in pos + 1..t {
                idx[q] = idx[q - 1] + 1;
            }
        }
        Err(ShareError::InconsistentCommitments)
    }
}

pub(crate) fn share_binding(remedy_binding: &[u8; 32], index: u8) -> [u8; 32] {
    let mut e = Enc::with_label(SHARE_BINDING_LABEL);
    e.fixed(remedy_binding).u8(index);
    encoding::sha256(&e.into_bytes())
}

/// The commitment to share `index` of the bid whose remedy binding is `remedy_binding`.
pub fn share_commitment(remedy_binding: &[u8; 32], index: u8, value: &[u8; 32]) -> [u8; 32] {
    let mut e = Enc::with_label(SHARE_COMMIT_LABEL);
    e.fixed(remedy_binding).u8(index).fixed(value);
    encoding::sha256(&e.into_bytes())
}

/// Bidder side: draws a remedy key, splits it t-of-n, wraps share i to
/// `policy.custodians[i-1]` with its commitment, and forgets the secret. Only the block,
/// which holds public keys, commitments and wraps, leaves this function.
pub(crate) fn make_block<R: SealRng + ?Sized>(
    bid: &RemedyBid<'_>,
    policy: &RemedyPolicy,
    rng: &mut R,
) -> Result<RemedyBlock, ShareError> {
    policy.validate()?;
    let n = u8::try_from(policy.custodians.len()).map_err(|_| ShareError::InvalidThreshold)?;
    let t = policy.threshold;
    let mut secret = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(secret.as_mut());
    let public = X25519PublicKey(PublicKey::from(&StaticSecret::from(*secret)).to_bytes());
    let values = shamir::split(&secret, n, t, rng);
    drop(secret);
    let mut block = RemedyBlock {
        public_key: public,
        threshold: t,
        shares: Vec::with_capacity(values.len()),
    };
    // The binding covers the custodian keys, which the wraps below are made for: build the
    // share list with placeholder wraps to those recipients first.
    for (v, custodian) in values.iter().zip(&policy.custodians) {
        block.shares.push(RemedyShare {
            index: v.index,
            commitment: [0; 32],
            wrap: Wrap {
                kind: WrapKind::Share,
                recipient: *custodian,
                ephemeral: X25519PublicKey([0; 32]),
                sealed_key: [0; wrap::SEALED_KEY_LEN],
            },
        });
    }
    let binding = block.binding(bid);
    for (slot, v) in block.shares.iter_mut().zip(&values) {
        let recipient = slot.wrap.recipient;
        slot.commitment = share_commitment(&binding, v.index, &v.value);
        slot.wrap = wrap::wrap_key(
            rng,
            WrapKind::Share,
            &recipient,
            &share_binding(&binding, v.index),
            &v.value,
        )
        .map_err(|e: WrapError| match e {
            WrapError::LowOrderPoint | WrapError::Unwrap => ShareError::InvalidThreshold,
        })?;
    }
    Ok(block)
}

/// A bid's recovered remedy secret. Exists only during the opening; zeroized on drop.
pub struct RemedySecret {
    secret: StaticSecret,
    public: X25519PublicKey,
}

impl RemedySecret {
    /// The public key it matches (the bid's remedy public key, by construction).
    pub fn public_key(&self) -> X25519PublicKey {
        self.public
    }

    pub(crate) fn unwrap_key(
        &self,
        w: &Wrap,
        binding: &[u8; 32],
    ) -> Result<Zeroizing<[u8; 32]>, WrapError> {
        wrap::unwrap_with(&self.secret, &self.public, w, binding)
    }
}

impl std::fmt::Debug for RemedySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemedySecret")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

fn try_secret(shares: &[&Share], expected: &X25519PublicKey) -> Option<RemedySecret> {
    let bytes = shamir::combine(shares);
    let secret = StaticSecret::from(*bytes);
    let public = X25519PublicKey(PublicKey::from(&secret).to_bytes());
    // Public keys are public; a plain comparison leaks nothing.
    (public == *expected).then_some(RemedySecret { secret, public })
}
