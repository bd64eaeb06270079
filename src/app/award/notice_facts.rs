//! What the notices' verbs share: when a section may be notified, the facts its notices state
//! (gathered from the award row, the 评标报告 it rests on and the bidders' records), the
//! tenderer's certificate, and the notice and written-report bodies.

use base64::Engine;
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;

use crate::app::support::award::Award;
use crate::app::support::errors::internal;
use crate::app::support::json::parse_json;
use crate::app::support::signing::{require_kind, uscc_of, Signing};
use crate::app::support::tender::{agent_entrusted, party_of};
use crate::audit::{canonical_json, sha256_hex};
use crate::crypto::keys::SignatureAlgorithm;
use crate::crypto::x509::{CertKind, VerifiedCertificate};
use crate::db::repo::award_notices as nrepo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::reports as rrepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::from_db;
use crate::db::AnyConnection;
use crate::domain::award::stage::AwardStage;
use crate::domain::award_notices::{self as rules, Basis, Bidder, Facts, NoticeKind, Org};
use crate::domain::evaluation::report::Document;
use crate::domain::tender::AwardMode;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::wire::award_notices::{AwardNotice, NoticeDraft, NoticeParty, WrittenReport};

pub(super) const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A certificate chain, its algorithm and one signature per notice digest, as decoded from the
/// request.
#[derive(Clone, Debug)]
pub struct NoticeSignatures {
    pub certificate_chain: Vec<Vec<u8>>,
    pub signature_algorithm: SignatureAlgorithm,
    /// (digest hex, signature bytes)
    pub signatures: Vec<(String, Vec<u8>)>,
}

/// Whether the section may be notified now: 评定分离 — its result's publicity is over
/// (`publicity_until` ≤ now) and no objection is open; traditional — the tenderer has awarded
/// (stage `decided`, after the candidates' publicity). Earlier it is refused with
/// `award_stage`, `deadline_not_reached` or `objections_pending`.
pub(super) fn require_notifiable(award: &Award, now: DateTime<Utc>) -> AppResult<String> {
    let row = &award.row;
    let expected = if award.separated() {
        AwardStage::Publicity
    } else {
        AwardStage::Decided
    };
    if award.stage != expected {
        return Err(AppError::new(
            ErrorCode::AwardStage,
            format!(
                "the section's award is at {}: notices follow {}",
                award.stage.as_str(),
                if award.separated() {
                    "the result's publicity (评定分离)"
                } else {
                    "the tenderer's award after the candidates' publicity"
                }
            ),
        ));
    }
    if award.separated() {
        let until = row.publicity_until.map(from_db).ok_or_else(|| {
            AppError::new(
                ErrorCode::AwardStage,
                "the result's publicity has no end set",
            )
        })?;
        // Compared at the log's resolution (microseconds), as the verifier compares them.
        if now.trunc_subsecs(6) < until.trunc_subsecs(6) {
            return Err(AppError::new(
                ErrorCode::DeadlineNotReached,
                format!("the result's publicity runs until {until}: notices only after it"),
            ));
        }
    }
    if row.open_objections > 0 {
        return Err(AppError::new(
            ErrorCode::ObjectionsPending,
            format!(
                "{} objection(s) to the result are unanswered: the award is suspended (条例54)",
                row.open_objections
            ),
        ));
    }
    let winner = row.winner_bid_id.clone().ok_or_else(|| {
        AppError::new(
            ErrorCode::AwardStage,
            "no winner is recorded for the section",
        )
    })?;
    if !award.candidates.contains(&winner) {
        return Err(internal(anyhow::anyhow!(
            "award {}/{}: winner {winner} is not a candidate",
            row.tender_id,
            row.section_code
        )));
    }
    Ok(winner)
}

/// The report the award rests on.
pub(super) fn report_of(c: &mut AnyConnection, award: &Award) -> AppResult<Document> {
    let r = rrepo::complete_of_tender(c, &award.row.tender_id)?
        .into_iter()
        .find(|r| r.id == award.row.report_id)
        .ok_or_else(|| internal(anyhow::anyhow!("the award's report is not complete")))?;
    parse_json(&r.document, "evaluation report")
}

/// A bidder of the section with its organisation id and its status for OCDS.
#[derive(Clone, Debug)]
pub(super) struct SectionBidder {
    pub bidder: Bidder,
    pub organisation: String,
    pub rejected: bool,
}

/// Every opened bid of the section (the report's inputs), with its organisation.
pub(super) fn bidders(c: &mut AnyConnection, doc: &Document) -> AppResult<Vec<SectionBidder>> {
    let mut out = Vec::with_capacity(doc.inputs.bids.len());
    for b in &doc.inputs.bids {
        let org = idrepo::find_organisation_by_uscc(c, &b.bidder)?.ok_or_else(|| {
            internal(anyhow::anyhow!(
                "bidder {} of bid {} vanished",
                b.bidder,
                b.bid
            ))
        })?;
        out.push(SectionBidder {
            bidder: Bidder {
                bid: b.bid.clone(),
                org: Org {
                    name: org.name,
                    uscc: org.uscc,
                },
                price: b.prices.first().copied(),
            },
            organisation: org.id,
            rejected: doc.derivation.rejected.iter().any(|r| r.bid == b.bid),
        });
    }
    Ok(out)
}

/// The 定标方法 (评定分离) or the ranking rule (traditional), as notices name it.
pub(super) fn method_text(mode: &AwardMode) -> String {
    match mode {
        AwardMode::Separated { method, .. } => method.legal_name().to_string(),
        AwardMode::Traditional { .. } => "评标委员会排序推荐，招标人依法确定中标人".to_string(),
    }
}

/// The facts every notice of the section states.
pub(super) fn facts(
    c: &mut AnyConnection,
    award: &Award,
    tender: &trepo::TenderRow,
    winner: &str,
    bidders: &[SectionBidder],
) -> AppResult<Facts> {
    let org = |p: crate::wire::tenders::Party| Org {
        name: p.name,
        uscc: p.uscc,
    };
    let tenderer = org(party_of(c, &tender.tenderer_id)?);
    let agent = match &tender.agent_id {
        Some(a) => Some(org(party_of(c, a)?)),
        None => None,
    };
    let won = bidders
        .iter()
        .find(|b| b.bidder.bid == winner)
        .ok_or_else(|| internal(anyhow::anyhow!("the winner's bid is not an opened bid")))?;
    let row = &award.row;
    Ok(Facts {
        tender_id: tender.id.clone(),
        tender_title: tender.title.clone(),
        section_code: award.section.code.clone(),
        section_name: award.section.name.clone(),
        tenderer,
        agent,
        winner: won.bidder.clone(),
        others: bidders
            .iter()
            .filter(|b| b.bidder.bid != winner)
            .map(|b| b.bidder.clone())
            .collect(),
        basis: Basis {
            mode: row.mode.clone(),
            method: method_text(&award.mode),
            award_round: row.award_round,
            report_id: row.report_id.clone(),
            report_digest: row.report_digest.clone(),
            candidates: award.candidates.clone(),
            winner_reason: row.winner_reason.clone(),
            decided_at: row.decided_at.map(from_db),
            publicity_from: row.publicity_from.map(from_db),
            publicity_until: row.publicity_until.map(from_db),
        },
    })
}

/// A notice ready to sign: its canonical text and digest.
#[derive(Clone, Debug)]
pub(super) struct Drafted {
    pub kind: NoticeKind,
    pub bid: String,
    pub addressee: Org,
    pub text: String,
    pub digest: String,
}

/// The section's notices as canonical text.
pub(super) fn drafts(f: &Facts) -> AppResult<Vec<Drafted>> {
    let notices = rules::notices(f).map_err(internal)?;
    Ok(notices
        .into_iter()
        .map(|n| {
            let text = canonical_json(&n.document);
            Drafted {
                kind: n.kind,
                bid: n.bid,
                addressee: n.addressee,
                digest: sha256_hex(text.as_bytes()),
                text,
            }
        })
        .collect())
}

pub(super) fn digest_bytes(hex_digest: &str) -> AppResult<[u8; 32]> {
    hex::decode(hex_digest.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::field("digest", "invalid", "a digest is 64 hex characters"))
}

pub(super) fn draft_dto(d: &Drafted) -> AppResult<NoticeDraft> {
    Ok(NoticeDraft {
        kind: d.kind,
        bid: d.bid.clone(),
        addressee: NoticeParty {
            name: d.addressee.name.clone(),
            uscc: d.addressee.uscc.clone(),
        },
        document: d.text.clone(),
        digest: d.digest.clone(),
        statement: B64.encode(rules::notice_statement(&digest_bytes(&d.digest)?)),
    })
}

/// The organisation that signs for the tender with this certificate: the tenderer, or its
/// agent while the entrustment stands. Anyone else's certificate is refused (`forbidden`).
pub(super) fn tender_signer(
    c: &mut AnyConnection,
    signing: &Signing,
    tender: &trepo::TenderRow,
    chain: &[Vec<u8>],
    now: DateTime<Utc>,
) -> AppResult<(String, VerifiedCertificate)> {
    let cert = signing.certificate(chain, now)?;
    require_kind(&cert, CertKind::Organisation)?;
    let uscc = uscc_of(&cert)?;
    let agent = match &tender.agent_id {
        Some(a) if agent_entrusted(c, tender)? => Some(a.clone()),
        _ => None,
    };
    for org in std::iter::once(tender.tenderer_id.clone()).chain(agent) {
        if party_of(c, &org)?.uscc == uscc.as_str() {
            return Ok((org, cert));
        }
    }
    Err(AppError::forbidden(
        "sign with the tenderer's or the entrusted agent's organisation certificate",
    ))
}

pub(super) fn notice_dto(r: &nrepo::NoticeRow) -> AppResult<AwardNotice> {
    Ok(AwardNotice {
        id: r.id.clone(),
        tender: r.tender_id.clone(),
        section: r.section_code.clone(),
        award_round: r.award_round,
        kind: NoticeKind::parse(&r.kind)
            .ok_or_else(|| internal(anyhow::anyhow!("notice {}: kind {:?}", r.id, r.kind)))?,
        bid: r.bid_id.clone(),
        addressee: r.addressee_id.clone(),
        document: r.document.clone(),
        digest: r.digest.clone(),
        signature: r.signature.clone(),
        signature_algorithm: r.signature_algorithm.clone(),
        certificate: r.certificate.clone(),
        signer: r.signer_id.clone(),
        signer_fingerprint: r.signer_fingerprint.clone(),
        issued_at: from_db(r.issued_at),
    })
}

/// The written report of a notified section: as filed, or the document to sign now (built from
/// the same facts as the notices and the notices themselves by digest).
pub(super) fn written_report_dto(
    c: &mut AnyConnection,
    award: &Award,
    tender: &trepo::TenderRow,
    row: &nrepo::WrittenReportRow,
    now: DateTime<Utc>,
) -> AppResult<WrittenReport> {
    let (document, digest) = match (&row.document, &row.digest) {
        (Some(d), Some(g)) => (d.clone(), g.clone()),
        _ => {
            let text = report_text(c, award, tender, row)?;
            let digest = sha256_hex(text.as_bytes());
            (text, digest)
        }
    };
    let due = from_db(row.due_at);
    Ok(WrittenReport {
        tender: row.tender_id.clone(),
        section: row.section_code.clone(),
        award_round: row.award_round,
        notified_at: from_db(row.notified_at),
        due_at: due,
        overdue: rules::is_overdue(due, row.filed_at.map(from_db), now),
        statement: B64.encode(rules::report_statement(&digest_bytes(&digest)?)),
        document,
        digest,
        filed_at: row.filed_at.map(from_db),
        signature: row.signature.clone(),
        signature_algorithm: row.signature_algorithm.clone(),
        certificate: row.certificate.clone(),
        signer: row.signer_id.clone(),
        overdue_flagged_at: row.overdue_flagged_at.map(from_db),
    })
}

/// The canonical text of the written report the tenderer signs.
pub(super) fn report_text(
    c: &mut AnyConnection,
    award: &Award,
    tender: &trepo::TenderRow,
    row: &nrepo::WrittenReportRow,
) -> AppResult<String> {
    let doc = report_of(c, award)?;
    let bidders = bidders(c, &doc)?;
    let winner = award.row.winner_bid_id.clone().unwrap_or_default();
    let f = facts(c, award, tender, &winner, &bidders)?;
    let notices: Vec<rules::NoticeRef> =
        nrepo::of_section(c, &row.tender_id, &row.section_code, row.award_round)?
            .iter()
            .map(|n| {
                Ok(rules::NoticeRef {
                    kind: NoticeKind::parse(&n.kind)
                        .ok_or_else(|| internal(anyhow::anyhow!("notice kind {:?}", n.kind)))?,
                    bid: n.bid_id.clone(),
                    digest: n.digest.clone(),
                    issued_at: from_db(n.issued_at),
                })
            })
            .collect::<AppResult<_>>()?;
    let value: Value = rules::written_report(&f, &notices, from_db(row.notified_at));
    Ok(canonical_json(&value))
}
