//! Envelope keys, remedy custodians and releases, bid bonds, bid uploads, bids and the opening
//! ceremony.

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;

use crate::db::schema::{
    bid_bonds, bid_parts, bid_upload_parts, bid_uploads, bids, bond_accounts, envelope_keys,
    opening_attempts, opening_responses, remedy_custodians, remedy_releases, section_openings,
    tenders,
};
use crate::db::AnyConnection;
use crate::domain::bidding::{
    AttemptOutcome, AttemptPath, BidState, BondKind, OpeningPhase, ResponseKind, UploadState,
};
use crate::domain::lifecycle::StateKind;
use crate::seal::Fault;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = envelope_keys)]
pub struct EnvelopeKeyRow {
    pub principal_id: String,
    pub public_key: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
    pub registered_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = remedy_custodians)]
pub struct RemedyCustodianRow {
    pub tender_id: String,
    pub section_code: String,
    pub share_index: i32,
    pub custodian_id: String,
    pub public_key: String,
    pub threshold: i32,
    pub total: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = remedy_releases, treat_none_as_null = true)]
pub struct ReleaseRow {
    pub bid_id: String,
    pub share_index: i32,
    pub tender_id: String,
    pub section_code: String,
    pub custodian_id: String,
    pub share_value: Option<String>,
    pub share_sha256: String,
    pub valid: bool,
    pub signature: String,
    pub released_at: NaiveDateTime,
}

/// A bond as the use-cases see it; stored sealed (`StoredBond`, `db::sealing`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct BondRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub organisation_id: String,
    pub amount: String,
    pub kind: String,
    pub reference: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
    /// The account a transfer was paid from, where the bank's notice names it.
    #[serde(default)]
    pub payer_account: Option<String>,
}

/// An upload as the use-cases see it; stored sealed (`StoredUpload`, `db::sealing`).
#[derive(Clone, Debug)]
pub struct UploadRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub organisation_id: String,
    pub bid_version: i32,
    pub manifest: String,
    pub manifest_sha256: String,
    pub certificate: String,
    pub certificate_serial: String,
    pub signature_algorithm: String,
    pub state: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The network addresses the upload was opened and submitted from (collusion signals,
    /// docs/EVALUATION.md §9); sealed with the row.
    pub addresses: Vec<String>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = bid_upload_parts)]
pub struct UploadPartRow {
    pub upload_id: String,
    pub part_index: i32,
    pub name: String,
    pub ciphertext_len: i64,
    pub ciphertext_sha256: String,
    pub received: i64,
    pub complete: bool,
}

/// A bid as the use-cases see it; stored sealed (`StoredBid`, `db::sealing`).
#[derive(Clone, Debug)]
pub struct BidRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub organisation_id: String,
    pub bidder_uscc: String,
    pub version: i32,
    pub state: String,
    pub manifest: String,
    pub manifest_sha256: String,
    pub certificate: String,
    pub certificate_serial: String,
    pub signature_algorithm: String,
    pub tender_version: i32,
    pub confirmed_tender_version: i32,
    pub received_at: NaiveDateTime,
    pub receipt_event_id: String,
    pub supersedes: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    /// The opened summary (JSON), set at the opening only.
    pub summary: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = bid_parts, treat_none_as_null = true)]
pub struct BidPartRow {
    pub bid_id: String,
    pub part_index: i32,
    pub kind: String,
    pub name: String,
    pub ciphertext_len: i64,
    pub ciphertext_sha256: String,
    pub storage_key: String,
    pub plaintext_sha256: Option<String>,
    /// The part's data key wrapped under the KEK once the bid is opened (`crypto::kek`).
    pub opened_key: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = section_openings, treat_none_as_null = true)]
pub struct OpeningRow {
    pub tender_id: String,
    pub section_code: String,
    pub state: String,
    pub started_at: NaiveDateTime,
    pub decryption_until: NaiveDateTime,
    pub recovery_until: Option<NaiveDateTime>,
    pub record: Option<String>,
    pub record_published_at: Option<NaiveDateTime>,
    pub objections_until: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = opening_attempts)]
pub struct AttemptRow {
    pub id: String,
    pub bid_id: String,
    pub path: String,
    pub actor_id: String,
    pub outcome: String,
    pub error_code: Option<String>,
    pub fault: Option<String>,
    pub detail: Option<String>,
    pub attempted_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = opening_responses, treat_none_as_null = true)]
pub struct ResponseRow {
    pub id: String,
    pub tender_id: String,
    pub section_code: String,
    pub organisation_id: String,
    pub kind: String,
    pub text: Option<String>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

// --- sealed storage of bonds, uploads and bids (db::sealing) --------------------------------

use crate::db::sealing::{self, labels};

const BOND: &str = "bid_bonds";
const UPLOAD: &str = "bid_uploads";
const BID: &str = "bids";

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = bid_bonds)]
struct StoredBond {
    id: String,
    bidder_ref: String,
    reference_ref: String,
    sealed: String,
    recorded_at: NaiveDateTime,
    tender_id: Option<String>,
    section_code: Option<String>,
}

/// What an upload row keeps only under the KEK.
#[derive(serde::Serialize, serde::Deserialize)]
struct UploadSecrets {
    tender_id: String,
    section_code: String,
    organisation_id: String,
    manifest: String,
    certificate: String,
    certificate_serial: String,
    signature_algorithm: String,
    created_by: String,
    /// Absent from rows sealed before addresses were kept.
    #[serde(default)]
    addresses: Vec<String>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = bid_uploads)]
struct StoredUpload {
    id: String,
    bidder_ref: String,
    owner_ref: String,
    bid_version: i32,
    sealed: String,
    manifest_sha256: String,
    state: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    // Written only by the opening ([`reveal_section`]); an update never clears it.
    #[diesel(skip_update)]
    tender_id: Option<String>,
    #[diesel(skip_update)]
    section_code: Option<String>,
}

/// What a bid row keeps only under the KEK.
#[derive(serde::Serialize, serde::Deserialize)]
struct BidSecrets {
    tender_id: String,
    section_code: String,
    organisation_id: String,
    bidder_uscc: String,
    manifest: String,
    certificate: String,
    certificate_serial: String,
    signature_algorithm: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = bids, treat_none_as_null = true)]
struct StoredBid {
    id: String,
    bidder_ref: String,
    version: i32,
    state: String,
    sealed: String,
    manifest_sha256: String,
    tender_version: i32,
    confirmed_tender_version: i32,
    received_at: NaiveDateTime,
    receipt_event_id: String,
    supersedes: Option<String>,
    closed_at: Option<NaiveDateTime>,
    summary: Option<String>,
    #[diesel(skip_update)]
    tender_id: Option<String>,
    #[diesel(skip_update)]
    section_code: Option<String>,
}

fn bidder_ref(tender: &str, section: &str, org: &str) -> QueryResult<String> {
    sealing::blind(labels::BIDDER, &[tender, section, org])
}

fn bidder_refs(tender: &str, section: &str, org: &str) -> QueryResult<Vec<String>> {
    sealing::blind_all(labels::BIDDER, &[tender, section, org])
}

/// The blind index of an organisation's own uploads (its limits across tenders), every
/// version (for lookups).
pub(crate) fn owner_refs(org: &str) -> QueryResult<Vec<String>> {
    sealing::blind_all(labels::OWNER, &[org])
}

fn store_bond(r: &BondRow) -> QueryResult<StoredBond> {
    Ok(StoredBond {
        id: r.id.clone(),
        bidder_ref: bidder_ref(&r.tender_id, &r.section_code, &r.organisation_id)?,
        reference_ref: sealing::blind(
            labels::BOND_REFERENCE,
            &[
                &r.tender_id,
                &r.section_code,
                &r.organisation_id,
                &r.reference,
            ],
        )?,
        sealed: sealing::seal(BOND, &r.id, r)?,
        recorded_at: r.recorded_at,
        tender_id: None,
        section_code: None,
    })
}

fn load_bond(s: StoredBond) -> QueryResult<BondRow> {
    sealing::open(BOND, &s.id, &s.sealed)
}

fn store_upload(r: &UploadRow) -> QueryResult<StoredUpload> {
    let secrets = UploadSecrets {
        tender_id: r.tender_id.clone(),
        section_code: r.section_code.clone(),
        organisation_id: r.organisation_id.clone(),
        manifest: r.manifest.clone(),
        certificate: r.certificate.clone(),
        certificate_serial: r.certificate_serial.clone(),
        signature_algorithm: r.signature_algorithm.clone(),
        created_by: r.created_by.clone(),
        addresses: r.addresses.clone(),
    };
    Ok(StoredUpload {
        id: r.id.clone(),
        bidder_ref: bidder_ref(&r.tender_id, &r.section_code, &r.organisation_id)?,
        owner_ref: sealing::blind(labels::OWNER, &[&r.organisation_id])?,
        bid_version: r.bid_version,
        sealed: sealing::seal(UPLOAD, &r.id, &secrets)?,
        manifest_sha256: r.manifest_sha256.clone(),
        state: r.state.clone(),
        created_at: r.created_at,
        updated_at: r.updated_at,
        tender_id: None,
        section_code: None,
    })
}

fn load_upload(s: StoredUpload) -> QueryResult<UploadRow> {
    let x: UploadSecrets = sealing::open(UPLOAD, &s.id, &s.sealed)?;
    Ok(UploadRow {
        id: s.id,
        tender_id: x.tender_id,
        section_code: x.section_code,
        organisation_id: x.organisation_id,
        bid_version: s.bid_version,
        manifest: x.manifest,
        manifest_sha256: s.manifest_sha256,
        certificate: x.certificate,
        certificate_serial: x.certificate_serial,
        signature_algorithm: x.signature_algorithm,
        state: s.state,
        created_by: x.created_by,
        created_at: s.created_at,
        updated_at: s.updated_at,
        addresses: x.addresses,
    })
}

fn store_bid(r: &BidRow) -> QueryResult<StoredBid> {
    let secrets = BidSecrets {
        tender_id: r.tender_id.clone(),
        section_code: r.section_code.clone(),
        organisation_id: r.organisation_id.clone(),
        bidder_uscc: r.bidder_uscc.clone(),
        manifest: r.manifest.clone(),
        certificate: r.certificate.clone(),
        certificate_serial: r.certificate_serial.clone(),
        signature_algorithm: r.signature_algorithm.clone(),
    };
    Ok(StoredBid {
        id: r.id.clone(),
        bidder_ref: bidder_ref(&r.tender_id, &r.section_code, &r.organisation_id)?,
        version: r.version,
        state: r.state.clone(),
        sealed: sealing::seal(BID, &r.id, &secrets)?,
        manifest_sha256: r.manifest_sha256.clone(),
        tender_version: r.tender_version,
        confirmed_tender_version: r.confirmed_tender_version,
        received_at: r.received_at,
        receipt_event_id: r.receipt_event_id.clone(),
        supersedes: r.supersedes.clone(),
        closed_at: r.closed_at,
        summary: r.summary.clone(),
        tender_id: None,
        section_code: None,
    })
}

fn load_bid(s: StoredBid) -> QueryResult<BidRow> {
    let x: BidSecrets = sealing::open(BID, &s.id, &s.sealed)?;
    Ok(BidRow {
        id: s.id,
        tender_id: x.tender_id,
        section_code: x.section_code,
        organisation_id: x.organisation_id,
        bidder_uscc: x.bidder_uscc,
        version: s.version,
        state: s.state,
        manifest: x.manifest,
        manifest_sha256: s.manifest_sha256,
        certificate: x.certificate,
        certificate_serial: x.certificate_serial,
        signature_algorithm: x.signature_algorithm,
        tender_version: s.tender_version,
        confirmed_tender_version: s.confirmed_tender_version,
        received_at: s.received_at,
        receipt_event_id: s.receipt_event_id,
        supersedes: s.supersedes,
        closed_at: s.closed_at,
        summary: s.summary,
    })
}

fn load_all<S, T>(rows: Vec<S>, load: fn(S) -> QueryResult<T>) -> QueryResult<Vec<T>> {
    rows.into_iter().map(load).collect()
}

/// A bidder's virtual sub-account for one section's bond (plain; stored sealed).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct BondAccountRow {
    pub account: String,
    pub tender_id: String,
    pub section_code: String,
    pub organisation_id: String,
    pub created_at: NaiveDateTime,
}

const BOND_ACCOUNT: &str = "bond_accounts";

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = bond_accounts)]
struct StoredBondAccount {
    account_ref: String,
    bidder_ref: String,
    sealed: String,
    created_at: NaiveDateTime,
}

fn account_refs(account: &str) -> QueryResult<Vec<String>> {
    sealing::blind_all(labels::BOND_ACCOUNT, &[account])
}

fn load_bond_account(s: StoredBondAccount) -> QueryResult<BondAccountRow> {
    sealing::open(BOND_ACCOUNT, &s.account_ref, &s.sealed)
}

/// The bidder's sub-account for the section, if it has asked for one.
pub fn bond_account_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    org: &str,
) -> QueryResult<Option<BondAccountRow>> {
    bond_accounts::table
        .filter(bond_accounts::bidder_ref.eq_any(bidder_refs(tender, section, org)?))
        .select(StoredBondAccount::as_select())
        .first(c)
        .optional()?
        .map(load_bond_account)
        .transpose()
}

/// The sub-account with this number (what a bank's notice names).
pub fn bond_account(c: &mut AnyConnection, account: &str) -> QueryResult<Option<BondAccountRow>> {
    bond_accounts::table
        .filter(bond_accounts::account_ref.eq_any(account_refs(account)?))
        .select(StoredBondAccount::as_select())
        .first(c)
        .optional()?
        .map(load_bond_account)
        .transpose()
}

pub fn insert_bond_account(c: &mut AnyConnection, row: &BondAccountRow) -> QueryResult<()> {
    let account_ref = sealing::blind(labels::BOND_ACCOUNT, &[&row.account])?;
    let stored = StoredBondAccount {
        sealed: sealing::seal(BOND_ACCOUNT, &account_ref, row)?,
        account_ref,
        bidder_ref: bidder_ref(&row.tender_id, &row.section_code, &row.organisation_id)?,
        created_at: row.created_at,
    };
    diesel::insert_into(bond_accounts::table)
        .values(stored)
        .execute(c)
        .map(|_| ())
}

/// Rows of the sealed tables rewritten under the newest KEK version ([`rewrap`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rewrapped {
    pub bids: usize,
    pub uploads: usize,
    pub bonds: usize,
    pub bond_accounts: usize,
    /// Withdrawn bonds' refunds sealed before their opening (`repo::contracts`).
    pub bond_refunds: usize,
}

/// Re-seals and re-blinds every bid, upload and bond row sealed under an older KEK version
/// (after `etender kek rotate`), so the older version is no longer needed for them; a
/// revealed row stays revealed. Sealed audit events stay as written: the log is append-only.
pub fn rewrap(c: &mut AnyConnection) -> QueryResult<Rewrapped> {
    let key = sealing::key()?;
    let mut done = Rewrapped::default();
    let stale_bids: Vec<StoredBid> = bids::table
        .select(StoredBid::as_select())
        .load::<StoredBid>(c)?
        .into_iter()
        .filter(|s| key.is_stale(&s.sealed))
        .collect();
    for s in stale_bids {
        update_bid(c, &load_bid(s)?)?;
        done.bids += 1;
    }
    let stale_uploads: Vec<StoredUpload> = bid_uploads::table
        .select(StoredUpload::as_select())
        .load::<StoredUpload>(c)?
        .into_iter()
        .filter(|s| key.is_stale(&s.sealed))
        .collect();
    for s in stale_uploads {
        update_upload(c, &load_upload(s)?)?;
        done.uploads += 1;
    }
    let stale_bonds: Vec<StoredBond> = bid_bonds::table
        .select(StoredBond::as_select())
        .load::<StoredBond>(c)?
        .into_iter()
        .filter(|s| key.is_stale(&s.sealed))
        .collect();
    for s in stale_bonds {
        let fresh = store_bond(&load_bond(s)?)?;
        diesel::update(bid_bonds::table.find(&fresh.id))
            .set((
                bid_bonds::bidder_ref.eq(&fresh.bidder_ref),
                bid_bonds::reference_ref.eq(&fresh.reference_ref),
                bid_bonds::sealed.eq(&fresh.sealed),
            ))
            .execute(c)?;
        done.bonds += 1;
    }
    // An account's key is its blind index: rewritten as a new row.
    let stale_accounts: Vec<StoredBondAccount> = bond_accounts::table
        .select(StoredBondAccount::as_select())
        .load::<StoredBondAccount>(c)?
        .into_iter()
        .filter(|s| key.is_stale(&s.sealed))
        .collect();
    for s in stale_accounts {
        let old = s.account_ref.clone();
        let row = load_bond_account(s)?;
        diesel::delete(bond_accounts::table.find(&old)).execute(c)?;
        insert_bond_account(c, &row)?;
        done.bond_accounts += 1;
    }
    done.bond_refunds = super::contracts::rewrap_refunds(c)?;
    Ok(done)
}

// --- envelope keys, remedy custodians and releases ------------------------------------------

pub fn put_envelope_key(c: &mut AnyConnection, row: &EnvelopeKeyRow) -> QueryResult<()> {
    diesel::delete(envelope_keys::table.find(&row.principal_id)).execute(c)?;
    diesel::insert_into(envelope_keys::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn envelope_key(c: &mut AnyConnection, principal: &str) -> QueryResult<Option<EnvelopeKeyRow>> {
    envelope_keys::table
        .find(principal)
        .select(EnvelopeKeyRow::as_select())
        .first(c)
        .optional()
}

pub fn insert_remedy_custodian(c: &mut AnyConnection, row: &RemedyCustodianRow) -> QueryResult<()> {
    diesel::insert_into(remedy_custodians::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The remedy custodians of several tenders in one query (a list page's), by tender, section
/// and share index.
pub fn remedy_custodians_of_all(
    c: &mut AnyConnection,
    tenders: &[String],
) -> QueryResult<Vec<RemedyCustodianRow>> {
    if tenders.is_empty() {
        return Ok(Vec::new());
    }
    remedy_custodians::table
        .filter(remedy_custodians::tender_id.eq_any(tenders))
        .order((
            remedy_custodians::tender_id.asc(),
            remedy_custodians::section_code.asc(),
            remedy_custodians::share_index.asc(),
        ))
        .select(RemedyCustodianRow::as_select())
        .load(c)
}

/// One section's remedy custodians in share order.
pub fn remedy_custodians_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Vec<RemedyCustodianRow>> {
    remedy_custodians::table
        .filter(remedy_custodians::tender_id.eq(tender))
        .filter(remedy_custodians::section_code.eq(section))
        .order(remedy_custodians::share_index.asc())
        .select(RemedyCustodianRow::as_select())
        .load(c)
}

/// A custodian of the section who is staff of `organisation`, if any (one query).
pub fn custodian_on_staff_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    organisation: &str,
) -> QueryResult<Option<String>> {
    use crate::db::schema::people;
    let staff = people::table
        .filter(people::organisation_id.eq(organisation))
        .select(people::id);
    remedy_custodians::table
        .filter(remedy_custodians::tender_id.eq(tender))
        .filter(remedy_custodians::section_code.eq(section))
        .filter(remedy_custodians::custodian_id.eq_any(staff))
        .select(remedy_custodians::custodian_id)
        .first(c)
        .optional()
}

pub fn insert_release(c: &mut AnyConnection, row: &ReleaseRow) -> QueryResult<()> {
    diesel::insert_into(remedy_releases::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The releases of one section, by bid then share index.
pub fn releases_of_section(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Vec<ReleaseRow>> {
    remedy_releases::table
        .filter(remedy_releases::tender_id.eq(tender))
        .filter(remedy_releases::section_code.eq(section))
        .order((
            remedy_releases::bid_id.asc(),
            remedy_releases::share_index.asc(),
        ))
        .select(ReleaseRow::as_select())
        .load(c)
}

pub fn releases_of_bid(c: &mut AnyConnection, bid: &str) -> QueryResult<Vec<ReleaseRow>> {
    remedy_releases::table
        .filter(remedy_releases::bid_id.eq(bid))
        .order(remedy_releases::share_index.asc())
        .select(ReleaseRow::as_select())
        .load(c)
}

/// Forgets the released share values of a bid (once it is settled, whatever the outcome);
/// the rest of each release (digest, validity, signature) stays.
pub fn clear_release_values(c: &mut AnyConnection, bid: &str) -> QueryResult<usize> {
    diesel::update(remedy_releases::table.filter(remedy_releases::bid_id.eq(bid)))
        .set(remedy_releases::share_value.eq(None::<String>))
        .execute(c)
}

// --- bonds ---------------------------------------------------------------------------------

/// Records a bond; a reference already recorded for this bidder and section (under any KEK
/// version) is a unique violation, as the index itself would report it.
pub fn insert_bond(c: &mut AnyConnection, row: &BondRow) -> QueryResult<()> {
    let refs = sealing::blind_all(
        labels::BOND_REFERENCE,
        &[
            &row.tender_id,
            &row.section_code,
            &row.organisation_id,
            &row.reference,
        ],
    )?;
    let taken: i64 = bid_bonds::table
        .filter(bid_bonds::reference_ref.eq_any(refs))
        .count()
        .get_result(c)?;
    if taken > 0 {
        return Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            Box::new("bid_bonds.reference_ref".to_string()),
        ));
    }
    let mut stored = store_bond(row)?;
    if section_opened(c, &row.tender_id, &row.section_code)? {
        stored.tender_id = Some(row.tender_id.clone());
        stored.section_code = Some(row.section_code.clone());
    }
    diesel::insert_into(bid_bonds::table)
        .values(stored)
        .execute(c)
        .map(|_| ())
}

pub fn bonds_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    org: &str,
) -> QueryResult<Vec<BondRow>> {
    let rows = bid_bonds::table
        .filter(bid_bonds::bidder_ref.eq_any(bidder_refs(tender, section, org)?))
        .order(bid_bonds::recorded_at.asc())
        .select(StoredBond::as_select())
        .load(c)?;
    load_all(rows, load_bond)
}

/// Every bond of an opened section (their section is revealed at the opening).
pub fn revealed_bonds(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Vec<BondRow>> {
    let rows = bid_bonds::table
        .filter(bid_bonds::tender_id.eq(tender))
        .filter(bid_bonds::section_code.eq(section))
        .order(bid_bonds::recorded_at.asc())
        .select(StoredBond::as_select())
        .load(c)?;
    load_all(rows, load_bond)
}

/// Every bond of a tender, opened sections or not: each row is opened under the KEK and kept
/// when it names the tender. For a terminated tender only (rare; the rows of a section stay
/// unlinkable in the database until its opening).
pub fn bonds_of_tender(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<BondRow>> {
    let rows = bid_bonds::table
        .order(bid_bonds::recorded_at.asc())
        .select(StoredBond::as_select())
        .load(c)?;
    Ok(load_all(rows, load_bond)?
        .into_iter()
        .filter(|b| b.tender_id == tender)
        .collect())
}

// --- uploads -------------------------------------------------------------------------------

pub fn insert_upload(
    c: &mut AnyConnection,
    row: &UploadRow,
    parts: &[UploadPartRow],
) -> QueryResult<()> {
    let mut stored = store_upload(row)?;
    if section_opened(c, &row.tender_id, &row.section_code)? {
        stored.tender_id = Some(row.tender_id.clone());
        stored.section_code = Some(row.section_code.clone());
    }
    diesel::insert_into(bid_uploads::table)
        .values(stored)
        .execute(c)?;
    for p in parts {
        diesel::insert_into(bid_upload_parts::table)
            .values(p)
            .execute(c)?;
    }
    Ok(())
}

pub fn find_upload(c: &mut AnyConnection, id: &str) -> QueryResult<Option<UploadRow>> {
    bid_uploads::table
        .find(id)
        .select(StoredUpload::as_select())
        .first(c)
        .optional()?
        .map(load_upload)
        .transpose()
}

pub fn upload_parts(c: &mut AnyConnection, id: &str) -> QueryResult<Vec<UploadPartRow>> {
    bid_upload_parts::table
        .filter(bid_upload_parts::upload_id.eq(id))
        .order(bid_upload_parts::part_index.asc())
        .select(UploadPartRow::as_select())
        .load(c)
}

pub fn update_upload(c: &mut AnyConnection, row: &UploadRow) -> QueryResult<()> {
    diesel::update(bid_uploads::table.find(&row.id))
        .set(store_upload(row)?)
        .execute(c)
        .map(|_| ())
}

pub fn update_upload_part(c: &mut AnyConnection, row: &UploadPartRow) -> QueryResult<()> {
    diesel::update(bid_upload_parts::table.find((&row.upload_id, row.part_index)))
        .set(row)
        .execute(c)
        .map(|_| ())
}

/// Uploads of one bidder for a section in `state`.
pub fn uploads_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    org: &str,
    state: UploadState,
) -> QueryResult<Vec<UploadRow>> {
    let rows = bid_uploads::table
        .filter(bid_uploads::bidder_ref.eq_any(bidder_refs(tender, section, org)?))
        .filter(bid_uploads::state.eq(state.as_str()))
        .select(StoredUpload::as_select())
        .load(c)?;
    load_all(rows, load_upload)
}

/// Uploads still open for tenders whose deadline has passed and that no longer take bids.
pub fn open_uploads_past_deadline(
    c: &mut AnyConnection,
    now: NaiveDateTime,
) -> QueryResult<Vec<UploadRow>> {
    // The rows name no tender: open every open upload (few: uploads are abandoned at the
    // deadline) and keep those of tenders past it.
    let past: std::collections::HashSet<String> = tenders::table
        .filter(tenders::bid_deadline.le(now))
        .filter(tenders::state.ne(StateKind::Published.as_str()))
        .select(tenders::id)
        .load::<String>(c)?
        .into_iter()
        .collect();
    let open = bid_uploads::table
        .filter(bid_uploads::state.eq(UploadState::Open.as_str()))
        .select(StoredUpload::as_select())
        .load(c)?;
    Ok(load_all(open, load_upload)?
        .into_iter()
        .filter(|u| past.contains(&u.tender_id))
        .collect())
}

// --- bids ----------------------------------------------------------------------------------

pub fn insert_bid(c: &mut AnyConnection, row: &BidRow, parts: &[BidPartRow]) -> QueryResult<()> {
    let mut stored = store_bid(row)?;
    if section_opened(c, &row.tender_id, &row.section_code)? {
        stored.tender_id = Some(row.tender_id.clone());
        stored.section_code = Some(row.section_code.clone());
    }
    diesel::insert_into(bids::table).values(stored).execute(c)?;
    for p in parts {
        diesel::insert_into(bid_parts::table).values(p).execute(c)?;
    }
    Ok(())
}

pub fn find_bid(c: &mut AnyConnection, id: &str) -> QueryResult<Option<BidRow>> {
    bids::table
        .find(id)
        .select(StoredBid::as_select())
        .first(c)
        .optional()?
        .map(load_bid)
        .transpose()
}

pub fn update_bid(c: &mut AnyConnection, row: &BidRow) -> QueryResult<()> {
    diesel::update(bids::table.find(&row.id))
        .set(store_bid(row)?)
        .execute(c)
        .map(|_| ())
}

/// The bidder's bid versions for a section, newest first.
pub fn bids_of_bidder(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    org: &str,
) -> QueryResult<Vec<BidRow>> {
    let rows = bids::table
        .filter(bids::bidder_ref.eq_any(bidder_refs(tender, section, org)?))
        .order(bids::version.desc())
        .select(StoredBid::as_select())
        .load(c)?;
    load_all(rows, load_bid)
}

/// Highest bid version this bidder has used for the section (bids and uploads alike).
pub fn max_version(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    org: &str,
) -> QueryResult<i32> {
    let b: Option<i32> = bids::table
        .filter(bids::bidder_ref.eq_any(bidder_refs(tender, section, org)?))
        .select(max(bids::version))
        .first(c)?;
    Ok(b.unwrap_or(0))
}

/// A section's bids in any of `states`, in order of receipt.
pub fn bids_of_section(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    states: &[BidState],
) -> QueryResult<Vec<BidRow>> {
    let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    let revealed = bids::table
        .filter(bids::tender_id.eq(tender))
        .filter(bids::section_code.eq(section))
        .filter(bids::state.eq_any(&states))
        .select(StoredBid::as_select())
        .load(c)?;
    let mut found = load_all(revealed, load_bid)?;
    // Before the opening no column names the section: open every unrevealed row in these
    // states, platform-wide, and keep the section's (docs/ARCHITECTURE.md, "The node
    // key-encryption key", for what this costs).
    let hidden = bids::table
        .filter(bids::tender_id.is_null())
        .filter(bids::state.eq_any(&states))
        .select(StoredBid::as_select())
        .load(c)?;
    for s in hidden {
        let b = load_bid(s)?;
        if b.tender_id == tender && b.section_code == section {
            found.push(b);
        }
    }
    found.sort_by(|a, b| (a.received_at, &a.id).cmp(&(b.received_at, &b.id)));
    Ok(found)
}

pub fn bid_parts(c: &mut AnyConnection, bid: &str) -> QueryResult<Vec<BidPartRow>> {
    bid_parts::table
        .filter(bid_parts::bid_id.eq(bid))
        .order(bid_parts::part_index.asc())
        .select(BidPartRow::as_select())
        .load(c)
}

pub fn update_bid_part(c: &mut AnyConnection, row: &BidPartRow) -> QueryResult<()> {
    diesel::update(bid_parts::table.find((&row.bid_id, row.part_index)))
        .set(row)
        .execute(c)
        .map(|_| ())
}

/// Every opened part's wrapped data key: (bid, index, wrapped), for `etender kek rewrap`.
pub fn opened_part_keys(c: &mut AnyConnection) -> QueryResult<Vec<(String, i32, String)>> {
    let rows: Vec<(String, i32, Option<String>)> = bid_parts::table
        .filter(bid_parts::opened_key.is_not_null())
        .select((
            bid_parts::bid_id,
            bid_parts::part_index,
            bid_parts::opened_key,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(b, i, k)| k.map(|k| (b, i, k)))
        .collect())
}

pub fn set_opened_part_key(
    c: &mut AnyConnection,
    bid: &str,
    index: i32,
    wrapped: &str,
) -> QueryResult<()> {
    diesel::update(bid_parts::table.find((bid, index)))
        .set(bid_parts::opened_key.eq(wrapped))
        .execute(c)
        .map(|_| ())
}

// --- revealing a section at its opening ---------------------------------------------------

/// Whether the section's opening has started (its rows are then written revealed).
fn section_opened(c: &mut AnyConnection, tender: &str, section: &str) -> QueryResult<bool> {
    let n: i64 = section_openings::table
        .filter(section_openings::tender_id.eq(tender))
        .filter(section_openings::section_code.eq(section))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

/// Rows [`reveal_section`] wrote the plain section onto.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Revealed {
    pub bids: usize,
    pub uploads: usize,
    pub bonds: usize,
}

/// Writes the plain (tender, section) onto the section's bid rows (every state), its uploads
/// that became bids and its bonds, found by opening every unrevealed row under the KEK: the
/// opening calls it in the transaction whose record publishes who bid, so from then on the
/// section's rows are found by index. Abandoned uploads (never bids, in no record) stay
/// unrevealed and sealed, and out of every scan (they are looked up by bidder only).
pub fn reveal_section(c: &mut AnyConnection, tender: &str, section: &str) -> QueryResult<Revealed> {
    let mut done = Revealed::default();
    let hidden = bids::table
        .filter(bids::tender_id.is_null())
        .select(StoredBid::as_select())
        .load(c)?;
    for s in hidden {
        let b = load_bid(s)?;
        if b.tender_id == tender && b.section_code == section {
            diesel::update(bids::table.find(&b.id))
                .set((bids::tender_id.eq(tender), bids::section_code.eq(section)))
                .execute(c)?;
            done.bids += 1;
        }
    }
    let hidden = bid_uploads::table
        .filter(bid_uploads::tender_id.is_null())
        .filter(bid_uploads::state.eq(UploadState::Submitted.as_str()))
        .select(StoredUpload::as_select())
        .load(c)?;
    for s in hidden {
        let u = load_upload(s)?;
        if u.tender_id == tender && u.section_code == section {
            diesel::update(bid_uploads::table.find(&u.id))
                .set((
                    bid_uploads::tender_id.eq(tender),
                    bid_uploads::section_code.eq(section),
                ))
                .execute(c)?;
            done.uploads += 1;
        }
    }
    let hidden = bid_bonds::table
        .filter(bid_bonds::tender_id.is_null())
        .select(StoredBond::as_select())
        .load(c)?;
    for s in hidden {
        let b = load_bond(s)?;
        if b.tender_id == tender && b.section_code == section {
            diesel::update(bid_bonds::table.find(&b.id))
                .set((
                    bid_bonds::tender_id.eq(tender),
                    bid_bonds::section_code.eq(section),
                ))
                .execute(c)?;
            done.bonds += 1;
        }
    }
    Ok(done)
}

// --- opening -------------------------------------------------------------------------------

/// Openings whose record was published at or after `since`, in publication order (the
/// regulator's cross-tender analysis).
pub fn openings_published_since(
    c: &mut AnyConnection,
    since: NaiveDateTime,
) -> QueryResult<Vec<OpeningRow>> {
    section_openings::table
        .filter(section_openings::record_published_at.ge(since))
        .order((
            section_openings::record_published_at.asc(),
            section_openings::tender_id.asc(),
            section_openings::section_code.asc(),
        ))
        .select(OpeningRow::as_select())
        .load(c)
}

pub fn find_opening(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Option<OpeningRow>> {
    section_openings::table
        .find((tender, section))
        .select(OpeningRow::as_select())
        .first(c)
        .optional()
}

pub fn insert_opening(c: &mut AnyConnection, row: &OpeningRow) -> QueryResult<()> {
    diesel::insert_into(section_openings::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_opening(c: &mut AnyConnection, row: &OpeningRow) -> QueryResult<()> {
    diesel::update(section_openings::table.find((&row.tender_id, &row.section_code)))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn openings_of(c: &mut AnyConnection, tender: &str) -> QueryResult<Vec<OpeningRow>> {
    section_openings::table
        .filter(section_openings::tender_id.eq(tender))
        .select(OpeningRow::as_select())
        .load(c)
}

/// Openings still running (not closed, not failed): the scheduler advances them.
pub fn running_openings(c: &mut AnyConnection) -> QueryResult<Vec<OpeningRow>> {
    section_openings::table
        .filter(section_openings::state.ne_all(vec!["closed".to_string(), "failed".to_string()]))
        .select(OpeningRow::as_select())
        .load(c)
}

pub fn insert_attempt(c: &mut AnyConnection, row: &AttemptRow) -> QueryResult<()> {
    diesel::insert_into(opening_attempts::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn attempts_of(c: &mut AnyConnection, bid: &str) -> QueryResult<Vec<AttemptRow>> {
    opening_attempts::table
        .filter(opening_attempts::bid_id.eq(bid))
        .order(opening_attempts::attempted_at.asc())
        .select(AttemptRow::as_select())
        .load(c)
}

pub fn insert_response(c: &mut AnyConnection, row: &ResponseRow) -> QueryResult<()> {
    diesel::insert_into(opening_responses::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update_response(c: &mut AnyConnection, row: &ResponseRow) -> QueryResult<()> {
    diesel::update(opening_responses::table.find(&row.id))
        .set(row)
        .execute(c)
        .map(|_| ())
}

pub fn responses_of(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> QueryResult<Vec<ResponseRow>> {
    opening_responses::table
        .filter(opening_responses::tender_id.eq(tender))
        .filter(opening_responses::section_code.eq(section))
        .order(opening_responses::created_at.asc())
        .select(ResponseRow::as_select())
        .load(c)
}

// --- typed columns -------------------------------------------------------------------------
//
// States and kinds are TEXT columns; these accessors are the one place they become enums, so
// no use-case ever compares a state as a string. A value this version does not know is a
// corrupt row, reported as a deserialisation error (an internal error to the caller).

fn decode<T>(column: &str, value: &str, parse: fn(&str) -> Option<T>) -> QueryResult<T> {
    parse(value).ok_or_else(|| {
        diesel::result::Error::DeserializationError(
            format!("unknown {column} value {value:?}").into(),
        )
    })
}

impl BidRow {
    pub fn state(&self) -> QueryResult<BidState> {
        decode("bids.state", &self.state, BidState::parse)
    }

    pub fn set_state(&mut self, state: BidState) {
        self.state = state.as_str().into();
    }
}

impl UploadRow {
    pub fn state(&self) -> QueryResult<UploadState> {
        decode("bid_uploads.state", &self.state, UploadState::parse)
    }

    pub fn set_state(&mut self, state: UploadState) {
        self.state = state.as_str().into();
    }
}

impl BondRow {
    pub fn kind(&self) -> QueryResult<BondKind> {
        decode("bid_bonds.kind", &self.kind, BondKind::parse)
    }
}

impl OpeningRow {
    pub fn phase(&self) -> QueryResult<OpeningPhase> {
        decode("section_openings.state", &self.state, OpeningPhase::parse)
    }

    pub fn set_phase(&mut self, phase: OpeningPhase) {
        self.state = phase.as_str().into();
    }
}

impl ResponseRow {
    pub fn kind(&self) -> QueryResult<ResponseKind> {
        decode("opening_responses.kind", &self.kind, ResponseKind::parse)
    }
}

impl AttemptRow {
    pub fn path(&self) -> QueryResult<AttemptPath> {
        decode("opening_attempts.path", &self.path, AttemptPath::parse)
    }

    pub fn outcome(&self) -> QueryResult<AttemptOutcome> {
        decode(
            "opening_attempts.outcome",
            &self.outcome,
            AttemptOutcome::parse,
        )
    }

    pub fn fault(&self) -> QueryResult<Option<Fault>> {
        let parse = |s: &str| match s {
            "bidder" => Some(Fault::Bidder),
            "not_bidder" => Some(Fault::NotBidder),
            _ => None,
        };
        self.fault
            .as_deref()
            .map(|f| decode("opening_attempts.fault", f, parse))
            .transpose()
    }
}
