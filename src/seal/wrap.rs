//! X25519 keys and the wrap of a 256-bit key (a DEK or a Shamir share) to one.
//!
//! Wrap = fresh ephemeral X25519 key `e`; `ss = X25519(e, R)`;
//! `kek = HKDF-SHA256(salt = E ‖ R, ikm = ss, info = "etender-bid-wrap/v1" ‖ 0x00 ‖
//! kind ‖ R ‖ binding)`; `sealed = AES-256-GCM(kek, nonce = 0¹², aad = ∅, key)`.
//! A zero nonce is safe because every KEK is used exactly once (fresh `e`). The
//! binding is the header digest for DEKs, so a wrap copied to another part, bid or
//! tender derives a different KEK and fails, exactly like a wrong recipient key.
//!
//! ring has no static X25519, hence `x25519-dalek` for the recipient side.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;
use serde::{Deserialize, Serialize};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::encoding;
use super::rng::SealRng;

const WRAP_LABEL: &[u8] = b"etender-bid-wrap/v1";
/// Length of a wrapped 256-bit key: 32 bytes + 16-byte tag.
pub const SEALED_KEY_LEN: usize = 48;

/// An X25519 public key (envelope key, remedy key, ephemeral key), hex in JSON.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct X25519PublicKey(#[serde(with = "encoding::hex_array")] pub [u8; 32]);

impl std::fmt::Debug for X25519PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "X25519PublicKey({})", hex::encode(self.0))
    }
}

/// Who a wrap is addressed to; mixed into the KEK derivation so that a wrap for
/// one recipient role can never be replayed as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WrapKind {
    /// The bidder's own envelope key.
    R1,
    /// The bid's remedy key (split t-of-n among the custodians).
    R2,
    /// A custodian's envelope key (a share of a remedy key).
    Share,
}

impl WrapKind {
    pub(crate) fn code(self) -> u8 {
        match self {
            WrapKind::R1 => 1,
            WrapKind::R2 => 2,
            WrapKind::Share => 3,
        }
    }
}

/// One wrapped key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wrap {
    /// Recipient role.
    pub kind: WrapKind,
    /// The recipient's public key the wrap was made for.
    pub recipient: X25519PublicKey,
    /// Ephemeral public key `E`.
    pub ephemeral: X25519PublicKey,
    /// AES-256-GCM(kek, key) ‖ tag.
    #[serde(with = "encoding::hex_array")]
    pub sealed_key: [u8; SEALED_KEY_LEN],
}

impl Wrap {
    pub(crate) fn encode_into(&self, e: &mut encoding::Enc) {
        e.u8(self.kind.code())
            .fixed(&self.recipient.0)
            .fixed(&self.ephemeral.0)
            .fixed(&self.sealed_key);
    }
}

/// Why a wrap could not be made or opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WrapError {
    /// The peer public key is a low-order point (the shared secret would be all zeros).
    #[error("X25519 public key of low order")]
    LowOrderPoint,
    /// The wrap does not open with this key and binding: wrong key, or a wrap
    /// made for something else.
    #[error("wrap does not open with this key and binding")]
    Unwrap,
}

/// An X25519 secret: a bidder's envelope key or a custodian's. Zeroized on drop.
pub struct EnvelopeSecret {
    secret: StaticSecret,
    public: X25519PublicKey,
}

impl EnvelopeSecret {
    /// A fresh key.
    pub fn generate<R: SealRng + ?Sized>(rng: &mut R) -> EnvelopeSecret {
        let mut b = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(b.as_mut());
        Self::from_bytes(&b)
    }

    /// Restores a key from its 32 secret bytes (backup key file).
    pub fn from_bytes(bytes: &[u8; 32]) -> EnvelopeSecret {
        let secret = StaticSecret::from(*bytes);
        let public = X25519PublicKey(PublicKey::from(&secret).to_bytes());
        EnvelopeSecret { secret, public }
    }

    /// The 32 secret bytes, for the bidder tool's backup key file.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_bytes())
    }

    /// The public half.
    pub fn public_key(&self) -> X25519PublicKey {
        self.public
    }

    pub(crate) fn unwrap_key(
        &self,
        wrap: &Wrap,
        binding: &[u8; 32],
    ) -> Result<Zeroizing<[u8; 32]>, WrapError> {
        unwrap_with(&self.secret, &self.public, wrap, binding)
    }
}

impl std::fmt::Debug for EnvelopeSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvelopeSecret")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

fn kek(
    shared: &x25519_dalek::SharedSecret,
    ephemeral: &X25519PublicKey,
    recipient: &X25519PublicKey,
    kind: WrapKind,
    binding: &[u8; 32],
) -> Result<LessSafeKey, WrapError> {
    if !shared.was_contributory() {
        return Err(WrapError::LowOrderPoint);
    }
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(&ephemeral.0);
    salt[32..].copy_from_slice(&recipient.0);
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &salt).extract(shared.as_bytes());
    let info: [&[u8]; 5] = [WRAP_LABEL, &[0], &[kind.code()], &recipient.0, binding];
    // HKDF-SHA256 can expand up to 255·32 bytes; 32 are asked for, so this cannot fail.
    let okm = prk
        .expand(&info, &aead::AES_256_GCM)
        .map_err(|_| WrapError::Unwrap)?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

pub(crate) fn unwrap_with(
    secret: &StaticSecret,
    public: &X25519PublicKey,
    wrap: &Wrap,
    binding: &[u8; 32],
) -> Result<Zeroizing<[u8; 32]>, WrapError> {
    let shared = secret.diffie_hellman(&PublicKey::from(wrap.ephemeral.0));
    let key = kek(&shared, &wrap.ephemeral, public, wrap.kind, binding)?;
    let mut buf = Zeroizing::new(wrap.sealed_key);
    let plain = key
        .open_in_place(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::empty(),
            buf.as_mut(),
        )
        .map_err(|_| WrapError::Unwrap)?;
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(plain);
    Ok(out)
}

/// Wraps `key` to `recipient` for role `kind`, bound to `binding`.
pub(crate) fn wrap_key<R: SealRng + ?Sized>(
    rng: &mut R,
    kind: WrapKind,
    recipient: &X25519PublicKey,
    binding: &[u8; 32],
    key: &[u8; 32],
) -> Result<Wrap, WrapError> {
    let mut e = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(e.as_mut());
    let eph = StaticSecret::from(*e);
    let eph_pub = X25519PublicKey(PublicKey::from(&eph).to_bytes());
    let shared = eph.diffie_hellman(&PublicKey::from(recipient.0));
    let kek = kek(&shared, &eph_pub, recipient, kind, binding)?;
    let mut sealed = [0u8; SEALED_KEY_LEN];
    sealed[..32].copy_from_slice(key);
    let tag = kek
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::empty(),
            &mut sealed[..32],
        )
        .map_err(|_| WrapError::Unwrap)?;
    sealed[32..].copy_from_slice(tag.as_ref());
    Ok(Wrap {
        kind,
        recipient: *recipient,
        ephemeral: eph_pub,
        sealed_key: sealed,
    })
}
