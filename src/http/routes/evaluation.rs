//! The evaluation (docs/EVALUATION.md): opened bids, read by those the law allows.

use actix_web::{get, web, HttpResponse};

use crate::app::evaluation;
use crate::app::{Actor, AppContext};
use crate::error::AppResult;
use crate::http::openapi::Binary;

/// One part of an opened bid, decrypted as it streams (regulators; the evaluation committee
/// during the evaluation). Every read is recorded in the audit log (`bid_part_read`).
#[utoipa::path(operation_id = "read_opened_bid_part", tag = "evaluation",
    security(("bearer" = [])),
    params(
        ("tender" = String, Path, description = "Tender id"),
        ("section" = String, Path, description = "Section code"),
        ("bid" = String, Path, description = "Bid id, as the opening record lists it"),
        ("index" = u32, Path, description = "Part index: 0 the summary, documents from 1"),
    ),
    responses(
        (status = 200, content_type = "application/octet-stream", body = inline(Binary),
            description = "The part's plaintext; cut short of its Content-Length if a chunk \
                fails to authenticate on the way",
            headers(
                ("x-content-sha256" = String,
                    description = "Hex SHA-256 of the plaintext checked at the opening \
                        (documents; absent for the summary)"),
                ("content-disposition" = String,
                    description = "`attachment; filename*=UTF-8''<file name>`"),
            )),
        (status = 403, description = "`forbidden`: regulators and the committee only"),
        (status = 404, description = "`not_found`: no such opened bid in the section, or no \
            such part"),
    ))]
#[get("/api/v1/tenders/{tender}/sections/{section}/bids/{bid}/parts/{index}/content")]
pub async fn read_bid_part(
    ctx: web::Data<AppContext>,
    actor: Actor,
    path: web::Path<(String, String, String, u32)>,
) -> AppResult<HttpResponse> {
    let (tender, section, bid, index) = path.into_inner();
    let part = evaluation::read_bid_part(&ctx, &actor, &tender, &section, &bid, index).await?;
    let mut answer = HttpResponse::Ok();
    answer
        .content_type("application/octet-stream")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename*=UTF-8''{}",
                super::tenders::percent_encode(&part.name)
            ),
        ));
    if let Some(sha) = &part.sha256 {
        answer.insert_header(("x-content-sha256", sha.clone()));
    }
    Ok(answer.body(actix_web::body::SizedStream::new(part.len, part.stream)))
}
