//! The tenderer or agent requests the draw of a section's evaluation experts.

use super::*;
use crate::app::support::lottery;
use crate::app::support::tender as tsupport;
use crate::app::AppContext;
use crate::db::repo::bids as brepo;
use crate::db::repo::identity as idrepo;
use crate::domain::authz::Permission;
use crate::domain::bidding::{BidState, OpeningPhase};
use crate::domain::experts::eligible as is_eligible;
use crate::domain::experts::{is_region_code, Candidate, Exclusions, Library, MemberStatus};
use crate::domain::identity::Role;
use crate::domain::lifecycle::StateKind;
use crate::domain::uscc::Uscc;
use crate::error::{ErrorCode, FieldError};
use std::collections::BTreeSet;

/// Most specialties in one request, and most people per specialty (drawn and reserves).
const MAX_GROUPS: usize = 10;
const MAX_PER_GROUP: u32 = 50;

/// The one group of an award-committee draw: the tenderer's whole pool.
pub const POOL_GROUP: &str = "pool";

/// The tenderer or agent requests the draw of a section's evaluation experts — or, with
/// purpose `award_committee`, of its award committee's drawn members from its own pool (定标委员
/// 库) once the section is in the award under 评定分离: the eligible members are frozen into the
/// frame, the platform commits to its secret, and the supervising regulator is due to
/// contribute. A pool too small is refused naming the group and the shortfall, and nothing is
/// recorded.
pub async fn request_draw(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    req: DrawRequest,
) -> AppResult<Draw> {
    actor.require(Permission::ManageTenders)?;
    let now = ctx.clock.now();
    let groups = check_request(ctx, &req, now)?;
    let settings = ctx.settings.experts.draws.clone();
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    let as_role = if actor.has(Role::Tenderer) {
        Role::Tenderer
    } else {
        Role::Agent
    };
    ctx.db
        .write(move |c| {
            let t = tsupport::load_as_party(c, &actor, &tender)?;
            let draft = tsupport::published_draft(c, &t)?;
            if !draft.sections.iter().any(|s| s.code == section) {
                return Err(AppError::not_found("no such section"));
            }
            let kind = tsupport::state_of(&t)?.kind();
            if matches!(
                kind,
                StateKind::Draft | StateKind::Terminated | StateKind::Cancelled | StateKind::Failed
            ) {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    format!(
                        "experts are not drawn for a tender that is {}",
                        kind.as_str()
                    ),
                ));
            }
            let phase = match brepo::find_opening(c, &tender, &section)? {
                Some(o) => Some(o.phase().map_err(internal)?),
                None => None,
            };
            if phase == Some(OpeningPhase::Failed) {
                return Err(AppError::new(
                    ErrorCode::InvalidStateTransition,
                    "the section failed at its opening (流标): no evaluation, no draw",
                ));
            }
            let opened = matches!(
                phase,
                Some(OpeningPhase::RecordPublished | OpeningPhase::Closed)
            );
            let avoid_bidders = match (req.avoid_bidders, opened) {
                (None, o) => o,
                (Some(true), false) => {
                    return Err(AppError::new(
                        ErrorCode::InvalidStateTransition,
                        "the section's bidders are sealed until its opening record is out: \
                         they cannot be avoided yet",
                    ))
                }
                (Some(false), true) => {
                    return Err(AppError::rule(
                        "avoid_bidders",
                        "bidders_avoided",
                        "once the bidders are known they are always avoided",
                    ))
                }
                (Some(b), _) => b,
            };
            let award = req.purpose == Purpose::AwardCommittee;
            if award {
                check_award_draw(c, &t.id, &draft, &section, &groups)?;
            }
            let purpose = req.purpose.as_str();
            for d in repo::of_section(c, &tender, &section, purpose)? {
                if d.state().map_err(internal)? != DrawState::Revealed {
                    return Err(AppError::conflict(
                        "a draw for this section is already under way",
                    ));
                }
            }
            // Units to avoid: the tender's own side, its bidders once known, the request's.
            // An award pool is the tenderer's own staff: its units are not avoided there.
            let mut units: BTreeSet<String> = req.avoid_units.iter().cloned().collect();
            let own = std::iter::once(&t.tenderer_id).chain(t.agent_id.as_ref());
            let mut orgs: BTreeSet<String> = own.filter(|_| !award).cloned().collect();
            let mut bidders = 0;
            if avoid_bidders {
                let all = [
                    BidState::Submitted,
                    BidState::Superseded,
                    BidState::Withdrawn,
                    BidState::WithdrawnAtOpening,
                    BidState::Lapsed,
                    BidState::Opened,
                    BidState::Revoked,
                ];
                let of_bids: BTreeSet<String> = brepo::bids_of_section(c, &tender, &section, &all)?
                    .into_iter()
                    .map(|b| b.organisation_id)
                    .collect();
                bidders = of_bids.len();
                orgs.extend(of_bids);
            }
            // The units of the tender's side and of its bidders, in one statement.
            let orgs: Vec<String> = orgs.into_iter().collect();
            if !orgs.is_empty() {
                units.extend(idrepo::usccs_of(c, &orgs)?);
            }
            let units: Vec<String> = units.into_iter().collect();
            let library = if award {
                Library::AwardPool {
                    tenderer: t.tenderer_id.clone(),
                }
                .key()
            } else {
                Library::Experts.key()
            };
            let avoiders: BTreeSet<String> =
                repo::avoiding(c, &library, &units)?.into_iter().collect();
            let recent: BTreeSet<String> = if settings.recent_days > 0 && !award {
                let since = now - chrono::Duration::days(i64::from(settings.recent_days));
                repo::recently_drawn_for(c, &t.tenderer_id, to_db(since))?
                    .into_iter()
                    .collect()
            } else {
                BTreeSet::new()
            };
            // 条例46: the supervising department's own experts are not drawn for its tenders.
            let department = draft
                .supervising_department
                .clone()
                .filter(|_| settings.exclude_supervising_department && !award);
            let exclusions = Exclusions {
                department: department.clone(),
                units: units.iter().cloned().collect(),
                avoiding: avoiders,
                recently_seated: recent,
                region_mode: req.region_mode,
                region: req.region.clone(),
            };
            // 评定分离: the section's evaluators never sit on its award committee, so their
            // pool records are out of the award draw, listed in the frozen rules.
            let mut evaluators = BTreeSet::new();
            if award {
                for p in crate::app::support::award_committee::evaluators(c, &tender, &section)? {
                    if let Some(m) = crate::db::repo::experts::find_in(c, &library, &p)? {
                        evaluators.insert(m.id);
                    }
                }
            }
            let mut frame_groups = Vec::with_capacity(groups.len());
            for g in &groups {
                let mut eligible = Vec::new();
                let pool = if award {
                    repo::pool_candidates(c, &library)?
                } else {
                    repo::candidates(c, &library, &g.specialty)?
                };
                for cand in pool {
                    let status = MemberStatus::parse(&cand.status)
                        .ok_or_else(|| internal(anyhow::anyhow!("member {}", cand.id)))?;
                    let view = Candidate {
                        member: &cand.id,
                        region: &cand.region,
                        employer_uscc: cand.employer_uscc.as_deref(),
                        status,
                        status_until: cand.status_until.map(from_db),
                        department: cand.department.as_deref(),
                    };
                    if is_eligible(&view, &exclusions, now) && !evaluators.contains(&cand.id) {
                        eligible.push(cand.id);
                    }
                }
                frame_groups.push(rules::Group {
                    code: g.specialty.clone(),
                    count: g.count,
                    reserves: g.reserves,
                    candidates: eligible,
                });
            }
            let id = uuid::Uuid::now_v7().to_string();
            let mut rules_json = json!({
                "library": library,
                "avoid_units": units,
                "avoid_bidders": avoid_bidders,
                "bidders_avoided": bidders,
                "recent_days": settings.recent_days,
                "region_mode": req.region_mode,
                "region": req.region,
                "eligible_at": now,
                "excluded_department": department,
                "excludes": if award {
                    json!(["suspended", "banned", "avoidance_list", "employer",
                        "evaluation_committee"])
                } else {
                    json!(["suspended", "banned", "avoidance_list", "employer",
                        "recently_seated_for_tenderer", "supervising_department"])
                },
            });
            if award {
                // The pool records of the section's evaluators (and so the replay's check).
                rules_json["excluded_evaluators"] = json!(evaluators);
            }
            let frame = Frame {
                purpose: req.purpose,
                draw_id: id.clone(),
                rules: rules_json.to_string(),
                groups: frame_groups,
            };
            frame
                .check()
                .map_err(|e| internal(anyhow::anyhow!("frame: {e}")))?;
            let short = frame.shortfalls();
            if !short.is_empty() {
                let errors = short
                    .iter()
                    .map(|s| {
                        FieldError::new(
                            &format!("groups[{}]", s.group),
                            "pool_too_small",
                            format!(
                                "{} needs {} (drawn and reserves), {} eligible",
                                s.group, s.needed, s.available
                            ),
                        )
                    })
                    .collect();
                let mut e = AppError::validation(errors);
                e.code = ErrorCode::RuleViolation;
                return Err(e);
            }
            let contribute_by =
                now + chrono::Duration::minutes(i64::from(settings.contribution_minutes));
            let row = lottery::commit(
                c,
                now,
                lottery::NewDraw {
                    frame,
                    tender: tender.clone(),
                    section: section.clone(),
                    requested_by: actor.id.clone(),
                    actor: actor.audit_as(as_role),
                    evaluation_at: req.evaluation_at,
                    place: req.place.trim().to_string(),
                    remote: req.remote,
                    contribute_by,
                },
            )?;
            draw_dto(&row, &[], &[])
        })
        .await
}

/// Field checks that need no database; the groups sorted by specialty.
fn check_request(
    ctx: &AppContext,
    req: &DrawRequest,
    now: DateTime<Utc>,
) -> AppResult<Vec<DrawGroupRequest>> {
    let mut errors = Vec::new();
    if req.place.trim().is_empty() || req.place.chars().count() > 200 {
        errors.push(FieldError::new("place", "invalid", "1 to 200 characters"));
    }
    if req.evaluation_at <= now {
        errors.push(FieldError::new(
            "evaluation_at",
            "past",
            "must be in the future",
        ));
    }
    if req.groups.is_empty() || req.groups.len() > MAX_GROUPS {
        errors.push(FieldError::new(
            "groups",
            "count",
            format!("1 to {MAX_GROUPS} specialties"),
        ));
    }
    let award = match req.purpose {
        Purpose::EvaluationExperts => false,
        Purpose::AwardCommittee => true,
        _ => {
            errors.push(FieldError::new(
                "purpose",
                "not_a_committee",
                "committees are drawn for evaluation_experts or award_committee",
            ));
            false
        }
    };
    if award && (req.groups.len() != 1 || req.groups.iter().any(|g| g.specialty != POOL_GROUP)) {
        errors.push(FieldError::new(
            "groups",
            "award_pool_group",
            format!("an award committee is drawn as one group, {POOL_GROUP:?}"),
        ));
    }
    if award && (req.region_mode != RegionMode::Any || req.avoid_bidders == Some(false)) {
        errors.push(FieldError::new(
            "region_mode",
            "not_for_award",
            "an award pool is drawn whole, avoiding the bidders",
        ));
    }
    let mut groups = req.groups.clone();
    groups.sort_by(|a, b| a.specialty.cmp(&b.specialty));
    for (i, g) in groups.iter().enumerate() {
        let field = format!("groups[{}]", g.specialty);
        if !award && !ctx.classification.is_drawable(&g.specialty) {
            errors.push(FieldError::new(
                &field,
                "unknown_specialty",
                format!("{} is not a level-2 or level-3 specialty", g.specialty),
            ));
        }
        if g.count == 0 {
            errors.push(FieldError::new(
                &field,
                "not_positive",
                "count must be at least 1",
            ));
        }
        if g.count.saturating_add(g.reserves) > MAX_PER_GROUP {
            errors.push(FieldError::new(
                &field,
                "too_many",
                format!("at most {MAX_PER_GROUP} drawn and reserves"),
            ));
        }
        if i > 0 && groups[i - 1].specialty == g.specialty {
            errors.push(FieldError::new(&field, "duplicate", "listed twice"));
        }
    }
    for (i, u) in req.avoid_units.iter().enumerate() {
        if Uscc::parse(u).is_err() {
            errors.push(FieldError::new(
                &format!("avoid_units[{i}]"),
                "uscc_invalid",
                "not a valid unified social credit code",
            ));
        }
    }
    match (req.region_mode, &req.region) {
        (RegionMode::Any, None) => {}
        (_, Some(r)) if is_region_code(r) => {}
        _ => errors.push(FieldError::new(
            "region",
            "invalid",
            "local and elsewhere need a six-digit division code (and any takes none)",
        )),
    }
    if errors.is_empty() {
        Ok(groups)
    } else {
        Err(AppError::validation(errors))
    }
}

/// An award-committee draw: the section is in the award under 评定分离, before its committee is
/// formed, and the one group draws exactly the tender's `drawn` members.
fn check_award_draw(
    c: &mut AnyConnection,
    tender: &str,
    draft: &crate::domain::tender::TenderDraft,
    section: &str,
    groups: &[DrawGroupRequest],
) -> AppResult<()> {
    use crate::domain::award::stage::AwardStage;
    let s = draft
        .sections
        .iter()
        .find(|s| s.code == section)
        .ok_or_else(|| AppError::not_found("no such section"))?;
    let rule = s.award_committee_rule();
    if !matches!(s.award, crate::domain::tender::AwardMode::Separated { .. }) || rule.drawn() == 0 {
        return Err(AppError::rule(
            "purpose",
            "no_drawn_members",
            "this section's award committee has no drawn members",
        ));
    }
    let row = crate::db::repo::awards::get(c, tender, section)?.ok_or_else(|| {
        AppError::new(
            ErrorCode::InvalidStateTransition,
            "the section is not in the award yet",
        )
    })?;
    let stage = crate::app::support::award::stage_of(&row)?;
    if !matches!(stage, AwardStage::Clearing | AwardStage::Committee) {
        return Err(AppError::new(
            ErrorCode::AwardStage,
            format!("the award committee is drawn before it is formed; the award is at {stage:?}"),
        ));
    }
    if groups.iter().any(|g| g.count != u32::from(rule.drawn())) {
        return Err(AppError::field(
            "groups[pool].count",
            "not_the_tenders",
            format!("the tender draws {} members", rule.drawn()),
        ));
    }
    Ok(())
}
