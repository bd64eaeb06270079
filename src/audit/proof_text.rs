//! The `c2sp.org/tlog-proof@v1` offline proof format: an inclusion proof
//! bundled with the signed checkpoint it is relative to. This is the bid
//! receipt handed to bidders, verifiable without contacting the platform.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>            (optional, unauthenticated)
//! index <n>
//! <base64 hash>             (zero or more, leaf sibling first)
//!
//! <signed checkpoint, verbatim, including cosignatures>
//! ```

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use super::merkle::{verify_inclusion, Hash, VerifyError, MAX_PROOF_LEN};
use super::note::{parse_b64_hash, parse_decimal, Checkpoint, NoteError, NoteVerifier};

/// First line of every proof.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Errors from parsing or verifying a tlog proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofTextError {
    #[error("malformed tlog proof: {0}")]
    Malformed(&'static str),
    #[error("checkpoint rejected: {0}")]
    Checkpoint(#[from] NoteError),
    #[error("inclusion proof rejected: {0}")]
    Inclusion(#[from] VerifyError),
}

/// A parsed `c2sp.org/tlog-proof@v1` document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque application data; NOT authenticated by the proof.
    pub extra: Option<Vec<u8>>,
    /// Zero-based leaf index.
    pub index: u64,
    /// Inclusion proof, leaf sibling first.
    pub hashes: Vec<Hash>,
    /// The signed checkpoint note, verbatim (ends with '\n').
    pub signed_checkpoint: String,
}

/// Splits off one '\n'-terminated line.
fn next_line<'a>(rest: &mut &'a str) -> Result<&'a str, ProofTextError> {
    let (line, tail) = rest
        .split_once('\n')
        .ok_or(ProofTextError::Malformed("unexpected end of proof"))?;
    *rest = tail;
    Ok(line)
}

impl TlogProof {
    pub fn to_text(&self) -> String {
        let mut s =
            String::with_capacity(64 + self.hashes.len() * 45 + self.signed_checkpoint.len());
        s.push_str(TLOG_PROOF_HEADER);
        s.push('\n');
        if let Some(extra) = &self.extra {
            s.push_str("extra ");
            s.push_str(&B64.encode(extra));
            s.push('\n');
        }
        s.push_str("index ");
        s.push_str(&self.index.to_string());
        s.push('\n');
        for h in &self.hashes {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.signed_checkpoint);
        s
    }

    /// Parses the proof structure. The checkpoint is kept verbatim and is
    /// only checked by [`TlogProof::verify`], so a proof from another log
    /// (or a spec example with elided signatures) still parses.
    pub fn parse(text: &str) -> Result<Self, ProofTextError> {
        let mut rest = text;
        if next_line(&mut rest)? != TLOG_PROOF_HEADER {
            return Err(ProofTextError::Malformed(
                "missing c2sp.org/tlog-proof@v1 header",
            ));
        }
        let mut line = next_line(&mut rest)?;
        let extra = match line.strip_prefix("extra ") {
            Some(b64) => {
                let bytes = B64
                    .decode(b64)
                    .map_err(|_| ProofTextError::Malformed("extra data is not valid base64"))?;
                line = next_line(&mut rest)?;
                Some(bytes)
            }
            None => None,
        };
        let index = line
            .strip_prefix("index ")
            .ok_or(ProofTextError::Malformed("missing index line"))?;
        let index = parse_decimal(index).ok_or(ProofTextError::Malformed(
            "index is not a canonical decimal",
        ))?;
        let mut hashes = Vec::new();
        loop {
            let line = next_line(&mut rest)?;
            if line.is_empty() {
                break;
            }
            if hashes.len() == MAX_PROOF_LEN {
                return Err(ProofTextError::Malformed("too many proof hashes"));
            }
            hashes.push(parse_b64_hash(line).ok_or(ProofTextError::Malformed(
                "proof hash is not base64 of 32 bytes",
            ))?);
        }
        if rest.is_empty() {
            return Err(ProofTextError::Malformed("missing checkpoint"));
        }
        Ok(TlogProof {
            extra,
            index,
            hashes,
            signed_checkpoint: rest.to_owned(),
        })
    }

    /// Opens the checkpoint with the log's verifier (origin must equal the
    /// key name, see [`Checkpoint::open_signed`]) and verifies that `leaf`
    /// (a leaf *hash*) is included at `index`. Returns the checkpoint.
    pub fn verify(&self, leaf: &Hash, v: &NoteVerifier) -> Result<Checkpoint, ProofTextError> {
        let cp = Checkpoint::open_signed(&self.signed_checkpoint, v)?;
        verify_inclusion(leaf, self.index, cp.size, &self.hashes, &cp.root)?;
        Ok(cp)
    }

    /// Like [`TlogProof::verify`] for an explicit origin and verifier set
    /// (e.g. log key plus witnesses); returns which keys signed.
    pub fn verify_for_origin(
        &self,
        leaf: &Hash,
        origin: &str,
        verifiers: &[NoteVerifier],
    ) -> Result<(Checkpoint, super::note::OpenedNote), ProofTextError> {
        let (cp, opened) =
            Checkpoint::open_signed_for_origin(&self.signed_checkpoint, origin, verifiers)?;
        verify_inclusion(leaf, self.index, cp.size, &self.hashes, &cp.root)?;
        Ok((cp, opened))
    }
}

#[cfg(test)]
mod tests {
    use super::super::merkle::{inclusion_proof, leaf_hash, MemoryTree};
    use super::super::note::NoteSigner;
    use super::*;
    use proptest::prelude::*;

    /// The example in C2SP tlog-proof.md (signatures elided with "[...]" in
    /// the spec, so it parses but cannot be verified).
    const SPEC_EXAMPLE: &str = "c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

— example.com/fancylog hI2DJw[...]1roloI=
— witness1.example mJirIklj[...]qY9v2B/5bg==
— witness2.example TnKKVHLX[...]xwYwrSjgow==
— witness3.example S4X82uH5[...]3oEcROGLFQ==
";

    #[test]
    fn kat_spec_example_parses_and_roundtrips() {
        let p = TlogProof::parse(SPEC_EXAMPLE).unwrap();
        assert_eq!(p.index, 73894);
        assert_eq!(p.hashes.len(), 5);
        assert_eq!(
            p.extra.as_deref(),
            Some(
                &B64.decode("YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ")
                    .unwrap()[..]
            )
        );
        assert!(p
            .signed_checkpoint
            .starts_with("example.com/fancylog\n109482\n"));
        assert_eq!(p.to_text(), SPEC_EXAMPLE);
        let (s, _) = NoteSigner::generate("example.com/fancylog").unwrap();
        assert!(matches!(
            p.verify(&[0; 32], &s.verifier()),
            Err(ProofTextError::Checkpoint(_))
        ));
    }

    fn log_with(n: u64) -> (MemoryTree, NoteSigner) {
        let mut t = MemoryTree::new();
        for i in 0..n {
            t.push(leaf_hash(format!("entry {i}").as_bytes()));
        }
        (t, NoteSigner::generate("audit.example/log").unwrap().0)
    }

    fn receipt(t: &MemoryTree, s: &NoteSigner, index: u64, extra: Option<Vec<u8>>) -> TlogProof {
        let cp = Checkpoint {
            origin: s.name().to_owned(),
            size: t.size(),
            root: t.root(),
            extensions: vec![],
        };
        TlogProof {
            extra,
            index,
            hashes: inclusion_proof(index, t.size(), t).unwrap(),
            signed_checkpoint: cp.sign(s).unwrap(),
        }
    }

    #[test]
    fn receipt_verifies_end_to_end() {
        let (t, s) = log_with(13);
        let v = NoteVerifier::parse(&s.verifier().to_vkey_string()).unwrap();
        for i in 0..13 {
            let p = receipt(&t, &s, i, Some(b"tender-42".to_vec()));
            let parsed = TlogProof::parse(&p.to_text()).unwrap();
            assert_eq!(parsed, p);
            let leaf = leaf_hash(format!("entry {i}").as_bytes());
            let cp = parsed.verify(&leaf, &v).unwrap();
            assert_eq!(cp.size, 13);
            // Wrong leaf, wrong index, wrong key.
            assert!(matches!(
                parsed.verify(&leaf_hash(b"other"), &v),
                Err(ProofTextError::Inclusion(_))
            ));
            let mut moved = parsed.clone();
            moved.index = (i + 1) % 13;
            assert!(moved.verify(&leaf, &v).is_err());
            let (other, _) = NoteSigner::generate("audit.example/log").unwrap();
            assert!(matches!(
                parsed.verify(&leaf, &other.verifier()),
                Err(ProofTextError::Checkpoint(NoteError::NoVerifiedSignature))
            ));
        }
        // Single-leaf log: empty proof, no hash lines.
        let (t, s) = log_with(1);
        let p = receipt(&t, &s, 0, None);
        let text = p.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 0\n\n"));
        TlogProof::parse(&text)
            .unwrap()
            .verify(&leaf_hash(b"entry 0"), &s.verifier())
            .unwrap();
    }

    #[test]
    fn malformed_proofs_rejected() {
        let (t, s) = log_with(5);
        let good = receipt(&t, &s, 2, None).to_text();
        let cp = receipt(&t, &s, 2, None).signed_checkpoint;
        let h = B64.encode([7u8; 32]);
        for bad in [
            String::new(),
            "wrong-header\nindex 0\n\ncheckpoint\n".to_string(),
            "c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n".to_string(),
            "c2sp.org/tlog-proof@v1\n\n\ncheckpoint\n".to_string(),
            "c2sp.org/tlog-proof@v1\nindex notanumber\n\ncheckpoint\n".to_string(),
            "c2sp.org/tlog-proof@v1\nindex -5\n\ncheckpoint\n".to_string(),
            "c2sp.org/tlog-proof@v1\nindex 05\n\ncheckpoint\n".to_string(),
            "c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\ncheckpoint\n".to_string(),
            format!(
                "c2sp.org/tlog-proof@v1\nindex 0\n{}\n\ncheckpoint\n",
                B64.encode([0u8; 64])
            ),
            format!("c2sp.org/tlog-proof@v1\nindex 0\n{h}\n"),
            format!("c2sp.org/tlog-proof@v1\nindex 0\n{h}\n\n"),
            format!(
                "c2sp.org/tlog-proof@v1\nindex 0\n{}\n{cp}",
                format!("{h}\n").repeat(65)
            ),
            format!("c2sp.org/tlog-proof@v1\r\nindex 0\n\n{cp}"),
            good.replacen("index 2", "extra AA==\nextra AA==\nindex 2", 1),
        ] {
            assert!(
                matches!(TlogProof::parse(&bad), Err(ProofTextError::Malformed(_))),
                "accepted {bad:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn prop_roundtrip(
            extra in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
            index in any::<u64>(),
            hashes in proptest::collection::vec(any::<[u8; 32]>(), 0..20),
            cp in "[a-z]{1,10}\n[0-9]{1,5}\n[^\\x00-\\x1f]{0,30}\n",
        ) {
            let p = TlogProof { extra, index, hashes, signed_checkpoint: cp };
            prop_assert_eq!(TlogProof::parse(&p.to_text()).unwrap(), p);
        }

        #[test]
        fn prop_parse_never_panics(s in "\\PC*") {
            let _ = TlogProof::parse(&s);
        }
    }
}
