//! Certificate login cost: the full server-side check of a login proof (chain to the anchor,
//! validity, key usage, CRL lookup, then the signature over the challenge) per algorithm, beside
//! the raw rate of one signature verification with the same key type. A deadline rush is
//! bounded by this path, so the ratio says how much the chain and CRL work costs on top.

use std::time::Duration;

use chrono::Utc;
use etender::crypto::keys::{verify_signature, SignatureAlgorithm, SigningKey};
use etender::crypto::trust::TrustStore;
use etender::crypto::x509::{IdentityExtraction, Purpose};
use etender::pki::{Authority, LeafSpec, PkiKeyAlgorithm};

use crate::report::{rate, Report};

pub fn run(out: &mut Report) {
    let now = Utc::now();
    let root = Authority::new_root(
        PkiKeyAlgorithm::EcdsaP256,
        "bench root",
        now - chrono::Duration::days(1),
        now + chrono::Duration::days(30),
    )
    .unwrap();
    let sm2_root = Authority::new_root(
        PkiKeyAlgorithm::Sm2,
        "bench sm2 root",
        now - chrono::Duration::days(1),
        now + chrono::Duration::days(30),
    )
    .unwrap();
    let crl = root
        .crl_der(
            &["01".to_string()],
            now - chrono::Duration::hours(1),
            now + chrono::Duration::days(1),
        )
        .unwrap();
    let sm2_crl = sm2_root
        .crl_der(
            &["01".to_string()],
            now - chrono::Duration::hours(1),
            now + chrono::Duration::days(1),
        )
        .unwrap();
    let store = TrustStore::from_parts(
        vec![root.cert_der().to_vec(), sm2_root.cert_der().to_vec()],
        vec![crl, sm2_crl],
    )
    .unwrap();
    let ident = IdentityExtraction::default();
    let msg = b"etender-auth/v1\naudience:etender\n\
                challenge:00000000-0000-0000-0000-000000000000\nnonce:AAAA\n";
    let budget = Duration::from_millis(1500);

    for (label, alg, ca, sig_alg) in [
        (
            "ecdsa_p256",
            PkiKeyAlgorithm::EcdsaP256,
            &root,
            SignatureAlgorithm::EcdsaP256Sha256,
        ),
        (
            "rsa2048_pkcs1",
            PkiKeyAlgorithm::Rsa2048,
            &root,
            SignatureAlgorithm::RsaPkcs1Sha256,
        ),
        (
            "ed25519",
            PkiKeyAlgorithm::Ed25519,
            &root,
            SignatureAlgorithm::Ed25519,
        ),
        (
            "sm2_sm3",
            PkiKeyAlgorithm::Sm2,
            &sm2_root,
            SignatureAlgorithm::Sm2Sm3,
        ),
    ] {
        let mut spec = LeafSpec::signing(alg, "bench bidder");
        spec.subject_serial_number = Some("91350100M000100Y43".into());
        let issued = ca.issue(&spec).unwrap();
        let key = SigningKey::from_pkcs8_der(&issued.key_pkcs8_der).unwrap();
        let sig = key.sign(sig_alg, msg).unwrap();
        let spki = key.public_key_spki_der();
        let chain = vec![issued.cert_der.clone()];

        let raw = rate(budget, || {
            verify_signature(&spki, sig_alg, msg, &sig).unwrap()
        });
        let full = rate(budget, || {
            let cert = store
                .verify_chain(&chain, now, Purpose::Signing, &ident, true)
                .unwrap();
            verify_signature(&cert.spki_der, sig_alg, msg, &sig).unwrap();
        });
        out.record(
            &format!("identity.login_proof_verify.{label}"),
            full,
            "ops/s",
            &format!("raw_signature_verify.{label}"),
            raw,
        );
    }
}
