//! Cross-cutting request handling: request ids, access logs and Prometheus metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;

use super::contract::Contract;
use super::metrics::Metrics;
use super::problem::REQUEST_ID;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

fn acceptable_id(v: &str) -> bool {
    (1..=64).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Assign (or accept a well-formed) request id, expose it to handlers and errors, echo it back,
/// log one access line and count the request and the database statements it sent under its route
/// pattern (never the raw path, so label cardinality stays bounded); report a response the
/// OpenAPI document does not declare.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_id(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let method = req.method().to_string();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let started = Instant::now();
    // The request id only: the method, known before the route, would tell a part upload (PUT)
    // from a submission (POST) on the sealed routes the access line below names as one.
    let span = tracing::info_span!("request", request_id = %id);
    let (res, db_queries) =
        crate::db::queries::counted(REQUEST_ID.scope(id.clone(), next.call(req)))
            .instrument(span)
            .await;
    let mut res = res?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
    }
    let content_type = res
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let breach = Contract::get()
        .check(&method, &route, status, content_type)
        .err();
    if let Some(b) = breach {
        tracing::error!(
            request_id = %id,
            http.method = %method,
            http.route = %route,
            http.status = status,
            content_type = content_type.unwrap_or("-"),
            breach = b.as_str(),
            "response outside the OpenAPI document"
        );
    }
    // Sealed routes are counted and logged under one label: their traffic, per route, would
    // tell how many bids arrive and when (`metrics::SEALED_ROUTES`).
    let (shown_method, shown_route) = super::metrics::public_labels(&method, &route);
    if let Some(m) = metrics {
        m.observe_request(
            shown_method,
            shown_route,
            status,
            elapsed.as_secs_f64(),
            db_queries,
        );
        if let Some(b) = breach {
            m.observe_outside_contract(shown_method, shown_route, status, b.as_str());
        }
    }
    if route != "/healthz" {
        tracing::info!(
            request_id = %id,
            http.method = %shown_method,
            http.route = %shown_route,
            http.status = status,
            duration_ms = elapsed.as_millis() as u64,
            db_queries,
            "request"
        );
    }
    Ok(res)
}
