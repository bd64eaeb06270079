//! The OpenAPI 3 document, generated from the handlers' annotations and completed by
//! [`Contract`] with what every operation can send because of its shape; Swagger UI served from
//! the binary (vendored assets; the page loads nothing from outside).
//!
//! The handlers declare their successes and the refusals of their own use-case. What the
//! extractors and error handlers in front of them send is added here, from the same lists those
//! extractors use (`http::JSON_BODY_ERRORS`, `http::PARAMETER_ERRORS`, `extract::BEARER_ERRORS`,
//! `routes::tenders::SIGNED_BODY_ERRORS`, `http::SERVER_ERRORS`): an operation with a JSON body
//! can be refused as malformed, too large or of the wrong media type, one with parameters as
//! malformed, one behind a bearer token as unauthenticated, one whose body carries a
//! `certificate_chain` for its certificate, and any operation that can fail at all can fail on
//! the server. Every error status is a problem document (`problem::PROBLEM_JSON`), every
//! response carries `x-request-id`. `http::contract` judges every response against the result.

use std::collections::BTreeMap;

use utoipa::openapi::content::Content;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::middleware::REQUEST_ID_HEADER;
use super::problem::PROBLEM_JSON;
use super::routes;
use crate::error::ErrorCode;

macro_rules! api_doc {
    ($($module:ident :: $handler:ident),+ $(,)?) => {
        #[derive(OpenApi)]
        #[openapi(
            info(
                title = "etender API",
                description = "Electronic public-resource tendering platform \
(电子招标投标交易平台). Errors are RFC 9457 problem documents (`application/problem+json`) with a \
stable `code`; see docs/API.md.",
                license(name = "Apache-2.0")
            ),
            paths($(routes::$module::$handler),+),
            components(schemas(
                crate::error::ErrorCode,
                crate::error::FieldError,
                crate::http::problem::Problem
            )),
            modifiers(&BearerAuth, &Contract),
            tags(
                (name = "operations", description = "Health, readiness"),
                (name = "public", description = "Open to everyone, no login"),
                (name = "identity",
                 description = "Registration and login with certificates; roles"),
                (name = "sandbox", description = "Accelerated clock for training servers"),
                (name = "tenders", description = "Tender publication lifecycle: drafts, \
signed notices, documents, Q&A, objections"),
                (name = "bids", description = "Sealed bids: bonds, resumable uploads, \
receipts, withdrawal, custodians' envelope keys"),
                (name = "opening", description = "The opening ceremony (开标): key release, \
custodian shares, opening record, objections"),
                (name = "audit", description = "Tamper-evident audit log: checkpoints, \
proofs, trails, export, receipts"),
                (name = "experts", description = "The expert library (评标专家库) and \
award-committee pools (定标委员库)"),
                (name = "draws", description = "Verifiable random draws of committees: \
request, contribution, answers, reveal"),
                (name = "evaluation", description = "The evaluation (评标): opened bids read \
by the committee and regulators"),
                (name = "licences", description = "免证明: organisations' licences from the \
licence registry, with provenance, for bidders, the committee and regulators"),
                (name = "award", description = "The award (定标): 清标, the award committee, \
its rounds and report, publicity and objections, notices"),
                (name = "contracts", description = "After the award: the contract signed and \
changed online (合同签订和变更), bid-bond refunds with interest"),
                (name = "archive", description = "The tender's archive \
(电子招标投标办法 第40条): one tar file tied to the audit log, \
verifiable offline"),
                (name = "supervision", description = "Supervision (监管): the working-day \
calendar, the 执法人员库, bidding bans, administrative-penalty cases (行政处罚)"),
            )
        )]
        pub struct ApiDoc;
    };
}
routes::for_each_route!(api_doc);

/// Raw bytes in a request or response body (`type: string, format: binary`); a derived `Vec<u8>`
/// would document an array of integers.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, SchemaFormat, Type};
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}

/// The name of the bearer-token security scheme.
pub const BEARER: &str = "bearer";

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Completes every operation with the refusals its shape implies (see the module comment).
struct Contract;

impl Modify for Contract {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let schemas = openapi
            .components
            .as_ref()
            .map(|c| c.schemas.clone())
            .unwrap_or_default();
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                complete(op, &schemas);
            }
        }
    }
}

/// How an operation takes a bearer token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bearer {
    None,
    /// `security: [{}, {bearer: []}]`: anonymous, or a token that must then be valid.
    Optional,
    Required,
}

fn bearer_of(op: &Operation) -> Bearer {
    let Some(reqs) = &op.security else {
        return Bearer::None;
    };
    let bearer = SecurityRequirement::new(BEARER, Vec::<String>::new());
    let anonymous = SecurityRequirement::default();
    match (reqs.contains(&bearer), reqs.contains(&anonymous)) {
        (true, true) => Bearer::Optional,
        (true, false) => Bearer::Required,
        (false, _) => Bearer::None,
    }
}

type Schemas = BTreeMap<String, RefOr<Schema>>;

/// Whether a schema (following references) has a `certificate_chain` property anywhere: the
/// body of a signed request.
fn carries_certificate_chain(schema: &RefOr<Schema>, schemas: &Schemas, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match schema {
        RefOr::Ref(r) => r
            .ref_location
            .rsplit('/')
            .next()
            .and_then(|name| schemas.get(name))
            .is_some_and(|s| carries_certificate_chain(s, schemas, depth + 1)),
        RefOr::T(Schema::Object(o)) => {
            o.properties.contains_key("certificate_chain")
                || o.properties
                    .values()
                    .any(|p| carries_certificate_chain(p, schemas, depth + 1))
        }
        RefOr::T(Schema::AllOf(a)) => a
            .items
            .iter()
            .any(|s| carries_certificate_chain(s, schemas, depth + 1)),
        _ => false,
    }
}

/// The error codes an operation can be refused with before its handler runs, or on the server.
fn shape_errors(op: &Operation, schemas: &Schemas) -> Vec<ErrorCode> {
    let mut codes = Vec::new();
    let json_body = op
        .request_body
        .as_ref()
        .and_then(|b| b.content.get("application/json"));
    if let Some(body) = json_body {
        codes.extend_from_slice(super::JSON_BODY_ERRORS);
        if body
            .schema
            .as_ref()
            .is_some_and(|s| carries_certificate_chain(s, schemas, 0))
        {
            codes.extend_from_slice(routes::tenders::SIGNED_BODY_ERRORS);
        }
    }
    if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        codes.extend_from_slice(super::PARAMETER_ERRORS);
    }
    match bearer_of(op) {
        Bearer::Required => codes.extend_from_slice(super::extract::BEARER_ERRORS),
        Bearer::Optional => codes.extend_from_slice(super::extract::OPTIONAL_BEARER_ERRORS),
        Bearer::None => {}
    }
    let declares_errors = op
        .responses
        .responses
        .keys()
        .any(|s| s.parse::<u16>().is_ok_and(|s| s >= 400));
    if declares_errors || !codes.is_empty() {
        codes.extend_from_slice(super::SERVER_ERRORS);
    }
    codes
}

fn code_list(codes: &[ErrorCode]) -> String {
    codes
        .iter()
        .map(|c| format!("`{}`", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn complete(op: &mut Operation, schemas: &Schemas) {
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for code in shape_errors(op, schemas) {
        let codes = by_status.entry(code.status()).or_default();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    let responses = &mut op.responses.responses;
    for (status, codes) in by_status {
        match responses.get_mut(&status.to_string()) {
            Some(RefOr::T(r)) => {
                // The handler's own description may name some of these codes already.
                let unnamed: Vec<ErrorCode> = codes
                    .into_iter()
                    .filter(|c| !r.description.contains(&format!("`{}`", c.as_str())))
                    .collect();
                if !unnamed.is_empty() {
                    let listed = code_list(&unnamed);
                    r.description = if r.description.is_empty() {
                        listed
                    } else {
                        format!("{}; also {listed}", r.description)
                    };
                }
            }
            Some(RefOr::Ref(_)) => {}
            None => {
                responses.insert(
                    status.to_string(),
                    RefOr::T(Response::new(code_list(&codes))),
                );
            }
        }
    }
    for (status, response) in responses.iter_mut() {
        let RefOr::T(r) = response else { continue };
        if status.parse::<u16>().is_ok_and(|s| s >= 400) {
            // Every refusal leaves through `ResponseError for AppError`: a problem document.
            r.content.clear();
            r.content.insert(
                PROBLEM_JSON.to_string(),
                Content::new(Some(Ref::from_schema_name("Problem"))),
            );
            if r.description.is_empty() {
                r.description = "see the problem document's `code`".into();
            }
        }
        r.headers.insert(
            REQUEST_ID_HEADER.to_string(),
            Header::builder()
                .description(Some(
                    "The request's id (a well-formed incoming `x-request-id` is kept); quote it \
                     when reporting a problem.",
                ))
                .build(),
        );
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Swagger UI at `/docs/`, reading `/openapi.json`. The online validator badge is switched off:
/// it would send the spec to an outside host.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}")
        .url("/openapi.json", document())
        .config(Config::from("/openapi.json").validator_url("none"))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn json() -> Value {
        serde_json::to_value(document()).unwrap()
    }

    fn operations(doc: &Value) -> Vec<(String, &Value)> {
        let mut ops = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                ops.push((format!("{} {path}", method.to_uppercase()), op));
            }
        }
        ops
    }

    /// Every change to the API shows in review as a change to this file; accept a deliberate
    /// one by replacing the snapshot with the `.snap.new` file the failing test writes.
    #[test]
    fn the_document_is_the_reviewed_one() {
        insta::assert_snapshot!("openapi", document().to_pretty_json().unwrap());
    }

    #[test]
    fn error_codes_are_documented_by_their_wire_names() {
        let doc = json();
        let listed: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let wire: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, wire);
    }

    #[test]
    fn every_refusal_is_a_problem_document() {
        let doc = json();
        for (name, op) in operations(&doc) {
            for (status, r) in op["responses"].as_object().unwrap() {
                assert!(
                    r["headers"][REQUEST_ID_HEADER].is_object(),
                    "{name} {status}"
                );
                if status.as_str() >= "400" {
                    let content = r["content"].as_object().unwrap();
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        [PROBLEM_JSON],
                        "{name} {status}"
                    );
                    assert_eq!(
                        content[PROBLEM_JSON]["schema"]["$ref"],
                        "#/components/schemas/Problem"
                    );
                    assert!(!r["description"].as_str().unwrap().is_empty());
                }
            }
        }
    }

    /// The refusals the extractors send are declared wherever the operation's shape implies them.
    #[test]
    fn shape_refusals_are_declared() {
        let doc = json();
        let declares = |op: &Value, status: &str| op["responses"].get(status).is_some();
        let mut signed = 0;
        for (name, op) in operations(&doc) {
            let json_body = op["requestBody"]["content"]
                .get("application/json")
                .is_some();
            if json_body {
                for s in ["400", "413", "415"] {
                    assert!(declares(op, s), "{name} lacks {s}");
                }
            }
            if op["parameters"].as_array().is_some_and(|p| !p.is_empty()) {
                assert!(declares(op, "400"), "{name} lacks 400");
            }
            let bearer = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get(BEARER).is_some()));
            if bearer {
                let d = op["responses"]["401"]["description"].as_str().unwrap();
                assert!(d.contains("`token_invalid`"), "{name}: {d}");
            }
            if declares(op, "400")
                && op["responses"]["400"]["description"]
                    .as_str()
                    .unwrap()
                    .contains("`certificate_malformed`")
            {
                signed += 1;
                assert!(declares(op, "401") && declares(op, "422"), "{name}");
            }
        }
        // Login, two registrations, publish, amend, bid upload, withdrawal, confirmation,
        // envelope key, share release, entrustment, draw contribution, draw check-in, evaluation
        // sheet, deviation reason, report signature, clarification answer, 清标 report, award
        // statement, award committee witness, award ballot, 定标报告 signature, award objection,
        // award notices, the award's written report, a complaint and its decision, an
        // inspection round's contribution, an inspection's signed results, a contract's and a
        // contract change's signature, a performance rating and its reply, a contract's
        // completion, a bid validity answer: every request that carries a certificate chain.
        assert_eq!(signed, 35);
    }

    #[test]
    fn infallible_operations_declare_no_errors() {
        let doc = json();
        for (name, op) in operations(&doc) {
            let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
            let infallible = [
                "GET /healthz",
                "GET /api/v1/time",
                "GET /api/v1/audit/public-key",
                "GET /api/v1/specialties",
                "GET /api/v1/calendar",
            ]
            .contains(&name.as_str());
            assert_eq!(
                infallible,
                statuses.iter().all(|s| s.as_str() < "400"),
                "{name}"
            );
        }
    }
}
