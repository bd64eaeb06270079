//! Signature algorithms, client-side signing and server-side verification.
//!
//! Everything ring supports (ECDSA P-256, RSA PKCS#1 v1.5 and PSS, Ed25519) goes
//! through ring; SM2 goes through RustCrypto `sm2`, because ring has no SM2.
//!
//! Wire formats, chosen to match what Chinese CA tooling and X.509 emit:
//! - ECDSA and SM2 signatures are ASN.1 DER `SEQUENCE { r INTEGER, s INTEGER }`.
//! - SM2 signs `SM3(Z ‖ M)` with the GM/T 0009 default distinguishing ID
//!   `1234567812345678`, the same value GM/T 0015 certificates are signed with.
//! - RSA-PSS is SHA-256 / MGF1-SHA-256 / 32-byte salt.
//!
//! Public keys travel as DER SubjectPublicKeyInfo. SM2 keys are `id-ecPublicKey`
//! with the named curve `sm2p256v1`; the curve OID, not the algorithm OID, is what
//! tells them apart from P-256 keys.

use der::asn1::{AnyRef, BitString, Null, ObjectIdentifier, UintRef};
use der::{Decode, Encode};
use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, KeyPair as _};
use sm2::pkcs8::DecodePrivateKey as _;
use spki::{AlgorithmIdentifier, SubjectPublicKeyInfo, SubjectPublicKeyInfoRef};

/// GM/T 0009-2012 default user ID, used for every SM2 signature in this system.
pub const SM2_DEFAULT_DIST_ID: &str = "1234567812345678";

/// Smallest RSA modulus accepted for verification.
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted (ring's verification limit).
pub const MAX_RSA_BITS: usize = 8192;

/// Algorithm OIDs used across the crypto layer.
pub mod oid {
    use der::asn1::ObjectIdentifier;

    /// id-ecPublicKey
    pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    /// prime256v1 / secp256r1
    pub const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    /// sm2p256v1 (GM/T 0006)
    pub const SM2P256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
    /// rsaEncryption
    pub const RSA_ENCRYPTION: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    /// id-Ed25519
    pub const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
    /// ecdsa-with-SHA256
    pub const ECDSA_WITH_SHA256: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
    /// sha256WithRSAEncryption
    pub const SHA256_WITH_RSA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
    /// id-RSASSA-PSS
    pub const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
    /// id-mgf1
    pub const MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
    /// id-sha256
    pub const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// SM2-with-SM3 (GM/T 0006)
    pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
}

/// A signature scheme a client may use to sign documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureAlgorithm {
    /// ECDSA on P-256 with SHA-256, DER signature.
    EcdsaP256Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RsaPkcs1Sha256,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt.
    RsaPssSha256,
    /// Ed25519 (pure).
    Ed25519,
    /// SM2 with SM3 and the default distinguishing ID, DER signature.
    Sm2Sm3,
}

impl SignatureAlgorithm {
    /// Every supported algorithm, for iteration in docs and tests.
    pub const ALL: [SignatureAlgorithm; 5] = [
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::RsaPkcs1Sha256,
        SignatureAlgorithm::RsaPssSha256,
        SignatureAlgorithm::Ed25519,
        SignatureAlgorithm::Sm2Sm3,
    ];

    /// Stable snake_case name (same as the serde form).
    pub fn as_str(&self) -> &'static str {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => "ecdsa_p256_sha256",
            SignatureAlgorithm::RsaPkcs1Sha256 => "rsa_pkcs1_sha256",
            SignatureAlgorithm::RsaPssSha256 => "rsa_pss_sha256",
            SignatureAlgorithm::Ed25519 => "ed25519",
            SignatureAlgorithm::Sm2Sm3 => "sm2_sm3",
        }
    }

    /// Inverse of [`as_str`](Self::as_str).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The only key type this algorithm may be used with.
    pub fn key_algorithm(&self) -> KeyAlgorithm {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => KeyAlgorithm::EcdsaP256,
            SignatureAlgorithm::RsaPkcs1Sha256 | SignatureAlgorithm::RsaPssSha256 => {
                KeyAlgorithm::Rsa
            }
            SignatureAlgorithm::Ed25519 => KeyAlgorithm::Ed25519,
            SignatureAlgorithm::Sm2Sm3 => KeyAlgorithm::Sm2,
        }
    }

    /// DER `AlgorithmIdentifier` for this algorithm as used in X.509 certificates
    /// and CRLs (parameters per RFC 5758 / 4055 / 8410 and GM/T 0015).
    pub fn x509_algorithm_identifier_der(&self) -> Vec<u8> {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => encode_alg_id(&oid::ECDSA_WITH_SHA256, None),
            SignatureAlgorithm::RsaPkcs1Sha256 => {
                encode_alg_id(&oid::SHA256_WITH_RSA, Some(NULL_DER))
            }
            SignatureAlgorithm::RsaPssSha256 => {
                encode_alg_id(&oid::RSASSA_PSS, Some(PSS_SHA256_PARAMS_DER))
            }
            SignatureAlgorithm::Ed25519 => encode_alg_id(&oid::ED25519, None),
            SignatureAlgorithm::Sm2Sm3 => encode_alg_id(&oid::SM2_WITH_SM3, None),
        }
    }
}

impl std::fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Key type of a SubjectPublicKeyInfo or PKCS#8 private key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAlgorithm {
    /// EC key on NIST P-256.
    EcdsaP256,
    /// RSA key.
    Rsa,
    /// Ed25519 key.
    Ed25519,
    /// EC key on sm2p256v1.
    Sm2,
}

impl KeyAlgorithm {
    /// Stable snake_case name (same as the serde form).
    pub fn as_str(&self) -> &'static str {
        match self {
            KeyAlgorithm::EcdsaP256 => "ecdsa_p256",
            KeyAlgorithm::Rsa => "rsa",
            KeyAlgorithm::Ed25519 => "ed25519",
            KeyAlgorithm::Sm2 => "sm2",
        }
    }

    /// The signature algorithm a key of this type uses unless told otherwise.
    pub fn default_signature_algorithm(&self) -> SignatureAlgorithm {
        match self {
            KeyAlgorithm::EcdsaP256 => SignatureAlgorithm::EcdsaP256Sha256,
            KeyAlgorithm::Rsa => SignatureAlgorithm::RsaPkcs1Sha256,
            KeyAlgorithm::Ed25519 => SignatureAlgorithm::Ed25519,
            KeyAlgorithm::Sm2 => SignatureAlgorithm::Sm2Sm3,
        }
    }
}

impl std::fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The key type or signature scheme is not one this system supports.
    #[error("unsupported signature or key algorithm")]
    UnsupportedAlgorithm,
    /// The signature algorithm cannot be used with this key type.
    #[error("signature algorithm does not match the key type")]
    AlgorithmKeyMismatch,
    /// The SubjectPublicKeyInfo (or the key inside it) is not well formed.
    #[error("malformed public key")]
    MalformedKey,
    /// The signature is malformed or does not match the message and key.
    #[error("signature verification failed")]
    BadSignature,
    /// The key is too weak to be trusted (RSA below 2048 bits).
    #[error("public key is too weak")]
    WeakKey,
}

/// Why a private key could not be loaded or used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not a well-formed PKCS#8 private key (DER or PEM "PRIVATE KEY").
    #[error("malformed PKCS#8 private key")]
    Malformed,
    /// A well-formed key of a type or size this system cannot sign with, or an
    /// algorithm that does not fit the key.
    #[error("unsupported private key type or signature algorithm")]
    Unsupported,
    /// The signing operation itself failed.
    #[error("signing failed")]
    Signing,
}

enum Inner {
    EcdsaP256(ring_sig::EcdsaKeyPair),
    Rsa(ring_sig::RsaKeyPair),
    Ed25519(ring_sig::Ed25519KeyPair),
    Sm2(Box<sm2::dsa::SigningKey>),
}

/// A private key held by a client (bidder tool, tests, CLI).
///
/// The server never holds bidders' private keys; it only calls [`verify_signature`].
pub struct SigningKey {
    inner: Inner,
    spki_der: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.key_algorithm())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Loads a PKCS#8 (v1 or v2) DER private key: P-256, RSA (2048–4096), Ed25519 or SM2.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = sm2::pkcs8::PrivateKeyInfo::try_from(der).map_err(|_| KeyError::Malformed)?;
        let alg_oid = info.algorithm.oid;
        let inner = if alg_oid == oid::RSA_ENCRYPTION {
            // ring rejects RSA keys outside 2048..=4096 bits here; that is a key we
            // will not sign with, not a malformed one.
            Inner::Rsa(ring_sig::RsaKeyPair::from_pkcs8(der).map_err(|_| KeyError::Unsupported)?)
        } else if alg_oid == oid::ED25519 {
            // "maybe_unchecked" accepts PKCS#8 v1 without the public key, which is
            // what OpenSSL writes for Ed25519.
            Inner::Ed25519(
                ring_sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .map_err(|_| KeyError::Malformed)?,
            )
        } else if alg_oid == oid::EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|_| KeyError::Malformed)?;
            if curve == oid::SECP256R1 {
                let rng = SystemRandom::new();
                Inner::EcdsaP256(
                    ring_sig::EcdsaKeyPair::from_pkcs8(
                        &ring_sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                        der,
                        &rng,
                    )
                    .map_err(|_| KeyError::Malformed)?,
                )
            } else if curve == oid::SM2P256V1 {
                let secret =
                    sm2::SecretKey::from_pkcs8_der(der).map_err(|_| KeyError::Malformed)?;
                Inner::Sm2(Box::new(
                    sm2::dsa::SigningKey::new(SM2_DEFAULT_DIST_ID, &secret)
                        .map_err(|_| KeyError::Malformed)?,
                ))
            } else {
                return Err(KeyError::Unsupported);
            }
        } else {
            return Err(KeyError::Unsupported);
        };
        let spki_der = spki_of(&inner).map_err(|_| KeyError::Malformed)?;
        Ok(SigningKey { inner, spki_der })
    }

    /// Loads a PEM "PRIVATE KEY" (PKCS#8). Other PEM labels are refused rather than
    /// guessed at (e.g. "EC PRIVATE KEY" is SEC1, not PKCS#8).
    pub fn from_pkcs8_pem(pem_text: &str) -> Result<Self, KeyError> {
        let block = pem::parse(pem_text).map_err(|_| KeyError::Malformed)?;
        if block.tag() != "PRIVATE KEY" {
            return Err(KeyError::Malformed);
        }
        let der = zeroize::Zeroizing::new(block.into_contents());
        Self::from_pkcs8_der(&der)
    }

    /// Key type.
    pub fn key_algorithm(&self) -> KeyAlgorithm {
        match &self.inner {
            Inner::EcdsaP256(_) => KeyAlgorithm::EcdsaP256,
            Inner::Rsa(_) => KeyAlgorithm::Rsa,
            Inner::Ed25519(_) => KeyAlgorithm::Ed25519,
            Inner::Sm2(_) => KeyAlgorithm::Sm2,
        }
    }

    /// The natural signature algorithm for this key (RSA → PKCS#1 v1.5 SHA-256).
    pub fn default_signature_algorithm(&self) -> SignatureAlgorithm {
        self.key_algorithm().default_signature_algorithm()
    }

    /// Signs `msg` with `alg`, which must fit the key type.
    pub fn sign(&self, alg: SignatureAlgorithm, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        if alg.key_algorithm() != self.key_algorithm() {
            return Err(KeyError::Unsupported);
        }
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::EcdsaP256(kp) => kp
                .sign(&rng, msg)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::Signing),
            Inner::Rsa(kp) => {
                let padding: &'static dyn ring_sig::RsaEncoding = match alg {
                    SignatureAlgorithm::RsaPssSha256 => &ring_sig::RSA_PSS_SHA256,
                    _ => &ring_sig::RSA_PKCS1_SHA256,
                };
                let mut out = vec![0u8; kp.public().modulus_len()];
                kp.sign(padding, &rng, msg, &mut out)
                    .map_err(|_| KeyError::Signing)?;
                Ok(out)
            }
            Inner::Ed25519(kp) => Ok(kp.sign(msg).as_ref().to_vec()),
            Inner::Sm2(sk) => {
                use signature::Signer as _;
                let sig: sm2::dsa::Signature = sk.try_sign(msg).map_err(|_| KeyError::Signing)?;
                encode_rs_der(&sig.r_bytes(), &sig.s_bytes()).map_err(|_| KeyError::Signing)
            }
        }
    }

    /// DER SubjectPublicKeyInfo of the matching public key.
    pub fn public_key_spki_der(&self) -> Vec<u8> {
        self.spki_der.clone()
    }
}

fn spki_of(inner: &Inner) -> Result<Vec<u8>, der::Error> {
    match inner {
        Inner::EcdsaP256(kp) => encode_spki(
            oid::EC_PUBLIC_KEY,
            Some(der::Any::encode_from(&oid::SECP256R1)?),
            kp.public_key().as_ref(),
        ),
        Inner::Rsa(kp) => encode_spki(
            oid::RSA_ENCRYPTION,
            Some(der::Any::encode_from(&Null)?),
            kp.public().as_ref(),
        ),
        Inner::Ed25519(kp) => encode_spki(oid::ED25519, None, kp.public_key().as_ref()),
        Inner::Sm2(sk) => encode_spki(
            oid::EC_PUBLIC_KEY,
            Some(der::Any::encode_from(&oid::SM2P256V1)?),
            &sk.verifying_key().to_sec1_bytes(),
        ),
    }
}

/// Encodes a DER SubjectPublicKeyInfo.
pub(crate) fn encode_spki(
    alg: ObjectIdentifier,
    parameters: Option<der::Any>,
    key: &[u8],
) -> Result<Vec<u8>, der::Error> {
    SubjectPublicKeyInfo {
        algorithm: AlgorithmIdentifier {
            oid: alg,
            parameters,
        },
        subject_public_key: BitString::from_bytes(key)?,
    }
    .to_der()
}

const NULL_DER: &[u8] = &[0x05, 0x00];

/// RSASSA-PSS-params for SHA-256 / MGF1-SHA-256 / salt 32 (trailer field default),
/// the canonical encoding from RFC 4055 §3.1 with explicit NULL hash parameters.
const PSS_SHA256_PARAMS_DER: &[u8] = &[
    0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
    0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
    0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0xa2, 0x03, 0x02, 0x01, 0x20,
];

fn encode_alg_id(alg: &ObjectIdentifier, params: Option<&[u8]>) -> Vec<u8> {
    // Hand-assembled rather than via `der` so this stays infallible: the OID and the
    // parameter constants are short, well-formed and known at compile time.
    let oid_bytes = alg.as_bytes();
    let mut body = Vec::with_capacity(oid_bytes.len() + 2 + params.map_or(0, <[u8]>::len));
    body.push(0x06);
    push_len(&mut body, oid_bytes.len());
    body.extend_from_slice(oid_bytes);
    if let Some(p) = params {
        body.extend_from_slice(p);
    }
    let mut out = Vec::with_capacity(body.len() + 4);
    out.push(0x30);
    push_len(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// DER `SEQUENCE { r INTEGER, s INTEGER }` from big-endian unsigned scalars.
fn encode_rs_der(r: &[u8], s: &[u8]) -> Result<Vec<u8>, der::Error> {
    vec![UintRef::new(r)?, UintRef::new(s)?].to_der()
}

/// Parses a DER `SEQUENCE { r INTEGER, s INTEGER }` into a 64-byte r‖s.
fn decode_rs_der(sig: &[u8]) -> Option<[u8; 64]> {
    let ints = Vec::<UintRef<'_>>::from_der(sig).ok()?;
    let [r, s] = ints.as_slice() else {
        return None;
    };
    let mut out = [0u8; 64];
    for (int, half) in [r, s].into_iter().zip(out.chunks_exact_mut(32)) {
        let bytes = int.as_bytes();
        if bytes.len() > 32 {
            return None;
        }
        half[32 - bytes.len()..].copy_from_slice(bytes);
    }
    Some(out)
}

/// A parsed SubjectPublicKeyInfo: key type and the raw key bytes (BIT STRING contents).
pub(crate) struct ParsedSpki<'a> {
    pub(crate) algorithm: KeyAlgorithm,
    pub(crate) key: &'a [u8],
}

pub(crate) fn parse_spki(spki_der: &[u8]) -> Result<ParsedSpki<'_>, VerifyError> {
    let spki =
        SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|_| VerifyError::MalformedKey)?;
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or(VerifyError::MalformedKey)?;
    let alg = spki.algorithm.oid;
    let params = spki.algorithm.parameters;
    let algorithm = if alg == oid::RSA_ENCRYPTION {
        // RFC 3279 requires NULL; absent is tolerated because some encoders drop it.
        if params.is_some() && params != Some(AnyRef::NULL) {
            return Err(VerifyError::MalformedKey);
        }
        KeyAlgorithm::Rsa
    } else if alg == oid::ED25519 {
        if params.is_some() || key.len() != 32 {
            return Err(VerifyError::MalformedKey);
        }
        KeyAlgorithm::Ed25519
    } else if alg == oid::EC_PUBLIC_KEY {
        let curve = params
            .ok_or(VerifyError::MalformedKey)?
            .decode_as::<ObjectIdentifier>()
            .map_err(|_| VerifyError::MalformedKey)?;
        // ring and sm2 both want an uncompressed SEC1 point.
        if key.len() != 65 || key[0] != 0x04 {
            return Err(VerifyError::MalformedKey);
        }
        if curve == oid::SECP256R1 {
            KeyAlgorithm::EcdsaP256
        } else if curve == oid::SM2P256V1 {
            KeyAlgorithm::Sm2
        } else {
            return Err(VerifyError::UnsupportedAlgorithm);
        }
    } else if alg == oid::SM2P256V1 {
        // Some early SM2 toolkits put the curve OID in the algorithm field itself.
        if key.len() != 65 || key[0] != 0x04 {
            return Err(VerifyError::MalformedKey);
        }
        KeyAlgorithm::Sm2
    } else {
        return Err(VerifyError::UnsupportedAlgorithm);
    };
    Ok(ParsedSpki { algorithm, key })
}

/// Bit length of an RSA modulus from a DER RSAPublicKey.
pub(crate) fn rsa_modulus_bits(rsa_public_key_der: &[u8]) -> Result<usize, VerifyError> {
    use der::Reader as _;
    let mut reader =
        der::SliceReader::new(rsa_public_key_der).map_err(|_| VerifyError::MalformedKey)?;
    let modulus = reader
        .sequence(|r| {
            let n = UintRef::decode(r)?;
            let _e = UintRef::decode(r)?;
            Ok(n)
        })
        .map_err(|_| VerifyError::MalformedKey)?;
    let n = modulus.as_bytes();
    let Some(first) = n.first() else {
        return Err(VerifyError::MalformedKey);
    };
    Ok(n.len() * 8 - first.leading_zeros() as usize)
}

/// Key type of a DER SubjectPublicKeyInfo.
pub fn key_algorithm_of_spki(spki_der: &[u8]) -> Result<KeyAlgorithm, VerifyError> {
    parse_spki(spki_der).map(|p| p.algorithm)
}

/// Checks that a public key is acceptable for verification (supported type and, for
/// RSA, 2048..=8192 bits) without verifying anything.
pub fn check_public_key(spki_der: &[u8]) -> Result<KeyAlgorithm, VerifyError> {
    let parsed = parse_spki(spki_der)?;
    if parsed.algorithm == KeyAlgorithm::Rsa {
        check_rsa_size(parsed.key)?;
    }
    Ok(parsed.algorithm)
}

fn check_rsa_size(key: &[u8]) -> Result<(), VerifyError> {
    let bits = rsa_modulus_bits(key)?;
    if bits < MIN_RSA_BITS {
        return Err(VerifyError::WeakKey);
    }
    if bits > MAX_RSA_BITS {
        return Err(VerifyError::UnsupportedAlgorithm);
    }
    Ok(())
}

/// Verify `sig` over `msg` with the public key in `spki_der` (DER SubjectPublicKeyInfo).
///
/// Refuses an algorithm that does not match the key type (for example an Ed25519
/// signature claimed for a P-256 key) and RSA keys below 2048 bits.
pub fn verify_signature(
    spki_der: &[u8],
    alg: SignatureAlgorithm,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), VerifyError> {
    let parsed = parse_spki(spki_der)?;
    if alg.key_algorithm() != parsed.algorithm {
        return Err(VerifyError::AlgorithmKeyMismatch);
    }
    let ring_alg: &'static dyn ring_sig::VerificationAlgorithm = match alg {
        SignatureAlgorithm::EcdsaP256Sha256 => &ring_sig::ECDSA_P256_SHA256_ASN1,
        SignatureAlgorithm::RsaPkcs1Sha256 => {
            check_rsa_size(parsed.key)?;
            &ring_sig::RSA_PKCS1_2048_8192_SHA256
        }
        SignatureAlgorithm::RsaPssSha256 => {
            check_rsa_size(parsed.key)?;
            &ring_sig::RSA_PSS_2048_8192_SHA256
        }
        SignatureAlgorithm::Ed25519 => &ring_sig::ED25519,
        SignatureAlgorithm::Sm2Sm3 => return verify_sm2(parsed.key, msg, sig),
    };
    ring_sig::UnparsedPublicKey::new(ring_alg, parsed.key)
        .verify(msg, sig)
        .map_err(|_| VerifyError::BadSignature)
}

fn verify_sm2(point: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), VerifyError> {
    use signature::Verifier as _;
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_DIST_ID, point)
        .map_err(|_| VerifyError::MalformedKey)?;
    let rs = decode_rs_der(sig).ok_or(VerifyError::BadSignature)?;
    let sig = sm2::dsa::Signature::from_bytes(&rs).map_err(|_| VerifyError::BadSignature)?;
    vk.verify(msg, &sig).map_err(|_| VerifyError::BadSignature)
}

/// Maps an X.509 `AlgorithmIdentifier` (OID + DER parameters, if any) to a
/// supported signature algorithm. RSASSA-PSS is accepted only with
/// SHA-256 / MGF1-SHA-256 / salt 32 / trailer 1. The error is a human-readable reason.
pub fn signature_algorithm_from_x509(
    alg: &ObjectIdentifier,
    params_der: Option<&[u8]>,
) -> Result<SignatureAlgorithm, String> {
    // NULL parameters appear in the wild for algorithms that specify "absent";
    // they carry no meaning, so both forms are accepted.
    let absent_or_null = |p: Option<&[u8]>| matches!(p, None | Some(NULL_DER));
    if *alg == oid::ECDSA_WITH_SHA256 && absent_or_null(params_der) {
        Ok(SignatureAlgorithm::EcdsaP256Sha256)
    } else if *alg == oid::SHA256_WITH_RSA && absent_or_null(params_der) {
        Ok(SignatureAlgorithm::RsaPkcs1Sha256)
    } else if *alg == oid::ED25519 && params_der.is_none() {
        Ok(SignatureAlgorithm::Ed25519)
    } else if *alg == oid::SM2_WITH_SM3 && absent_or_null(params_der) {
        Ok(SignatureAlgorithm::Sm2Sm3)
    } else if *alg == oid::RSASSA_PSS {
        let params = params_der.ok_or_else(|| "RSASSA-PSS without parameters".to_string())?;
        check_pss_params(params)?;
        Ok(SignatureAlgorithm::RsaPssSha256)
    } else {
        Err(format!("signature algorithm {alg} is not supported"))
    }
}

fn is_sha256_alg_id(alg: &spki::AlgorithmIdentifierRef<'_>) -> bool {
    alg.oid == oid::SHA256 && matches!(alg.parameters, None | Some(AnyRef::NULL))
}

fn check_pss_params(params: &[u8]) -> Result<(), String> {
    use der::asn1::ContextSpecific;
    use der::{Reader as _, TagNumber};

    let unsupported =
        || "RSASSA-PSS parameters other than SHA-256/MGF1-SHA-256/salt 32".to_string();
    let mut reader = der::SliceReader::new(params).map_err(|_| unsupported())?;
    let (hash, mgf, salt, trailer) = reader
        .sequence(|r| {
            let hash = ContextSpecific::<spki::AlgorithmIdentifierRef<'_>>::decode_explicit(
                r,
                TagNumber::N0,
            )?;
            let mgf = ContextSpecific::<spki::AlgorithmIdentifierRef<'_>>::decode_explicit(
                r,
                TagNumber::N1,
            )?;
            let salt = ContextSpecific::<u32>::decode_explicit(r, TagNumber::N2)?;
            let trailer = ContextSpecific::<u32>::decode_explicit(r, TagNumber::N3)?;
            Ok((
                hash.map(|h| h.value),
                mgf.map(|m| m.value),
                salt.map(|s| s.value),
                trailer.map(|t| t.value),
            ))
        })
        .map_err(|_| unsupported())?;
    if !reader.is_finished() {
        return Err(unsupported());
    }
    // Absent fields mean SHA-1 / MGF1-SHA-1 / 20 by RFC 4055 defaults: refused.
    let hash_ok = hash.as_ref().is_some_and(is_sha256_alg_id);
    let mgf_ok = mgf.as_ref().is_some_and(|m| {
        m.oid == oid::MGF1
            && m.parameters
                .and_then(|p| p.decode_as::<spki::AlgorithmIdentifierRef<'_>>().ok())
                .as_ref()
                .is_some_and(is_sha256_alg_id)
    });
    let salt_ok = salt == Some(32);
    let trailer_ok = matches!(trailer, None | Some(1));
    if hash_ok && mgf_ok && salt_ok && trailer_ok {
        Ok(())
    } else {
        Err(unsupported())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn generate(alg: KeyAlgorithm) -> SigningKey {
        let der = match alg {
            KeyAlgorithm::EcdsaP256 => ring_sig::EcdsaKeyPair::generate_pkcs8(
                &ring_sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                &SystemRandom::new(),
            )
            .unwrap()
            .as_ref()
            .to_vec(),
            KeyAlgorithm::Ed25519 => ring_sig::Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .unwrap()
                .as_ref()
                .to_vec(),
            KeyAlgorithm::Rsa => crate::pki::test_support::rsa2048_pkcs8().to_vec(),
            KeyAlgorithm::Sm2 => {
                use sm2::pkcs8::EncodePrivateKey as _;
                sm2::SecretKey::random(&mut rand_core::OsRng)
                    .to_pkcs8_der()
                    .unwrap()
                    .as_bytes()
                    .to_vec()
            }
        };
        SigningKey::from_pkcs8_der(&der).unwrap()
    }

    #[test]
    fn names_round_trip() {
        for alg in SignatureAlgorithm::ALL {
            assert_eq!(SignatureAlgorithm::parse(alg.as_str()), Some(alg));
            let json = serde_json::to_string(&alg).unwrap();
            assert_eq!(json, format!("\"{}\"", alg.as_str()));
        }
        assert_eq!(SignatureAlgorithm::parse("md5_rsa"), None);
    }

    #[test]
    fn every_algorithm_round_trips_and_rejects_tampering() {
        let msg = b"bid envelope digest 0123456789";
        for alg in SignatureAlgorithm::ALL {
            let key = generate(alg.key_algorithm());
            assert_eq!(key.key_algorithm(), alg.key_algorithm());
            let spki = key.public_key_spki_der();
            assert_eq!(key_algorithm_of_spki(&spki), Ok(alg.key_algorithm()));

            let sig = key.sign(alg, msg).unwrap();
            assert_eq!(verify_signature(&spki, alg, msg, &sig), Ok(()), "{alg}");

            // One flipped bit in the message.
            let mut bad_msg = msg.to_vec();
            bad_msg[3] ^= 0x01;
            assert_eq!(
                verify_signature(&spki, alg, &bad_msg, &sig),
                Err(VerifyError::BadSignature),
                "{alg} message"
            );
            // One flipped bit in the signature (last byte: inside s for DER forms).
            let mut bad_sig = sig.clone();
            let last = bad_sig.len() - 1;
            bad_sig[last] ^= 0x01;
            assert_eq!(
                verify_signature(&spki, alg, msg, &bad_sig),
                Err(VerifyError::BadSignature),
                "{alg} signature"
            );

            // Every algorithm meant for another key type is refused as a mismatch.
            for other in SignatureAlgorithm::ALL {
                if other.key_algorithm() != alg.key_algorithm() {
                    assert_eq!(
                        verify_signature(&spki, other, msg, &sig),
                        Err(VerifyError::AlgorithmKeyMismatch),
                        "{alg} key with {other}"
                    );
                    assert_eq!(key.sign(other, msg), Err(KeyError::Unsupported));
                }
            }
        }
    }

    #[test]
    fn pkcs1_and_pss_are_not_interchangeable() {
        let key = generate(KeyAlgorithm::Rsa);
        let spki = key.public_key_spki_der();
        let sig = key.sign(SignatureAlgorithm::RsaPkcs1Sha256, b"m").unwrap();
        assert_eq!(
            verify_signature(&spki, SignatureAlgorithm::RsaPssSha256, b"m", &sig),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            key.default_signature_algorithm(),
            SignatureAlgorithm::RsaPkcs1Sha256
        );
    }

    #[test]
    fn sm2_signature_is_der_and_uses_default_id() {
        let key = generate(KeyAlgorithm::Sm2);
        let sig = key.sign(SignatureAlgorithm::Sm2Sm3, b"hello").unwrap();
        assert_eq!(sig[0], 0x30, "DER SEQUENCE");
        let rs = decode_rs_der(&sig).unwrap();
        // Verifying with a different distinguishing ID must fail: proves Z uses the default ID.
        let point = parse_spki(&key.spki_der).unwrap().key.to_vec();
        let other = sm2::dsa::VerifyingKey::from_sec1_bytes("alice@example", &point).unwrap();
        use signature::Verifier as _;
        let s = sm2::dsa::Signature::from_bytes(&rs).unwrap();
        assert!(other.verify(b"hello", &s).is_err());
        let default = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_DIST_ID, &point).unwrap();
        assert!(default.verify(b"hello", &s).is_ok());
        // A raw 64-byte r||s is not accepted in place of DER.
        assert_eq!(
            verify_signature(&key.spki_der, SignatureAlgorithm::Sm2Sm3, b"hello", &rs),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn weak_rsa_is_refused() {
        use rsa::pkcs8::EncodePublicKey as _;
        let weak = crate::pki::test_support::rsa1024();
        let spki = weak.to_public_key().to_public_key_der().unwrap().to_vec();
        assert_eq!(key_algorithm_of_spki(&spki), Ok(KeyAlgorithm::Rsa));
        assert_eq!(
            verify_signature(&spki, SignatureAlgorithm::RsaPkcs1Sha256, b"m", &[0u8; 128]),
            Err(VerifyError::WeakKey)
        );
        assert_eq!(check_public_key(&spki), Err(VerifyError::WeakKey));
        // ring refuses to sign with it, so loading it as a SigningKey is Unsupported.
        use rsa::pkcs8::EncodePrivateKey as _;
        let der = weak.to_pkcs8_der().unwrap();
        assert_eq!(
            SigningKey::from_pkcs8_der(der.as_bytes()).unwrap_err(),
            KeyError::Unsupported
        );
    }

    #[test]
    fn malformed_inputs() {
        assert_eq!(
            verify_signature(
                b"\x30\x03\x02\x01\x01",
                SignatureAlgorithm::Ed25519,
                b"",
                b""
            ),
            Err(VerifyError::MalformedKey)
        );
        assert_eq!(
            SigningKey::from_pkcs8_der(b"junk").unwrap_err(),
            KeyError::Malformed
        );
        assert_eq!(
            SigningKey::from_pkcs8_pem(
                "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"
            )
            .unwrap_err(),
            KeyError::Malformed
        );
        // An EC key on an unsupported curve (P-384) in an SPKI.
        let p384 = encode_spki(
            oid::EC_PUBLIC_KEY,
            Some(der::Any::encode_from(&ObjectIdentifier::new_unwrap("1.3.132.0.34")).unwrap()),
            &[4u8; 65],
        )
        .unwrap();
        assert_eq!(
            key_algorithm_of_spki(&p384),
            Err(VerifyError::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn pem_loading_matches_der() {
        let der = ring_sig::EcdsaKeyPair::generate_pkcs8(
            &ring_sig::ECDSA_P256_SHA256_ASN1_SIGNING,
            &SystemRandom::new(),
        )
        .unwrap();
        let pem_text = pem::encode(&pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec()));
        let a = SigningKey::from_pkcs8_pem(&pem_text).unwrap();
        let b = SigningKey::from_pkcs8_der(der.as_ref()).unwrap();
        assert_eq!(a.public_key_spki_der(), b.public_key_spki_der());
        assert!(format!("{a:?}").contains("EcdsaP256"));
    }

    #[test]
    fn pss_parameters_are_checked() {
        assert_eq!(
            signature_algorithm_from_x509(&oid::RSASSA_PSS, Some(PSS_SHA256_PARAMS_DER)),
            Ok(SignatureAlgorithm::RsaPssSha256)
        );
        // Salt 20 instead of 32.
        let mut salt20 = PSS_SHA256_PARAMS_DER.to_vec();
        let last = salt20.len() - 1;
        salt20[last] = 20;
        assert!(signature_algorithm_from_x509(&oid::RSASSA_PSS, Some(&salt20)).is_err());
        // Empty parameters = SHA-1 defaults.
        assert!(signature_algorithm_from_x509(&oid::RSASSA_PSS, Some(&[0x30, 0x00])).is_err());
        assert!(signature_algorithm_from_x509(&oid::RSASSA_PSS, None).is_err());
        // Round trip through the encoder.
        for alg in SignatureAlgorithm::ALL {
            let der = alg.x509_algorithm_identifier_der();
            let id = spki::AlgorithmIdentifierRef::from_der(&der).unwrap();
            let params = id.parameters.map(|p| p.to_der().unwrap());
            assert_eq!(
                signature_algorithm_from_x509(&id.oid, params.as_deref()),
                Ok(alg)
            );
        }
        assert!(signature_algorithm_from_x509(
            &ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5"),
            Some(NULL_DER)
        )
        .is_err());
    }
}
