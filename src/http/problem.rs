//! RFC 9457 problem documents: every error leaves the server as `application/problem+json` with
//! a stable `code`. 5xx bodies never carry internals; the cause is logged with the request id.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, ErrorCode, FieldError};

tokio::task_local! {
    /// The id of the request being served (set by the request-id middleware).
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

/// The problem document.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// `urn:etender:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: ErrorCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let request_id = current_request_id();
        if self.is_server_error() {
            tracing::error!(
                code = %self.code,
                request_id = request_id.as_deref().unwrap_or("-"),
                cause = ?self.cause,
                "request failed"
            );
        }
        let body = Problem {
            type_uri: format!("urn:etender:problem:{}", self.code.as_str()),
            title: self.code.title().into(),
            status: self.code.status(),
            detail: self.detail.clone(),
            code: self.code,
            request_id,
            errors: self.errors.clone(),
        };
        let mut res = HttpResponse::build(self.status_code());
        res.content_type(PROBLEM_JSON);
        if let Some(secs) = self.retry_after {
            res.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
        }
        res.json(body)
    }
}
