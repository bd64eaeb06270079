//! An officer of a published plan's lead department asks for a round: the objects of the plan's
//! items (by kind and grade), the officers of its departments with their avoidance units, and
//! the rules go into one frame; the frame and the server's commitment are logged
//! (`draw_requested`) before anyone may contribute. A pool too small is refused before anything
//! is written (the bound does not depend on the seed, `domain::draw::Frame::shortfalls`).

use super::*;
use crate::app::AppContext;

/// Ask for a round of `req.teams` joint teams from published plan `plan`.
pub async fn request_round(
    ctx: &AppContext,
    actor: &Actor,
    plan: &str,
    req: RequestRoundRequest,
) -> AppResult<InspectionRound> {
    if !actor.has(Role::Regulator) {
        return Err(AppError::forbidden(
            "regulators of the plan's lead department",
        ));
    }
    if req.teams == 0 || req.teams > insp::MAX_TEAMS {
        return Err(AppError::field(
            "teams",
            "out_of_range",
            format!("between 1 and {}", insp::MAX_TEAMS),
        ));
    }
    let (actor, plan, now) = (actor.clone(), plan.to_string(), ctx.clock.now());
    let minutes = ctx.settings.inspections.contribution_minutes;
    ctx.db
        .write(move |c| {
            let plan = load_plan(c, &plan)?;
            let o = officer(c, &actor)?;
            if o.department_code != plan.lead {
                return Err(AppError::new(
                    ErrorCode::OtherDepartment,
                    "an officer of the plan's lead department asks for its rounds",
                ));
            }
            if !plan.published {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "publish the plan first (双随机一公开: the plan is public before its draws)",
                ));
            }
            let today = crate::domain::schedule::legal_date(now);
            if today < plan.period.0 || today > plan.period.1 {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    format!(
                        "the plan runs from {} to {}; today is {today}",
                        plan.period.0, plan.period.1
                    ),
                ));
            }
            let objects = objects_of(c, &plan)?;
            let mut departments = plan.departments.clone();
            departments.sort();
            departments.dedup();
            let mut officers = BTreeMap::new();
            let mut avoid = BTreeMap::new();
            for d in &departments {
                let rows = crate::db::repo::supervision::officers_of(c, d)?;
                for r in &rows {
                    let units = avoid_units(r)?;
                    if !units.is_empty() {
                        avoid.insert(r.person_id.clone(), units);
                    }
                }
                officers.insert(d.clone(), rows.into_iter().map(|r| r.person_id).collect());
            }
            let round_rules = insp::RoundRules {
                assignment: insp::ASSIGNMENT.into(),
                plan: plan.code.clone(),
                ratio: plan.ratio,
                teams: req.teams,
                per_department: insp::RoundRules::per_department_for(departments.len()),
                departments,
                avoid,
            };
            let id = uuid::Uuid::now_v7().to_string();
            let frame =
                insp::frame(&id, &round_rules, &objects, &officers).map_err(|e| match e {
                    insp::RoundError::NoObjects => {
                        AppError::rule("plan", "no_objects", e.to_string())
                    }
                    insp::RoundError::TooFewOfficers { .. } => {
                        AppError::rule("teams", "too_few_officers", e.to_string())
                    }
                })?;
            frame
                .check()
                .map_err(|e| AppError::rule("plan", "frame", e.to_string()))?;
            let contribute_by = now + chrono::Duration::minutes(i64::from(minutes));
            let row = commit(c, now, &actor, &plan.code, req.teams, frame, contribute_by)?;
            round_view(c, &row)
        })
        .await
}

/// Every object of the plan's items' kinds whose grade the plan draws from (tenders carry no
/// grade and are all drawn from).
fn objects_of(c: &mut AnyConnection, plan: &PlanView) -> AppResult<Vec<insp::Object>> {
    let kinds: BTreeSet<ObjectKind> = item_kinds(c, plan)?.into_values().collect();
    let mut out = Vec::new();
    for kind in kinds {
        let grades: BTreeMap<String, String> =
            repo::grades_of(c, kind.as_str())?.into_iter().collect();
        let grade_of = |id: &str| {
            grades
                .get(id)
                .and_then(|g| CreditGrade::parse(g))
                .unwrap_or(crate::domain::artefacts::DEFAULT_GRADE)
        };
        let listed: Vec<(String, Option<String>)> = match kind {
            ObjectKind::Organisation => repo::organisation_usccs(c)?
                .into_iter()
                .map(|u| (u.clone(), Some(u)))
                .collect(),
            ObjectKind::Expert => repo::expert_units(c)?,
            ObjectKind::Tender => repo::tender_units(c)?
                .into_iter()
                .map(|(t, u)| (t, Some(u)))
                .collect(),
        };
        for (id, unit) in listed {
            let grade = (kind != ObjectKind::Tender).then(|| grade_of(&id));
            if grade.is_some_and(|g| !plan.grades.contains(&g)) {
                continue;
            }
            out.push(insp::Object {
                kind,
                id,
                unit,
                grade,
            });
        }
    }
    Ok(out)
}

/// Logs the frame and the commitment to a fresh secret in one `draw_requested` entry (the
/// frame's only copy, as for every draw) and stores the round.
fn commit(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    plan: &str,
    teams: u32,
    frame: Frame,
    contribute_by: DateTime<Utc>,
) -> AppResult<repo::RoundRow> {
    let digest = frame.digest();
    let mut secret = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
        .map_err(|_| internal(anyhow::anyhow!("the system random generator failed")))?;
    let commitment = hex::encode(rules::commitment(&digest, &secret));
    let frame_digest = hex::encode(digest);
    let outline = to_json(&frame.outline())?;
    let id = frame.draw_id.clone();
    let frame_event = audit::record(
        c,
        now,
        Event {
            event_type: EventType::DrawRequested,
            tender_id: None,
            section_id: None,
            actor: actor.audit_as(Role::Regulator),
            subject: id.clone(),
            body: json!({"draw": id, "frame_digest": frame_digest, "commitment": commitment,
                "contribute_by": contribute_by, "plan": plan, "teams": teams,
                "frame": frame}),
        },
    )?;
    let row = repo::RoundRow {
        id,
        plan_code: plan.to_string(),
        teams: i32::try_from(teams).unwrap_or(i32::MAX),
        requested_by: actor.id.clone(),
        requested_at: to_db(now),
        contribute_by: to_db(contribute_by),
        frame_event,
        frame_digest,
        commitment,
        secret: hex::encode(secret),
        outline,
        state: RoundState::Committed.as_str().into(),
        contributor: None,
        contribution: None,
        contributed_at: None,
        fallback_event: None,
        drawn_at: None,
    };
    repo::insert_round(c, &row)?;
    Ok(row)
}
