//! Open Contracting Data Standard 1.1 export of the tender lifecycle: one release per lifecycle
//! event, and release packages around them. Core schema only (no extensions), so the output
//! validates offline against the shared `standard-1__1__5.zip` with zero errors and zero
//! additional fields.
//!
//! Design choices (all against the core 1.1.5 schema):
//!
//! * **Sections (标段) are `tender.items`**, one item per section (`id` = 标段编号, `quantity` 1,
//!   `unit.value` = the section's estimated price). `lots` is an extension, not core; a separate
//!   ocid per section would split one announcement into several contracting processes and break
//!   "one release per event". Later per-section awards can point at their item via
//!   `awards[].items`, which is core.
//! * **Amounts** are JSON numbers (OCDS requires `number`) in CNY. Integers are written exactly as
//!   integers; other amounts go through the correctly rounded `f64` of their decimal text, which
//!   serde_json prints in shortest round-trip form, so every amount of at most 15 significant
//!   digits (anything below ¥10,000,000,000,000.00) reads back as exactly the same decimal.
//! * **ocid** = `{prefix}-{tender_id}`; the prefix is configurable and defaults to
//!   [`DEFAULT_OCID_PREFIX`] (`ocds-` + 6 characters, the registered-prefix shape; replace it with
//!   the prefix the Open Contracting Partnership assigns before publishing for real).
//! * **Release id** = `{ocid}-{event_id}`: stable across calls and unique per event.
//! * **Statuses** go through one table, [`tender_status`]; tags through [`release_tag`].
//! * **Document hashes**: core `Document` has no hash field, so the SHA-256 is stated in
//!   `description` as `SHA-256: <hex>` (machine-readable, and no undeclared field).
//! * **Price caps** (最高投标限价) have no core field either; they are stated in the item
//!   description. A price floor never appears (条例27 forbids it), so `minValue` is never used.
//! * Bid bonds and custodians are not exported (no core field). Evaluation weights, candidate
//!   counts and 定标 methods appear only as text, in `awardCriteriaDetails`; `awardCriteria` is set
//!   only when every section maps to the same codelist value ([`award_criteria`]).
//! * `CN-USCC` as `identifier.scheme` follows the brief; check it against the org-id.guide list
//!   before the first public release (not verifiable offline).

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Map, Number, Value};

use crate::domain::lifecycle::{EventKind, StateKind};
use crate::domain::money::Money;
use crate::domain::tender::{
    AwardMethod, AwardMode, EvaluationMethod, ProcedureType, ProcurementCategory, Schedule, Section,
};

/// Default ocid prefix until a registered one is configured.
pub const DEFAULT_OCID_PREFIX: &str = "ocds-etendr";
/// The schema version packages declare.
pub const OCDS_VERSION: &str = "1.1";
/// `identifier.scheme` for 统一社会信用代码.
pub const USCC_SCHEME: &str = "CN-USCC";
pub const CURRENCY: &str = "CNY";
pub const LANGUAGE: &str = "zh";

/// An organisation as it appears in a release: name plus USCC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsOrganisation {
    pub name: String,
    pub uscc: String,
}

/// `documentType` values we use, all from the open `documentType` codelist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentType {
    /// 招标公告 / 投标邀请书
    TenderNotice,
    /// 招标文件
    BiddingDocuments,
    TechnicalSpecifications,
    EvaluationCriteria,
    /// 工程量清单
    BillOfQuantity,
    /// 澄清 / 修改
    Clarifications,
    EligibilityCriteria,
    ContractDraft,
    /// 终止公告
    CancellationDetails,
    /// 异议 / 投诉 and their answers
    Complaints,
    /// 中标结果公告
    AwardNotice,
    /// The contract as both parties signed it.
    ContractSigned,
}

impl DocumentType {
    pub fn code(self) -> &'static str {
        match self {
            DocumentType::TenderNotice => "tenderNotice",
            DocumentType::BiddingDocuments => "biddingDocuments",
            DocumentType::TechnicalSpecifications => "technicalSpecifications",
            DocumentType::EvaluationCriteria => "evaluationCriteria",
            DocumentType::BillOfQuantity => "billOfQuantity",
            DocumentType::Clarifications => "clarifications",
            DocumentType::EligibilityCriteria => "eligibilityCriteria",
            DocumentType::ContractDraft => "contractDraft",
            DocumentType::CancellationDetails => "cancellationDetails",
            DocumentType::Complaints => "complaints",
            DocumentType::AwardNotice => "awardNotice",
            DocumentType::ContractSigned => "contractSigned",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsDocument {
    /// Stable across versions of the same document (a new version changes `date_modified`).
    pub id: String,
    pub document_type: DocumentType,
    pub title: String,
    /// Lower-case hex SHA-256 of the published bytes.
    pub sha256: String,
    pub url: Option<String>,
    /// MIME type.
    pub format: Option<String>,
    pub date_published: DateTime<Utc>,
    pub date_modified: Option<DateTime<Utc>>,
}

/// A published clarification or amendment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsAmendment {
    pub id: String,
    /// The lifecycle event that published it; its release is `releaseID`.
    pub event_id: String,
    /// The event whose release it amends (`amendsReleaseID`), normally the previous one.
    pub amends_event_id: Option<String>,
    pub date: DateTime<Utc>,
    pub rationale: String,
    pub description: Option<String>,
}

/// The tender as it stands after an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsTender {
    pub tender_id: String,
    pub title: String,
    pub description: Option<String>,
    pub procedure: ProcedureType,
    /// 招标人: the OCDS buyer.
    pub tenderer: OcdsOrganisation,
    /// 招标代理机构: the procuring entity when present (委托招标); otherwise the tenderer is both.
    pub agent: Option<OcdsOrganisation>,
    pub sections: Vec<Section>,
    pub schedule: Schedule,
    pub documents: Vec<OcdsDocument>,
    pub amendments: Vec<OcdsAmendment>,
}

/// One lifecycle event, the unit of publication. Only events of published tenders are released;
/// a draft's events (including `Cancel`) are never published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsEvent {
    pub ocid_prefix: String,
    /// Unique and stable per event (e.g. the audit-log sequence number).
    pub event_id: String,
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    /// The state after the event.
    pub state: StateKind,
    pub tender: OcdsTender,
}

/// `publisher` of a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsPublisher {
    pub name: String,
    pub scheme: Option<String>,
    pub uid: Option<String>,
    pub uri: Option<String>,
}

/// THE mapping from lifecycle states to the closed `tenderStatus` codelist. Suspension, closing
/// and every evaluation step are still "a tender process currently taking place"; internal
/// statuses never leak into the codelist field.
pub fn tender_status(state: StateKind) -> &'static str {
    match state {
        // Never released; "planned" is the honest value should one ever be.
        StateKind::Draft => "planned",
        StateKind::Published
        | StateKind::Suspended
        | StateKind::Closed
        | StateKind::Opening
        | StateKind::Evaluating
        | StateKind::Evaluated
        | StateKind::Clearing
        | StateKind::Deciding
        | StateKind::Decided
        | StateKind::Publicity => "active",
        StateKind::Terminated | StateKind::Cancelled => "cancelled",
        StateKind::Failed => "unsuccessful",
        StateKind::Awarded | StateKind::Contracted => "complete",
    }
}

/// The closed `releaseTag` value for each lifecycle event.
pub fn release_tag(event: EventKind) -> &'static str {
    match event {
        EventKind::Publish => "tender",
        EventKind::Amend => "tenderAmendment",
        EventKind::RaiseObjection
        | EventKind::AnswerObjection
        | EventKind::Suspend
        | EventKind::Resume
        | EventKind::DeadlineReached
        | EventKind::StartOpening
        | EventKind::FinishOpening
        | EventKind::FinishEvaluation
        | EventKind::AwardProgressed => "tenderUpdate",
        EventKind::Terminate | EventKind::Cancel => "tenderCancellation",
    }
}

/// `procurementMethod` (closed `method` codelist). 邀请招标 is "limited": the tenderer picks whom
/// to invite without a public call, which is the codelist's definition of limited; "selective"
/// means a public call followed by qualification, i.e. 资格预审 under 公开招标.
pub fn procurement_method(procedure: ProcedureType) -> &'static str {
    match procedure {
        ProcedureType::Open => "open",
        ProcedureType::Invited => "limited",
    }
}

fn procurement_category(c: ProcurementCategory) -> &'static str {
    match c {
        ProcurementCategory::Works => "works",
        ProcurementCategory::Goods => "goods",
        ProcurementCategory::Services => "services",
    }
}

/// `awardCriteria` for a section, where the codelist has a fitting value. Vote, deliberation and
/// lottery awards under 评定分离 have none; they are described in `awardCriteriaDetails` only.
pub fn award_criteria(evaluation: &EvaluationMethod, award: &AwardMode) -> Option<&'static str> {
    match (award, evaluation) {
        (
            AwardMode::Separated {
                method: AwardMethod::PriceCompetition,
                ..
            },
            _,
        ) => Some("priceOnly"),
        (AwardMode::Separated { .. }, _) => None,
        (AwardMode::Traditional { .. }, EvaluationMethod::ComprehensiveScoring { .. }) => {
            Some("ratedCriteria")
        }
        (AwardMode::Traditional { .. }, EvaluationMethod::LowestEvaluatedPrice { .. }) => {
            Some("priceOnly")
        }
        (AwardMode::Traditional { .. }, EvaluationMethod::Qualitative) => None,
    }
}

/// `ocds-` followed by exactly 6 lower-case letters or digits.
pub fn is_valid_ocid_prefix(prefix: &str) -> bool {
    prefix.strip_prefix("ocds-").is_some_and(|rest| {
        rest.len() == 6
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

pub fn ocid(prefix: &str, tender_id: &str) -> String {
    format!("{prefix}-{tender_id}")
}

pub fn release_id(ocid: &str, event_id: &str) -> String {
    format!("{ocid}-{event_id}")
}

/// A money amount as an OCDS JSON number (see the module doc for the precision guarantee).
pub fn amount(m: Money) -> Value {
    decimal_number(m.amount())
}

fn decimal_number(d: Decimal) -> Value {
    let d = d.normalize();
    if d.scale() == 0 {
        if let Some(u) = d.to_u64() {
            return Value::from(u);
        }
    }
    d.to_string()
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// `{"amount": …, "currency": "CNY"}`.
pub fn value(m: Money) -> Value {
    json!({ "amount": amount(m), "currency": CURRENCY })
}

fn date(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn party_id(org: &OcdsOrganisation) -> String {
    format!("{USCC_SCHEME}-{}", org.uscc)
}

fn org_ref(org: &OcdsOrganisation) -> Value {
    json!({ "id": party_id(org), "name": org.name })
}

fn parties(t: &OcdsTender) -> Vec<Value> {
    let mut list: Vec<(&OcdsOrganisation, Vec<&str>)> = vec![(&t.tenderer, vec!["buyer"])];
    match &t.agent {
        None => list[0].1.push("procuringEntity"),
        Some(agent) if agent.uscc == t.tenderer.uscc => list[0].1.push("procuringEntity"),
        Some(agent) => list.push((agent, vec!["procuringEntity"])),
    }
    list.into_iter()
        .map(|(org, roles)| {
            json!({
                "id": party_id(org),
                "name": org.name,
                "identifier": { "scheme": USCC_SCHEME, "id": org.uscc, "legalName": org.name },
                "roles": roles,
            })
        })
        .collect()
}

fn item(s: &Section) -> Value {
    let description = match s.price_cap {
        Some(cap) => format!("{}（最高投标限价 {} 元）", s.name, cap),
        None => s.name.clone(),
    };
    json!({
        "id": s.code,
        "description": description,
        "quantity": 1,
        "unit": { "name": "标段", "value": value(s.estimated_price) },
    })
}

fn evaluation_text(e: &EvaluationMethod) -> String {
    match e {
        EvaluationMethod::ComprehensiveScoring { weights, .. } => {
            let parts: Vec<String> = weights
                .iter()
                .map(|w| format!("{} {}", w.name, w.weight.normalize()))
                .collect();
            format!("综合评估法（{}）", parts.join("，"))
        }
        EvaluationMethod::LowestEvaluatedPrice { .. } => "经评审的最低投标价法".to_string(),
        EvaluationMethod::Qualitative => "定性评审".to_string(),
    }
}

fn award_text(a: &AwardMode) -> String {
    let count =
        |n: &Option<u8>| n.map_or_else(|| "按规则默认数量的".to_string(), |n| format!("{n} 名"));
    match a {
        AwardMode::Traditional { candidates } => format!("推荐{}排序中标候选人", count(candidates)),
        AwardMode::Separated {
            candidates, method, ..
        } => {
            format!(
                "评定分离：推荐{}不排序定标候选人，{}",
                count(candidates),
                method.legal_name()
            )
        }
    }
}

fn per_section(t: &OcdsTender, f: impl Fn(&Section) -> Option<String>) -> Option<String> {
    let lines: Vec<String> = t
        .sections
        .iter()
        .filter_map(|s| f(s).map(|text| format!("{}：{}", s.code, text)))
        .collect();
    if lines.is_empty() {
        None
    } else {
        Some(lines.join("\n"))
    }
}

fn document(d: &OcdsDocument) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(d.id));
    m.insert("documentType".into(), json!(d.document_type.code()));
    m.insert("title".into(), json!(d.title));
    m.insert(
        "description".into(),
        json!(format!("SHA-256: {}", d.sha256)),
    );
    if let Some(url) = &d.url {
        m.insert("url".into(), json!(url));
    }
    m.insert("datePublished".into(), json!(date(d.date_published)));
    if let Some(t) = d.date_modified {
        m.insert("dateModified".into(), json!(date(t)));
    }
    if let Some(f) = &d.format {
        m.insert("format".into(), json!(f));
    }
    m.insert("language".into(), json!(LANGUAGE));
    Value::Object(m)
}

fn amendment(ocid: &str, a: &OcdsAmendment) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(a.id));
    m.insert("date".into(), json!(date(a.date)));
    m.insert("rationale".into(), json!(a.rationale));
    if let Some(d) = &a.description {
        m.insert("description".into(), json!(d));
    }
    if let Some(prev) = &a.amends_event_id {
        m.insert("amendsReleaseID".into(), json!(release_id(ocid, prev)));
    }
    m.insert("releaseID".into(), json!(release_id(ocid, &a.event_id)));
    Value::Object(m)
}

fn categories(t: &OcdsTender) -> (Option<&'static str>, Vec<&'static str>) {
    // The main category is the one with the largest estimated total; ties go to declaration order.
    let mut totals: Vec<(ProcurementCategory, Decimal)> = Vec::new();
    for s in &t.sections {
        match totals.iter_mut().find(|(c, _)| *c == s.category) {
            Some((_, total)) => *total += s.estimated_price.amount(),
            None => totals.push((s.category, s.estimated_price.amount())),
        }
    }
    let main = totals.iter().fold(
        None::<(ProcurementCategory, Decimal)>,
        |best, &(c, v)| match best {
            Some((_, bv)) if bv >= v => best,
            _ => Some((c, v)),
        },
    );
    let main_cat = main.map(|(c, _)| c);
    let others = totals
        .iter()
        .filter(|(c, _)| Some(*c) != main_cat)
        .map(|(c, _)| procurement_category(*c))
        .collect();
    (main_cat.map(procurement_category), others)
}

/// One OCDS release for one lifecycle event.
pub fn release(event: &OcdsEvent) -> Value {
    let t = &event.tender;
    let ocid = ocid(&event.ocid_prefix, &t.tender_id);
    let procuring = t.agent.as_ref().unwrap_or(&t.tenderer);
    let total: Decimal = t.sections.iter().map(|s| s.estimated_price.amount()).sum();

    let mut tender = Map::new();
    tender.insert("id".into(), json!(t.tender_id));
    tender.insert("title".into(), json!(t.title));
    if let Some(d) = &t.description {
        tender.insert("description".into(), json!(d));
    }
    tender.insert("status".into(), json!(tender_status(event.state)));
    tender.insert("procuringEntity".into(), org_ref(procuring));
    tender.insert(
        "items".into(),
        Value::Array(t.sections.iter().map(item).collect()),
    );
    if !t.sections.is_empty() {
        tender.insert(
            "value".into(),
            json!({ "amount": decimal_number(total), "currency": CURRENCY }),
        );
    }
    tender.insert(
        "procurementMethod".into(),
        json!(procurement_method(t.procedure)),
    );
    tender.insert(
        "procurementMethodDetails".into(),
        json!(t.procedure.legal_name()),
    );
    let (main, others) = categories(t);
    if let Some(main) = main {
        tender.insert("mainProcurementCategory".into(), json!(main));
    }
    if !others.is_empty() {
        tender.insert("additionalProcurementCategories".into(), json!(others));
    }
    let criteria: Vec<Option<&str>> = t
        .sections
        .iter()
        .map(|s| award_criteria(&s.evaluation, &s.award))
        .collect();
    if let Some(Some(first)) = criteria.first() {
        if criteria.iter().all(|c| *c == Some(first)) {
            tender.insert("awardCriteria".into(), json!(first));
        }
    }
    if let Some(details) = per_section(t, |s| {
        Some(format!(
            "{}；{}",
            evaluation_text(&s.evaluation),
            award_text(&s.award)
        ))
    }) {
        tender.insert("awardCriteriaDetails".into(), json!(details));
    }
    tender.insert("submissionMethod".into(), json!(["electronicSubmission"]));
    tender.insert(
        "tenderPeriod".into(),
        json!({
            "startDate": date(t.schedule.documents_available_from),
            "endDate": date(t.schedule.bid_deadline),
        }),
    );
    tender.insert(
        "enquiryPeriod".into(),
        json!({
            "startDate": date(t.schedule.documents_available_from),
            "endDate": date(t.schedule.clarification_cutoff),
        }),
    );
    let eligibility = per_section(t, |s| {
        let reqs: Vec<&str> = s
            .qualification_requirements
            .iter()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
            .collect();
        (!reqs.is_empty()).then(|| reqs.join("；"))
    });
    if let Some(e) = eligibility {
        tender.insert("eligibilityCriteria".into(), json!(e));
    }
    if !t.documents.is_empty() {
        tender.insert(
            "documents".into(),
            Value::Array(t.documents.iter().map(document).collect()),
        );
    }
    if !t.amendments.is_empty() {
        tender.insert(
            "amendments".into(),
            Value::Array(t.amendments.iter().map(|a| amendment(&ocid, a)).collect()),
        );
    }

    json!({
        "ocid": ocid,
        "id": release_id(&ocid, &event.event_id),
        "date": date(event.at),
        "tag": [release_tag(event.kind)],
        "initiationType": "tender",
        "language": LANGUAGE,
        "parties": parties(t),
        "buyer": org_ref(&t.tenderer),
        "tender": Value::Object(tender),
    })
}

/// The bids extension (`bids.details`, `awards[].relatedBids`), declared by a package whose
/// releases carry bids. Not core: validating offline needs its schema (see
/// tests/support/ocds_validate.py).
pub const BID_EXTENSION: &str = concat!(
    "https://raw.githubusercontent.com/open-contracting-extensions/",
    "ocds_bid_extension/v1.1.5/extension.json"
);

/// A bid of the section as the award release lists it (bids extension `bids.details`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsBid {
    pub id: String,
    pub bidder: OcdsOrganisation,
    pub price: Option<Money>,
    /// A candidate of the 评标报告 (`valid`), another valid bid (`valid`) or rejected
    /// (`disqualified`): the closed `bidStatus` codelist's words.
    pub status: &'static str,
}

/// A section's award, released with its notices (tag `award`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsAward {
    pub section: String,
    pub award_round: i32,
    pub title: String,
    /// Why the winner was chosen (the method and the tenderer's reason).
    pub description: String,
    pub date: DateTime<Utc>,
    pub winner_bid: String,
    pub supplier: OcdsOrganisation,
    pub value: Money,
    pub bids: Vec<OcdsBid>,
    /// The result announcement (中标结果公告), published with the notices.
    pub notice: Option<OcdsDocument>,
}

/// The award release of one section: the tender as [`release`] gives it for `event`, tagged
/// `award`, with every bidder in `parties` (the winner also as `supplier`), the section's bids
/// in `bids.details` and the award (`awards[]`: id `{tender}-{section}-{round}`, stable across
/// releases, status `active`, the winner as supplier, its price as value, the section's item).
pub fn award_release(event: &OcdsEvent, award: &OcdsAward) -> Value {
    let mut r = release(event);
    r["tag"] = json!(["award"]);
    let mut parties: Vec<Value> = r["parties"].as_array().cloned().unwrap_or_default();
    for b in &award.bids {
        let id = party_id(&b.bidder);
        let mut roles = vec!["tenderer"];
        if b.id == award.winner_bid {
            roles.push("supplier");
        }
        match parties.iter_mut().find(|p| p["id"] == json!(id)) {
            Some(p) => {
                let list = p["roles"].as_array_mut();
                if let Some(list) = list {
                    for role in roles {
                        if !list.contains(&json!(role)) {
                            list.push(json!(role));
                        }
                    }
                }
            }
            None => parties.push(json!({
                "id": id,
                "name": b.bidder.name,
                "identifier": {"scheme": USCC_SCHEME, "id": b.bidder.uscc,
                    "legalName": b.bidder.name},
                "roles": roles,
            })),
        }
    }
    r["parties"] = Value::Array(parties);
    let details: Vec<Value> = award
        .bids
        .iter()
        .map(|b| {
            let mut m = Map::new();
            m.insert("id".into(), json!(b.id));
            m.insert("status".into(), json!(b.status));
            m.insert("tenderers".into(), json!([org_ref(&b.bidder)]));
            if let Some(p) = b.price {
                m.insert("value".into(), value(p));
            }
            Value::Object(m)
        })
        .collect();
    r["bids"] = json!({ "details": details });
    let mut a = Map::new();
    a.insert(
        "id".into(),
        json!(format!(
            "{}-{}-{}",
            event.tender.tender_id, award.section, award.award_round
        )),
    );
    a.insert("title".into(), json!(award.title));
    a.insert("description".into(), json!(award.description));
    a.insert("status".into(), json!("active"));
    a.insert("date".into(), json!(date(award.date)));
    a.insert("value".into(), value(award.value));
    a.insert("suppliers".into(), json!([org_ref(&award.supplier)]));
    if let Some(s) = event
        .tender
        .sections
        .iter()
        .find(|s| s.code == award.section)
    {
        a.insert("items".into(), json!([item(s)]));
    }
    a.insert("relatedBids".into(), json!([award.winner_bid]));
    if let Some(d) = &award.notice {
        a.insert("documents".into(), json!([document(d)]));
    }
    r["awards"] = json!([Value::Object(a)]);
    r
}

/// A payment milestone of the contract (`contracts[].milestones`, type `payment`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsMilestone {
    pub code: String,
    pub title: String,
    /// The share of the price, shown in the description (1.1 milestones carry no value).
    pub amount: Money,
    /// `scheduled`, `partiallyMet` or `met` (closed `milestoneStatus`).
    pub status: &'static str,
}

/// A change to the contract in force (`contracts[].amendments`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsContractAmendment {
    pub id: String,
    pub date: DateTime<Utc>,
    pub rationale: String,
    pub description: String,
}

/// A payment the treasury made on the contract (`implementation.transactions`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsTransaction {
    pub id: String,
    pub date: DateTime<Utc>,
    pub value: Money,
    pub payee: OcdsOrganisation,
    /// Where the record came from (the treasury interface's URL of the contract's payments).
    pub source: Option<String>,
}

/// A section's contract as OCDS releases it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcdsContract {
    pub id: String,
    pub section: String,
    pub award_round: i32,
    pub title: String,
    /// `active` once both signed, `terminated` after a termination both signed (closed
    /// `contractStatus`).
    pub status: &'static str,
    pub value: Money,
    pub supplier: OcdsOrganisation,
    pub date_signed: Option<DateTime<Utc>>,
    pub start_date: Option<DateTime<Utc>>,
    pub duration_days: u32,
    /// The signed document (the canonical JSON whose digest both parties signed).
    pub document: OcdsDocument,
    pub milestones: Vec<OcdsMilestone>,
    pub amendments: Vec<OcdsContractAmendment>,
    pub transactions: Vec<OcdsTransaction>,
}

/// The release of a section's contract: the tender as [`release`] gives it for `event`, tagged
/// `tag` (`contract`, `contractAmendment`, `contractTermination` or `implementation`), the
/// supplier in `parties` (also `payee` once paid; the buyer is the `payer`), the award the
/// contract follows (`awards[]`, id `{tender}-{section}-{round}` as in [`award_release`]) and
/// the contract with its milestones, amendments and `implementation.transactions`.
pub fn contract_release(event: &OcdsEvent, tag: &'static str, k: &OcdsContract) -> Value {
    let mut r = release(event);
    r["tag"] = json!([tag]);
    let paid = !k.transactions.is_empty();
    let mut parties: Vec<Value> = r["parties"].as_array().cloned().unwrap_or_default();
    let add_roles = |parties: &mut Vec<Value>, org: &OcdsOrganisation, roles: &[&str]| {
        let id = party_id(org);
        match parties.iter_mut().find(|p| p["id"] == json!(id)) {
            Some(p) => {
                if let Some(list) = p["roles"].as_array_mut() {
                    for role in roles {
                        if !list.contains(&json!(role)) {
                            list.push(json!(role));
                        }
                    }
                }
            }
            None => parties.push(json!({
                "id": id,
                "name": org.name,
                "identifier": {"scheme": USCC_SCHEME, "id": org.uscc, "legalName": org.name},
                "roles": roles,
            })),
        }
    };
    if paid {
        add_roles(&mut parties, &event.tender.tenderer, &["payer"]);
        add_roles(&mut parties, &k.supplier, &["supplier", "payee"]);
    } else {
        add_roles(&mut parties, &k.supplier, &["supplier"]);
    }
    r["parties"] = Value::Array(parties);
    let award_id = format!("{}-{}-{}", event.tender.tender_id, k.section, k.award_round);
    let mut award = Map::new();
    award.insert("id".into(), json!(award_id));
    award.insert("status".into(), json!("active"));
    award.insert("suppliers".into(), json!([org_ref(&k.supplier)]));
    if let Some(s) = event.tender.sections.iter().find(|s| s.code == k.section) {
        award.insert("items".into(), json!([item(s)]));
    }
    r["awards"] = json!([Value::Object(award)]);

    let mut c = Map::new();
    c.insert("id".into(), json!(k.id));
    c.insert("awardID".into(), json!(award_id));
    c.insert("title".into(), json!(k.title));
    c.insert("status".into(), json!(k.status));
    c.insert("value".into(), value(k.value));
    if let Some(d) = k.date_signed {
        c.insert("dateSigned".into(), json!(date(d)));
    }
    let mut period = Map::new();
    if let Some(start) = k.start_date {
        period.insert("startDate".into(), json!(date(start)));
    }
    period.insert("durationInDays".into(), json!(k.duration_days));
    c.insert("period".into(), Value::Object(period));
    c.insert("documents".into(), json!([document(&k.document)]));
    if !k.milestones.is_empty() {
        let ms: Vec<Value> = k
            .milestones
            .iter()
            .map(|m| {
                json!({
                    "id": m.code,
                    "code": m.code,
                    "title": m.title,
                    "type": "payment",
                    "description": format!("付款 {} {}", m.amount.amount(), CURRENCY),
                    "status": m.status,
                })
            })
            .collect();
        c.insert("milestones".into(), Value::Array(ms));
    }
    if !k.amendments.is_empty() {
        let list: Vec<Value> = k
            .amendments
            .iter()
            .map(|a| {
                json!({
                    "id": a.id,
                    "date": date(a.date),
                    "rationale": a.rationale,
                    "description": a.description,
                })
            })
            .collect();
        c.insert("amendments".into(), Value::Array(list));
    }
    if paid {
        let txs: Vec<Value> = k
            .transactions
            .iter()
            .map(|t| {
                let mut m = Map::new();
                m.insert("id".into(), json!(t.id));
                if let Some(s) = &t.source {
                    m.insert("source".into(), json!(s));
                }
                m.insert("date".into(), json!(date(t.date)));
                m.insert("value".into(), value(t.value));
                m.insert("payer".into(), org_ref(&event.tender.tenderer));
                m.insert("payee".into(), org_ref(&t.payee));
                Value::Object(m)
            })
            .collect();
        c.insert("implementation".into(), json!({ "transactions": txs }));
    }
    r["contracts"] = json!([Value::Object(c)]);
    r
}

/// A release package (OCDS 1.1) around `releases`.
pub fn release_package(
    releases: Vec<Value>,
    uri: &str,
    published_date: DateTime<Utc>,
    publisher: &OcdsPublisher,
) -> Value {
    let mut p = Map::new();
    p.insert("name".into(), json!(publisher.name));
    for (key, v) in [
        ("scheme", &publisher.scheme),
        ("uid", &publisher.uid),
        ("uri", &publisher.uri),
    ] {
        if let Some(v) = v {
            p.insert(key.into(), json!(v));
        }
    }
    let with_bids = releases.iter().any(|r| r.get("bids").is_some());
    let mut package = json!({
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": date(published_date),
        "publisher": Value::Object(p),
        "releases": releases,
    });
    if with_bids {
        package["extensions"] = json!([BID_EXTENSION]);
    }
    package
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::tests::{schedule, sh};
    use crate::domain::tender::tests::{money, scoring, section};
    use proptest::prelude::*;
    use rust_decimal::dec;

    /// The closed/open codelist values the export may use (from the 1.1.5 CSVs).
    const TENDER_STATUS: [&str; 7] = [
        "planning",
        "planned",
        "active",
        "cancelled",
        "unsuccessful",
        "complete",
        "withdrawn",
    ];
    const RELEASE_TAG: [&str; 16] = [
        "planning",
        "planningUpdate",
        "tender",
        "tenderAmendment",
        "tenderUpdate",
        "tenderCancellation",
        "award",
        "awardUpdate",
        "awardCancellation",
        "contract",
        "contractUpdate",
        "contractAmendment",
        "implementation",
        "implementationUpdate",
        "contractTermination",
        "compiled",
    ];
    const DOCUMENT_TYPE: [&str; 12] = [
        "contractSigned",
        "tenderNotice",
        "biddingDocuments",
        "technicalSpecifications",
        "evaluationCriteria",
        "billOfQuantity",
        "clarifications",
        "eligibilityCriteria",
        "contractDraft",
        "cancellationDetails",
        "complaints",
        "awardNotice",
    ];

    fn doc(id: &str, ty: DocumentType, title: &str, at: DateTime<Utc>) -> OcdsDocument {
        OcdsDocument {
            id: id.into(),
            document_type: ty,
            title: title.into(),
            sha256: format!("{:0>64}", id.len()),
            url: Some(format!("https://etender.example.cn/documents/{id}")),
            format: Some("application/pdf".into()),
            date_published: at,
            date_modified: None,
        }
    }

    /// A works tender with two sections: A1 traditional scoring, A2 评定分离 with voting.
    fn tender() -> OcdsTender {
        let mut a2 = section("A2");
        a2.name = "二标段：市政道路".into();
        a2.category = ProcurementCategory::Works;
        a2.estimated_price = money("6543210.55");
        a2.price_cap = Some(money("6400000"));
        a2.bid_bond = Some(money("120000"));
        a2.evaluation = scoring(&[("价格", dec!(50)), ("技术", dec!(35)), ("商务", dec!(15))]);
        a2.award = AwardMode::Separated {
            candidates: Some(5),
            method: AwardMethod::DirectVote {
                absolute_majority: false,
            },
            committee: None,
            criteria: Default::default(),
        };
        let mut a1 = section("A1");
        a1.name = "一标段：房屋建筑".into();
        let s = schedule();
        OcdsTender {
            tender_id: "QJ2025-0042".into(),
            title: "潜江市某安置小区及配套道路工程".into(),
            description: Some("房建与市政两个标段".into()),
            procedure: ProcedureType::Open,
            tenderer: OcdsOrganisation {
                name: "潜江市某城市建设投资有限公司".into(),
                uscc: "91350100M000100Y43".into(),
            },
            agent: Some(OcdsOrganisation {
                name: "湖北某招标代理有限公司".into(),
                uscc: "91420000MA4KXXXX1B".into(),
            }),
            sections: vec![a1, a2],
            documents: vec![
                doc(
                    "notice",
                    DocumentType::TenderNotice,
                    "招标公告",
                    s.documents_available_from,
                ),
                doc(
                    "docs",
                    DocumentType::BiddingDocuments,
                    "招标文件",
                    s.documents_available_from,
                ),
            ],
            schedule: s,
            amendments: vec![],
        }
    }

    /// Publish → amendment (moves the deadline) → objection → answer → deadline.
    fn events() -> Vec<OcdsEvent> {
        let prefix = DEFAULT_OCID_PREFIX.to_string();
        let base = tender();
        let mut out = Vec::new();
        let at0 = sh(2025, 3, 3, 9, 0, 0);
        out.push(OcdsEvent {
            ocid_prefix: prefix.clone(),
            event_id: "1".into(),
            kind: EventKind::Publish,
            at: at0,
            state: StateKind::Published,
            tender: base.clone(),
        });
        let mut amended = base.clone();
        let at1 = sh(2025, 3, 20, 10, 0, 0);
        amended.schedule.bid_deadline = sh(2025, 4, 4, 9, 30, 0);
        amended.documents.push(doc(
            "clar-1",
            DocumentType::Clarifications,
            "澄清与修改（第1号）",
            at1,
        ));
        amended.amendments.push(OcdsAmendment {
            id: "1".into(),
            event_id: "2".into(),
            amends_event_id: Some("1".into()),
            date: at1,
            rationale: "修改工程量清单；投标截止时间顺延（招标投标法实施条例第21条）".into(),
            description: None,
        });
        out.push(OcdsEvent {
            ocid_prefix: prefix.clone(),
            event_id: "2".into(),
            kind: EventKind::Amend,
            at: at1,
            state: StateKind::Published,
            tender: amended.clone(),
        });
        let at2 = sh(2025, 3, 21, 11, 0, 0);
        out.push(OcdsEvent {
            ocid_prefix: prefix.clone(),
            event_id: "3".into(),
            kind: EventKind::RaiseObjection,
            at: at2,
            state: StateKind::Suspended,
            tender: amended.clone(),
        });
        let at3 = sh(2025, 3, 23, 16, 0, 0);
        let mut answered = amended.clone();
        answered.documents.push(doc(
            "objection-1-answer",
            DocumentType::Complaints,
            "异议答复",
            at3,
        ));
        out.push(OcdsEvent {
            ocid_prefix: prefix.clone(),
            event_id: "4".into(),
            kind: EventKind::AnswerObjection,
            at: at3,
            state: StateKind::Published,
            tender: answered.clone(),
        });
        out.push(OcdsEvent {
            ocid_prefix: prefix,
            event_id: "5".into(),
            kind: EventKind::DeadlineReached,
            at: answered.schedule.bid_deadline,
            state: StateKind::Closed,
            tender: answered,
        });
        out
    }

    fn package() -> Value {
        let releases = events().iter().map(release).collect();
        release_package(
            releases,
            "https://etender.example.cn/ocds/packages/QJ2025-0042.json",
            sh(2025, 4, 4, 9, 30, 0),
            &OcdsPublisher {
                name: "潜江市公共资源交易中心".into(),
                scheme: Some(USCC_SCHEME.into()),
                uid: Some("12429005MB1A12345X".into()),
                uri: None,
            },
        )
    }

    #[test]
    fn ids_are_stable_and_one_release_per_event() {
        let evs = events();
        let a: Vec<Value> = evs.iter().map(release).collect();
        let b: Vec<Value> = evs.iter().map(release).collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), evs.len());
        let ids: std::collections::BTreeSet<&str> =
            a.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), evs.len());
        for (r, e) in a.iter().zip(&evs) {
            assert_eq!(r["ocid"], "ocds-etendr-QJ2025-0042");
            assert_eq!(r["id"], format!("ocds-etendr-QJ2025-0042-{}", e.event_id));
            assert_eq!(r["initiationType"], "tender");
            assert_eq!(r["tag"], json!([release_tag(e.kind)]));
            assert_eq!(r["tender"]["status"], tender_status(e.state));
        }
        assert_eq!(a[1]["tag"], json!(["tenderAmendment"]));
        assert_eq!(a[2]["tender"]["status"], "active");
        let am = &a[1]["tender"]["amendments"][0];
        assert_eq!(am["releaseID"], a[1]["id"]);
        assert_eq!(am["amendsReleaseID"], a[0]["id"]);
        assert_eq!(
            a[1]["tender"]["tenderPeriod"]["endDate"],
            "2025-04-04T01:30:00Z"
        );
    }

    #[test]
    fn tender_shape() {
        let r = release(&events()[0]);
        let t = &r["tender"];
        assert_eq!(t["items"][0]["id"], "A1");
        assert_eq!(
            t["items"][1]["unit"]["value"],
            json!({"amount": 6543210.55, "currency": "CNY"})
        );
        assert_eq!(
            t["value"],
            json!({"amount": 16543210.55, "currency": "CNY"})
        );
        assert_eq!(t["procurementMethod"], "open");
        assert_eq!(t["mainProcurementCategory"], "works");
        assert!(t.get("additionalProcurementCategories").is_none());
        // A1 rated, A2 voting (no codelist value) → no common awardCriteria.
        assert!(t.get("awardCriteria").is_none());
        assert!(t["awardCriteriaDetails"]
            .as_str()
            .unwrap()
            .contains("A2：综合评估法（价格 50，技术 35，商务 15）；评定分离"));
        assert!(t.get("minValue").is_none());
        assert_eq!(t["procuringEntity"]["id"], "CN-USCC-91420000MA4KXXXX1B");
        assert_eq!(r["buyer"]["id"], "CN-USCC-91350100M000100Y43");
        assert_eq!(r["parties"][0]["roles"], json!(["buyer"]));
        assert_eq!(r["parties"][1]["roles"], json!(["procuringEntity"]));
        assert_eq!(r["parties"][1]["identifier"]["scheme"], "CN-USCC");
        assert!(t["documents"][0]["description"]
            .as_str()
            .unwrap()
            .starts_with("SHA-256: "));
        assert!(t.get("amendments").is_none());
    }

    #[test]
    fn tenderer_without_agent_is_buyer_and_procuring_entity() {
        let mut e = events().remove(0);
        e.tender.agent = None;
        e.tender.procedure = ProcedureType::Invited;
        let r = release(&e);
        assert_eq!(r["parties"].as_array().unwrap().len(), 1);
        assert_eq!(
            r["parties"][0]["roles"],
            json!(["buyer", "procuringEntity"])
        );
        assert_eq!(r["tender"]["procuringEntity"], r["buyer"]);
        assert_eq!(r["tender"]["procurementMethod"], "limited");
    }

    #[test]
    fn mapping_tables_stay_inside_the_codelists() {
        for s in StateKind::ALL {
            assert!(TENDER_STATUS.contains(&tender_status(s)), "{s}");
        }
        for e in EventKind::ALL {
            assert!(RELEASE_TAG.contains(&release_tag(e)), "{e}");
        }
        for d in [
            DocumentType::TenderNotice,
            DocumentType::BiddingDocuments,
            DocumentType::TechnicalSpecifications,
            DocumentType::EvaluationCriteria,
            DocumentType::BillOfQuantity,
            DocumentType::Clarifications,
            DocumentType::EligibilityCriteria,
            DocumentType::ContractDraft,
            DocumentType::CancellationDetails,
            DocumentType::Complaints,
            DocumentType::AwardNotice,
        ] {
            assert!(DOCUMENT_TYPE.contains(&d.code()));
        }
        assert_eq!(tender_status(StateKind::Terminated), "cancelled");
        assert_eq!(tender_status(StateKind::Failed), "unsuccessful");
        assert_eq!(tender_status(StateKind::Suspended), "active");
        assert_eq!(release_tag(EventKind::Terminate), "tenderCancellation");
    }

    #[test]
    fn award_criteria_mapping() {
        let traditional = AwardMode::Traditional { candidates: None };
        let separated = |method| AwardMode::Separated {
            candidates: None,
            method,
            committee: None,
            criteria: Default::default(),
        };
        let rated = scoring(&[("p", dec!(100))]);
        assert_eq!(award_criteria(&rated, &traditional), Some("ratedCriteria"));
        assert_eq!(
            award_criteria(
                &EvaluationMethod::LowestEvaluatedPrice {
                    adjustments: Vec::new()
                },
                &traditional
            ),
            Some("priceOnly")
        );
        assert_eq!(
            award_criteria(&rated, &separated(AwardMethod::PriceCompetition)),
            Some("priceOnly")
        );
        assert_eq!(
            award_criteria(
                &EvaluationMethod::Qualitative,
                &separated(AwardMethod::Lottery)
            ),
            None
        );
        let mut e = events().remove(0);
        for s in &mut e.tender.sections {
            s.award = traditional.clone();
        }
        assert_eq!(release(&e)["tender"]["awardCriteria"], "ratedCriteria");
    }

    #[test]
    fn ocid_prefix_shape() {
        assert!(is_valid_ocid_prefix(DEFAULT_OCID_PREFIX));
        assert!(!is_valid_ocid_prefix("ocds-etender"));
        assert!(!is_valid_ocid_prefix("ocds-ETENDR"));
        assert!(!is_valid_ocid_prefix("etendr"));
    }

    #[test]
    fn package_shape_and_sample_file() {
        let p = package();
        assert_eq!(p["version"], "1.1");
        assert_eq!(p["releases"].as_array().unwrap().len(), 5);
        assert_eq!(p["publishedDate"], "2025-04-04T01:30:00Z");
        assert!(p["publisher"].get("uri").is_none());
        // `make test` validates this file with libcoveocds (tests/support/ocds_validate.py).
        if let Ok(path) = std::env::var("ETENDER_OCDS_SAMPLE") {
            std::fs::write(path, serde_json::to_string_pretty(&p).unwrap()).unwrap();
        }
    }

    fn award() -> OcdsAward {
        let bidder = |n: &str, uscc: &str| OcdsOrganisation {
            name: n.into(),
            uscc: uscc.into(),
        };
        OcdsAward {
            section: "A2".into(),
            award_round: 1,
            title: "A2 中标结果".into(),
            description: "票决定标法：得票最多".into(),
            date: sh(2025, 5, 6, 10, 0, 0),
            winner_bid: "bid-2".into(),
            supplier: bidder("湖北某建设工程有限公司", "91420000MA4K000001"),
            value: money("6300000.5"),
            bids: vec![
                OcdsBid {
                    id: "bid-1".into(),
                    bidder: bidder("武汉某路桥有限公司", "91420100MA4K000002"),
                    price: Some(money("6350000")),
                    status: "valid",
                },
                OcdsBid {
                    id: "bid-2".into(),
                    bidder: bidder("湖北某建设工程有限公司", "91420000MA4K000001"),
                    price: Some(money("6300000.5")),
                    status: "valid",
                },
                OcdsBid {
                    id: "bid-3".into(),
                    bidder: bidder("荆州某市政有限公司", "91421000MA4K000003"),
                    price: None,
                    status: "disqualified",
                },
            ],
            notice: Some(doc(
                "award-A2-1",
                DocumentType::AwardNotice,
                "中标结果公告",
                sh(2025, 5, 6, 10, 0, 0),
            )),
        }
    }

    #[test]
    fn award_release_shape_and_sample_file() {
        let t = tender();
        let ev = OcdsEvent {
            ocid_prefix: DEFAULT_OCID_PREFIX.into(),
            event_id: "9".into(),
            kind: EventKind::FinishEvaluation,
            at: sh(2025, 5, 6, 10, 0, 0),
            state: StateKind::Awarded,
            tender: t,
        };
        let r = award_release(&ev, &award());
        assert_eq!(r["tag"], json!(["award"]));
        assert_eq!(r["tender"]["status"], "complete");
        let a = &r["awards"][0];
        assert_eq!(a["id"], "QJ2025-0042-A2-1");
        assert_eq!(a["status"], "active");
        assert_eq!(a["value"], json!({"amount": 6300000.5, "currency": "CNY"}));
        assert_eq!(a["suppliers"][0]["id"], "CN-USCC-91420000MA4K000001");
        assert_eq!(a["items"][0]["id"], "A2");
        assert_eq!(a["relatedBids"], json!(["bid-2"]));
        let statuses: Vec<&str> = r["bids"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["valid", "valid", "disqualified"]);
        let roles = |id: &str| {
            r["parties"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == json!(id))
                .map(|p| p["roles"].clone())
        };
        assert_eq!(
            roles("CN-USCC-91420000MA4K000001"),
            Some(json!(["tenderer", "supplier"]))
        );
        assert_eq!(
            roles("CN-USCC-91421000MA4K000003"),
            Some(json!(["tenderer"]))
        );
        let mut releases: Vec<Value> = events().iter().map(release).collect();
        releases.push(r);
        let p = release_package(
            releases,
            "https://etender.example.cn/ocds/packages/QJ2025-0042.json",
            sh(2025, 5, 6, 11, 0, 0),
            &OcdsPublisher {
                name: "潜江市公共资源交易中心".into(),
                scheme: None,
                uid: None,
                uri: None,
            },
        );
        assert_eq!(p["extensions"], json!([BID_EXTENSION]));
        assert!(package().get("extensions").is_none());
        // `make test` validates this file with libcoveocds (tests/support/ocds_validate.py).
        if let Ok(path) = std::env::var("ETENDER_OCDS_AWARD_SAMPLE") {
            std::fs::write(path, serde_json::to_string_pretty(&p).unwrap()).unwrap();
        }
    }

    #[test]
    fn amounts_are_numbers() {
        assert_eq!(amount(money("800000")), json!(800000));
        assert_eq!(amount(money("800000.00")), json!(800000));
        assert_eq!(amount(money("0.01")), json!(0.01));
        assert_eq!(
            serde_json::to_string(&amount(money("1234567.89"))).unwrap(),
            "1234567.89"
        );
        assert_eq!(
            serde_json::to_string(&amount(money("9999999999999.99"))).unwrap(),
            "9999999999999.99"
        );
    }

    proptest! {
        #[test]
        fn amounts_below_ten_trillion_round_trip_exactly(cents in 0i64..1_000_000_000_000_000) {
            let m = Money::new(Decimal::new(cents, 2)).unwrap();
            let text = serde_json::to_string(&amount(m)).unwrap();
            let back: Decimal = text.parse().unwrap();
            prop_assert_eq!(back, m.amount(), "{}", text);
        }
    }
}
