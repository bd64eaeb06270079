//! `POST …/sections/{section}/award/notices`: the tenderer (or its entrusted agent) issues the
//! section's notices — the 中标通知书 to the winner, the 中标结果通知书 to every other bidder —
//! each signed with its organisation certificate over the notice's digest; publishes the result
//! announcement (中标结果公告: winner, price, the committees' names, why the winner was chosen)
//! and the OCDS award release; mails every addressee; starts the written report's 15 days
//! (招标投标法47); and moves the section to `notified` (the tender to `awarded` when every
//! section is notified or failed). Only after the result's publicity with no objection open
//! (评定分离), or after the tenderer's award (traditional).

use base64::Engine;
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{json, Value};

use super::notice_facts::*;
use crate::app::support::award::{self, Award};
use crate::app::support::errors::internal;
use crate::app::support::publicity::{self, Change, Env};
use crate::app::support::signing::{verify_statement, Signing};
use crate::app::support::tender::{load_as_party, published_draft, state_of};
use crate::app::{Actor, AppContext};
use crate::audit::{canonical_json, EventType};
use crate::db::repo::award_notices as nrepo;
use crate::db::repo::identity as idrepo;
use crate::db::repo::tenders as trepo;
use crate::db::types::{from_db, to_db};
use crate::db::AnyConnection;
use crate::domain::award::stage::StageEvent;
use crate::domain::award_notices::{self as rules, Facts, NoticeKind};
use crate::domain::evaluation::report::Document;
use crate::domain::lifecycle::EventKind;
use crate::domain::money::Money;
use crate::domain::tender::AnnouncementKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::mail::{enqueue, OutgoingMail};
use crate::ocds;
use crate::wire::award_notices::IssuedNotices;

pub async fn issue_notices(
    ctx: &AppContext,
    actor: &Actor,
    tender: &str,
    section: &str,
    signed: NoticeSignatures,
) -> AppResult<IssuedNotices> {
    let (tender, section, actor, now) = (
        tender.to_string(),
        section.to_string(),
        actor.clone(),
        ctx.clock.now().trunc_subsecs(6),
    );
    let (env, signing) = (Env::of(ctx), Signing::of(ctx));
    ctx.db
        .write(move |c| {
            let trow = load_as_party(c, &actor, &tender)?;
            let mut award = award::load(c, &tender, &section)?;
            let winner = require_notifiable(&award, now)?;
            // The 中标通知书 goes out while the winner's bid is valid (投标有效期).
            crate::app::support::validity::of_section(c, &award.draft, &tender, &section)?
                .require_valid(&winner, now)?;
            let doc = report_of(c, &award)?;
            let all = bidders(c, &doc)?;
            let f = facts(c, &award, &trow, &winner, &all)?;
            let drafted = drafts(&f)?;
            let (signer, cert) = tender_signer(c, &signing, &trow, &signed.certificate_chain, now)?;
            let rows = sign_each(&drafted, &signed, &cert.spki_der, &award, &all)?;
            let leaf = signed
                .certificate_chain
                .first()
                .cloned()
                .unwrap_or_default();
            let issued = Issued {
                signer,
                fingerprint: cert.fingerprint_sha256.clone(),
                certificate: B64.encode(leaf),
                algorithm: signed.signature_algorithm.as_str().to_string(),
            };
            store(
                c, &env, now, &trow, &mut award, &f, &doc, rows, issued, &actor,
            )
        })
        .await
}

/// Who signed, once for every notice.
struct Issued {
    signer: String,
    fingerprint: String,
    certificate: String,
    algorithm: String,
}

/// One signature per draft, each verifying over the draft's statement; nothing missing, nothing
/// extra. Returns (draft, addressee organisation, signature).
fn sign_each<'a>(
    drafted: &'a [Drafted],
    signed: &NoticeSignatures,
    spki: &[u8],
    award: &Award,
    all: &[SectionBidder],
) -> AppResult<Vec<(&'a Drafted, String, Vec<u8>)>> {
    if signed.signatures.len() != drafted.len() {
        return Err(AppError::field(
            "signatures",
            "count",
            format!(
                "one signature per notice: {} notices, {} signatures (GET …/award/notices/draft)",
                drafted.len(),
                signed.signatures.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(drafted.len());
    for d in drafted {
        let (_, sig) = signed
            .signatures
            .iter()
            .find(|(digest, _)| digest.trim() == d.digest)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "no signature for the notice to bid {} (digest {}): read the drafts \
                         again, the award of round {} may have changed",
                        d.bid, d.digest, award.row.award_round
                    ),
                )
            })?;
        verify_statement(
            spki,
            signed.signature_algorithm,
            &rules::notice_statement(&digest_bytes(&d.digest)?),
            sig,
            "notice",
        )?;
        let org = all
            .iter()
            .find(|b| b.bidder.bid == d.bid)
            .map(|b| b.organisation.clone())
            .ok_or_else(|| internal(anyhow::anyhow!("addressee of {} vanished", d.bid)))?;
        out.push((d, org, sig.clone()));
    }
    Ok(out)
}

#[expect(
    clippy::too_many_arguments,
    reason = "the one transaction step that writes everything the notices publish"
)]
fn store(
    c: &mut AnyConnection,
    env: &Env,
    now: DateTime<Utc>,
    trow: &trepo::TenderRow,
    award: &mut Award,
    f: &Facts,
    doc: &Document,
    rows: Vec<(&Drafted, String, Vec<u8>)>,
    who: Issued,
    actor: &Actor,
) -> AppResult<IssuedNotices> {
    let round = award.row.award_round;
    let mut stored = Vec::with_capacity(rows.len());
    for (d, addressee, sig) in rows {
        let row = nrepo::NoticeRow {
            id: uuid::Uuid::now_v7().to_string(),
            tender_id: trow.id.clone(),
            section_code: f.section_code.clone(),
            award_round: round,
            kind: d.kind.as_str().into(),
            bid_id: d.bid.clone(),
            addressee_id: addressee,
            document: d.text.clone(),
            digest: d.digest.clone(),
            signature: B64.encode(&sig),
            signature_algorithm: who.algorithm.clone(),
            certificate: who.certificate.clone(),
            signer_id: who.signer.clone(),
            signer_fingerprint: who.fingerprint.clone(),
            issued_at: to_db(now),
        };
        nrepo::insert(c, &row)?;
        mail_notice(c, env, now, &row, f)?;
        stored.push(row);
    }
    let due = rules::report_due(now);
    nrepo::insert_report(
        c,
        &nrepo::WrittenReportRow {
            tender_id: trow.id.clone(),
            section_code: f.section_code.clone(),
            award_round: round,
            notified_at: to_db(now),
            due_at: to_db(due),
            document: None,
            digest: None,
            signature: None,
            signature_algorithm: None,
            certificate: None,
            signer_id: None,
            filed_at: None,
            overdue_flagged_at: None,
        },
    )?;
    let from = award.stage;
    award::advance(c, now, award, &StageEvent::IssueNotices)?;
    let (announcement, announced) = announce(c, now, trow, award, f, doc)?;
    let body = json!({"tender": trow.id, "section": f.section_code, "award_round": round,
        "mode": award.row.mode, "from": from, "winner": f.winner.bid,
        "candidates": award.candidates, "report": award.row.report_id,
        "report_digest": award.row.report_digest,
        "decided_at": award.row.decided_at.map(from_db),
        "publicity_until": award.row.publicity_until.map(from_db),
        "open_objections": award.row.open_objections,
        "tenderer": trow.tenderer_id, "agent": trow.agent_id,
        "signer": who.signer, "signer_uscc": signer_uscc(c, &who.signer)?,
        "certificate": who.certificate, "signature_algorithm": who.algorithm,
        "notices": stored.iter().map(|n| json!({"id": n.id, "kind": n.kind, "bid": n.bid_id,
            "digest": n.digest, "signature": n.signature})).collect::<Vec<_>>(),
        "announcement": announcement, "written_report_due": due});
    let event_id = publicity::event(
        c,
        now,
        &trow.id,
        Change::new(actor.audit_ref(), EventType::AwardNoticesIssued, body)
            .in_section(&f.section_code),
    )?;
    let notice = (announcement.as_str(), announced.as_str());
    release(c, env, now, trow, award, f, doc, &event_id, notice)?;
    Ok(IssuedNotices {
        tender: trow.id.clone(),
        section: f.section_code.clone(),
        award_round: round,
        notices: stored.iter().map(notice_dto).collect::<AppResult<_>>()?,
        announcement,
        written_report_due: due,
    })
}

fn signer_uscc(c: &mut AnyConnection, org: &str) -> AppResult<String> {
    Ok(idrepo::find_organisation(c, org)?
        .map(|o| o.uscc)
        .unwrap_or_default())
}

/// The notice to its addressee's contact address (outbox), with its digest and where to
/// download and check it.
fn mail_notice(
    c: &mut AnyConnection,
    env: &Env,
    now: DateTime<Utc>,
    n: &nrepo::NoticeRow,
    f: &Facts,
) -> AppResult<()> {
    let Some(org) = idrepo::find_organisation(c, &n.addressee_id)? else {
        return Ok(());
    };
    let kind = NoticeKind::parse(&n.kind).unwrap_or(NoticeKind::Result);
    let url = format!(
        "{}/api/v1/tenders/{}/award/notices/{}",
        env.base_url, n.tender_id, n.id
    );
    enqueue(
        c,
        now,
        OutgoingMail {
            to: org.contact_email,
            subject: format!("{}：{} {}", kind.title(), f.tender_title, f.section_code),
            body: format!(
                "{}\n\n签发：{}\n摘要 (SHA-256)：{}\n下载并核验签名：{url}\n",
                notice_text(&n.document),
                f.agent.as_ref().unwrap_or(&f.tenderer).name,
                n.digest
            ),
            kind: format!("award_{}", kind.as_str()),
            tender_id: Some(n.tender_id.clone()),
        },
    )?;
    Ok(())
}

fn notice_text(document: &str) -> String {
    serde_json::from_str::<Value>(document)
        .ok()
        .and_then(|v| v["text"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The evaluation committee's members by name (the report's members: their names were kept
/// from everyone but the parties and regulators until now, 招标投标法37), then the award
/// committee's (评定分离).
fn committees(c: &mut AnyConnection, award: &Award, doc: &Document) -> AppResult<Value> {
    let mut evaluation = Vec::with_capacity(doc.members.len());
    for m in &doc.members {
        let name = idrepo::find_person(c, &m.member)?
            .map(|p| p.name)
            .unwrap_or_default();
        evaluation.push(json!({"name": name, "kind": m.kind, "leader": m.leader}));
    }
    let award_committee = award_committee_public(c, award)?;
    Ok(json!({"evaluation": evaluation, "award": award_committee}))
}

/// The 定标委员会's public names (评定分离; a traditional award has none): the members of the
/// current award round's committee, chair first, published now with the result
/// (`support::award_committee::members_public`, domain-rules §3.3).
fn award_committee_public(c: &mut AnyConnection, award: &Award) -> AppResult<Option<Value>> {
    if !award.separated() {
        return Ok(None);
    }
    let (t, s) = (&award.row.tender_id, &award.row.section_code);
    let names = crate::app::support::award_committee::members_public(c, t, s)?;
    Ok(Some(serde_json::to_value(names).map_err(internal)?))
}

/// Why the winner was chosen, as the announcement and the OCDS award say it.
fn reason(award: &Award, f: &Facts) -> String {
    let method = method_text(&award.mode);
    match &award.row.winner_reason {
        Some(r) if !r.trim().is_empty() => format!("{method}：{}", r.trim()),
        _ if !award.separated() && award.candidates.first() == Some(&f.winner.bid) => {
            format!("{method}：排名第一的中标候选人")
        }
        _ => method,
    }
}

/// The 中标结果公告: public, in the tender's announcement feed. Names the winner, its price,
/// both committees and the reason. Returns its id and its body as published.
fn announce(
    c: &mut AnyConnection,
    now: DateTime<Utc>,
    trow: &trepo::TenderRow,
    award: &Award,
    f: &Facts,
    doc: &Document,
) -> AppResult<(String, String)> {
    let id = uuid::Uuid::now_v7().to_string();
    let body = json!({
        "tender": trow.id, "title": trow.title,
        "section": {"code": f.section_code, "name": f.section_name},
        "award_round": award.row.award_round,
        "winner": {"bid": f.winner.bid, "name": f.winner.org.name, "uscc": f.winner.org.uscc,
            "price": f.winner.price.map(|p| p.normalize().to_string())},
        "mode": award.row.mode,
        "method": method_text(&award.mode),
        "reason": reason(award, f),
        "committees": committees(c, award, doc)?,
        "publicity": {"from": award.row.publicity_from.map(from_db),
            "until": award.row.publicity_until.map(from_db)},
        "evaluation_report": {"id": award.row.report_id, "digest": award.row.report_digest},
        "notified_at": now,
    });
    trepo::insert_announcement(
        c,
        trepo::AnnouncementRow {
            seq: 0,
            id: id.clone(),
            tender_id: trow.id.clone(),
            kind: AnnouncementKind::AwardResult.as_str().into(),
            title: format!(
                "中标结果公告：{} {}（{}）",
                trow.title, f.section_code, f.section_name
            ),
            body: canonical_json(&body),
            published_at: to_db(now),
        },
    )?;
    Ok((id, canonical_json(&body)))
}

/// The OCDS award release of the section (tag `award`), in the tender's release feed.
#[expect(
    clippy::too_many_arguments,
    reason = "the release needs the tender, the award and what was just published"
)]
fn release(
    c: &mut AnyConnection,
    env: &Env,
    now: DateTime<Utc>,
    trow: &trepo::TenderRow,
    award: &Award,
    f: &Facts,
    doc: &Document,
    event_id: &str,
    (announcement, announced): (&str, &str),
) -> AppResult<()> {
    // The tender as it stands after the step (awarded when this was its last section).
    let trow = trepo::find_tender(c, &trow.id)?.unwrap_or_else(|| trow.clone());
    let state = state_of(&trow)?.kind();
    let draft = published_draft(c, &trow)?;
    let tender = publicity::ocds_tender(c, env, &trow, draft)?;
    let money = |d: rust_decimal::Decimal| Money::new(d).ok();
    let bids = bidders(c, doc)?
        .into_iter()
        .map(|b| ocds::OcdsBid {
            id: b.bidder.bid.clone(),
            status: if b.rejected { "disqualified" } else { "valid" },
            price: b.bidder.price.and_then(money),
            bidder: ocds::OcdsOrganisation {
                name: b.bidder.org.name,
                uscc: b.bidder.org.uscc,
            },
        })
        .collect();
    let value = f
        .winner
        .price
        .and_then(money)
        .ok_or_else(|| internal(anyhow::anyhow!("the winner's price is not an amount")))?;
    let event = ocds::OcdsEvent {
        ocid_prefix: env.ocid_prefix.clone(),
        event_id: event_id.to_string(),
        kind: EventKind::AwardProgressed,
        at: now,
        state,
        tender,
    };
    let notice = ocds::OcdsDocument {
        id: announcement.to_string(),
        document_type: ocds::DocumentType::AwardNotice,
        title: format!("中标结果公告：{}", f.section_code),
        sha256: crate::audit::sha256_hex(announced.as_bytes()),
        url: Some(format!(
            "{}/api/v1/announcements?tender={}",
            env.base_url, trow.id
        )),
        format: Some("application/json".into()),
        date_published: now,
        date_modified: None,
    };
    let r = ocds::award_release(
        &event,
        &ocds::OcdsAward {
            section: f.section_code.clone(),
            award_round: award.row.award_round,
            title: format!("{} {} 中标结果", trow.title, f.section_code),
            description: reason(award, f),
            date: now,
            winner_bid: f.winner.bid.clone(),
            supplier: ocds::OcdsOrganisation {
                name: f.winner.org.name.clone(),
                uscc: f.winner.org.uscc.clone(),
            },
            value,
            bids,
            notice: Some(notice),
        },
    );
    trepo::insert_release(
        c,
        trepo::ReleaseRow {
            seq: 0,
            release_id: r["id"].as_str().unwrap_or_default().to_string(),
            tender_id: trow.id.clone(),
            release: canonical_json(&r),
            released_at: to_db(now),
        },
    )?;
    Ok(())
}
