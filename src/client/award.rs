//! Client calls of the award (定标): where a section's award stands, and 评定分离's signed steps
//! — the 清标 report, the pool and its members' statements, the committee and its witness, the
//! deciding's ballots, the 定标报告's signatures, objections to the result and their answers —
//! and the traditional award's steps: the candidates published, the winner named, a winner
//! dropping out, the 条例56 re-check.

use base64::Engine;
use serde_json::json;

use super::{urlencode, Client, ClientError, Credentials};
use crate::domain::award::ballot::{self, BallotOf, Cast};
use crate::domain::award::clearing::{self, ClearingReport};
use crate::domain::award::committee;
use crate::domain::award::publicity::{objection_statement, text_digest};
use crate::wire::award::SectionAward;
use crate::wire::award_committee::{
    AwardCommittee, AwardStatement, Clearing, Dossier, FormAwardCommitteeRequest,
};
use crate::wire::award_publicity::{
    AnswerAwardObjectionRequest, AwardObjection, AwardPublicity, AwardWinnerRequest,
    RecheckRequest, WinnerDropsOutRequest,
};
use crate::wire::award_rounds::{AwardReport, AwardSteps, CastReceipt};
use crate::wire::experts::{AdmitMember, Member};
use crate::wire::Page;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The path of a section's award.
pub fn award_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}/award",
        urlencode(tender),
        urlencode(section)
    )
}

impl Client {
    pub async fn award(&self, tender: &str, section: &str) -> Result<SectionAward, ClientError> {
        self.get(&award_path(tender, section)).await
    }
}

/// The certificate chain, signature and algorithm fields every signed award body carries.
fn signed(creds: &Credentials, msg: &[u8]) -> Result<serde_json::Value, ClientError> {
    let sig = creds
        .key
        .sign(creds.algorithm, msg)
        .map_err(|e| ClientError::Local(format!("signing failed: {e}")))?;
    Ok(json!({
        "certificate_chain": creds.chain.iter().map(|c| B64.encode(c)).collect::<Vec<_>>(),
        "signature": B64.encode(sig),
        "signature_algorithm": creds.algorithm.as_str(),
    }))
}

fn with(mut body: serde_json::Value, sig: serde_json::Value) -> serde_json::Value {
    if let (Some(b), Some(s)) = (body.as_object_mut(), sig.as_object()) {
        b.extend(s.clone());
    }
    body
}

impl Client {
    /// A tenderer adds a registered person to its award-committee pool (定标委员库).
    pub async fn add_to_award_pool(
        &self,
        tenderer: &str,
        member: &AdmitMember,
    ) -> Result<Member, ClientError> {
        let path = format!("/api/v1/organisations/{}/award-pool", urlencode(tenderer));
        self.post(&path, member).await
    }

    /// A page of a tenderer's award-committee pool, after the member id `after`.
    pub async fn award_pool(
        &self,
        tenderer: &str,
        after: Option<&str>,
    ) -> Result<Page<Member>, ClientError> {
        let mut path = format!("/api/v1/organisations/{}/award-pool", urlencode(tenderer));
        if let Some(a) = after {
            path.push_str(&format!("?after={}", urlencode(a)));
        }
        self.get(&path).await
    }

    /// The tenderer (or its agent) files the signed 清标 report of `round`.
    pub async fn file_clearing(
        &self,
        tender: &str,
        section: &str,
        round: u32,
        report: &ClearingReport,
        creds: &Credentials,
    ) -> Result<Clearing, ClientError> {
        let msg = clearing::statement(tender, section, round, report);
        let body = with(json!({ "report": report }), signed(creds, &msg)?);
        let path = format!("{}/clearing", award_path(tender, section));
        self.post(&path, &body).await
    }

    /// A pool member signs its statement (承诺书) for `round`, declaring no conflict.
    pub async fn sign_award_statement(
        &self,
        tender: &str,
        section: &str,
        round: u32,
        member: &str,
        person: &str,
        creds: &Credentials,
    ) -> Result<AwardStatement, ClientError> {
        let msg = committee::statement(tender, section, round, member, person, None);
        let body = with(json!({ "conflict": null }), signed(creds, &msg)?);
        let path = format!("{}/statements", award_path(tender, section));
        self.post(&path, &body).await
    }

    /// The tenderer (or its agent) forms the award committee.
    pub async fn form_award_committee(
        &self,
        tender: &str,
        section: &str,
        req: &FormAwardCommitteeRequest,
    ) -> Result<AwardCommittee, ClientError> {
        let path = format!("{}/committee", award_path(tender, section));
        self.post(&path, req).await
    }

    /// The award committee of the section's current award round.
    pub async fn award_committee(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<AwardCommittee, ClientError> {
        self.get(&format!("{}/committee", award_path(tender, section)))
            .await
    }

    /// What the award committee decides from (评标报告, 清标 report, prices, records, criteria).
    pub async fn award_dossier(&self, tender: &str, section: &str) -> Result<Dossier, ClientError> {
        self.get(&format!("{}/dossier", award_path(tender, section)))
            .await
    }

    /// A regulator (`regulator` its principal id) witnesses `formed` by signing its roster.
    pub async fn witness_award_committee(
        &self,
        formed: &AwardCommittee,
        regulator: &str,
        creds: &Credentials,
    ) -> Result<AwardCommittee, ClientError> {
        let roster: [u8; 32] = hex::decode(&formed.roster_sha256)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ClientError::Local("the roster digest is 32 bytes of hex".into()))?;
        let (t, s) = (&formed.tender_id, &formed.section);
        let msg = committee::witness_statement(t, s, formed.award_round, &roster, regulator);
        let path = format!("{}/committee/witness", award_path(t, s));
        self.post(&path, &signed(creds, &msg)?).await
    }

    /// The tenderer (or its agent) convenes the deciding (定标会议).
    pub async fn start_award_deciding(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<AwardSteps, ClientError> {
        let path = format!("{}/deciding", award_path(tender, section));
        self.post(&path, &json!({})).await
    }

    pub async fn award_steps(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<AwardSteps, ClientError> {
        self.get(&format!("{}/steps", award_path(tender, section)))
            .await
    }

    /// A member casts `cast` in the open step `of.step`, signed with its own certificate.
    pub async fn cast_award(
        &self,
        of: &BallotOf<'_>,
        cast: &Cast,
        creds: &Credentials,
    ) -> Result<CastReceipt, ClientError> {
        let msg = ballot::statement(of, cast);
        let body = with(json!({ "cast": cast }), signed(creds, &msg)?);
        let path = format!(
            "{}/steps/{}/casts",
            award_path(of.tender, of.section),
            urlencode(of.step)
        );
        self.post(&path, &body).await
    }

    pub async fn award_report(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<AwardReport, ClientError> {
        self.get(&format!("{}/report", award_path(tender, section)))
            .await
    }

    /// A member reads the 定标报告, checks its digest, and signs it as `person`.
    pub async fn sign_award_report(
        &self,
        tender: &str,
        section: &str,
        person: &str,
        creds: &Credentials,
    ) -> Result<AwardReport, ClientError> {
        let r = self.award_report(tender, section).await?;
        let digest = ring::digest::digest(&ring::digest::SHA256, r.document_text.as_bytes());
        if hex::encode(digest) != r.digest {
            return Err(ClientError::Local("the 定标报告 is not its digest".into()));
        }
        let digest: [u8; 32] = digest.as_ref().try_into().expect("SHA-256 is 32 bytes");
        let msg = ballot::report_statement(tender, section, r.award_round, &digest, person);
        let body = with(json!({ "digest": r.digest }), signed(creds, &msg)?);
        let path = format!("{}/report/signatures", award_path(tender, section));
        self.post(&path, &body).await
    }

    /// A bidder (USCC `uscc`) objects to the result of `round`, signed with its certificate.
    pub async fn raise_award_objection(
        &self,
        tender: &str,
        section: &str,
        round: i32,
        uscc: &str,
        text: &str,
        creds: &Credentials,
    ) -> Result<AwardObjection, ClientError> {
        let msg = objection_statement(tender, section, round, uscc, &text_digest(text));
        let body = with(json!({ "text": text }), signed(creds, &msg)?);
        let path = format!("{}/objections", award_path(tender, section));
        self.post(&path, &body).await
    }

    /// The tenderer (or its agent) answers an objection.
    pub async fn answer_award_objection(
        &self,
        tender: &str,
        section: &str,
        id: &str,
        req: &AnswerAwardObjectionRequest,
    ) -> Result<AwardObjection, ClientError> {
        let path = format!(
            "{}/objections/{}/answer",
            award_path(tender, section),
            urlencode(id)
        );
        self.post(&path, req).await
    }

    pub async fn award_publicity(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<AwardPublicity, ClientError> {
        self.get(&format!("{}/publicity", award_path(tender, section)))
            .await
    }

    /// The tenderer (or its agent) publishes a traditional section's ranked candidates.
    pub async fn publish_award_candidates(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<SectionAward, ClientError> {
        let path = format!("{}/publicity", award_path(tender, section));
        self.post(&path, &json!({})).await
    }

    /// The traditional award: the tenderer (or its agent) names the winner.
    pub async fn award_winner(
        &self,
        tender: &str,
        section: &str,
        req: &AwardWinnerRequest,
    ) -> Result<SectionAward, ClientError> {
        let path = format!("{}/winner", award_path(tender, section));
        self.post(&path, req).await
    }

    /// The traditional winner drops out (条例55).
    pub async fn award_winner_drops_out(
        &self,
        tender: &str,
        section: &str,
        req: &WinnerDropsOutRequest,
    ) -> Result<SectionAward, ClientError> {
        let path = format!("{}/winner/drop-out", award_path(tender, section));
        self.post(&path, req).await
    }

    /// The tenderer (or its agent) sends the section back to its committee (条例56).
    pub async fn request_award_recheck(
        &self,
        tender: &str,
        section: &str,
        req: &RecheckRequest,
    ) -> Result<SectionAward, ClientError> {
        let path = format!("{}/recheck", award_path(tender, section));
        self.post(&path, req).await
    }
}
