//! Client calls of the evaluation: forming a section's committee, reading it, electing its
//! leader and a member leaving; clarifications (the bidder's signed answer) and rejection
//! motions.

use base64::Engine as _;

use super::{urlencode, Client, ClientError, Credentials};
use crate::domain::evaluation::clarification::answer_statement;
use crate::domain::evaluation::committee::LeaveReason;
use crate::wire::clarifications::*;
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

fn section_path(tender: &str, section: &str) -> String {
    format!(
        "/api/v1/tenders/{}/sections/{}",
        urlencode(tender),
        urlencode(section)
    )
}

/// Clarifications (澄清) and rejection motions: the leader's and members' calls, and the
/// bidder's — which signs its answer with its organisation certificate.
impl Client {
    /// The committee's leader asks about `bid`, the answer due by `due_at`.
    pub async fn ask_clarification(
        &self,
        tender: &str,
        section: &str,
        bid: &str,
        question: Question,
        due_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Clarification, ClientError> {
        let body = AskClarificationRequest {
            bid_id: bid.into(),
            question,
            due_at,
        };
        let path = format!("{}/clarifications", section_path(tender, section));
        self.post(&path, &body).await
    }

    /// The section's clarifications the caller may read: all (members, regulators), or the
    /// bidder's own. A bidder's open questions are those with `open`.
    pub async fn clarifications(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<Clarifications, ClientError> {
        let path = format!("{}/clarifications", section_path(tender, section));
        self.get(&path).await
    }

    /// The bidder's answer, signed here over `clarification::answer_statement` with `creds`
    /// (the organisation certificate whose USCC is `bidder_uscc`). The question's digest is the
    /// one the server lists with the question; it is recomputed here from the question, so a
    /// listing that disagrees with its own question is not signed.
    pub async fn answer_clarification(
        &self,
        q: &Clarification,
        bidder_uscc: &str,
        answer: Answer,
        creds: &Credentials,
    ) -> Result<Clarification, ClientError> {
        let digest = q.question.digest(&q.committee_id, &q.bid_id, &q.id);
        if hex::encode(digest) != q.question_sha256 {
            return Err(ClientError::Local(
                "the question's digest does not match the question; not signing".into(),
            ));
        }
        let statement = answer_statement(&digest, bidder_uscc, &answer);
        let signature = creds
            .key
            .sign(creds.algorithm, &statement)
            .map_err(|e| ClientError::Local(format!("signing failed: {e}")))?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let body = AnswerClarificationRequest {
            answer,
            certificate_chain: creds.chain.iter().map(|c| b64.encode(c)).collect(),
            signature: b64.encode(signature),
            signature_algorithm: creds.algorithm.as_str().into(),
        };
        let path = format!(
            "{}/clarifications/{}/answer",
            section_path(&q.tender_id, &q.section),
            urlencode(&q.id)
        );
        self.post(&path, &body).await
    }

    /// The leader records whether the committee accepts an answer, and why.
    pub async fn decide_clarification(
        &self,
        tender: &str,
        section: &str,
        id: &str,
        accepted: bool,
        reason: &str,
    ) -> Result<Clarification, ClientError> {
        let body = DecideClarificationRequest {
            accepted,
            reason: reason.into(),
        };
        let path = format!(
            "{}/clarifications/{}/decision",
            section_path(tender, section),
            urlencode(id)
        );
        self.post(&path, &body).await
    }

    /// An active member proposes to reject `bid` on a judged ground.
    pub async fn propose_rejection(
        &self,
        tender: &str,
        section: &str,
        bid: &str,
        reason: RejectionReason,
        statement: &str,
    ) -> Result<RejectionMotion, ClientError> {
        let body = ProposeMotionRequest {
            bid_id: bid.into(),
            reason: reason.as_str().into(),
            statement: statement.into(),
        };
        let path = format!("{}/motions", section_path(tender, section));
        self.post(&path, &body).await
    }

    pub async fn rejection_motions(
        &self,
        tender: &str,
        section: &str,
    ) -> Result<RejectionMotions, ClientError> {
        let path = format!("{}/motions", section_path(tender, section));
        self.get(&path).await
    }

    /// An active member votes on a motion (a reason is required against).
    pub async fn vote_rejection(
        &self,
        tender: &str,
        section: &str,
        motion: &str,
        in_favour: bool,
        reason: Option<&str>,
    ) -> Result<RejectionMotion, ClientError> {
        let body = MotionVoteRequest {
            in_favour,
            reason: reason.map(str::to_string),
        };
        let path = format!(
            "{}/motions/{}/votes",
            section_path(tender, section),
            urlencode(motion)
        );
        self.post(&path, &body).await
    }
}
