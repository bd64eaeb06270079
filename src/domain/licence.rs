//! 免证明: an organisation's licences as the licence registry states them (资质证书,
//! 安全生产许可证, registered staff), what a section requires of them, and the verdict on each
//! requirement (docs/LICENCES.md). Pure: the registry's record comes in as a value, the bid
//! deadline as an instant; the adapter (`crate::registry`) and the use-cases do the I/O.
//!
//! The expiry rule: a licence is valid through the whole of its `valid_until` day in China
//! time, so it counts at the bid deadline only if that day is on or after the deadline's day
//! (Asia/Shanghai). A licence that lapsed before the deadline fails even if renewed later: the
//! bidder had to be qualified when it bid (条例51(三)); the registry's current record shows the
//! renewal as a new certificate with its own dates.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::evaluation::rejection::{OpenedBid, Rejection, RejectionReason};
use super::schedule::LEGAL_TZ;

/// 资质等级, highest first.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[schema(as = LicenceGrade)]
pub enum Grade {
    #[serde(rename = "特级")]
    Special,
    #[serde(rename = "一级")]
    First,
    #[serde(rename = "二级")]
    Second,
    #[serde(rename = "三级")]
    Third,
}

impl Grade {
    /// Whether this grade is `min` or higher (特级 is the highest).
    pub fn meets(self, min: Grade) -> bool {
        self <= min
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Special => "特级",
            Grade::First => "一级",
            Grade::Second => "二级",
            Grade::Third => "三级",
        }
    }
}

/// A registered person's level (一级/二级注册建造师), highest first.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[schema(as = LicenceStaffLevel)]
pub enum StaffLevel {
    #[serde(rename = "一级")]
    First,
    #[serde(rename = "二级")]
    Second,
}

impl StaffLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffLevel::First => "一级",
            StaffLevel::Second => "二级",
        }
    }
}

/// What the registry says of a certificate beyond its dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    Valid,
    Suspended,
    Revoked,
}

/// 资质证书: one class and speciality at one grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = LicenceQualification)]
pub struct Qualification {
    pub number: String,
    /// 施工总承包, 专业承包, …
    pub class: String,
    /// 建筑工程, 市政公用工程, …
    pub speciality: String,
    pub grade: Grade,
    pub valid_until: NaiveDate,
    pub status: LicenceStatus,
}

/// 安全生产许可证.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SafetyPermit {
    pub number: String,
    pub valid_until: NaiveDate,
    pub status: LicenceStatus,
}

/// A registered person of the organisation (注册建造师 and the like).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisteredStaff {
    pub name: String,
    pub certificate_number: String,
    /// 注册建造师, 注册造价工程师, …
    pub title: String,
    pub level: StaffLevel,
    pub speciality: String,
    pub valid_until: NaiveDate,
    pub status: LicenceStatus,
}

/// The registry's record of one organisation: the body it signs (docs/LICENCES.md §2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistryRecord {
    pub uscc: String,
    pub name: String,
    /// When the registry produced this answer (its clock, informative only).
    pub issued_at: DateTime<Utc>,
    #[serde(default)]
    pub qualifications: Vec<Qualification>,
    #[serde(default)]
    pub safety_permits: Vec<SafetyPermit>,
    #[serde(default)]
    pub registered_staff: Vec<RegisteredStaff>,
}

/// How one fetch from the registry ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = LicenceFetchOutcome)]
pub enum FetchOutcome {
    /// A signed record that verified: it becomes the organisation's cached record.
    Ok,
    /// The registry answered that it lists no organisation with this USCC.
    NotListed,
    /// No connection, or the registry answered with a server error.
    Unreachable,
    /// No answer within the configured timeout.
    Timeout,
    /// An answer that is not a record (bad JSON, wrong shape, another USCC).
    Garbage,
    /// A record whose signature is missing or does not verify with the trusted key: refused.
    BadSignature,
    /// The registry refused the request (4xx other than 404: credentials, rate).
    Refused,
    /// No registry is configured on this node.
    NotConfigured,
}

impl FetchOutcome {
    pub const ALL: [FetchOutcome; 8] = [
        FetchOutcome::Ok,
        FetchOutcome::NotListed,
        FetchOutcome::Unreachable,
        FetchOutcome::Timeout,
        FetchOutcome::Garbage,
        FetchOutcome::BadSignature,
        FetchOutcome::Refused,
        FetchOutcome::NotConfigured,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FetchOutcome::Ok => "ok",
            FetchOutcome::NotListed => "not_listed",
            FetchOutcome::Unreachable => "unreachable",
            FetchOutcome::Timeout => "timeout",
            FetchOutcome::Garbage => "garbage",
            FetchOutcome::BadSignature => "bad_signature",
            FetchOutcome::Refused => "refused",
            FetchOutcome::NotConfigured => "not_configured",
        }
    }

    pub fn parse(s: &str) -> Option<FetchOutcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Whether a failure of this kind is worth another try within the same fetch.
    pub fn retryable(self) -> bool {
        matches!(self, FetchOutcome::Unreachable | FetchOutcome::Timeout)
    }
}

/// One required 资质: class and speciality at `min_grade` or higher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationRequirement {
    pub class: String,
    pub speciality: String,
    pub min_grade: Grade,
}

/// A registered project manager (项目经理: 注册建造师 of the speciality, `min_level` or higher).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagerRequirement {
    pub speciality: String,
    pub min_level: StaffLevel,
}

/// The title a project manager must be registered under.
pub const MANAGER_TITLE: &str = "注册建造师";

/// A section's licence requirements in structured form, checked against the registry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenceRequirements {
    #[serde(default)]
    pub qualifications: Vec<QualificationRequirement>,
    /// A valid 安全生产许可证 is required.
    #[serde(default)]
    pub safety_permit: bool,
    #[serde(default)]
    pub project_manager: Option<ManagerRequirement>,
}

impl LicenceRequirements {
    pub fn is_empty(&self) -> bool {
        self.qualifications.is_empty() && !self.safety_permit && self.project_manager.is_none()
    }

    /// `(field, why)` for each blank name, relative to the requirements.
    pub fn problems(&self) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        for (i, q) in self.qualifications.iter().enumerate() {
            if q.class.trim().is_empty() {
                out.push((format!("qualifications[{i}].class"), "must not be blank"));
            }
            if q.speciality.trim().is_empty() {
                out.push((
                    format!("qualifications[{i}].speciality"),
                    "must not be blank",
                ));
            }
        }
        if let Some(m) = &self.project_manager {
            if m.speciality.trim().is_empty() {
                out.push(("project_manager.speciality".into(), "must not be blank"));
            }
        }
        out
    }
}

/// Whether one requirement is met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = LicenceVerdict)]
pub enum Verdict {
    Met,
    NotMet,
    /// No record to judge by (the registry unreachable and nothing cached): never a pass.
    Unknown,
}

/// The verdict on one requirement, naming the certificate it rests on and why it failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequirementVerdict {
    /// The requirement in words (e.g. `建筑工程施工总承包二级及以上`).
    pub requirement: String,
    pub verdict: Verdict,
    /// The certificate number that meets it, or the one whose failure is the reason.
    pub certificate: Option<String>,
    /// That certificate's last valid day: with `certificate`, what the verdict's expiry part
    /// rests on, so a frozen verdict can be re-checked from the log alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    pub reason: Option<String>,
}

/// The deadline's calendar day in China time: licences are valid through their last day.
pub fn deadline_day(deadline: DateTime<Utc>) -> NaiveDate {
    deadline.with_timezone(&LEGAL_TZ).date_naive()
}

/// A certificate's standing at the deadline: `None` when it counts, else why not.
fn standing(
    what: &str,
    number: &str,
    status: LicenceStatus,
    valid_until: NaiveDate,
    day: NaiveDate,
) -> Option<String> {
    match status {
        LicenceStatus::Suspended => return Some(format!("{what} {number} is suspended")),
        LicenceStatus::Revoked => return Some(format!("{what} {number} is revoked")),
        LicenceStatus::Valid => {}
    }
    (valid_until < day).then(|| {
        format!("{what} {number} expired on {valid_until}, before the bid deadline ({day})")
    })
}

/// The verdict on each requirement of `req` by `record` at the bid `deadline`; with no record,
/// every requirement is `unknown`.
pub fn judge(
    req: &LicenceRequirements,
    record: Option<&RegistryRecord>,
    deadline: DateTime<Utc>,
) -> Vec<RequirementVerdict> {
    let day = deadline_day(deadline);
    let mut out = Vec::new();
    for q in &req.qualifications {
        let text = format!("{}{}{}及以上", q.speciality, q.class, q.min_grade.as_str());
        let found = record.map(|r| {
            let matching: Vec<&Qualification> = r
                .qualifications
                .iter()
                .filter(|c| c.class == q.class && c.speciality == q.speciality)
                .collect();
            pick(
                matching.iter().map(|c| {
                    let why = if !c.grade.meets(q.min_grade) {
                        Some(format!(
                            "资质证书 {} is {}, below the required {}",
                            c.number,
                            c.grade.as_str(),
                            q.min_grade.as_str()
                        ))
                    } else {
                        standing("资质证书", &c.number, c.status, c.valid_until, day)
                    };
                    ((c.number.clone(), c.valid_until), why)
                }),
                format!("no 资质证书 of {}{} in the registry", q.speciality, q.class),
            )
        });
        out.push(verdict(text, found));
    }
    if req.safety_permit {
        let found = record.map(|r| {
            pick(
                r.safety_permits.iter().map(|p| {
                    let why = standing("安全生产许可证", &p.number, p.status, p.valid_until, day);
                    ((p.number.clone(), p.valid_until), why)
                }),
                "no 安全生产许可证 in the registry".to_string(),
            )
        });
        out.push(verdict("安全生产许可证".to_string(), found));
    }
    if let Some(m) = &req.project_manager {
        let text = format!(
            "项目经理：{}{}{}及以上",
            m.speciality,
            MANAGER_TITLE,
            m.min_level.as_str()
        );
        let found = record.map(|r| {
            let matching = r
                .registered_staff
                .iter()
                .filter(|s| s.title == MANAGER_TITLE && s.speciality == m.speciality);
            pick(
                matching.map(|s| {
                    let why = if s.level > m.min_level {
                        Some(format!(
                            "{} {} is {}, below the required {}",
                            MANAGER_TITLE,
                            s.certificate_number,
                            s.level.as_str(),
                            m.min_level.as_str()
                        ))
                    } else {
                        standing(
                            MANAGER_TITLE,
                            &s.certificate_number,
                            s.status,
                            s.valid_until,
                            day,
                        )
                    };
                    ((s.certificate_number.clone(), s.valid_until), why)
                }),
                format!("no {}{} in the registry", m.speciality, MANAGER_TITLE),
            )
        });
        out.push(verdict(text, found));
    }
    out
}

/// The first candidate that counts; else the first one's reason; else `none`.
fn pick(
    candidates: impl Iterator<Item = (Cert, Option<String>)>,
    none: String,
) -> Result<Cert, (Option<Cert>, String)> {
    let mut first_failure = None;
    for (cert, why) in candidates {
        match why {
            None => return Ok(cert),
            Some(why) if first_failure.is_none() => first_failure = Some((Some(cert), why)),
            Some(_) => {}
        }
    }
    Err(first_failure.unwrap_or((None, none)))
}

/// A certificate a verdict rests on: its number and last valid day.
type Cert = (String, NaiveDate);

fn verdict(
    requirement: String,
    found: Option<Result<Cert, (Option<Cert>, String)>>,
) -> RequirementVerdict {
    let (verdict, cert, reason) = match found {
        None => (
            Verdict::Unknown,
            None,
            Some("the registry's record is unavailable".to_string()),
        ),
        Some(Ok(cert)) => (Verdict::Met, Some(cert), None),
        Some(Err((cert, why))) => (Verdict::NotMet, cert, Some(why)),
    };
    let (certificate, valid_until) = cert.map_or((None, None), |(n, d)| (Some(n), Some(d)));
    RequirementVerdict {
        requirement,
        verdict,
        certificate,
        valid_until,
        reason,
    }
}

/// The bid's overall verdict: not met if any is, else unknown if any is, else met.
pub fn overall(verdicts: &[RequirementVerdict]) -> Verdict {
    if verdicts.iter().any(|v| v.verdict == Verdict::NotMet) {
        Verdict::NotMet
    } else if verdicts.iter().any(|v| v.verdict == Verdict::Unknown) {
        Verdict::Unknown
    } else {
        Verdict::Met
    }
}

/// How the platform holds an organisation's record when it is read or frozen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = LicenceFactsState)]
pub enum FactsState {
    /// The newest attempt succeeded: the record is the registry's current answer.
    Current,
    /// The newest attempt failed: the record shown is the last good one, `age_seconds` old.
    Stale,
    /// No good answer was ever stored: nothing is known (never a pass).
    Unavailable,
}

/// What a bid's frozen licence verdicts mean for its qualification (docs/LICENCES.md §9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = LicenceStanding)]
pub enum Standing {
    /// Every requirement met: nothing automatic; the committee's checklist still applies.
    Met,
    /// A requirement not met by the registry's record: the bid fails qualification
    /// automatically (条例51(三)) and is not reviewed.
    NotMet,
    /// No record to judge by: neither a pass nor a rejection; the members decide on evidence.
    Unverified,
}

impl Standing {
    pub fn of(overall: Verdict) -> Standing {
        match overall {
            Verdict::Met => Standing::Met,
            Verdict::NotMet => Standing::NotMet,
            Verdict::Unknown => Standing::Unverified,
        }
    }
}

/// One opened bid's licence verdicts as frozen into the evaluation when the committee's
/// review starts: judged at the bid deadline from the record the platform held then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = FrozenLicenceVerdicts)]
pub struct FrozenBid {
    pub bid: String,
    /// The bidder's USCC.
    pub bidder: String,
    pub state: FactsState,
    /// The `licence_fetches` row (and `licences_fetched` entry) of the record judged.
    pub fetch_id: Option<String>,
    /// SHA-256 (hex) of the registry's signed answer judged.
    pub digest: Option<String>,
    pub fetched_at: Option<DateTime<Utc>>,
    /// How old that record was at the freeze.
    pub age_seconds: Option<i64>,
    pub verdicts: Vec<RequirementVerdict>,
    pub overall: Verdict,
    pub standing: Standing,
}

impl FrozenBid {
    /// The bid's frozen verdicts from the record held (`None`: unavailable).
    pub fn judge(
        bid: &str,
        bidder: &str,
        req: &LicenceRequirements,
        held: Option<(&RegistryRecord, HeldRecord)>,
        state: FactsState,
        deadline: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> FrozenBid {
        let verdicts = judge(req, held.as_ref().map(|(r, _)| *r), deadline);
        let overall = overall(&verdicts);
        let held = held.map(|(_, h)| h);
        FrozenBid {
            bid: bid.to_string(),
            bidder: bidder.to_string(),
            state,
            fetch_id: held.as_ref().map(|h| h.fetch_id.clone()),
            digest: held.as_ref().map(|h| h.digest.clone()),
            fetched_at: held.as_ref().map(|h| h.fetched_at),
            age_seconds: held.as_ref().map(|h| (now - h.fetched_at).num_seconds()),
            verdicts,
            overall,
            standing: Standing::of(overall),
        }
    }

    /// The automatic rejection a `not_met` standing means: 条例51(三), no vote, the grounds
    /// naming each unmet requirement, its certificate and why, and the record judged.
    pub fn rejection(&self) -> Option<Rejection> {
        if self.standing != Standing::NotMet {
            return None;
        }
        let why: Vec<String> = self
            .verdicts
            .iter()
            .filter(|v| v.verdict == Verdict::NotMet)
            .map(|v| format!("{}：{}", v.requirement, v.reason.as_deref().unwrap_or("")))
            .collect();
        let digest = self.digest.as_deref().unwrap_or("-");
        Some(Rejection {
            bid: self.bid.clone(),
            reason: RejectionReason::QualificationNotMet,
            grounds: format!(
                "免证明 (licence registry record sha256 {}): {}",
                digest.get(..16).unwrap_or(digest),
                why.join("；")
            ),
            votes_for: 0,
            votes_against: 0,
        })
    }

    /// Whether the frozen verdicts hold together as far as they carry their inputs: the
    /// overall and standing follow from the verdicts; no record means every verdict unknown
    /// and a record means none is; a met requirement names a certificate valid on the
    /// deadline's day; a failed one states why, an expiry naming the certificate's last day.
    pub fn check(&self, deadline: DateTime<Utc>) -> Result<(), String> {
        let at = |m: String| format!("bid {}: {m}", self.bid);
        if self.overall != overall(&self.verdicts) || self.standing != Standing::of(self.overall) {
            return Err(at(
                "its overall verdict does not follow from its verdicts".into()
            ));
        }
        let unavailable = self.state == FactsState::Unavailable;
        if unavailable != self.digest.is_none() || unavailable != self.fetch_id.is_none() {
            return Err(at(
                "its record state and the record it names disagree".into()
            ));
        }
        let day = deadline_day(deadline);
        for v in &self.verdicts {
            let at = |m: &str| at(format!("{}: {m}", v.requirement));
            match v.verdict {
                Verdict::Unknown if !unavailable => {
                    return Err(at("unknown although a record was judged"))
                }
                Verdict::Unknown => {}
                _ if unavailable => return Err(at("judged without a record")),
                Verdict::Met => match (&v.certificate, v.valid_until) {
                    (Some(_), Some(until)) if until >= day && v.reason.is_none() => {}
                    _ => return Err(at("met without a certificate valid on the deadline's day")),
                },
                Verdict::NotMet => {
                    let why = v.reason.as_deref().unwrap_or("").trim();
                    if why.is_empty() {
                        return Err(at("not met without a reason"));
                    }
                    if let Some(until) = v.valid_until.filter(|u| *u < day) {
                        if !why.contains(&until.to_string()) {
                            return Err(at("an expired certificate's reason misses its date"));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// The cached record a frozen verdict rests on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldRecord {
    pub fetch_id: String,
    pub digest: String,
    pub fetched_at: DateTime<Utc>,
}

/// The automatic rejections of the frozen verdicts, for the bids among `bids`.
pub fn rejections(frozen: &[FrozenBid], bids: &[OpenedBid]) -> Vec<Rejection> {
    frozen
        .iter()
        .filter(|f| bids.iter().any(|b| b.bid == f.bid))
        .filter_map(FrozenBid::rejection)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record(valid_until: NaiveDate) -> RegistryRecord {
        RegistryRecord {
            uscc: "91429005MA4F000001".into(),
            name: "某建设有限公司".into(),
            issued_at: Utc.with_ymd_and_hms(2026, 12, 5, 0, 0, 0).unwrap(),
            qualifications: vec![Qualification {
                number: "D242000001".into(),
                class: "施工总承包".into(),
                speciality: "建筑工程".into(),
                grade: Grade::Second,
                valid_until,
                status: LicenceStatus::Valid,
            }],
            safety_permits: vec![SafetyPermit {
                number: "(鄂)JZ安许证字[2024]000001".into(),
                valid_until: NaiveDate::from_ymd_opt(2028, 1, 1).unwrap(),
                status: LicenceStatus::Valid,
            }],
            registered_staff: vec![RegisteredStaff {
                name: "张三".into(),
                certificate_number: "鄂142000000001".into(),
                title: MANAGER_TITLE.into(),
                level: StaffLevel::Second,
                speciality: "建筑工程".into(),
                valid_until: NaiveDate::from_ymd_opt(2028, 1, 1).unwrap(),
                status: LicenceStatus::Valid,
            }],
        }
    }

    fn req(min_grade: Grade, min_level: StaffLevel) -> LicenceRequirements {
        LicenceRequirements {
            qualifications: vec![QualificationRequirement {
                class: "施工总承包".into(),
                speciality: "建筑工程".into(),
                min_grade,
            }],
            safety_permit: true,
            project_manager: Some(ManagerRequirement {
                speciality: "建筑工程".into(),
                min_level,
            }),
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn grades_order_highest_first() {
        assert!(Grade::Special.meets(Grade::Third));
        assert!(Grade::Second.meets(Grade::Second));
        assert!(!Grade::Third.meets(Grade::Second));
    }

    #[test]
    fn expiry_is_judged_on_the_deadlines_china_day() {
        // 2026-12-01 01:00 UTC is 09:00 on 12-01 in China: a licence valid through 11-30 fails,
        // one valid through 12-01 counts.
        let deadline = Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
        let r = req(Grade::Second, StaffLevel::Second);
        let v = judge(&r, Some(&record(d(2026, 11, 30))), deadline);
        assert_eq!(v[0].verdict, Verdict::NotMet);
        let why = v[0].reason.as_deref().unwrap();
        assert!(
            why.contains("D242000001") && why.contains("2026-11-30"),
            "{why}"
        );
        assert_eq!(overall(&v), Verdict::NotMet);
        let v = judge(&r, Some(&record(d(2026, 12, 1))), deadline);
        assert_eq!(overall(&v), Verdict::Met, "{v:?}");
        // 2026-11-30 20:00 UTC is already 12-01 04:00 in China.
        let late_utc = Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap();
        let v = judge(&r, Some(&record(d(2026, 11, 30))), late_utc);
        assert_eq!(v[0].verdict, Verdict::NotMet);
    }

    #[test]
    fn grade_level_and_absence_fail_with_reasons() {
        let deadline = Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
        let rec = record(d(2030, 1, 1));
        let v = judge(&req(Grade::First, StaffLevel::First), Some(&rec), deadline);
        assert!(v[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("below the required 一级"));
        assert_eq!(v[1].verdict, Verdict::Met);
        assert!(v[2]
            .reason
            .as_deref()
            .unwrap()
            .contains("below the required 一级"));
        let mut none = rec.clone();
        none.safety_permits.clear();
        none.qualifications[0].status = LicenceStatus::Revoked;
        let v = judge(
            &req(Grade::Third, StaffLevel::Second),
            Some(&none),
            deadline,
        );
        assert!(v[0].reason.as_deref().unwrap().contains("revoked"));
        assert_eq!(
            v[1].reason.as_deref(),
            Some("no 安全生产许可证 in the registry")
        );
        assert_eq!(v[2].verdict, Verdict::Met);
    }

    #[test]
    fn no_record_is_unknown_never_a_pass() {
        let deadline = Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
        let v = judge(&req(Grade::Third, StaffLevel::Second), None, deadline);
        assert!(v.iter().all(|x| x.verdict == Verdict::Unknown));
        assert_eq!(overall(&v), Verdict::Unknown);
        assert_eq!(overall(&[]), Verdict::Met);
    }

    fn held() -> HeldRecord {
        HeldRecord {
            fetch_id: "f1".into(),
            digest: "ab".repeat(32),
            fetched_at: Utc.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn an_expired_permit_freezes_as_an_automatic_rejection_that_rechecks() {
        let deadline = Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 0, 0, 0).unwrap();
        let mut rec = record(d(2030, 1, 1));
        rec.safety_permits[0].valid_until = d(2026, 11, 30);
        let r = req(Grade::Second, StaffLevel::Second);
        let f = FrozenBid::judge(
            "b1",
            &rec.uscc,
            &r,
            Some((&rec, held())),
            FactsState::Stale,
            deadline,
            now,
        );
        assert_eq!(f.standing, Standing::NotMet);
        assert_eq!(f.age_seconds, Some(86_400));
        assert_eq!(f.verdicts[1].valid_until, Some(d(2026, 11, 30)));
        let rej = f.rejection().unwrap();
        assert_eq!(rej.reason, RejectionReason::QualificationNotMet);
        assert_eq!((rej.votes_for, rej.votes_against), (0, 0));
        assert!(
            rej.grounds.contains("安全生产许可证")
                && rej.grounds.contains("(鄂)JZ安许证字[2024]000001")
                && rej.grounds.contains("expired on 2026-11-30"),
            "{}",
            rej.grounds
        );
        assert_eq!(f.check(deadline), Ok(()));
        // Flipped to met: the overall no longer follows, and a met permit that lapsed fails.
        let mut flipped = f.clone();
        flipped.verdicts[1].verdict = Verdict::Met;
        flipped.verdicts[1].reason = None;
        assert!(flipped.check(deadline).is_err());
        flipped.overall = Verdict::Met;
        flipped.standing = Standing::Met;
        let err = flipped.check(deadline).unwrap_err();
        assert!(err.contains("met without a certificate valid"), "{err}");
        // The boundary: valid through the deadline's own day is met.
        rec.safety_permits[0].valid_until = d(2026, 12, 1);
        let ok = FrozenBid::judge(
            "b1",
            "u",
            &r,
            Some((&rec, held())),
            FactsState::Current,
            deadline,
            now,
        );
        assert_eq!(ok.standing, Standing::Met);
        assert_eq!(ok.check(deadline), Ok(()));
        assert_eq!(ok.rejection(), None);
    }

    #[test]
    fn no_record_freezes_unverified_never_a_pass_nor_a_rejection() {
        let deadline = Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
        let r = req(Grade::Third, StaffLevel::Second);
        let f = FrozenBid::judge(
            "b2",
            "u",
            &r,
            None,
            FactsState::Unavailable,
            deadline,
            deadline,
        );
        assert_eq!(f.standing, Standing::Unverified);
        assert_eq!(f.rejection(), None);
        assert_eq!(f.check(deadline), Ok(()));
        let mut claimed = f.clone();
        claimed.digest = Some("ab".repeat(32));
        assert!(claimed.check(deadline).is_err());
        let bids = [OpenedBid {
            bid: "b9".into(),
            bidder: "u".into(),
            prices: vec![],
        }];
        assert!(rejections(&[f], &bids).is_empty());
    }

    #[test]
    fn outcomes_round_trip() {
        for o in FetchOutcome::ALL {
            assert_eq!(FetchOutcome::parse(o.as_str()), Some(o));
        }
    }
}
