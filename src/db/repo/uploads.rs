//! Who is writing which bid part (the writer lease on `bid_upload_parts`), what a bidder has open,
//! the sweep of expired login challenges and the daily count of anonymous downloads: the rows the
//! limits of issue 11 rest on.
//!
//! A lease is taken with one conditional `UPDATE` (free, or its holder's time ran out), so two
//! requests, on one node or on several, never both hold a part: the database decides, on SQLite
//! and PostgreSQL alike.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use crate::db::schema::{auth_challenges, bid_upload_parts, bid_uploads, organisations};
use crate::db::AnyConnection;
use crate::domain::bidding::UploadState;

/// Take part `index` of `upload` for `writer` until `until`, unless another writer holds it
/// past `now`. True when taken.
pub fn claim_part(
    c: &mut AnyConnection,
    upload: &str,
    index: i32,
    writer: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let free = bid_upload_parts::writer
        .is_null()
        .or(bid_upload_parts::writer_until.le(now))
        .or(bid_upload_parts::writer_until.is_null());
    let n = diesel::update(
        bid_upload_parts::table
            .filter(bid_upload_parts::upload_id.eq(upload))
            .filter(bid_upload_parts::part_index.eq(index))
            .filter(free),
    )
    .set((
        bid_upload_parts::writer.eq(Some(writer)),
        bid_upload_parts::writer_until.eq(Some(until)),
    ))
    .execute(c)?;
    Ok(n == 1)
}

/// Extend `writer`'s lease to `until`; false when it no longer holds the part.
pub fn renew_part(
    c: &mut AnyConnection,
    upload: &str,
    index: i32,
    writer: &str,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        bid_upload_parts::table
            .filter(bid_upload_parts::upload_id.eq(upload))
            .filter(bid_upload_parts::part_index.eq(index))
            .filter(bid_upload_parts::writer.eq(writer)),
    )
    .set(bid_upload_parts::writer_until.eq(Some(until)))
    .execute(c)?;
    Ok(n == 1)
}

/// Give the part up if `writer` still holds it.
pub fn release_part(
    c: &mut AnyConnection,
    upload: &str,
    index: i32,
    writer: &str,
) -> QueryResult<()> {
    diesel::update(
        bid_upload_parts::table
            .filter(bid_upload_parts::upload_id.eq(upload))
            .filter(bid_upload_parts::part_index.eq(index))
            .filter(bid_upload_parts::writer.eq(writer)),
    )
    .set((
        bid_upload_parts::writer.eq(None::<String>),
        bid_upload_parts::writer_until.eq(None::<NaiveDateTime>),
    ))
    .execute(c)
    .map(|_| ())
}

/// Does `writer` hold the part now?
pub fn holds_part(
    c: &mut AnyConnection,
    upload: &str,
    index: i32,
    writer: &str,
) -> QueryResult<bool> {
    let n: i64 = bid_upload_parts::table
        .filter(bid_upload_parts::upload_id.eq(upload))
        .filter(bid_upload_parts::part_index.eq(index))
        .filter(bid_upload_parts::writer.eq(writer))
        .select(count_star())
        .first(c)?;
    Ok(n == 1)
}

/// Until when someone holds the part (none when nobody does).
pub fn part_held_until(
    c: &mut AnyConnection,
    upload: &str,
    index: i32,
) -> QueryResult<Option<NaiveDateTime>> {
    let until: Option<Option<NaiveDateTime>> = bid_upload_parts::table
        .filter(bid_upload_parts::upload_id.eq(upload))
        .filter(bid_upload_parts::part_index.eq(index))
        .filter(bid_upload_parts::writer.is_not_null())
        .select(bid_upload_parts::writer_until)
        .first(c)
        .optional()?;
    Ok(until.flatten())
}

/// Parts of `org`'s uploads someone is writing now (live leases).
pub fn live_writers_of(c: &mut AnyConnection, org: &str, now: NaiveDateTime) -> QueryResult<i64> {
    let uploads = bid_uploads::table
        .filter(bid_uploads::owner_ref.eq_any(super::bids::owner_refs(org)?))
        .filter(bid_uploads::state.eq(UploadState::Open.as_str()))
        .select(bid_uploads::id);
    bid_upload_parts::table
        .filter(bid_upload_parts::upload_id.eq_any(uploads))
        .filter(bid_upload_parts::writer.is_not_null())
        .filter(bid_upload_parts::writer_until.gt(now))
        .select(count_star())
        .first(c)
}

/// `org`'s open uploads and the ciphertext bytes their parts declare together.
pub fn open_uploads_of(c: &mut AnyConnection, org: &str) -> QueryResult<(i64, i64)> {
    let owner = super::bids::owner_refs(org)?;
    let open = bid_uploads::table
        .filter(bid_uploads::owner_ref.eq_any(owner.clone()))
        .filter(bid_uploads::state.eq(UploadState::Open.as_str()));
    let n: i64 = open.select(count_star()).first(c)?;
    // SUM over BIGINT is NUMERIC on PostgreSQL: cast back (the total fits easily).
    let bytes: Option<i64> = bid_upload_parts::table
        .filter(
            bid_upload_parts::upload_id.eq_any(
                bid_uploads::table
                    .filter(bid_uploads::owner_ref.eq_any(owner))
                    .filter(bid_uploads::state.eq(UploadState::Open.as_str()))
                    .select(bid_uploads::id),
            ),
        )
        .select(diesel::dsl::sql::<Nullable<BigInt>>(
            "CAST(SUM(ciphertext_len) AS BIGINT)",
        ))
        .first(c)?;
    Ok((n, bytes.unwrap_or(0)))
}

/// Serialise the upload decisions of one organisation (PostgreSQL row lock; SQLite has one
/// writer anyway), so two nodes cannot both see room for one more.
pub fn lock_organisation(c: &mut AnyConnection, org: &str) -> QueryResult<()> {
    if let AnyConnection::Postgresql(pg) = c {
        organisations::table
            .find(org)
            .select(organisations::id)
            .for_update()
            .first::<String>(pg)
            .optional()?;
    }
    Ok(())
}

/// Delete login challenges that expired before `before`; returns how many.
pub fn delete_challenges_expired_before(
    c: &mut AnyConnection,
    before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(auth_challenges::table.filter(auth_challenges::expires_at.lt(before))).execute(c)
}

/// Count one anonymous download of `document` on `day` (`YYYY-MM-DD`, UTC): one row per
/// document and day, however many downloads.
pub fn count_anonymous_download(
    c: &mut AnyConnection,
    document: &str,
    day: &str,
) -> QueryResult<()> {
    use diesel::sql_types::Text;
    const UPSERT: &str = "INSERT INTO anonymous_downloads (document_id, day, downloads) \
        VALUES (PARAM1, PARAM2, 1) ON CONFLICT (document_id, day) \
        DO UPDATE SET downloads = anonymous_downloads.downloads + 1";
    match c {
        AnyConnection::Postgresql(pg) => {
            diesel::sql_query(UPSERT.replace("PARAM1", "$1").replace("PARAM2", "$2"))
                .bind::<Text, _>(document)
                .bind::<Text, _>(day)
                .execute(pg)
        }
        AnyConnection::Sqlite(lite) => {
            diesel::sql_query(UPSERT.replace("PARAM1", "?").replace("PARAM2", "?"))
                .bind::<Text, _>(document)
                .bind::<Text, _>(day)
                .execute(lite)
        }
    }
    .map(|_| ())
}

/// Anonymous downloads of `document`, over all days.
pub fn anonymous_downloads_of(c: &mut AnyConnection, document: &str) -> QueryResult<i64> {
    use crate::db::schema::anonymous_downloads as ad;
    let n: Option<i64> = ad::table
        .filter(ad::document_id.eq(document))
        .select(diesel::dsl::sql::<Nullable<BigInt>>(
            "CAST(SUM(downloads) AS BIGINT)",
        ))
        .first(c)?;
    Ok(n.unwrap_or(0))
}
