//! The section's opening key (R2), split t-of-n among custodians.
//!
//! The key is generated, split and dropped (zeroized) in one call: between
//! publication and opening it exists only as encrypted shares, each wrapped to
//! one custodian's X25519 envelope key. At opening, t custodians decrypt their
//! shares and [`recover`] recombines them; the result must reproduce the
//! published opening public key, which catches a wrong, corrupted or foreign share.

use serde::{Deserialize, Serialize};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::encoding::{self, Enc};
use super::rng::SealRng;
use super::shamir::{self, Share};
use super::wrap::{self, EnvelopeSecret, Wrap, WrapKind, X25519PublicKey};

const SHARE_BINDING_LABEL: &str = "etender-opening-share/v1";
/// Combinations tried to find a consistent subset among more than t shares.
const MAX_SUBSETS: usize = 10_000;

/// Why shares could not be made, opened or recombined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    /// Need 2 ≤ t ≤ n ≤ 255 and exactly n custodian keys.
    #[error("invalid threshold: need 2 <= t <= n <= 255 and one key per custodian")]
    InvalidThreshold,
    /// The same custodian key appears twice (one person would hold two shares).
    #[error("custodian keys must be distinct")]
    DuplicateCustodian,
    /// The encrypted share is not addressed to this custodian key.
    #[error("share is not addressed to this custodian key")]
    WrongCustodian,
    /// The encrypted share does not decrypt (altered, or bound to another key).
    #[error("share does not decrypt")]
    ShareUndecryptable,
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
    /// The recombined key does not match the published opening public key: at
    /// least one share is wrong. `suspects` lists the shares that contradict a
    /// consistent t-subset, when one was found (then re-running [`recover`]
    /// without them opens).
    #[error("shares are inconsistent with the published opening key")]
    InconsistentShares {
        /// Indices of shares found to be wrong (empty if no consistent subset exists).
        suspects: Vec<u8>,
    },
}

/// Namespace for the opening-key ceremony.
#[derive(Debug)]
pub struct OpeningKey;

/// A share wrapped to its custodian. Public: safe to store and publish.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedShare {
    /// Share index (x coordinate), 1..=n.
    pub index: u8,
    /// Threshold t.
    pub threshold: u8,
    /// Number of shares n.
    pub total: u8,
    /// The opening public key this share belongs to.
    pub opening_public_key: X25519PublicKey,
    /// The share value wrapped to the custodian (kind [`WrapKind::Share`];
    /// `wrap.recipient` is the custodian's envelope public key).
    pub wrap: Wrap,
}

impl EncryptedShare {
    fn binding(&self) -> [u8; 32] {
        share_binding(
            &self.opening_public_key,
            self.threshold,
            self.total,
            self.index,
            &self.wrap.recipient,
        )
    }

    /// The custodian decrypts its share with its envelope secret.
    pub fn decrypt(&self, custodian: &EnvelopeSecret) -> Result<Share, ShareError> {
        if custodian.public_key() != self.wrap.recipient || self.wrap.kind != WrapKind::Share {
            return Err(ShareError::WrongCustodian);
        }
        let value = custodian
            .unwrap_key(&self.wrap, &self.binding())
            .map_err(|_| ShareError::ShareUndecryptable)?;
        Ok(Share {
            index: self.index,
            value,
        })
    }
}

fn share_binding(
    opening: &X25519PublicKey,
    t: u8,
    n: u8,
    index: u8,
    custodian: &X25519PublicKey,
) -> [u8; 32] {
    let mut e = Enc::with_label(SHARE_BINDING_LABEL);
    e.fixed(&opening.0)
        .u8(t)
        .u8(n)
        .u8(index)
        .fixed(&custodian.0);
    encoding::sha256(&e.into_bytes())
}

impl OpeningKey {
    /// Generates an opening key, splits it t-of-n, wraps share i to
    /// `custodians[i-1]`, and forgets the key. Returns the public key to publish
    /// with the tender and the encrypted shares to hand out.
    pub fn generate_and_split<R: SealRng + ?Sized>(
        n: u8,
        t: u8,
        custodians: &[X25519PublicKey],
        rng: &mut R,
    ) -> Result<(X25519PublicKey, Vec<EncryptedShare>), ShareError> {
        if t < 2 || t > n || custodians.len() != usize::from(n) {
            return Err(ShareError::InvalidThreshold);
        }
        let mut sorted = custodians.to_vec();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != custodians.len() {
            return Err(ShareError::DuplicateCustodian);
        }
        let mut secret = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(secret.as_mut());
        let public = X25519PublicKey(PublicKey::from(&StaticSecret::from(*secret)).to_bytes());
        let shares = shamir::split(&secret, n, t, rng);
        drop(secret);
        let mut out = Vec::with_capacity(shares.len());
        for (share, custodian) in shares.iter().zip(custodians) {
            let binding = share_binding(&public, t, n, share.index, custodian);
            let wrap = wrap::wrap_key(rng, WrapKind::Share, custodian, &binding, &share.value)
                .map_err(|_| ShareError::InvalidThreshold)?;
            out.push(EncryptedShare {
                index: share.index,
                threshold: t,
                total: n,
                opening_public_key: public,
                wrap,
            });
        }
        Ok((public, out))
    }
}

/// The recovered opening secret. Exists only during the opening; zeroized on drop.
pub struct OpeningSecret {
    secret: StaticSecret,
    public: X25519PublicKey,
}

impl OpeningSecret {
    /// The public key it matches (equal to the published one by construction).
    pub fn public_key(&self) -> X25519PublicKey {
        self.public
    }

    pub(crate) fn unwrap_key(
        &self,
        w: &Wrap,
        binding: &[u8; 32],
    ) -> Result<Zeroizing<[u8; 32]>, wrap::WrapError> {
        wrap::unwrap_with(&self.secret, &self.public, w, binding)
    }
}

impl std::fmt::Debug for OpeningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpeningSecret")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

fn try_secret(shares: &[&Share], expected: &X25519PublicKey) -> Option<OpeningSecret> {
    let bytes = shamir::combine(shares);
    let secret = StaticSecret::from(*bytes);
    let public = X25519PublicKey(PublicKey::from(&secret).to_bytes());
    // Public keys are public; a plain comparison leaks nothing.
    (public == *expected).then_some(OpeningSecret { secret, public })
}

/// Recombines at least `t` shares into the opening secret and checks it against
/// the published `opening_public_key`.
///
/// With more than `t` shares and a mismatch, it looks for a consistent
/// `t`-subset (bounded search) so that the bad shares can be named.
pub fn recover(
    shares: &[Share],
    t: u8,
    opening_public_key: &X25519PublicKey,
) -> Result<OpeningSecret, ShareError> {
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
    }
    let all: Vec<&Share> = shares.iter().collect();
    if let Some(secret) = try_secret(&all, opening_public_key) {
        return Ok(secret);
    }
    // Some share is wrong. A consistent t-subset both names the culprits and, if
    // one exists among honest shares, still opens.
    let t = usize::from(t);
    let mut idx: Vec<usize> = (0..t).collect();
    for _ in 0..MAX_SUBSETS {
        let subset: Vec<&Share> = idx.iter().map(|&i| all[i]).collect();
        if try_secret(&subset, opening_public_key).is_some() {
            // t−1 good shares plus a candidate reproduce the key iff the candidate
            // lies on the same polynomial.
            let base = &subset[..t - 1];
            let suspects = all
                .iter()
                .filter(|s| !subset.iter().any(|g| g.index == s.index))
                .filter(|s| {
                    let mut probe: Vec<&Share> = base.to_vec();
                    probe.push(s);
                    try_secret(&probe, opening_public_key).is_none()
                })
                .map(|s| s.index)
                .collect();
            return Err(ShareError::InconsistentShares { suspects });
        }
        // Next combination in lexicographic order.
        let Some(pos) = (0..t).rev().find(|&p| idx[p] < all.len() - t + p) else {
            break;
        };
        idx[pos] += 1;
        for q in pos + 1..t {
            idx[q] = idx[q - 1] + 1;
        }
    }
    Err(ShareError::InconsistentShares {
        suspects: Vec::new(),
    })
}
