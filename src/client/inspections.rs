//! Client calls of 双随机一公开 (docs/SUPERVISION.md §9): rounds, the contribution that draws
//! them, the joint tasks' evidence, results and signatures, and the published results.

use base64::Engine;
use reqwest::Method;

use super::{decode_value, read_response, urlencode, Client, ClientError, Credentials};
use crate::wire::draws::ContributionRequest;
use crate::wire::inspections::*;
use crate::wire::Page;

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
    /// Ask for a round of random inspections from a published plan.
    pub async fn request_inspection_round(
        &self,
        plan: &str,
        teams: u32,
    ) -> Result<InspectionRound, ClientError> {
        let path = format!("/api/v1/supervision/plans/{}/rounds", urlencode(plan));
        self.post(&path, &RequestRoundRequest { teams }).await
    }

    pub async fn inspection_round(&self, id: &str) -> Result<InspectionRound, ClientError> {
        self.get(&format!("/api/v1/supervision/rounds/{}", urlencode(id)))
            .await
    }

    /// Contribute `value` to the round as `contributor` (the caller's person id), signed over
    /// `domain::draw::contribution_message`; the round is drawn at once.
    pub async fn contribute_to_round(
        &self,
        round: &InspectionRound,
        contributor: &str,
        value: [u8; 32],
        creds: &Credentials,
    ) -> Result<InspectionRound, ClientError> {
        let h = |s: &str| -> Result<[u8; 32], ClientError> {
            hex::decode(s)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| ClientError::Local("the round's digests are not hex".into()))
        };
        let msg = crate::domain::draw::contribution_message(
            &h(&round.frame_digest)?,
            &h(&round.commitment)?,
            contributor,
            &value,
        );
        let (certificate_chain, signature, signature_algorithm) = sign(creds, &msg)?;
        let req = ContributionRequest {
            value: hex::encode(value),
            certificate_chain,
            signature,
            signature_algorithm,
        };
        let path = format!(
            "/api/v1/supervision/rounds/{}/contribution",
            urlencode(&round.id)
        );
        self.post(&path, &req).await
    }

    pub async fn inspection_tasks(
        &self,
        round: &str,
        after: Option<&str>,
    ) -> Result<Page<InspectionTask>, ClientError> {
        let mut path = format!("/api/v1/supervision/rounds/{}/tasks", urlencode(round));
        if let Some(a) = after {
            path.push_str(&format!("?after={}", urlencode(a)));
        }
        self.get(&path).await
    }

    pub async fn inspection_task(&self, id: &str) -> Result<InspectionTask, ClientError> {
        self.get(&format!(
            "/api/v1/supervision/inspection-tasks/{}",
            urlencode(id)
        ))
        .await
    }

    /// Add an evidence file to a task (a member of its team).
    pub async fn add_inspection_evidence(
        &self,
        task: &str,
        title: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<InspectionTask, ClientError> {
        let url = format!(
            "{}/api/v1/supervision/inspection-tasks/{}/evidence",
            self.base,
            urlencode(task)
        );
        let mut req = self
            .http
            .request(Method::POST, url)
            .query(&[("title", title), ("file_name", file_name)])
            .header("content-type", "application/octet-stream")
            .body(bytes);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let (status, value) = read_response(req.send().await?).await?;
        decode_value(status, value)
    }

    pub async fn record_inspection_results(
        &self,
        task: &str,
        req: &RecordResultsRequest,
    ) -> Result<InspectionTask, ClientError> {
        let v = serde_json::to_value(req).map_err(|e| ClientError::Local(e.to_string()))?;
        let path = format!(
            "/api/v1/supervision/inspection-tasks/{}/results",
            urlencode(task)
        );
        self.call::<InspectionTask>(Method::PUT, &path, Some(&v))
            .await
    }

    /// Sign the task's current results (over `domain::inspection::result_statement`).
    pub async fn sign_inspection_results(
        &self,
        task: &InspectionTask,
        creds: &Credentials,
    ) -> Result<InspectionTask, ClientError> {
        let digest = task.results_digest.clone().unwrap_or_default();
        let object = format!("{}:{}", task.object.kind.as_str(), task.object.id);
        let msg = crate::domain::inspection::result_statement(&task.id, &object, &digest);
        let (certificate_chain, signature, signature_algorithm) = sign(creds, &msg)?;
        let req = SignResultsRequest {
            results_digest: digest,
            certificate_chain,
            signature,
            signature_algorithm,
        };
        let path = format!(
            "/api/v1/supervision/inspection-tasks/{}/signatures",
            urlencode(&task.id)
        );
        self.post(&path, &req).await
    }

    /// A page of published results (public).
    pub async fn inspection_results(
        &self,
        plan: Option<&str>,
        after: Option<&str>,
    ) -> Result<Page<PublishedInspection>, ClientError> {
        let mut q = Vec::new();
        if let Some(p) = plan {
            q.push(format!("plan={}", urlencode(p)));
        }
        if let Some(a) = after {
            q.push(format!("after={}", urlencode(a)));
        }
        let path = if q.is_empty() {
            "/api/v1/inspection-results".to_string()
        } else {
            format!("/api/v1/inspection-results?{}", q.join("&"))
        };
        self.get(&path).await
    }
}
