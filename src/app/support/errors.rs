//! Error mappings several stages share: domain rule failures and refused transitions as
//! problem codes, certificate and signature failures, bounded free text.

use crate::crypto::keys::VerifyError;
use crate::crypto::x509::CertError;
use crate::domain::evaluation::EvaluationError;
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

/// An evaluation input refused by `domain::evaluation`, under its own code; the committee's
/// broken rules and the bids a lot must be drawn among go into `errors[]`.
pub fn evaluation_error(e: EvaluationError) -> AppError {
    let code = e.code();
    let errors: Vec<FieldError> = match &e {
        EvaluationError::CommitteeComposition { rules } => rules
            .iter()
            .map(|r| FieldError::new("committee", r.as_str(), e.to_string()))
            .collect(),
        EvaluationError::LotRequired { bids } => bids
            .iter()
            .map(|b| FieldError::new("bids", "tied", b.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let mut out = AppError::new(code, e.to_string());
    out.errors = errors;
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evaluation::committee::check_composition;

    #[test]
    fn evaluation_errors_keep_their_code_and_name_rules_and_bids() {
        let e = evaluation_error(check_composition(4, 2, 5).unwrap_err());
        assert_eq!(e.code, ErrorCode::CommitteeCompositionInvalid);
        assert_eq!(e.code.status(), 422);
        let codes: Vec<&str> = e.errors.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, vec!["committee_size_even"]);
        let e = evaluation_error(EvaluationError::LotRequired {
            bids: vec!["b1".into(), "b2".into()],
        });
        assert_eq!(e.code, ErrorCode::LotRequired);
        let tied: Vec<&str> = e.errors.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(tied, vec!["b1", "b2"]);
    }
}
