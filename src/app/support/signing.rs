//! Signed statements made with a party's certificate (notices, bid manifests, withdrawals,
//! key and share releases): the chain is checked against the trust anchors at the server's
//! time, then the signature over the exact bytes the format defines.

use crate::app::support::errors::*;
use crate::app::AppContext;
use crate::crypto::keys::SignatureAlgorithm;
use crate::crypto::trust::ReloadingTrustStore;
use crate::crypto::x509::CertKind;
use crate::crypto::x509::IdentityExtraction;
use crate::crypto::x509::Purpose;
use crate::crypto::x509::VerifiedCertificate;
use crate::domain::uscc::Uscc;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use chrono::DateTime;
use chrono::Utc;
use std::sync::Arc;

/// A certificate chain (leaf first) and a signature made with the leaf's key.
#[derive(Clone, Debug)]
pub struct Signed {
    pub certificate_chain: Vec<Vec<u8>>,
    pub signature: Vec<u8>,
    pub signature_algorithm: SignatureAlgorithm,
}

/// What verifying a certificate needs; cheap to clone into a blocking closure.
#[derive(Clone)]
pub struct Signing {
    trust: Arc<ReloadingTrustStore>,
    extraction: Arc<IdentityExtraction>,
    require_crl: bool,
}

impl Signing {
    pub fn of(ctx: &AppContext) -> Signing {
        Signing {
            trust: ctx.trust.clone(),
            extraction: ctx.identity_extraction.clone(),
            require_crl: ctx.settings.identity.require_crl,
        }
    }

    /// The chain's leaf, if it chains to an anchor, is valid at `now`, is not revoked and may sign.
    pub fn certificate(
        &self,
        chain: &[Vec<u8>],
        now: DateTime<Utc>,
    ) -> AppResult<VerifiedCertificate> {
        if chain.is_empty() {
            return Err(AppError::new(
                ErrorCode::CertificateMalformed,
                "certificate_chain is empty",
            ));
        }
        self.trust
            .current()
            .verify_chain(
                chain,
                now,
                Purpose::Signing,
                &self.extraction,
                self.require_crl,
            )
            .map_err(cert_error)
    }
}

/// The organisation USCC a certificate carries.
pub fn uscc_of(cert: &VerifiedCertificate) -> AppResult<Uscc> {
    let raw = cert.uscc_field.clone().ok_or_else(|| {
        AppError::new(
            ErrorCode::UsccMissing,
            "the signing certificate carries no USCC",
        )
    })?;
    Uscc::parse(&raw).map_err(|e| AppError::new(ErrorCode::UsccInvalid, e.to_string()))
}

/// The certificate must be of `kind` (by its certificate policies).
pub fn require_kind(cert: &VerifiedCertificate, kind: CertKind) -> AppResult<()> {
    if cert.kind == Some(kind) {
        return Ok(());
    }
    let what = match kind {
        CertKind::Organisation => "an organisation certificate (e-business licence)",
        CertKind::Person => "a personal certificate",
    };
    Err(AppError::new(
        ErrorCode::CertificateWrongKind,
        format!("this needs {what}; the certificate's policies say otherwise"),
    ))
}

/// The certificate must be the organisation's own: its USCC is `uscc`.
pub fn require_organisation(cert: &VerifiedCertificate, uscc: &str) -> AppResult<()> {
    require_kind(cert, CertKind::Organisation)?;
    if uscc_of(cert)?.as_str() == uscc {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::CertificateSubjectMismatch,
            "the certificate's USCC is not your organisation's",
        ))
    }
}

/// The certificate must be the person's own: its personal identifier is `person_id`.
pub fn require_person(cert: &VerifiedCertificate, person_id: &str) -> AppResult<()> {
    require_kind(cert, CertKind::Person)?;
    if cert.person_id_field.as_deref().map(str::trim) == Some(person_id) {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::CertificateSubjectMismatch,
            "sign with your own certificate",
        ))
    }
}

/// Verify a signature over `payload` with the certificate's key. A bad signature is
/// `statement_signature_invalid` (422): the request is well-formed but the statement is not the
/// signer's; an algorithm that does not fit the key keeps its own code.
pub fn verify_statement(
    spki_der: &[u8],
    alg: SignatureAlgorithm,
    payload: &[u8],
    signature: &[u8],
    what: &str,
) -> AppResult<()> {
    crate::crypto::keys::verify_signature(spki_der, alg, payload, signature).map_err(|e| {
        let err = signature_error(e);
        if err.code == ErrorCode::SignatureInvalid {
            AppError::new(
                ErrorCode::StatementSignatureInvalid,
                format!("the signature over the {what} does not verify with the certificate"),
            )
        } else {
            err
        }
    })
}
