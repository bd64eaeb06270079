//! Tenders, their signed versions, documents, downloads, questions, objections, public feeds
//! and idempotency keys.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::dsl::max;
use diesel::prelude::*;

use crate::db::repo::{keyset, Keyset};
use crate::db::schema::{
    announcements, document_downloads, idempotency_keys, ocds_releases, organisations,
    tender_documents, tender_threads, tender_versions, tenders,
};
use crate::db::AnyConnection;
use crate::domain::tender::{AnnouncementKind, VersionKind};
use crate::domain::thread::ThreadKind;

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tenders, treat_none_as_null = true)]
pub struct TenderRow {
    pub id: String,
    pub title: String,
    pub description: String,
    pub tenderer_id: String,
    pub agent_id: Option<String>,
    pub created_by: String,
    pub state: String,
    pub state_detail: String,
    pub draft: String,
    pub version: i32,
    pub bid_deadline: NaiveDateTime,
    pub reconfirm_from_version: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    /// Position in the public list, assigned at publication in commit order.
    pub public_seq: Option<i64>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = tender_versions)]
pub struct VersionRow {
    pub tender_id: String,
    pub version: i32,
    pub kind: String,
    pub notice: String,
    pub notice_digest: String,
    pub published_draft: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_id: String,
    pub signer_fingerprint: String,
    pub rationale: Option<String>,
    pub published_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = tender_documents)]
pub struct DocumentRow {
    pub id: String,
    pub tender_id: String,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    pub supersedes: Option<String>,
    pub published_version: Option<i32>,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = document_downloads)]
pub struct DownloadRow {
    pub id: String,
    pub document_id: String,
    pub tender_id: String,
    pub principal_id: Option<String>,
    pub organisation_id: Option<String>,
    pub contact_email: Option<String>,
    pub downloaded_at: NaiveDateTime,
}

/// One thread: something a party raised about a tender, and the one answer it gets.
impl VersionRow {
    pub fn kind(&self) -> QueryResult<VersionKind> {
        VersionKind::parse(&self.kind).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!(
                    "tender_versions {} v{}: unknown kind {:?}",
                    self.tender_id, self.version, self.kind
                )
                .into(),
            )
        })
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = tender_threads)]
pub struct ThreadRow {
    pub id: String,
    pub tender_id: String,
    pub kind: String,
    pub raised_by: String,
    pub body: String,
    pub raised_at: NaiveDateTime,
    pub answer_due: Option<NaiveDateTime>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
}

impl ThreadRow {
    pub fn kind(&self) -> QueryResult<ThreadKind> {
        ThreadKind::parse(&self.kind).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("unknown tender_threads.kind {:?}", self.kind).into(),
            )
        })
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = announcements)]
pub struct AnnouncementRow {
    pub seq: i64,
    pub id: String,
    pub tender_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub published_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = ocds_releases)]
pub struct ReleaseRow {
    pub seq: i64,
    pub release_id: String,
    pub tender_id: String,
    pub release: String,
    pub released_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub principal_id: String,
    pub idem_key: String,
    pub request_digest: String,
    pub status: i32,
    pub response: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_tender(c: &mut AnyConnection, row: &TenderRow) -> QueryResult<()> {
    diesel::insert_into(tenders::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_tender(c: &mut AnyConnection, row: &TenderRow) -> QueryResult<()> {
    diesel::update(tenders::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_tender(c: &mut AnyConnection, id: &str) -> QueryResult<Option<TenderRow>> {
    tenders::table
        .find(id)
        .select(TenderRow::as_select())
        .first(c)
        .optional()
}

/// Lock the tender row for the rest of the transaction (PostgreSQL; SQLite's single writer
/// already serialises), so two concurrent changes cannot both start from the same state.
pub fn lock_tender(c: &mut AnyConnection, id: &str) -> QueryResult<Option<TenderRow>> {
    match c {
        AnyConnection::Postgresql(pg) => tenders::table
            .find(id)
            .select(TenderRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        AnyConnection::Sqlite(_) => find_tender(c, id),
    }
}

/// What a public reader sees of a tender row: everything but the working copy and bookkeeping.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = tenders)]
pub struct PublicTenderCols {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The lifecycle state with its details (the `state` column is its kind).
    pub state_detail: String,
    pub version: i32,
    pub reconfirm_from_version: Option<i32>,
    pub published_at: Option<NaiveDateTime>,
    pub public_seq: Option<i64>,
}

/// An organisation as a tender names it.
#[derive(Clone, Debug, Queryable)]
pub struct PartyRow {
    pub id: String,
    pub name: String,
    pub uscc: String,
}

/// One row of the public tender list with everything its body needs but the remedy custodians.
#[derive(Clone, Debug)]
pub struct PublicTenderRow {
    pub tender: PublicTenderCols,
    pub tenderer: PartyRow,
    pub agent: Option<PartyRow>,
    /// The draft of the version the tender is at (its latest published version).
    pub published_draft: Option<String>,
}

diesel::alias!(
    crate::db::schema::organisations as tenderer_org: TendererOrg,
    crate::db::schema::organisations as agent_org: AgentOrg
);

/// A page of public (ever published) tenders in publication order, each joined with its
/// tenderer, its agent and its current version's draft: one statement for the whole page.
pub fn public_tender_page(
    c: &mut AnyConnection,
    page: &Keyset<i64>,
) -> QueryResult<Vec<PublicTenderRow>> {
    let q = tenders::table
        .inner_join(
            tenderer_org.on(tenderer_org
                .field(organisations::id)
                .eq(tenders::tenderer_id)),
        )
        .left_join(
            agent_org.on(agent_org
                .field(organisations::id)
                .nullable()
                .eq(tenders::agent_id)),
        )
        .left_join(
            tender_versions::table.on(tender_versions::tender_id
                .eq(tenders::id)
                .and(tender_versions::version.eq(tenders::version))),
        )
        .filter(tenders::public_seq.is_not_null())
        .select((
            PublicTenderCols::as_select(),
            tenderer_org.fields((organisations::id, organisations::name, organisations::uscc)),
            agent_org
                .fields((organisations::id, organisations::name, organisations::uscc))
                .nullable(),
            tender_versions::published_draft.nullable(),
        ))
        .into_boxed();
    let rows: Vec<(PublicTenderCols, PartyRow, Option<PartyRow>, Option<String>)> =
        keyset(q, tenders::public_seq, page).load(c)?;
    Ok(rows
        .into_iter()
        .map(
            |(tender, tenderer, agent, published_draft)| PublicTenderRow {
                tender,
                tenderer,
                agent,
                published_draft,
            },
        )
        .collect())
}

/// The next position in the public tender list (call inside the publishing transaction; the
/// feed lock makes positions follow commit order).
pub fn next_public_seq(c: &mut AnyConnection) -> QueryResult<i64> {
    lock_feeds(c)?;
    let last: Option<i64> = tenders::table.select(max(tenders::public_seq)).first(c)?;
    Ok(last.unwrap_or(0) + 1)
}

/// The ids of the tenders in any of `states`, oldest first.
pub fn ids_in_states(c: &mut AnyConnection, states: &[&str]) -> QueryResult<Vec<String>> {
    tenders::table
        .filter(tenders::state.eq_any(states))
        .order(tenders::id.asc())
        .select(tenders::id)
        .load(c)
}

/// Tenders in `state` whose deadline is at or before `now`.
pub fn due_for_deadline(
    c: &mut AnyConnection,
    state: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    tenders::table
        .filter(tenders::state.eq(state))
        .filter(tenders::bid_deadline.le(now))
        .select(tenders::id)
        .load(c)
}

pub fn insert_version(c: &mut AnyConnection, row: &VersionRow) -> QueryResult<()> {
    diesel::insert_into(tender_versions::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn versions(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<VersionRow>> {
    tender_versions::table
        .filter(tender_versions::tender_id.eq(tender))
        .order(tender_versions::version.asc())
        .select(VersionRow::as_select())
        .load(c)
}

pub fn latest_version(c: &mut AnyConnection, tender: &str) -> QueryResult<Option<VersionRow>> {
    tender_versions::table
        .filter(tender_versions::tender_id.eq(tender))
        .order(tender_versions::version.desc())
        .select(VersionRow::as_select())
        .first(c)
        .optional()
}

pub fn insert_document(c: &mut AnyConnection, row: &DocumentRow) -> QueryResult<()> {
    diesel::insert_into(tender_documents::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn documents(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<DocumentRow>> {
    tender_documents::table
        .filter(tender_documents::tender_id.eq(tender))
        .order(tender_documents::uploaded_at.asc())
        .select(DocumentRow::as_select())
        .load(c)
}

pub fn find_document(c: &mut AnyConnection, id: &str) -> QueryResult<Option<DocumentRow>> {
    tender_documents::table
        .find(id)
        .select(DocumentRow::as_select())
        .first(c)
        .optional()
}

/// Mark every unpublished document of the tender as published with `version`.
pub fn publish_pending_documents(
    c: &mut AnyConnection,
    tender: &str,
    version: i32,
) -> QueryResult<usize> {
    diesel::update(
        tender_documents::table
            .filter(tender_documents::tender_id.eq(tender))
            .filter(tender_documents::published_version.is_null()),
    )
    .set(tender_documents::published_version.eq(Some(version)))
    .execute(c)
}

pub fn insert_download(c: &mut AnyConnection, row: &DownloadRow) -> QueryResult<()> {
    diesel::insert_into(document_downloads::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The tender's downloads in time order, each with its organisation's name (when logged in).
pub fn downloads(
    c: &mut AnyConnection,
    tender: &str,
) -> QueryResult<Vec<(DownloadRow, Option<String>)>> {
    document_downloads::table
        .left_join(
            organisations::table.on(organisations::id
                .nullable()
                .eq(document_downloads::organisation_id)),
        )
        .filter(document_downloads::tender_id.eq(tender))
        .order(document_downloads::downloaded_at.asc())
        .select((DownloadRow::as_select(), organisations::name.nullable()))
        .load(c)
}

/// Distinct e-mail addresses of everyone who downloaded this tender's documents while logged in.
pub fn downloader_emails(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<String>> {
    document_downloads::table
        .filter(document_downloads::tender_id.eq(tender))
        .filter(document_downloads::contact_email.is_not_null())
        .select(document_downloads::contact_email.assume_not_null())
        .distinct()
        .order(document_downloads::contact_email.assume_not_null().asc())
        .load(c)
}

pub fn insert_thread(c: &mut AnyConnection, row: &ThreadRow) -> QueryResult<()> {
    diesel::insert_into(tender_threads::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// Thread `id` of `kind` in `tender`.
pub fn find_thread(
    c: &mut AnyConnection,
    tender: &str,
    kind: ThreadKind,
    id: &str,
) -> QueryResult<Option<ThreadRow>> {
    tender_threads::table
        .find(id)
        .filter(tender_threads::tender_id.eq(tender))
        .filter(tender_threads::kind.eq(kind.as_str()))
        .select(ThreadRow::as_select())
        .first(c)
        .optional()
}

/// Record the answer unless one exists; returns how many rows took it (0 or 1).
pub fn answer_thread(
    c: &mut AnyConnection,
    id: &str,
    answer: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        tender_threads::table
            .find(id)
            .filter(tender_threads::answer.is_null()),
    )
    .set((
        tender_threads::answer.eq(answer),
        tender_threads::answered_by.eq(by),
        tender_threads::answered_at.eq(at),
    ))
    .execute(c)
}

/// A tender's threads of one kind, oldest first.
pub fn threads(
    c: &mut AnyConnection,
    tender: &str,
    kind: ThreadKind,
) -> QueryResult<Vec<ThreadRow>> {
    tender_threads::table
        .filter(tender_threads::tender_id.eq(tender))
        .filter(tender_threads::kind.eq(kind.as_str()))
        .order((tender_threads::raised_at.asc(), tender_threads::id.asc()))
        .select(ThreadRow::as_select())
        .load(c)
}

/// Key of the advisory lock that orders the public feeds.
const FEED_LOCK: i64 = 0x0065_7465_6e66_6565;

/// Serialise feed writers until commit, so feed sequence numbers are handed out in commit order
/// and a reader's `after=` cursor never passes a row that has yet to commit.
pub fn lock_feeds(c: &mut AnyConnection) -> QueryResult<()> {
    match c {
        AnyConnection::Postgresql(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_xact_lock({FEED_LOCK})"))
        }
        // One writer connection and BEGIN IMMEDIATE already serialise SQLite writers.
        AnyConnection::Sqlite(_) => Ok(()),
    }
}

impl AnnouncementRow {
    pub fn kind(&self) -> QueryResult<AnnouncementKind> {
        AnnouncementKind::parse(&self.kind).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("announcements {}: unknown kind {:?}", self.id, self.kind).into(),
            )
        })
    }
}

pub fn insert_announcement(c: &mut AnyConnection, mut row: AnnouncementRow) -> QueryResult<i64> {
    lock_feeds(c)?;
    let last: Option<i64> = announcements::table
        .select(max(announcements::seq))
        .first(c)?;
    row.seq = last.unwrap_or(0) + 1;
    diesel::insert_into(announcements::table)
        .values(&row)
        .execute(c)?;
    Ok(row.seq)
}

/// A page of the announcement feed (of one tender when `tender` is given), by `seq`.
pub fn announcements_page(
    c: &mut AnyConnection,
    tender: Option<&str>,
    page: &Keyset<i64>,
) -> QueryResult<Vec<AnnouncementRow>> {
    let mut q = announcements::table
        .select(AnnouncementRow::as_select())
        .into_boxed();
    if let Some(t) = tender {
        q = q.filter(announcements::tender_id.eq(t.to_string()));
    }
    keyset(q, announcements::seq, page).load(c)
}

pub fn insert_release(c: &mut AnyConnection, mut row: ReleaseRow) -> QueryResult<i64> {
    lock_feeds(c)?;
    let last: Option<i64> = ocds_releases::table
        .select(max(ocds_releases::seq))
        .first(c)?;
    row.seq = last.unwrap_or(0) + 1;
    diesel::insert_into(ocds_releases::table)
        .values(&row)
        .execute(c)?;
    Ok(row.seq)
}

pub fn releases(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<ReleaseRow>> {
    ocds_releases::table
        .filter(ocds_releases::tender_id.eq(tender))
        .order(ocds_releases::seq.asc())
        .select(ReleaseRow::as_select())
        .load(c)
}

pub fn find_idempotency(
    c: &mut AnyConnection,
    principal: &str,
    key: &str,
) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_keys::table
        .find((principal, key))
        .select(IdempotencyRow::as_select())
        .first(c)
        .optional()
}

pub fn insert_idempotency(c: &mut AnyConnection, row: &IdempotencyRow) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// Change counter for "nothing changed" checks that also cover updates: the sum of versions
/// and the latest update time.
pub fn fingerprint(
    c: &mut AnyConnection,
    tender: &str,
) -> QueryResult<Option<(String, i32, NaiveDateTime, NaiveDateTime)>> {
    tenders::table
        .find(tender)
        .select((
            tenders::state_detail,
            tenders::version,
            tenders::updated_at,
            tenders::bid_deadline,
        ))
        .first(c)
        .optional()
}
