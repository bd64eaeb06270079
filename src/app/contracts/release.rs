//! The contract's OCDS releases (docs/TREASURY.md §5, docs/OCDS.md): `contract` when both
//! parties signed, `contractAmendment` when a change both signed takes effect,
//! `contractTermination` when a termination does, `implementation` when the treasury's payments
//! are imported. Each release carries the contract as it then stands, in the tender's package
//! beside its tender and award releases, written in the same transaction as its audit entry.

use super::*;
use crate::app::support::publicity::{self, Env};
use crate::app::support::tender::{published_draft, state_of as tender_state};
use crate::db::repo::treasury as pay_repo;
use crate::db::types::to_db;
use crate::domain::lifecycle::EventKind;
use crate::domain::money::Money;
use crate::domain::payment::summary;
use crate::domain::schedule::start_of_legal_day;
use crate::ocds;

/// Release tags this module writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    Contract,
    Amendment,
    Termination,
    Implementation,
}

impl Tag {
    fn code(self) -> &'static str {
        match self {
            Tag::Contract => "contract",
            Tag::Amendment => "contractAmendment",
            Tag::Termination => "contractTermination",
            Tag::Implementation => "implementation",
        }
    }
}

fn money(d: rust_decimal::Decimal) -> AppResult<Money> {
    Money::new(d).map_err(|e| internal(anyhow::anyhow!("amount {d}: {e}")))
}

/// Writes the release of `row` as it stands after the audit event `event_id`.
pub(crate) fn publish(
    c: &mut AnyConnection,
    env: &Env,
    now: DateTime<Utc>,
    row: &repo::ContractRow,
    tag: Tag,
    event_id: &str,
) -> AppResult<()> {
    let trow = trepo::find_tender(c, &row.tender_id)?
        .ok_or_else(|| internal(anyhow::anyhow!("contract {}: no tender", row.id)))?;
    if trow.version == 0 {
        return Ok(());
    }
    let tstate = tender_state(&trow)?.kind();
    let draft = published_draft(c, &trow)?;
    let tender = publicity::ocds_tender(c, env, &trow, draft)?;
    let terms = terms_of(row)?;
    let winner = party_of(c, &row.winner_id)?;
    let payments = pay_repo::payments_of(c, &row.id)?;
    let mut amounts = Vec::with_capacity(payments.len());
    let mut transactions = Vec::with_capacity(payments.len());
    for p in &payments {
        let dto = super::payments::payment_dto(p)?;
        amounts.push(dto.amount);
        transactions.push(ocds::OcdsTransaction {
            id: dto.payment_id,
            date: dto.paid_at,
            value: money(dto.amount)?,
            payee: ocds::OcdsOrganisation {
                name: dto.payee.name,
                uscc: dto.payee.uscc,
            },
            source: None,
        });
    }
    let due = summary(&terms, &amounts);
    let milestones = terms
        .payment_milestones
        .iter()
        .zip(&due.milestones)
        .map(|(m, d)| {
            Ok(ocds::OcdsMilestone {
                code: m.code.clone(),
                title: m.title.clone(),
                amount: money(d.amount)?,
                status: if d.due.is_zero() && !d.amount.is_zero() {
                    "met"
                } else if d.paid.is_zero() {
                    "scheduled"
                } else {
                    "partiallyMet"
                },
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let amendments = repo::changes(c, &row.id)?
        .into_iter()
        .filter(|ch| ch.kind == ChangeKind::Amendment.as_str())
        .filter(|ch| ch.state == rules::ChangeState::Effective.as_str())
        .map(|ch| {
            let diff: Vec<rules::TermChange> = parse_json(&ch.changes, "change diff")?;
            let description = diff
                .iter()
                .map(|d| format!("{}: {} → {}", d.term.as_str(), d.before, d.after))
                .collect::<Vec<_>>()
                .join("; ");
            Ok(ocds::OcdsContractAmendment {
                id: ch.id.clone(),
                date: ch.decided_at.map(at).unwrap_or(now),
                rationale: format!("{}: {}", ch.reason, ch.note),
                description,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let start_date = terms.start_date.map(start_of_legal_day);
    let ended = matches!(
        state_of(row)?,
        ContractState::Terminated | ContractState::Completed
    );
    let contract = ocds::OcdsContract {
        id: row.id.clone(),
        section: row.section_code.clone(),
        award_round: row.award_round,
        title: format!("{} {} 施工合同", trow.title, row.section_code),
        status: if ended { "terminated" } else { "active" },
        value: terms.price,
        supplier: ocds::OcdsOrganisation {
            name: winner.name,
            uscc: winner.uscc,
        },
        date_signed: row.signed_at.map(at),
        start_date,
        duration_days: terms.duration_days,
        document: ocds::OcdsDocument {
            id: format!("{}-v{}", row.id, row.version),
            document_type: ocds::DocumentType::ContractSigned,
            title: format!("合同（第 {} 版）", row.version),
            sha256: row.digest.clone(),
            url: None,
            format: Some("application/json".into()),
            date_published: row.signed_at.map(at).unwrap_or(now),
            date_modified: (row.version > 1).then_some(now),
        },
        milestones,
        amendments,
        transactions,
    };
    let event = ocds::OcdsEvent {
        ocid_prefix: env.ocid_prefix.clone(),
        event_id: event_id.to_string(),
        kind: EventKind::AwardProgressed,
        at: now,
        state: tstate,
        tender,
    };
    let r = ocds::contract_release(&event, tag.code(), &contract);
    trepo::insert_release(
        c,
        trepo::ReleaseRow {
            seq: 0,
            release_id: r["id"].as_str().unwrap_or_default().to_string(),
            tender_id: trow.id.clone(),
            release: canonical_json(&r),
            released_at: to_db(now),
        },
    )?;
    Ok(())
}
