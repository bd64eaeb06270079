//! Client calls of the contract and the bond refunds: the parties read the contract, check the
//! document hashes to its digest before signing it (or a change) with their organisation
//! certificate, propose and decline changes; the trading centre records refunds.

use base64::Engine;

use super::{urlencode, Client, ClientError, Credentials};
use crate::audit::canonical_json;
use crate::domain::contract::{change_statement, contract_statement, Terms};
use crate::domain::performance::{self as perf, Phase};
use crate::wire::contracts::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// `…/sections/{section}/contract`.
pub fn contract_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}/contract",
        urlencode(tender),
        urlencode(section)
    )
}

fn local(msg: impl Into<String>) -> ClientError {
    ClientError::Local(msg.into())
}

fn digest_of(document: &str, digest: &str) -> Result<[u8; 32], ClientError> {
    let computed = ring::digest::digest(&ring::digest::SHA256, document.as_bytes());
    if hex::encode(computed.as_ref()) != digest {
        return Err(local(
            "the document does not hash to its digest: not signed",
        ));
    }
    computed
        .as_ref()
        .try_into()
        .map_err(|_| local("a digest is 32 bytes"))
}

fn signed(
    digest: &str,
    statement: &[u8],
    creds: &Credentials,
) -> Result<ContractSignatureRequest, ClientError> {
    let sig = creds
        .key
        .sign(creds.algorithm, statement)
        .map_err(|e| local(format!("signing failed: {e}")))?;
    Ok(ContractSignatureRequest {
        digest: digest.to_string(),
        certificate_chain: creds.chain.iter().map(|c| B64.encode(c)).collect(),
        signature: B64.encode(sig),
        signature_algorithm: creds.algorithm.as_str().to_string(),
    })
}

/// The body signing the contract's current version with `creds` (the document checked
/// against its digest first, so a client never signs what it did not read).
pub fn sign_version(
    c: &Contract,
    creds: &Credentials,
) -> Result<ContractSignatureRequest, ClientError> {
    let d = digest_of(&c.document, &c.digest)?;
    signed(&c.digest, &contract_statement(&d), creds)
}

/// The body signing a proposed change with `creds`.
pub fn sign_change(
    ch: &ContractChange,
    creds: &Credentials,
) -> Result<ContractSignatureRequest, ClientError> {
    let d = digest_of(&ch.document, &ch.digest)?;
    signed(&ch.digest, &change_statement(&d), creds)
}

/// The SHA-256 of a document's canonical JSON: what the signed statements carry.
fn document_digest(doc: &serde_json::Value) -> Result<[u8; 32], ClientError> {
    let computed = ring::digest::digest(&ring::digest::SHA256, canonical_json(doc).as_bytes());
    computed
        .as_ref()
        .try_into()
        .map_err(|_| local("a digest is 32 bytes"))
}

/// The body rating the contract `c` (read just before) with `creds`: the rating's canonical
/// document built as the server builds it (`domain::performance::document`), digested and
/// signed.
pub fn sign_rating(
    c: &Contract,
    phase: Phase,
    score: rust_decimal::Decimal,
    remarks: &str,
    creds: &Credentials,
) -> Result<PerformanceRatingRequest, ClientError> {
    let doc = perf::document(&perf::Rating {
        contract: &c.id,
        contract_digest: &c.digest,
        tender: &c.tender,
        section: &c.section,
        tenderer_uscc: &c.tenderer.uscc,
        winner_uscc: &c.winner.uscc,
        phase,
        score,
        remarks,
    })
    .ok_or_else(|| local("a score is 0 to 100 with at most one decimal place"))?;
    let digest = document_digest(&doc)?;
    Ok(PerformanceRatingRequest {
        phase,
        score,
        remarks: remarks.to_string(),
        signature: signed(
            &hex::encode(digest),
            &perf::rating_statement(&digest),
            creds,
        )?,
    })
}

/// The body recording the completion of the contract `c` (read just before) on `completed_on`,
/// signed with `creds` (the tenderer's): the document built as the server builds it
/// (`domain::contract::completion_document`).
pub fn sign_completion(
    c: &Contract,
    completed_on: chrono::NaiveDate,
    remarks: &str,
    creds: &Credentials,
) -> Result<ContractCompletionRequest, ClientError> {
    let doc = crate::domain::contract::completion_document(&crate::domain::contract::Completion {
        contract: &c.id,
        contract_digest: &c.digest,
        tender: &c.tender,
        section: &c.section,
        tenderer_uscc: &c.tenderer.uscc,
        winner_uscc: &c.winner.uscc,
        completed_on,
        remarks,
    });
    let digest = document_digest(&doc)?;
    Ok(ContractCompletionRequest {
        completed_on,
        remarks: remarks.to_string(),
        signature: signed(
            &hex::encode(digest),
            &crate::domain::contract::completion_statement(&digest),
            creds,
        )?,
    })
}

/// The body replying to `rating` with `text`, signed with `creds` (the winner's).
pub fn sign_reply(
    rating: &PerformanceRating,
    text: &str,
    creds: &Credentials,
) -> Result<PerformanceReplyRequest, ClientError> {
    let doc = perf::reply_document(&rating.id, &rating.digest, &rating.winner_uscc, text);
    let digest = document_digest(&doc)?;
    Ok(PerformanceReplyRequest {
        text: text.to_string(),
        signature: signed(&hex::encode(digest), &perf::reply_statement(&digest), creds)?,
    })
}

impl Client {
    pub async fn draft_contract(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<Contract, ClientError> {
        self.send::<_, ()>(reqwest::Method::POST, &contract_path(tender, section), None)
            .await
    }

    pub async fn contract(&self, tender: &str, section: &str) -> Result<Contract, ClientError> {
        self.get(&contract_path(tender, section)).await
    }

    pub async fn edit_contract_terms(
        &self,
        tender: &str,
        section: &str,
        terms: &Terms,
    ) -> Result<Contract, ClientError> {
        let path = format!("{}/terms", contract_path(tender, section));
        self.send(reqwest::Method::PUT, &path, Some(terms)).await
    }

    pub async fn record_performance_bond(
        &self,
        tender: &str,
        section: &str,
        bond: &PerformanceBondRequest,
    ) -> Result<Contract, ClientError> {
        self.post(
            &format!("{}/performance-bond", contract_path(tender, section)),
            bond,
        )
        .await
    }

    /// Reads the contract, checks and signs its current version with `creds`, and sends it.
    pub async fn sign_contract(
        &self,
        tender: &str,
        section: &str,
        creds: &Credentials,
    ) -> Result<Contract, ClientError> {
        let c = self.contract(tender, section).await?;
        let body = sign_version(&c, creds)?;
        self.post(
            &format!("{}/signatures", contract_path(tender, section)),
            &body,
        )
        .await
    }

    /// Reads the contract, rates it (履约评价) and signs the rating with `creds`.
    pub async fn rate_performance(
        &self,
        tender: &str,
        section: &str,
        phase: Phase,
        score: rust_decimal::Decimal,
        remarks: &str,
        creds: &Credentials,
    ) -> Result<PerformanceRating, ClientError> {
        let c = self.contract(tender, section).await?;
        let body = sign_rating(&c, phase, score, remarks, creds)?;
        self.post(
            &format!("{}/performance-ratings", contract_path(tender, section)),
            &body,
        )
        .await
    }

    /// Reads the contract and records its completion (履约完成), signed with `creds`.
    pub async fn complete_contract(
        &self,
        tender: &str,
        section: &str,
        completed_on: chrono::NaiveDate,
        remarks: &str,
        creds: &Credentials,
    ) -> Result<Contract, ClientError> {
        let c = self.contract(tender, section).await?;
        let body = sign_completion(&c, completed_on, remarks, creds)?;
        self.post(
            &format!("{}/completion", contract_path(tender, section)),
            &body,
        )
        .await
    }

    /// Replies to `rating` (the winner's 申辩), signed with `creds`.
    pub async fn reply_to_rating(
        &self,
        tender: &str,
        section: &str,
        rating: &PerformanceRating,
        text: &str,
        creds: &Credentials,
    ) -> Result<PerformanceRating, ClientError> {
        let body = sign_reply(rating, text, creds)?;
        self.post(
            &format!(
                "{}/performance-ratings/{}/reply",
                contract_path(tender, section),
                urlencode(&rating.id)
            ),
            &body,
        )
        .await
    }

    pub async fn performance_ratings(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<Vec<PerformanceRating>, ClientError> {
        self.get(&format!(
            "{}/performance-ratings",
            contract_path(tender, section)
        ))
        .await
    }

    pub async fn propose_contract_change(
        &self,
        tender: &str,
        section: &str,
        req: &ProposeChangeRequest,
    ) -> Result<ContractChange, ClientError> {
        self.post(&format!("{}/changes", contract_path(tender, section)), req)
            .await
    }

    /// Reads the contract's change `id`, checks and signs it with `creds`, and sends it.
    pub async fn sign_contract_change(
        &self,
        tender: &str,
        section: &str,
        id: &str,
        creds: &Credentials,
    ) -> Result<Contract, ClientError> {
        let c = self.contract(tender, section).await?;
        let ch = c
            .changes
            .iter()
            .find(|ch| ch.id == id)
            .ok_or_else(|| local(format!("the contract has no change {id}")))?;
        let body = sign_change(ch, creds)?;
        self.post(
            &format!(
                "{}/changes/{}/signatures",
                contract_path(tender, section),
                urlencode(id)
            ),
            &body,
        )
        .await
    }

    pub async fn decline_contract_change(
        &self,
        tender: &str,
        section: &str,
        id: &str,
        note: &str,
    ) -> Result<ContractChange, ClientError> {
        self.post(
            &format!(
                "{}/changes/{}/decline",
                contract_path(tender, section),
                urlencode(id)
            ),
            &DeclineChangeRequest {
                note: note.to_string(),
            },
        )
        .await
    }

    pub async fn section_bond_refunds(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<Vec<BondRefund>, ClientError> {
        self.get(&format!(
            "/api/v1/tenders/{}/sections/{}/bond-refunds",
            urlencode(tender),
            urlencode(section)
        ))
        .await
    }

    pub async fn my_bond_refunds(&self) -> Result<Vec<BondRefund>, ClientError> {
        self.get("/api/v1/bond-refunds/mine").await
    }

    pub async fn open_bond_refunds(&self) -> Result<Vec<BondRefund>, ClientError> {
        self.get("/api/v1/bond-refunds").await
    }

    pub async fn record_bond_refund(
        &self,
        id: &str,
        bank_reference: &str,
    ) -> Result<BondRefund, ClientError> {
        self.post(
            &format!("/api/v1/bond-refunds/{}/refund", urlencode(id)),
            &RecordRefundRequest {
                bank_reference: bank_reference.to_string(),
            },
        )
        .await
    }
}
