//! The tender's archive (docs/ARCHIVE.md): one tar file, streamed as it is written.

use actix_web::{get, web, HttpResponse};

use crate::app::{archive, Actor, AppContext};
use crate::error::AppResult;
use crate::http::openapi::Binary;

/// The tender's whole file as one tar archive (电子招标投标办法 第40条): documents, opened bids'
/// documents, notices and the audited records, with `manifest.json` last tying every file to
/// its audit entry and the proofs to verify it offline (`etender archive verify`). The tender's
/// parties and its supervising regulators; once every section's notices are issued. Audited
/// (`archive_exported`).
#[utoipa::path(operation_id = "export_tender_archive", tag = "archive",
    security(("bearer" = [])),
    params(("tender" = String, Path, description = "Tender id")),
    responses(
        (status = 200, content_type = "application/x-tar", body = inline(Binary),
            description = "The archive (chunked); cut short if a stored file is missing or \
                does not hash to its recorded digest on the way",
            headers(("content-disposition" = String,
                description = "`attachment; filename=\"<tender>.tar\"`"))),
        (status = 403, description = "`forbidden`: the tender's parties and the regulators \
            of its supervising department only"),
        (status = 404, description = "`not_found`: no such tender"),
        (status = 409, description = "`conflict`: the tender's notices are not all issued \
            yet, or an archived step is not in a signed checkpoint yet"),
    ))]
#[get("/api/v1/tenders/{tender}/archive")]
pub async fn export_archive(
    ctx: web::Data<AppContext>,
    actor: Actor,
    tender: web::Path<String>,
) -> AppResult<HttpResponse> {
    let a = archive::export(&ctx, &actor, &tender).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-tar")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", a.file_name),
        ))
        .streaming(a.stream))
}
