//! The one verifiable mechanism of `domain::draw` (docs/DRAWS.md) as every stage uses it:
//! committing a frame (the frame kept once, in its `draw_requested` entry), reading it back
//! checked against its digest, and making a **lottery** (抽签) — a chance decision that seats
//! nobody: the coefficient K of the price formula drawn when a section's opening record is
//! published, and the lots of ties and of the award. An expert draw keeps its result secret
//! until the evaluation begins; a lottery has nothing to hide once made, so it is made and
//! revealed in the same step, and `etender draw verify` replays it like any other draw.
//!
//! The draws stage owns the expert draws' seats; the opening commits the K lottery; the
//! evaluation reads K. None imports another: they meet here.

use crate::app::support::errors::internal;
use crate::audit::{self, ActorRef, Event, EventType};
use crate::db::repo::audit as arepo;
use crate::db::repo::draws as repo;
use crate::db::types::to_db;
use crate::db::AnyConnection;
use crate::domain::draw::{self as rules, DrawState, Frame, Purpose};
use crate::domain::evaluation::lot;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;

/// A stored 32-byte value (hex) back as bytes.
pub fn hex32(s: &str) -> AppResult<[u8; 32]> {
    hex::decode(s)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| internal(anyhow::anyhow!("stored draw value is not 32 bytes of hex")))
}

/// The frame as the `draw_requested` entry logged it (the only copy, docs/DRAWS.md §8), checked
/// against the digest the draw committed to: a draw is made and revealed from exactly what the
/// log holds.
pub fn frame_of(c: &mut AnyConnection, row: &repo::DrawRow) -> AppResult<Frame> {
    let entry = arepo::find(c, &row.frame_event)?
        .ok_or_else(|| internal(anyhow::anyhow!("draw {}: its frame entry is gone", row.id)))?;
    let frame = logged_frame(&entry.body)?;
    if hex::encode(frame.digest()) != row.frame_digest {
        return Err(internal(anyhow::anyhow!(
            "draw {}: the logged frame does not hash to its digest",
            row.id
        )));
    }
    Ok(frame)
}

/// The frame in the body of a `draw_requested` audit entry.
pub fn logged_frame(body: &str) -> AppResult<Frame> {
    #[derive(serde::Deserialize)]
    struct Requested {
        frame: Frame,
    }
    serde_json::from_str::<Requested>(body)
        .map(|r| r.frame)
        .map_err(internal)
}

/// The contributions recorded for a draw, in position order.
pub fn contributions_of(rows: &[repo::ContributionRow]) -> AppResult<Vec<rules::Contribution>> {
    rows.iter()
        .map(|r| {
            Ok(rules::Contribution {
                contributor: r.contributor.clone(),
                value: hex32(&r.value)?,
            })
        })
        .collect()
}

/// A frame to commit to, with where and for whom it is drawn.
pub struct NewDraw {
    pub frame: Frame,
    pub tender: String,
    pub section: String,
    /// The principal that asked (or `system` for the platform's own lotteries).
    pub requested_by: String,
    pub actor: ActorRef,
    /// When the drawn people must appear (expert draws); for a lottery, its contribution time.
    pub evaluation_at: DateTime<Utc>,
    pub place: String,
    pub remote: bool,
    pub contribute_by: DateTime<Utc>,
}

/// Commits to a fresh secret for `d.frame`: the frame, its digest and the commitment go into
/// one `draw_requested` entry before anyone can contribute, and the draw waits for the
/// supervising regulator's value until `contribute_by` (then the fallback, `app::draws::tick`).
pub fn commit(c: &mut AnyConnection, now: DateTime<Utc>, d: NewDraw) -> AppResult<repo::DrawRow> {
    d.frame
        .check()
        .map_err(|e| internal(anyhow::anyhow!("frame: {e}")))?;
    let digest = d.frame.digest();
    let mut secret = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
        .map_err(|_| internal(anyhow::anyhow!("the system random generator failed")))?;
    let commitment = rules::commitment(&digest, &secret);
    let (frame_digest, commitment) = (hex::encode(digest), hex::encode(commitment));
    let outline = serde_json::to_string(&d.frame.outline()).map_err(internal)?;
    let id = d.frame.draw_id.clone();
    // The frame is kept here only: the draw row names this entry (docs/DRAWS.md §8).
    let frame_event = audit::record(
        c,
        now,
        Event {
            event_type: EventType::DrawRequested,
            tender_id: Some(d.tender.clone()),
            section_id: Some(d.section.clone()),
            actor: d.actor,
            subject: id.clone(),
            body: json!({"draw": id, "frame_digest": frame_digest,
                "commitment": commitment, "contribute_by": d.contribute_by,
                "evaluation_at": d.evaluation_at, "place": d.place,
                "remote": d.remote, "frame": d.frame}),
        },
    )?;
    let row = repo::DrawRow {
        id,
        purpose: d.frame.purpose.as_str().into(),
        tender_id: d.tender,
        section_code: d.section,
        requested_by: d.requested_by,
        requested_at: to_db(now),
        evaluation_at: to_db(d.evaluation_at),
        place: d.place,
        remote: d.remote,
        frame_digest,
        commitment,
        secret: hex::encode(secret),
        contribute_by: to_db(d.contribute_by),
        state: DrawState::Committed.as_str().into(),
        drawn_at: None,
        revealed_at: None,
        fallback_event: None,
        frame_event,
        outline,
    };
    repo::insert(c, &row)?;
    Ok(row)
}

/// The seed of a draw whose contributions are in.
fn seed_of(c: &mut AnyConnection, row: &repo::DrawRow) -> AppResult<(Frame, [u8; 32])> {
    let frame = frame_of(c, row)?;
    let contributions = contributions_of(&repo::contributions(c, &row.id)?)?;
    let seed = rules::seed(
        &hex32(&row.frame_digest)?,
        &hex32(&row.secret)?,
        &contributions,
    );
    Ok((frame, seed))
}

/// Makes a lottery once its contribution (or the fallback) is in, and reveals it at once: the
/// `draw_made` entry and the `draw_revealed` record a regulator replays.
pub fn make(c: &mut AnyConnection, row: &mut repo::DrawRow, now: DateTime<Utc>) -> AppResult<()> {
    let (frame, seed) = seed_of(c, row)?;
    let result = rules::select(&frame, &seed);
    let contributions = contributions_of(&repo::contributions(c, &row.id)?)?;
    let digest = hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        serde_json::to_string(&result).map_err(internal)?.as_bytes(),
    ));
    row.set_state(DrawState::Revealed);
    row.drawn_at = Some(to_db(now));
    row.revealed_at = Some(to_db(now));
    repo::update(c, row)?;
    let event = |event_type, body| Event {
        event_type,
        tender_id: Some(row.tender_id.clone()),
        section_id: Some(row.section_code.clone()),
        actor: ActorRef::system(),
        subject: row.id.clone(),
        body,
    };
    audit::record(
        c,
        now,
        event(
            EventType::DrawMade,
            json!({"draw": row.id, "result_sha256": digest, "seats": 0,
                "contributions": contributions.len()}),
        ),
    )?;
    let record = rules::Record {
        frame_digest: hex32(&row.frame_digest)?,
        commitment: hex32(&row.commitment)?,
        secret: hex32(&row.secret)?,
        frame,
        contributions,
        result,
    };
    audit::record(
        c,
        now,
        event(
            EventType::DrawRevealed,
            json!({"draw": row.id, "record": record, "seats": []}),
        ),
    )?;
    Ok(())
}

/// A made lottery's outcome: what it draws and the candidates in draw order; `None` for an
/// expert draw or a lottery not made yet.
pub fn outcome(
    c: &mut AnyConnection,
    row: &repo::DrawRow,
) -> AppResult<Option<crate::wire::draws::LotteryOutcome>> {
    if row.purpose != Purpose::Lottery.as_str()
        || row.state().map_err(internal)? != DrawState::Revealed
    {
        return Ok(None);
    }
    let (frame, seed) = seed_of(c, row)?;
    let drawn = rules::select(&frame, &seed)
        .into_iter()
        .flat_map(|g| g.drawn)
        .collect();
    Ok(Some(crate::wire::draws::LotteryOutcome {
        draws: drawing(&frame).unwrap_or_default(),
        drawn,
    }))
}

/// What a lottery's frame says it draws (its `rules.draw`).
fn drawing(frame: &Frame) -> Option<String> {
    let rules: serde_json::Value = serde_json::from_str(&frame.rules).ok()?;
    rules["draw"].as_str().map(str::to_string)
}

/// A made lottery's frame and seed (what a replay needs); `None` until it is made.
pub fn made(c: &mut AnyConnection, row: &repo::DrawRow) -> AppResult<Option<(Frame, [u8; 32])>> {
    if row.state().map_err(internal)? != DrawState::Revealed {
        return Ok(None);
    }
    seed_of(c, row).map(Some)
}

/// Where the section's K stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum K {
    /// The formula has no K values: K = 0, nothing is drawn.
    None,
    /// Committed at the opening, waiting for the regulator's value (or the fallback).
    Pending {
        draw: String,
    },
    Drawn {
        draw: String,
        k: Decimal,
    },
}

/// The `draw` code of a K lottery's frame (`evaluation::lot::k_frame`).
pub const K_DRAW: &str = "price_coefficient_k";

/// Commits the lottery of the section's K (`k_values` from its price formula) unless there
/// is nothing to draw or one exists already.
pub fn commit_k(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    tender: &str,
    section: &str,
    k_values: &[Decimal],
    contribution_minutes: u32,
) -> AppResult<Option<repo::DrawRow>> {
    if !matches!(k_of(c, tender, section)?, K::None) {
        return Ok(None);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let Some(frame) = lot::k_frame(&id, tender, section, k_values) else {
        return Ok(None);
    };
    let by = now + chrono::Duration::minutes(i64::from(contribution_minutes));
    commit(
        c,
        now,
        NewDraw {
            frame,
            tender: tender.into(),
            section: section.into(),
            requested_by: "system".into(),
            actor: ActorRef::system(),
            evaluation_at: by,
            place: "开标 K 值抽取".into(),
            remote: true,
            contribute_by: by,
        },
    )
    .map(Some)
}

/// The section's K: the K lottery committed at its opening, once made.
pub fn k_of(c: &mut AnyConnection, tender: &str, section: &str) -> AppResult<K> {
    for row in repo::of_section(c, tender, section, Purpose::Lottery.as_str())? {
        let frame = frame_of(c, &row)?;
        if drawing(&frame).as_deref() != Some(K_DRAW) {
            continue;
        }
        if row.state().map_err(internal)? != DrawState::Revealed {
            return Ok(K::Pending { draw: row.id });
        }
        let (frame, seed) = seed_of(c, &row)?;
        let k = lot::k_from_seed(&frame, &seed)
            .ok_or_else(|| internal(anyhow::anyhow!("draw {}: no K drawn", row.id)))?;
        return Ok(K::Drawn { draw: row.id, k });
    }
    Ok(K::None)
}

/// The `draw` code of a tie lot's frame (`evaluation::lot::tie_frame`).
pub const TIE_DRAW: &str = "evaluation_tie";

/// The section's tie lots: those made, with their order, and the ids of those still waiting
/// for a contribution.
pub struct Ties {
    pub made: Vec<(String, lot::LotResult)>,
    pub pending: Vec<String>,
}

pub fn ties_of(c: &mut AnyConnection, tender: &str, section: &str) -> AppResult<Ties> {
    let mut out = Ties {
        made: Vec::new(),
        pending: Vec::new(),
    };
    for row in repo::of_section(c, tender, section, Purpose::Lottery.as_str())? {
        let frame = frame_of(c, &row)?;
        if drawing(&frame).as_deref() != Some(TIE_DRAW) {
            continue;
        }
        if row.state().map_err(internal)? != DrawState::Revealed {
            out.pending.push(row.id);
            continue;
        }
        let (frame, seed) = seed_of(c, &row)?;
        let order = lot::tie_order(&frame, &seed);
        out.made.push((row.id, lot::LotResult { order }));
    }
    Ok(out)
}

/// Commits a tie lot among `bids` of the section (the tie-breaks left them level where it
/// matters), to be made with the supervising regulator's value like K.
pub fn commit_tie(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    tender: &str,
    section: &str,
    bids: &[String],
    contribution_minutes: u32,
) -> AppResult<repo::DrawRow> {
    let id = uuid::Uuid::now_v7().to_string();
    let frame = lot::tie_frame(&id, tender, section, bids);
    let by = now + chrono::Duration::minutes(i64::from(contribution_minutes));
    commit(
        c,
        now,
        NewDraw {
            frame,
            tender: tender.into(),
            section: section.into(),
            requested_by: "system".into(),
            actor: ActorRef::system(),
            evaluation_at: by,
            place: "评标 同分抽签".into(),
            remote: true,
            contribute_by: by,
        },
    )
}
