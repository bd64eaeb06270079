//! The offline verifier: checks an export [`Bundle`] with nothing but the log's public key
//! (and, optionally, a checkpoint the verifier saved earlier). Pure: no I/O, no clock.
//!
//! Order of checks: checkpoint signature → every entry decodes to its canonical form and sits at
//! the index it claims → the signed root (recomputed from all leaves for a whole-log bundle,
//! otherwise each entry's inclusion proof) → each event body against the digest in its entry →
//! each tender's back-link chain → consistency with the saved checkpoint → process invariants
//! ([`Rule`]s; later issues add theirs to [`default_rules`]).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use super::bundle::{Bundle, BundleScope, ConsistencyProof, BUNDLE_FORMAT};
use super::cosignature::WitnessPolicy;
use super::leaf::{parse_time, LeafEntry};
use super::merkle::{self, Hash, MemoryTree};
use super::note::{Checkpoint, NoteVerifier};
use super::sha256_hex;
pub use super::verify_clarifications::ClarificationsMotionsReplay;
pub use super::verify_committees::CommitteesReplay;
pub use super::verify_sheets::SheetsReplay;

/// Why a bundle was rejected: every problem found, each naming the entry, tender or event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    pub problems: Vec<String>,
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "audit bundle rejected ({} problem{}):",
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyFailure {}

impl VerifyFailure {
    fn one(p: impl Into<String>) -> Self {
        VerifyFailure {
            problems: vec![p.into()],
        }
    }

    /// Whether any problem mentions `needle` (tests match on these).
    pub fn mentions(&self, needle: &str) -> bool {
        self.problems.iter().any(|p| p.contains(needle))
    }
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub origin: String,
    pub tree_size: u64,
    pub root: Hash,
    pub entries: usize,
    pub bodies_checked: usize,
    pub tenders: usize,
    pub consistent_with: Option<u64>,
    pub rules: Vec<&'static str>,
    /// Bids whose stored state was replayed from their events (the bundle's snapshot).
    pub bid_states_checked: Option<usize>,
    /// Witnesses whose cosignature of the checkpoint verified (with a witness policy).
    pub witnesses: Vec<String>,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OK: checkpoint {} size {} root {} signed by the given key; {} entries verified, \
             {} event bodies match their digests, {} tender chains complete",
            self.origin,
            self.tree_size,
            B64.encode(self.root),
            self.entries,
            self.bodies_checked,
            self.tenders
        )?;
        if let Some(s) = self.consistent_with {
            write!(f, "; consistent with the saved checkpoint of size {s}")?;
        }
        write!(f, "; invariants: {}", self.rules.join(", "))?;
        if let Some(n) = self.bid_states_checked {
            write!(f, "; {n} bid states follow from their events")?;
        }
        if !self.witnesses.is_empty() {
            write!(f, "; cosigned by witnesses {}", self.witnesses.join(", "))?;
        }
        Ok(())
    }
}

/// An entry whose bytes and position have been checked.
#[derive(Debug, Clone)]
pub struct VerifiedEntry {
    pub leaf: LeafEntry,
    pub leaf_hash: Hash,
    /// The event body, if the bundle carried it (already checked against the digest).
    pub body: Option<serde_json::Value>,
}

/// A process invariant over the verified entries of a bundle, in log order.
pub trait Rule {
    fn name(&self) -> &'static str;
    /// Violations, each a complete sentence naming the entry.
    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String>;
}

/// Event types after which a tender may record nothing more. Tender use-cases (issue 3) name
/// their terminal events with these wire names.
pub const TERMINAL_EVENT_TYPES: &[&str] = &[
    "tender_terminated",
    "tender_cancelled",
    "tender_failed",
    "contract_concluded",
];

/// What a tender still owes after its terminal event: its bidders' bonds back (条例31), the
/// refunds recorded and flagged when late.
pub const AFTER_TERMINAL_EVENT_TYPES: &[&str] = &[
    "bond_refunds_due",
    "bond_refunded",
    "bond_refund_overdue_flagged",
    "contract_payments_imported",
];

/// Per tender, server times never go backwards.
pub struct TimesNonDecreasing;

impl Rule for TimesNonDecreasing {
    fn name(&self) -> &'static str {
        "times non-decreasing per tender"
    }
    fn check(&self, _: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let mut last: HashMap<&str, (u64, chrono::DateTime<chrono::Utc>)> = HashMap::new();
        let mut out = Vec::new();
        for e in entries {
            let Some(t) = e.leaf.tender_id.as_deref() else {
                continue;
            };
            let Some(at) = parse_time(&e.leaf.occurred_at) else {
                out.push(format!(
                    "entry {}: occurred_at {:?} is not an RFC 3339 time",
                    e.leaf.index, e.leaf.occurred_at
                ));
                continue;
            };
            if let Some((pi, pt)) = last.get(t) {
                if at < *pt {
                    out.push(format!(
                        "tender {t}: entry {} ({}) is dated {} , before entry {pi} ({pt})",
                        e.leaf.index, e.leaf.event_type, e.leaf.occurred_at
                    ));
                }
            }
            last.insert(t, (e.leaf.index, at));
        }
        out
    }
}

/// Nothing is recorded for a tender after its terminal event.
pub struct NothingAfterTerminal;

impl Rule for NothingAfterTerminal {
    fn name(&self) -> &'static str {
        "no event after a terminal state"
    }
    fn check(&self, _: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let mut ended: HashMap<&str, (u64, &str)> = HashMap::new();
        let mut out = Vec::new();
        for e in entries {
            let Some(t) = e.leaf.tender_id.as_deref() else {
                continue;
            };
            if let Some((i, ty)) = ended.get(t) {
                if AFTER_TERMINAL_EVENT_TYPES.contains(&e.leaf.event_type.as_str()) {
                    continue;
                }
                out.push(format!(
                    "tender {t}: entry {} ({}) \
                     was recorded after the terminal event {ty} at entry {i}",
                    e.leaf.index, e.leaf.event_type
                ));
            } else if TERMINAL_EVENT_TYPES.contains(&e.leaf.event_type.as_str()) {
                ended.insert(t, (e.leaf.index, e.leaf.event_type.as_str()));
            }
        }
        out
    }
}

/// Every `session_opened` follows the registration of the principal it opens a session for.
pub struct SessionAfterRegistration;

impl Rule for SessionAfterRegistration {
    fn name(&self) -> &'static str {
        "every session preceded by its principal's registration"
    }
    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let mut registered = std::collections::HashSet::new();
        let mut out = Vec::new();
        for e in entries {
            match e.leaf.event_type.as_str() {
                "organisation_registered" | "person_registered" => {
                    registered.insert(e.leaf.subject.as_str());
                }
                "session_opened" => {
                    // A tender bundle does not carry identity events; a principal bundle carries
                    // those of its own principal only.
                    let applies = match scope {
                        BundleScope::All => true,
                        BundleScope::Principal(p) => *p == e.leaf.subject,
                        BundleScope::Tender(_) => false,
                    };
                    if applies && !registered.contains(e.leaf.subject.as_str()) {
                        out.push(format!(
                            "entry {}: session_opened for principal {} \
                             with no earlier registration",
                            e.leaf.index, e.leaf.subject
                        ));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// The sealed-bid process (where the bundle carries bodies): the opening starts at or after the
/// latest published deadline; every bid it lists was received before that deadline; a bid is
/// opened at most once, only if the opening listed it, and with the manifest digest it was
/// received with.
pub struct BidsOpenedOnceAfterDeadline;

impl Rule for BidsOpenedOnceAfterDeadline {
    fn name(&self) -> &'static str {
        "bids received before the deadline, opened once after it with their received digest"
    }
    fn check(&self, _: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        use chrono::{DateTime, Utc};
        let time = |v: &serde_json::Value| {
            v.as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        let mut deadline: HashMap<String, DateTime<Utc>> = HashMap::new();
        let mut listed: HashMap<String, String> = HashMap::new();
        let mut opened: HashMap<String, u64> = HashMap::new();
        let mut out = Vec::new();
        for e in entries {
            let (Some(t), Some(body)) = (e.leaf.tender_id.as_deref(), e.body.as_ref()) else {
                continue;
            };
            let i = e.leaf.index;
            match e.leaf.event_type.as_str() {
                "tender_published" | "tender_amended" => {
                    if let Some(d) = time(&body["bid_deadline"]) {
                        deadline.insert(t.to_string(), d);
                    }
                }
                "opening_started" if body["bids"].is_array() => {
                    let at = parse_time(&e.leaf.occurred_at);
                    // Entries carry microseconds; a deadline may be finer.
                    let d = deadline
                        .get(t)
                        .map(|d| chrono::SubsecRound::trunc_subsecs(*d, 6));
                    if let (Some(at), Some(d)) = (at, d) {
                        if at < d {
                            out.push(format!(
                                "entry {i}: the opening of tender {t} started at {at}, \
                                 before its deadline {d}"
                            ));
                        }
                    }
                    for b in body["bids"].as_array().into_iter().flatten() {
                        let id = b["bid"].as_str().unwrap_or_default().to_string();
                        if let (Some(r), Some(d)) = (time(&b["received_at"]), d) {
                            if r >= d {
                                out.push(format!(
                                    "entry {i}: bid {id} was received at {r}, \
                                     not before the deadline {d}"
                                ));
                            }
                        }
                        listed.insert(
                            id,
                            b["manifest_sha256"]
                                .as_str()
                                .unwrap_or_default()
                                .to_string(),
                        );
                    }
                }
                "decryption_attempted" if body["outcome"] == "opened" => {
                    let id = body["bid"].as_str().unwrap_or_default().to_string();
                    let digest = body["manifest_sha256"].as_str();
                    match listed.get(&id) {
                        None => out.push(format!(
                            "entry {i}: bid {id} was opened but no opening listed it"
                        )),
                        Some(d) if digest != Some(d.as_str()) => out.push(format!(
                            "entry {i}: bid {id} was opened with another manifest digest \
                             than it was received with"
                        )),
                        Some(_) => {}
                    }
                    if let Some(first) = opened.insert(id.clone(), i) {
                        out.push(format!(
                            "entry {i}: bid {id} was opened a second time (first at entry {first})"
                        ));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// Every revealed draw replays (docs/DRAWS.md): `draw_requested` logged the frame digest and the
/// commitment before any `draw_contributed`; the revealed record hashes to that digest, its
/// secret opens that commitment, its contributions are the ones logged (each regulator's
/// signature checked against the certificate it logged), and `domain::draw::verify` selects
/// exactly the recorded people in the recorded order. Every replacement (`draw_seat_replaced`:
/// a decline, a lapse, a recusal or an absence at check-in) calls the next reserve of its group
/// in that order (`domain::draw::checkin::replacements_follow_order`), and the revealed seats
/// agree with the replacements logged before the reveal.
pub struct DrawsReplay;

impl Rule for DrawsReplay {
    fn name(&self) -> &'static str {
        "draws replay"
    }
    fn check(&self, scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        use crate::domain::draw;
        let whole_chain = matches!(scope, BundleScope::All | BundleScope::Tender(_));
        let mut out = Vec::new();
        // Per draw id: (entry of the request, its body) and the contributions logged.
        let mut requested: HashMap<String, (usize, serde_json::Value)> = HashMap::new();
        let mut contributed: HashMap<String, Vec<(usize, serde_json::Value)>> = HashMap::new();
        let mut replaced: HashMap<String, Vec<draw::checkin::Replacement>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(body) = &e.body else { continue };
            let id = body["draw"].as_str().unwrap_or_default().to_string();
            match e.leaf.event_type.as_str() {
                "draw_requested" => {
                    requested.insert(id, (i, body.clone()));
                }
                "draw_contributed" => {
                    if whole_chain && !requested.contains_key(&id) {
                        out.push(format!(
                            "entry {i}: draw {id} has a contribution but no earlier request and \
                             commitment"
                        ));
                    }
                    if let Some(m) = contribution_signature_problem(body) {
                        out.push(format!("entry {i}: draw {id}: {m}"));
                    }
                    contributed.entry(id).or_default().push((i, body.clone()));
                }
                "draw_revealed" => {
                    let record: draw::Record = match serde_json::from_value(body["record"].clone())
                    {
                        Ok(r) => r,
                        Err(err) => {
                            out.push(format!("entry {i}: draw {id}: unreadable record: {err}"));
                            continue;
                        }
                    };
                    if let Some((r, req)) = requested.get(&id) {
                        let logged = |k: &str| req[k].as_str().unwrap_or_default().to_string();
                        if logged("frame_digest") != hex::encode(record.frame_digest)
                            || logged("commitment") != hex::encode(record.commitment)
                        {
                            out.push(format!(
                                "entry {i}: draw {id}: the revealed frame digest or commitment \
                                 is not the one logged at entry {r}"
                            ));
                        }
                    }
                    let logged: Vec<String> = contributed
                        .get(&id)
                        .map(|v| v.iter().map(|(_, b)| b["value"].to_string()).collect())
                        .unwrap_or_default();
                    let revealed: Vec<String> = record
                        .contributions
                        .iter()
                        .map(|c| serde_json::Value::String(hex::encode(c.value)).to_string())
                        .collect();
                    if contributed.contains_key(&id) && logged != revealed {
                        out.push(format!(
                            "entry {i}: draw {id}: the revealed contributions are not the ones \
                             logged"
                        ));
                    }
                    if let Err(m) = draw::verify(&record) {
                        out.push(format!("entry {i}: draw {id} does not replay: {m}"));
                    }
                    for r in replaced.get(&id).into_iter().flatten() {
                        if let Some(m) = revealed_seats_disagree(body, r) {
                            out.push(format!("entry {i}: draw {id}: {m}"));
                        }
                    }
                }
                "draw_seat_replaced" => {
                    let r: draw::checkin::Replacement = match serde_json::from_value(
                        serde_json::json!({"group": body["group"], "out_rank": body["out_rank"],
                            "called_rank": body["called_rank"]}),
                    ) {
                        Ok(r) => r,
                        Err(err) => {
                            out.push(format!(
                                "entry {i}: draw {id}: unreadable replacement: {err}"
                            ));
                            continue;
                        }
                    };
                    let list = replaced.entry(id.clone()).or_default();
                    list.push(r);
                    let Some((_, req)) = requested.get(&id) else {
                        if whole_chain {
                            out.push(format!(
                                "entry {i}: draw {id} has a replacement but no earlier request"
                            ));
                        }
                        continue;
                    };
                    let groups = req["frame"]["groups"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|g| {
                            let n = |k: &str| {
                                u32::try_from(g[k].as_u64().unwrap_or(0)).unwrap_or(u32::MAX)
                            };
                            let code = g["code"].as_str().unwrap_or_default().to_string();
                            (code, (n("count"), n("reserves")))
                        })
                        .collect();
                    if let Err(m) = draw::checkin::replacements_follow_order(&groups, list) {
                        out.push(format!(
                            "entry {i}: draw {id}: a replacement breaks the draw order: {m}"
                        ));
                        // Reported once; later ones are judged against the same broken list.
                        list.pop();
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// The revealed seats must show a replaced seat out and its reserve called.
fn revealed_seats_disagree(
    body: &serde_json::Value,
    r: &crate::domain::draw::checkin::Replacement,
) -> Option<String> {
    let seat = |rank: u32| {
        body["seats"].as_array().into_iter().flatten().find(|s| {
            s["group"].as_str() == Some(r.group.as_str()) && s["rank"].as_u64() == Some(rank.into())
        })
    };
    let state = |rank: u32| {
        seat(rank)
            .and_then(|s| s["seat"].as_str())
            .and_then(crate::domain::draw::Seat::parse)
    };
    if !state(r.out_rank).is_some_and(crate::domain::draw::Seat::is_out) {
        return Some(format!(
            "rank {} of {} was replaced but is not out in the revealed seats",
            r.out_rank, r.group
        ));
    }
    match r.called_rank.map(state) {
        Some(Some(crate::domain::draw::Seat::Waiting) | None) => Some(format!(
            "rank {:?} of {} was called but is not in the revealed seats as called",
            r.called_rank, r.group
        )),
        _ => None,
    }
}

/// A regulator's contribution must verify against the certificate it logged, over
/// `domain::draw::contribution_message`; a fallback carries no signature.
fn contribution_signature_problem(body: &serde_json::Value) -> Option<String> {
    if body.get("fallback").is_some() {
        return None;
    }
    let s = |k: &str| body[k].as_str().unwrap_or_default();
    let cert = B64.decode(s("certificate")).ok()?;
    let meta = match crate::crypto::x509::CertMeta::parse(&cert) {
        Ok(m) => m,
        Err(e) => return Some(format!("the contributor's certificate is unreadable: {e}")),
    };
    let alg = crate::crypto::keys::SignatureAlgorithm::parse(s("signature_algorithm"))?;
    let sig = B64.decode(s("signature")).ok()?;
    let value: [u8; 32] = hex::decode(s("value")).ok()?.try_into().ok()?;
    let digest: [u8; 32] = hex::decode(s("frame_digest")).ok()?.try_into().ok()?;
    let commitment: [u8; 32] = hex::decode(s("commitment")).ok()?.try_into().ok()?;
    let msg =
        crate::domain::draw::contribution_message(&digest, &commitment, s("contributor"), &value);
    crate::crypto::keys::verify_signature(&meta.spki_der, alg, &msg, &sig)
        .err()
        .map(|e| format!("the contribution's signature does not verify: {e}"))
}

/// The invariants checked today.
pub fn default_rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(TimesNonDecreasing),
        Box::new(NothingAfterTerminal),
        Box::new(SessionAfterRegistration),
        Box::new(BidsOpenedOnceAfterDeadline),
        Box::new(DrawsReplay),
        Box::new(CommitteesReplay),
        Box::new(super::verify_reports::ReportsReplay),
        Box::new(SheetsReplay),
        Box::new(ClarificationsMotionsReplay),
        Box::new(super::verify_award_start::AwardStartReplay),
        Box::new(super::verify_award_committees::AwardCommitteesReplay),
        Box::new(super::verify_award::AwardReplay),
        Box::new(super::verify_award_publicity::AwardPublicityReplay),
        Box::new(super::verify_award_notices::AwardNoticesReplay),
        Box::new(super::verify_complaints::ComplaintsReplay),
        Box::new(super::verify_artefacts::ArtefactsReplay),
        Box::new(super::verify_cases::CasesReplay),
        Box::new(super::verify_inspections::InspectionsReplay),
        Box::new(super::verify_contracts::ContractsReplay),
        Box::new(super::verify_validity::ValidityReplay),
        Box::new(super::verify_archive_exports::ArchiveExportsReplay),
        Box::new(super::verify_licences::LicencesReplay),
        Box::new(super::verify_licence_verdicts::LicenceVerdictsReplay),
    ]
}

fn decode_hashes(list: &[String]) -> Option<Vec<Hash>> {
    list.iter()
        .map(|s| B64.decode(s).ok()?.try_into().ok())
        .collect()
}

/// Whether the log only grew from the saved checkpoint `old` to the bundle's `cp`: by equal
/// roots, by the whole tree recomputed from a whole-log bundle, or by the bundle's proof.
fn grew_from(
    old: &Checkpoint,
    cp: &Checkpoint,
    full_tree: Option<&MemoryTree>,
    proof: Option<&ConsistencyProof>,
) -> Result<(), String> {
    if old.size == cp.size || old.size == 0 {
        // Nothing to prove beyond equal roots (or the empty tree's root).
        merkle::verify_consistency(old.size, cp.size, &old.root, &cp.root, &[]).map_err(|e| {
            format!(
                "the saved checkpoint (size {}) and the bundle's (size {}) disagree: {e} (fork)",
                old.size, cp.size
            )
        })
    } else if let Some(tree) = full_tree {
        match tree.root_at(old.size) {
            Some(r) if r == old.root => Ok(()),
            _ => Err(format!(
                "the log's first {} entries do not hash to the saved checkpoint's root: \
                 the log was rewritten (fork)",
                old.size
            )),
        }
    } else {
        match proof {
            Some(c) if c.old_size == old.size && c.new_size == cp.size => {
                match decode_hashes(&c.hashes) {
                    None => Err("consistency proof is malformed".to_string()),
                    Some(h) => {
                        merkle::verify_consistency(old.size, cp.size, &old.root, &cp.root, &h)
                            .map_err(|e| {
                                format!(
                                    "consistency proof from the saved size {} to {} fails: \
                                     {e} (the log was rewritten)",
                                    old.size, cp.size
                                )
                            })
                    }
                }
            }
            _ => Err(format!(
                "the bundle carries no consistency proof from the saved size {} to {} \
                 (export with since_size={})",
                old.size, cp.size, old.size
            )),
        }
    }
}

/// Verifies `bundle` with the log key `key`; `saved` is a signed checkpoint kept from earlier.
pub fn verify_bundle(
    bundle: &Bundle,
    key: &NoteVerifier,
    saved: Option<&str>,
    rules: &[Box<dyn Rule>],
) -> Result<VerifyReport, VerifyFailure> {
    verify_bundle_with(bundle, key, saved, rules, None)
}

/// [`verify_bundle`], and with `witnesses` the checkpoint must carry valid cosignatures from a
/// quorum of the named witnesses (`c2sp.org/tlog-cosignature`).
pub fn verify_bundle_with(
    bundle: &Bundle,
    key: &NoteVerifier,
    saved: Option<&str>,
    rules: &[Box<dyn Rule>],
    witnesses: Option<&WitnessPolicy>,
) -> Result<VerifyReport, VerifyFailure> {
    if bundle.format != BUNDLE_FORMAT {
        return Err(VerifyFailure::one(format!(
            "unknown bundle format {:?} (expected {BUNDLE_FORMAT})",
            bundle.format
        )));
    }
    let cp = Checkpoint::open_signed(&bundle.checkpoint, key).map_err(|e| {
        VerifyFailure::one(format!(
            "checkpoint does not verify with key {}: {e}",
            key.name()
        ))
    })?;
    let mut problems = Vec::new();

    // Entries: canonical bytes, claimed index, strictly increasing, covered by the checkpoint.
    let mut verified: Vec<VerifiedEntry> = Vec::with_capacity(bundle.entries.len());
    let mut last_index: Option<u64> = None;
    for (pos, be) in bundle.entries.iter().enumerate() {
        let Ok(bytes) = B64.decode(&be.leaf) else {
            problems.push(format!("entry {}: leaf is not base64", be.index));
            continue;
        };
        let leaf = match LeafEntry::from_bytes(&bytes) {
            Ok(l) => l,
            Err(e) => {
                problems.push(format!("entry {}: {e}", be.index));
                continue;
            }
        };
        if leaf.index != be.index {
            problems.push(format!(
                "entry listed at index {} carries index {} in its signed leaf \
                 (entries reordered or moved)",
                be.index, leaf.index
            ));
        }
        if be.index >= cp.size {
            problems.push(format!(
                "entry {} is beyond the signed checkpoint (tree size {}): \
                 no signature covers it (inserted?)",
                be.index, cp.size
            ));
        }
        if let Some(prev) = last_index {
            if be.index <= prev {
                problems.push(format!(
                    "entry {} at position {pos} is out of order after entry {prev}",
                    be.index
                ));
            }
        }
        last_index = Some(be.index);
        let leaf_hash = merkle::leaf_hash(&bytes);
        let body = match &be.event {
            None => None,
            Some(ev) => {
                if ev.id != leaf.event_id {
                    problems.push(format!(
                        "entry {}: event {} is attached but the entry is for event {}",
                        be.index, ev.id, leaf.event_id
                    ));
                }
                if sha256_hex(ev.body.as_bytes()) != leaf.body_sha256 {
                    problems.push(format!(
                        "entry {} (event {}): event body does not match the digest \
                         committed in the log (body rewritten)",
                        be.index, leaf.event_id
                    ));
                }
                serde_json::from_str(&ev.body).ok()
            }
        };
        // Inclusion proofs, when given, name the tampered entry even in a whole-log bundle.
        if let Some(p) = &be.inclusion_proof {
            match decode_hashes(p) {
                None => problems.push(format!("entry {}: inclusion proof is malformed", be.index)),
                Some(hashes) if be.index < cp.size => {
                    if let Err(e) =
                        merkle::verify_inclusion(&leaf_hash, be.index, cp.size, &hashes, &cp.root)
                    {
                        problems.push(format!(
                            "entry {}: inclusion proof does not verify \
                             against the signed checkpoint (tree size {}): \
                             {e} (entry altered)",
                            be.index, cp.size
                        ));
                    }
                }
                Some(_) => {}
            }
        } else if bundle.scope != BundleScope::All {
            problems.push(format!("entry {}: no inclusion proof", be.index));
        }
        verified.push(VerifiedEntry {
            leaf,
            leaf_hash,
            body,
        });
    }

    // Whole log: every index present, and the root recomputed from all leaves.
    let mut full_tree = None;
    if bundle.scope == BundleScope::All {
        let present: std::collections::BTreeSet<u64> =
            bundle.entries.iter().map(|e| e.index).collect();
        let missing: Vec<u64> = (0..cp.size).filter(|i| !present.contains(i)).collect();
        if !missing.is_empty() {
            let shown: Vec<String> = missing.iter().take(10).map(u64::to_string).collect();
            problems.push(format!(
                "log entries missing from a whole-log bundle (deleted?): {}{}",
                shown.join(", "),
                if missing.len() > 10 { ", …" } else { "" }
            ));
        }
        if problems.is_empty() {
            let mut tree = MemoryTree::new();
            tree.extend(verified.iter().map(|e| e.leaf_hash));
            if tree.root() != cp.root {
                problems.push(format!(
                    "root recomputed from the {} entries does not match the signed checkpoint root",
                    verified.len()
                ));
            }
            debug_assert_eq!(
                tree.root(),
                merkle::root_from_leaves(&verified.iter().map(|e| e.leaf_hash).collect::<Vec<_>>())
            );
            full_tree = Some(tree);
        }
    }

    // Back-links: each tender's entries form one unbroken chain.
    let mut by_tender: BTreeMap<&str, Vec<&VerifiedEntry>> = BTreeMap::new();
    for e in &verified {
        if let Some(t) = e.leaf.tender_id.as_deref() {
            by_tender.entry(t).or_default().push(e);
        }
    }
    let complete_chains = matches!(bundle.scope, BundleScope::All | BundleScope::Tender(_));
    for (t, chain) in &by_tender {
        if let BundleScope::Tender(want) = &bundle.scope {
            if want != t {
                problems.push(format!(
                    "entry {}: belongs to tender {t}, not to the bundle's tender {want}",
                    chain[0].leaf.index
                ));
            }
        }
        for (k, e) in chain.iter().enumerate() {
            let link = (
                e.leaf.prev_tender_index,
                e.leaf.prev_tender_leaf_hash.as_deref(),
            );
            let prev = if k == 0 { None } else { Some(chain[k - 1]) };
            match (prev, link) {
                (None, (None, None)) => {}
                (None, (Some(pi), _)) => {
                    if complete_chains {
                        problems.push(format!(
                            "tender {t}: chain incomplete: entry {} links back to entry {pi}, \
                             which is missing",
                            e.leaf.index
                        ));
                    }
                }
                (Some(p), (Some(pi), Some(ph))) => {
                    if pi != p.leaf.index {
                        if complete_chains || pi > p.leaf.index {
                            problems.push(format!(
                                "tender {t}: entry {} links back to entry {pi}, \
                                 but the previous entry of the tender is {} \
                                 (gap or reordering)",
                                e.leaf.index, p.leaf.index
                            ));
                        }
                    } else if ph != hex::encode(p.leaf_hash) {
                        problems.push(format!(
                            "tender {t}: entry {} links back to entry {pi} \
                             with a hash that does not match that entry",
                            e.leaf.index
                        ));
                    }
                }
                (Some(p), _) => problems.push(format!(
                    "tender {t}: entry {} has no back-link although entry {} precedes it",
                    e.leaf.index, p.leaf.index
                )),
                (None, (None, Some(_))) => problems.push(format!(
                    "tender {t}: entry {} has a back-link hash without an index",
                    e.leaf.index
                )),
            }
        }
    }
    for e in &verified {
        if e.leaf.tender_id.is_none()
            && (e.leaf.prev_tender_index.is_some() || e.leaf.prev_tender_leaf_hash.is_some())
        {
            problems.push(format!(
                "entry {}: back-link on an entry that belongs to no tender",
                e.leaf.index
            ));
        }
    }

    // Consistency with a checkpoint saved earlier: the log only ever grew.
    let mut consistent_with = None;
    if let Some(saved) = saved {
        match Checkpoint::open_signed(saved, key) {
            Err(e) => problems.push(format!("saved checkpoint does not verify: {e}")),
            Ok(old) if old.size > cp.size => problems.push(format!(
                "the saved checkpoint (size {}) is larger than the bundle's (size {}): \
                 the log was rolled back",
                old.size, cp.size
            )),
            Ok(old) => {
                let proof = bundle.consistency.as_ref();
                match grew_from(&old, &cp, full_tree.as_ref(), proof) {
                    Ok(()) => consistent_with = Some(old.size),
                    Err(p) => problems.push(p),
                }
            }
        }
    }

    // Witnesses: a quorum of the named ones cosigned exactly this checkpoint.
    let mut witnessed = Vec::new();
    if let Some(policy) = witnesses {
        match policy.check(&bundle.checkpoint) {
            Ok(names) => witnessed = names,
            Err(ps) => problems.extend(ps),
        }
    }

    // Bid states: what the database holds now must follow from each bid's events.
    let mut bid_states_checked = None;
    if let Some(note) = &bundle.bid_states {
        match super::bid_states::Snapshot::open_signed(note, key) {
            Err(e) => problems.push(format!("bid state snapshot does not verify: {e}")),
            Ok(snap) if snap.tree_size != cp.size => problems.push(format!(
                "bid state snapshot is for tree size {}, the checkpoint for {}",
                snap.tree_size, cp.size
            )),
            Ok(snap) => {
                problems.extend(super::bid_states::check(&snap, &verified));
                bid_states_checked = Some(snap.states.len());
            }
        }
    }

    if !problems.is_empty() {
        return Err(VerifyFailure { problems });
    }
    for rule in rules {
        problems.extend(
            rule.check(&bundle.scope, &verified)
                .into_iter()
                .map(|p| format!("invariant \"{}\" violated: {p}", rule.name())),
        );
    }
    if !problems.is_empty() {
        return Err(VerifyFailure { problems });
    }
    Ok(VerifyReport {
        origin: cp.origin,
        tree_size: cp.size,
        root: cp.root,
        entries: verified.len(),
        bodies_checked: verified.iter().filter(|e| e.body.is_some()).count(),
        tenders: by_tender.len(),
        consistent_with,
        rules: rules.iter().map(|r| r.name()).collect(),
        bid_states_checked,
        witnesses: witnessed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::bundle::{BundleEntry, BundleEvent};
    use crate::audit::note::NoteSigner;

    /// (event type, tender, subject, time) → a signed whole-log bundle with proofs and bodies.
    fn bundle(events: &[(&str, Option<&str>, &str, &str)]) -> (Bundle, NoteSigner) {
        let (signer, _) = NoteSigner::generate("test.log/v1").unwrap();
        let mut last: HashMap<String, (u64, Hash)> = HashMap::new();
        let mut leaves = Vec::new();
        let mut raw = Vec::new();
        for (i, (ty, tender, subject, at)) in events.iter().enumerate() {
            let body = format!(r#"{{"i":{i}}}"#);
            let prev = tender.and_then(|t| last.get(t).copied());
            let e = LeafEntry {
                v: 1,
                index: i as u64,
                event_id: format!("ev-{i}"),
                event_type: (*ty).into(),
                tender_id: tender.map(Into::into),
                section_id: None,
                actor_role: "system".into(),
                actor_id: "system".into(),
                subject: (*subject).into(),
                body_sha256: sha256_hex(body.as_bytes()),
                occurred_at: (*at).into(),
                prev_tender_index: prev.map(|p| p.0),
                prev_tender_leaf_hash: prev.map(|p| hex::encode(p.1)),
            };
            let bytes = e.to_bytes();
            let h = merkle::leaf_hash(&bytes);
            if let Some(t) = tender {
                last.insert((*t).into(), (i as u64, h));
            }
            leaves.push(h);
            raw.push((bytes, body, e.event_id));
        }
        let mut tree = MemoryTree::new();
        tree.extend(leaves.iter().copied());
        let size = tree.size();
        let checkpoint = Checkpoint {
            origin: signer.name().into(),
            size,
            root: tree.root(),
            extensions: vec![],
        }
        .sign(&signer)
        .unwrap();
        let entries = raw
            .into_iter()
            .enumerate()
            .map(|(i, (bytes, body, id))| BundleEntry {
                index: i as u64,
                leaf: B64.encode(bytes),
                inclusion_proof: Some(
                    merkle::inclusion_proof(i as u64, size, &tree)
                        .unwrap()
                        .iter()
                        .map(|h| B64.encode(h))
                        .collect(),
                ),
                event: Some(BundleEvent { id, body }),
            })
            .collect();
        (
            Bundle {
                format: BUNDLE_FORMAT.into(),
                origin: signer.name().into(),
                public_key: signer.verifier().to_vkey_string(),
                checkpoint,
                scope: BundleScope::All,
                entries,
                consistency: None,
                pending: 0,
                bid_states: None,
            },
            signer,
        )
    }

    const T0: &str = "2026-11-24T08:00:00.000000Z";
    const T1: &str = "2026-11-24T09:00:00.000000Z";

    #[test]
    fn a_sound_log_passes_every_rule() {
        let (b, s) = bundle(&[
            ("organisation_registered", None, "org-1", T0),
            ("session_opened", None, "org-1", T0),
            ("tender_published", Some("t"), "t", T0),
            ("tender_cancelled", Some("t"), "t", T1),
        ]);
        let r = verify_bundle(&b, &s.verifier(), None, &default_rules()).unwrap();
        assert_eq!((r.entries, r.tenders, r.bodies_checked), (4, 1, 4));
        assert!(r
            .to_string()
            .starts_with("OK: checkpoint test.log/v1 size 4"));
    }

    #[test]
    fn each_rule_names_the_offending_entry() {
        let rules = default_rules();
        let (b, s) = bundle(&[
            ("tender_published", Some("t"), "t", T1),
            ("tender_amended", Some("t"), "t", T0),
        ]);
        let e = verify_bundle(&b, &s.verifier(), None, &rules).unwrap_err();
        assert!(
            e.mentions("times non-decreasing") && e.mentions("entry 1"),
            "{e}"
        );

        let (b, s) = bundle(&[
            ("tender_terminated", Some("t"), "t", T0),
            ("tender_amended", Some("t"), "t", T1),
        ]);
        let e = verify_bundle(&b, &s.verifier(), None, &rules).unwrap_err();
        assert!(
            e.mentions("after the terminal event tender_terminated at entry 0"),
            "{e}"
        );

        let (b, s) = bundle(&[("session_opened", None, "org-9", T0)]);
        let e = verify_bundle(&b, &s.verifier(), None, &rules).unwrap_err();
        assert!(e.mentions("session_opened for principal org-9"), "{e}");
        // The same log passes with no rules: the structure itself is sound.
        verify_bundle(&b, &s.verifier(), None, &[]).unwrap();
    }

    #[test]
    fn structural_tampering_is_named() {
        let events = [
            ("tender_published", Some("t"), "t", T0),
            ("tender_amended", Some("t"), "t", T0),
            ("tender_amended", Some("t"), "t", T1),
        ];
        let (good, s) = bundle(&events);
        let v = s.verifier();
        // Dropping an entry from a whole-log bundle.
        let mut b = good.clone();
        b.entries.remove(1);
        let e = verify_bundle(&b, &v, None, &[]).unwrap_err();
        assert!(
            e.mentions("log entries missing from a whole-log bundle (deleted?): 1"),
            "{e}"
        );
        // As a tender bundle, the chain gap is named instead.
        b.scope = BundleScope::Tender("t".into());
        let e = verify_bundle(&b, &v, None, &[]).unwrap_err();
        assert!(
            e.mentions("entry 2 links back to entry 1, but the previous entry of the tender is 0"),
            "{e}"
        );
        // A body that no longer matches.
        let mut b = good.clone();
        b.entries[2].event.as_mut().unwrap().body = r#"{"i":99}"#.into();
        let e = verify_bundle(&b, &v, None, &[]).unwrap_err();
        assert!(
            e.mentions("entry 2 (event ev-2): event body does not match"),
            "{e}"
        );
        // A saved checkpoint from another history (fork) is refused.
        let old = Checkpoint {
            origin: s.name().into(),
            size: 1,
            root: [7; 32],
            extensions: vec![],
        }
        .sign(&s)
        .unwrap();
        let e = verify_bundle(&good, &v, Some(&old), &[]).unwrap_err();
        assert!(e.mentions("fork"), "{e}");
        let real_old = Checkpoint {
            origin: s.name().into(),
            size: 1,
            root: merkle::leaf_hash(&B64.decode(&good.entries[0].leaf).unwrap()),
            extensions: vec![],
        }
        .sign(&s)
        .unwrap();
        assert_eq!(
            verify_bundle(&good, &v, Some(&real_old), &[])
                .unwrap()
                .consistent_with,
            Some(1)
        );
        // A scoped bundle needs no proof against a checkpoint of its own size, but a different
        // root at that size is a fork.
        let mut scoped = good.clone();
        scoped.scope = BundleScope::Tender("t".into());
        let same = good.checkpoint.clone();
        assert_eq!(
            verify_bundle(&scoped, &v, Some(&same), &[])
                .unwrap()
                .consistent_with,
            Some(3)
        );
        let other_root = Checkpoint {
            origin: s.name().into(),
            size: 3,
            root: [9; 32],
            extensions: vec![],
        }
        .sign(&s)
        .unwrap();
        let e = verify_bundle(&scoped, &v, Some(&other_root), &[]).unwrap_err();
        assert!(e.mentions("disagree") && e.mentions("fork"), "{e}");
    }
}

#[cfg(test)]
mod bid_rule_tests {
    use super::*;
    use serde_json::json;

    fn entry(index: u64, event_type: &str, at: &str, body: serde_json::Value) -> VerifiedEntry {
        VerifiedEntry {
            leaf: LeafEntry {
                v: 1,
                index,
                event_id: format!("e{index}"),
                event_type: event_type.into(),
                tender_id: Some("T".into()),
                section_id: None,
                actor_role: "system".into(),
                actor_id: "system".into(),
                subject: "T".into(),
                body_sha256: String::new(),
                occurred_at: at.into(),
                prev_tender_index: None,
                prev_tender_leaf_hash: None,
            },
            leaf_hash: [0; 32],
            body: Some(body),
        }
    }

    fn log(open_at: &str, received: &str, opened: &[(&str, &str)]) -> Vec<VerifiedEntry> {
        let mut v = vec![
            entry(
                0,
                "tender_published",
                "2026-01-01T00:00:00.000000Z",
                json!({"bid_deadline": "2026-02-01T02:00:00Z"}),
            ),
            entry(
                1,
                "opening_started",
                open_at,
                json!({"bids": [{"bid": "B1", "manifest_sha256": "aa", "received_at": received}]}),
            ),
        ];
        for (i, (bid, digest)) in opened.iter().enumerate() {
            v.push(entry(
                2 + i as u64,
                "decryption_attempted",
                "2026-02-01T02:10:00.000000Z",
                json!({"bid": bid, "outcome": "opened", "manifest_sha256": digest}),
            ));
        }
        v
    }

    #[test]
    fn the_bid_process_is_checked_from_the_bodies() {
        let rule = BidsOpenedOnceAfterDeadline;
        let ok = log(
            "2026-02-01T02:00:00.000000Z",
            "2026-02-01T01:59:59Z",
            &[("B1", "aa")],
        );
        assert!(rule.check(&BundleScope::All, &ok).is_empty());
        let early = log("2026-02-01T01:59:59.000000Z", "2026-02-01T01:00:00Z", &[]);
        assert!(rule.check(&BundleScope::All, &early)[0].contains("before its deadline"));
        let late = log("2026-02-01T02:00:00.000000Z", "2026-02-01T02:00:00Z", &[]);
        assert!(rule.check(&BundleScope::All, &late)[0].contains("not before the deadline"));
        let twice = log(
            "2026-02-01T02:00:00.000000Z",
            "2026-02-01T01:00:00Z",
            &[("B1", "aa"), ("B1", "aa")],
        );
        assert!(rule.check(&BundleScope::All, &twice)[0].contains("second time"));
        let swapped = log(
            "2026-02-01T02:00:00.000000Z",
            "2026-02-01T01:00:00Z",
            &[("B1", "bb")],
        );
        assert!(rule.check(&BundleScope::All, &swapped)[0].contains("another manifest digest"));
        let unlisted = log(
            "2026-02-01T02:00:00.000000Z",
            "2026-02-01T01:00:00Z",
            &[("B9", "aa")],
        );
        assert!(rule.check(&BundleScope::All, &unlisted)[0].contains("no opening listed it"));
    }
}
