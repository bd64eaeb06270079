//! The committee members' evaluation sheets, the 偏离度 flags computed at a scoring stage's
//! reveal and the flagged members' signed reasons. The report reads what counts from here:
//! [`counting`] (the non-void sheets of a stage), [`flags_with_reasons`] and [`flags_open`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{deviation_flags, deviation_reasons, evaluation_sheets};
use crate::db::AnyConnection;
use crate::domain::evaluation::sheet::Stage;

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = evaluation_sheets)]
#[diesel(treat_none_as_null = true)]
pub struct SheetRow {
    pub id: String,
    pub committee_id: String,
    pub member_id: String,
    pub principal_id: String,
    pub stage: String,
    /// The canonical `domain::evaluation::sheet::Sheet`, JSON.
    pub body: String,
    pub statement_sha256: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
    pub certificate: String,
    pub submitted_at: NaiveDateTime,
    pub revealed_at: Option<NaiveDateTime>,
    pub void: bool,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = deviation_flags)]
pub struct FlagRow {
    pub id: String,
    pub committee_id: String,
    pub sheet_id: String,
    pub member_id: String,
    pub bid_id: String,
    pub criterion: Option<String>,
    pub score: String,
    pub others_mean: String,
    pub flagged_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = deviation_reasons)]
pub struct ReasonRow {
    pub flag_id: String,
    pub committee_id: String,
    pub member_id: String,
    pub bid_id: String,
    pub criterion: Option<String>,
    pub reason: String,
    pub signature: String,
    pub signature_algorithm: String,
    pub signer_fingerprint: String,
    pub filed_at: NaiveDateTime,
}

impl SheetRow {
    /// The stage as the enum; a stored code the platform never writes is an error.
    pub fn stage(&self) -> QueryResult<Stage> {
        Stage::parse(&self.stage).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!(
                    "evaluation_sheets {}: unknown stage {:?}",
                    self.id, self.stage
                )
                .into(),
            )
        })
    }
}

pub fn insert(c: &mut AnyConnection, row: &SheetRow) -> QueryResult<()> {
    diesel::insert_into(evaluation_sheets::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// Every sheet of the committee, void ones too, by stage then submission.
pub fn all(c: &mut AnyConnection, committee: &str) -> QueryResult<Vec<SheetRow>> {
    evaluation_sheets::table
        .filter(evaluation_sheets::committee_id.eq(committee))
        .order((
            evaluation_sheets::stage.asc(),
            evaluation_sheets::submitted_at.asc(),
            evaluation_sheets::id.asc(),
        ))
        .select(SheetRow::as_select())
        .load(c)
}

/// The sheets of one stage that count (not void), in submission order — with member, body and
/// signature, as the report takes them.
pub fn counting(
    c: &mut AnyConnection,
    committee: &str,
    stage: Stage,
) -> QueryResult<Vec<SheetRow>> {
    evaluation_sheets::table
        .filter(evaluation_sheets::committee_id.eq(committee))
        .filter(evaluation_sheets::stage.eq(stage.as_str()))
        .filter(evaluation_sheets::void.eq(false))
        .order((
            evaluation_sheets::submitted_at.asc(),
            evaluation_sheets::id.asc(),
        ))
        .select(SheetRow::as_select())
        .load(c)
}

/// Marks the sheets of a stage not yet revealed as revealed at `at`.
pub fn reveal(
    c: &mut AnyConnection,
    committee: &str,
    stage: Stage,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        evaluation_sheets::table
            .filter(evaluation_sheets::committee_id.eq(committee))
            .filter(evaluation_sheets::stage.eq(stage.as_str()))
            .filter(evaluation_sheets::void.eq(false))
            .filter(evaluation_sheets::revealed_at.is_null()),
    )
    .set(evaluation_sheets::revealed_at.eq(Some(at)))
    .execute(c)
}

/// Voids every sheet of a member that left; the rows stay. Returns how many.
pub fn void_member(c: &mut AnyConnection, committee: &str, member: &str) -> QueryResult<usize> {
    diesel::update(
        evaluation_sheets::table
            .filter(evaluation_sheets::committee_id.eq(committee))
            .filter(evaluation_sheets::member_id.eq(member))
            .filter(evaluation_sheets::void.eq(false)),
    )
    .set(evaluation_sheets::void.eq(true))
    .execute(c)
}

pub fn insert_flag(c: &mut AnyConnection, row: &FlagRow) -> QueryResult<()> {
    diesel::insert_into(deviation_flags::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn find_flag(c: &mut AnyConnection, id: &str) -> QueryResult<Option<FlagRow>> {
    deviation_flags::table
        .find(id)
        .select(FlagRow::as_select())
        .first(c)
        .optional()
}

pub fn insert_reason(c: &mut AnyConnection, row: &ReasonRow) -> QueryResult<()> {
    diesel::insert_into(deviation_reasons::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// The committee's flags on sheets that count (a void member's flags go with its sheet), each
/// with its reason when filed, in the order they were raised.
pub fn flags_with_reasons(
    c: &mut AnyConnection,
    committee: &str,
) -> QueryResult<Vec<(FlagRow, Option<ReasonRow>)>> {
    let flags: Vec<FlagRow> = deviation_flags::table
        .inner_join(
            evaluation_sheets::table.on(evaluation_sheets::id.eq(deviation_flags::sheet_id)),
        )
        .filter(deviation_flags::committee_id.eq(committee))
        .filter(evaluation_sheets::void.eq(false))
        .order((deviation_flags::flagged_at.asc(), deviation_flags::id.asc()))
        .select(FlagRow::as_select())
        .load(c)?;
    let reasons: Vec<ReasonRow> = deviation_reasons::table
        .filter(deviation_reasons::committee_id.eq(committee))
        .select(ReasonRow::as_select())
        .load(c)?;
    Ok(flags
        .into_iter()
        .map(|f| {
            let r = reasons.iter().find(|r| r.flag_id == f.id).cloned();
            (f, r)
        })
        .collect())
}

/// Flags on sheets that count with no reason filed yet: the report is not generated while any
/// is open.
pub fn flags_open(c: &mut AnyConnection, committee: &str) -> QueryResult<usize> {
    Ok(flags_with_reasons(c, committee)?
        .iter()
        .filter(|(_, r)| r.is_none())
        .count())
}
