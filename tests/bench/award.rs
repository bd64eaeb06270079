//! The award's deciding (issue 14): a 9-member committee deciding among 7 candidates by 逐轮票决
//! (elimination) until it is decided, every ballot signed with the member's own certificate and
//! checked as the server checks it — the certificate chain to the anchor, the ballot statement
//! (`etender-award-ballot/v1`), the signature, the commitment — each round replayed through the
//! engine (`domain::award::replay`) as the workflow does after every close, and the 定标报告
//! built, digested and replayed (`report::check`). The clients' signing is not counted. The
//! figure is ballots per second over that whole server-side path, beside the raw rate of one
//! ECDSA P-256 signature verification in the same run; the total seconds are printed (goal
//! ≤ 1 s). In-process and without the database and HTTP: what it measures is the deciding's
//! checking and counting, not the transport.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use etender::crypto::keys::{verify_signature, SignatureAlgorithm, SigningKey};
use etender::crypto::trust::TrustStore;
use etender::crypto::x509::{IdentityExtraction, Purpose};
use etender::domain::award::ballot::{self, BallotOf, Cast};
use etender::domain::award::report::{self, Document, Member, StepRecord};
use etender::domain::award::{replay, Next, Setup};
use etender::domain::tender::AwardMethod;
use etender::pki::{Authority, LeafSpec, PkiKeyAlgorithm};

use crate::report::{rate, Report};

const MEMBERS: usize = 9;
const CANDIDATES: usize = 7;

pub fn run(out: &mut Report) {
    let now = Utc::now();
    let root = Authority::new_root(
        PkiKeyAlgorithm::EcdsaP256,
        "bench award root",
        now - chrono::Duration::days(1),
        now + chrono::Duration::days(30),
    )
    .unwrap();
    let crl = root
        .crl_der(
            &["01".to_string()],
            now - chrono::Duration::hours(1),
            now + chrono::Duration::days(1),
        )
        .unwrap();
    let store = TrustStore::from_parts(vec![root.cert_der().to_vec()], vec![crl]).unwrap();
    let ident = IdentityExtraction::default();
    let alg = SignatureAlgorithm::EcdsaP256Sha256;
    let members: Vec<(String, SigningKey, Vec<u8>)> = (0..MEMBERS)
        .map(|i| {
            let mut spec = LeafSpec::signing(PkiKeyAlgorithm::EcdsaP256, &format!("member {i}"));
            spec.subject_serial_number = Some(format!("42900519800101{i:04}"));
            let issued = root.issue(&spec).unwrap();
            let key = SigningKey::from_pkcs8_der(&issued.key_pkcs8_der).unwrap();
            (format!("person-{i}"), key, issued.cert_der)
        })
        .collect();
    let candidates: Vec<String> = (0..CANDIDATES).map(|i| format!("bid-{i}")).collect();
    let setup = Setup {
        method: AwardMethod::EliminationVote { pairwise: false },
        candidates: candidates.clone(),
        members: MEMBERS,
        prices: BTreeMap::new(),
        benchmark: None,
        max_revotes: 2,
    };
    let roster: Vec<Member> = members
        .iter()
        .enumerate()
        .map(|(i, m)| Member {
            person: m.0.clone(),
            chair: i == 0,
        })
        .collect();

    // The clients sign first (not counted): each round's ballots, round by round, as the
    // engine asks. Every member votes for one of the first n-1 remaining, round-robin, so the
    // last remaining gets none and drops out, until one has a majority.
    let mut signed_rounds = Vec::new();
    let mut records: Vec<StepRecord> = Vec::new();
    let mut steps = Vec::new();
    loop {
        let next = replay(&setup, &steps).unwrap().next;
        let Next::Vote { among, picks, .. } = next else {
            break;
        };
        let step = format!("step-{}", steps.len() + 1);
        let mut ballots = Vec::new();
        let mut casts = Vec::new();
        for (i, (person, key, cert)) in members.iter().enumerate() {
            let choice = among[i % (among.len() - 1).max(1)].clone();
            let cast = Cast::Ballot {
                choices: vec![choice.clone()],
                reason: None,
            };
            let of = BallotOf {
                step: &step,
                tender: "T",
                section: "BD01",
                award_round: 1,
                member: person,
            };
            let sig = key.sign(alg, &ballot::statement(&of, &cast)).unwrap();
            casts.push((person.clone(), cast, sig, cert.clone()));
            ballots.push(vec![choice]);
        }
        steps.push(etender::domain::award::Step::Vote {
            among: among.clone(),
            picks,
            ballots,
        });
        signed_rounds.push((step, among, casts));
    }
    let rounds = signed_rounds.len();
    let ballots = rounds * MEMBERS;

    // The server's side, timed.
    let start = Instant::now();
    let mut counted = Vec::new();
    for (step, among, casts) in &signed_rounds {
        let mut record_casts = Vec::new();
        for (person, cast, sig, cert) in casts {
            let verified = store
                .verify_chain(
                    std::slice::from_ref(cert),
                    now,
                    Purpose::Signing,
                    &ident,
                    true,
                )
                .unwrap();
            let of = BallotOf {
                step,
                tender: "T",
                section: "BD01",
                award_round: 1,
                member: person,
            };
            let statement = ballot::statement(&of, cast);
            verify_signature(&verified.spki_der, alg, &statement, sig).unwrap();
            record_casts.push(report::Cast {
                member: person.clone(),
                kind: "ballot".into(),
                choices: cast.choices(),
                reason: None,
                statement_sha256: hex::encode(ballot::commitment(&statement)),
                signature: hex::encode(sig),
                signature_algorithm: alg.as_str().into(),
                signer_fingerprint: String::new(),
            });
        }
        records.push(StepRecord {
            id: step.clone(),
            seq: u32::try_from(records.len() + 1).unwrap(),
            kind: "vote".into(),
            among: among.clone(),
            picks: 1,
            casts: record_casts,
            lot: None,
        });
        // After every close the workflow replays the steps so far.
        counted = report::steps(&roster, &records).unwrap();
        replay(&setup, &counted).unwrap();
    }
    let r = replay(&setup, &counted).unwrap();
    let Next::Decided { winner, reason } = r.next.clone() else {
        panic!("not decided after {rounds} rounds");
    };
    let doc = Document {
        version: report::VERSION,
        tender: "T".into(),
        section: "BD01".into(),
        award_round: 1,
        method_name: setup.method.legal_name().into(),
        setup: setup.clone(),
        members: roster.clone(),
        steps: records,
        rounds: r.rounds,
        winner,
        reason,
        why: report::why(reason, None),
        decided_at: now,
    };
    let bytes = report::bytes(&doc);
    let _digest = report::digest(&bytes);
    report::check(&doc).unwrap();
    let elapsed = start.elapsed().as_secs_f64();

    let (person, key, cert) = &members[0];
    let msg = format!("raw {person}");
    let sig = key.sign(alg, msg.as_bytes()).unwrap();
    let verified = store
        .verify_chain(
            std::slice::from_ref(cert),
            now,
            Purpose::Signing,
            &ident,
            true,
        )
        .unwrap();
    let raw = rate(Duration::from_millis(1500), || {
        verify_signature(&verified.spki_der, alg, msg.as_bytes(), &sig).unwrap()
    });
    println!(
        "award.elimination: {MEMBERS} members, {CANDIDATES} candidates, {rounds} rounds, \
         {ballots} ballots checked and counted in {elapsed:.3} s (goal ≤ 1 s)"
    );
    out.record(
        "award.elimination_9x7.ballots_checked_and_counted",
        ballots as f64 / elapsed,
        "ballots/s",
        "raw_signature_verify.ecdsa_p256",
        raw,
    );
}
