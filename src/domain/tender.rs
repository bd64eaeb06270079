//! The tender (招标项目) as the tenderer drafts it before publication: procedure type, sections
//! (标段) with their money, evaluation and award settings, key custodians and the schedule.
//!
//! Pure data plus the checks that need nothing but the draft and the [`ProcedureRules`]; the
//! time-limit checks and the one entry point that runs everything, `validate_for_publication`,
//! live in [`crate::domain::schedule`]. Statutory numbers are never written inline: they come from
//! a [`ProcedureRules`] row, so an operator can override a number the reference could not confirm
//! ([U]) without a rebuild, the way ProZorro keys its rules on `procurementMethodType` + config.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::evaluation::config::{
    check_adjustments, check_review, check_scoring, check_shortfall, review_requirements,
    Criterion, PriceAdjustment, PriceFormula, ReviewRequirement, ShortfallRule,
};
use crate::domain::licence::LicenceRequirements;
use crate::domain::money::Money;
use crate::domain::schedule::{RuleCode, RuleViolation};

/// 招标方式.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureType {
    /// 公开招标: announced publicly, any qualified party may bid.
    Open,
    /// 邀请招标: the tenderer sends 投标邀请书 to organisations it names.
    Invited,
}

impl ProcedureType {
    pub const ALL: [ProcedureType; 2] = [ProcedureType::Open, ProcedureType::Invited];

    pub fn as_str(self) -> &'static str {
        match self {
            ProcedureType::Open => "open",
            ProcedureType::Invited => "invited",
        }
    }

    /// The Chinese legal name, as printed in announcements.
    pub fn legal_name(self) -> &'static str {
        match self {
            ProcedureType::Open => "公开招标",
            ProcedureType::Invited => "邀请招标",
        }
    }
}

/// What a section buys. Only works (施工) carry the absolute bid-bond cap.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProcurementCategory {
    /// 工程 / 施工
    Works,
    /// 货物
    Goods,
    /// 服务 (incl. 勘察, 设计, 监理)
    Services,
}

/// The numbers that drive the publication rules for one procedure type.
///
/// Every field is data so the config layer can override it; `#[serde(default)]` means a TOML
/// table only has to name the fields it changes. Tags: [C] confirmed statute text, [P] partly
/// confirmed, [U] unconfirmed (see `shared/reference/domain-rules.md` §0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ProcedureRules {
    /// 招标投标法24 [C]: at least 20 days from the day the 招标文件 is first issued to the bid
    /// deadline.
    pub min_days_issue_to_deadline: u32,
    /// 条例16 [C]: documents available (发售期) for at least 5 days.
    pub min_document_availability_days: u32,
    /// 条例21 [C]: a clarification or amendment that may affect bid preparation reaches bidders
    /// at least 15 days before the deadline, otherwise the deadline is postponed.
    pub amendment_notice_days: u32,
    /// 条例22 [C]: an objection to the 招标文件 is raised at least 10 days before the deadline.
    pub objection_cutoff_days: u32,
    /// 条例22 [C]: the tenderer answers an objection within 3 days of receiving it.
    pub objection_answer_days: u32,
    /// 条例26 [C]: bid bond at most 2 % of the section's estimated price. Percent, exact decimal.
    pub bid_bond_max_percent: Decimal,
    /// [P] (believed 《工程建设项目施工招标投标办法》; article not verified): works bid bonds at
    /// most ¥800,000. Yuan, exact decimal.
    pub works_bid_bond_cap: Decimal,
    /// 条例53 [C]: a traditional committee report names at most 3 ranked candidates.
    pub max_ranked_candidates: u8,
    /// 评定分离 unranked 定标候选人, lower bound [U] (domain-rules §3.3: "typically 3–7").
    pub min_unranked_candidates: u8,
    /// 评定分离 unranked 定标候选人, upper bound [U].
    pub max_unranked_candidates: u8,
    /// 评定分离 candidate count when the draft does not say [U] (§3.2: 3 in government practice).
    pub default_unranked_candidates: u8,
    /// 票决抽签定标: smallest shortlist that still makes the lottery a choice [U] (§3.3 "K = 2–3").
    pub min_lottery_shortlist: u8,
    /// Platform policy, not law: fewest bid-key custodians, so no single person can open bids.
    pub min_custodians: u8,
    /// Platform policy, not law: most custodians the key-sharing scheme is sized for.
    pub max_custodians: u8,
    /// 招标投标法17 [U] (not retrieved; recollection): 邀请招标 invites at least 3 organisations.
    /// Ignored for open procedures.
    pub min_invitees: u8,
    /// 条例54 [C]: the 中标候选人 are published within 3 days of receiving the 评标报告.
    pub award_publish_within_days: u32,
    /// 条例54 [C]: the publicity lasts at least 3 days.
    pub min_publicity_days: u32,
    /// Platform default for a section that names no publicity length.
    pub default_publicity_days: u32,
    /// 条例54 [C]: the tenderer answers an objection to the result within 3 days.
    pub award_objection_answer_days: u32,
    /// Whether a section that does not say is state-owned and must be tendered (条例55: award
    /// rank #1). Platform default `true`: a public-resource platform's projects mostly are, and
    /// a tender that is not says so.
    pub state_owned_must_tender: bool,
}

impl ProcedureRules {
    /// The statutory defaults shared by both procedure types in the reference.
    pub const STATUTORY: ProcedureRules = ProcedureRules {
        min_days_issue_to_deadline: 20,
        min_document_availability_days: 5,
        amendment_notice_days: 15,
        objection_cutoff_days: 10,
        objection_answer_days: 3,
        bid_bond_max_percent: rust_decimal::dec!(2),
        works_bid_bond_cap: rust_decimal::dec!(800000),
        max_ranked_candidates: 3,
        min_unranked_candidates: 3,
        max_unranked_candidates: 7,
        default_unranked_candidates: 3,
        min_lottery_shortlist: 2,
        min_custodians: 2,
        max_custodians: 15,
        min_invitees: 3,
        award_publish_within_days: 3,
        min_publicity_days: 3,
        default_publicity_days: 3,
        award_objection_answer_days: 3,
        state_owned_must_tender: true,
    };

    /// Checks an (overridden) row for internal consistency, so a bad config file fails at start-up
    /// instead of producing nonsense verdicts later.
    pub fn check(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if self.bid_bond_max_percent.is_sign_negative()
            || self.bid_bond_max_percent > Decimal::ONE_HUNDRED
        {
            problems.push("bid_bond_max_percent must be within 0..=100");
        }
        if self.works_bid_bond_cap.is_sign_negative() {
            problems.push("works_bid_bond_cap must not be negative");
        }
        if self.max_ranked_candidates == 0 {
            problems.push("max_ranked_candidates must be at least 1");
        }
        if self.min_unranked_candidates == 0
            || self.min_unranked_candidates > self.max_unranked_candidates
        {
            problems.push("min_unranked_candidates must be within 1..=max_unranked_candidates");
        }
        if !(self.min_unranked_candidates..=self.max_unranked_candidates)
            .contains(&self.default_unranked_candidates)
        {
            problems
                .push("default_unranked_candidates must be within min..=max_unranked_candidates");
        }
        if self.min_lottery_shortlist < 2 {
            problems.push("min_lottery_shortlist must be at least 2");
        }
        if self.min_custodians == 0 || self.min_custodians > self.max_custodians {
            problems.push("min_custodians must be within 1..=max_custodians");
        }
        if self.min_publicity_days == 0 || self.default_publicity_days < self.min_publicity_days {
            problems.push("default_publicity_days must be at least min_publicity_days (≥ 1)");
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

impl Default for ProcedureRules {
    fn default() -> Self {
        ProcedureRules::STATUTORY
    }
}

/// One [`ProcedureRules`] row per [`ProcedureType`]: the config table.
///
/// Named fields rather than a list so that layered config (figment, or plain serde with
/// `#[serde(default)]`) merges an override such as `[invited] min_invitees = 5` into the defaults
/// key by key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ProcedureRulesTable {
    pub open: ProcedureRules,
    pub invited: ProcedureRules,
}

impl ProcedureRulesTable {
    pub const DEFAULT: ProcedureRulesTable = ProcedureRulesTable {
        open: ProcedureRules::STATUTORY,
        invited: ProcedureRules::STATUTORY,
    };

    pub fn get(&self, procedure: ProcedureType) -> &ProcedureRules {
        match procedure {
            ProcedureType::Open => &self.open,
            ProcedureType::Invited => &self.invited,
        }
    }

    /// Every row's [`ProcedureRules::check`], prefixed with the procedure it belongs to.
    pub fn check(&self) -> Result<(), String> {
        let problems: Vec<String> = ProcedureType::ALL
            .iter()
            .filter_map(|p| {
                self.get(*p)
                    .check()
                    .err()
                    .map(|e| format!("{}: {e}", p.as_str()))
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

impl Default for ProcedureRulesTable {
    fn default() -> Self {
        ProcedureRulesTable::DEFAULT
    }
}

/// One named factor of a 综合评估法 score, e.g. `{"name": "price", "weight": "60"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weight {
    pub name: String,
    /// Points out of 100; exact decimal so 12.5 + 87.5 sums to exactly 100.
    pub weight: Decimal,
}

/// 评标办法: how the 评标委员会 assesses bids, with the settings each method takes
/// (docs/EVALUATION.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EvaluationMethod {
    /// 综合评估法: weighted factors (price/technical/commercial or any named set) summing to 100.
    ComprehensiveScoring {
        weights: Vec<Weight>,
        /// The scored items (评分细则); each non-price weight's items add up to it. Empty: each
        /// non-price weight is one item (drafts from before items existed).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        criteria: Vec<Criterion>,
        /// The price-score formula. Absent: a weight named `price` (or 投标报价, 价格, 报价) is
        /// scored by the default formula, and without one no price score is computed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        price: Option<PriceFormula>,
    },
    /// 经评审的最低投标价法: lowest evaluated price among bids meeting the substantive requirements.
    LowestEvaluatedPrice {
        /// The priced adjustments (价格折算) the committee may apply.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        adjustments: Vec<PriceAdjustment>,
    },
    /// 定性评审: pass/fail with 择优/比劣 remarks and no numeric ranking (评定分离 only, §3.3).
    Qualitative,
}

/// 定标方法 under 评定分离 (domain-rules §3.2–3.3; procedures there are [U], so each is chosen
/// per tender from the 招标文件, never assumed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AwardMethod {
    /// 票决定标法 (platform code ORV): one secret ballot each; most votes wins, ties re-voted.
    DirectVote {
        /// Require more than half the votes instead of a plurality.
        #[serde(default)]
        absolute_majority: bool,
    },
    /// 逐轮票决定标 (MRV): the fewest-votes candidate drops out each round.
    EliminationVote {
        /// 对比胜出法 (CPN) variant: two candidates per round, the winner goes on.
        #[serde(default)]
        pairwise: bool,
    },
    /// 票决抽签定标法 (VDM): vote a shortlist of `shortlist` candidates, then draw lots publicly.
    VoteThenLottery { shortlist: u8 },
    /// 集体议事法: written reasoned opinions; the 组长 / 法定代表人 decides.
    CollectiveDeliberation,
    /// 价格竞争定标法: lowest bid price among the 定标候选人 wins.
    PriceCompetition,
    /// 抽签定标法: public random draw among the 定标候选人, all treated as equal.
    Lottery,
}

impl AwardMethod {
    pub fn legal_name(&self) -> &'static str {
        match self {
            AwardMethod::DirectVote { .. } => "票决定标法",
            AwardMethod::EliminationVote { pairwise: false } => "逐轮票决定标法",
            AwardMethod::EliminationVote { pairwise: true } => "对比胜出定标法",
            AwardMethod::VoteThenLottery { .. } => "票决抽签定标法",
            AwardMethod::CollectiveDeliberation => "集体议事法",
            AwardMethod::PriceCompetition => "价格竞争定标法",
            AwardMethod::Lottery => "抽签定标法",
        }
    }
}

/// What a published version of the tender is: the first publication (招标公告) or an amendment
/// (变更公告, 条例21). The code is part of the signed notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TenderVersionKind)]
pub enum VersionKind {
    Publication,
    Amendment,
}

impl VersionKind {
    /// The kind of published version `version` (1 is the publication).
    pub fn of(version: i32) -> VersionKind {
        if version <= 1 {
            VersionKind::Publication
        } else {
            VersionKind::Amendment
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            VersionKind::Publication => "publication",
            VersionKind::Amendment => "amendment",
        }
    }

    pub fn parse(s: &str) -> Option<VersionKind> {
        [VersionKind::Publication, VersionKind::Amendment]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What a public announcement (公告) is: the platform publishes one at each step the public is
/// told of (电子招标投标办法17, 22, 条例54, 57). The code is stored and on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnnouncementKind {
    /// 招标公告: the tender published.
    TenderNotice,
    /// 变更公告: an amendment (条例21).
    ChangeNotice,
    /// 答疑: an answer to a question or an objection on the documents (条例22).
    Answer,
    /// 暂停公告.
    Suspension,
    /// 恢复公告.
    Resumption,
    /// 终止招标公告 (条例31).
    Termination,
    /// 投标截止: the deadline passed.
    Deadline,
    /// 开标记录 (电子招标投标办法32).
    OpeningRecord,
    /// Too few bids to open a section (条例44).
    OpeningFailed,
    /// 中标候选人公示 (条例54).
    AwardCandidates,
    /// 中标结果公告.
    AwardResult,
    /// 投诉处理决定: the department's decision on a complaint, made public (投诉处理办法:
    /// the result is published for the public to oversee).
    ComplaintDecision,
}

impl AnnouncementKind {
    pub const ALL: [AnnouncementKind; 12] = [
        AnnouncementKind::TenderNotice,
        AnnouncementKind::ChangeNotice,
        AnnouncementKind::Answer,
        AnnouncementKind::Suspension,
        AnnouncementKind::Resumption,
        AnnouncementKind::Termination,
        AnnouncementKind::Deadline,
        AnnouncementKind::OpeningRecord,
        AnnouncementKind::OpeningFailed,
        AnnouncementKind::AwardCandidates,
        AnnouncementKind::AwardResult,
        AnnouncementKind::ComplaintDecision,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            AnnouncementKind::TenderNotice => "tender_notice",
            AnnouncementKind::ChangeNotice => "change_notice",
            AnnouncementKind::Answer => "answer",
            AnnouncementKind::Suspension => "suspension",
            AnnouncementKind::Resumption => "resumption",
            AnnouncementKind::Termination => "termination",
            AnnouncementKind::Deadline => "deadline",
            AnnouncementKind::OpeningRecord => "opening_record",
            AnnouncementKind::OpeningFailed => "opening_failed",
            AnnouncementKind::AwardCandidates => "award_candidates",
            AnnouncementKind::AwardResult => "award_result",
            AnnouncementKind::ComplaintDecision => "complaint_decision",
        }
    }

    pub fn parse(s: &str) -> Option<AnnouncementKind> {
        AnnouncementKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who decides the winner, and from how many candidates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AwardMode {
    /// 条例53/55 [C]: the committee ranks at most 3 candidates; state-owned 依法必须 projects
    /// must award rank 1. `candidates` defaults to `max_ranked_candidates`.
    Traditional {
        #[serde(default)]
        candidates: Option<u8>,
    },
    /// 评定分离 (§3.1 [C] for Hubei practice): the committee recommends N **unranked**
    /// 定标候选人 and the tenderer decides by `method`. N defaults to
    /// `default_unranked_candidates`.
    Separated {
        #[serde(default)]
        candidates: Option<u8>,
        method: AwardMethod,
        /// How the 定标委员会 is formed (absent: 5 members, all drawn).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        committee: Option<AwardCommitteeRule>,
        /// The 定标要素 and the 择优/比劣 criteria the award committee decides by.
        #[serde(default, skip_serializing_if = "AwardCriteria::is_empty")]
        criteria: AwardCriteria,
    },
}

impl AwardMode {
    /// 评定分离: the award committee's composition in force (the tender's, or 5 members, all
    /// drawn). A traditional award has no award committee: the default is returned.
    pub fn committee_rule(&self) -> AwardCommitteeRule {
        match self {
            AwardMode::Separated { committee, .. } => committee.unwrap_or_default(),
            AwardMode::Traditional { .. } => AwardCommitteeRule::default(),
        }
    }

    /// 评定分离: the 定标要素 and 择优/比劣 criteria (none for a traditional award).
    pub fn criteria(&self) -> AwardCriteria {
        match self {
            AwardMode::Separated { criteria, .. } => criteria.clone(),
            AwardMode::Traditional { .. } => AwardCriteria::default(),
        }
    }

    /// The candidate count in force, after applying the rules' default.
    pub fn candidate_count(&self, rules: &ProcedureRules) -> u8 {
        match self {
            AwardMode::Traditional { candidates } => {
                candidates.unwrap_or(rules.max_ranked_candidates)
            }
            AwardMode::Separated { candidates, .. } => {
                candidates.unwrap_or(rules.default_unranked_candidates)
            }
        }
    }
}

/// The people whose key shares are needed to open the sealed bids: any `threshold` of the
/// `person_ids` (t-of-n).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Custodians {
    pub person_ids: Vec<String>,
    pub threshold: u8,
}

/// The publication-phase dates. All instants are UTC; day counting happens in the Asia/Shanghai
/// calendar (see [`crate::domain::schedule`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Start of 招标文件 issue (发售/获取). The first-issue day for the 20-day rule.
    pub documents_available_from: DateTime<Utc>,
    pub documents_available_until: DateTime<Utc>,
    /// Last moment bidders may send questions (enquiry period end).
    pub clarification_cutoff: DateTime<Utc>,
    /// 投标截止时间, which is also the opening time (条例44 [C]; 招标投标法34 [U]).
    pub bid_deadline: DateTime<Utc>,
    /// 投标有效期, counted from the bid deadline (条例25 [C]); the reference gives no bounds.
    pub bid_validity_days: u32,
}

/// One 标段 (section / lot) as drafted.
///
/// There is deliberately no price-floor field: 最低投标限价 is forbidden (条例27 [C]); see
/// [`refuse_price_floor`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// 标段编号, unique within the tender.
    pub code: String,
    pub name: String,
    pub category: ProcurementCategory,
    /// 估算价: the base of the 2 % bid-bond limit.
    pub estimated_price: Money,
    /// 最高投标限价 (条例27 [C]: allowed, stated as an amount).
    #[serde(default)]
    pub price_cap: Option<Money>,
    /// 投标保证金; none if the tenderer does not require one.
    #[serde(default)]
    pub bid_bond: Option<Money>,
    /// 资格要求, one requirement per entry.
    #[serde(default)]
    pub qualification_requirements: Vec<String>,
    /// The licences the registry must show (免证明, docs/LICENCES.md): checked by the platform
    /// and shown to the committee at the qualification review, never uploaded as scans.
    #[serde(default, skip_serializing_if = "LicenceRequirements::is_empty")]
    pub licence_requirements: LicenceRequirements,
    pub evaluation: EvaluationMethod,
    pub award: AwardMode,
    /// The 初步评审 checklist. Empty: the default one (a line of form, one per qualification
    /// requirement, a line of responsiveness).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preliminary_review: Vec<ReviewRequirement>,
    /// Fewer valid bids than candidates: recommend those there are, or fail the section.
    #[serde(default, skip_serializing_if = "ShortfallRule::is_default")]
    pub shortfall: ShortfallRule,
    /// The award's terms: publicity length, whether rank #1 must be awarded, what follows when
    /// the winner drops out (条例54–55).
    #[serde(default, skip_serializing_if = "AwardTerms::is_default")]
    pub award_terms: AwardTerms,
    /// What the contract will say (招标文件 合同条款): performance bond, payment milestones,
    /// the fixed clauses, whether revoked bids' bonds are kept. Locked in the contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<crate::domain::contract::ContractSpec>,
}

/// A section's award terms (条例54–55); each unset one takes the platform's default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardTerms {
    /// Days of the 公示 (≥ the rules' `min_publicity_days`, 3 by 条例54); unset: the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicity_days: Option<u32>,
    /// The project is state-owned (国有资金占控股或者主导地位) and must be tendered (依法必须):
    /// the traditional award goes to rank #1 (条例55). Unset: the platform's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_owned_must_tender: Option<bool>,
    /// When the winner drops out: the next in rank, or a re-tender.
    #[serde(default)]
    pub after_give_up: crate::domain::award::publicity::AfterGiveUp,
}

impl AwardTerms {
    pub fn is_default(&self) -> bool {
        *self == AwardTerms::default()
    }

    pub fn publicity_days(&self, rules: &ProcedureRules) -> u32 {
        self.publicity_days.unwrap_or(rules.default_publicity_days)
    }

    pub fn rank_one_required(&self, rules: &ProcedureRules) -> bool {
        self.state_owned_must_tender
            .unwrap_or(rules.state_owned_must_tender)
    }
}

/// How a section's award committee (定标委员会) is formed (domain-rules §3.3): an odd number of
/// members, at least 5, of whom `drawn` are drawn at random from the tenderer's 定标委员库 under
/// supervision and the rest appointed by the tenderer from the same pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardCommitteeRule {
    #[serde(default = "AwardCommitteeRule::default_size")]
    pub size: u8,
    /// How many of them are drawn; the others are appointed. Absent: all.
    #[serde(default)]
    pub drawn: Option<u8>,
}

impl AwardCommitteeRule {
    /// The smallest award committee (an odd number, at least 5).
    pub const MIN_SIZE: u8 = 5;
    /// The largest one a tender may ask for.
    pub const MAX_SIZE: u8 = 25;

    fn default_size() -> u8 {
        Self::MIN_SIZE
    }

    /// How many members are drawn.
    pub fn drawn(&self) -> u8 {
        self.drawn.unwrap_or(self.size)
    }

    /// How many members the tenderer appoints.
    pub fn appointed(&self) -> u8 {
        self.size.saturating_sub(self.drawn())
    }
}

impl Default for AwardCommitteeRule {
    fn default() -> Self {
        AwardCommitteeRule {
            size: Self::MIN_SIZE,
            drawn: None,
        }
    }
}

/// What the award committee decides by (domain-rules §3.1): the 定标要素 (factors it weighs), the
/// 择优 criteria (what makes a candidate preferred) and the 比劣 criteria (what rules one out),
/// each a line of the 招标文件.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardCriteria {
    #[serde(default)]
    pub factors: Vec<String>,
    #[serde(default)]
    pub prefer: Vec<String>,
    #[serde(default)]
    pub rule_out: Vec<String>,
}

impl AwardCriteria {
    pub fn is_empty(&self) -> bool {
        self.factors.is_empty() && self.prefer.is_empty() && self.rule_out.is_empty()
    }
}

impl Section {
    /// The 初步评审 checklist in force (the drafted one or the default).
    pub fn review_requirements(&self) -> Vec<ReviewRequirement> {
        review_requirements(&self.preliminary_review, &self.qualification_requirements)
    }
}

/// Everything the publication rules look at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenderDraft {
    pub procedure: ProcedureType,
    pub schedule: Schedule,
    pub sections: Vec<Section>,
    pub custodians: Custodians,
    /// USCCs of invited organisations (邀请招标 only).
    #[serde(default)]
    pub invitees: Vec<String>,
    /// What one bid may be: parts, bytes per part, bytes in all (defaults when not declared).
    #[serde(
        default,
        skip_serializing_if = "crate::domain::bidding::BidLimits::is_default"
    )]
    pub bid_limits: crate::domain::bidding::BidLimits,
    /// The supervising department (行政监督部门), a code of the platform's department registry
    /// (`GET /api/v1/departments`). 条例46: its experts are not drawn for this tender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervising_department: Option<String>,
}

/// JSON keys that would carry a price floor. Refused by name so the caller gets
/// `price_floor_forbidden` instead of a generic unknown-field error.
pub const PRICE_FLOOR_KEYS: [&str; 1] = ["price_floor"];

/// 条例27 [C]: 招标人不得规定最低投标限价. Scans a raw request body (before deserialising it into
/// [`TenderDraft`] or [`Section`], whose `deny_unknown_fields` would otherwise reject the key with
/// a generic error) and reports every price-floor key it finds, with its path.
pub fn refuse_price_floor(body: &serde_json::Value) -> Result<(), Vec<RuleViolation>> {
    let mut found = Vec::new();
    scan_for_price_floor(body, String::new(), &mut found);
    if found.is_empty() {
        Ok(())
    } else {
        Err(found)
    }
}

fn scan_for_price_floor(value: &serde_json::Value, path: String, found: &mut Vec<RuleViolation>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if PRICE_FLOOR_KEYS.contains(&key.as_str()) && !child.is_null() {
                    found.push(price_floor_violation(&child_path));
                }
                scan_for_price_floor(child, child_path, found);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                scan_for_price_floor(child, format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

/// The violation for a price floor at `field`, for callers that detect one some other way.
pub fn price_floor_violation(field: &str) -> RuleViolation {
    RuleViolation::new(
        RuleCode::PriceFloorForbidden,
        field,
        "a minimum bid price (最低投标限价) must not be set (招标投标法实施条例第27条)",
    )
}

impl TenderDraft {
    /// The non-time rules: sections, money, evaluation, award, custodians, invitees. Appends to
    /// `out` so the caller can report every violation at once.
    pub fn check_content(&self, rules: &ProcedureRules, out: &mut Vec<RuleViolation>) {
        self.bid_limits.check("bid_limits", out);
        if self.sections.is_empty() {
            out.push(RuleViolation::new(
                RuleCode::NoSections,
                "sections",
                "a tender needs at least one section (标段)",
            ));
        }
        let mut codes = BTreeSet::new();
        for (i, section) in self.sections.iter().enumerate() {
            let field = format!("sections[{i}]");
            if section.code.trim().is_empty() || !codes.insert(section.code.trim()) {
                out.push(RuleViolation::new(
                    RuleCode::SectionCodeInvalid,
                    &format!("{field}.code"),
                    "section codes must be non-empty and unique within the tender",
                ));
            }
            section.check(&field, rules, out);
        }
        self.custodians.check("custodians", rules, out);
        self.check_invitees(rules, out);
    }

    fn check_invitees(&self, rules: &ProcedureRules, out: &mut Vec<RuleViolation>) {
        match self.procedure {
            ProcedureType::Open => {
                if !self.invitees.is_empty() {
                    out.push(RuleViolation::new(
                        RuleCode::InviteesNotAllowed,
                        "invitees",
                        "an open procedure (公开招标) has no invitation list",
                    ));
                }
            }
            ProcedureType::Invited => {
                let distinct: BTreeSet<&str> = self
                    .invitees
                    .iter()
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect();
                if distinct.len() < usize::from(rules.min_invitees)
                    || distinct.len() != self.invitees.len()
                {
                    out.push(RuleViolation::new(
                        RuleCode::TooFewInvitees,
                        "invitees",
                        &format!(
                            "an invited procedure (邀请招标) needs at least {} \
                             distinct, non-empty invitees (招标投标法第17条)",
                            rules.min_invitees
                        ),
                    ));
                }
            }
        }
    }
}

impl Section {
    /// Money, qualification, evaluation and award rules for one section at `field`.
    pub fn check(&self, field: &str, rules: &ProcedureRules, out: &mut Vec<RuleViolation>) {
        let estimate = self.estimated_price.amount();
        if estimate <= Decimal::ZERO {
            out.push(RuleViolation::new(
                RuleCode::EstimatedPriceNotPositive,
                &format!("{field}.estimated_price"),
                "the estimated price (估算价) must be greater than zero",
            ));
        }
        if let Some(cap) = self.price_cap {
            if cap.amount() <= Decimal::ZERO {
                out.push(RuleViolation::new(
                    RuleCode::PriceCapNotPositive,
                    &format!("{field}.price_cap"),
                    "a price cap (最高投标限价) must be greater than zero",
                ));
            }
        }
        if let Some(bond) = self.bid_bond {
            self.check_bond(bond, field, rules, out);
        }
        for (j, req) in self.qualification_requirements.iter().enumerate() {
            if req.trim().is_empty() {
                out.push(RuleViolation::new(
                    RuleCode::QualificationRequirementEmpty,
                    &format!("{field}.qualification_requirements[{j}]"),
                    "a qualification requirement must not be blank",
                ));
            }
        }
        for (key, why) in self.licence_requirements.problems() {
            out.push(RuleViolation::new(
                RuleCode::QualificationRequirementEmpty,
                &format!("{field}.licence_requirements.{key}"),
                why,
            ));
        }
        self.evaluation.check(&format!("{field}.evaluation"), out);
        check_review(
            &format!("{field}.preliminary_review"),
            &self.preliminary_review,
            out,
        );
        check_shortfall(
            &format!("{field}.shortfall"),
            &self.shortfall,
            self.award.candidate_count(rules),
            out,
        );
        self.check_award(field, rules, out);
        if let Some(spec) = &self.contract {
            for (f, m) in spec.problems() {
                out.push(RuleViolation::new(
                    RuleCode::ContractTermsInvalid,
                    &format!("{field}.contract.{f}"),
                    &m,
                ));
            }
        }
    }

    fn check_bond(
        &self,
        bond: Money,
        field: &str,
        rules: &ProcedureRules,
        out: &mut Vec<RuleViolation>,
    ) {
        // Exact decimal product: no rounding, so "exactly 2 %" passes and one fen more fails.
        let limit =
            self.estimated_price.amount() * rules.bid_bond_max_percent / Decimal::ONE_HUNDRED;
        if bond.amount() > limit {
            out.push(RuleViolation::new(
                RuleCode::BidBondOverTwoPercent,
                &format!("{field}.bid_bond"),
                &format!(
                    "the bid bond may not exceed {}% of the estimated price, i.e. {} \
                     (招标投标法实施条例第26条)",
                    rules.bid_bond_max_percent.normalize(),
                    limit.normalize()
                ),
            ));
        }
        if self.category == ProcurementCategory::Works && bond.amount() > rules.works_bid_bond_cap {
            out.push(RuleViolation::new(
                RuleCode::BidBondOverWorksCap,
                &format!("{field}.bid_bond"),
                &format!(
                    "a works bid bond may not exceed {} yuan (工程建设项目施工招标投标办法)",
                    rules.works_bid_bond_cap.normalize()
                ),
            ));
        }
    }

    /// The award committee's composition in force (评定分离): the drafted one or the default.
    pub fn award_committee_rule(&self) -> AwardCommitteeRule {
        self.award.committee_rule()
    }

    fn check_award_committee(
        field: &str,
        committee: Option<&AwardCommitteeRule>,
        criteria: &AwardCriteria,
        out: &mut Vec<RuleViolation>,
    ) {
        if let Some(rule) = committee {
            let size = rule.size;
            if !(AwardCommitteeRule::MIN_SIZE..=AwardCommitteeRule::MAX_SIZE).contains(&size)
                || size.is_multiple_of(2)
                || rule.drawn() > size
            {
                out.push(RuleViolation::new(
                    RuleCode::AwardCommitteeInvalid,
                    &format!("{field}.award.committee"),
                    &format!(
                        "an award committee (定标委员会) has an odd number of members from {} to {}, \
                         and no more drawn than that",
                        AwardCommitteeRule::MIN_SIZE,
                        AwardCommitteeRule::MAX_SIZE
                    ),
                ));
            }
        }
        let c = criteria;
        let lines = c.factors.iter().chain(&c.prefer).chain(&c.rule_out);
        if lines.clone().count() > 50
            || lines
                .clone()
                .any(|l| l.trim().is_empty() || l.trim() != l || l.chars().count() > 500)
        {
            out.push(RuleViolation::new(
                RuleCode::AwardCriteriaInvalid,
                &format!("{field}.award.criteria"),
                "定标要素 and 择优/比劣 criteria are at most 50 lines of 1 to 500 characters, \
                 without surrounding spaces",
            ));
        }
    }

    fn check_award(&self, field: &str, rules: &ProcedureRules, out: &mut Vec<RuleViolation>) {
        let n = self.award.candidate_count(rules);
        if self
            .award_terms
            .publicity_days
            .is_some_and(|d| d < rules.min_publicity_days)
        {
            out.push(RuleViolation::new(
                RuleCode::PublicityTooShort,
                &format!("{field}.award_terms.publicity_days"),
                &format!(
                    "the award's publicity lasts at least {} days (招标投标法实施条例第54条)",
                    rules.min_publicity_days
                ),
            ));
        }
        match &self.award {
            AwardMode::Traditional { .. } => {
                if n == 0 || n > rules.max_ranked_candidates {
                    out.push(RuleViolation::new(
                        RuleCode::CandidateCountOutOfRange,
                        &format!("{field}.award.candidates"),
                        &format!(
                            "a traditional award names 1 to {} ranked candidates (招标投标法实施条例第53条)",
                            rules.max_ranked_candidates
                        ),
                    ));
                }
                if self.evaluation == EvaluationMethod::Qualitative {
                    out.push(RuleViolation::new(
                        RuleCode::QualitativeRequiresSeparatedAward,
                        &format!("{field}.evaluation"),
                        "qualitative review (定性评审) produces no ranking, so it needs 评定分离",
                    ));
                }
            }
            AwardMode::Separated {
                method,
                committee,
                criteria,
                ..
            } => {
                Self::check_award_committee(field, committee.as_ref(), criteria, out);
                if !(rules.min_unranked_candidates..=rules.max_unranked_candidates).contains(&n) {
                    out.push(RuleViolation::new(
                        RuleCode::CandidateCountOutOfRange,
                        &format!("{field}.award.candidates"),
                        &format!(
                            "评定分离 recommends {} to {} unranked candidates",
                            rules.min_unranked_candidates, rules.max_unranked_candidates
                        ),
                    ));
                }
                if let AwardMethod::VoteThenLottery { shortlist } = method {
                    if *shortlist < rules.min_lottery_shortlist || *shortlist >= n {
                        out.push(RuleViolation::new(
                            RuleCode::ShortlistOutOfRange,
                            &format!("{field}.award.method.shortlist"),
                            &format!(
                                "the vote-then-lottery shortlist must be at least {} \
                                 and fewer than the {} candidates",
                                rules.min_lottery_shortlist, n
                            ),
                        ));
                    }
                }
            }
        }
    }
}

impl EvaluationMethod {
    /// The weighting, item and formula rules of 综合评估法; the adjustments of
    /// 经评审的最低投标价法.
    pub fn check(&self, field: &str, out: &mut Vec<RuleViolation>) {
        let (weights, criteria, price) = match self {
            EvaluationMethod::ComprehensiveScoring {
                weights,
                criteria,
                price,
            } => (weights, criteria, price),
            EvaluationMethod::LowestEvaluatedPrice { adjustments } => {
                return check_adjustments(field, adjustments, out);
            }
            EvaluationMethod::Qualitative => return,
        };
        let mut names = BTreeSet::new();
        for (k, w) in weights.iter().enumerate() {
            let name = w.name.trim();
            if name.is_empty() || !names.insert(name) || w.weight <= Decimal::ZERO {
                out.push(RuleViolation::new(
                    RuleCode::WeightInvalid,
                    &format!("{field}.weights[{k}]"),
                    "each weight needs a unique, non-blank name and a value above zero",
                ));
            }
        }
        let total: Decimal = weights.iter().map(|w| w.weight).sum();
        if total != Decimal::ONE_HUNDRED {
            out.push(RuleViolation::new(
                RuleCode::WeightsDoNotSumTo100,
                &format!("{field}.weights"),
                &format!(
                    "the weights of 综合评估法 must sum to 100, not {}",
                    total.normalize()
                ),
            ));
        }
        check_scoring(field, weights, criteria, price.as_ref(), out);
    }
}

impl Custodians {
    /// t-of-n sanity: 1 ≤ t ≤ n, `min_custodians` ≤ n ≤ `max_custodians`, ids non-blank and unique.
    pub fn check(&self, field: &str, rules: &ProcedureRules, out: &mut Vec<RuleViolation>) {
        let n = self.person_ids.len();
        let distinct: BTreeSet<&str> = self.person_ids.iter().map(|s| s.trim()).collect();
        if distinct.len() != n || distinct.contains("") {
            out.push(RuleViolation::new(
                RuleCode::CustodianIdsInvalid,
                &format!("{field}.person_ids"),
                "custodian ids must be non-blank and distinct",
            ));
        }
        if n < usize::from(rules.min_custodians) || n > usize::from(rules.max_custodians) {
            out.push(RuleViolation::new(
                RuleCode::CustodianCountOutOfRange,
                &format!("{field}.person_ids"),
                &format!(
                    "between {} and {} custodians are required",
                    rules.min_custodians, rules.max_custodians
                ),
            ));
        }
        // One custodian alone must never be able to open bids (and the key split needs t ≥ 2).
        if self.threshold < 2 || usize::from(self.threshold) > n {
            out.push(RuleViolation::new(
                RuleCode::CustodianThresholdInvalid,
                &format!("{field}.threshold"),
                &format!("the threshold must be between 2 and the number of custodians ({n})"),
            ));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rust_decimal::dec;

    pub(crate) fn money(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn announcement_and_version_kinds_keep_their_stored_codes() {
        for k in AnnouncementKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(AnnouncementKind::parse(k.as_str()), Some(k));
        }
        let codes: std::collections::BTreeSet<&str> =
            AnnouncementKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(codes.len(), AnnouncementKind::ALL.len());
        assert_eq!(AnnouncementKind::parse("cancellation"), None);
        assert_eq!(VersionKind::of(1), VersionKind::Publication);
        assert_eq!(VersionKind::of(2), VersionKind::Amendment);
        for k in [VersionKind::Publication, VersionKind::Amendment] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(VersionKind::parse(k.as_str()), Some(k));
        }
    }

    pub(crate) fn scoring(weights: &[(&str, Decimal)]) -> EvaluationMethod {
        EvaluationMethod::ComprehensiveScoring {
            weights: weights
                .iter()
                .map(|(n, w)| Weight {
                    name: (*n).to_string(),
                    weight: *w,
                })
                .collect(),
            criteria: Vec::new(),
            price: None,
        }
    }

    pub(crate) fn section(code: &str) -> Section {
        Section {
            code: code.to_string(),
            name: format!("标段 {code}"),
            category: ProcurementCategory::Works,
            estimated_price: money("10000000"),
            price_cap: Some(money("9800000")),
            bid_bond: Some(money("200000")),
            qualification_requirements: vec!["建筑工程施工总承包二级及以上".to_string()],
            evaluation: scoring(&[
                ("price", dec!(60)),
                ("technical", dec!(30)),
                ("commercial", dec!(10)),
            ]),
            award: AwardMode::Traditional { candidates: None },
            preliminary_review: Vec::new(),
            shortfall: ShortfallRule::default(),
            award_terms: AwardTerms::default(),
            contract: None,
            licence_requirements: LicenceRequirements::default(),
        }
    }

    fn violations(s: &Section) -> Vec<RuleCode> {
        let mut out = Vec::new();
        s.check("s", &ProcedureRules::STATUTORY, &mut out);
        out.into_iter().map(|v| v.rule).collect()
    }

    fn custodian_codes(ids: &[String], threshold: u8) -> Vec<RuleCode> {
        let c = Custodians {
            person_ids: ids.to_vec(),
            threshold,
        };
        let mut out = Vec::new();
        c.check("custodians", &ProcedureRules::STATUTORY, &mut out);
        out.into_iter().map(|v| v.rule).collect()
    }

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("p{i}")).collect()
    }

    #[test]
    fn a_sound_section_passes() {
        assert_eq!(violations(&section("A1")), vec![]);
    }

    #[test]
    fn bond_exactly_two_percent_passes_one_fen_more_fails() {
        let mut s = section("A1");
        s.category = ProcurementCategory::Goods;
        s.estimated_price = money("1234567.89");
        // 2 % of 1,234,567.89 = 24,691.3578: 24,691.35 is within, 24,691.36 is over.
        s.bid_bond = Some(money("24691.35"));
        assert_eq!(violations(&s), vec![]);
        s.bid_bond = Some(money("24691.36"));
        assert_eq!(violations(&s), vec![RuleCode::BidBondOverTwoPercent]);

        s.estimated_price = money("10000000");
        s.bid_bond = Some(money("200000.00"));
        assert_eq!(violations(&s), vec![]);
        s.bid_bond = Some(money("200000.01"));
        assert_eq!(violations(&s), vec![RuleCode::BidBondOverTwoPercent]);
    }

    #[test]
    fn works_cap_boundary() {
        let mut s = section("A1");
        s.estimated_price = money("100000000");
        s.price_cap = None;
        s.bid_bond = Some(money("800000"));
        assert_eq!(violations(&s), vec![]);
        s.bid_bond = Some(money("800000.01"));
        assert_eq!(violations(&s), vec![RuleCode::BidBondOverWorksCap]);
        // The cap is for works only.
        s.category = ProcurementCategory::Services;
        assert_eq!(violations(&s), vec![]);
        // Both limits can fail at once and both are reported.
        s.category = ProcurementCategory::Works;
        s.estimated_price = money("40000000.01");
        s.bid_bond = Some(money("900000"));
        assert_eq!(
            violations(&s),
            vec![
                RuleCode::BidBondOverTwoPercent,
                RuleCode::BidBondOverWorksCap
            ]
        );
    }

    #[test]
    fn works_cap_comes_from_the_rules() {
        let mut rules = ProcedureRules::STATUTORY;
        rules.works_bid_bond_cap = dec!(500000);
        let mut s = section("A1");
        s.estimated_price = money("100000000");
        s.bid_bond = Some(money("500000.01"));
        let mut out = Vec::new();
        s.check("s", &rules, &mut out);
        assert_eq!(
            out.iter().map(|v| v.rule).collect::<Vec<_>>(),
            vec![RuleCode::BidBondOverWorksCap]
        );
    }

    #[test]
    fn weights_must_sum_to_exactly_100() {
        let mut s = section("A1");
        for (total, ok) in [(dec!(99), false), (dec!(100), true), (dec!(101), false)] {
            s.evaluation = scoring(&[("price", total - dec!(40)), ("technical", dec!(40))]);
            let v = violations(&s);
            assert_eq!(v.is_empty(), ok, "total {total}: {v:?}");
            if !ok {
                assert_eq!(v, vec![RuleCode::WeightsDoNotSumTo100]);
            }
        }
        s.evaluation = scoring(&[("price", dec!(12.5)), ("quality", dec!(87.5))]);
        assert_eq!(violations(&s), vec![]);
        s.evaluation = scoring(&[("price", dec!(50)), ("price", dec!(50))]);
        assert_eq!(violations(&s), vec![RuleCode::WeightInvalid]);
        s.evaluation = scoring(&[("price", dec!(110)), ("tech", dec!(-10))]);
        assert_eq!(violations(&s), vec![RuleCode::WeightInvalid]);
        s.evaluation = scoring(&[]);
        assert_eq!(violations(&s), vec![RuleCode::WeightsDoNotSumTo100]);
    }

    #[test]
    fn candidate_counts() {
        let mut s = section("A1");
        for (n, ok) in [(0, false), (1, true), (3, true), (4, false)] {
            s.award = AwardMode::Traditional {
                candidates: Some(n),
            };
            assert_eq!(violations(&s).is_empty(), ok, "traditional {n}");
        }
        for (n, ok) in [(2, false), (3, true), (7, true), (8, false)] {
            s.award = AwardMode::Separated {
                candidates: Some(n),
                method: AwardMethod::DirectVote {
                    absolute_majority: false,
                },
                committee: None,
                criteria: Default::default(),
            };
            assert_eq!(violations(&s).is_empty(), ok, "separated {n}");
        }
        s.award = AwardMode::Separated {
            candidates: None,
            method: AwardMethod::Lottery,
            committee: None,
            criteria: Default::default(),
        };
        assert_eq!(s.award.candidate_count(&ProcedureRules::STATUTORY), 3);
        assert_eq!(violations(&s), vec![]);
    }

    #[test]
    fn qualitative_needs_separation_and_shortlist_is_bounded() {
        let mut s = section("A1");
        s.evaluation = EvaluationMethod::Qualitative;
        assert_eq!(
            violations(&s),
            vec![RuleCode::QualitativeRequiresSeparatedAward]
        );
        for (k, ok) in [(1, false), (2, true), (4, true), (5, false)] {
            s.award = AwardMode::Separated {
                candidates: Some(5),
                method: AwardMethod::VoteThenLottery { shortlist: k },
                committee: None,
                criteria: Default::default(),
            };
            assert_eq!(violations(&s).is_empty(), ok, "shortlist {k}");
        }
    }

    #[test]
    fn custodian_threshold() {
        assert_eq!(
            custodian_codes(&ids(3), 1),
            vec![RuleCode::CustodianThresholdInvalid]
        );
        assert_eq!(custodian_codes(&ids(3), 2), vec![]);
        assert_eq!(custodian_codes(&ids(3), 3), vec![]);
        assert_eq!(
            custodian_codes(&ids(3), 0),
            vec![RuleCode::CustodianThresholdInvalid]
        );
        assert_eq!(
            custodian_codes(&ids(3), 4),
            vec![RuleCode::CustodianThresholdInvalid]
        );
        assert_eq!(
            custodian_codes(&ids(1), 1),
            vec![
                RuleCode::CustodianCountOutOfRange,
                RuleCode::CustodianThresholdInvalid
            ]
        );
        assert_eq!(custodian_codes(&ids(2), 2), vec![]);
        assert_eq!(custodian_codes(&ids(15), 8), vec![]);
        assert_eq!(
            custodian_codes(&ids(16), 8),
            vec![RuleCode::CustodianCountOutOfRange]
        );
        let dup = vec!["a".to_string(), "a".to_string()];
        assert_eq!(
            custodian_codes(&dup, 2),
            vec![RuleCode::CustodianIdsInvalid]
        );
        let blank = vec!["a".to_string(), " ".to_string()];
        assert_eq!(
            custodian_codes(&blank, 2),
            vec![RuleCode::CustodianIdsInvalid]
        );
    }

    #[test]
    fn price_floor_is_refused_with_its_own_code() {
        let body = serde_json::json!({
            "procedure": "open",
            "sections": [{"code": "A1"}, {"code": "A2", "price_floor": "100"}],
            "price_floor": null
        });
        let err = refuse_price_floor(&body).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].rule, RuleCode::PriceFloorForbidden);
        assert_eq!(err[0].field, "sections[1].price_floor");
        assert!(refuse_price_floor(&serde_json::json!({"sections": [{"price_cap": "1"}]})).is_ok());
        // The typed model cannot carry one at all.
        let mut json = serde_json::to_value(section("A1")).unwrap();
        json["price_floor"] = serde_json::json!("1.00");
        assert!(serde_json::from_value::<Section>(json).is_err());
    }

    #[test]
    fn rules_table_overrides_from_toml_key_by_key() {
        let table: ProcedureRulesTable = toml::from_str(
            r#"
            [invited]
            min_invitees = 5
            works_bid_bond_cap = "500000"
            "#,
        )
        .unwrap();
        assert_eq!(table.open, ProcedureRules::STATUTORY);
        assert_eq!(table.invited.min_invitees, 5);
        assert_eq!(table.invited.works_bid_bond_cap, dec!(500000));
        assert_eq!(table.invited.min_days_issue_to_deadline, 20);
        assert!(table.check().is_ok());
        assert!(toml::from_str::<ProcedureRulesTable>("[open]\nmin_days = 3").is_err());
        let bad: ProcedureRulesTable = toml::from_str("[open]\nmin_custodians = 20").unwrap();
        assert!(bad.check().unwrap_err().starts_with("open:"));
        let round: ProcedureRulesTable =
            toml::from_str(&toml::to_string(&ProcedureRulesTable::DEFAULT).unwrap()).unwrap();
        assert_eq!(round, ProcedureRulesTable::DEFAULT);
    }

    #[test]
    fn an_award_committee_is_odd_at_least_five_and_draws_no_more_than_it_has() {
        let mut s = section("BD01");
        for (size, drawn, ok) in [
            (5, None, true),
            (7, Some(0), true),
            (9, Some(9), true),
            (4, None, false),
            (6, Some(3), false),
            (3, Some(3), false),
            (5, Some(6), false),
            (27, None, false),
        ] {
            s.award = AwardMode::Separated {
                candidates: Some(3),
                method: AwardMethod::Lottery,
                committee: Some(AwardCommitteeRule { size, drawn }),
                criteria: AwardCriteria::default(),
            };
            let v = violations(&s);
            assert_eq!(v.is_empty(), ok, "{size} {drawn:?}: {v:?}");
            if !ok {
                assert_eq!(v, vec![RuleCode::AwardCommitteeInvalid]);
            }
        }
        s.award = AwardMode::Separated {
            candidates: Some(3),
            method: AwardMethod::Lottery,
            committee: None,
            criteria: AwardCriteria {
                factors: vec!["信誉".into()],
                prefer: vec![" padded".into()],
                rule_out: vec![],
            },
        };
        assert_eq!(violations(&s), vec![RuleCode::AwardCriteriaInvalid]);
    }

    #[test]
    fn award_mode_json_shape() {
        let m: AwardMode = serde_json::from_value(serde_json::json!({
            "kind": "separated", "candidates": 5,
            "method": {"kind": "vote_then_lottery", "shortlist": 2}
        }))
        .unwrap();
        assert_eq!(
            m,
            AwardMode::Separated {
                candidates: Some(5),
                method: AwardMethod::VoteThenLottery { shortlist: 2 },
                committee: None,
                criteria: AwardCriteria::default(),
            }
        );
        // Written without a committee, stored without one: existing tenders keep their bytes.
        assert!(!serde_json::to_string(&m).unwrap().contains("committee"));
        assert_eq!(
            m.committee_rule(),
            AwardCommitteeRule {
                size: 5,
                drawn: None
            }
        );
        let m: AwardMode = serde_json::from_value(serde_json::json!({
            "kind": "separated", "method": {"kind": "lottery"},
            "committee": {"size": 7, "drawn": 4}, "criteria": {"prefer": ["业绩优者"]}
        }))
        .unwrap();
        assert_eq!(
            (m.committee_rule().drawn(), m.committee_rule().appointed()),
            (4, 3)
        );
        assert_eq!(m.criteria().prefer, vec!["业绩优者".to_string()]);
        let e: EvaluationMethod = serde_json::from_value(serde_json::json!({
            "kind": "comprehensive_scoring",
            "weights": [{"name": "price", "weight": "60"}, {"name": "tech", "weight": 40}]
        }))
        .unwrap();
        assert_eq!(e, scoring(&[("price", dec!(60)), ("tech", dec!(40))]));
    }
}
