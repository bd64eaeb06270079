//! The expert library (评标专家库) and tenderers' award-committee pools (定标委员库): admission,
//! the members' own contact data and 回避单位, and regulators' suspensions and bans. The draws
//! that pick committees from them read the same rows (docs/DRAWS.md).
//!
//! Who sees a member: the trading centre and regulators (every library), the member itself,
//! and a tenderer its own pool. Contact data never enters the audit log; avoidance lists do,
//! because they decide who a draw may pick.

mod admit;
mod award_pool;
mod departments;
mod get_member;
mod list_members;
mod my_records;
mod set_status;
mod specialties;
mod update_my_profile;

use crate::app::support::errors::*;
use crate::app::support::roles::grant;
use crate::app::Actor;
use crate::db::repo::experts as repo;
use crate::db::types::{from_db, unsigned};
use crate::domain::authz::Permission;
use crate::domain::experts::{self as rules, Classification, Library, MAX_AVOID_UNITS};
use crate::domain::experts::{AdmissionRules, MAX_SPECIALTIES};
use crate::domain::uscc::Uscc;
use crate::error::{AppError, AppResult, FieldError};
use crate::wire::experts::*;
pub use admit::*;
pub use award_pool::*;
pub use departments::*;
pub use get_member::*;
pub use list_members::*;
pub use my_records::*;
pub use set_status::*;
pub use specialties::*;
pub use update_my_profile::*;

fn member_dto(m: repo::Member) -> AppResult<Member> {
    let status = m.row.status().map_err(internal)?;
    Ok(Member {
        status,
        id: m.row.id,
        library: m.row.library,
        person_id: m.row.principal_id,
        name: m.row.name,
        region: m.row.region,
        employer: m.row.employer,
        employer_uscc: m.row.employer_uscc,
        department: m.row.department,
        title: m.row.title,
        senior_title: m.row.senior_title,
        practice_years: unsigned(m.row.practice_years),
        specialties: m.specialties,
        phone: m.row.phone,
        email: m.row.email,
        avoid_units: m
            .avoid
            .into_iter()
            .map(|a| AvoidUnit {
                uscc: a.uscc,
                name: a.name,
                is_working: a.is_working,
            })
            .collect(),
        status_until: m.row.status_until.map(from_db),
        status_reason: m.row.status_reason,
        admitted_at: from_db(m.row.admitted_at),
        updated_at: from_db(m.row.updated_at),
    })
}

/// Whether `actor` may read members of `library`: overseers every library, a tenderer its own
/// pool.
fn may_read_library(actor: &Actor, library: &Library) -> bool {
    if actor.require(Permission::KeepExpertLibrary).is_ok() {
        return true;
    }
    match library {
        Library::Experts => false,
        Library::AwardPool { tenderer } => {
            actor.require(Permission::KeepAwardPool).is_ok()
                && actor.organisation_id.as_deref() == Some(tenderer.as_str())
                && actor.id == *tenderer
        }
    }
}

fn library_of(row: &repo::ExpertRow) -> AppResult<Library> {
    Library::parse(&row.library)
        .ok_or_else(|| internal(anyhow::anyhow!("expert {}: bad library", row.id)))
}

/// Field errors of contact data.
fn check_contact(phone: &str, email: &str, errors: &mut Vec<FieldError>) {
    if !rules::is_phone(phone) {
        errors.push(FieldError::new("phone", "invalid", "7 to 15 digits"));
    }
    let at = email.find('@');
    let ok = email.len() <= 254
        && at.is_some_and(|i| i > 0 && i + 1 < email.len())
        && !email.contains(char::is_whitespace);
    if !ok {
        errors.push(FieldError::new("email", "invalid", "an e-mail address"));
    }
}

/// Field errors of an avoidance list; the list as stored (USCCs normalised).
fn check_avoid_units(
    units: &[AvoidUnit],
    expert_id: &str,
    errors: &mut Vec<FieldError>,
) -> Vec<repo::AvoidUnitRow> {
    if units.len() > MAX_AVOID_UNITS {
        errors.push(FieldError::new(
            "avoid_units",
            "too_many",
            format!("at most {MAX_AVOID_UNITS} units"),
        ));
    }
    let mut rows: Vec<repo::AvoidUnitRow> = Vec::new();
    for (i, u) in units.iter().enumerate() {
        let field = format!("avoid_units[{i}]");
        match Uscc::parse(u.uscc.trim()) {
            Ok(code) if rows.iter().any(|r| r.uscc == code.as_str()) => {
                errors.push(FieldError::new(&field, "duplicate", "listed twice"));
            }
            Ok(code) => rows.push(repo::AvoidUnitRow {
                expert_id: expert_id.to_string(),
                uscc: code.as_str().to_string(),
                name: u.name.trim().to_string(),
                is_working: u.is_working,
            }),
            Err(_) => errors.push(FieldError::new(
                &field,
                "uscc_invalid",
                "not a valid unified social credit code",
            )),
        }
        if u.name.trim().is_empty() || u.name.chars().count() > 200 {
            errors.push(FieldError::new(&field, "name", "1 to 200 characters"));
        }
    }
    if rows.iter().filter(|r| r.is_working).count() > 1 {
        errors.push(FieldError::new(
            "avoid_units",
            "one_employer",
            "at most one unit is the current employer",
        ));
    }
    rows
}

/// Checks an admission request; returns the specialties sorted and the avoidance list rows.
fn check_admission(
    req: &AdmitMember,
    classification: &Classification,
    rules: Option<&AdmissionRules>,
    expert_id: &str,
) -> AppResult<(Vec<String>, Vec<repo::AvoidUnitRow>)> {
    let mut errors = Vec::new();
    if !rules::is_region_code(&req.region) {
        errors.push(FieldError::new(
            "region",
            "invalid",
            "a six-digit administrative division code (GB/T 2260)",
        ));
    }
    for (field, v) in [("employer", &req.employer), ("title", &req.title)] {
        if v.trim().is_empty() || v.chars().count() > 200 {
            errors.push(FieldError::new(field, "invalid", "1 to 200 characters"));
        }
    }
    if let Some(u) = &req.employer_uscc {
        if Uscc::parse(u).is_err() {
            errors.push(FieldError::new(
                "employer_uscc",
                "uscc_invalid",
                "not a valid unified social credit code",
            ));
        }
    }
    if req
        .department
        .as_ref()
        .is_some_and(|d| d.trim().is_empty() || d.chars().count() > 64)
    {
        errors.push(FieldError::new(
            "department",
            "invalid",
            "1 to 64 characters",
        ));
    }
    if req.practice_years > 70 {
        errors.push(FieldError::new("practice_years", "invalid", "0 to 70"));
    }
    let mut specialties = req.specialties.clone();
    specialties.sort();
    specialties.dedup();
    if specialties.is_empty() || specialties.len() > MAX_SPECIALTIES {
        errors.push(FieldError::new(
            "specialties",
            "count",
            format!("1 to {MAX_SPECIALTIES} specialties"),
        ));
    }
    for code in &specialties {
        if !classification.is_registrable(code) {
            errors.push(FieldError::new(
                "specialties",
                "unknown_specialty",
                format!("{code} is not a level-3 specialty of the classification"),
            ));
        }
    }
    check_contact(&req.phone, &req.email, &mut errors);
    let avoid = check_avoid_units(&req.avoid_units, expert_id, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    if let Some(why) = rules.and_then(|r| r.refusal(req.practice_years, req.senior_title)) {
        return Err(AppError::rule("practice_years", "admission_rule", why));
    }
    Ok((specialties, avoid))
}

/// Admits `req.person_id` to `library` (checked against `rules` where the library has them)
/// and grants the role its members act in, in one transaction with its audit entries.
async fn admit_to(
    ctx: &crate::app::AppContext,
    actor: &Actor,
    as_role: crate::domain::identity::Role,
    library: Library,
    rules: Option<AdmissionRules>,
    req: AdmitMember,
) -> AppResult<Member> {
    use crate::audit::{Event, EventType};
    use crate::db::repo::identity as idrepo;
    use crate::db::types::to_db;
    use crate::domain::identity::Role;
    let id = uuid::Uuid::now_v7().to_string();
    let (specialties, avoid) = check_admission(&req, &ctx.classification, rules.as_ref(), &id)?;
    let role = match library {
        Library::Experts => Role::Expert,
        Library::AwardPool { .. } => Role::AwardCommittee,
    };
    let (by, now) = (actor.audit_as(as_role), ctx.clock.now());
    let member = ctx
        .db
        .write(move |c| {
            let person = idrepo::find_person(c, &req.person_id)?
                .ok_or_else(|| AppError::field("person_id", "unknown", "no such person"))?;
            let key = library.key();
            departments::check_member_department(c, req.department.as_deref().map(str::trim))?;
            if repo::find_in(c, &key, &person.id)?.is_some() {
                return Err(AppError::conflict("this person is already a member"));
            }
            let row = repo::ExpertRow {
                id,
                library: key,
                principal_id: person.id.clone(),
                name: person.name.clone(),
                region: req.region.clone(),
                employer: req.employer.trim().to_string(),
                employer_uscc: req.employer_uscc.clone(),
                department: req.department.as_ref().map(|d| d.trim().to_string()),
                title: req.title.trim().to_string(),
                senior_title: req.senior_title,
                practice_years: i32::try_from(req.practice_years).unwrap_or(i32::MAX),
                phone: req.phone.clone(),
                email: req.email.clone(),
                status: rules::MemberStatus::Active.as_str().into(),
                status_until: None,
                status_reason: None,
                admitted_by: by.id.clone(),
                admitted_at: to_db(now),
                updated_at: to_db(now),
            };
            repo::insert(c, &row, &specialties, &avoid).map_err(|e| {
                if idrepo::is_unique_violation(&e) {
                    AppError::conflict("this person is already a member")
                } else {
                    AppError::from(e)
                }
            })?;
            grant(c, now, &person.id, role, &by)?;
            let units: Vec<_> = avoid
                .iter()
                .map(|a| serde_json::json!({"uscc": a.uscc, "is_working": a.is_working}))
                .collect();
            crate::audit::record(
                c,
                now,
                Event {
                    event_type: EventType::ExpertAdmitted,
                    tender_id: None,
                    section_id: None,
                    actor: by.clone(),
                    subject: person.id.clone(),
                    body: serde_json::json!({"member": row.id, "library": row.library,
                        "person": person.id, "region": row.region,
                        "employer_uscc": row.employer_uscc, "department": row.department,
                        "senior_title": row.senior_title, "practice_years": row.practice_years,
                        "specialties": specialties, "avoid_units": units}),
                },
            )?;
            Ok(repo::Member {
                row,
                specialties,
                avoid,
            })
        })
        .await?;
    member_dto(member)
}
