//! The bid-state snapshot of an export, and the replay that checks it.
//!
//! A bid's state lives in the ordinary `bids` table, which the operator can edit without
//! leaving an event. An export therefore carries the states the database holds *now*, for
//! every bid whose `bid_submitted` entry is in the bundle, as a signed note by the log key:
//!
//! ```text
//! etender-bid-states/v1
//! <log origin>
//! <tree size of the bundle's checkpoint>
//! <bid id> <state>
//! …
//! ```
//!
//! The verifier replays each bid's events from the bundle through the bid state machine and
//! compares: a state the events do not give (a withdrawn bid back to `submitted`, an opened one
//! turned `revoked`, a bid made to vanish as `withdrawn`) is a failure naming the bid. The
//! signature makes the snapshot the operator's own statement: a database edit shows up as a
//! contradiction between two things the log key signed. Bids with events still pending are
//! left out (their state may be ahead of the checkpoint).

use std::collections::{BTreeMap, HashMap};

use super::note::{open, NoteSigner, NoteVerifier};
use super::verify::VerifiedEntry;

/// First line of the snapshot note (distinct from any checkpoint's origin line).
pub const SNAPSHOT_HEADER: &str = "etender-bid-states/v1";

/// The states the `bids` table uses (`domain::bidding::BidState` wire names).
pub const BID_STATES: &[&str] = &[
    "submitted",
    "superseded",
    "withdrawn",
    "withdrawn_at_opening",
    "lapsed",
    "opened",
    "revoked",
];

/// A parsed snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub origin: String,
    pub tree_size: u64,
    pub states: BTreeMap<String, String>,
}

impl Snapshot {
    pub fn to_text(&self) -> String {
        let mut s = format!("{SNAPSHOT_HEADER}\n{}\n{}\n", self.origin, self.tree_size);
        for (bid, state) in &self.states {
            s.push_str(&format!("{bid} {state}\n"));
        }
        s
    }

    pub fn sign(&self, signer: &NoteSigner) -> Result<String, super::note::NoteError> {
        signer.sign(&self.to_text())
    }

    /// Signs with the node's log key.
    pub fn sign_with(&self, log: &super::AuditLog) -> crate::error::AppResult<String> {
        log.sign_note(&self.to_text())
    }

    /// Opens a signed snapshot with the log key.
    pub fn open_signed(note: &str, key: &NoteVerifier) -> Result<Snapshot, String> {
        let opened = open(note, std::slice::from_ref(key)).map_err(|e| e.to_string())?;
        let mut lines = opened.text.lines();
        if lines.next() != Some(SNAPSHOT_HEADER) {
            return Err("not an etender-bid-states/v1 note".into());
        }
        let origin = lines.next().ok_or("no origin line")?.to_owned();
        if origin != key.name() {
            return Err(format!("origin {origin:?} is not the log's"));
        }
        let tree_size = lines
            .next()
            .and_then(|l| l.parse().ok())
            .ok_or("no tree size line")?;
        let mut states = BTreeMap::new();
        for l in lines {
            let (bid, state) = l.split_once(' ').ok_or("malformed bid line")?;
            if !BID_STATES.contains(&state) {
                return Err(format!("bid {bid}: unknown state {state:?}"));
            }
            if states.insert(bid.to_owned(), state.to_owned()).is_some() {
                return Err(format!("bid {bid} is listed twice"));
            }
        }
        Ok(Snapshot {
            origin,
            tree_size,
            states,
        })
    }
}

/// What the events in a bundle say a bid's state is.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Derived {
    state: &'static str,
    /// A later submission without a visible body may have superseded it (sealed bodies).
    maybe_superseded: bool,
    /// Where the state came from (for messages).
    because: String,
}

fn state_name(s: &str) -> Option<&'static str> {
    BID_STATES.iter().copied().find(|k| *k == s)
}

/// Replays every bid's events in `entries` (log order) and compares with `snapshot`. Returns
/// one problem per bid whose stored state its events do not give.
pub fn check(snapshot: &Snapshot, entries: &[VerifiedEntry]) -> Vec<String> {
    let mut derived: HashMap<String, Derived> = HashMap::new();
    let mut problems = Vec::new();
    for e in entries {
        let leaf = &e.leaf;
        let at = format!("{} at entry {}", leaf.event_type, leaf.index);
        match leaf.event_type.as_str() {
            "bid_submitted" => {
                // A submission without a body (sealed) may supersede any submitted bid.
                let supersedes = e.body.as_ref().map(|b| b["supersedes"].as_str());
                for d in derived.values_mut() {
                    if supersedes.is_none() && d.state == "submitted" {
                        d.maybe_superseded = true;
                    }
                }
                if let Some(Some(prev)) = supersedes {
                    if let Some(d) = derived.get_mut(prev) {
                        d.state = "superseded";
                        d.because = at.clone();
                    }
                }
                derived.insert(
                    leaf.subject.clone(),
                    Derived {
                        state: "submitted",
                        maybe_superseded: false,
                        because: at,
                    },
                );
            }
            "bid_withdrawn" => {
                if let Some(d) = derived.get_mut(&leaf.subject) {
                    d.state = "withdrawn";
                    d.because = at;
                }
            }
            "opening_started" => {
                let body = e.body.as_ref();
                for id in body
                    .and_then(|b| b["lapsed"].as_array())
                    .into_iter()
                    .flatten()
                {
                    if let Some(d) = id.as_str().and_then(|id| derived.get_mut(id)) {
                        d.state = "lapsed";
                        d.because = at.clone();
                    }
                }
                // Listed bids were current at the opening: nothing superseded them.
                for b in body
                    .and_then(|b| b["bids"].as_array())
                    .into_iter()
                    .flatten()
                {
                    if let Some(d) = b["bid"].as_str().and_then(|id| derived.get_mut(id)) {
                        d.maybe_superseded = false;
                    }
                }
            }
            "decryption_attempted" => {
                let state = e.body.as_ref().and_then(|b| b["state"].as_str());
                if let (Some(d), Some(s)) = (derived.get_mut(&leaf.subject), state) {
                    match state_name(s) {
                        Some(s) => {
                            d.state = s;
                            d.because = at;
                        }
                        None => problems.push(format!("{at}: unknown bid state {s:?}")),
                    }
                }
            }
            _ => {}
        }
    }
    for (bid, stored) in &snapshot.states {
        let Some(d) = derived.get(bid) else {
            problems.push(format!(
                "bid {bid}: the signed state snapshot lists it ({stored}) but the bundle has no \
                 bid_submitted entry for it"
            ));
            continue;
        };
        let ok = stored == d.state || (stored == "superseded" && d.maybe_superseded);
        if !ok {
            problems.push(format!(
                "bid {bid}: the database holds state {stored:?}, but its events give {:?} \
                 (last: {}); the bids table was edited outside the platform",
                d.state, d.because
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::leaf::LeafEntry;
    use serde_json::json;

    fn e(index: u64, ty: &str, subject: &str, body: Option<serde_json::Value>) -> VerifiedEntry {
        VerifiedEntry {
            leaf: LeafEntry {
                v: 1,
                index,
                event_id: format!("e{index}"),
                event_type: ty.into(),
                tender_id: None,
                section_id: None,
                actor_role: "system".into(),
                actor_id: "system".into(),
                subject: subject.into(),
                body_sha256: String::new(),
                occurred_at: "2026-01-01T00:00:00.000000Z".into(),
                prev_tender_index: None,
                prev_tender_leaf_hash: None,
            },
            leaf_hash: [0; 32],
            body,
        }
    }

    fn snap(states: &[(&str, &str)]) -> Snapshot {
        Snapshot {
            origin: "example.com/log".into(),
            tree_size: 9,
            states: states
                .iter()
                .map(|(b, s)| (b.to_string(), s.to_string()))
                .collect(),
        }
    }

    #[test]
    fn every_transition_is_replayed() {
        let log = vec![
            e(0, "bid_submitted", "A", Some(json!({"supersedes": null}))),
            e(1, "bid_submitted", "B", Some(json!({"supersedes": null}))),
            e(2, "bid_submitted", "C", Some(json!({"supersedes": "A"}))),
            e(3, "bid_submitted", "D", Some(json!({"supersedes": null}))),
            e(4, "bid_withdrawn", "D", None),
            e(5, "bid_submitted", "E", Some(json!({"supersedes": null}))),
            e(
                6,
                "opening_started",
                "T",
                Some(json!({"lapsed": ["E"], "bids": [{"bid": "B"}]})),
            ),
            e(
                7,
                "decryption_attempted",
                "B",
                Some(json!({"state": "opened"})),
            ),
            e(
                8,
                "decryption_attempted",
                "C",
                Some(json!({"state": "revoked"})),
            ),
        ];
        let good = snap(&[
            ("A", "superseded"),
            ("B", "opened"),
            ("C", "revoked"),
            ("D", "withdrawn"),
            ("E", "lapsed"),
        ]);
        assert!(check(&good, &log).is_empty(), "{:?}", check(&good, &log));
        let edited = snap(&[("D", "submitted"), ("B", "revoked"), ("Z", "submitted")]);
        let p = check(&edited, &log);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p.iter().any(|p| p.contains(
            "bid D: the database holds state \"submitted\", \
             but its events give \"withdrawn\" (last: bid_withdrawn at entry 4)"
        )));
        assert!(p
            .iter()
            .any(|p| p.contains("bid Z") && p.contains("no bid_submitted")));
    }

    #[test]
    fn sealed_bodies_leave_superseded_open_until_the_opening_lists_the_bid() {
        let sealed = vec![
            e(0, "bid_submitted", "A", None),
            e(1, "bid_submitted", "C", None),
        ];
        assert!(check(&snap(&[("A", "superseded")]), &sealed).is_empty());
        // C came after nothing else: it cannot have been superseded.
        assert_eq!(check(&snap(&[("C", "superseded")]), &sealed).len(), 1);
        let mut listed = sealed.clone();
        listed.push(e(
            2,
            "opening_started",
            "T",
            Some(json!({"bids": [{"bid": "A"}]})),
        ));
        assert_eq!(check(&snap(&[("A", "superseded")]), &listed).len(), 1);
    }

    #[test]
    fn the_snapshot_round_trips_and_binds_the_log_key() {
        let (log, _) = NoteSigner::generate("example.com/log").unwrap();
        let s = snap(&[("A", "submitted"), ("B", "withdrawn")]);
        let note = s.sign(&log).unwrap();
        assert_eq!(Snapshot::open_signed(&note, &log.verifier()).unwrap(), s);
        let (other, _) = NoteSigner::generate("example.com/log").unwrap();
        assert!(Snapshot::open_signed(&note, &other.verifier()).is_err());
        let bad = snap(&[("A", "resurrected")]).sign(&log).unwrap();
        assert!(Snapshot::open_signed(&bad, &log.verifier())
            .unwrap_err()
            .contains("unknown state"));
    }
}
