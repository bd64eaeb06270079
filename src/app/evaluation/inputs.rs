//! What a section's report rests on, gathered from the records: the members whose conclusions
//! count, the opened bids as the opening settled them, and what the committee entered — the
//! revealed sheets of every stage, the motions it decided, the adjustments it agreed — with K
//! and the tie lots drawn. `domain::evaluation::candidates::derive` turns them into the
//! candidates; the report carries them so the verifier can do the same offline.

use super::*;
use crate::db::repo::bids as brepo;
use crate::domain::bidding::BidState;
use crate::domain::evaluation::candidates::Inputs;
use crate::domain::evaluation::lot::LotResult;
use crate::domain::evaluation::rejection::OpenedBid;
use rust_decimal::Decimal;

/// The opened bids of a section: bid, bidder (USCC) and the price its opened summary states.
pub(super) fn opened_bids(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<Vec<OpenedBid>> {
    let mut out = Vec::new();
    for b in brepo::bids_of_section(c, tender, section, &[BidState::Opened])? {
        let summary: serde_json::Value = b
            .summary
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(internal)?
            .ok_or_else(|| internal(anyhow::anyhow!("opened bid {} has no summary", b.id)))?;
        let price = match &summary["price"] {
            serde_json::Value::String(s) => s.parse::<Decimal>().ok(),
            serde_json::Value::Number(n) => n.to_string().parse::<Decimal>().ok(),
            _ => None,
        }
        .ok_or_else(|| internal(anyhow::anyhow!("opened bid {}: unreadable price", b.id)))?;
        out.push(OpenedBid {
            bid: b.id,
            bidder: b.bidder_uscc,
            prices: vec![price],
        });
    }
    out.sort_by(|a, b| a.bid.cmp(&b.bid));
    Ok(out)
}

/// The inputs of `derive` for the committee as it stands.
pub(super) fn gather(
    c: &mut AnyConnection,
    committee: &crepo::CommitteeRow,
    active: &[String],
    k: Decimal,
    lots: Vec<LotResult>,
) -> AppResult<Inputs> {
    let bids = opened_bids(c, &committee.tender_id, &committee.section_code)?;
    Ok(Inputs {
        members: active.to_vec(),
        bids,
        alternatives_allowed: false,
        verdicts: Vec::new(),
        motions: Vec::new(),
        k,
        sheets: Vec::new(),
        applied: Vec::new(),
        recommendations: Vec::new(),
        remarks: Vec::new(),
        lots,
        deviation: Default::default(),
    })
}
