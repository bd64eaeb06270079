//! Client calls of the bid validity (投标有效期): the tender's side asks for an extension;
//! a bidder reads what it was asked, builds the answer's document itself from the extension
//! and its bid, and signs it with its organisation certificate.

use base64::Engine;
use chrono::{DateTime, Utc};

use super::{urlencode, Client, ClientError, Credentials};
use crate::audit::canonical_json;
use crate::domain::validity::{answer_document, answer_statement};
use crate::wire::validity::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// `…/sections/{section}/bid-validity`.
pub fn validity_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}/bid-validity",
        urlencode(tender),
        urlencode(section)
    )
}

/// The signed answer to `extension` for the caller's bid (the one entry a bidder sees).
pub fn sign_answer(
    extension: &ValidityExtension,
    agree: bool,
    creds: &Credentials,
) -> Result<ValidityAnswerRequest, ClientError> {
    let own = extension
        .asked
        .first()
        .ok_or_else(|| ClientError::Local("the extension did not ask this bidder".into()))?;
    let doc = answer_document(
        &extension.id,
        &extension.tender,
        &extension.section,
        &own.bid,
        &own.bidder_uscc,
        extension.previous_end,
        extension.new_end,
        agree,
    );
    let computed = ring::digest::digest(&ring::digest::SHA256, canonical_json(&doc).as_bytes());
    let digest: [u8; 32] = computed
        .as_ref()
        .try_into()
        .map_err(|_| ClientError::Local("a digest is 32 bytes".into()))?;
    let sig = creds
        .key
        .sign(creds.algorithm, &answer_statement(&digest))
        .map_err(|e| ClientError::Local(format!("signing failed: {e}")))?;
    Ok(ValidityAnswerRequest {
        agree,
        certificate_chain: creds.chain.iter().map(|c| B64.encode(c)).collect(),
        signature: B64.encode(sig),
        signature_algorithm: creds.algorithm.as_str().to_string(),
    })
}

impl Client {
    pub async fn bid_validity(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<SectionValidity, ClientError> {
        self.get(&validity_path(tender, section)).await
    }

    /// The tender's side asks the section's bids still valid to extend to `new_end`.
    pub async fn request_validity_extension(
        &self,
        tender: &str,
        section: &str,
        new_end: DateTime<Utc>,
        answer_due: DateTime<Utc>,
        reason: &str,
    ) -> Result<SectionValidity, ClientError> {
        let body = ValidityExtensionRequest {
            new_end,
            answer_due,
            reason: reason.to_string(),
        };
        self.post(
            &format!("{}/extensions", validity_path(tender, section)),
            &body,
        )
        .await
    }

    /// A bidder answers `extension` (read through [`Client::bid_validity`]), signed with
    /// `creds`.
    pub async fn answer_validity_extension(
        &self,
        extension: &ValidityExtension,
        agree: bool,
        creds: &Credentials,
    ) -> Result<SectionValidity, ClientError> {
        let body = sign_answer(extension, agree, creds)?;
        self.post(
            &format!(
                "{}/extensions/{}/answer",
                validity_path(&extension.tender, &extension.section),
                urlencode(&extension.id)
            ),
            &body,
        )
        .await
    }
}
