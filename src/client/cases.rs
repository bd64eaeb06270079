//! Client calls of administrative-penalty cases (行政处罚): officers' acts and evidence, the
//! party's own submissions, and the public credit list.

use reqwest::Method;

use super::{decode_value, read_response, urlencode, Client, ClientError};
use crate::wire::cases::{Case, CaseAct, ClueRequest, CreditEntry, EvidenceKind, PartyAct};
use crate::wire::Page;

impl Client {
    /// Put a clue on file for the caller's department (an officer).
    pub async fn open_case(&self, req: &ClueRequest) -> Result<Case, ClientError> {
        self.post("/api/v1/cases", req).await
    }

    /// A case (its department's officers and its party).
    pub async fn case(&self, id: &str) -> Result<Case, ClientError> {
        self.get(&format!("/api/v1/cases/{}", urlencode(id))).await
    }

    /// An officer's act on a case.
    pub async fn act_on_case(&self, id: &str, act: &CaseAct) -> Result<Case, ClientError> {
        self.post(&format!("/api/v1/cases/{}/acts", urlencode(id)), act)
            .await
    }

    /// Add a file as evidence, naming the officer who confirms it.
    pub async fn add_case_evidence(
        &self,
        id: &str,
        kind: EvidenceKind,
        title: &str,
        file_name: &str,
        second_officer: &str,
        bytes: Vec<u8>,
    ) -> Result<Case, ClientError> {
        let mut req = self
            .http
            .request(
                Method::POST,
                format!("{}/api/v1/cases/{}/evidence", self.base, urlencode(id)),
            )
            .query(&[
                ("kind", kind.as_str()),
                ("title", title),
                ("file_name", file_name),
                ("second_officer", second_officer),
            ])
            .header("content-type", "application/octet-stream")
            .body(bytes);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let (status, value) = read_response(req.send().await?).await?;
        decode_value(status, value)
    }

    /// The party's own statement and defence, or hearing request.
    pub async fn case_party_act(&self, id: &str, act: &PartyAct) -> Result<Case, ClientError> {
        self.post(&format!("/api/v1/cases/{}/party", urlencode(id)), act)
            .await
    }

    /// A page of the public credit list (条例78).
    pub async fn credit_list(&self, after: Option<&str>) -> Result<Page<CreditEntry>, ClientError> {
        self.credit_list_of(None, after).await
    }

    /// The credit list narrowed to the decisions served on `uscc` (when given).
    pub async fn credit_list_of(
        &self,
        uscc: Option<&str>,
        after: Option<&str>,
    ) -> Result<Page<CreditEntry>, ClientError> {
        let mut query = Vec::new();
        if let Some(u) = uscc {
            query.push(format!("uscc={}", urlencode(u)));
        }
        if let Some(a) = after {
            query.push(format!("after={}", urlencode(a)));
        }
        let path = match query.is_empty() {
            true => "/api/v1/credit-list".to_string(),
            false => format!("/api/v1/credit-list?{}", query.join("&")),
        };
        self.get(&path).await
    }
}
