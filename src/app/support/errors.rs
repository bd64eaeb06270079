//! Error mappings several stages share: domain rule failures and refused transitions as
//! problem codes, certificate and signature failures, bounded free text.

use crate::crypto::keys::VerifyError;
use crate::crypto::x509::CertError;
use crate::domain::lifecycle::TransitionError;
use crate::domain::schedule::RuleViolation;
use crate::error::AppError;
use crate::error::AppResult;
use crate::error::ErrorCode;
use crate::error::FieldError;

/// Rule failures as a 422 whose `errors[].code` name each rule.
pub fn rule_error(violations: Vec<RuleViolation>) -> AppError {
    let errors: Vec<FieldError> = violations
        .into_iter()
        .map(|v| FieldError {
            field: v.field,
            code: v.rule.as_str().to_string(),
            message: v.message,
        })
        .collect();
    let mut e = AppError::validation(errors);
    e.code = ErrorCode::RuleViolation;
    e
}

/// Trimmed free text of 1..=`max` characters, or a `validation_failed` naming `field`.
pub fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let t = value.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::field(
            field,
            "length",
            format!("{field} must be 1–{max} characters"),
        ));
    }
    Ok(t.to_string())
}

pub fn transition_error(e: TransitionError) -> AppError {
    match e {
        TransitionError::Rule(v) => rule_error(vec![v]),
        TransitionError::InvalidStateTransition { .. }
        | TransitionError::NoOpenObjection
        | TransitionError::AlreadySuspended { .. } => {
            AppError::new(ErrorCode::InvalidStateTransition, e.to_string())
        }
        TransitionError::DeadlinePassed { .. } => {
            AppError::new(ErrorCode::DeadlinePassed, e.to_string())
        }
        TransitionError::DeadlineNotReached { .. } => {
            AppError::new(ErrorCode::InvalidStateTransition, e.to_string())
        }
        TransitionError::ObjectionsPending { .. } => {
            AppError::new(ErrorCode::ObjectionsPending, e.to_string())
        }
        TransitionError::ReasonRequired { .. } => {
            AppError::field("reason", "required", e.to_string())
        }
    }
}

pub fn internal<E: Into<anyhow::Error>>(e: E) -> AppError {
    AppError::internal(e)
}

/// Certificate failures each keep their own code: a bidder must know *why* it was refused.
pub fn cert_error(e: CertError) -> AppError {
    let code = match &e {
        CertError::Malformed(_) => ErrorCode::CertificateMalformed,
        CertError::Expired { .. } => ErrorCode::CertificateExpired,
        CertError::NotYetValid { .. } => ErrorCode::CertificateNotYetValid,
        CertError::Revoked { .. } => ErrorCode::CertificateRevoked,
        CertError::Untrusted | CertError::BadChainSignature | CertError::ChainTooLong => {
            ErrorCode::CertificateUntrusted
        }
        CertError::KeyUsage(_) => ErrorCode::CertificateKeyUsage,
        CertError::UnsupportedAlgorithm(_) => ErrorCode::CertificateAlgorithmUnsupported,
        CertError::RevocationUnknown => ErrorCode::CertificateRevocationUnknown,
    };
    AppError::new(code, e.to_string())
}

pub fn signature_error(e: VerifyError) -> AppError {
    let code = match e {
        VerifyError::BadSignature => ErrorCode::SignatureInvalid,
        VerifyError::UnsupportedAlgorithm | VerifyError::AlgorithmKeyMismatch => {
            ErrorCode::SignatureAlgorithmUnsupported
        }
        VerifyError::MalformedKey | VerifyError::WeakKey => {
            ErrorCode::CertificateAlgorithmUnsupported
        }
    };
    AppError::new(code, e.to_string())
}
