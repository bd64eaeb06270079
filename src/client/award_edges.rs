//! Client calls of the award's workflow edges (docs/AWARD.md): a member of
//! the award committee leaving and its replacement, the 定标报告 signed with a written dissent.

use base64::Engine;
use serde_json::json;

use super::award::award_path;
use super::{urlencode, Client, ClientError, Credentials};
use crate::domain::award::ballot::report_position_statement;
use crate::wire::award_committee::{AppointReplacement, AwardCommittee, AwardMemberLeaves};
use crate::wire::award_rounds::AwardReport;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

impl Client {
    /// A member reads the 定标报告, checks its digest, and signs it as `person` with a written
    /// dissent (`etender-award-report-dissent/v1`); agreeing is `sign_award_report`.
    pub async fn sign_award_report_dissenting(
        &self,
        tender: &str,
        section: &str,
        person: &str,
        dissent: &str,
        creds: &Credentials,
    ) -> Result<AwardReport, ClientError> {
        let r = self.award_report(tender, section).await?;
        let digest = ring::digest::digest(&ring::digest::SHA256, r.document_text.as_bytes());
        if hex::encode(digest) != r.digest {
            return Err(ClientError::Local("the 定标报告 is not its digest".into()));
        }
        let digest: [u8; 32] = digest.as_ref().try_into().expect("SHA-256 is 32 bytes");
        let msg = report_position_statement(
            tender,
            section,
            r.award_round,
            &digest,
            person,
            Some(dissent),
        );
        let sig = creds
            .key
            .sign(creds.algorithm, &msg)
            .map_err(|e| ClientError::Local(format!("signing failed: {e}")))?;
        let body = json!({
            "digest": r.digest,
            "dissent": dissent,
            "certificate_chain": creds.chain.iter().map(|c| B64.encode(c)).collect::<Vec<_>>(),
            "signature": B64.encode(sig),
            "signature_algorithm": creds.algorithm.as_str(),
        });
        let path = format!("{}/report/signatures", award_path(tender, section));
        self.post(&path, &body).await
    }
}

impl Client {
    /// The tenderer (or its agent) records that member `person` leaves the formed award
    /// committee before the deciding starts.
    pub async fn award_member_leaves(
        &self,
        tender: &str,
        section: &str,
        person: &str,
        req: &AwardMemberLeaves,
    ) -> Result<AwardCommittee, ClientError> {
        let path = format!(
            "{}/committee/members/{}/leave",
            award_path(tender, section),
            urlencode(person)
        );
        self.post(&path, req).await
    }

    /// The tenderer (or its agent) appoints `person` to the appointed seat a member left.
    pub async fn appoint_award_replacement(
        &self,
        tender: &str,
        section: &str,
        person: &str,
    ) -> Result<AwardCommittee, ClientError> {
        let body = AppointReplacement {
            person: person.to_string(),
        };
        let path = format!("{}/committee/members", award_path(tender, section));
        self.post(&path, &body).await
    }
}
