//! The HTTP edge: extract, authorise, call one use-case, map the result.
//!
//! Every error leaves as problem+json (see [`problem`]); malformed JSON, oversized bodies, bad
//! path/query parameters and unknown routes are turned into stable codes here, before a
//! handler runs.

pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod problem;
pub mod routes;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::{AppError, ErrorCode};

/// Register every route and the request-shape error handlers.
pub fn configure(cfg: &mut web::ServiceConfig, json_limit: usize) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(json_limit)
            .error_handler(json_error),
    )
    .app_data(web::PathConfig::default().error_handler(path_error))
    .app_data(web::QueryConfig::default().error_handler(query_error))
    .service(routes::health::healthz)
    .service(routes::health::readyz)
    .service(routes::health::metrics)
    .service(routes::health::server_time)
    .service(routes::auth::create_challenge)
    .service(routes::auth::create_token)
    .service(routes::auth::delete_session)
    .service(routes::auth::me)
    .service(routes::organisations::register)
    .service(routes::organisations::list)
    .service(routes::organisations::get)
    .service(routes::organisations::attach_staff)
    .service(routes::people::register)
    .service(routes::people::list)
    .service(routes::people::grant_role)
    .service(routes::people::revoke_role)
    .service(routes::sandbox::get_clock)
    .service(routes::sandbox::adjust_clock)
    .service(routes::tenders::create)
    .service(routes::tenders::list)
    .service(routes::tenders::get)
    .service(routes::tenders::update)
    .service(routes::tenders::notice)
    .service(routes::tenders::publish)
    .service(routes::tenders::amend)
    .service(routes::tenders::versions)
    .service(routes::tenders::upload)
    .service(routes::tenders::documents)
    .service(routes::tenders::download)
    .service(routes::tenders::downloads)
    .service(routes::tenders::ask)
    .service(routes::tenders::questions)
    .service(routes::tenders::answer)
    .service(routes::tenders::raise_objection)
    .service(routes::tenders::objections)
    .service(routes::tenders::answer_objection)
    .service(routes::tenders::act)
    .service(routes::tenders::announcements)
    .service(routes::tenders::ocds)
    .service(routes::audit::public_key)
    .service(routes::audit::checkpoint)
    .service(routes::audit::entry)
    .service(routes::audit::inclusion)
    .service(routes::audit::consistency)
    .service(routes::audit::trail)
    .service(routes::audit::export)
    .service(routes::audit::receipt)
    .service(routes::bids::record_bond)
    .service(routes::bids::my_bonds)
    .service(routes::bids::my_bid)
    .service(routes::bids::open_upload)
    .service(routes::bids::upload_status)
    .service(routes::bids::put_part)
    .service(routes::bids::submit)
    .service(routes::bids::abandon)
    .service(routes::bids::receipt)
    .service(routes::bids::withdraw)
    .service(routes::bids::confirm)
    .service(routes::bids::put_envelope_key)
    .service(routes::bids::get_envelope_key)
    .service(routes::opening::view)
    .service(routes::opening::decrypt)
    .service(routes::opening::my_share)
    .service(routes::opening::release_share)
    .service(routes::opening::respond)
    .service(routes::opening::answer)
    .service(openapi::swagger_ui());
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let e = match &err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => AppError::new(
            ErrorCode::BodyTooLarge,
            format!("the body exceeds {limit} bytes"),
        ),
        JsonPayloadError::ContentType => AppError::new(
            ErrorCode::UnsupportedMediaType,
            "send Content-Type: application/json",
        ),
        JsonPayloadError::Deserialize(de) => {
            AppError::new(ErrorCode::MalformedBody, de.to_string())
        }
        other => AppError::new(ErrorCode::MalformedBody, other.to_string()),
    };
    e.into()
}

fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::new(ErrorCode::MalformedParameter, err.to_string()).into()
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    AppError::new(ErrorCode::MalformedParameter, err.to_string()).into()
}

/// Fallback for unknown routes and wrong methods, also as problem+json. A path that matches a
/// documented route with another method is a 405, not a 404.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    static ROUTES: std::sync::OnceLock<Vec<actix_router::ResourceDef>> = std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        openapi::document()
            .paths
            .paths
            .keys()
            .map(|p| actix_router::ResourceDef::new(p.as_str()))
            .collect()
    });
    let e = if routes.iter().any(|r| r.is_match(req.path())) {
        AppError::new(
            ErrorCode::MethodNotAllowed,
            format!("{} is not allowed on {}", req.method(), req.path()),
        )
    } else {
        AppError::new(
            ErrorCode::RouteNotFound,
            format!("no route for {} {}", req.method(), req.path()),
        )
    };
    actix_web::ResponseError::error_response(&e)
}
