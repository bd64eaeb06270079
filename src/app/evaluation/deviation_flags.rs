//! `GET …/committee/deviation-flags`: the 偏离度 flags raised at the reveal of the scoring
//! stage, with the flagged members' signed reasons, for the committee's members and
//! regulators.

use super::*;
use crate::app::{Actor, AppContext};
use crate::db::repo::sheets as srepo;

pub async fn deviation_flags(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
) -> AppResult<DeviationFlags> {
    let (tender, section, actor) = (tender.to_string(), section.to_string(), actor.clone());
    ctx.db
        .read(move |c| {
            let (row, _) = committee_for_reader(c, &actor, &tender, &section)?;
            let members = crepo::members(c, &row.id)?;
            let flags = srepo::flags_with_reasons(c, &row.id)?
                .iter()
                .map(|(f, r)| flag_dto(&members, f, r.as_ref()))
                .collect::<AppResult<Vec<_>>>()?;
            let open = flags.iter().filter(|f| f.reason.is_none()).count();
            Ok(DeviationFlags {
                committee_id: row.id.clone(),
                open: u32::try_from(open).unwrap_or(u32::MAX),
                flags,
            })
        })
        .await
}

pub(super) fn flag_dto(
    members: &[crepo::MemberRow],
    f: &srepo::FlagRow,
    r: Option<&srepo::ReasonRow>,
) -> AppResult<DeviationFlag> {
    let decimal = |s: &str| s.parse().map_err(internal);
    Ok(DeviationFlag {
        id: f.id.clone(),
        member_id: f.member_id.clone(),
        person_id: members
            .iter()
            .find(|m| m.id == f.member_id)
            .map(|m| m.principal_id.clone())
            .unwrap_or_default(),
        bid_id: f.bid_id.clone(),
        criterion: f.criterion.clone(),
        score: decimal(&f.score)?,
        others_mean: decimal(&f.others_mean)?,
        flagged_at: from_db(f.flagged_at),
        reason: r.map(|r| DeviationReason {
            reason: r.reason.clone(),
            signature: r.signature.clone(),
            signature_algorithm: r.signature_algorithm.clone(),
            signer_fingerprint: r.signer_fingerprint.clone(),
            filed_at: from_db(r.filed_at),
        }),
    })
}
