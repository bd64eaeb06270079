//! Client calls of supervision (issue 15): the working-day calendar, the 执法人员库 and
//! complaints (the complainant's and the department's sides).

use base64::Engine;
use reqwest::Method;

use super::{urlencode, Client, ClientError, Credentials};
use crate::domain::complaint::{content_digest, decision_statement, statement};
use crate::wire::supervision::{
    Calendar, Complaint, ComplaintOutcome, ComplaintPauseRequest, DecideComplaintRequest,
    FileComplaintRequest, HandleComplaintRequest, Officer, OfficerRequest,
};
use crate::wire::tenders::{LifecycleAction, Tender};
use crate::wire::Page;

/// (certificate chain, signature, algorithm) as a signed body carries them.
fn sign(creds: &Credentials, msg: &[u8]) -> Result<(Vec<String>, String, String), ClientError> {
    let b64 = &base64::engine::general_purpose::STANDARD;
    let sig = creds
        .key
        .sign(creds.algorithm, msg)
        .map_err(|e| ClientError::Local(format!("signing failed: {e}")))?;
    Ok((
        creds.chain.iter().map(|c| b64.encode(c)).collect(),
        b64.encode(sig),
        creds.algorithm.as_str().to_string(),
    ))
}

impl Client {
    /// The holiday notices working days are counted by (public).
    pub async fn calendar(&self) -> Result<Calendar, ClientError> {
        self.get("/api/v1/calendar").await
    }

    /// Record `person` as an officer of `department` (the trading centre).
    pub async fn put_officer(
        &self,
        department: &str,
        person: &str,
        req: &OfficerRequest,
    ) -> Result<Officer, ClientError> {
        let path = format!(
            "/api/v1/departments/{}/officers/{}",
            urlencode(department),
            urlencode(person)
        );
        self.send(Method::PUT, &path, Some(req)).await
    }

    /// A department's officers (regulators and the trading centre).
    pub async fn officers(&self, department: &str) -> Result<Vec<Officer>, ClientError> {
        self.get(&format!(
            "/api/v1/departments/{}/officers",
            urlencode(department)
        ))
        .await
    }

    /// File a complaint, signed with the complainant's organisation certificate (`uscc` is the
    /// complainant's). `req`'s signature fields are filled in here.
    pub async fn file_complaint(
        &self,
        mut req: FileComplaintRequest,
        uscc: &str,
        creds: &Credentials,
    ) -> Result<Complaint, ClientError> {
        let msg = statement(
            &req.tender,
            req.section.as_deref(),
            req.subject,
            req.objection.as_deref(),
            uscc,
            &content_digest(&req.text),
        );
        (
            req.certificate_chain,
            req.signature,
            req.signature_algorithm,
        ) = sign(creds, &msg)?;
        self.post("/api/v1/complaints", &req).await
    }

    /// A page of the complaints the caller may read; `open` only those still being handled.
    pub async fn complaints(
        &self,
        tender: Option<&str>,
        open: bool,
        after: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<Complaint>, ClientError> {
        let mut path = format!("/api/v1/complaints?open={open}");
        if let Some(t) = tender {
            path.push_str(&format!("&tender={}", urlencode(t)));
        }
        if let Some(a) = after {
            path.push_str(&format!("&after={}", urlencode(a)));
        }
        if let Some(l) = limit {
            path.push_str(&format!("&limit={l}"));
        }
        self.get(&path).await
    }

    pub async fn complaint(&self, id: &str) -> Result<Complaint, ClientError> {
        self.get(&format!("/api/v1/complaints/{}", urlencode(id)))
            .await
    }

    /// The department accepts or refuses.
    pub async fn handle_complaint(
        &self,
        id: &str,
        req: &HandleComplaintRequest,
    ) -> Result<Complaint, ClientError> {
        let path = format!("/api/v1/complaints/{}/handling", urlencode(id));
        self.post(&path, req).await
    }

    /// Testing or expert review starts or ends.
    pub async fn pause_complaint(
        &self,
        id: &str,
        req: &ComplaintPauseRequest,
    ) -> Result<Complaint, ClientError> {
        let path = format!("/api/v1/complaints/{}/pauses", urlencode(id));
        self.post(&path, req).await
    }

    /// The department's decision, signed with the officer's personal certificate.
    pub async fn decide_complaint(
        &self,
        id: &str,
        outcome: ComplaintOutcome,
        text: &str,
        creds: &Credentials,
    ) -> Result<Complaint, ClientError> {
        let msg = decision_statement(id, outcome, &content_digest(text));
        let (certificate_chain, signature, signature_algorithm) = sign(creds, &msg)?;
        let req = DecideComplaintRequest {
            outcome,
            text: text.to_string(),
            certificate_chain,
            signature,
            signature_algorithm,
        };
        let path = format!("/api/v1/complaints/{}/decision", urlencode(id));
        self.post(&path, &req).await
    }

    /// Suspend, resume, terminate or cancel a tender (its parties; a supervising regulator
    /// suspends on a complaint and resumes).
    pub async fn tender_action(
        &self,
        tender: &str,
        action: &LifecycleAction,
    ) -> Result<Tender, ClientError> {
        let path = format!("/api/v1/tenders/{}/actions", urlencode(tender));
        self.post(&path, action).await
    }

    /// The complainant withdraws.
    pub async fn withdraw_complaint(&self, id: &str) -> Result<Complaint, ClientError> {
        let path = format!("/api/v1/complaints/{}/withdrawal", urlencode(id));
        self.call(Method::POST, &path, None).await
    }
}
