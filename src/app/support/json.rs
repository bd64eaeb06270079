//! JSON columns: decoding a stored document is an internal error (the database is ours), never
//! the caller's fault.

use crate::error::AppError;
use crate::error::AppResult;
use serde::Serialize;

pub fn parse_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> AppResult<T> {
    serde_json::from_str(s).map_err(|e| AppError::internal(anyhow::anyhow!("corrupt {what}: {e}")))
}

pub fn to_json<T: Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(AppError::internal)
}
