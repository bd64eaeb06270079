//! `GET …/bids/{bid}/parts/{index}/content`: one part of an opened bid, decrypted on the fly.
//!
//! Who may read (条例: the committee evaluates, regulators supervise): regulators at any time
//! after the bid is opened; the active members of the section's evaluation committee while it
//! evaluates (a leader elected). A member that left, other experts, bidders, the public and the
//! tenderer read the opening record only (`forbidden`). Each read is recorded (`bid_part_read`:
//! who — as `regulator` or `committee_member` —, which part of which bid, when) before the first
//! byte leaves.
//!
//! The part's data key was wrapped under the node's KEK at the opening (`support::opened`); it
//! is unwrapped here and the stored ciphertext decrypted chunk by chunk on a blocking thread into
//! a small bounded channel that the response drains, so memory is a few chunks whatever the part
//! size, and a client that goes away stops the decryption. Digests were checked at the opening;
//! every chunk is still authenticated as it is read (`seal::stream::RecordOpener`), and a failure
//! mid-stream cuts the response short of its `Content-Length`. Each record is read from storage
//! straight into the buffer that goes to the response and decrypted there in place: the bytes
//! are copied as often as a plain document download copies them (`make bench`, `evaluation`).

use crate::app::support::opened::plaintext_stream;
use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::ActorRef;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::bids as repo;
use crate::db::repo::committees as crepo;
use crate::domain::authz::Permission;
use crate::domain::bidding::BidState;
use crate::domain::evaluation::committee::CommitteeState;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use futures_util::stream::BoxStream;
use serde_json::json;
use std::io;

/// An opened part on its way to a reader.
pub struct OpenedPartContent {
    /// The document's file name as the bidder gave it ("summary" for part 0).
    pub name: String,
    pub len: u64,
    /// Hex SHA-256 of the plaintext, checked at the opening (none for the summary).
    pub sha256: Option<String>,
    pub stream: BoxStream<'static, Result<bytes::Bytes, io::Error>>,
}

pub async fn read_bid_part(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    bid: &str,
    index: u32,
) -> AppResult<OpenedPartContent> {
    let regulator = actor.require(Permission::ReadOpenedBids);
    let (t, s, b, now) = (
        tender.to_string(),
        section.to_string(),
        bid.to_string(),
        ctx.clock.now(),
    );
    let reader = actor.clone();
    let (row, part) = ctx
        .db
        .write(move |c| {
            let by = match regulator {
                Ok(()) => {
                    crate::app::support::departments::require_supervisor(c, &reader, &t)?;
                    reader.audit_as(Role::Regulator)
                }
                Err(refused) => {
                    if !evaluating_member(c, &t, &s, &reader.id)? {
                        return Err(refused);
                    }
                    ActorRef {
                        role: "committee_member".into(),
                        id: reader.id.clone(),
                    }
                }
            };
            let no_bid = || AppError::not_found("no such opened bid in this section");
            let row = repo::find_bid(c, &b)?
                .filter(|r| r.tender_id == t && r.section_code == s)
                .ok_or_else(no_bid)?;
            if row.state()? != BidState::Opened {
                return Err(no_bid());
            }
            let part = repo::bid_parts(c, &row.id)?
                .into_iter()
                .find(|p| p.part_index as u32 == index)
                .ok_or_else(|| AppError::not_found(format!("the bid has no part {index}")))?;
            audit::record(
                c,
                now,
                Event {
                    event_type: EventType::BidPartRead,
                    tender_id: Some(t.clone()),
                    section_id: Some(s.clone()),
                    actor: by,
                    subject: row.id.clone(),
                    body: json!({"tender": t, "section": s, "bid": row.id, "part": index}),
                },
            )?;
            Ok((row, part))
        })
        .await?;
    let (len, stream) = plaintext_stream(ctx, &row, &part)?;
    Ok(OpenedPartContent {
        name: part.name,
        len,
        sha256: part.plaintext_sha256,
        stream,
    })
}

/// Whether `principal` is an active member of the section's committee while it evaluates.
pub(super) fn evaluating_member(
    c: &mut crate::db::AnyConnection,
    tender: &str,
    section: &str,
    principal: &str,
) -> AppResult<bool> {
    let Some(committee) = crepo::of_section(c, tender, section)? else {
        return Ok(false);
    };
    // Members read while they evaluate and while they check the report they sign.
    if !matches!(
        committee.state().map_err(AppError::internal)?,
        CommitteeState::Evaluating | CommitteeState::Reporting
    ) {
        return Ok(false);
    }
    Ok(crepo::members(c, &committee.id)?
        .iter()
        .any(|m| m.active && m.principal_id == principal))
}
