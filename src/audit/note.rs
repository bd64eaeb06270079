//! C2SP signed notes (`c2sp.org/signed-note`) with Ed25519 keys, and
//! transparency-log checkpoints (`c2sp.org/tlog-checkpoint`) carried in them.
//!
//! Wire formats are byte-compatible with Go's `golang.org/x/mod/sumdb/note`
//! so that regulators and witnesses can use off-the-shelf tooling: verifier
//! keys are `<name>+<hex key id>+<base64(0x01 || pubkey)>`, and a signed note
//! is the text, a blank line, then `— <name> <base64(key id || sig)>` lines.
//!
//! Opening is stricter than Go in one respect: every signature line whose
//! (name, key id) matches a known key is verified, including repeats, so a
//! single bad signature by a trusted key rejects the note (the spec's SHOULD).

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair as _};

use super::merkle::Hash;

/// Signature type byte for Ed25519 note signatures.
pub const ALG_ED25519: u8 = 0x01;

/// Signature lines beyond this are rejected as malformed, bounding the work
/// an attacker can make a verifier do. The spec requires accepting at least
/// 16; this matches Go's limit.
pub const MAX_SIGNATURES: usize = 100;

const SIG_PREFIX: &str = "\u{2014} ";

/// Errors from key handling, note signing/opening and checkpoint parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("invalid key name {0:?}: must be non-empty with no spaces or '+'")]
    InvalidKeyName(String),
    #[error("malformed verifier key")]
    MalformedVerifierKey,
    #[error("malformed signer key")]
    MalformedSignerKey,
    #[error("unsupported signature algorithm 0x{0:02x}")]
    UnsupportedAlgorithm(u8),
    #[error("verifier key id does not match its name and public key")]
    KeyIdMismatch,
    #[error("invalid private key")]
    InvalidPrivateKey,
    #[error("key generation failed")]
    KeyGeneration,
    #[error("note text must end with a newline")]
    TextMissingNewline,
    #[error("note contains a control character other than newline")]
    ControlCharacter,
    #[error("malformed note: {0}")]
    MalformedNote(&'static str),
    #[error("note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    #[error("verifier list has more than one key {name}+{key_id}")]
    AmbiguousVerifier { name: String, key_id: String },
    #[error("invalid signature for key {name}+{key_id}")]
    InvalidSignature { name: String, key_id: String },
    #[error("note has no signature from a known key")]
    NoVerifiedSignature,
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    #[error("checkpoint origin {got:?} does not match expected {expected:?}")]
    OriginMismatch { expected: String, got: String },
}

fn key_id_hex(id: [u8; 4]) -> String {
    hex::encode(id)
}

/// Key names: non-empty, no Unicode whitespace, no '+' (the vkey separator).
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(NoteError::InvalidKeyName(name.to_owned()))
    }
}

/// Signed-note key id: SHA-256(name || 0x0A || alg || public key)[..4].
pub fn key_id(name: &str, alg: u8, public_key: &[u8]) -> [u8; 4] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(name.as_bytes());
    ctx.update(b"\n");
    ctx.update(&[alg]);
    ctx.update(public_key);
    let d = ctx.finish();
    let mut id = [0u8; 4];
    id.copy_from_slice(&d.as_ref()[..4]);
    id
}

fn check_no_controls(s: &str) -> Result<(), NoteError> {
    if s.chars().any(|c| c < ' ' && c != '\n') {
        Err(NoteError::ControlCharacter)
    } else {
        Ok(())
    }
}

/// Checks that `text` can be signed and will open back to the same text.
fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::TextMissingNewline);
    }
    check_no_controls(text)
}

/// Ed25519 note signer (signature type 0x01).
pub struct NoteSigner {
    name: String,
    key_pair: Ed25519KeyPair,
    key_id: [u8; 4],
}

impl fmt::Debug for NoteSigner {
    // Never print key material; the name and id are enough to identify it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &key_id_hex(self.key_id))
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// Generates a fresh key. Returns the signer and its PKCS#8 (v2)
    /// encoding, which is what should be stored (encrypted) for reuse.
    pub fn generate(name: &str) -> Result<(NoteSigner, Vec<u8>), NoteError> {
        check_name(name)?;
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| NoteError::KeyGeneration)?;
        let signer = Self::from_pkcs8(name, pkcs8.as_ref())?;
        Ok((signer, pkcs8.as_ref().to_vec()))
    }

    /// Loads a PKCS#8 Ed25519 key (v1 or v2).
    pub fn from_pkcs8(name: &str, pkcs8: &[u8]) -> Result<Self, NoteError> {
        check_name(name)?;
        let key_pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
            .map_err(|_| NoteError::InvalidPrivateKey)?;
        Ok(Self::from_key_pair(name, key_pair))
    }

    /// Builds a signer from a raw 32-byte RFC 8032 seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        let key_pair =
            Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| NoteError::InvalidPrivateKey)?;
        Ok(Self::from_key_pair(name, key_pair))
    }

    /// Parses a Go `note` signer key, `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`,
    /// so keys made with Go tooling (e.g. for witnesses) can be reused.
    pub fn from_go_signer_key(skey: &str) -> Result<Self, NoteError> {
        let mut parts = skey.splitn(5, '+');
        let (Some("PRIVATE"), Some("KEY"), Some(name), Some(id_hex), Some(key_b64)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(NoteError::MalformedSignerKey);
        };
        check_name(name)?;
        let id = parse_key_id(id_hex)?;
        let key = B64
            .decode(key_b64)
            .map_err(|_| NoteError::MalformedSignerKey)?;
        let (&alg, seed) = key.split_first().ok_or(NoteError::MalformedSignerKey)?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedAlgorithm(alg));
        }
        let seed: &[u8; 32] = seed.try_into().map_err(|_| NoteError::MalformedSignerKey)?;
        let signer = Self::from_seed(name, seed)?;
        if signer.key_id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(signer)
    }

    fn from_key_pair(name: &str, key_pair: Ed25519KeyPair) -> Self {
        let key_id = key_id(name, ALG_ED25519, key_pair.public_key().as_ref());
        NoteSigner {
            name: name.to_owned(),
            key_pair,
            key_id,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// Raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        let mut pk = [0u8; 32];
        // ring's Ed25519 public keys are always 32 bytes.
        pk.copy_from_slice(self.key_pair.public_key().as_ref());
        pk
    }

    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            public_key: self.public_key(),
        }
    }

    /// Only the signature line (`— name base64\n`) for `text`; lets a caller
    /// append this key's signature to a note that already has others.
    pub fn signature_line(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        let sig = self.key_pair.sign(text.as_bytes());
        let mut raw = Vec::with_capacity(4 + 64);
        raw.extend_from_slice(&self.key_id);
        raw.extend_from_slice(sig.as_ref());
        Ok(format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw)))
    }

    /// Signs `text` (which must end in '\n' and contain no control characters
    /// other than '\n') and returns the full signed note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        let line = self.signature_line(text)?;
        Ok(format!("{text}\n{line}"))
    }
}

fn parse_key_id(id_hex: &str) -> Result<[u8; 4], NoteError> {
    if id_hex.len() != 8 {
        return Err(NoteError::MalformedVerifierKey);
    }
    let bytes = hex::decode(id_hex).map_err(|_| NoteError::MalformedVerifierKey)?;
    bytes
        .try_into()
        .map_err(|_| NoteError::MalformedVerifierKey)
}

/// Ed25519 note verifier, identified by (name, key id).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NoteVerifier {
    name: String,
    key_id: [u8; 4],
    public_key: [u8; 32],
}

impl NoteVerifier {
    /// Parses a Go-compatible verifier key
    /// `<name>+<hex8 key id>+<base64(0x01 || pubkey)>`; the key id must match.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        // Split only twice: standard base64 may itself contain '+'.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedVerifierKey);
        };
        if !is_valid_key_name(name) {
            return Err(NoteError::MalformedVerifierKey);
        }
        let id = parse_key_id(id_hex)?;
        let key = B64
            .decode(key_b64)
            .map_err(|_| NoteError::MalformedVerifierKey)?;
        let (&alg, public_key) = key.split_first().ok_or(NoteError::MalformedVerifierKey)?;
        // The id covers the algorithm byte too, so check it before
        // interpreting the algorithm (as Go does).
        if key_id(name, alg, public_key) != id {
            return Err(NoteError::KeyIdMismatch);
        }
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedAlgorithm(alg));
        }
        let public_key: [u8; 32] = public_key
            .try_into()
            .map_err(|_| NoteError::MalformedVerifierKey)?;
        Ok(NoteVerifier {
            name: name.to_owned(),
            key_id: id,
            public_key,
        })
    }

    /// Builds a verifier from a raw Ed25519 public key.
    pub fn from_public_key(name: &str, public_key: [u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(NoteVerifier {
            name: name.to_owned(),
            key_id: key_id(name, ALG_ED25519, &public_key),
            public_key,
        })
    }

    pub fn to_vkey_string(&self) -> String {
        let mut key = Vec::with_capacity(33);
        key.push(ALG_ED25519);
        key.extend_from_slice(&self.public_key);
        format!(
            "{}+{}+{}",
            self.name,
            key_id_hex(self.key_id),
            B64.encode(key)
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    pub fn public_key(&self) -> &[u8; 32] {
        &self.public_key
    }

    /// Verifies a raw Ed25519 signature over `msg`.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.public_key)
            .verify(msg, sig)
            .is_ok()
    }
}

impl fmt::Display for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey_string())
    }
}

/// One signature line of a note, decoded but not verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: [u8; 4],
    /// The bytes after the key id (the algorithm-specific signature).
    pub signature: Vec<u8>,
}

/// A structurally valid note whose signatures have not been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedNote {
    /// Signed text, including its final newline.
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

/// Splits a signed note into text and decoded signature lines, enforcing the
/// format rules. The text MUST NOT be trusted until [`open`] verified it.
pub fn parse_note(note: &str) -> Result<ParsedNote, NoteError> {
    check_no_controls(note)?;
    // The text is separated from the signatures by the *last* blank line.
    let split = note
        .rfind("\n\n")
        .ok_or(NoteError::MalformedNote("no signature block"))?;
    let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
    if sigs.is_empty() {
        return Err(NoteError::MalformedNote("no signature lines"));
    }
    if !sigs.ends_with('\n') {
        return Err(NoteError::MalformedNote(
            "signature block must end with a newline",
        ));
    }
    let mut signatures = Vec::new();
    for line in sigs[..sigs.len() - 1].split('\n') {
        if signatures.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or(NoteError::MalformedNote(
                "signature line must start with an em dash and a space",
            ))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(NoteError::MalformedNote("signature line has no signature"))?;
        if !is_valid_key_name(name) {
            return Err(NoteError::MalformedNote(
                "invalid key name in signature line",
            ));
        }
        let raw = B64
            .decode(b64)
            .map_err(|_| NoteError::MalformedNote("signature is not valid base64"))?;
        if raw.len() < 5 {
            return Err(NoteError::MalformedNote("signature too short"));
        }
        let mut key_id = [0u8; 4];
        key_id.copy_from_slice(&raw[..4]);
        signatures.push(NoteSignature {
            name: name.to_owned(),
            key_id,
            signature: raw[4..].to_vec(),
        });
    }
    Ok(ParsedNote {
        text: text.to_owned(),
        signatures,
    })
}

/// A note whose text is authenticated by at least one known key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedNote {
    /// Signed text, including its final newline.
    pub text: String,
    /// Known verifiers whose signature verified, in signature order, each once.
    pub verified_by: Vec<NoteVerifier>,
    /// Signatures from keys not in the verifier list (e.g. witness
    /// cosignatures), identical lines de-duplicated.
    pub unverified: Vec<NoteSignature>,
}

/// Opens a signed note against a set of known verifiers.
///
/// Signatures from unknown (name, key id) pairs are ignored (kept in
/// [`OpenedNote::unverified`]); any known-key signature that fails rejects
/// the note; at least one must verify. A verifier list with two keys of the
/// same (name, id) is rejected when that pair signs, as in Go.
pub fn open(note: &str, verifiers: &[NoteVerifier]) -> Result<OpenedNote, NoteError> {
    let parsed = parse_note(note)?;
    let mut verified_by: Vec<NoteVerifier> = Vec::new();
    let mut unverified: Vec<NoteSignature> = Vec::new();
    for sig in parsed.signatures {
        let mut matching = verifiers
            .iter()
            .filter(|v| v.name == sig.name && v.key_id == sig.key_id);
        let Some(v) = matching.next() else {
            if !unverified.contains(&sig) {
                unverified.push(sig);
            }
            continue;
        };
        if matching.next().is_some() {
            return Err(NoteError::AmbiguousVerifier {
                name: sig.name,
                key_id: key_id_hex(sig.key_id),
            });
        }
        if !v.verify(parsed.text.as_bytes(), &sig.signature) {
            return Err(NoteError::InvalidSignature {
                name: sig.name,
                key_id: key_id_hex(sig.key_id),
            });
        }
        if !verified_by.contains(v) {
            verified_by.push(v.clone());
        }
    }
    if verified_by.is_empty() {
        return Err(NoteError::NoVerifiedSignature);
    }
    Ok(OpenedNote {
        text: parsed.text,
        verified_by,
        unverified,
    })
}

/// A transparency-log checkpoint (`c2sp.org/tlog-checkpoint`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Opaque extension lines (NOT RECOMMENDED; kept for interop).
    pub extensions: Vec<String>,
}

/// Strict ASCII decimal: digits only, no sign, no leading zeros except "0".
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// Strict standard base64 of exactly 32 bytes. The engine already rejects
/// non-canonical padding and trailing bits, so each hash has one encoding.
pub(crate) fn parse_b64_hash(s: &str) -> Option<Hash> {
    B64.decode(s).ok()?.try_into().ok()
}

impl Checkpoint {
    /// Note text: origin, size, base64 root, extension lines, each + '\n'.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for ext in &self.extensions {
            s.push_str(ext);
            s.push('\n');
        }
        s
    }

    /// Strictly parses checkpoint note text (the part before the signatures).
    ///
    /// Stricter than the spec's SHOULD: the origin must be a valid key name
    /// (no spaces, no '+'), since our log's key name equals its origin. This
    /// rejects e.g. Go's sumdb origin "go.sum database tree".
    pub fn parse_text(text: &str) -> Result<Self, NoteError> {
        check_no_controls(text)?;
        let body = text
            .strip_suffix('\n')
            .ok_or(NoteError::MalformedCheckpoint(
                "text must end with a newline",
            ))?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(NoteError::MalformedCheckpoint("fewer than three lines"));
        };
        if !is_valid_key_name(origin) {
            return Err(NoteError::MalformedCheckpoint(
                "origin must be non-empty with no spaces or '+'",
            ));
        }
        let size = parse_decimal(size).ok_or(NoteError::MalformedCheckpoint(
            "tree size is not a canonical decimal",
        ))?;
        let root = parse_b64_hash(root).ok_or(NoteError::MalformedCheckpoint(
            "root is not base64 of 32 bytes",
        ))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(NoteError::MalformedCheckpoint("empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint. Validates it first by re-parsing its own text,
    /// so the log can never sign something its verifiers would reject.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, NoteError> {
        let text = self.to_text();
        if Checkpoint::parse_text(&text)? != *self {
            return Err(NoteError::MalformedCheckpoint(
                "checkpoint does not round-trip",
            ));
        }
        signer.sign(&text)
    }

    /// Opens a signed checkpoint with the log's verifier. Requires the origin
    /// to equal the verifier's key name (our log's convention, which stops a
    /// key being used to vouch for another log's origin).
    pub fn open_signed(note: &str, verifier: &NoteVerifier) -> Result<Checkpoint, NoteError> {
        let (cp, _) =
            Self::open_signed_for_origin(note, verifier.name(), std::slice::from_ref(verifier))?;
        Ok(cp)
    }

    /// Opens a signed checkpoint for an explicit `origin`, accepting any of
    /// `verifiers`; also returns the opened note (signers and cosignatures).
    pub fn open_signed_for_origin(
        note: &str,
        origin: &str,
        verifiers: &[NoteVerifier],
    ) -> Result<(Checkpoint, OpenedNote), NoteError> {
        let opened = open(note, verifiers)?;
        let cp = Checkpoint::parse_text(&opened.text)?;
        if cp.origin != origin {
            return Err(NoteError::OriginMismatch {
                expected: origin.to_owned(),
                got: cp.origin,
            });
        }
        Ok((cp, opened))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // golang.org/x/mod sumdb/note/note_test.go (golang/mod). Long vectors continue after a `\`
    // at the end of a line: the next line's indentation is not part of the string, so a signature
    // may be cut anywhere.
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const PETER_SIG: &str =
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FF\
                             YC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str =
        "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1a\
                             GrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    // google/trillian-examples formats/log/checkpoint_test.go
    // (TestSumDBNoteParsing): a real sum.golang.org signed tree head.
    const SUMDB_VKEY: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
    const SUMDB_NOTE: &str =
        "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n\
                              — sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1\
                              xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n";

    fn peter() -> NoteVerifier {
        NoteVerifier::parse(PETER_VKEY).unwrap()
    }
    fn enoch() -> NoteVerifier {
        NoteVerifier::parse(ENOCH_VKEY).unwrap()
    }

    #[test]
    fn kat_go_verifier_key() {
        let v = peter();
        assert_eq!(v.name(), "PeterNeumann");
        assert_eq!(v.key_id(), [0xc7, 0x4f, 0x20, 0xa3]);
        assert_eq!(v.to_vkey_string(), PETER_VKEY);
        assert_eq!(v.to_string(), PETER_VKEY);
        assert_eq!(
            NoteVerifier::parse(SUMDB_VKEY).unwrap().to_vkey_string(),
            SUMDB_VKEY
        );
    }

    /// Go's TestNewVerifier manglings: every proper substring and every
    /// single-byte increment must be rejected.
    #[test]
    fn kat_go_verifier_key_manglings() {
        let b = PETER_VKEY.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if i == 0 && j == b.len() {
                    continue;
                }
                if let Ok(s) = std::str::from_utf8(&b[i..j]) {
                    assert!(NoteVerifier::parse(s).is_err(), "accepted {s:?}");
                }
            }
        }
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] = m[i].wrapping_add(1);
            if let Ok(s) = std::str::from_utf8(&m) {
                assert!(NoteVerifier::parse(s).is_err(), "accepted {s:?}");
            }
        }
        // Wrong key length and unknown algorithm, each with an adjusted id.
        assert!(NoteVerifier::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .is_err());
        assert_eq!(
            NoteVerifier::parse(
                "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
            ),
            Err(NoteError::UnsupportedAlgorithm(0x65))
        );
    }

    /// Go's TestSign: Ed25519 is deterministic, so signing with the
    /// published seed must reproduce the published note byte for byte.
    #[test]
    fn kat_go_sign() {
        let s = NoteSigner::from_go_signer_key(PETER_SKEY).unwrap();
        assert_eq!(s.name(), "PeterNeumann");
        assert_eq!(s.verifier(), peter());
        assert_eq!(s.sign(TEXT).unwrap(), format!("{TEXT}\n{PETER_SIG}"));
        assert_eq!(s.sign("abc"), Err(NoteError::TextMissingNewline));
        // Go's TestNewSigner: a corrupted key id is rejected.
        assert_eq!(
            NoteSigner::from_go_signer_key(&PETER_SKEY.replace("c74f20a3", "c74f20a4"))
                .unwrap_err(),
            NoteError::KeyIdMismatch
        );
    }

    /// Go's TestOpen, case by case.
    #[test]
    fn kat_go_open() {
        let (p, e) = (peter(), enoch());
        let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");

        let n = open(&both, std::slice::from_ref(&p)).unwrap();
        assert_eq!(n.text, TEXT);
        assert_eq!(n.verified_by, vec![p.clone()]);
        assert_eq!(n.unverified.len(), 1);
        assert_eq!(n.unverified[0].name, "EnochRoot");
        assert_eq!(n.unverified[0].key_id, [0xaf, 0x0c, 0xfe, 0x78]);

        let n = open(&both, &[p.clone(), e.clone()]).unwrap();
        assert_eq!(n.verified_by, vec![p.clone(), e.clone()]);
        assert!(n.unverified.is_empty());

        assert_eq!(open(&both, &[]), Err(NoteError::NoVerifiedSignature));
        assert_eq!(parse_note(&both).unwrap().signatures.len(), 2);

        // Duplicated verifier: ambiguous only when that key actually signed.
        assert!(matches!(
            open(
                &format!("{TEXT}\n{ENOCH_SIG}"),
                &[e.clone(), p.clone(), e.clone()]
            ),
            Err(NoteError::AmbiguousVerifier { .. })
        ));
        assert!(open(
            &format!("{TEXT}\n{PETER_SIG}"),
            &[e.clone(), p.clone(), e.clone()]
        )
        .is_ok());

        // 101 signatures are too many.
        let many = format!("{TEXT}\n{}", PETER_SIG.repeat(101));
        assert_eq!(
            open(&many, std::slice::from_ref(&p)),
            Err(NoteError::TooManySignatures)
        );
        assert_eq!(open(&many, &[]), Err(NoteError::TooManySignatures));

        // Corrupted known signature.
        let bad = format!("{TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
        assert!(matches!(
            open(&bad, std::slice::from_ref(&p)),
            Err(NoteError::InvalidSignature { .. })
        ));

        // Repeated good signatures and repeated/corrupt unknown ones.
        let enoch_abcd = format!("{}ABCD{}", &ENOCH_SIG[..60], &ENOCH_SIG[60..]);
        let msg = format!("{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{enoch_abcd}");
        let n = open(&msg, std::slice::from_ref(&p)).unwrap();
        assert_eq!(n.verified_by, vec![p.clone()]);
        assert_eq!(n.unverified.len(), 2);

        // Malformed encodings.
        let bad_msgs = [
            TEXT.to_string(),
            format!("{TEXT}\n"),
            format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
            format!("\u{1}{TEXT}\n{PETER_SIG}"),
            format!(
                "{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2p\
                     ZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
            ),
            format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
        ];
        for m in &bad_msgs {
            let err = open(m, std::slice::from_ref(&p)).unwrap_err();
            assert!(
                matches!(
                    err,
                    NoteError::MalformedNote(_) | NoteError::ControlCharacter
                ),
                "{m:?}: {err:?}"
            );
        }

        // Same name, different id (and vice versa) is an unknown key.
        let misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
        assert_eq!(
            open(&format!("{TEXT}\n{misnamed}"), std::slice::from_ref(&p)),
            Err(NoteError::NoVerifiedSignature)
        );
        let wrong_id = PETER_SIG.replace("x08g", "xxxx");
        assert_eq!(
            open(&format!("{TEXT}\n{wrong_id}"), &[p]),
            Err(NoteError::NoVerifiedSignature)
        );
    }

    /// A real sum.golang.org tree head opens with the pinned Go key; our
    /// strict checkpoint parser then refuses its space-containing origin.
    #[test]
    fn kat_sumdb_signed_tree_head() {
        let v = NoteVerifier::parse(SUMDB_VKEY).unwrap();
        let n = open(SUMDB_NOTE, std::slice::from_ref(&v)).unwrap();
        assert_eq!(
            n.text,
            "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n"
        );
        let tampered = SUMDB_NOTE.replace("6476701", "6476702");
        assert!(matches!(
            open(&tampered, &[v]),
            Err(NoteError::InvalidSignature { .. })
        ));
        assert!(matches!(
            Checkpoint::parse_text(&n.text),
            Err(NoteError::MalformedCheckpoint(_))
        ));
    }

    /// The examples in C2SP signed-note.md, tlog-checkpoint.md and
    /// tlog-witness.md.
    #[test]
    fn kat_c2sp_examples_parse() {
        // signed-note.md: the text itself contains a blank line.
        let poem = "Ognuno sta solo sul cuor della terra\n\
                    trafitto da un raggio di sole:\n\n\
                    ed è subito sera.\n\n\
                    — quasimodo.example/salvatore \
                    NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwa\
                    qP3ZekRwNtIc=\n";
        let p = parse_note(poem).unwrap();
        assert_eq!(
            p.text,
            "Ognuno sta solo sul cuor della terra\n\
             trafitto da un raggio di sole:\n\n\
             ed è subito sera.\n"
        );
        assert_eq!(p.signatures[0].name, "quasimodo.example/salvatore");
        assert_eq!(p.signatures[0].signature.len(), 64);

        let body =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let witness_example = format!(
            "{body}\n\
             — example.com/behind-the-sofa \
             Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcT\
             OAYQ8=\n\
             — example.com/behind-the-sofa \
             opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qb\
             Szm9Q=\n"
        );
        let p = parse_note(&witness_example).unwrap();
        assert_eq!(p.text, body);
        assert_eq!(p.signatures.len(), 2);
        assert_eq!(p.signatures[0].key_id, [0x03, 0x3d, 0xe0, 0xae]);

        let cp = Checkpoint::parse_text(body).unwrap();
        assert_eq!(cp.origin, "example.com/behind-the-sofa");
        assert_eq!(cp.size, 20852163);
        assert_eq!(
            hex::encode(cp.root),
            hex::encode(
                B64.decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
                    .unwrap()
            )
        );
        assert!(cp.extensions.is_empty());
        assert_eq!(cp.to_text(), body);
    }

    #[test]
    fn checkpoint_strict_parsing() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        let ok = |t: &str| Checkpoint::parse_text(t).is_ok();
        assert!(ok(&format!("o\n0\n{root}\n")));
        assert!(ok(&format!("o\n18446744073709551615\n{root}\n")));
        assert!(ok(&format!("o\n1\n{root}\next one\next two\n")));
        for bad in [
            format!("o\n1\n{root}"),                      // no final newline
            "o\n1\n".to_string(),                         // too few lines
            format!("\n1\n{root}\n"),                     // empty origin
            format!("a b\n1\n{root}\n"),                  // space in origin
            format!("a+b\n1\n{root}\n"),                  // plus in origin
            format!("a\u{3000}b\n1\n{root}\n"),           // Unicode space
            format!("o\n01\n{root}\n"),                   // leading zero
            format!("o\n+1\n{root}\n"),                   // sign
            format!("o\n-1\n{root}\n"),                   // negative
            format!("o\n1 \n{root}\n"),                   // trailing space
            format!("o\n18446744073709551616\n{root}\n"), // overflow
            format!("o\n1\n{}\n", &root[..40]),           // short root
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n".to_string(), // non-canonical
            "o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n".to_string(), // URL alphabet
            format!("o\n1\n{root}\n\n"),                  // empty extension
            format!("o\n1\n{root}\r\n"),                  // CR
            format!("o\t\n1\n{root}\n"),                  // tab
        ] {
            assert!(!ok(&bad), "accepted {bad:?}");
        }
    }

    #[test]
    fn checkpoint_sign_and_open() {
        let (signer, pkcs8) = NoteSigner::generate("audit.example.gov.cn/v1").unwrap();
        let again = NoteSigner::from_pkcs8("audit.example.gov.cn/v1", &pkcs8).unwrap();
        assert_eq!(again.verifier(), signer.verifier());
        let v = NoteVerifier::parse(&signer.verifier().to_vkey_string()).unwrap();
        assert_eq!(v, signer.verifier());

        let cp = Checkpoint {
            origin: "audit.example.gov.cn/v1".into(),
            size: 42,
            root: super::super::merkle::leaf_hash(b"x"),
            extensions: vec![],
        };
        let note = cp.sign(&signer).unwrap();
        assert_eq!(Checkpoint::open_signed(&note, &v).unwrap(), cp);

        // A witness-style extra signature by an unknown key is ignored.
        let (w, _) = NoteSigner::generate("witness.example").unwrap();
        let cosigned = format!("{note}{}", w.signature_line(&cp.to_text()).unwrap());
        assert_eq!(Checkpoint::open_signed(&cosigned, &v).unwrap(), cp);
        let (_, opened) =
            Checkpoint::open_signed_for_origin(&cosigned, &cp.origin, &[v.clone(), w.verifier()])
                .unwrap();
        assert_eq!(opened.verified_by.len(), 2);

        // Key name must match origin for open_signed.
        let (other, _) = NoteSigner::generate("other.example").unwrap();
        let foreign = cp.sign(&other).unwrap();
        assert!(matches!(
            Checkpoint::open_signed(&foreign, &other.verifier()),
            Err(NoteError::OriginMismatch { .. })
        ));
        // Wrong key entirely.
        assert_eq!(
            Checkpoint::open_signed(&note, &other.verifier()),
            Err(NoteError::NoVerifiedSignature)
        );
        // Tampered size.
        let tampered = note.replacen("\n42\n", "\n43\n", 1);
        assert!(matches!(
            Checkpoint::open_signed(&tampered, &v),
            Err(NoteError::InvalidSignature { .. })
        ));

        // Refuse to sign an invalid checkpoint.
        let mut bad = cp.clone();
        bad.origin = "has space".into();
        assert!(bad.sign(&signer).is_err());
        let mut bad = cp.clone();
        bad.extensions = vec!["line\nbreak".into()];
        assert!(bad.sign(&signer).is_err());
        let mut bad = cp;
        bad.extensions = vec![String::new()];
        assert!(bad.sign(&signer).is_err());
    }

    #[test]
    fn accepts_sixteen_signatures() {
        let text = "hello\n";
        let signers: Vec<NoteSigner> = (0..16)
            .map(|i| NoteSigner::generate(&format!("k{i}")).unwrap().0)
            .collect();
        let mut note = format!("{text}\n");
        for s in &signers {
            note.push_str(&s.signature_line(text).unwrap());
        }
        let vs: Vec<NoteVerifier> = signers.iter().map(NoteSigner::verifier).collect();
        assert_eq!(open(&note, &vs).unwrap().verified_by.len(), 16);
        assert_eq!(open(&note, &vs[15..]).unwrap().unverified.len(), 15);
    }

    #[test]
    fn signer_rejects_bad_names_and_text() {
        assert!(NoteSigner::generate("").is_err());
        assert!(NoteSigner::generate("a b").is_err());
        assert!(NoteSigner::generate("a+b").is_err());
        assert!(NoteSigner::from_pkcs8("x", b"not a key").is_err());
        let (s, _) = NoteSigner::generate("x").unwrap();
        assert_eq!(s.sign("a\tb\n"), Err(NoteError::ControlCharacter));
        // Text with an internal blank line still round-trips.
        let text = "a\n\nb\n";
        assert_eq!(
            open(&s.sign(text).unwrap(), &[s.verifier()]).unwrap().text,
            text
        );
        assert!(!format!("{s:?}").contains("key_pair"));
    }

    proptest! {
        #[test]
        fn prop_sign_open_roundtrip(
            lines in proptest::collection::vec("[^\\x00-\\x1f]{0,20}", 1..6),
        ) {
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            let (s, _) = NoteSigner::generate("k").unwrap();
            let note = s.sign(&text).unwrap();
            let opened = open(&note, &[s.verifier()]).unwrap();
            prop_assert_eq!(opened.text, text);
        }

        #[test]
        fn prop_checkpoint_roundtrip(
            origin in "[a-z0-9./-]{1,30}",
            size in any::<u64>(),
            root in any::<[u8; 32]>(),
        ) {
            let cp = Checkpoint { origin, size, root, extensions: vec![] };
            prop_assert_eq!(Checkpoint::parse_text(&cp.to_text()).unwrap(), cp);
        }

        #[test]
        fn prop_parsers_never_panic(s in "\\PC*") {
            let _ = parse_note(&s);
            let _ = Checkpoint::parse_text(&s);
            let _ = NoteVerifier::parse(&s);
        }
    }
}
