//! The HTTP edge: extract, authorise, call one use-case, map the result.
//!
//! Every error leaves as problem+json (see [`problem`]); malformed JSON, oversized bodies, bad
//! path/query parameters and unknown routes are turned into stable codes here, before a
//! handler runs.

pub mod contract;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod problem;
pub mod routes;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::{AppError, ErrorCode};

/// What a JSON request body can be refused with before the handler runs (see [`json_error`]).
pub const JSON_BODY_ERRORS: &[ErrorCode] = &[
    ErrorCode::MalformedBody,
    ErrorCode::BodyTooLarge,
    ErrorCode::UnsupportedMediaType,
];

/// What a path, query or header parameter can be refused with (see [`path_error`]).
pub const PARAMETER_ERRORS: &[ErrorCode] = &[ErrorCode::MalformedParameter];

/// What any fallible operation can fail with on the server's side.
pub const SERVER_ERRORS: &[ErrorCode] = &[ErrorCode::Internal, ErrorCode::ServiceUnavailable];

macro_rules! register_routes {
    ($($module:ident :: $handler:ident),+ $(,)?) => {
        fn register_routes(cfg: &mut web::ServiceConfig) {
            $(cfg.service(routes::$module::$handler);)+
        }
    };
}
routes::for_each_route!(register_routes);

/// Register every route (from the one list in [`routes`]) and the request-shape error handlers.
pub fn configure(cfg: &mut web::ServiceConfig, json_limit: usize) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(json_limit)
            .error_handler(json_error),
    )
    .app_data(web::PathConfig::default().error_handler(path_error))
    .app_data(web::QueryConfig::default().error_handler(query_error));
    register_routes(cfg);
    cfg.service(openapi::swagger_ui());
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
/// documented route with another method is a 405 with the `Allow` header RFC 9110 asks for.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    type Routes = Vec<(actix_router::ResourceDef, String)>;
    static ROUTES: std::sync::OnceLock<Routes> = std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        openapi::document()
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let allow = [
                    ("GET", &item.get),
                    ("PUT", &item.put),
                    ("POST", &item.post),
                    ("DELETE", &item.delete),
                    ("PATCH", &item.patch),
                ]
                .iter()
                .filter(|(_, op)| op.is_some())
                .map(|(m, _)| *m)
                .collect::<Vec<_>>()
                .join(", ");
                (actix_router::ResourceDef::new(path.as_str()), allow)
            })
            .collect()
    });
    match routes.iter().find(|(r, _)| r.is_match(req.path())) {
        Some((_, allow)) => {
            let e = AppError::new(
                ErrorCode::MethodNotAllowed,
                format!("{} is not allowed on {}", req.method(), req.path()),
            );
            let mut res = actix_web::ResponseError::error_response(&e);
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(allow) {
                res.headers_mut().insert(actix_web::http::header::ALLOW, v);
            }
            res
        }
        None => actix_web::ResponseError::error_response(&AppError::new(
            ErrorCode::RouteNotFound,
            format!("no route for {} {}", req.method(), req.path()),
        )),
    }
}
