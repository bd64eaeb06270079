//! Client calls of the supervision artefacts (issue 15 item 3): rows as JSON, sheets as CSV/XLSX
//! files both ways.

use reqwest::Method;

use super::{decode_value, read_response, urlencode, Client, ClientError};
use crate::domain::artefacts::{CheckItem, ManualEntry, Plan, PlanDraft, SupervisionItem};
use crate::wire::artefacts::{
    GradeRequest, ImportReport, SheetFormat, SheetKind, SheetRows, SupervisedObject,
};

/// A sheet file as served: its bytes, media type and `content-disposition`.
#[derive(Clone, Debug)]
pub struct SheetDownload {
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub disposition: String,
}

impl Client {
    fn authorised(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// A sheet's rows as JSON.
    pub async fn supervision_sheet(&self, kind: SheetKind) -> Result<SheetRows, ClientError> {
        self.get(&format!("/api/v1/supervision/sheets/{}", kind.as_str()))
            .await
    }

    /// A sheet as the CSV or XLSX file regulators keep.
    pub async fn supervision_sheet_file(
        &self,
        kind: SheetKind,
        format: SheetFormat,
    ) -> Result<SheetDownload, ClientError> {
        let f = match format {
            SheetFormat::Json => "json",
            SheetFormat::Csv => "csv",
            SheetFormat::Xlsx => "xlsx",
        };
        let url = format!(
            "{}/api/v1/supervision/sheets/{}?format={f}",
            self.base,
            kind.as_str()
        );
        let res = self.authorised(self.http.get(url)).send().await?;
        let header = |name: reqwest::header::HeaderName| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (content_type, disposition) = (
            header(reqwest::header::CONTENT_TYPE),
            header(reqwest::header::CONTENT_DISPOSITION),
        );
        if !res.status().is_success() {
            let (status, value) = read_response(res).await?;
            let body = value.to_string();
            return Err(decode_value::<serde_json::Value>(status, value)
                .err()
                .unwrap_or(ClientError::Unexpected {
                    status: status.as_u16(),
                    body,
                }));
        }
        Ok(SheetDownload {
            bytes: res.bytes().await?.to_vec(),
            content_type,
            disposition,
        })
    }

    /// Import a CSV or XLSX file as the sheet of `kind`.
    pub async fn import_supervision_sheet(
        &self,
        kind: SheetKind,
        bytes: Vec<u8>,
    ) -> Result<ImportReport, ClientError> {
        let url = format!("{}/api/v1/supervision/sheets/{}", self.base, kind.as_str());
        let req = self
            .http
            .post(url)
            .header("content-type", "application/octet-stream")
            .body(bytes);
        let (status, value) = read_response(self.authorised(req).send().await?).await?;
        decode_value(status, value)
    }

    pub async fn put_supervision_item(
        &self,
        item: &SupervisionItem,
    ) -> Result<SupervisionItem, ClientError> {
        let path = format!("/api/v1/supervision/items/{}", urlencode(&item.code));
        self.send(Method::PUT, &path, Some(item)).await
    }

    pub async fn put_compliance_entry(
        &self,
        entry: &ManualEntry,
    ) -> Result<ManualEntry, ClientError> {
        let path = format!(
            "/api/v1/supervision/items/{}/manual/{}",
            urlencode(&entry.item_code),
            entry.seq
        );
        self.send(Method::PUT, &path, Some(entry)).await
    }

    pub async fn put_check_item(&self, check: &CheckItem) -> Result<CheckItem, ClientError> {
        let path = format!("/api/v1/supervision/checks/{}", urlencode(&check.code));
        self.send(Method::PUT, &path, Some(check)).await
    }

    pub async fn put_inspection_plan(&self, plan: &PlanDraft) -> Result<Plan, ClientError> {
        let path = format!("/api/v1/supervision/plans/{}", urlencode(&plan.code));
        self.send(Method::PUT, &path, Some(plan)).await
    }

    pub async fn publish_inspection_plan(&self, code: &str) -> Result<Plan, ClientError> {
        let path = format!("/api/v1/supervision/plans/{}/publish", urlencode(code));
        self.send::<Plan, ()>(Method::POST, &path, None).await
    }

    /// Set an object's credit grade (`kind`: organisation or expert).
    pub async fn set_credit_grade(
        &self,
        kind: &str,
        id: &str,
        req: &GradeRequest,
    ) -> Result<SupervisedObject, ClientError> {
        let path = format!(
            "/api/v1/supervision/objects/{}/{}/grade",
            urlencode(kind),
            urlencode(id)
        );
        self.send(Method::PUT, &path, Some(req)).await
    }
}
