//! Certificate-based identity: signature algorithms, X.509 parsing, CRLs and trust.
//!
//! Bidders, tenderers, agents and experts are identified by X.509 certificates
//! from CAs (including SM2 "国密" CAs). The server never holds their private keys;
//! it checks that a certificate chains to a configured trust anchor, is valid and
//! unrevoked, and may sign ([`trust::TrustStore::verify_chain`]), then verifies
//! signatures with the certificate's public key ([`keys::verify_signature`]).
//!
//! - [`keys`]: the five signature algorithms, client-side [`keys::SigningKey`] and
//!   server-side verification.
//! - [`x509`]: certificate parsing, identity extraction, [`x509::CertError`].
//! - [`crl`]: CRL parsing and lookup.
//! - [`trust`]: [`trust::TrustStore`] and the directory-following
//!   [`trust::ReloadingTrustStore`].
//! - [`kek`]: the node's key-encryption key (the server's own secret, unlike the above), which
//!   keeps the database from linking tenders and bidders in plain text.

pub mod crl;
pub mod kek;
pub mod keys;
pub mod trust;
pub mod x509;

pub use crl::{Crl, CrlError};
pub use keys::{
    key_algorithm_of_spki, verify_signature, KeyAlgorithm, KeyError, SignatureAlgorithm,
    SigningKey, VerifyError,
};
pub use trust::{ReloadingTrustStore, TrustError, TrustStore};
pub use x509::{
    fingerprint_sha256, parse_chain_pem_or_der, CertError, IdentityExtraction, IdentityField,
    Purpose, VerifiedCertificate,
};
