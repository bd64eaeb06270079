//! What a member signs: its sheet at each stage of the evaluation, and the report.
//!
//! A sheet is signed with the member's personal certificate over [`statement`], never over
//! JSON, so that field order, whitespace or the spelling of a number (`12.5` or `12.50`) can
//! never change what was signed. Entries are put in one canonical order before encoding: two
//! sheets that say the same thing sign the same bytes, whatever order the client sent.
//!
//! Sheets stay hidden until every member's is in (nobody may score with an eye on the others'):
//! while they are collected the audit log carries only [`commitment`] — the SHA-256 of the
//! statement — and the sheets themselves are published with the last one, so anyone can check
//! that none changed after it was committed.
//!
//! The report's signature binds the member to the digest of the report document and to its
//! agreement or its written dissent (条例53: a member who disagrees says why in writing and
//! signs; one who refuses to sign without a reason is deemed to agree — the workflow records
//! that as [`Assent::DeemedAgreed`], which is never something a member signs).

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lowest_price::Applied;
use super::preliminary::Verdict;
use super::qualitative::{Remark, RemarkKind};
use super::scoring::ItemScore;
use super::{EvaluationError, SCALE};
use crate::seal::encoding::{sha256, Enc};

/// Label of a sheet statement, version 1.
pub const SHEET_LABEL: &str = "etender-evaluation-sheet/v1";
/// Label of a report signature statement, version 1.
pub const REPORT_LABEL: &str = "etender-evaluation-report/v1";

/// A stage of the evaluation: 初步评审 first, then the method's second stage. The code is what
/// a sheet statement, the log and the wire carry.
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
#[schema(as = EvaluationStage)]
pub enum Stage {
    /// 初步评审, every method's first stage.
    Preliminary,
    /// 综合评估法's scoring.
    Scoring,
    /// 定性评审 (评定分离).
    Qualitative,
    /// 经评审的最低投标价法's priced adjustments.
    Adjustments,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Preliminary,
        Stage::Scoring,
        Stage::Qualitative,
        Stage::Adjustments,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::Preliminary => "preliminary",
            Stage::Scoring => "scoring",
            Stage::Qualitative => "qualitative",
            Stage::Adjustments => "adjustments",
        }
    }

    /// The stage of a code; `None` for anything else.
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a sheet belongs: the committee, its section and the member (its principal id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetOf<'a> {
    pub committee: &'a str,
    pub tender: &'a str,
    pub section: &'a str,
    pub member: &'a str,
}

/// A member's conclusions at one stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Sheet {
    /// 初步评审: a verdict per bid and checklist line.
    Preliminary { verdicts: Vec<Verdict> },
    /// 综合评估法: a score per valid bid and item.
    Scoring { scores: Vec<ItemScore> },
    /// 定性评审 (评定分离): remarks on the qualified bids and the bids recommended.
    Qualitative {
        remarks: Vec<Remark>,
        recommended: Vec<String>,
    },
    /// 经评审的最低投标价法: the priced adjustments the member applies to the valid bids (the
    /// committee's are the medians, `lowest_price::agreed`).
    Adjustments { applied: Vec<Applied> },
}

impl Sheet {
    /// The stage's code in the statement (and on the wire).
    pub fn stage(&self) -> Stage {
        match self {
            Sheet::Preliminary { .. } => Stage::Preliminary,
            Sheet::Scoring { .. } => Stage::Scoring,
            Sheet::Qualitative { .. } => Stage::Qualitative,
            Sheet::Adjustments { .. } => Stage::Adjustments,
        }
    }

    /// The sheet with its entries in canonical order: verdicts by (bid, line), scores by (bid,
    /// item), remarks by (bid, kind, text), recommended bids sorted; scores at [`SCALE`]
    /// places. Refused when a verdict or remark names another member, an entry repeats, or a
    /// score has more places than [`SCALE`] (a range check is the method's:
    /// `ScoreSheet::check`).
    pub fn canonical(&self, member: &str) -> Result<Sheet, EvaluationError> {
        let incomplete = |detail: String| EvaluationError::SheetIncomplete {
            member: member.to_string(),
            detail,
        };
        match self {
            Sheet::Preliminary { verdicts } => {
                let mut v = verdicts.clone();
                if let Some(other) = v.iter().find(|x| x.member != member) {
                    return Err(incomplete(format!("a verdict of {}", other.member)));
                }
                v.sort_by(|a, b| (&a.bid, &a.requirement).cmp(&(&b.bid, &b.requirement)));
                if let Some(w) = v
                    .windows(2)
                    .find(|w| (&w[0].bid, &w[0].requirement) == (&w[1].bid, &w[1].requirement))
                {
                    return Err(incomplete(format!(
                        "{} of bid {} twice",
                        w[0].requirement, w[0].bid
                    )));
                }
                Ok(Sheet::Preliminary { verdicts: v })
            }
            Sheet::Scoring { scores } => {
                let mut s = scores.clone();
                for x in &mut s {
                    if x.points.scale() > SCALE && x.points.normalize().scale() > SCALE {
                        return Err(EvaluationError::ScoreOutOfRange {
                            member: member.to_string(),
                            bid: x.bid.clone(),
                            criterion: x.criterion.clone(),
                            score: x.points,
                            max: Decimal::ZERO,
                        });
                    }
                    x.points = scaled(x.points);
                }
                s.sort_by(|a, b| (&a.bid, &a.criterion).cmp(&(&b.bid, &b.criterion)));
                if let Some(w) = s
                    .windows(2)
                    .find(|w| (&w[0].bid, &w[0].criterion) == (&w[1].bid, &w[1].criterion))
                {
                    return Err(incomplete(format!(
                        "{} of bid {} twice",
                        w[0].criterion, w[0].bid
                    )));
                }
                Ok(Sheet::Scoring { scores: s })
            }
            Sheet::Qualitative {
                remarks,
                recommended,
            } => {
                let mut r = remarks.clone();
                if let Some(other) = r.iter().find(|x| x.member != member) {
                    return Err(incomplete(format!("a remark of {}", other.member)));
                }
                r.sort_by(|a, b| {
                    (&a.bid, kind_code(a.kind), &a.text).cmp(&(&b.bid, kind_code(b.kind), &b.text))
                });
                let mut seen = BTreeSet::new();
                for b in recommended {
                    if !seen.insert(b.as_str()) {
                        return Err(incomplete(format!("bid {b} recommended twice")));
                    }
                }
                Ok(Sheet::Qualitative {
                    remarks: r,
                    recommended: seen.into_iter().map(str::to_string).collect(),
                })
            }
            Sheet::Adjustments { applied } => {
                let mut a = applied.clone();
                a.sort_by(|x, y| (&x.bid, &x.adjustment).cmp(&(&y.bid, &y.adjustment)));
                if let Some(w) = a
                    .windows(2)
                    .find(|w| (&w[0].bid, &w[0].adjustment) == (&w[1].bid, &w[1].adjustment))
                {
                    return Err(incomplete(format!(
                        "{} on bid {} twice",
                        w[0].adjustment, w[0].bid
                    )));
                }
                Ok(Sheet::Adjustments { applied: a })
            }
        }
    }
}

fn kind_code(k: RemarkKind) -> u8 {
    match k {
        RemarkKind::Merit => 1,
        RemarkKind::Demerit => 2,
    }
}

/// `d` written with exactly [`SCALE`] places (`12.5` → `12.50`); callers have checked that no
/// more places are significant.
fn scaled(d: Decimal) -> Decimal {
    let mut d = d.normalize();
    d.rescale(SCALE);
    d
}

/// The bytes a member signs for its sheet:
///
/// ```text
/// label("etender-evaluation-sheet/v1") ‖ var(committee) ‖ var(tender) ‖ var(section)
///   ‖ var(member) ‖ var(stage) ‖ u64(n) ‖ n × entry
/// preliminary entry: var(bid) ‖ var(line) ‖ u8(1 pass | 0 fail) ‖ u8(0 | 1) [‖ var(reason)]
/// scoring entry:     var(bid) ‖ var(item) ‖ var(points, 2 places, e.g. "12.50")
/// qualitative:       remarks: var(bid) ‖ u8(1 merit | 2 demerit) ‖ var(text);
///                    then u64(m) ‖ m × var(recommended bid)
/// adjustments entry: var(bid) ‖ var(adjustment) ‖ u64(units)
/// ```
///
/// over the [`Sheet::canonical`] form.
pub fn statement(of: &SheetOf<'_>, sheet: &Sheet) -> Result<Vec<u8>, EvaluationError> {
    let sheet = sheet.canonical(of.member)?;
    let mut e = Enc::with_label(SHEET_LABEL);
    e.str(of.committee)
        .str(of.tender)
        .str(of.section)
        .str(of.member)
        .str(sheet.stage().as_str());
    match &sheet {
        Sheet::Preliminary { verdicts } => {
            e.u64(verdicts.len() as u64);
            for v in verdicts {
                e.str(&v.bid).str(&v.requirement).u8(u8::from(v.pass));
                match &v.reason {
                    None => e.u8(0),
                    Some(r) => e.u8(1).str(r),
                };
            }
        }
        Sheet::Scoring { scores } => {
            e.u64(scores.len() as u64);
            for s in scores {
                e.str(&s.bid).str(&s.criterion).str(&s.points.to_string());
            }
        }
        Sheet::Qualitative {
            remarks,
            recommended,
        } => {
            e.u64(remarks.len() as u64);
            for r in remarks {
                e.str(&r.bid).u8(kind_code(r.kind)).str(&r.text);
            }
            e.u64(recommended.len() as u64);
            for b in recommended {
                e.str(b);
            }
        }
        Sheet::Adjustments { applied } => {
            e.u64(applied.len() as u64);
            for a in applied {
                e.str(&a.bid).str(&a.adjustment).u64(u64::from(a.units));
            }
        }
    }
    Ok(e.into_bytes())
}

/// What the log carries while sheets are collected: SHA-256 of the [`statement`].
pub fn commitment(statement: &[u8]) -> [u8; 32] {
    sha256(statement)
}

/// A member's position on the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "assent", rename_all = "snake_case")]
pub enum Assent {
    /// Signs in agreement.
    Agrees,
    /// Signs with a written dissent, which the report notes.
    Dissents { reason: String },
    /// Did not sign and gave no written reason: deemed to agree (条例53). Recorded by the
    /// workflow when the signing time is over; never signed.
    DeemedAgreed,
}

/// The bytes a member signs for the report:
///
/// ```text
/// label("etender-evaluation-report/v1") ‖ var(committee) ‖ var(tender) ‖ var(section)
///   ‖ fixed(report digest, 32) ‖ var(member) ‖ u8(1 agrees | 2 dissents) [‖ var(reason)]
/// ```
///
/// `None` for [`Assent::DeemedAgreed`], and for a dissent without a reason (a dissent must
/// say why).
pub fn report_statement(
    of: &SheetOf<'_>,
    report_digest: &[u8; 32],
    assent: &Assent,
) -> Option<Vec<u8>> {
    let mut e = Enc::with_label(REPORT_LABEL);
    e.str(of.committee)
        .str(of.tender)
        .str(of.section)
        .fixed(report_digest)
        .str(of.member);
    match assent {
        Assent::Agrees => {
            e.u8(1);
        }
        Assent::Dissents { reason } if !reason.trim().is_empty() => {
            e.u8(2).str(reason);
        }
        Assent::Dissents { .. } | Assent::DeemedAgreed => return None,
    }
    Some(e.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of() -> SheetOf<'static> {
        SheetOf {
            committee: "C1",
            tender: "T1",
            section: "BD01",
            member: "m1",
        }
    }

    fn score(bid: &str, item: &str, points: &str) -> ItemScore {
        ItemScore {
            bid: bid.into(),
            criterion: item.into(),
            points: points.parse().unwrap(),
        }
    }

    #[test]
    fn a_sheet_is_tagged_with_its_stage_code() {
        let sheets = [
            Sheet::Preliminary { verdicts: vec![] },
            Sheet::Scoring { scores: vec![] },
            Sheet::Qualitative {
                remarks: vec![],
                recommended: vec![],
            },
            Sheet::Adjustments { applied: vec![] },
        ];
        for sheet in sheets {
            let tag = serde_json::to_value(&sheet).unwrap()["stage"].clone();
            assert_eq!(tag, serde_json::to_value(sheet.stage()).unwrap());
            assert_eq!(tag, sheet.stage().as_str());
            assert_eq!(Stage::parse(sheet.stage().as_str()), Some(sheet.stage()));
        }
        assert_eq!(Stage::parse("Preliminary"), None);
        assert_eq!(Stage::parse("bogus"), None);
    }

    fn verdict(bid: &str, line: &str, pass: bool) -> Verdict {
        Verdict {
            member: "m1".into(),
            bid: bid.into(),
            requirement: line.into(),
            pass,
            reason: (!pass).then(|| "no licence".to_string()),
        }
    }

    #[test]
    fn order_and_spelling_of_numbers_do_not_change_the_bytes() {
        let a = Sheet::Scoring {
            scores: vec![score("b2", "tech", "12.5"), score("b1", "tech", "30")],
        };
        let b = Sheet::Scoring {
            scores: vec![score("b1", "tech", "30.00"), score("b2", "tech", "12.50")],
        };
        assert_eq!(statement(&of(), &a).unwrap(), statement(&of(), &b).unwrap());
        let c = Sheet::Scoring {
            scores: vec![score("b1", "tech", "30.00"), score("b2", "tech", "12.51")],
        };
        assert_ne!(statement(&of(), &a).unwrap(), statement(&of(), &c).unwrap());
    }

    #[test]
    fn the_statement_binds_where_the_sheet_belongs() {
        let s = Sheet::Preliminary {
            verdicts: vec![verdict("b1", "L1", true), verdict("b2", "L1", false)],
        };
        let base = statement(&of(), &s).unwrap();
        let variants = [
            SheetOf {
                committee: "C2",
                ..of()
            },
            SheetOf {
                tender: "T2",
                ..of()
            },
            SheetOf {
                section: "BD02",
                ..of()
            },
        ];
        for v in &variants {
            assert_ne!(statement(v, &s).unwrap(), base, "{v:?}");
        }
        // Another member cannot sign this member's verdicts.
        let other = SheetOf {
            member: "m2",
            ..of()
        };
        assert!(matches!(
            statement(&other, &s),
            Err(EvaluationError::SheetIncomplete { .. })
        ));
        // A flipped verdict, or a changed reason, is another statement.
        let flipped = Sheet::Preliminary {
            verdicts: vec![verdict("b1", "L1", true), verdict("b2", "L1", true)],
        };
        assert_ne!(statement(&of(), &flipped).unwrap(), base);
        let mut reason = verdict("b2", "L1", false);
        reason.reason = Some("no licence.".into());
        let reasoned = Sheet::Preliminary {
            verdicts: vec![verdict("b1", "L1", true), reason],
        };
        assert_ne!(statement(&of(), &reasoned).unwrap(), base);
    }

    #[test]
    fn repeats_and_excess_places_are_refused() {
        let twice = Sheet::Scoring {
            scores: vec![score("b1", "tech", "1"), score("b1", "tech", "2")],
        };
        assert!(matches!(
            statement(&of(), &twice),
            Err(EvaluationError::SheetIncomplete { .. })
        ));
        let fine = Sheet::Scoring {
            scores: vec![score("b1", "tech", "1.005")],
        };
        assert!(matches!(
            statement(&of(), &fine),
            Err(EvaluationError::ScoreOutOfRange { .. })
        ));
        // Trailing zeros are not places.
        let zeros = Sheet::Scoring {
            scores: vec![score("b1", "tech", "1.5000")],
        };
        assert!(statement(&of(), &zeros).is_ok());
        let rec = Sheet::Qualitative {
            remarks: vec![],
            recommended: vec!["b1".into(), "b1".into()],
        };
        assert!(statement(&of(), &rec).is_err());
    }

    #[test]
    fn qualitative_sheets_sort_remarks_and_recommendations() {
        let remark = |bid: &str, kind, text: &str| Remark {
            member: "m1".into(),
            bid: bid.into(),
            kind,
            text: text.into(),
        };
        let a = Sheet::Qualitative {
            remarks: vec![
                remark("b2", RemarkKind::Demerit, "late schedule"),
                remark("b1", RemarkKind::Merit, "strong team"),
            ],
            recommended: vec!["b3".into(), "b1".into()],
        };
        let b = Sheet::Qualitative {
            remarks: vec![
                remark("b1", RemarkKind::Merit, "strong team"),
                remark("b2", RemarkKind::Demerit, "late schedule"),
            ],
            recommended: vec!["b1".into(), "b3".into()],
        };
        assert_eq!(statement(&of(), &a).unwrap(), statement(&of(), &b).unwrap());
    }

    #[test]
    fn adjustment_sheets_sort_and_refuse_repeats() {
        let applied = |bid: &str, adj: &str, units| Applied {
            bid: bid.into(),
            adjustment: adj.into(),
            units,
        };
        let a = Sheet::Adjustments {
            applied: vec![applied("b2", "D1", 3), applied("b1", "D2", 1)],
        };
        let b = Sheet::Adjustments {
            applied: vec![applied("b1", "D2", 1), applied("b2", "D1", 3)],
        };
        let bytes = statement(&of(), &a).unwrap();
        assert_eq!(bytes, statement(&of(), &b).unwrap());
        let mut expected = b"etender-evaluation-sheet/v1\0".to_vec();
        for f in ["C1", "T1", "BD01", "m1", "adjustments"] {
            expected.extend((f.len() as u64).to_be_bytes());
            expected.extend(f.as_bytes());
        }
        expected.extend(2u64.to_be_bytes());
        for (bid, adj, units) in [("b1", "D2", 1u64), ("b2", "D1", 3)] {
            for f in [bid, adj] {
                expected.extend((f.len() as u64).to_be_bytes());
                expected.extend(f.as_bytes());
            }
            expected.extend(units.to_be_bytes());
        }
        assert_eq!(bytes, expected);
        let other = Sheet::Adjustments {
            applied: vec![applied("b1", "D2", 2), applied("b2", "D1", 3)],
        };
        assert_ne!(statement(&of(), &other).unwrap(), bytes);
        let twice = Sheet::Adjustments {
            applied: vec![applied("b1", "D2", 1), applied("b1", "D2", 2)],
        };
        assert!(matches!(
            statement(&of(), &twice),
            Err(EvaluationError::SheetIncomplete { .. })
        ));
    }

    /// Known answer: the bytes of a fixed sheet, pinned so a change of the format is seen
    /// (docs/EVALUATION.md gives the same vector).
    #[test]
    fn known_answer() {
        let s = Sheet::Scoring {
            scores: vec![score("b1", "tech", "30"), score("b1", "plan", "12.5")],
        };
        let bytes = statement(&of(), &s).unwrap();
        let mut expected = b"etender-evaluation-sheet/v1\0".to_vec();
        for f in ["C1", "T1", "BD01", "m1", "scoring"] {
            expected.extend((f.len() as u64).to_be_bytes());
            expected.extend(f.as_bytes());
        }
        expected.extend(2u64.to_be_bytes());
        for f in ["b1", "plan", "12.50", "b1", "tech", "30.00"] {
            expected.extend((f.len() as u64).to_be_bytes());
            expected.extend(f.as_bytes());
        }
        assert_eq!(bytes, expected);
        assert_eq!(
            hex::encode(commitment(&bytes)),
            hex::encode(sha256(&expected))
        );
    }

    #[test]
    fn report_signatures_need_a_reason_to_dissent_and_never_sign_deemed_assent() {
        let d = [7u8; 32];
        let agree = report_statement(&of(), &d, &Assent::Agrees).unwrap();
        let dissent = report_statement(
            &of(),
            &d,
            &Assent::Dissents {
                reason: "the price score of b2 ignores the cap".into(),
            },
        )
        .unwrap();
        assert_ne!(agree, dissent);
        assert_ne!(
            report_statement(&of(), &[8u8; 32], &Assent::Agrees).unwrap(),
            agree
        );
        assert!(report_statement(
            &of(),
            &d,
            &Assent::Dissents {
                reason: "  ".into()
            }
        )
        .is_none());
        assert!(report_statement(&of(), &d, &Assent::DeemedAgreed).is_none());
    }
}
