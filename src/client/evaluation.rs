//! Client calls of the evaluation: forming a section's committee, reading it, electing its
//! leader and a member leaving; a member's signed sheets (the statement built and signed here,
//! with the member's personal certificate) and the 偏离度 flags with their signed reasons.

use base64::Engine as _;

use super::{urlencode, Client, ClientError, Credentials};
use crate::domain::evaluation::committee::LeaveReason;
use crate::domain::evaluation::deviation::{self, DeviationFlag as Flag};
use crate::domain::evaluation::sheet::{self, SheetOf};
use crate::wire::evaluation::*;

/// The signature fields of a signed request: chain (base64 DER), signature, algorithm.
fn signed_by(creds: &Credentials, payload: &[u8]) -> Result<(Vec<String>, String), ClientError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let sig = creds
        .key
        .sign(creds.algorithm, payload)
        .map_err(|e| ClientError::Local(format!("signing failed: {e}")))?;
    Ok((
        creds.chain.iter().map(|d| b64.encode(d)).collect(),
        b64.encode(sig),
    ))
}

fn committee_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}/committee",
        urlencode(tender),
        urlencode(section)
    )
}

impl Client {
    /// The tenderer or its agent forms the section's committee with these representatives.
    pub async fn form_committee(
        &self,
        tender: &str,
        section: &str,
        representatives: &[String],
    ) -> Result<EvaluationCommittee, ClientError> {
        let body = FormCommitteeRequest {
            representatives: representatives.to_vec(),
        };
        self.post(&committee_path(tender, section), &body).await
    }

    pub async fn committee(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<EvaluationCommittee, ClientError> {
        self.get(&committee_path(tender, section)).await
    }

    /// The caller, an active member, votes for `member` as leader.
    pub async fn vote_leader(
        &self,
        tender: &str,
        section: &str,
        member: &str,
    ) -> Result<EvaluationCommittee, ClientError> {
        let body = LeaderVoteRequest {
            member_id: member.into(),
        };
        let path = format!("{}/leader-votes", committee_path(tender, section));
        self.post(&path, &body).await
    }

    /// `member` leaves the committee (the caller is the member, or the tender's party).
    pub async fn leave_committee(
        &self,
        tender: &str,
        section: &str,
        member: &str,
        reason: LeaveReason,
        note: &str,
    ) -> Result<EvaluationCommittee, ClientError> {
        let body = LeaveRequest {
            reason,
            note: note.into(),
        };
        let path = format!(
            "{}/members/{}/leave",
            committee_path(tender, section),
            urlencode(member)
        );
        self.post(&path, &body).await
    }

    /// The caller's principal id and the section's committee id: where its sheets belong.
    async fn sheet_home(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<(String, EvaluationCommittee), ClientError> {
        let me: serde_json::Value = self.get("/api/v1/me").await?;
        let id = me["id"]
            .as_str()
            .ok_or_else(|| ClientError::Local("/me without id".into()))?
            .to_string();
        Ok((id, self.committee(tender, section).await?))
    }

    /// The caller, an active member, submits `sheet` (its own verdicts, scores, adjustments or
    /// remarks; `member` fields are filled with the caller's principal id), signed with
    /// `signer`, its personal certificate, over `sheet::statement`.
    pub async fn submit_sheet(
        &self,
        tender: &str,
        section: &str,
        sheet: &Sheet,
        signer: &Credentials,
    ) -> Result<EvaluationSheet, ClientError> {
        let (me, committee) = self.sheet_home(tender, section).await?;
        let sheet = own(sheet, &me);
        let of = SheetOf {
            committee: &committee.id,
            tender: &committee.tender_id,
            section: &committee.section,
            member: &me,
        };
        let statement = sheet::statement(&of, &sheet)
            .map_err(|e| ClientError::Local(format!("the sheet cannot be signed: {e}")))?;
        let (chain, signature) = signed_by(signer, &statement)?;
        let body = SubmitSheetRequest {
            sheet,
            certificate_chain: chain,
            signature,
            signature_algorithm: signer.algorithm.as_str().into(),
        };
        let path = format!("{}/sheets", committee_path(tender, section));
        self.post(&path, &body).await
    }

    /// The caller's own sheets, every stage.
    pub async fn my_sheets(&self, tender: &str, section: &str) -> Result<MySheets, ClientError> {
        self.get(&format!("{}/my-sheets", committee_path(tender, section)))
            .await
    }

    /// The committee's sheets of a revealed stage.
    pub async fn stage_sheets(
        &self,
        tender: &str,
        section: &str,
        stage: &str,
    ) -> Result<StageSheets, ClientError> {
        let path = format!(
            "{}/sheets/{}",
            committee_path(tender, section),
            urlencode(stage)
        );
        self.get(&path).await
    }

    /// The committee's 偏离度 flags and the reasons filed.
    pub async fn deviation_flags(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<DeviationFlags, ClientError> {
        self.get(&format!(
            "{}/deviation-flags",
            committee_path(tender, section)
        ))
        .await
    }

    /// The flagged member files its written reason for `flag`, signed with `signer`.
    pub async fn file_deviation_reason(
        &self,
        tender: &str,
        section: &str,
        flag: &DeviationFlag,
        reason: &str,
        signer: &Credentials,
    ) -> Result<DeviationFlag, ClientError> {
        let committee = self.committee(tender, section).await?;
        let of = SheetOf {
            committee: &committee.id,
            tender: &committee.tender_id,
            section: &committee.section,
            member: &flag.person_id,
        };
        let domain = Flag {
            member: flag.person_id.clone(),
            bid: flag.bid_id.clone(),
            criterion: flag.criterion.clone(),
            score: flag.score,
            others_mean: flag.others_mean,
        };
        let statement = deviation::reason_statement(&of, &domain, reason);
        let (chain, signature) = signed_by(signer, &statement)?;
        let body = DeviationReasonRequest {
            reason: reason.into(),
            certificate_chain: chain,
            signature,
            signature_algorithm: signer.algorithm.as_str().into(),
        };
        let path = format!(
            "{}/deviation-flags/{}/reason",
            committee_path(tender, section),
            urlencode(&flag.id)
        );
        self.post(&path, &body).await
    }
}

/// `sheet` with every verdict's and remark's `member` set to `me`.
fn own(sheet: &Sheet, me: &str) -> Sheet {
    let mut s = sheet.clone();
    match &mut s {
        Sheet::Preliminary { verdicts } => {
            for v in verdicts {
                v.member = me.to_string();
            }
        }
        Sheet::Qualitative { remarks, .. } => {
            for r in remarks {
                r.member = me.to_string();
            }
        }
        Sheet::Scoring { .. } | Sheet::Adjustments { .. } => {}
    }
    s
}
