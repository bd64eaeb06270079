//! A case as its department's officers and its party read it. A regulator of another department
//! is told whose it is; anyone else learns nothing of it.

use super::*;
use crate::app::AppContext;

/// Read case `id`.
pub async fn get_case(ctx: &AppContext, actor: &Actor, id: &str) -> AppResult<Case> {
    let (actor, id) = (actor.clone(), id.to_string());
    ctx.db
        .read(move |c| {
            let row = repo::find(c, &id)?.ok_or_else(|| AppError::not_found("no such case"))?;
            if is_party(c, &actor, &row)? {
                return case_dto(c, row);
            }
            if !actor.has(Role::Regulator) {
                return Err(AppError::not_found("no such case"));
            }
            let o = officer(c, &actor)?;
            if o.department_code != row.department_code {
                return Err(AppError::new(
                    ErrorCode::OtherDepartment,
                    format!("the case is {}'s", row.department_code),
                ));
            }
            case_dto(c, row)
        })
        .await
}
