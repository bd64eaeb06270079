//! The evaluation report (评标报告) as a document: everything the candidates rest on — the
//! section as published, the members whose conclusions count, K, the inputs the committee's
//! sheets and decisions gave — and the derivation [`super::candidates::derive`] computed from
//! them. The document is stored and logged as the exact canonical-JSON bytes whose SHA-256 each
//! member signs ([`super::sheet::report_statement`]), so a regulator re-derives the candidates
//! offline from the log alone ([`check`]) and any edit of a signed report shows.
//!
//! What informs the committee without deciding anything (clarifications and whether they were
//! accepted, collusion signals it considered, reasons given for deviation flags) travels in the
//! document as the records the workflow keeps, untouched by the derivation.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::candidates::{derive, Candidates, Derivation, Inputs};
use super::committee::MemberKind;
use crate::domain::tender::{ProcedureRules, Section};
use crate::seal::encoding::sha256;

/// The document's version; a new one gets a new number and the verifier keeps reading both.
pub const VERSION: u32 = 1;

/// Where a report stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Generated; the members sign, dissent, or are deemed to agree when the time is over.
    Signing,
    /// Every member's position is recorded: the report goes to the tenderer and regulators.
    Complete,
    /// A member left while it was being signed (条例48): the replacement evaluates afresh and
    /// a new report is generated.
    Void,
}

/// A member's recorded position on the report (the signed forms are
/// [`super::sheet::Assent`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssentKind {
    Agreed,
    Dissented,
    /// Neither signed nor gave a reason by the end of the signing time (条例53).
    DeemedAgreed,
}

/// What a report concludes: its candidates' form, or that the section fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportOutcome {
    /// Candidates in rank order (a traditional award).
    Ranked,
    /// Candidates without rank, for the award committee (评定分离).
    Unranked,
    /// Nobody is recommended: the section fails (流标).
    SectionFails,
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
    ReportState { Signing => "signing", Complete => "complete", Void => "void" }
    AssentKind { Agreed => "agreed", Dissented => "dissented", DeemedAgreed => "deemed_agreed" }
    ReportOutcome { Ranked => "ranked", Unranked => "unranked", SectionFails => "section_fails" }
}

/// A member whose conclusions count, as the report lists it (by principal id; names are not in
/// the document, which bidders and the public never see anyway).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub member: String,
    pub kind: MemberKind,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub leader: bool,
}

/// The K the price formula used and the lottery that drew it (none when the formula has no K).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KDrawn {
    pub draw: String,
    pub k: Decimal,
}

/// The report document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub version: u32,
    pub committee: String,
    pub tender: String,
    /// The section as published with the tender (its method, criteria, award mode).
    pub section: Section,
    pub rules: ProcedureRules,
    pub members: Vec<Member>,
    /// Members who left; their conclusions are void (条例48) and not in `inputs`.
    pub void_members: Vec<String>,
    pub k: Option<KDrawn>,
    /// The lotteries that broke ties the tie-breaks left (draw ids).
    #[serde(default)]
    pub lot_draws: Vec<String>,
    pub inputs: Inputs,
    pub derivation: Derivation,
    /// Records that inform without deciding: clarifications, signals, deviation reasons.
    #[serde(default)]
    pub clarifications: Vec<serde_json::Value>,
    #[serde(default)]
    pub signals: Vec<serde_json::Value>,
    #[serde(default)]
    pub deviation_reasons: Vec<serde_json::Value>,
    pub generated_at: DateTime<Utc>,
}

/// Why a logged report does not stand; each names the first thing that disagrees.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportMismatch {
    #[error("unknown report version {0}")]
    Version(u32),
    #[error("the members in the inputs are not the report's members")]
    Members,
    #[error("K in the inputs is not the K drawn")]
    K,
    #[error("the candidates do not follow from the inputs: {0}")]
    Derivation(String),
}

impl Document {
    /// The members' principal ids in the report's order.
    pub fn member_ids(&self) -> Vec<String> {
        self.members.iter().map(|m| m.member.clone()).collect()
    }

    /// What the report concludes.
    pub fn outcome(&self) -> ReportOutcome {
        outcome(&self.derivation.candidates)
    }
}

/// What a set of candidates concludes.
pub fn outcome(c: &Candidates) -> ReportOutcome {
    match c {
        Candidates::Ranked { .. } => ReportOutcome::Ranked,
        Candidates::Unranked { .. } => ReportOutcome::Unranked,
        Candidates::SectionFails { .. } => ReportOutcome::SectionFails,
    }
}

/// The bytes stored, logged and signed (by digest): canonical JSON, keys sorted.
pub fn bytes(doc: &Document) -> Vec<u8> {
    let value = serde_json::to_value(doc).unwrap_or(serde_json::Value::Null);
    crate::audit::canonical_json(&value).into_bytes()
}

/// SHA-256 of the stored bytes: what every member's signature binds.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    sha256(bytes)
}

/// Re-derives the document's candidates from its own inputs, as the offline verifier does:
/// the inputs count exactly the report's members, use the K drawn, and give the derivation the
/// report states.
pub fn check(doc: &Document) -> Result<(), ReportMismatch> {
    if doc.version != VERSION {
        return Err(ReportMismatch::Version(doc.version));
    }
    let listed: BTreeSet<&str> = doc.members.iter().map(|m| m.member.as_str()).collect();
    let counted: BTreeSet<&str> = doc.inputs.members.iter().map(String::as_str).collect();
    if listed != counted || listed.len() != doc.inputs.members.len() {
        return Err(ReportMismatch::Members);
    }
    if doc.k.as_ref().map_or(Decimal::ZERO, |k| k.k) != doc.inputs.k {
        return Err(ReportMismatch::K);
    }
    let again = derive(&doc.section, &doc.rules, &doc.inputs)
        .map_err(|e| ReportMismatch::Derivation(e.to_string()))?;
    if again != doc.derivation {
        return Err(ReportMismatch::Derivation(format!(
            "re-derived {} where the report states {}",
            serde_json::to_string(&again.candidates).unwrap_or_default(),
            serde_json::to_string(&doc.derivation.candidates).unwrap_or_default()
        )));
    }
    Ok(())
}

/// Whether every member's position is recorded.
pub fn all_recorded<'a>(members: &[String], recorded: impl IntoIterator<Item = &'a str>) -> bool {
    let have: BTreeSet<&str> = recorded.into_iter().collect();
    members.iter().all(|m| have.contains(m.as_str()))
}
