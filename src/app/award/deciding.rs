//! What the deciding verbs share (docs/AWARD.md §3): the section's award round as the engine
//! sees it ([`Deciding`]: the method, the candidates, the committee), its recorded steps read
//! back as the engine's steps ([`records`]), and [`proceed`], which closes the open step when
//! it can (every member cast, its time over, its lot made, the chair decided), replays the
//! steps and opens the next one the engine asks for — or, when the engine says who won,
//! records the winner, moves the section to Reporting and generates the 定标报告.
//!
//! A ballot's content never leaves this module while its step is open: the log carries its
//! commitment, and [`close`] reveals the step's casts all at once.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::app::support::award::{self as sa, Award};
use crate::app::support::errors::internal;
use crate::app::support::evaluation::opened_bids;
use crate::app::support::json::{parse_json, to_json};
use crate::app::support::lottery;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::award_committees as committees;
use crate::db::repo::award_rounds as repo;
use crate::db::repo::draws as drepo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::award::report::{self, Document, Lot, Member, StepRecord};
use crate::domain::award::stage::StageEvent;
use crate::domain::award::{
    self as engine, CastKind, Next, Reason, Setup, StepKind, DEFAULT_MAX_REVOTES,
};
use crate::domain::tender::{AwardMethod, AwardMode};
use crate::error::{AppError, AppResult, ErrorCode};

/// The settings the deciding needs, cheap to move into a transaction.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub round_minutes: u32,
    pub lot_minutes: u32,
    /// How long the members have to sign the 定标报告 (`[award_rounds]`).
    pub report_signing_minutes: u32,
}

impl Timing {
    pub fn of(ctx: &crate::app::AppContext) -> Timing {
        Timing {
            round_minutes: ctx.settings.award_rounds.round_minutes,
            lot_minutes: ctx.settings.experts.draws.contribution_minutes,
            report_signing_minutes: ctx.settings.award_rounds.report_signing_minutes,
        }
    }
}

/// The section's award round as the engine sees it.
pub struct Deciding {
    pub tender: String,
    pub section: String,
    pub award_round: i32,
    pub setup: Setup,
    pub members: Vec<Member>,
}

impl Deciding {
    pub fn round(&self) -> u32 {
        u32::try_from(self.award_round).unwrap_or_default()
    }
}

/// The award committee of the award round, from the committee stage (`award_committees`).
pub fn committee(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
    award_round: i32,
) -> AppResult<Vec<Member>> {
    Ok(committees::members_of(c, tender, section, award_round)?
        .into_iter()
        .map(|m| Member {
            person: m.person_id,
            chair: m.chair,
        })
        .collect())
}

/// The engine's view of `award`; refused for a traditional award and before a committee.
pub fn deciding(c: &mut AnyConnection, award: &Award) -> AppResult<Deciding> {
    let AwardMode::Separated { method, .. } = &award.mode else {
        return Err(AppError::new(
            ErrorCode::InvalidStateTransition,
            "a traditional award is not decided by a committee",
        ));
    };
    let (tender, section) = (award.row.tender_id.clone(), award.row.section_code.clone());
    let members = committee(c, &tender, &section, award.row.award_round)?;
    if members.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidStateTransition,
            "the award committee is not formed",
        ));
    }
    // Once convened, the round decides among the candidates still valid then, whatever lapses
    // later: the setup the engine replays never changes within a round.
    let candidates = award
        .convened_among()?
        .unwrap_or_else(|| award.candidates.clone());
    let mut prices = std::collections::BTreeMap::new();
    if *method == AwardMethod::PriceCompetition {
        for b in opened_bids(c, &tender, &section)? {
            if let (true, Some(p)) = (candidates.contains(&b.bid), b.prices.first()) {
                prices.insert(b.bid.clone(), *p);
            }
        }
    }
    Ok(Deciding {
        tender,
        section,
        award_round: award.row.award_round,
        setup: Setup {
            method: method.clone(),
            candidates,
            members: members.len(),
            prices,
            benchmark: None,
            max_revotes: DEFAULT_MAX_REVOTES,
        },
        members,
    })
}

pub fn among_of(row: &repo::StepRow) -> AppResult<Vec<String>> {
    parse_json(&row.among, "award step candidates")
}

pub fn members_of_step(row: &repo::StepRow) -> AppResult<Vec<String>> {
    parse_json(&row.members, "award step members")
}

fn choices_of(row: &repo::BallotRow) -> AppResult<Vec<String>> {
    parse_json(&row.choices, "ballot choices")
}

/// A cast as the report and the revealed view show it.
pub fn cast_record(b: &repo::BallotRow) -> AppResult<report::Cast> {
    Ok(report::Cast {
        member: b.person_id.clone(),
        kind: b.kind()?,
        choices: choices_of(b)?,
        reason: b.reason.clone(),
        statement_sha256: b.statement_sha256.clone(),
        signature: b.signature.clone(),
        signature_algorithm: b.signature_algorithm.clone(),
        signer_fingerprint: b.signer_fingerprint.clone(),
    })
}

fn missing(member: &str) -> report::Cast {
    report::Cast {
        member: member.to_string(),
        kind: CastKind::Missing,
        choices: Vec::new(),
        reason: None,
        statement_sha256: String::new(),
        signature: String::new(),
        signature_algorithm: String::new(),
        signer_fingerprint: String::new(),
    }
}

/// A lot step's evidence once its lottery is made.
pub fn lot_evidence(c: &mut AnyConnection, row: &repo::StepRow) -> AppResult<Option<Lot>> {
    let Some(id) = &row.draw_id else {
        return Ok(None);
    };
    let draw =
        drepo::find(c, id)?.ok_or_else(|| internal(anyhow::anyhow!("award lot {id} is gone")))?;
    let Some((frame, seed)) = lottery::made(c, &draw)? else {
        return Ok(None);
    };
    let count = usize::try_from(row.picks).unwrap_or_default();
    Ok(Some(Lot {
        draw: draw.id.clone(),
        frame_digest: draw.frame_digest.clone(),
        commitment: draw.commitment.clone(),
        seed: hex::encode(seed),
        order: engine::lot::order(&frame, &seed, count),
    }))
}

/// The closed steps as report records, and the open step (at most one).
pub fn records(
    c: &mut AnyConnection,
    d: &Deciding,
) -> AppResult<(Vec<StepRecord>, Option<repo::StepRow>)> {
    let mut out = Vec::new();
    let mut open = None;
    for row in repo::steps(c, &d.tender, &d.section, d.award_round)? {
        if row.closed_at.is_none() {
            open = Some(row);
            continue;
        }
        out.push(record(c, &row)?);
    }
    Ok((out, open))
}

/// A closed step as the report records it: a vote's ballots in the order of the members it
/// was opened for, a missing ballot for each who did not cast.
pub fn record(c: &mut AnyConnection, row: &repo::StepRow) -> AppResult<StepRecord> {
    let casts = repo::revealed(c, &row.id)?;
    let mut list = Vec::new();
    let kind = row.kind()?;
    if kind == StepKind::Vote {
        for m in members_of_step(row)? {
            match casts.iter().find(|b| b.person_id == m) {
                Some(b) => list.push(cast_record(b)?),
                None => list.push(missing(&m)),
            }
        }
    } else {
        // Opinions first, the chair's decision last.
        let decision = |b: &&repo::BallotRow| b.kind().ok() == Some(CastKind::Decision);
        for b in casts.iter().filter(|b| !decision(b)) {
            list.push(cast_record(b)?);
        }
        for b in casts.iter().filter(decision) {
            list.push(cast_record(b)?);
        }
    }
    Ok(StepRecord {
        id: row.id.clone(),
        seq: u32::try_from(row.seq).unwrap_or_default(),
        kind,
        among: among_of(row)?,
        picks: usize::try_from(row.picks).unwrap_or_default(),
        casts: list,
        lot: if kind == StepKind::Lot {
            lot_evidence(c, row)?
        } else {
            None
        },
    })
}

fn event(
    d: &Deciding,
    t: EventType,
    actor: ActorRef,
    subject: &str,
    body: serde_json::Value,
) -> Event {
    Event {
        event_type: t,
        tender_id: Some(d.tender.clone()),
        section_id: Some(d.section.clone()),
        actor,
        subject: subject.to_string(),
        body,
    }
}

/// Whether the open step can close now; closes it if so (revealing its casts).
fn try_close(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    d: &Deciding,
    row: &mut repo::StepRow,
) -> AppResult<bool> {
    let casts = repo::casts(c, &row.id)?;
    let ready = match row.kind()? {
        StepKind::Vote => {
            let members = members_of_step(row)?;
            let all_in = members
                .iter()
                .all(|m| casts.iter().any(|b| b.person_id == *m));
            all_in || row.closes_at.is_some_and(|t| now >= from_db(t))
        }
        StepKind::Lot => lot_evidence(c, row)?.is_some(),
        StepKind::Deliberation => casts
            .iter()
            .any(|b| b.kind().ok() == Some(CastKind::Decision)),
    };
    if ready {
        close(c, now, d, row)?;
    }
    Ok(ready)
}

/// Closes a step: every cast revealed at once, the missing ballots named, all in one entry
/// with each cast's signature and certificate (what the offline verifier checks).
fn close(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    d: &Deciding,
    row: &mut repo::StepRow,
) -> AppResult<()> {
    row.closed_at = Some(to_db(now));
    repo::update_step(c, row)?;
    repo::reveal(c, &row.id, to_db(now))?;
    let casts = repo::casts(c, &row.id)?;
    let kind = row.kind()?;
    let missing: Vec<String> = if kind == StepKind::Vote {
        members_of_step(row)?
            .into_iter()
            .filter(|m| !casts.iter().any(|b| b.person_id == *m))
            .collect()
    } else {
        Vec::new()
    };
    let listed: Vec<serde_json::Value> = casts
        .iter()
        .map(|b| {
            json!({"member": b.person_id, "kind": b.kind, "choices": choices_of(b).ok(),
                "reason": b.reason, "statement_sha256": b.statement_sha256,
                "signature": b.signature, "signature_algorithm": b.signature_algorithm,
                "certificate": b.certificate, "cast_at": from_db(b.cast_at)})
        })
        .collect();
    let lot = if kind == StepKind::Lot {
        lot_evidence(c, row)?
    } else {
        None
    };
    audit::record(
        c,
        now,
        event(
            d,
            EventType::AwardStepClosed,
            ActorRef::system(),
            &row.id,
            json!({"step": row.id, "award_round": d.award_round, "seq": row.seq,
                "kind": row.kind, "among": among_of(row)?, "picks": row.picks,
                "members": members_of_step(row)?, "casts": listed, "missing": missing,
                "lot": lot}),
        ),
    )?;
    Ok(())
}

/// Opens the step the engine asks for.
fn open(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    d: &Deciding,
    timing: Timing,
    seq: usize,
    next: &Next,
) -> AppResult<()> {
    let (kind, among, picks, reason) = match next {
        Next::Vote {
            among,
            picks,
            reason,
        } => (StepKind::Vote, among, *picks, *reason),
        Next::Lot {
            among,
            count,
            reason,
        } => (StepKind::Lot, among, *count, *reason),
        Next::Deliberate { among } => (StepKind::Deliberation, among, 1, Reason::Deliberation),
        Next::Decided { .. } => return Ok(()),
    };
    let id = uuid::Uuid::now_v7().to_string();
    let members: Vec<String> = d.members.iter().map(|m| m.person.clone()).collect();
    let mut row = repo::StepRow {
        id: id.clone(),
        tender_id: d.tender.clone(),
        section_code: d.section.clone(),
        award_round: d.award_round,
        seq: i32::try_from(seq).map_err(internal)?,
        kind: kind.as_str().into(),
        among: to_json(among)?,
        picks: i32::try_from(picks).map_err(internal)?,
        reason: to_json(&reason)?.trim_matches('"').to_string(),
        members: to_json(&members)?,
        opened_at: to_db(now),
        closes_at: (kind == StepKind::Vote)
            .then(|| to_db(now + chrono::Duration::minutes(i64::from(timing.round_minutes)))),
        closed_at: None,
        draw_id: None,
    };
    if kind == StepKind::Lot {
        let draw = uuid::Uuid::now_v7().to_string();
        let frame = engine::lot::frame(&draw, &d.tender, &d.section, d.round(), &id, among);
        let by = now + chrono::Duration::minutes(i64::from(timing.lot_minutes));
        lottery::commit(
            c,
            now,
            lottery::NewDraw {
                frame,
                tender: d.tender.clone(),
                section: d.section.clone(),
                requested_by: "system".into(),
                actor: ActorRef::system(),
                evaluation_at: by,
                place: "定标 抽签".into(),
                remote: true,
                contribute_by: by,
            },
        )?;
        row.draw_id = Some(draw);
    }
    repo::insert_step(c, &row)?;
    audit::record(
        c,
        now,
        event(
            d,
            EventType::AwardStepOpened,
            ActorRef::system(),
            &id,
            json!({"step": id, "award_round": d.award_round, "seq": seq, "kind": kind,
                "among": among, "picks": picks, "reason": row.reason, "members": members,
                "closes_at": row.closes_at.map(from_db), "draw": row.draw_id}),
        ),
    )?;
    Ok(())
}

/// Moves the deciding on as far as it goes now: closes the open step if it can, then opens
/// the next step the engine asks for, or settles the award when it is decided.
pub fn proceed(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    award: &mut Award,
    timing: Timing,
) -> AppResult<()> {
    let d = deciding(c, award)?;
    loop {
        let (records, open_step) = records(c, &d)?;
        if let Some(mut row) = open_step {
            if try_close(c, now, &d, &mut row)? {
                continue;
            }
            return Ok(());
        }
        let steps = report::steps(&d.members, &records)
            .ok_or_else(|| internal(anyhow::anyhow!("a closed award step is incomplete")))?;
        let replayed = engine::replay(&d.setup, &steps).map_err(internal)?;
        if let Next::Decided { winner, reason } = &replayed.next {
            let rounds = replayed.rounds;
            // Microseconds, as stored and logged, so the deadline is one instant everywhere.
            let sign_until = chrono::SubsecRound::trunc_subsecs(
                now + chrono::Duration::minutes(i64::from(timing.report_signing_minutes)),
                6,
            );
            return settle(
                c,
                now,
                award,
                &d,
                (records, rounds),
                winner,
                *reason,
                sign_until,
            );
        }
        return open(c, now, &d, timing, records.len() + 1, &replayed.next);
    }
}

/// The award is decided: the winner and why on `section_awards`, Deciding → Reporting, and the
/// 定标报告 generated for every member and the chair to sign by `sign_until`.
#[allow(clippy::too_many_arguments)]
fn settle(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    award: &mut Award,
    d: &Deciding,
    (records, rounds): (Vec<StepRecord>, Vec<engine::Round>),
    winner: &str,
    reason: Reason,
    sign_until: DateTime<Utc>,
) -> AppResult<()> {
    let chair_reason = records
        .iter()
        .flat_map(|r| r.casts.iter())
        .find(|c| c.kind == CastKind::Decision)
        .and_then(|c| c.reason.clone());
    let why = report::why(reason, chair_reason.as_deref());
    award.row.winner_bid_id = Some(winner.to_string());
    award.row.winner_reason = Some(why.clone());
    award.row.decided_at = Some(to_db(now));
    sa::advance(c, now, award, &StageEvent::Decide)?;
    audit::record(
        c,
        now,
        event(
            d,
            EventType::AwardDecided,
            ActorRef::system(),
            &d.section,
            json!({"award_round": d.award_round, "winner": winner, "reason": reason,
                "why": why}),
        ),
    )?;
    let doc = Document {
        version: report::VERSION,
        tender: d.tender.clone(),
        section: d.section.clone(),
        award_round: d.round(),
        method_name: d.setup.method.legal_name().into(),
        setup: d.setup.clone(),
        members: d.members.clone(),
        steps: records,
        rounds,
        winner: winner.to_string(),
        reason,
        why,
        decided_at: now,
    };
    report::check(&doc).map_err(internal)?;
    let bytes = report::bytes(&doc);
    let text = String::from_utf8(bytes).map_err(internal)?;
    let digest = hex::encode(report::digest(text.as_bytes()));
    let row = repo::ReportRow {
        id: uuid::Uuid::now_v7().to_string(),
        tender_id: d.tender.clone(),
        section_code: d.section.clone(),
        award_round: d.award_round,
        document: text.clone(),
        digest: digest.clone(),
        generated_at: to_db(now),
        completed_at: None,
        sign_until: Some(to_db(sign_until)),
        deemed_agreed: None,
    };
    repo::insert_report(c, &row)?;
    let document: serde_json::Value = parse_json(&text, "award report")?;
    audit::record(
        c,
        now,
        event(
            d,
            EventType::AwardReportGenerated,
            ActorRef::system(),
            &row.id,
            json!({"report": row.id, "award_round": d.award_round, "digest": digest,
                "sign_until": sign_until, "document": document}),
        ),
    )?;
    Ok(())
}

/// The actor's membership of `d`'s committee: the member entry it acts as. Members are named
/// by the committee stage's person id; a principal matches by its own id or by the person
/// identifier its certificate carries.
pub fn member_of<'a>(
    c: &mut AnyConnection,
    d: &'a Deciding,
    actor: &crate::app::Actor,
) -> AppResult<Option<(&'a Member, String)>> {
    let person = crate::db::repo::identity::find_person(c, &actor.id)?;
    let cert_id = person.as_ref().map(|p| p.person_id.clone());
    Ok(d.members
        .iter()
        .find(|m| m.person == actor.id || Some(&m.person) == cert_id.as_ref())
        .map(|m| (m, cert_id.unwrap_or_default())))
}
