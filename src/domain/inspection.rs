//! 双随机一公开: a round of random inspections drawn from a published 监管计划 — the objects to
//! inspect (随机抽取检查对象) and the inspectors (随机选派执法检查人员) in **one** frame of the one
//! verifiable draw (`domain::draw`), then every drawn object made a joint task: one team with an
//! officer of each department of the plan, one visit, one checklist (docs/SUPERVISION.md §9).
//!
//! The frame holds everything the assignment needs, so a regulator replays both the draw and the
//! teams from the audit export alone: each object candidate names the unit it belongs to (an
//! organisation is its own unit; an expert its employer; a tender its tenderer), and the rules
//! carry every candidate officer's avoidance units (回避单位).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::artefacts::{CreditGrade, ObjectKind};
use crate::domain::draw::{Drawn, Frame, Group, Purpose};

/// The label of the assignment algorithm, in the frame's rules: a change to it is a new label.
pub const ASSIGNMENT: &str = "etender-inspection-assign/v1";

/// Most teams one round may send (a city's whole enforcement staff, several times over).
pub const MAX_TEAMS: u32 = 1_000;

/// An object that may be drawn: its kind, its id, the unit inspectors avoid it by, its grade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub kind: ObjectKind,
    pub id: String,
    /// The USCC inspectors with ties to it must avoid (`None`: nobody's unit).
    pub unit: Option<String>,
    /// `None` for tenders, which carry no grade.
    pub grade: Option<CreditGrade>,
}

impl Object {
    /// The candidate id in the frame: `kind:id@unit` (`@-` without a unit), so that avoidance
    /// is judged from the frame alone.
    pub fn candidate(&self) -> String {
        format!(
            "{}:{}@{}",
            self.kind.as_str(),
            self.id,
            self.unit.as_deref().unwrap_or("-")
        )
    }
}

/// A candidate id split back into (kind, id, unit).
pub fn parse_candidate(c: &str) -> Option<(ObjectKind, &str, Option<&str>)> {
    let (kind, rest) = c.split_once(':')?;
    let (id, unit) = rest.rsplit_once('@')?;
    let kind = ObjectKind::parse(kind)?;
    Some((kind, id, (unit != "-").then_some(unit)))
}

/// The stratum an object is drawn in: its kind and grade.
pub fn stratum(kind: ObjectKind, grade: Option<CreditGrade>) -> String {
    match grade {
        Some(g) => format!("o.{}.{}", kind.as_str(), g.as_str()),
        None => format!("o.{}", kind.as_str()),
    }
}

/// The group of a department's officers.
pub fn officer_group(department: &str) -> String {
    format!("p.{department}")
}

/// The rules of a round as the frame states them (canonical JSON: sorted keys, no spaces).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundRules {
    pub assignment: String,
    pub plan: String,
    /// The plan's 抽查比例 applied to every stratum, rounded up.
    #[serde(with = "rust_decimal::serde::str")]
    pub ratio: Decimal,
    pub teams: u32,
    /// Departments in code order; a team has `per_department` officers of each.
    pub departments: Vec<String>,
    pub per_department: u32,
    /// Every candidate officer's avoidance units (USCCs), by person id.
    pub avoid: BTreeMap<String, BTreeSet<String>>,
}

impl RoundRules {
    /// A plan of one department sends pairs of its officers; a joint plan one of each.
    pub fn per_department_for(departments: usize) -> u32 {
        if departments == 1 {
            2
        } else {
            1
        }
    }

    pub fn to_text(&self) -> String {
        // serde_json with struct fields in declaration order and BTree maps is canonical.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// How many of `n` a ratio draws: ⌈ratio × n⌉, at least one of a non-empty stratum.
pub fn sample_size(ratio: Decimal, n: usize) -> u32 {
    if n == 0 {
        return 0;
    }
    let want = (ratio * Decimal::from(n as u64)).ceil();
    let want = u64::try_from(want).unwrap_or(n as u64).clamp(1, n as u64);
    u32::try_from(want).unwrap_or(u32::MAX)
}

/// Why a round cannot be framed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoundError {
    #[error("the plan's items and grades select no object")]
    NoObjects,
    #[error("department {department} has {available} officers; {needed} are needed")]
    TooFewOfficers {
        department: String,
        needed: u64,
        available: u64,
    },
}

/// The frame of a round: a group per stratum (count by the ratio, no reserves) and a group per
/// department (`teams × per_department` drawn, every other officer ranked as a reserve, called
/// when a drawn one must avoid an object).
pub fn frame(
    draw_id: &str,
    rules: &RoundRules,
    objects: &[Object],
    officers: &BTreeMap<String, Vec<String>>,
) -> Result<Frame, RoundError> {
    let mut strata: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for o in objects {
        strata
            .entry(stratum(o.kind, o.grade))
            .or_default()
            .push(o.candidate());
    }
    if strata.is_empty() {
        return Err(RoundError::NoObjects);
    }
    let mut groups = Vec::new();
    for (code, mut candidates) in strata {
        candidates.sort_unstable();
        candidates.dedup();
        groups.push(Group {
            count: sample_size(rules.ratio, candidates.len()),
            code,
            reserves: 0,
            candidates,
        });
    }
    for d in &rules.departments {
        let mut ids: Vec<String> = officers.get(d).cloned().unwrap_or_default();
        ids.sort_unstable();
        ids.dedup();
        let needed = u64::from(rules.teams) * u64::from(rules.per_department);
        if (ids.len() as u64) < needed {
            return Err(RoundError::TooFewOfficers {
                department: d.clone(),
                needed,
                available: ids.len() as u64,
            });
        }
        let count = u32::try_from(needed).unwrap_or(u32::MAX);
        groups.push(Group {
            code: officer_group(d),
            count,
            reserves: u32::try_from(ids.len()).unwrap_or(u32::MAX) - count,
            candidates: ids,
        });
    }
    groups.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(Frame {
        purpose: Purpose::Inspection,
        draw_id: draw_id.to_string(),
        rules: rules.to_text(),
        groups,
    })
}

/// A member of a task's team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = InspectionMember)]
pub struct Member {
    pub department: String,
    pub person: String,
}

/// A drawn officer who had to avoid the object, and the reserve who took the place (`None`:
/// the department had nobody left who may inspect it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = InspectionSubstitution)]
pub struct Substitution {
    pub department: String,
    pub out: String,
    pub called: Option<String>,
}

/// One drawn object and the team sent to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The object's candidate id (`kind:id@unit`).
    pub object: String,
    /// The stratum it was drawn in.
    pub stratum: String,
    /// Team number (0-based), before substitutions.
    pub team: u32,
    pub members: Vec<Member>,
    pub substitutions: Vec<Substitution>,
    /// At least two inspectors and every department of the plan present.
    pub staffed: bool,
}

/// The teams and their objects, deterministic in the rules and the draw's result
/// (docs/SUPERVISION.md §9): team `t` is the officers at positions `t·k … t·k+k−1` of each
/// department's draw order; the drawn objects, strata in code order and each in draw order, go
/// to teams in turn (object `j` to team `j mod teams`); a member whose avoidance units include
/// the object's unit gives way to the first reserve of the department, in draw order, who
/// need not avoid it and is not on the team already.
pub fn assign(rules: &RoundRules, result: &[Drawn]) -> Vec<Assignment> {
    let k = rules.per_department as usize;
    let by_group: BTreeMap<&str, &Drawn> = result.iter().map(|d| (d.group.as_str(), d)).collect();
    let avoids = |person: &str, unit: Option<&str>| {
        unit.is_some_and(|u| rules.avoid.get(person).is_some_and(|set| set.contains(u)))
    };
    let mut out = Vec::new();
    let objects = result
        .iter()
        .filter(|d| d.group.starts_with("o."))
        .flat_map(|d| d.drawn.iter().map(move |o| (d.group.as_str(), o.as_str())));
    for (j, (stratum, object)) in objects.enumerate() {
        let unit = parse_candidate(object).and_then(|(_, _, u)| u);
        let team = (j % rules.teams.max(1) as usize) as u32;
        let mut members = Vec::new();
        let mut substitutions = Vec::new();
        for d in &rules.departments {
            let Some(drawn) = by_group.get(officer_group(d).as_str()) else {
                continue;
            };
            let start = team as usize * k;
            let seats: Vec<&String> = drawn.drawn.iter().skip(start).take(k).collect();
            let mut mine: Vec<String> = Vec::new();
            for p in &seats {
                if !avoids(p, unit) {
                    mine.push((*p).clone());
                    continue;
                }
                let called = drawn
                    .reserves
                    .iter()
                    .find(|r| !avoids(r, unit) && !mine.contains(r) && !seats.contains(r))
                    .cloned();
                if let Some(r) = &called {
                    mine.push(r.clone());
                }
                substitutions.push(Substitution {
                    department: d.clone(),
                    out: (*p).clone(),
                    called,
                });
            }
            members.extend(mine.into_iter().map(|person| Member {
                department: d.clone(),
                person,
            }));
        }
        let present: BTreeSet<&str> = members.iter().map(|m| m.department.as_str()).collect();
        let staffed = members.len() >= 2 && present.len() == rules.departments.len();
        out.push(Assignment {
            object: object.to_string(),
            stratum: stratum.to_string(),
            team,
            members,
            substitutions,
            staffed,
        });
    }
    out
}

/// Where a round stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = InspectionRoundState)]
pub enum RoundState {
    /// Frame and commitment logged; waiting for the contribution (or its fallback).
    Committed,
    /// Drawn, revealed and assigned: the tasks exist.
    Drawn,
}

/// Where a joint task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = InspectionTaskState)]
pub enum TaskState {
    /// The team is sent; no results yet.
    Assigned,
    /// Results recorded; waiting for every member's signature (a change clears them).
    Recorded,
    /// Signed by the whole team and published (双随机一公开: 抽查结果公开).
    Published,
    /// No team could be formed free of the object (fewer than two inspectors, or a department
    /// with nobody who may inspect it): not inspected in this round.
    Unstaffed,
}

/// The finding on one check item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = InspectionOutcome)]
pub enum Outcome {
    Compliant,
    /// 发现问题: the basis of a case (`cases`, source `inspection`).
    NonCompliant,
    NotApplicable,
}

macro_rules! text_forms {
    ($($ty:ident { $($variant:ident => $text:literal),+ $(,)? })+) => {$(
        impl $ty {
            pub const fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$ty> {
                match s { $($text => Some($ty::$variant),)+ _ => None }
            }
        }
    )+};
}

text_forms! {
    RoundState { Committed => "committed", Drawn => "drawn" }
    TaskState {
        Assigned => "assigned",
        Recorded => "recorded",
        Published => "published",
        Unstaffed => "unstaffed",
    }
    Outcome {
        Compliant => "compliant",
        NonCompliant => "non_compliant",
        NotApplicable => "not_applicable",
    }
}

/// The finding on one check item of the task's checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = InspectionItemResult)]
pub struct ItemResult {
    /// The check item's code (检查项编码), one of the task's checklist.
    pub check: String,
    pub outcome: Outcome,
    /// What was found (0–2000 characters; required for a non-compliant item).
    #[serde(default)]
    pub note: String,
    /// SHA-256 (hex) of evidence files added to the task that support this finding.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// Problems with a task's results: every check item exactly once, in any order; a note for
/// every non-compliant finding; evidence only from the task's own files. `(field, code,
/// message)`, fields named `results[N].<field>`.
pub fn result_problems(
    checklist: &[String],
    evidence: &BTreeSet<String>,
    results: &[ItemResult],
) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, r) in results.iter().enumerate() {
        let f = |k: &str| format!("results[{i}].{k}");
        if !checklist.contains(&r.check) {
            out.push((
                f("check"),
                "unknown_check",
                "not an item of the task's checklist".into(),
            ));
        } else if !seen.insert(r.check.as_str()) {
            out.push((f("check"), "duplicate", "each check item once".into()));
        }
        if r.note.chars().count() > 2000 {
            out.push((f("note"), "too_long", "at most 2000 characters".into()));
        }
        if r.outcome == Outcome::NonCompliant && r.note.trim().is_empty() {
            out.push((f("note"), "required", "say what was found".into()));
        }
        for e in &r.evidence {
            if !evidence.contains(e) {
                out.push((
                    f("evidence"),
                    "unknown_evidence",
                    format!("{e}: add the file first"),
                ));
            }
        }
    }
    for c in checklist {
        if !seen.contains(c.as_str()) {
            out.push((
                "results".into(),
                "missing_check",
                format!("check item {c} has no result"),
            ));
        }
    }
    out
}

/// SHA-256 (hex) of the results as recorded: the visit day and the findings in checklist order.
pub fn results_digest(visited_on: chrono::NaiveDate, results: &[ItemResult]) -> String {
    let body = serde_json::json!({"visited_on": visited_on, "results": results});
    hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        body.to_string().as_bytes(),
    ))
}

/// What each inspector signs: the task, the object and the digest of the results.
pub fn result_statement(task: &str, object: &str, results_digest: &str) -> Vec<u8> {
    let msg = format!("{task}\n{object}\n{results_digest}");
    crate::domain::signed::labelled(crate::domain::signed::INSPECTION_RESULT, msg.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::draw::select;
    use proptest::prelude::*;

    fn rules(departments: &[&str], teams: u32, ratio: &str) -> RoundRules {
        RoundRules {
            assignment: ASSIGNMENT.into(),
            plan: "P-1".into(),
            ratio: ratio.parse().unwrap(),
            teams,
            departments: departments.iter().map(|d| d.to_string()).collect(),
            per_department: RoundRules::per_department_for(departments.len()),
            avoid: BTreeMap::new(),
        }
    }

    fn orgs(n: usize, grade: CreditGrade) -> Vec<Object> {
        (0..n)
            .map(|i| Object {
                kind: ObjectKind::Organisation,
                id: format!("91{grade:?}{i:016}"),
                unit: Some(format!("91{grade:?}{i:016}")),
                grade: Some(grade),
            })
            .collect()
    }

    fn officers(d: &str, n: usize) -> (String, Vec<String>) {
        (
            d.to_string(),
            (0..n).map(|i| format!("{d}-{i:03}")).collect(),
        )
    }

    #[test]
    fn sample_sizes_round_up_and_never_exceed_the_stratum() {
        let r: Decimal = "0.05".parse().unwrap();
        assert_eq!(sample_size(r, 0), 0);
        assert_eq!(sample_size(r, 1), 1);
        assert_eq!(sample_size(r, 20), 1);
        assert_eq!(sample_size(r, 21), 2);
        assert_eq!(sample_size(r, 25_000), 1_250);
        assert_eq!(sample_size(Decimal::ONE, 7), 7);
    }

    #[test]
    fn strata_are_drawn_at_the_ratio_and_teams_mix_departments() {
        let r = rules(&["jt", "zj"], 3, "0.1");
        let mut objects = orgs(40, CreditGrade::A);
        objects.extend(orgs(25, CreditGrade::D));
        let officers: BTreeMap<_, _> = [officers("zj", 5), officers("jt", 4)].into();
        let f = frame("d1", &r, &objects, &officers).unwrap();
        f.check().unwrap();
        assert!(f.shortfalls().is_empty());
        let codes: Vec<_> = f
            .groups
            .iter()
            .map(|g| (g.code.as_str(), g.count))
            .collect();
        assert_eq!(
            codes,
            [
                ("o.organisation.a", 4),
                ("o.organisation.d", 3),
                ("p.jt", 3),
                ("p.zj", 3)
            ]
        );
        let result = select(&f, &[7; 32]);
        let tasks = assign(&r, &result);
        assert_eq!(tasks.len(), 7);
        for (j, t) in tasks.iter().enumerate() {
            assert_eq!(t.team as usize, j % 3);
            assert!(t.staffed);
            let depts: Vec<_> = t.members.iter().map(|m| m.department.as_str()).collect();
            assert_eq!(depts, ["jt", "zj"]);
        }
    }

    #[test]
    fn a_member_tied_to_the_object_gives_way_to_the_first_reserve_free_of_it() {
        let mut r = rules(&["zj"], 1, "1");
        let objects = orgs(1, CreditGrade::B);
        let unit = objects[0].unit.clone().unwrap();
        let officers: BTreeMap<_, _> = [officers("zj", 4)].into();
        let f = frame("d2", &r, &objects, &officers).unwrap();
        let result = select(&f, &[1; 32]);
        let insp = result.iter().find(|d| d.group == "p.zj").unwrap();
        // The first drawn and the first reserve both avoid the object: the second reserve comes.
        r.avoid.insert(insp.drawn[0].clone(), [unit.clone()].into());
        r.avoid.insert(insp.reserves[0].clone(), [unit].into());
        let t = &assign(&r, &result)[0];
        assert!(t.staffed);
        let people: Vec<_> = t.members.iter().map(|m| m.person.clone()).collect();
        assert_eq!(people, [insp.reserves[1].clone(), insp.drawn[1].clone()]);
        assert_eq!(
            t.substitutions,
            [Substitution {
                department: "zj".into(),
                out: insp.drawn[0].clone(),
                called: Some(insp.reserves[1].clone()),
            }]
        );
    }

    #[test]
    fn a_department_with_nobody_free_of_the_object_leaves_the_task_unstaffed() {
        let mut r = rules(&["jt", "zj"], 1, "1");
        let objects = orgs(1, CreditGrade::C);
        let unit = objects[0].unit.clone().unwrap();
        let officers: BTreeMap<_, _> = [officers("zj", 1), officers("jt", 2)].into();
        r.avoid.insert("zj-000".into(), [unit].into());
        let f = frame("d3", &r, &objects, &officers).unwrap();
        let t = &assign(&r, &select(&f, &[2; 32]))[0];
        assert!(!t.staffed);
        assert_eq!(t.members.len(), 1);
        assert_eq!(t.substitutions[0].called, None);
    }

    #[test]
    fn too_few_officers_or_no_objects_is_refused_before_any_commitment() {
        let r = rules(&["zj"], 3, "0.5");
        let officers: BTreeMap<_, _> = [officers("zj", 5)].into();
        assert_eq!(
            frame("d4", &r, &orgs(3, CreditGrade::A), &officers),
            Err(RoundError::TooFewOfficers {
                department: "zj".into(),
                needed: 6,
                available: 5
            })
        );
        assert_eq!(frame("d4", &r, &[], &officers), Err(RoundError::NoObjects));
    }

    #[test]
    fn candidates_carry_their_unit() {
        let o = Object {
            kind: ObjectKind::Expert,
            id: "e-1".into(),
            unit: None,
            grade: Some(CreditGrade::B),
        };
        assert_eq!(o.candidate(), "expert:e-1@-");
        assert_eq!(
            parse_candidate("tender:t@1@91X"),
            Some((ObjectKind::Tender, "t@1", Some("91X")))
        );
        assert_eq!(
            parse_candidate("expert:e-1@-"),
            Some((ObjectKind::Expert, "e-1", None))
        );
    }

    proptest! {
        /// Nobody inspects an object of a unit they avoid; every stratum gives its exact
        /// count; the assignment replays identically.
        #[test]
        fn nobody_inspects_what_they_avoid(seed in any::<[u8; 32]>(), n in 1usize..60,
                                           ties in proptest::collection::vec(0usize..60, 0..40)) {
            let mut r = rules(&["gg", "zj"], 2, "0.2");
            let objects = orgs(n, CreditGrade::B);
            let officers: BTreeMap<_, _> = [officers("zj", 6), officers("gg", 5)].into();
            for (i, t) in ties.iter().enumerate() {
                let person = if i % 2 == 0 { format!("zj-{:03}", i % 6) }
                    else { format!("gg-{:03}", i % 5) };
                let unit = objects[t % n].unit.clone().unwrap();
                r.avoid.entry(person).or_default().insert(unit);
            }
            let f = frame("p", &r, &objects, &officers).unwrap();
            let result = select(&f, &seed);
            let tasks = assign(&r, &result);
            prop_assert_eq!(tasks.len() as u32, sample_size(r.ratio, n));
            for t in &tasks {
                let unit = parse_candidate(&t.object).and_then(|(_, _, u)| u).unwrap();
                for m in &t.members {
                    prop_assert!(!r.avoid.get(&m.person).is_some_and(|s| s.contains(unit)));
                }
            }
            prop_assert_eq!(assign(&r, &result), tasks);
        }
    }
}
