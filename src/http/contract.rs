//! The API contract, checked on every response: the status and media type each operation may
//! answer with, read from the OpenAPI document ([`super::openapi::document`]). The request
//! middleware looks every response up here; one outside the document is logged as an error and
//! counted (`etender_http_responses_outside_contract_total`), and the test harness fails a test
//! whose server counted one. Schema-driven fuzzing (tests/support/fuzz.sh) checks the same
//! document from outside, bodies and headers included.

use std::collections::HashMap;
use std::sync::OnceLock;

use utoipa::openapi::path::Operation;
use utoipa::openapi::RefOr;

/// What a response broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breach {
    /// The operation does not declare this status.
    Status,
    /// The status is declared, with other media types.
    ContentType,
}

impl Breach {
    pub fn as_str(self) -> &'static str {
        match self {
            Breach::Status => "status",
            Breach::ContentType => "content_type",
        }
    }
}

/// Documented responses of one operation: status → media types (empty: no body).
type Responses = HashMap<u16, Vec<String>>;

/// Every documented operation, by method and route pattern as actix reports it (the OpenAPI
/// path template, `{id}` and all).
pub struct Contract {
    operations: HashMap<(String, String), Responses>,
}

impl Contract {
    /// The contract of this build's document.
    pub fn get() -> &'static Contract {
        static C: OnceLock<Contract> = OnceLock::new();
        C.get_or_init(|| Contract::from_document(&super::openapi::document()))
    }

    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Contract {
        let mut operations = HashMap::new();
        for (path, item) in &doc.paths.paths {
            for (method, op) in [
                ("GET", &item.get),
                ("PUT", &item.put),
                ("POST", &item.post),
                ("DELETE", &item.delete),
                ("PATCH", &item.patch),
            ] {
                if let Some(op) = op {
                    operations.insert((method.to_string(), path.clone()), responses_of(op));
                }
            }
        }
        Contract { operations }
    }

    /// Whether the response is one the document declares for the operation. Routes the document
    /// does not describe (Swagger UI, `/openapi.json`, unmatched paths) are not judged.
    pub fn check(
        &self,
        method: &str,
        route: &str,
        status: u16,
        content_type: Option<&str>,
    ) -> Result<(), Breach> {
        let Some(responses) = self
            .operations
            .get(&(method.to_string(), route.to_string()))
        else {
            return Ok(());
        };
        let Some(types) = responses.get(&status) else {
            return Err(Breach::Status);
        };
        let essence = content_type
            .and_then(|ct| ct.split(';').next())
            .map(|ct| ct.trim().to_ascii_lowercase());
        let ok = match essence {
            None => types.is_empty(),
            Some(ct) => types.iter().any(|t| media_type_matches(t, &ct)),
        };
        if ok {
            Ok(())
        } else {
            Err(Breach::ContentType)
        }
    }

    /// Number of documented operations.
    pub fn len(&self) -> usize {
        self.operations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }
}

fn responses_of(op: &Operation) -> Responses {
    op.responses
        .responses
        .iter()
        .filter_map(|(status, r)| {
            let status = status.parse::<u16>().ok()?;
            let types = match r {
                RefOr::T(r) => r.content.keys().map(|k| k.to_ascii_lowercase()).collect(),
                RefOr::Ref(_) => Vec::new(),
            };
            Some((status, types))
        })
        .collect()
}

/// `documented` may be a range (`*/*`, `text/*`), as OpenAPI allows.
fn media_type_matches(documented: &str, actual: &str) -> bool {
    match documented.split_once('/') {
        Some(("*", "*")) => true,
        Some((kind, "*")) => actual.split_once('/').is_some_and(|(k, _)| k == kind),
        _ => documented == actual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_status_and_media_type() {
        let c = Contract::get();
        assert!(!c.is_empty());
        let route = "/api/v1/tenders/{id}";
        assert_eq!(c.check("GET", route, 200, Some("application/json")), Ok(()));
        assert_eq!(
            c.check("GET", route, 404, Some("application/problem+json")),
            Ok(())
        );
        assert_eq!(
            c.check("GET", route, 404, Some("application/json")),
            Err(Breach::ContentType)
        );
        assert_eq!(
            c.check("GET", route, 418, Some("application/problem+json")),
            Err(Breach::Status)
        );
        assert_eq!(c.check("DELETE", "/api/v1/auth/session", 204, None), Ok(()));
        // Not an operation of the API: not judged.
        assert_eq!(
            c.check("GET", "/docs/{_:.*}", 200, Some("text/html")),
            Ok(())
        );
    }

    #[test]
    fn media_type_ranges() {
        assert!(media_type_matches("*/*", "application/pdf"));
        assert!(media_type_matches("text/*", "text/plain"));
        assert!(!media_type_matches("text/*", "application/json"));
        assert!(media_type_matches("text/plain", "text/plain"));
        assert!(!media_type_matches("text/plain", "text/html"));
    }
}
