//! Organisations, people, role grants, certificates, challenges and sessions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::repo::{keyset, Keyset};
use crate::db::schema::{
    auth_challenges, credentials, organisations, people, role_grants, sessions,
};
use crate::db::AnyConnection;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: String,
    pub uscc: String,
    pub name: String,
    pub contact_email: String,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = people)]
pub struct PersonRow {
    pub id: String,
    pub person_id: String,
    pub name: String,
    pub contact_email: String,
    pub organisation_id: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = role_grants)]
pub struct RoleGrantRow {
    pub principal_id: String,
    pub role: String,
    pub granted_by: Option<String>,
    pub granted_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = credentials)]
pub struct CredentialRow {
    pub fingerprint: String,
    pub principal_id: String,
    pub serial_hex: String,
    pub subject: String,
    pub issuer: String,
    pub key_algorithm: String,
    pub not_before: NaiveDateTime,
    pub not_after: NaiveDateTime,
    pub cert_der: Vec<u8>,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = auth_challenges)]
pub struct ChallengeRow {
    pub id: String,
    pub nonce: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub token_hash: String,
    pub principal_id: String,
    pub principal_kind: String,
    pub credential_fingerprint: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// True when `e` is a unique-constraint violation (a concurrent duplicate registration).
pub fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

pub fn insert_organisation(c: &mut AnyConnection, row: &OrganisationRow) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_organisation(c: &mut AnyConnection, id: &str) -> QueryResult<Option<OrganisationRow>> {
    organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .first(c)
        .optional()
}

/// The unified social credit codes of the organisations `ids` (unknown ids are skipped), in one
/// statement.
pub fn usccs_of(c: &mut AnyConnection, ids: &[String]) -> QueryResult<Vec<String>> {
    organisations::table
        .filter(organisations::id.eq_any(ids))
        .select(organisations::uscc)
        .load(c)
}

pub fn find_organisation_by_uscc(
    c: &mut AnyConnection,
    uscc: &str,
) -> QueryResult<Option<OrganisationRow>> {
    organisations::table
        .filter(organisations::uscc.eq(uscc))
        .select(OrganisationRow::as_select())
        .first(c)
        .optional()
}

/// Keyset page ordered by id (ids are UUIDv7, so roughly by creation).
pub fn list_organisations(
    c: &mut AnyConnection,
    page: &Keyset<String>,
) -> QueryResult<Vec<OrganisationRow>> {
    let q = organisations::table
        .select(OrganisationRow::as_select())
        .into_boxed();
    keyset(q, organisations::id, page).load(c)
}

pub fn insert_person(c: &mut AnyConnection, row: &PersonRow) -> QueryResult<()> {
    diesel::insert_into(people::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_person(c: &mut AnyConnection, id: &str) -> QueryResult<Option<PersonRow>> {
    people::table
        .find(id)
        .select(PersonRow::as_select())
        .first(c)
        .optional()
}

pub fn find_person_by_person_id(
    c: &mut AnyConnection,
    person_id: &str,
) -> QueryResult<Option<PersonRow>> {
    people::table
        .filter(people::person_id.eq(person_id))
        .select(PersonRow::as_select())
        .first(c)
        .optional()
}

/// Keyset page ordered by id.
pub fn list_people(c: &mut AnyConnection, page: &Keyset<String>) -> QueryResult<Vec<PersonRow>> {
    let q = people::table.select(PersonRow::as_select()).into_boxed();
    keyset(q, people::id, page).load(c)
}

pub fn set_person_organisation(
    c: &mut AnyConnection,
    person: &str,
    org: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(people::table.find(person))
        .set(people::organisation_id.eq(org.map(str::to_string)))
        .execute(c)
}

pub fn roles_of(c: &mut AnyConnection, principal: &str) -> QueryResult<Vec<String>> {
    role_grants::table
        .filter(role_grants::principal_id.eq(principal))
        .select(role_grants::role)
        .order(role_grants::role.asc())
        .load(c)
}

/// The roles of several principals in one query, as `(principal_id, role)` (a list page's).
pub fn roles_of_all(
    c: &mut AnyConnection,
    principals: &[String],
) -> QueryResult<Vec<(String, String)>> {
    if principals.is_empty() {
        return Ok(Vec::new());
    }
    role_grants::table
        .filter(role_grants::principal_id.eq_any(principals))
        .select((role_grants::principal_id, role_grants::role))
        .order((role_grants::principal_id.asc(), role_grants::role.asc()))
        .load(c)
}

/// Grant a role; false if it was already held.
pub fn grant_role(c: &mut AnyConnection, row: &RoleGrantRow) -> QueryResult<bool> {
    let exists = role_grants::table
        .filter(role_grants::principal_id.eq(&row.principal_id))
        .filter(role_grants::role.eq(&row.role))
        .count()
        .get_result::<i64>(c)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(role_grants::table)
        .values(row)
        .execute(c)?;
    Ok(true)
}

/// Revoke a role; false if it was not held.
pub fn revoke_role(c: &mut AnyConnection, principal: &str, role: &str) -> QueryResult<bool> {
    let n = diesel::delete(
        role_grants::table
            .filter(role_grants::principal_id.eq(principal))
            .filter(role_grants::role.eq(role)),
    )
    .execute(c)?;
    Ok(n > 0)
}

/// Record a certificate the first time it is used; later uses are no-ops.
pub fn upsert_credential(c: &mut AnyConnection, row: &CredentialRow) -> QueryResult<()> {
    let exists = credentials::table
        .find(&row.fingerprint)
        .count()
        .get_result::<i64>(c)?;
    if exists == 0 {
        diesel::insert_into(credentials::table)
            .values(row)
            .execute(c)?;
    }
    Ok(())
}

pub fn insert_challenge(c: &mut AnyConnection, row: &ChallengeRow) -> QueryResult<()> {
    diesel::insert_into(auth_challenges::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_challenge(c: &mut AnyConnection, id: &str) -> QueryResult<Option<ChallengeRow>> {
    auth_challenges::table
        .find(id)
        .select(ChallengeRow::as_select())
        .first(c)
        .optional()
}

/// Atomically mark a live challenge used. Returns false when it was already used or has expired
/// by `now` — the single statement is what makes a replay race-free.
pub fn consume_challenge(c: &mut AnyConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        auth_challenges::table
            .filter(auth_challenges::id.eq(id))
            .filter(auth_challenges::used_at.is_null())
            .filter(auth_challenges::expires_at.gt(now)),
    )
    .set(auth_challenges::used_at.eq(Some(now)))
    .execute(c)?;
    Ok(n == 1)
}

pub fn insert_session(c: &mut AnyConnection, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_session(c: &mut AnyConnection, token_hash: &str) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(token_hash)
        .select(SessionRow::as_select())
        .first(c)
        .optional()
}

pub fn revoke_session(
    c: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .find(token_hash)
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(c)
}
