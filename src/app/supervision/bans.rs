//! Bidding bans (取消投标资格): a regulator records its department's decided ban, the bidding
//! stage enforces it for its term (`support::bans`), and everyone reads the list (条例78's
//! public credit record). A case's decision records its ban through the same row
//! (`support::bans::record_ban`); here an officer enters a decision made off the platform.

use crate::app::support::credit::ban_dto;
use crate::app::{Actor, AppContext};
use crate::db::repo::supervision as repo;
use crate::db::types::to_db;
use crate::domain::identity::Role;
use crate::domain::penalty::{ban_term, BAN_YEARS};
use crate::domain::uscc::Uscc;
use crate::error::{AppError, AppResult, FieldError};
use crate::wire::supervision::{Ban, BanRequest};

fn text_ok(s: &str, max: usize) -> bool {
    s.trim() == s && !s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

/// Record a decided ban; audited `bidding_ban_recorded`. The caller must be a regulator
/// recorded as an officer of a department (the deciding one).
pub async fn record_ban(ctx: &AppContext, actor: &Actor, req: BanRequest) -> AppResult<Ban> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden(
            "a regulator records its department's bans",
        ));
    }
    let mut errors = Vec::new();
    let uscc = Uscc::parse(req.uscc.trim());
    if uscc.is_err() {
        errors.push(FieldError::new(
            "uscc",
            "uscc_invalid",
            "not a valid unified social credit code",
        ));
    }
    let term = ban_term(req.first_day, req.years);
    if term.is_none() {
        errors.push(FieldError::new(
            "years",
            "out_of_range",
            format!("{} to {} years", BAN_YEARS.start(), BAN_YEARS.end()),
        ));
    }
    for (field, value) in [
        ("name", &req.name),
        ("decision_no", &req.decision_no),
        ("legal_basis", &req.legal_basis),
    ] {
        if !text_ok(value, 200) {
            errors.push(FieldError::new(field, "invalid", "1 to 200 characters"));
        }
    }
    let (Ok(uscc), Some(term), true) = (uscc, term, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let (actor, now) = (actor.clone(), ctx.clock.now());
    ctx.db
        .write(move |c| {
            let officer = repo::find_officer(c, &actor.id)?.ok_or_else(|| {
                AppError::new(
                    crate::error::ErrorCode::OtherDepartment,
                    "only an officer of a department (执法人员库) records its bans",
                )
            })?;
            let row = repo::BanRow {
                id: uuid::Uuid::now_v7().to_string(),
                uscc: uscc.as_str().to_string(),
                name: req.name.clone(),
                starts_at: to_db(term.starts_at),
                ends_at: to_db(term.ends_at),
                decision_no: req.decision_no.clone(),
                legal_basis: req.legal_basis.clone(),
                department_code: officer.department_code.clone(),
                recorded_by: actor.id.clone(),
                recorded_at: to_db(now),
            };
            let by = actor.audit_as(Role::Regulator);
            crate::app::support::bans::record_ban(c, now, by, &row, req.first_day, term.last_day)?;
            Ok(ban_dto(row))
        })
        .await
}

/// Bans in force or still to start (public), optionally for one USCC.
pub async fn bans(ctx: &AppContext, uscc: Option<String>) -> AppResult<Vec<Ban>> {
    let now = ctx.clock.now();
    ctx.db
        .read(move |c| {
            Ok(repo::current_bans(c, to_db(now), uscc.as_deref())?
                .into_iter()
                .map(ban_dto)
                .collect())
        })
        .await
}
