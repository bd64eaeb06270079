//! Who may act for whom: organisation role requests awaiting the trading centre, entrustments
//! (委托) of agents by tenderers, and staff invitations awaiting the person's acceptance.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{entrustments, role_requests, staff_invitations};
use crate::db::AnyConnection;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = role_requests)]
pub struct RoleRequestRow {
    pub principal_id: String,
    pub role: String,
    pub requested_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = entrustments)]
pub struct EntrustmentRow {
    pub id: String,
    pub tenderer_id: String,
    pub agent_id: String,
    pub project: String,
    pub certificate_fingerprint: String,
    pub signature_algorithm: String,
    /// Base64 of the tenderer's signature over the entrustment statement.
    pub signature: String,
    pub created_at: NaiveDateTime,
    /// The one tender created under this entrustment.
    pub tender_id: Option<String>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = staff_invitations)]
pub struct StaffInvitationRow {
    pub person_id: String,
    pub organisation_id: String,
    pub invited_by: String,
    pub invited_at: NaiveDateTime,
}

pub fn insert_role_request(c: &mut AnyConnection, row: &RoleRequestRow) -> QueryResult<()> {
    diesel::insert_into(role_requests::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// Remove a request (granted or refused); false if there was none.
pub fn remove_role_request(
    c: &mut AnyConnection,
    principal: &str,
    role: &str,
) -> QueryResult<bool> {
    let n = diesel::delete(
        role_requests::table
            .filter(role_requests::principal_id.eq(principal))
            .filter(role_requests::role.eq(role)),
    )
    .execute(c)?;
    Ok(n > 0)
}

pub fn requested_roles_of(c: &mut AnyConnection, principal: &str) -> QueryResult<Vec<String>> {
    role_requests::table
        .filter(role_requests::principal_id.eq(principal))
        .select(role_requests::role)
        .order(role_requests::role.asc())
        .load(c)
}

/// Granted and requested roles of several principals in one query (`UNION ALL`, written per
/// backend: diesel's multi-backend connection has no combination clauses), as
/// `(principal_id, role, requested)` (a list page's).
pub fn roles_and_requests_of_all(
    c: &mut AnyConnection,
    principals: &[String],
) -> QueryResult<Vec<(String, String, bool)>> {
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct RoleOf {
        #[diesel(sql_type = Text)]
        principal_id: String,
        #[diesel(sql_type = Text)]
        role: String,
        #[diesel(sql_type = Text)]
        kind: String,
    }
    if principals.is_empty() {
        return Ok(Vec::new());
    }
    let sql = |mark: &dyn Fn(usize) -> String| {
        let n = principals.len();
        let grants = (1..=n).map(mark).collect::<Vec<_>>().join(", ");
        let requests = (n + 1..=2 * n).map(mark).collect::<Vec<_>>().join(", ");
        format!(
            "SELECT principal_id, role, 'granted' AS kind FROM role_grants \
             WHERE principal_id IN ({grants}) UNION ALL \
             SELECT principal_id, role, 'requested' AS kind FROM role_requests \
             WHERE principal_id IN ({requests})"
        )
    };
    let ids = principals.iter().chain(principals.iter());
    let rows: Vec<RoleOf> = match c {
        AnyConnection::Postgresql(pg) => {
            let mut q = diesel::sql_query(sql(&|i| format!("${i}"))).into_boxed();
            for id in ids {
                q = q.bind::<Text, _>(id.clone());
            }
            q.load(pg)?
        }
        AnyConnection::Sqlite(lite) => {
            let mut q = diesel::sql_query(sql(&|_| "?".to_string())).into_boxed();
            for id in ids {
                q = q.bind::<Text, _>(id.clone());
            }
            q.load(lite)?
        }
    };
    Ok(rows
        .into_iter()
        .map(|r| (r.principal_id, r.role, r.kind == "requested"))
        .collect())
}

pub fn insert_entrustment(c: &mut AnyConnection, row: &EntrustmentRow) -> QueryResult<()> {
    diesel::insert_into(entrustments::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_entrustment(c: &mut AnyConnection, id: &str) -> QueryResult<Option<EntrustmentRow>> {
    entrustments::table
        .find(id)
        .select(EntrustmentRow::as_select())
        .first(c)
        .optional()
}

/// The entrustment a tender was created under, if any.
pub fn entrustment_of_tender(
    c: &mut AnyConnection,
    tender: &str,
) -> QueryResult<Option<EntrustmentRow>> {
    entrustments::table
        .filter(entrustments::tender_id.eq(tender))
        .select(EntrustmentRow::as_select())
        .first(c)
        .optional()
}

/// Bind an unused entrustment to the tender created under it; false if it was used meanwhile.
pub fn use_entrustment(c: &mut AnyConnection, id: &str, tender: &str) -> QueryResult<bool> {
    let n = diesel::update(
        entrustments::table
            .find(id)
            .filter(entrustments::tender_id.is_null()),
    )
    .set(entrustments::tender_id.eq(tender))
    .execute(c)?;
    Ok(n == 1)
}

/// Revoke; false if it was already revoked.
pub fn revoke_entrustment(
    c: &mut AnyConnection,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        entrustments::table
            .find(id)
            .filter(entrustments::revoked_at.is_null()),
    )
    .set(entrustments::revoked_at.eq(now))
    .execute(c)?;
    Ok(n == 1)
}

/// Record an invitation; false if the same one is already pending.
pub fn insert_invitation(c: &mut AnyConnection, row: &StaffInvitationRow) -> QueryResult<bool> {
    if find_invitation(c, &row.person_id, &row.organisation_id)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(staff_invitations::table)
        .values(row)
        .execute(c)?;
    Ok(true)
}

pub fn find_invitation(
    c: &mut AnyConnection,
    person: &str,
    org: &str,
) -> QueryResult<Option<StaffInvitationRow>> {
    staff_invitations::table
        .find((person, org))
        .select(StaffInvitationRow::as_select())
        .first(c)
        .optional()
}

/// Remove one invitation (accepted or withdrawn); false if there was none.
pub fn remove_invitation(c: &mut AnyConnection, person: &str, org: &str) -> QueryResult<bool> {
    let n = diesel::delete(staff_invitations::table.find((person, org))).execute(c)?;
    Ok(n > 0)
}
