//! Licence facts from the registry as the stages share them (免证明, docs/LICENCES.md): one
//! fetch recorded with its provenance and audit entry, and an organisation's record read back
//! with its age. A failed fetch never replaces the cached record and never reads as a pass.
//! When a section's committee starts its review, each opened bid's verdicts are frozen into
//! the evaluation from the records held then ([`freeze`], docs/LICENCES.md §9).

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::json;

use crate::app::support::evaluation::opened_bids;
use crate::app::support::json::parse_json;
use crate::app::support::tender::published_draft;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::committees::CommitteeRow;
use crate::db::repo::licences as repo;
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::licence::{FetchOutcome, FrozenBid, HeldRecord, RegistryRecord};
use crate::error::{AppError, AppResult};
use crate::registry::Fetched;
use crate::wire::licences::{FactsState, LicenceFetch, Licences};

use crate::app::AppContext;

/// Fetches `uscc` from the registry (outside any transaction: it may take the whole timeout
/// and its retries), then records the attempt and its audit entry in one transaction and
/// returns the organisation's record as it now stands. With no registry configured nothing is
/// recorded and the cached record is returned as it is.
pub async fn fetch(ctx: &AppContext, by: ActorRef, uscc: &str) -> AppResult<Licences> {
    let fetched = ctx.registry.fetch(uscc).await;
    // Microseconds: what both databases keep, so the time read back is the time recorded.
    let now = ctx.clock.now().trunc_subsecs(6);
    let uscc = uscc.to_string();
    ctx.db
        .write(move |c| {
            if fetched.outcome != FetchOutcome::NotConfigured {
                record(c, now, &by, &uscc, &fetched)?;
            }
            view(c, &uscc, now)
        })
        .await
}

/// Records `fetched` for `uscc` and its `licences_fetched` entry (no tender named: a fetch
/// says nothing of where the organisation bids).
pub fn record(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    by: &ActorRef,
    uscc: &str,
    fetched: &Fetched,
) -> AppResult<()> {
    // Only a good answer replaces the cached record; the rule checks the chain of those.
    let previous = match fetched.outcome {
        FetchOutcome::Ok => repo::cached(c, uscc)?.and_then(|r| r.digest),
        _ => None,
    };
    let facts = fetched
        .record
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(AppError::internal)?;
    let row = repo::FetchRow {
        id: uuid::Uuid::now_v7().to_string(),
        uscc: uscc.to_string(),
        source: fetched.source.clone(),
        attempted_at: to_db(now),
        outcome: fetched.outcome.as_str().to_string(),
        http_status: fetched.http_status.map(i32::from),
        digest: fetched.digest.clone(),
        signature: fetched.signature.clone(),
        key_id: fetched.key_id.clone(),
        facts,
        error: fetched.error.clone(),
        requested_by: by.id.clone(),
        requested_role: by.role.clone(),
    };
    repo::insert(c, &row)?;
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::LicencesFetched,
            tender_id: None,
            section_id: None,
            actor: by.clone(),
            subject: uscc.to_string(),
            body: json!({
                "fetch_id": row.id,
                "uscc": uscc,
                "source": row.source,
                "outcome": row.outcome,
                "http_status": row.http_status,
                "digest": row.digest,
                "signed": row.signature.is_some(),
                "key_id": row.key_id,
                "attempts": fetched.attempts,
                "previous_digest": previous,
            }),
        },
    )?;
    Ok(())
}

/// `uscc`'s record as the platform holds it at `now`: the newest good answer, whether the
/// newest attempt failed since, and how old the record is.
pub fn view(c: &mut AnyConnection, uscc: &str, now: DateTime<Utc>) -> AppResult<Licences> {
    let cached = repo::cached(c, uscc)?;
    let latest = repo::latest(c, uscc)?;
    let record: Option<RegistryRecord> = cached
        .as_ref()
        .and_then(|r| r.facts.as_deref())
        .map(serde_json::from_str)
        .transpose()
        .map_err(AppError::internal)?;
    let state = match (&cached, &latest) {
        (None, _) => FactsState::Unavailable,
        (Some(c), Some(l)) if c.id == l.id => FactsState::Current,
        _ => FactsState::Stale,
    };
    Ok(Licences {
        uscc: uscc.to_string(),
        state,
        stale: state != FactsState::Current,
        age_seconds: cached
            .as_ref()
            .map(|r| (now - from_db(r.attempted_at)).num_seconds()),
        record,
        provenance: cached.as_ref().map(to_wire).transpose()?,
        last_attempt: latest.as_ref().map(to_wire).transpose()?,
    })
}

fn to_wire(r: &repo::FetchRow) -> AppResult<LicenceFetch> {
    Ok(LicenceFetch {
        source: r.source.clone(),
        fetched_at: from_db(r.attempted_at),
        outcome: FetchOutcome::parse(&r.outcome)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("fetch outcome {}", r.outcome)))?,
        http_status: r.http_status.and_then(|s| u16::try_from(s).ok()),
        digest: r.digest.clone(),
        signature: r.signature.clone(),
        key_id: r.key_id.clone(),
        error: r.error.clone(),
    })
}

/// Freezes the section's licence verdicts into its evaluation, once per section, in the
/// transaction that elects the committee's leader (no sheet can precede it): for each opened
/// bid, the verdict on each requirement at the bid deadline from the record held now — stale
/// records judged with their age, none at all `unverified` — with the fetch id and digest of
/// the record judged, audited as `licence_verdicts_frozen`. A section without licence
/// requirements freezes nothing.
pub fn freeze(
    c: &mut AnyConnection,
    committee: &CommitteeRow,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (tender, section) = (&committee.tender_id, &committee.section_code);
    if repo::frozen(c, tender, section)?.is_some() {
        return Ok(());
    }
    let t = trepo::find_tender(c, tender)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("committee without its tender")))?;
    let draft = published_draft(c, &t)?;
    let Some(sec) = draft.sections.iter().find(|s| &s.code == section) else {
        return Ok(());
    };
    let req = &sec.licence_requirements;
    let opened = opened_bids(c, tender, section)?;
    if req.is_empty() || opened.is_empty() {
        return Ok(());
    }
    let deadline = draft.schedule.bid_deadline;
    let mut bids = Vec::with_capacity(opened.len());
    for b in &opened {
        let cached = repo::cached(c, &b.bidder)?;
        let latest = repo::latest(c, &b.bidder)?;
        let state = match (&cached, &latest) {
            (None, _) => FactsState::Unavailable,
            (Some(c), Some(l)) if c.id == l.id => FactsState::Current,
            _ => FactsState::Stale,
        };
        let record: Option<(RegistryRecord, HeldRecord)> = match &cached {
            Some(row) => {
                let facts = row.facts.as_deref().unwrap_or("null");
                Some((
                    parse_json(facts, "licence record")?,
                    HeldRecord {
                        fetch_id: row.id.clone(),
                        digest: row.digest.clone().unwrap_or_default(),
                        fetched_at: from_db(row.attempted_at),
                    },
                ))
            }
            None => None,
        };
        let held = record.as_ref().map(|(r, h)| (r, h.clone()));
        bids.push(FrozenBid::judge(
            &b.bid, &b.bidder, req, held, state, deadline, now,
        ));
    }
    let row = repo::FrozenRow {
        tender_id: tender.clone(),
        section_code: section.clone(),
        committee_id: committee.id.clone(),
        frozen_at: to_db(now),
        bid_deadline: to_db(deadline),
        bids: serde_json::to_string(&bids).map_err(AppError::internal)?,
    };
    repo::insert_frozen(c, &row)?;
    audit::record(
        c,
        now,
        Event {
            event_type: EventType::LicenceVerdictsFrozen,
            tender_id: Some(tender.clone()),
            section_id: Some(section.clone()),
            actor: ActorRef::system(),
            subject: committee.id.clone(),
            body: json!({"committee": committee.id, "tender": tender, "section": section,
                "bid_deadline": deadline, "requirements": req, "bids": bids}),
        },
    )?;
    Ok(())
}

/// The section's frozen verdicts (empty until frozen, and for a section without licence
/// requirements).
pub fn frozen(c: &mut AnyConnection, tender: &str, section: &str) -> AppResult<Vec<FrozenBid>> {
    match repo::frozen(c, tender, section)? {
        Some(row) => parse_json(&row.bids, "frozen licence verdicts"),
        None => Ok(Vec::new()),
    }
}

/// When the section's verdicts were frozen, if they were.
pub fn frozen_at(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<Option<DateTime<Utc>>> {
    Ok(repo::frozen(c, tender, section)?.map(|r| from_db(r.frozen_at)))
}
