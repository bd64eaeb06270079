//! Witness cosignatures of checkpoints: `c2sp.org/tlog-cosignature`, the Ed25519 type (v1).
//!
//! A cosignature is a signed-note signature line `— <witness name> base64(key id ‖
//! timestamp ‖ signature)` appended to a checkpoint, where
//!
//! - key id = SHA-256(name ‖ "\n" ‖ 0x04 ‖ 32-byte Ed25519 public key)[..4];
//! - timestamp = the POSIX time of cosigning, a big-endian u64;
//! - signature = Ed25519 over `"cosignature/v1\ntime <timestamp>\n" ‖ checkpoint text`.
//!
//! The signature algorithm byte 0x04 differs from the log's own 0x01, so a log key can never
//! be passed off as a witness key (or the reverse), and the `cosignature/v1` header separates a
//! cosignature from every other signature the key could make. Verifier keys are vkeys:
//! `<name>+<hex key id>+base64(0x04 ‖ public key)`.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair as _};

use super::note::{is_valid_key_name, key_id, parse_note, NoteError, NoteSignature};

/// Signature type byte of Ed25519 cosignatures (tlog-cosignature v1).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// The first line of the signed message: domain separation.
pub const COSIGNATURE_HEADER: &str = "cosignature/v1";

/// The message a witness signs for `checkpoint_text` (the note text, final newline included).
pub fn signed_message(checkpoint_text: &str, timestamp: u64) -> String {
    format!("{COSIGNATURE_HEADER}\ntime {timestamp}\n{checkpoint_text}")
}

/// A witness's signing key.
pub struct Cosigner {
    name: String,
    key_pair: Ed25519KeyPair,
    key_id: [u8; 4],
}

impl fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cosigner")
            .field("name", &self.name)
            .field("key_id", &hex::encode(self.key_id))
            .finish_non_exhaustive()
    }
}

impl Cosigner {
    /// A fresh key and its PKCS#8 encoding (what the witness stores).
    pub fn generate(name: &str) -> Result<(Cosigner, Vec<u8>), NoteError> {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| NoteError::KeyGeneration)?;
        Ok((
            Self::from_pkcs8(name, pkcs8.as_ref())?,
            pkcs8.as_ref().to_vec(),
        ))
    }

    pub fn from_pkcs8(name: &str, pkcs8: &[u8]) -> Result<Cosigner, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName(name.into()));
        }
        let key_pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
            .map_err(|_| NoteError::InvalidPrivateKey)?;
        let key_id = key_id(name, ALG_COSIGNATURE_V1, key_pair.public_key().as_ref());
        Ok(Cosigner {
            name: name.into(),
            key_pair,
            key_id,
        })
    }

    /// From a raw 32-byte RFC 8032 seed (test vectors, keys kept by other tools).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Cosigner, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName(name.into()));
        }
        let key_pair =
            Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| NoteError::InvalidPrivateKey)?;
        let key_id = key_id(name, ALG_COSIGNATURE_V1, key_pair.public_key().as_ref());
        Ok(Cosigner {
            name: name.into(),
            key_pair,
            key_id,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn verifier(&self) -> CosignatureVerifier {
        let mut public_key = [0u8; 32];
        public_key.copy_from_slice(self.key_pair.public_key().as_ref());
        CosignatureVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            public_key,
        }
    }

    /// The cosignature line (`— name base64…\n`) for `checkpoint_text` at `timestamp`.
    pub fn cosign(&self, checkpoint_text: &str, timestamp: u64) -> Result<String, NoteError> {
        if !checkpoint_text.ends_with('\n') {
            return Err(NoteError::TextMissingNewline);
        }
        if timestamp > i64::MAX as u64 {
            return Err(NoteError::MalformedNote(
                "cosignature timestamp beyond 2^63-1",
            ));
        }
        let sig = self
            .key_pair
            .sign(signed_message(checkpoint_text, timestamp).as_bytes());
        let mut raw = Vec::with_capacity(4 + 8 + 64);
        raw.extend_from_slice(&self.key_id);
        raw.extend_from_slice(&timestamp.to_be_bytes());
        raw.extend_from_slice(sig.as_ref());
        Ok(format!("\u{2014} {} {}\n", self.name, B64.encode(raw)))
    }
}

/// Reads a witness key (PKCS#8 Ed25519, PEM or DER).
pub fn read_key_file(path: &Path, name: &str) -> anyhow::Result<Cosigner> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("witness key {}: {e}", path.display()))?;
    let der = if bytes.starts_with(b"-----BEGIN") {
        pem::parse(&bytes)
            .map_err(|e| anyhow::anyhow!("witness key {}: {e}", path.display()))?
            .into_contents()
    } else {
        bytes
    };
    Cosigner::from_pkcs8(name, &der)
        .map_err(|e| anyhow::anyhow!("witness key {}: {e}", path.display()))
}

/// Creates a witness key file (mode 0600), refusing to overwrite one.
pub fn generate_key_file(path: &Path, name: &str) -> anyhow::Result<Cosigner> {
    use std::io::Write;
    let (cosigner, pkcs8) = Cosigner::generate(name)?;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    f.write_all(pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8)).as_bytes())?;
    f.sync_all()?;
    Ok(cosigner)
}

/// Why a cosignature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    #[error("malformed cosignature: {0}")]
    Malformed(&'static str),
    #[error("cosignature by {0} does not verify over this checkpoint")]
    Invalid(String),
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// A witness's public key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CosignatureVerifier {
    name: String,
    key_id: [u8; 4],
    public_key: [u8; 32],
}

impl CosignatureVerifier {
    /// Parses `<name>+<hex key id>+base64(0x04 ‖ key)`; the key id must match.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedVerifierKey);
        };
        if !is_valid_key_name(name) || id_hex.len() != 8 {
            return Err(NoteError::MalformedVerifierKey);
        }
        let id: [u8; 4] = hex::decode(id_hex)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(NoteError::MalformedVerifierKey)?;
        let key = B64
            .decode(key_b64)
            .map_err(|_| NoteError::MalformedVerifierKey)?;
        let (&alg, public_key) = key.split_first().ok_or(NoteError::MalformedVerifierKey)?;
        if key_id(name, alg, public_key) != id {
            return Err(NoteError::KeyIdMismatch);
        }
        if alg != ALG_COSIGNATURE_V1 {
            return Err(NoteError::UnsupportedAlgorithm(alg));
        }
        let public_key: [u8; 32] = public_key
            .try_into()
            .map_err(|_| NoteError::MalformedVerifierKey)?;
        Ok(CosignatureVerifier {
            name: name.into(),
            key_id: id,
            public_key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    pub fn key_id_hex(&self) -> String {
        hex::encode(self.key_id)
    }

    pub fn to_vkey_string(&self) -> String {
        let mut key = vec![ALG_COSIGNATURE_V1];
        key.extend_from_slice(&self.public_key);
        format!("{}+{}+{}", self.name, self.key_id_hex(), B64.encode(key))
    }

    /// Whether a parsed signature line is by this key (name and key id).
    pub fn matches(&self, sig: &NoteSignature) -> bool {
        sig.name == self.name && sig.key_id == self.key_id
    }

    /// Verifies one signature line of this witness over `checkpoint_text`; returns its time.
    pub fn verify(
        &self,
        checkpoint_text: &str,
        sig: &NoteSignature,
    ) -> Result<u64, CosignatureError> {
        if !self.matches(sig) {
            return Err(CosignatureError::Malformed(
                "signature line is by another key",
            ));
        }
        if sig.signature.len() != 8 + 64 {
            return Err(CosignatureError::Malformed(
                "an Ed25519 cosignature is a timestamp and 64 signature bytes",
            ));
        }
        let (t, s) = sig.signature.split_at(8);
        let timestamp = u64::from_be_bytes(t.try_into().unwrap_or([0xff; 8]));
        if timestamp > i64::MAX as u64 {
            return Err(CosignatureError::Malformed("timestamp beyond 2^63-1"));
        }
        let msg = signed_message(checkpoint_text, timestamp);
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.public_key)
            .verify(msg.as_bytes(), s)
            .map_err(|_| CosignatureError::Invalid(self.name.clone()))?;
        Ok(timestamp)
    }

    /// Parses a single signature line (`— name base64\n`) and verifies it over `text`.
    pub fn verify_line(&self, checkpoint_text: &str, line: &str) -> Result<u64, CosignatureError> {
        let note = format!("{checkpoint_text}\n{}", line.trim_end_matches('\n'));
        let parsed = parse_note(&format!("{note}\n"))?;
        match parsed.signatures.as_slice() {
            [one] if parsed.text == checkpoint_text => self.verify(checkpoint_text, one),
            _ => Err(CosignatureError::Malformed(
                "expected exactly one signature line",
            )),
        }
    }
}

impl fmt::Display for CosignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey_string())
    }
}

/// Which witnesses a verifier requires: at least `quorum` of `witnesses` must have cosigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessPolicy {
    pub witnesses: Vec<CosignatureVerifier>,
    pub quorum: usize,
}

impl WitnessPolicy {
    /// Parses a policy file: `witness <vkey>` lines, one `quorum <k>` line (default: all), `#`
    /// comments and blank lines.
    pub fn parse(text: &str) -> Result<WitnessPolicy, String> {
        let mut witnesses = Vec::new();
        let mut quorum = None;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once(char::is_whitespace) {
                Some(("witness", v)) => witnesses.push(
                    CosignatureVerifier::parse(v.trim())
                        .map_err(|e| format!("line {}: witness key: {e}", n + 1))?,
                ),
                Some(("quorum", k)) => {
                    quorum = Some(
                        k.trim()
                            .parse::<usize>()
                            .map_err(|_| format!("line {}: quorum is not a number", n + 1))?,
                    )
                }
                _ => {
                    return Err(format!(
                        "line {}: expected `witness VKEY` or `quorum K`",
                        n + 1
                    ))
                }
            }
        }
        let quorum = quorum.unwrap_or(witnesses.len());
        WitnessPolicy::new(witnesses, quorum)
    }

    pub fn new(witnesses: Vec<CosignatureVerifier>, quorum: usize) -> Result<Self, String> {
        if quorum == 0 || quorum > witnesses.len() {
            return Err(format!(
                "a quorum of {quorum} out of {} named witnesses is impossible or empty",
                witnesses.len()
            ));
        }
        for (i, w) in witnesses.iter().enumerate() {
            if witnesses[..i].iter().any(|o| o.name == w.name) {
                return Err(format!("witness {} is named twice", w.name));
            }
        }
        Ok(WitnessPolicy { witnesses, quorum })
    }

    /// Checks the cosignatures on a signed checkpoint note. Returns the names of the witnesses
    /// whose cosignature verified, or every problem (too few, or a named witness's line that
    /// does not verify).
    pub fn check(&self, note: &str) -> Result<Vec<String>, Vec<String>> {
        let parsed = parse_note(note).map_err(|e| vec![format!("checkpoint note: {e}")])?;
        let mut ok = Vec::new();
        let mut problems = Vec::new();
        for w in &self.witnesses {
            let mine: Vec<&NoteSignature> =
                parsed.signatures.iter().filter(|s| w.matches(s)).collect();
            let mut verified = false;
            for s in mine {
                match w.verify(&parsed.text, s) {
                    Ok(_) => verified = true,
                    Err(e) => problems.push(format!("witness {}: {e}", w.name)),
                }
            }
            if verified {
                ok.push(w.name.clone());
            }
        }
        if ok.len() < self.quorum {
            let missing: Vec<&str> = self
                .witnesses
                .iter()
                .filter(|w| !ok.contains(&w.name))
                .map(|w| w.name.as_str())
                .collect();
            problems.push(format!(
                "the checkpoint is cosigned by {} of the required {} witnesses \
                 (no valid cosignature from: {})",
                ok.len(),
                self.quorum,
                missing.join(", ")
            ));
        }
        if problems.is_empty() {
            Ok(ok)
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CP: &str = "example.com/behind-the-sofa\n20852163\n\
                      CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    #[test]
    fn the_signed_message_is_the_spec_example() {
        assert_eq!(
            signed_message(CP, 1679315147),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n\
             CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
    }

    /// Known answer, computed independently with Python `cryptography` (Ed25519 from seed
    /// 00 01 … 1f, the key id and message exactly as tlog-cosignature v1 defines them).
    #[test]
    fn known_answer_vector() {
        let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
        let w = Cosigner::from_seed("witness.example/w1", &seed).unwrap();
        assert_eq!(
            w.verifier().to_vkey_string(),
            "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
        );
        assert_eq!(
            w.cosign(CP, 1679315147).unwrap(),
            "\u{2014} witness.example/w1 519lMgAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83\
             rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/l73euDMQ9k+bBQ==\n"
        );
    }

    #[test]
    fn a_cosignature_verifies_and_binds_text_time_and_key() {
        let (w, _) = Cosigner::generate("witness.example/w1").unwrap();
        let v = CosignatureVerifier::parse(&w.verifier().to_vkey_string()).unwrap();
        assert_eq!(v, w.verifier());
        // The key id uses the cosignature algorithm byte, not the log's 0x01.
        assert_eq!(
            v.key_id(),
            key_id("witness.example/w1", 0x04, &v.public_key)
        );
        assert_ne!(
            v.key_id(),
            key_id("witness.example/w1", 0x01, &v.public_key)
        );
        let line = w.cosign(CP, 1679315147).unwrap();
        assert_eq!(v.verify_line(CP, &line).unwrap(), 1679315147);
        let other = CP.replace("20852163", "20852164");
        assert!(matches!(
            v.verify_line(&other, &line),
            Err(CosignatureError::Invalid(_))
        ));
        // Changing the timestamp bytes breaks the signature.
        let raw_b64 = line.trim_end().rsplit(' ').next().unwrap();
        let mut raw = B64.decode(raw_b64).unwrap();
        raw[11] ^= 1;
        let forged = format!("\u{2014} witness.example/w1 {}\n", B64.encode(raw));
        assert!(v.verify_line(CP, &forged).is_err());
        // A log key (0x01) is not a witness key.
        let (log, _) = super::super::note::NoteSigner::generate("witness.example/w1").unwrap();
        assert!(CosignatureVerifier::parse(&log.verifier().to_vkey_string()).is_err());
    }

    #[test]
    fn the_policy_counts_distinct_named_witnesses() {
        let (a, _) = Cosigner::generate("a.example/w").unwrap();
        let (b, _) = Cosigner::generate("b.example/w").unwrap();
        let (log, _) = super::super::note::NoteSigner::generate("example.com/log").unwrap();
        let text = "example.com/log\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let note = log.sign(text).unwrap();
        let policy_text = format!(
            "# two regulators\nwitness {}\nwitness {}\nquorum 2\n",
            a.verifier(),
            b.verifier()
        );
        let policy = WitnessPolicy::parse(&policy_text).unwrap();
        let err = policy.check(&note).unwrap_err();
        assert!(err[0].contains("0 of the required 2"), "{err:?}");
        let one = format!("{note}{}", a.cosign(text, 5).unwrap());
        let twice = format!("{one}{}", a.cosign(text, 6).unwrap());
        let err = policy.check(&twice).unwrap_err();
        assert!(err[0].contains("1 of the required 2") && err[0].contains("b.example/w"));
        let both = format!("{one}{}", b.cosign(text, 7).unwrap());
        assert_eq!(
            policy.check(&both).unwrap(),
            vec!["a.example/w", "b.example/w"]
        );
        assert!(WitnessPolicy::parse("quorum 1\n").is_err());
    }
}
