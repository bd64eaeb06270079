//! The expert library (评标专家库) and tenderers' award-committee pools (定标委员库): the
//! specialty classification, who may be admitted, when a member may be drawn, and the checks on
//! what an expert keeps up to date themselves (contact data, 回避单位).
//!
//! The classification is data, not code (`assets/expert-specialties.json`, replaceable through
//! `experts.classification_file`): class `A` 工程, then three levels whose codes extend their
//! parent's by two digits (`A08` 工程施工 → `A0801` 建筑工程 → `A080101` …). Experts register
//! level-3 specialties; a draw may ask for a level-3 code or a level-2 code, which takes every
//! level-3 specialty under it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The classification shipped with the binary.
pub const SHIPPED_CLASSIFICATION: &str = include_str!("../../assets/expert-specialties.json");

/// Most specialties one expert registers (practice: up to three majors, with sub-fields).
pub const MAX_SPECIALTIES: usize = 10;
/// Most units on one expert's avoidance list.
pub const MAX_AVOID_UNITS: usize = 50;

/// One entry of the classification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Specialty {
    pub code: String,
    pub name: String,
}

#[derive(Deserialize)]
struct ClassificationFile {
    specialties: Vec<Specialty>,
}

/// The specialty classification, validated: every code's parent is present.
#[derive(Clone, Debug)]
pub struct Classification {
    by_code: BTreeMap<String, String>,
}

/// Levels below a class: 1 (`A08`), 2 (`A0801`), 3 (`A080101`); 0 is the class itself.
pub fn level(code: &str) -> Option<u8> {
    let (class, digits) = code.split_at_checked(1)?;
    if !class.chars().all(|c| c.is_ascii_uppercase()) || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    match digits.len() {
        0 => Some(0),
        2 => Some(1),
        4 => Some(2),
        6 => Some(3),
        _ => None,
    }
}

fn parent(code: &str) -> Option<&str> {
    match level(code)? {
        0 => None,
        l => code.get(..1 + 2 * (usize::from(l) - 1)),
    }
}

impl Classification {
    /// Parses and checks a classification file (JSON `{"specialties": [{code, name}…]}`).
    pub fn parse(json: &str) -> Result<Classification, String> {
        let file: ClassificationFile =
            serde_json::from_str(json).map_err(|e| format!("not a classification file: {e}"))?;
        let mut by_code = BTreeMap::new();
        for s in &file.specialties {
            if level(&s.code).is_none() {
                return Err(format!("{:?} is not a specialty code", s.code));
            }
            if s.name.trim().is_empty() {
                return Err(format!("{} has no name", s.code));
            }
            if by_code.insert(s.code.clone(), s.name.clone()).is_some() {
                return Err(format!("{} is listed twice", s.code));
            }
        }
        for code in by_code.keys() {
            if let Some(p) = parent(code) {
                if !by_code.contains_key(p) {
                    return Err(format!("{code} has no parent {p}"));
                }
            }
        }
        if !by_code.keys().any(|c| level(c) == Some(3)) {
            return Err("no level-3 specialty".into());
        }
        Ok(Classification { by_code })
    }

    pub fn shipped() -> Classification {
        Classification::parse(SHIPPED_CLASSIFICATION)
            .unwrap_or_else(|e| panic!("assets/expert-specialties.json: {e}"))
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.by_code.get(code).map(String::as_str)
    }

    /// A code an expert may register: a known level-3 specialty.
    pub fn is_registrable(&self, code: &str) -> bool {
        level(code) == Some(3) && self.by_code.contains_key(code)
    }

    /// A code a draw may ask for: a known level-2 or level-3 specialty.
    pub fn is_drawable(&self, code: &str) -> bool {
        matches!(level(code), Some(2 | 3)) && self.by_code.contains_key(code)
    }

    /// Every entry, in code order.
    pub fn entries(&self) -> Vec<Specialty> {
        self.by_code
            .iter()
            .map(|(code, name)| Specialty {
                code: code.clone(),
                name: name.clone(),
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }
}

/// Which library a member belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Library {
    /// The trading centre's 评标专家库.
    Experts,
    /// A tenderer's own 定标委员库.
    AwardPool { tenderer: String },
}

impl Library {
    /// The stored form: `experts`, or `award:<tenderer organisation id>`.
    pub fn key(&self) -> String {
        match self {
            Library::Experts => "experts".into(),
            Library::AwardPool { tenderer } => format!("award:{tenderer}"),
        }
    }

    pub fn parse(key: &str) -> Option<Library> {
        match key {
            "experts" => Some(Library::Experts),
            _ => key
                .strip_prefix("award:")
                .filter(|t| !t.is_empty())
                .map(|t| Library::AwardPool {
                    tenderer: t.to_string(),
                }),
        }
    }
}

/// A member's standing, set at admission and by regulators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Active,
    /// 暂停: not drawn until the end date.
    Suspended,
    /// 禁入 (e.g. 条例71/72 penalties): not drawn until the end date, if any.
    Banned,
}

impl MemberStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Active => "active",
            MemberStatus::Suspended => "suspended",
            MemberStatus::Banned => "banned",
        }
    }

    pub fn parse(s: &str) -> Option<MemberStatus> {
        [
            MemberStatus::Active,
            MemberStatus::Suspended,
            MemberStatus::Banned,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }
}

/// Whether a member with this standing may be drawn at `now`: active, or a suspension or ban
/// whose end date has passed.
pub fn drawable(status: MemberStatus, until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    match status {
        MemberStatus::Active => true,
        MemberStatus::Suspended | MemberStatus::Banned => until.is_some_and(|u| u <= now),
    }
}

/// What a regulator may set: a suspension needs an end date; a ban may have one; either needs a
/// reason; reinstating needs a reason too.
pub fn check_status_change(
    status: MemberStatus,
    until: Option<DateTime<Utc>>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), (&'static str, &'static str)> {
    if reason.trim().is_empty() || reason.chars().count() > 500 {
        return Err(("reason", "a reason of 1 to 500 characters is required"));
    }
    match (status, until) {
        (MemberStatus::Suspended, None) => Err(("until", "a suspension needs an end date")),
        (MemberStatus::Active, Some(_)) => Err(("until", "reinstating takes no end date")),
        (_, Some(u)) if u <= now => Err(("until", "the end date must be in the future")),
        _ => Ok(()),
    }
}

/// Admission rules of the centre's library (the Sichuan criteria as default: ≥ 8 years in the
/// field and a senior title); award pools take the tenderer's own people as they are.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdmissionRules {
    pub min_practice_years: u32,
    pub require_senior_title: bool,
}

impl Default for AdmissionRules {
    fn default() -> Self {
        AdmissionRules {
            min_practice_years: 8,
            require_senior_title: true,
        }
    }
}

impl AdmissionRules {
    /// Why an applicant does not qualify, if they do not.
    pub fn refusal(&self, practice_years: u32, senior_title: bool) -> Option<String> {
        if practice_years < self.min_practice_years {
            return Some(format!(
                "the expert library admits {} or more years of practice",
                self.min_practice_years
            ));
        }
        if self.require_senior_title && !senior_title {
            return Some("the expert library admits holders of a senior title (高级职称)".into());
        }
        None
    }
}

/// Where the experts of a draw may come from (远程异地评标 draws from other regions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegionMode {
    #[default]
    Any,
    /// Only experts of the named region.
    Local,
    /// Only experts outside the named region.
    Elsewhere,
}

/// What a draw excludes, fixed before the frame is frozen.
#[derive(Clone, Debug, Default)]
pub struct Exclusions {
    /// USCCs of the units to avoid: the tenderer, the agent, the bidders once known, and the
    /// requester's own additions. A candidate employed by one is out.
    pub units: std::collections::BTreeSet<String>,
    /// Members whose avoidance list names one of `units`.
    pub avoiding: std::collections::BTreeSet<String>,
    /// Members seated for the same tenderer within the recent-draw window.
    pub recently_seated: std::collections::BTreeSet<String>,
    pub region_mode: RegionMode,
    pub region: Option<String>,
    /// 条例46: the tender's supervising department, when its experts are excluded. A
    /// candidate working for it is out.
    pub department: Option<String>,
}

/// One candidate as a draw sees it.
#[derive(Clone, Debug)]
pub struct Candidate<'a> {
    pub member: &'a str,
    pub region: &'a str,
    pub employer_uscc: Option<&'a str>,
    pub status: MemberStatus,
    pub status_until: Option<DateTime<Utc>>,
    /// The supervising department it works for, if any.
    pub department: Option<&'a str>,
}

/// Whether a candidate may enter a draw's frame at `now`: drawable standing, not avoiding and
/// not employed by an avoided unit, not recently seated for the tenderer, inside the region
/// rule, not of the tender's supervising department when that is excluded.
pub fn eligible(c: &Candidate<'_>, x: &Exclusions, now: DateTime<Utc>) -> bool {
    drawable(c.status, c.status_until, now)
        && !x.avoiding.contains(c.member)
        && !x.recently_seated.contains(c.member)
        && c.employer_uscc.is_none_or(|u| !x.units.contains(u))
        && (x.department.is_none() || c.department != x.department.as_deref())
        && match (x.region_mode, x.region.as_deref()) {
            (RegionMode::Local, Some(r)) => c.region == r,
            (RegionMode::Elsewhere, Some(r)) => c.region != r,
            _ => true,
        }
}

/// A department code of the registry: 1 to 64 of `[A-Za-z0-9._-]`.
pub fn is_department_code(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A six-digit administrative division code (GB/T 2260), e.g. `429005` 潜江市.
pub fn is_region_code(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// A phone number as people write them: digits, with an optional leading `+` and `-` or spaces
/// between groups, 7 to 15 digits.
pub fn is_phone(s: &str) -> bool {
    let body = s.strip_prefix('+').unwrap_or(s);
    let digits = body.bytes().filter(u8::is_ascii_digit).count();
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b' ')
        && body.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && (7..=15).contains(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_shipped_classification_parses_and_nests() {
        let c = Classification::shipped();
        assert!(c.len() > 1000, "{}", c.len());
        assert_eq!(c.name("A08"), Some("工程施工"));
        assert_eq!(c.name("A0801"), Some("建筑工程"));
        assert!(c.is_registrable("A080101"));
        assert!(!c.is_registrable("A0801"), "level 2 is not registrable");
        assert!(c.is_drawable("A0801"));
        assert!(!c.is_drawable("A08"));
        assert!(!c.is_drawable("Z999999"));
        for e in c.entries() {
            if let Some(p) = parent(&e.code) {
                assert!(c.name(p).is_some(), "{} has no parent", e.code);
            }
        }
    }

    #[test]
    fn bad_classifications_are_named() {
        let one = |list: &str| Classification::parse(&format!(r#"{{"specialties":[{list}]}}"#));
        let a = r#"{"code":"A","name":"工程"}"#;
        let a08 = r#"{"code":"A08","name":"施工"}"#;
        let a0801 = r#"{"code":"A0801","name":"建筑"}"#;
        let leaf = r#"{"code":"A080101","name":"房建"}"#;
        assert!(one(&[a, a08, a0801, leaf].join(",")).is_ok());
        assert!(one(&[a, a0801, leaf].join(","))
            .unwrap_err()
            .contains("A0801 has no parent A08"));
        assert!(one(&[a, a08, a0801].join(","))
            .unwrap_err()
            .contains("no level-3"));
        assert!(one(&[a, a08, a0801, leaf, leaf].join(","))
            .unwrap_err()
            .contains("twice"));
        assert!(one(r#"{"code":"A8","name":"x"}"#)
            .unwrap_err()
            .contains("not a specialty code"));
        assert!(Classification::parse("[]").is_err());
    }

    #[test]
    fn levels_and_parents() {
        assert_eq!(level("A"), Some(0));
        assert_eq!(level("A08"), Some(1));
        assert_eq!(level("A0801"), Some(2));
        assert_eq!(level("A080101"), Some(3));
        for bad in ["", "a08", "A8", "A08010", "A0801011", "A08x1", "08"] {
            assert_eq!(level(bad), None, "{bad}");
        }
        assert_eq!(parent("A080101"), Some("A0801"));
        assert_eq!(parent("A0801"), Some("A08"));
        assert_eq!(parent("A08"), Some("A"));
        assert_eq!(parent("A"), None);
    }

    #[test]
    fn libraries_round_trip() {
        for l in [
            Library::Experts,
            Library::AwardPool {
                tenderer: "org-1".into(),
            },
        ] {
            assert_eq!(Library::parse(&l.key()), Some(l));
        }
        assert_eq!(Library::parse("award:"), None);
        assert_eq!(Library::parse("other"), None);
    }

    #[test]
    fn suspended_and_banned_members_are_not_drawn_until_the_end_date() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let later = now + chrono::Duration::days(30);
        assert!(drawable(MemberStatus::Active, None, now));
        assert!(!drawable(MemberStatus::Suspended, Some(later), now));
        assert!(drawable(MemberStatus::Suspended, Some(later), later));
        assert!(!drawable(MemberStatus::Banned, None, later));
        assert!(!drawable(MemberStatus::Banned, Some(later), now));
        assert!(drawable(MemberStatus::Banned, Some(now), now));
    }

    #[test]
    fn status_changes_need_a_reason_and_a_sensible_end() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let later = Some(now + chrono::Duration::days(30));
        let ok = |s, u, r| check_status_change(s, u, r, now);
        assert_eq!(ok(MemberStatus::Suspended, later, "条例71"), Ok(()));
        assert_eq!(ok(MemberStatus::Banned, None, "条例72"), Ok(()));
        assert_eq!(ok(MemberStatus::Active, None, "复核撤销"), Ok(()));
        assert_eq!(
            ok(MemberStatus::Suspended, None, "x").unwrap_err().0,
            "until"
        );
        assert_eq!(
            ok(MemberStatus::Suspended, later, " ").unwrap_err().0,
            "reason"
        );
        assert_eq!(ok(MemberStatus::Active, later, "x").unwrap_err().0, "until");
        assert_eq!(
            ok(MemberStatus::Banned, Some(now), "x").unwrap_err().0,
            "until"
        );
    }

    #[test]
    fn admission_rules() {
        let r = AdmissionRules::default();
        assert_eq!(r.refusal(8, true), None);
        assert!(r.refusal(7, true).unwrap().contains("8 or more"));
        assert!(r.refusal(20, false).unwrap().contains("senior title"));
    }

    proptest::proptest! {
        /// Excluded, banned, suspended, avoiding, employed-by-avoided and recently seated
        /// candidates are never eligible; a candidate with none of those is.
        #[test]
        fn eligibility_excludes_exactly_what_it_should(
            status in 0u8..3,
            ended in proptest::bool::ANY,
            avoiding in proptest::bool::ANY,
            recent in proptest::bool::ANY,
            employed_by_avoided in proptest::bool::ANY,
            region_mode in 0u8..3,
            same_region in proptest::bool::ANY,
            department in 0u8..3,
            excluding_department in proptest::bool::ANY,
        ) {
            let now = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
            let status = [MemberStatus::Active, MemberStatus::Suspended, MemberStatus::Banned]
                [status as usize];
            let until = if ended { now - chrono::Duration::days(1) }
                else { now + chrono::Duration::days(1) };
            let mut x = Exclusions {
                region_mode: [RegionMode::Any, RegionMode::Local, RegionMode::Elsewhere]
                    [region_mode as usize],
                region: Some("429005".into()),
                department: excluding_department.then(|| "429005-zjj".to_string()),
                ..Exclusions::default()
            };
            x.units.insert("U1".into());
            if avoiding { x.avoiding.insert("m".into()); }
            if recent { x.recently_seated.insert("m".into()); }
            let c = Candidate {
                member: "m",
                region: if same_region { "429005" } else { "420100" },
                employer_uscc: Some(if employed_by_avoided { "U1" } else { "U2" }),
                status,
                status_until: Some(until),
                department: [None, Some("429005-zjj"), Some("429005-slj")][department as usize],
            };
            let standing_ok = status == MemberStatus::Active || ended;
            let region_ok = match x.region_mode {
                RegionMode::Any => true,
                RegionMode::Local => same_region,
                RegionMode::Elsewhere => !same_region,
            };
            let of_supervisor = excluding_department && department == 1;
            let expected = standing_ok && !avoiding && !recent && !employed_by_avoided
                && region_ok && !of_supervisor;
            proptest::prop_assert_eq!(eligible(&c, &x, now), expected);
        }
    }

    #[test]
    fn regions_and_phones() {
        assert!(is_region_code("429005"));
        assert!(!is_region_code("42900"));
        assert!(!is_region_code("029005"));
        assert!(is_phone("13800138000"));
        assert!(is_phone("+86 138-0013-8000"));
        assert!(is_phone("0728-6201234"));
        assert!(!is_phone("12345"));
        assert!(!is_phone("call me"));
        assert!(!is_phone("+"));
    }

    #[test]
    fn department_codes() {
        assert!(is_department_code("429005-zjj"));
        assert!(is_department_code("HB.SLT_1"));
        assert!(!is_department_code(""));
        assert!(!is_department_code("住建局"));
        assert!(!is_department_code(&"a".repeat(65)));
    }
}
