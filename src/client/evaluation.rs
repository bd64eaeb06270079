//! Client calls of the evaluation: forming a section's committee, reading it, electing its
//! leader and a member leaving.

use super::{urlencode, Client, ClientError};
use crate::domain::evaluation::committee::LeaveReason;
use crate::wire::evaluation::*;

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
}
