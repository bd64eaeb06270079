//! The OpenAPI 3 document, generated from the handlers' annotations, and Swagger UI served from
//! the binary (vendored assets; the page loads nothing from outside).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "etender API",
        description = "Electronic public-resource tendering platform (电子招标投标交易平台). \
Errors are RFC 9457 problem documents with a stable `code`; see docs/API.md.",
        license(name = "Apache-2.0")
    ),
    paths(
        routes::health::healthz,
        routes::health::readyz,
        routes::health::metrics,
        routes::health::server_time,
        routes::auth::create_challenge,
        routes::auth::create_token,
        routes::auth::delete_session,
        routes::auth::me,
        routes::organisations::register,
        routes::organisations::list,
        routes::organisations::get,
        routes::organisations::attach_staff,
        routes::people::register,
        routes::people::list,
        routes::people::grant_role,
        routes::people::revoke_role,
        routes::sandbox::get_clock,
        routes::sandbox::adjust_clock,
        routes::bids::record_bond,
        routes::bids::my_bonds,
        routes::bids::my_bid,
        routes::bids::open_upload,
        routes::bids::upload_status,
        routes::bids::put_part,
        routes::bids::submit,
        routes::bids::abandon,
        routes::bids::receipt,
        routes::bids::withdraw,
        routes::bids::confirm,
        routes::bids::put_envelope_key,
        routes::bids::get_envelope_key,
        routes::opening::view,
        routes::opening::decrypt,
        routes::opening::my_share,
        routes::opening::release_share,
        routes::opening::respond,
        routes::opening::answer,
        routes::tenders::create,
        routes::tenders::list,
        routes::tenders::get,
        routes::tenders::update,
        routes::tenders::notice,
        routes::tenders::publish,
        routes::tenders::amend,
        routes::tenders::versions,
        routes::tenders::upload,
        routes::tenders::documents,
        routes::tenders::download,
        routes::tenders::downloads,
        routes::tenders::ask,
        routes::tenders::questions,
        routes::tenders::answer,
        routes::tenders::raise_objection,
        routes::tenders::objections,
        routes::tenders::answer_objection,
        routes::tenders::act,
        routes::tenders::announcements,
        routes::tenders::ocds,
        routes::audit::public_key,
        routes::audit::checkpoint,
        routes::audit::entry,
        routes::audit::inclusion,
        routes::audit::consistency,
        routes::audit::trail,
        routes::audit::export,
        routes::audit::receipt,
    ),
    components(schemas(crate::error::ErrorCode, crate::error::FieldError, crate::http::problem::Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, readiness, metrics"),
        (name = "public", description = "Open to everyone, no login"),
        (name = "identity", description = "Registration and login with certificates; roles"),
        (name = "sandbox", description = "Accelerated clock for training servers"),
        (name = "tenders", description = "Tender publication lifecycle: drafts, signed notices, documents, Q&A, objections"),
        (name = "bids", description = "Sealed bids: bonds, resumable uploads, receipts, withdrawal, custodians' envelope keys"),
        (name = "opening", description = "The opening ceremony (开标): key release, custodian shares, opening record, objections"),
        (name = "audit", description = "Tamper-evident audit log: checkpoints, proofs, trails, export, receipts"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
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
