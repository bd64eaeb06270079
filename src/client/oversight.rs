//! Client calls of the regulator's view per department (docs/SUPERVISION.md "The regulator's
//! view per department"): its tenders as they stand and the deviation alerts on them.

use super::{urlencode, Client, ClientError};
use crate::wire::oversight::{Breach, BreachKind, DeviationAlert, StateKind, SupervisedTender};
use crate::wire::Page;

/// `?after=…&limit=…&` plus the list's own filters.
fn query(filters: &[(&str, String)], after: Option<&str>, limit: Option<i64>) -> String {
    let mut parts: Vec<String> = filters
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    if let Some(a) = after {
        parts.push(format!("after={}", urlencode(a)));
    }
    if let Some(l) = limit {
        parts.push(format!("limit={l}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

impl Client {
    /// A page of the tenders the caller's department supervises; `state` only those in it.
    pub async fn supervised_tenders(
        &self,
        state: Option<StateKind>,
        after: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<SupervisedTender>, ClientError> {
        let filters: Vec<(&str, String)> = state
            .map(|s| ("state", s.as_str().to_string()))
            .into_iter()
            .collect();
        let q = query(&filters, after, limit);
        self.get(&format!("/api/v1/supervision/tenders{q}")).await
    }

    /// A page of the 偏离度 flags on the tenders the caller's department supervises.
    pub async fn deviation_alerts(
        &self,
        after: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<DeviationAlert>, ClientError> {
        let q = query(&[], after, limit);
        self.get(&format!("/api/v1/supervision/deviation-alerts{q}"))
            .await
    }

    /// A page of the limits broken on the caller's department's tenders, complaints and cases;
    /// `kind` only those of one limit.
    pub async fn breaches(
        &self,
        kind: Option<BreachKind>,
        after: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<Breach>, ClientError> {
        let filters: Vec<(&str, String)> = kind
            .map(|k| ("kind", k.as_str().to_string()))
            .into_iter()
            .collect();
        let q = query(&filters, after, limit);
        self.get(&format!("/api/v1/supervision/breaches{q}")).await
    }
}
