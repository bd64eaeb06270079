//! The award committee's process rules for the offline verifier (docs/AWARD.md §4), replayed
//! from the log: what a tender's chain shows is checked from a tender export; what sealed events
//! hold (the members' signed statements, pool admissions) is checked where the export carries
//! them (a regulator's whole-log export).

use std::collections::{BTreeSet, HashMap};

use base64::Engine;

use super::bundle::BundleScope;
use super::verify::{Rule, VerifiedEntry};
use crate::domain::award::committee::{
    roster_digest, statement, witness_statement, Appointment, MemberRole, RosterEntry,
};
use crate::domain::award::stage::AwardStage;
use crate::domain::draw::checkin::{statement_for, Conflict};
use crate::domain::draw::{Purpose, Seat};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Every `award_committee_formed` comes while its section's award is at `committee` (the stage
/// the section's award entries last stated), once per award round; it has an odd number of at
/// least 5 members — exactly its `size`, `drawn` of them drawn — and one chair; its roster digest
/// is that of its members. Each drawn member holds, in its draw's revealed record, the seat of
/// the rank it states, checked in. Each member's statement digest is that of its statement (the
/// award pledge for that round, or at its award draw's check-in, with no conflict declared), and
/// the signature logged with it verifies with the certificate logged with it; where the export
/// carries the pool admissions (`expert_admitted`), each member is admitted to the tenderer's
/// pool. Every `award_committee_witnessed` follows its round's
/// formation, states its roster digest, and is signed over `witness_statement` by the witness.
///
/// A member who leaves (`award_committee_member_left`) was an active member and leaves before
/// the round's deciding is convened; a chair who leaves names a successor among those who
/// stay. Whoever joins (`award_committee_member_joined`) takes an empty seat the way it was
/// filled, checked as at the formation (its statement, its signature, its draw rank checked
/// in), and has not sat in the round before. Each of these states the roster that results; the
/// witness covers the whole current roster, and the deciding is convened only on a witnessed
/// roster. 评定分离: nobody on the section's evaluation committee (its `committee_formed` and
/// `committee_member_joined` entries) sits on its award committee, and the award draw's frozen
/// eligible list names none of their pool records (where the export carries the admissions).
pub struct AwardCommitteesReplay;

struct Formed {
    /// The current roster's digest, as the last entry stated it (checked against `members`).
    roster: String,
    size: usize,
    members: Vec<RosterEntry>,
    ever: BTreeSet<String>,
    witnessed: Option<String>,
    convened: bool,
}

/// A statement as logged: its digest, and whether its signature verifies.
struct Logged {
    digest: String,
    verified: Result<(), String>,
}

impl Rule for AwardCommitteesReplay {
    fn name(&self) -> &'static str {
        "award committees replay"
    }

    fn check(&self, _scope: &BundleScope, entries: &[VerifiedEntry]) -> Vec<String> {
        let mut out = Vec::new();
        let mut stage: HashMap<(String, String), AwardStage> = HashMap::new();
        let mut formed: HashMap<(String, String, i64), Formed> = HashMap::new();
        let mut frames: HashMap<String, [u8; 32]> = HashMap::new();
        // member id → (library, person).
        let mut admitted: HashMap<String, (String, String)> = HashMap::new();
        // Drawn members to find in their draw's revealed record: (entry, draw, person, rank).
        let mut pending: Vec<(usize, String, String, i64)> = Vec::new();
        let mut revealed: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
        // (tender, section) → the persons on its evaluation committee.
        let mut evaluators: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
        // Award draws' frozen candidates to check once the admissions are known:
        // (entry, tender, section, candidate member ids).
        let mut award_frames: Vec<(usize, String, String, Vec<String>)> = Vec::new();
        // (draw, person) of drawn members who left the committee: their seat is out since.
        let mut gone_out: BTreeSet<(String, String)> = BTreeSet::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(body) = &e.body else { continue };
            let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            let round = body["award_round"].as_i64().unwrap_or(0);
            let leaf_section = (
                e.leaf.tender_id.clone().unwrap_or_default(),
                e.leaf.section_id.clone().unwrap_or_default(),
            );
            match e.leaf.event_type.as_str() {
                "committee_formed" => {
                    let sat = evaluators.entry(leaf_section.clone()).or_default();
                    for m in body["members"].as_array().into_iter().flatten() {
                        if let Some(p) = m["person"].as_str() {
                            sat.insert(p.to_string());
                        }
                    }
                }
                "committee_member_joined" => {
                    evaluators
                        .entry(leaf_section.clone())
                        .or_default()
                        .insert(s("person"));
                }
                "award_committee_member_left" => {
                    let at = format!("entry {i}: {} leaving the award committee", s("person"));
                    let key = (s("tender"), s("section"), round);
                    let Some(f) = formed.get_mut(&key) else {
                        out.push(format!("{at}, never formed"));
                        continue;
                    };
                    if f.convened {
                        out.push(format!("{at} after the deciding was convened"));
                    }
                    let Some(k) = f.members.iter().position(|m| m.person == s("person")) else {
                        out.push(format!("{at}, not an active member"));
                        continue;
                    };
                    let gone = f.members.remove(k);
                    if gone.how == Appointment::Drawn {
                        // Its seat went out after it had checked in.
                        gone_out.insert((s("draw"), gone.person.clone()));
                    }
                    match (gone.role, body["new_chair"].as_str()) {
                        (MemberRole::Chair, Some(p)) => {
                            match f.members.iter_mut().find(|m| m.person == p) {
                                Some(m) => m.role = MemberRole::Chair,
                                None => out.push(format!("{at}: the new chair {p} stays not")),
                            }
                        }
                        (MemberRole::Chair, None) => {
                            out.push(format!("{at}: the chair leaves with no successor"))
                        }
                        (MemberRole::Member, Some(_)) => {
                            out.push(format!("{at}: names a chair though the chair stays"))
                        }
                        (MemberRole::Member, None) => {}
                    }
                    roster_stated(f, &key, body, &at, &mut out);
                }
                "award_committee_member_joined" => {
                    let person = s("person");
                    let at = format!("entry {i}: {person} joining the award committee");
                    let key = (s("tender"), s("section"), round);
                    let Some(f) = formed.get_mut(&key) else {
                        out.push(format!("{at}, never formed"));
                        continue;
                    };
                    if f.convened {
                        out.push(format!("{at} after the deciding was convened"));
                    }
                    if f.members.len() >= f.size {
                        out.push(format!("{at}: no seat is empty"));
                    }
                    if !f.ever.insert(person.clone()) {
                        out.push(format!("{at}: sat in this round before"));
                    }
                    let sat = evaluators.get(&(s("tender"), s("section")));
                    if sat.is_some_and(|e| e.contains(&person)) {
                        out.push(format!("{at}: sits on the section's evaluation committee"));
                    }
                    if let Some((_, p)) = admitted.get(&s("member")) {
                        if *p != person {
                            out.push(format!("{at}: its pool record is another person's"));
                        }
                    }
                    let how = serde_json::from_value::<Appointment>(body["how"].clone());
                    let bytes = match how {
                        Ok(Appointment::Drawn) => {
                            pending.push((
                                i,
                                s("draw"),
                                person.clone(),
                                body["draw_rank"].as_i64().unwrap_or(-1),
                            ));
                            frames.get(&s("draw")).map(|frame| {
                                statement_for(
                                    Purpose::AwardCommittee,
                                    &s("draw"),
                                    frame,
                                    &s("member"),
                                    &person,
                                    None,
                                )
                            })
                        }
                        Ok(Appointment::Appointed) => {
                            let r = u32::try_from(round).unwrap_or(0);
                            Some(statement(&key.0, &key.1, r, &s("member"), &person, None))
                        }
                        Err(_) => None,
                    };
                    let Some(bytes) = bytes else {
                        out.push(format!("{at}: its seat's draw or kind is unknown"));
                        continue;
                    };
                    let l = logged(body, &bytes);
                    if l.digest != s("statement_sha256") {
                        out.push(format!("{at}: states a statement it did not sign"));
                    }
                    if let Err(why) = &l.verified {
                        out.push(format!("{at}: the statement's signature {why}"));
                    }
                    f.members.push(RosterEntry {
                        person,
                        role: MemberRole::Member,
                        how: how.unwrap_or(Appointment::Appointed),
                        statement_sha256: s("statement_sha256"),
                    });
                    roster_stated(f, &key, body, &at, &mut out);
                }
                "award_step_opened" if body["convened"] == true => {
                    let key = (leaf_section.0.clone(), leaf_section.1.clone(), round);
                    if let Some(f) = formed.get_mut(&key) {
                        if f.witnessed.as_deref() != Some(f.roster.as_str()) {
                            out.push(format!(
                                "entry {i}: the deciding is convened on a roster never witnessed"
                            ));
                        }
                        f.convened = true;
                    }
                }
                "expert_admitted" => {
                    admitted.insert(s("member"), (s("library"), s("person")));
                }
                "draw_requested" => {
                    if let Some(d) = hex32(&s("frame_digest")) {
                        frames.insert(s("draw"), d);
                    }
                    if body["frame"]["purpose"] == "award_committee" {
                        let candidates = body["frame"]["groups"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .flat_map(|g| g["candidates"].as_array().cloned().unwrap_or_default())
                            .filter_map(|c| c.as_str().map(str::to_string))
                            .collect();
                        award_frames.push((i, leaf_section.0, leaf_section.1, candidates));
                    }
                }
                "draw_revealed" => {
                    let seats = body["seats"].as_array().cloned().unwrap_or_default();
                    revealed.insert(s("draw"), seats);
                }
                "award_committee_formed" => {
                    let at = format!("entry {i}: the award committee of {}", s("section"));
                    let key = (s("tender"), s("section"));
                    if stage.get(&key) != Some(&AwardStage::Committee) {
                        out.push(format!("{at} was formed outside the stage committee"));
                    }
                    let roster = match check_formed(body, &at, &mut out) {
                        Some(r) => r,
                        None => continue,
                    };
                    let (t, sec) = (s("tender"), s("section"));
                    let sat = evaluators.get(&(t.clone(), sec.clone())).cloned();
                    let mut members = Vec::new();
                    for m in body["members"].as_array().into_iter().flatten() {
                        let f = |k: &str| m[k].as_str().unwrap_or_default().to_string();
                        let person = f("person");
                        let who = format!("{at}: member {person}");
                        if sat.as_ref().is_some_and(|e| e.contains(&person)) {
                            out.push(format!("{who} sits on the section's evaluation committee"));
                        }
                        if let (Ok(role), Ok(how)) = (
                            serde_json::from_value::<MemberRole>(m["role"].clone()),
                            serde_json::from_value::<Appointment>(m["how"].clone()),
                        ) {
                            members.push(RosterEntry {
                                person: person.clone(),
                                role,
                                how,
                                statement_sha256: f("statement_sha256"),
                            });
                        }
                        if let Some((library, p)) = admitted.get(&f("member")) {
                            if *library != s("pool") || *p != person {
                                out.push(format!("{who} is not in the tenderer's pool"));
                            }
                        }
                        let conflict = None::<&Conflict>;
                        let bytes = if f("how") == "drawn" {
                            pending.push((
                                i,
                                s("draw"),
                                person.clone(),
                                m["draw_rank"].as_i64().unwrap_or(-1),
                            ));
                            frames.get(&s("draw")).map(|frame| {
                                statement_for(
                                    Purpose::AwardCommittee,
                                    &s("draw"),
                                    frame,
                                    &f("member"),
                                    &person,
                                    conflict,
                                )
                            })
                        } else {
                            let r = u32::try_from(round).unwrap_or(0);
                            Some(statement(&t, &sec, r, &f("member"), &person, conflict))
                        };
                        let Some(bytes) = bytes else {
                            out.push(format!("{who} is drawn from a draw never requested"));
                            continue;
                        };
                        let l = logged(m, &bytes);
                        if l.digest != f("statement_sha256") {
                            out.push(format!("{who} states a statement it did not sign"));
                        }
                        if let Err(why) = &l.verified {
                            out.push(format!("{who}: the statement's signature {why}"));
                        }
                    }
                    let f = Formed {
                        roster,
                        size: usize::try_from(body["size"].as_u64().unwrap_or(0)).unwrap_or(0),
                        ever: members.iter().map(|m| m.person.clone()).collect(),
                        members,
                        witnessed: None,
                        convened: false,
                    };
                    if formed.insert((t, sec, round), f).is_some() {
                        out.push(format!("{at} was formed twice in round {round}"));
                    }
                }
                "award_committee_witnessed" => {
                    let at = format!("entry {i}: the witness of {}", s("section"));
                    let Some(f) = formed.get_mut(&(s("tender"), s("section"), round)) else {
                        out.push(format!("{at} comes before its committee was formed"));
                        continue;
                    };
                    if f.roster != s("roster_sha256") {
                        out.push(format!("{at} names another roster"));
                    }
                    if f.members.len() != f.size {
                        out.push(format!(
                            "{at} covers {} members of {}: a seat is empty",
                            f.members.len(),
                            f.size
                        ));
                    }
                    f.witnessed = Some(s("roster_sha256"));
                    let bytes = hex32(&f.roster).map(|r| {
                        witness_statement(
                            &s("tender"),
                            &s("section"),
                            u32::try_from(round).unwrap_or(0),
                            &r,
                            &s("witness"),
                        )
                    });
                    if let Some(Err(why)) = bytes.map(|b| verify(body, &b)) {
                        out.push(format!("{at}: the signature {why}"));
                    }
                }
                _ => {}
            }
            // Where each section's award stands, as its award entries state it.
            if let Some(st) = body["stage"].as_str().and_then(AwardStage::parse) {
                if e.leaf.event_type.starts_with("award_") && !s("section").is_empty() {
                    stage.insert((s("tender"), s("section")), st);
                }
            }
        }
        for (i, tender, section, candidates) in award_frames {
            let Some(sat) = evaluators.get(&(tender, section)) else {
                continue;
            };
            for m in candidates {
                if admitted.get(&m).is_some_and(|(_, p)| sat.contains(p)) {
                    out.push(format!(
                        "entry {i}: the award draw's eligible list names {m}, a member of the \
                         section's evaluation committee"
                    ));
                }
            }
        }
        for (i, draw, person, rank) in pending {
            let Some(seats) = revealed.get(&draw) else {
                continue;
            };
            let left = gone_out.contains(&(draw.clone(), person.clone()));
            let held = seats.iter().any(|x| {
                let seat = x["seat"].as_str().and_then(Seat::parse);
                x["person"].as_str() == Some(&person)
                    && x["rank"].as_i64() == Some(rank)
                    && (seat == Some(Seat::CheckedIn)
                        || left && matches!(seat, Some(Seat::Left | Seat::Recused)))
            });
            if !held {
                out.push(format!(
                    "entry {i}: drawn member {person} does not hold rank {rank} of draw {draw}, \
                     checked in"
                ));
            }
        }
        out
    }
}

/// The committee's size, mix and chair, and its roster digest recomputed; the digest if sound.
fn check_formed(body: &serde_json::Value, at: &str, out: &mut Vec<String>) -> Option<String> {
    let members = body["members"].as_array()?;
    let n = members.len();
    let drawn = members.iter().filter(|m| m["how"] == "drawn").count();
    let chairs = members.iter().filter(|m| m["role"] == "chair").count();
    let size = body["size"].as_u64().unwrap_or(0) as usize;
    let declared_drawn = body["drawn"].as_u64().unwrap_or(0) as usize;
    if n < 5 || n % 2 == 0 || n != size {
        out.push(format!(
            "{at} has {n} members (size {size}): not odd, at least 5"
        ));
    }
    if drawn != declared_drawn {
        out.push(format!(
            "{at} has {drawn} drawn members, not {declared_drawn}"
        ));
    }
    if chairs != 1 {
        out.push(format!("{at} has {chairs} chairs"));
    }
    let persons: BTreeSet<&str> = members
        .iter()
        .filter_map(|m| m["person"].as_str())
        .collect();
    if persons.len() != n {
        out.push(format!("{at} seats a person twice"));
    }
    let roster: Vec<RosterEntry> = members
        .iter()
        .filter_map(|m| {
            Some(RosterEntry {
                person: m["person"].as_str()?.to_string(),
                role: serde_json::from_value::<MemberRole>(m["role"].clone()).ok()?,
                how: serde_json::from_value::<Appointment>(m["how"].clone()).ok()?,
                statement_sha256: m["statement_sha256"].as_str()?.to_string(),
            })
        })
        .collect();
    let s = |k: &str| body[k].as_str().unwrap_or_default();
    let round = u32::try_from(body["award_round"].as_i64().unwrap_or(0)).unwrap_or(0);
    let digest = hex::encode(roster_digest(s("tender"), s("section"), round, &roster));
    if roster.len() != n || digest != s("roster_sha256") {
        out.push(format!("{at}: its roster digest is not its members'"));
    }
    Some(s("roster_sha256").to_string())
}

/// The roster an entry states after a member left or joined must be the members the chain
/// leaves; the committee's current roster is then that digest.
fn roster_stated(
    f: &mut Formed,
    key: &(String, String, i64),
    body: &serde_json::Value,
    at: &str,
    out: &mut Vec<String>,
) {
    let round = u32::try_from(key.2).unwrap_or(0);
    let digest = hex::encode(roster_digest(&key.0, &key.1, round, &f.members));
    let stated = body["roster_sha256"].as_str().unwrap_or_default();
    if digest != stated {
        out.push(format!("{at}: the roster it states is not the members'"));
    }
    f.roster = stated.to_string();
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    hex::decode(s).ok()?.try_into().ok()
}

fn logged(body: &serde_json::Value, bytes: &[u8]) -> Logged {
    Logged {
        digest: hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes)),
        verified: verify(body, bytes),
    }
}

/// The body's signature over `bytes` with the body's certificate.
fn verify(body: &serde_json::Value, bytes: &[u8]) -> Result<(), String> {
    let s = |k: &str| body[k].as_str().unwrap_or_default();
    let cert = B64
        .decode(s("certificate"))
        .map_err(|_| "carries no certificate".to_string())?;
    let meta = crate::crypto::x509::CertMeta::parse(&cert)
        .map_err(|e| format!("has an unreadable certificate: {e}"))?;
    let alg = crate::crypto::keys::SignatureAlgorithm::parse(s("signature_algorithm"))
        .ok_or_else(|| "names no known algorithm".to_string())?;
    let sig = B64
        .decode(s("signature"))
        .map_err(|_| "is not base64".to_string())?;
    crate::crypto::keys::verify_signature(&meta.spki_der, alg, bytes, &sig)
        .map_err(|e| format!("does not verify: {e}"))
}
