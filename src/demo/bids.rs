//! Demo chapter: sealed bidding and the opening ceremony (开标), as `docs/BIDDING.md` describes
//! them and as `tests/api/bids.rs` drives them. Three bidders seal on their own side and submit
//! with receipts in both sections, one replaces its BD01 bid, the deadline passes by the server
//! clock, two bidders release their keys (R1), the third is absent and two of three custodians
//! recover its bids (R2), the records are read out, one bidder confirms BD01's, one objects and
//! is answered, the ceremonies close.
//!
//! Time only moves through the sandbox clock API; the server's own scheduler (its deadline
//! watch) closes the tender and moves the ceremony on, so after each jump the demo polls the
//! public opening view a bounded number of times instead of sleeping until a deadline.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{creds, identity, login, say, short, Story};
use crate::client::bank::BondIssuer;
use crate::client::bids::{
    seal_bid_to_dir_with, BondKind, Opening, OpeningPhase, OpeningReaction, OpeningStatus, Receipt,
    SealedBidFiles,
};
use crate::client::Client;
use crate::domain::uscc::Uscc;
use crate::error::ErrorCode;
use crate::pki::{DevIdentity, DevPki};
use crate::seal::{BidContext, DeviceFingerprint, EnvelopeSecret, Preparation, Summary};
use crate::wire::bids::BankNotice;

/// The scheduler ticks every `tenders.deadline_check_interval_ms` (200 ms on the embedded
/// server, 1 s by default elsewhere): poll a few times per tick, for at most 10 s.
pub(super) const POLL_EVERY: Duration = Duration::from_millis(150);
pub(super) const MAX_POLLS: usize = 66;

/// A custodian and the envelope secret its own tool generated. The demo keeps the secret in
/// memory only: R2 needs it to decrypt the share the server wrapped to its public half.
pub(super) struct Custodian<'a> {
    pub id: &'a DevIdentity,
    pub person_id: String,
    envelope: EnvelopeSecret,
}

/// Every custodian registers an envelope key before the tender is published: every bid wraps
/// the custodian's share of its remedy key to it, and publication refuses
/// (`custodian_envelope_key_missing`) while any custodian has none.
pub(super) async fn register_custodian_keys<'a>(
    base: &str,
    people: &[(&'a DevIdentity, String)],
) -> anyhow::Result<Vec<Custodian<'a>>> {
    let mut out = Vec::new();
    for (id, person_id) in people
        .iter()
        .filter(|(i, _)| i.roles.iter().any(|r| r == "custodian"))
    {
        // Logged in afresh: the role was granted after this person's first login.
        let client = login(base, id).await?;
        let envelope = EnvelopeSecret::generate(&mut rand_core::OsRng);
        let rec = client
            .register_envelope_key(person_id, &envelope, &creds(id)?)
            .await
            .with_context(|| format!("{} registers its envelope key", id.key))?;
        say(format!(
            "{:<12} {} X25519 key {}… signed with its {} certificate",
            id.key,
            id.display_name,
            &hex::encode(rec.public_key.0)[..16],
            id.algorithm.as_str()
        ));
        out.push(Custodian {
            id,
            person_id: person_id.clone(),
            envelope,
        });
    }
    if out.len() < 2 {
        bail!("the demo PKI has fewer than two custodians");
    }
    Ok(out)
}

/// A bidding organisation: its certificate, its own envelope key (R1 unwraps its data keys
/// with it), and the bid it sealed last in each section.
struct Bidder<'a> {
    id: &'a DevIdentity,
    client: Client,
    envelope: EnvelopeSecret,
    sealed: Vec<(String, SealedBidFiles)>,
}

impl Bidder<'_> {
    fn name(&self) -> &str {
        &self.id.key
    }

    fn uscc(&self) -> anyhow::Result<&str> {
        self.id.uscc.as_deref().context("a bidder without a USCC")
    }

    /// Seal a bid for the section's next version into `dir` (a fresh directory per version:
    /// the sealed files of a submitted bid are what R1 later needs).
    async fn seal(
        &self,
        tender: &str,
        section: &str,
        summary: Summary,
        dir: &Path,
    ) -> anyhow::Result<SealedBidFiles> {
        let mine = self.client.my_bid(tender, section).await?;
        let ctx = BidContext {
            tender_id: tender.into(),
            section_id: section.into(),
            bidder_uscc: Uscc::parse(self.uscc()?).map_err(|e| anyhow::anyhow!("{e:?}"))?,
            bid_version: mine.next_version,
            remedy: mine.remedy.clone(),
        };
        let out = dir.join(format!("{}-{section}-v{}", self.id.key, mine.next_version));
        std::fs::create_dir_all(&out)?;
        let doc = out.join("技术标.pdf.src");
        std::fs::write(
            &doc,
            super::tenders::demo_pdf(&format!("{} 投标文件", self.id.display_name)),
        )?;
        let creds = creds(self.id)?;
        let envelope = EnvelopeSecret::from_bytes(&self.envelope.to_bytes());
        let preparation = preparation(&self.id.key);
        // Sealing streams files and signs: blocking work.
        let sealed = tokio::task::spawn_blocking(move || {
            seal_bid_to_dir_with(
                ctx,
                &summary,
                &[("技术标.pdf".to_string(), doc)],
                &out,
                &envelope,
                &creds,
                Some(preparation),
            )
        })
        .await??;
        Ok(sealed)
    }

    async fn submit(
        &mut self,
        tender: &str,
        section: &str,
        sealed: SealedBidFiles,
    ) -> anyhow::Result<Receipt> {
        let receipt = self
            .client
            .submit_sealed_bid(
                tender,
                section,
                &sealed.manifest,
                &sealed.part_paths,
                &creds(self.id)?,
            )
            .await
            .with_context(|| format!("{} submits", self.id.key))?;
        self.sealed.retain(|(s, _)| s != section);
        self.sealed.push((section.to_string(), sealed));
        Ok(receipt)
    }

    fn sealed_in(&self, section: &str) -> anyhow::Result<&SealedBidFiles> {
        self.sealed
            .iter()
            .find(|(s, _)| s == section)
            .map(|(_, b)| b)
            .with_context(|| format!("{} sealed no bid in {section}", self.id.key))
    }

    async fn relogin(&mut self, base: &str) -> anyhow::Result<()> {
        self.client = login(base, self.id).await?;
        Ok(())
    }
}

/// The pricing-software dongle (计价软件加密锁) bidder-c and bidder-d both price with: the
/// collusion signal (条例40(二)) the opening flags and the case scene (`super::cases`) cites.
pub(super) const SHARED_DONGLE: (&str, &str) = ("bidder-c", "bidder-d");

/// What the bidder's tool records of the machine a bid was prepared on. All demo bidders run
/// on this one host, whose real fingerprint would make every bid look prepared together, so
/// each bidder is given its own machine; bidder-c and bidder-d share one pricing dongle.
fn preparation(bidder: &str) -> Preparation {
    let c = |name: &str| DeviceFingerprint::component(name, &format!("{bidder}-{name}"));
    let dongle = if [SHARED_DONGLE.0, SHARED_DONGLE.1].contains(&bidder) {
        DeviceFingerprint::component("pricing_dongle", "GLD-2019-0088-3716")
    } else {
        c("pricing_dongle")
    };
    Preparation {
        device: Some(DeviceFingerprint {
            mac: c("mac"),
            cpu: c("cpu"),
            disk: c("disk"),
            board: c("board"),
            pricing_dongle: dongle,
        }),
        documents: Vec::new(),
    }
}

/// Move the sandbox clock forward to `target` (never back: it only moves forward) as an
/// administrator logged in for the purpose — its earlier token may have expired in a jump.
pub async fn advance_to(base: &str, pki: &DevPki, target: DateTime<Utc>) -> anyhow::Result<()> {
    let admin = login(base, identity(pki, "admin")?).await?;
    let clock: Value = admin.get("/api/v1/sandbox/clock").await?;
    let now: DateTime<Utc> = serde_json::from_value(clock["now"].clone())?;
    // Round up: landing a fraction of a second early would leave the deadline not yet due.
    let ms = (target - now).num_milliseconds();
    let secs = if ms > 0 { (ms + 999) / 1000 } else { 0 };
    let clock: Value = admin
        .post("/api/v1/sandbox/clock", &json!({"advance_seconds": secs}))
        .await?;
    say(format!("sandbox clock moved forward to {}", clock["now"]));
    Ok(())
}

/// Whether `e` says the ceremony has not started yet. docs/BIDDING.md promises 404 before the
/// start; the server answers 409 `opening_phase`, so take either.
fn not_started(e: &crate::client::ClientError) -> bool {
    matches!(
        e.code(),
        Some(ErrorCode::NotFound) | Some(ErrorCode::OpeningPhase)
    )
}

/// Poll the public opening view until `done`.
pub async fn wait_for(
    public: &Client,
    tender: &str,
    section: &str,
    what: &str,
    done: impl Fn(&Opening) -> bool,
) -> anyhow::Result<Opening> {
    for _ in 0..MAX_POLLS {
        match public.opening(tender, section).await {
            Ok(o) if done(&o) => return Ok(o),
            Ok(_) => {}
            Err(e) if not_started(&e) => {}
            Err(e) => return Err(e.into()),
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    bail!("the server's scheduler did not get {section} to {what} in time")
}

/// One line per receipt: what the bidder keeps as proof of a timely submission. The inclusion
/// proof is checked offline against the log's published key.
fn receipt_line(who: &str, r: &Receipt, log_key: &crate::audit::note::NoteVerifier) -> String {
    use crate::audit::{merkle, proof_text::TlogProof};
    let proof = match r.audit.tlog_proof.as_deref() {
        None => "audit proof not yet available (the receipt endpoint fills it in later)".into(),
        Some(text) => match TlogProof::parse(text) {
            Ok(p) => match p
                .extra
                .as_deref()
                .map(|leaf| p.verify(&merkle::leaf_hash(leaf), log_key))
            {
                Some(Ok(cp)) => format!(
                    "audit proof present: entry {} verifies offline against checkpoint size {}",
                    p.index, cp.size
                ),
                Some(Err(e)) => format!("audit proof present but does not verify: {e}"),
                None => format!("audit proof present (entry {})", p.index),
            },
            Err(e) => format!("audit proof present but unreadable: {e}"),
        },
    };
    format!(
        "{who:<9} receipt: bid …{} version {} received {}; {proof}",
        short(&r.bid_id),
        r.bid_version,
        r.received_at.format("%Y-%m-%d %H:%M:%S%.3f UTC"),
    )
}

/// The wire name of an opening state (`record_published`, …).
fn state_name(s: OpeningPhase) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn summary(price: &str, days: u32, manager: &str, bond: &str) -> anyhow::Result<Summary> {
    Ok(Summary {
        price: price
            .parse()
            .map_err(|e| anyhow::anyhow!("price {price}: {e:?}"))?,
        duration_days: days,
        quality: "合格".into(),
        project_manager: manager.into(),
        bid_bond_reference: bond.into(),
    })
}

/// A bidder's offer: price, duration in days, project manager.
type Offer = (&'static str, u32, &'static str);

/// Each bidder's offer in each section.
const OFFERS: [(&str, [Offer; 3]); 2] = [
    (
        "BD01",
        [
            ("46980000.00", 540, "陈立新"),
            ("47123456.78", 560, "黄志刚"),
            ("45888000.00", 600, "刘晓东"),
        ],
    ),
    (
        "BD02",
        [
            ("15736000.00", 300, "王建华"),
            ("15912300.00", 320, "李明远"),
            ("15588000.00", 310, "赵长青"),
        ],
    ),
];

/// The published sections: code and bid bond.
fn published_sections(t: &Value) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let sections = t["published"]["sections"]
        .as_array()
        .context("published sections")?;
    let out: Vec<(String, Option<String>)> = sections
        .iter()
        .map(|s| {
            (
                s["code"].as_str().unwrap_or_default().to_string(),
                s["bid_bond"].as_str().map(str::to_string),
            )
        })
        .collect();
    if out.is_empty() {
        bail!("a tender without sections");
    }
    Ok(out)
}

fn offers_of(section: &str) -> anyhow::Result<[Offer; 3]> {
    OFFERS
        .iter()
        .find(|(s, _)| *s == section)
        .map(|(_, o)| *o)
        .with_context(|| format!("the demo has no offers for {section}"))
}

fn bond_ref(section: &str, b: &Bidder<'_>) -> String {
    format!(
        "BG-2026-{section}-{}",
        b.name().trim_start_matches("bidder-")
    )
}

pub(super) async fn story(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    custodians: &[Custodian<'_>],
    bank: &BondIssuer,
) -> anyhow::Result<()> {
    let public = Client::new(base);
    let t: Value = public.get(&format!("/api/v1/tenders/{tender}")).await?;
    let sections = published_sections(&t)?;
    let codes: Vec<String> = sections.iter().map(|(c, _)| c.clone()).collect();
    let section = codes[0].clone();
    let key: Value = public.get("/api/v1/audit/public-key").await?;
    let log_key =
        crate::audit::note::NoteVerifier::parse(key["verifier_key"].as_str().unwrap_or_default())
            .context("published verifier key")?;
    let work = super::WorkDir(super::tempdir()?);

    // P-256, SM2 and Ed25519 certificates: the envelope format is the same for all three.
    let mut bidders = Vec::new();
    for key in ["bidder-a", "bidder-c", "bidder-d"] {
        let id = identity(pki, key)?;
        bidders.push(Bidder {
            id,
            client: login(base, id).await?,
            envelope: EnvelopeSecret::generate(&mut rand_core::OsRng),
            sealed: Vec::new(),
        });
    }

    if sections.iter().any(|(_, bond)| bond.is_some()) {
        story.step(&format!(
            "each bidder pays its bid bond (投标保证金) for sections {} into its own virtual \
             sub-account, or has a guarantee issued for it; the bank's signed notices record the \
             bonds, and nobody at the platform learns whose bond arrived for which tender",
            codes.join(" and ")
        ));
    }
    for (code, bond_amount) in &sections {
        let Some(amount) = bond_amount else { continue };
        // Without a bond covering the section's `bid_bond` the upload is refused.
        let kinds = [BondKind::BankGuarantee, BondKind::Cash, BondKind::Insurance];
        for (b, kind) in bidders.iter().zip(kinds) {
            let account = b.client.my_bond_account(tender, code).await?;
            let ack = bank
                .notify(&BankNotice {
                    account: account.account.clone(),
                    amount: amount.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?,
                    kind,
                    reference: bond_ref(code, b),
                    arrived_at: Utc::now(),
                    payer_account: None,
                })
                .await?;
            let mine = b.client.my_bonds(tender, code).await?;
            let bond = mine
                .iter()
                .find(|x| x.reference == ack.reference)
                .context("the bidder sees its bond")?;
            say(format!(
                "{:<9} {code} account {} at {}: {} ¥{} ({}) reported by {}",
                b.name(),
                account.account,
                account.bank,
                bond.reference,
                bond.amount,
                bond.kind,
                bond.issuer
            ));
        }
    }
    if let Some((code, Some(_))) = sections.first() {
        // The manual path is gone: an administrator has no way to record a bond.
        let admin = login(base, identity(pki, "admin")?).await?;
        let (status, _) = admin
            .raw(
                reqwest::Method::POST,
                &format!("/api/v1/tenders/{tender}/sections/{code}/bid-bonds"),
                Some(&json!({})),
            )
            .await?;
        if status.is_success() {
            bail!("an administrator recorded a bond by hand");
        }
        say(format!(
            "an administrator trying to record a bond by hand: {status}"
        ));
    }

    story.step(&format!(
        "three bidders seal their bids for {} on their own machines and submit them; each gets a \
         receipt",
        codes.join(" and ")
    ));
    let mut first_bid = String::new();
    for code in &codes {
        for (b, (price, days, manager)) in bidders.iter_mut().zip(offers_of(code)?) {
            let bond = bond_ref(code, b);
            let sealed = b
                .seal(tender, code, summary(price, days, manager, &bond)?, &work.0)
                .await?;
            say(format!(
                "{:<9} sealed its {code} bid, version {} ({} parts, {} certificate); the price \
                 stays on its side",
                b.name(),
                sealed.manifest.bid_version,
                sealed.manifest.parts.len(),
                b.id.algorithm.as_str()
            ));
            let r = b.submit(tender, code, sealed).await?;
            say(receipt_line(b.name(), &r, &log_key));
            if first_bid.is_empty() {
                first_bid = r.bid_id.clone();
            }
        }
    }

    story.step(&format!(
        "three days later bidder-a replaces its {section} bid: version 2 supersedes version 1"
    ));
    let now: Value = public.get("/api/v1/time").await?;
    let now: DateTime<Utc> = serde_json::from_value(now["now"].clone())?;
    advance_to(base, pki, now + chrono::Duration::days(3)).await?;
    let a = &mut bidders[0];
    a.relogin(base).await?;
    let bond = bond_ref(&section, a);
    let sealed = a
        .seal(
            tender,
            &section,
            summary("46515800.50", 540, "陈立新", &bond)?,
            &work.0,
        )
        .await?;
    let r = a.submit(tender, &section, sealed).await?;
    say(receipt_line(a.name(), &r, &log_key));
    match r.supersedes.as_deref() {
        Some(old) if old == first_bid => say(format!(
            "supersedes bid …{}: version 1 can never be opened",
            short(old)
        )),
        other => bail!("the replacement supersedes {other:?}, not version 1"),
    }

    story.step("before the deadline nobody else can tell who bid, let alone at what price");
    match public.opening(tender, &section).await {
        Err(e) if not_started(&e) => say(format!(
            "the public opening view: refused ({}), no ceremony yet",
            e.code().map_or("?", |c| c.as_str())
        )),
        other => bail!(
            "an opening view before the deadline: {:?}",
            other.map(|o| o.state)
        ),
    }
    let early = login(base, custodians[0].id).await?;
    match early.my_shares(tender, &section).await {
        Err(e) => say(format!(
            "{} asks for its share early: refused ({})",
            custodians[0].id.key,
            e.code().map_or("?", |c| c.as_str())
        )),
        Ok(_) => bail!("a custodian got its share before the opening"),
    }

    story.step(
        "the deadline passes by the server clock: the tender closes and the opening (开标) of \
         every section starts",
    );
    let deadline: DateTime<Utc> =
        serde_json::from_value(t["published"]["schedule"]["bid_deadline"].clone())?;
    advance_to(base, pki, deadline).await?;
    for b in bidders.iter_mut() {
        b.relogin(base).await?;
    }
    let mut decryption_until = None;
    for code in &codes {
        let opening = wait_for(&public, tender, code, "decrypting", |o| {
            o.state == OpeningPhase::Decrypting
        })
        .await?;
        say(format!(
            "{code}: {} bids, all still sealed; bidders have until {} to release their keys",
            opening.bids.len(),
            opening.decryption_until.to_rfc3339()
        ));
        for b in &opening.bids {
            say(format!(
                "  {} ({}) version {} — {}",
                b.bidder_name, b.bidder_uscc, b.version, b.status
            ));
        }
        decryption_until = decryption_until.max(Some(opening.decryption_until));
    }

    story.step("R1: bidder-a and bidder-c release their data keys; bidder-d does not show up");
    for code in &codes {
        for b in bidders.iter().take(2) {
            let sealed = b.sealed_in(code)?;
            let outcome = b
                .client
                .release_deks(tender, code, &sealed.manifest, &b.envelope, &creds(b.id)?)
                .await?;
            say(format!(
                "{:<9} released the keys of its {code} bid, version {}: bid …{} {}",
                b.name(),
                sealed.manifest.bid_version,
                short(&outcome.bid_id),
                outcome.status
            ));
        }
    }

    story.step("the decryption window ends; two of the three custodians release their shares (R2)");
    let until = decryption_until.context("no section is decrypting")?;
    advance_to(base, pki, until).await?;
    // Half an hour later the bidders' 15-minute tokens have expired: they log in again.
    for b in bidders.iter_mut() {
        b.relogin(base).await?;
    }
    for code in &codes {
        let opening = wait_for(&public, tender, code, "recovering", |o| {
            o.state == OpeningPhase::Recovering
        })
        .await?;
        say(format!(
            "{code}: {} bid still sealed; {} of {} shares needed",
            opening
                .bids
                .iter()
                .filter(|b| b.status == OpeningStatus::Sealed)
                .count(),
            opening.threshold,
            custodians.len()
        ));
    }
    // Any two of three: the first and the last custodian.
    for c in [&custodians[0], &custodians[custodians.len() - 1]] {
        let client = login(base, c.id).await?;
        for code in &codes {
            let s = client
                .release_share(tender, code, &c.envelope, &creds(c.id)?)
                .await
                .with_context(|| format!("{} releases its {code} share", c.id.key))?;
            for b in &s.bids {
                say(format!(
                    "{} ({}) released its share of {code} bid {}: {}/{} valid{}",
                    c.id.key,
                    c.id.display_name,
                    b.bid_id,
                    b.valid_shares,
                    s.threshold,
                    if b.status == OpeningStatus::Opened {
                        " — the bid's remedy key recovered, the absent bidder's bid opened, the \
                         key and the shares forgotten"
                    } else {
                        ""
                    }
                ));
            }
        }
    }

    story.step("the opening records (开标记录) are published and read out");
    let mut openings = Vec::new();
    for code in &codes {
        let opening = wait_for(&public, tender, code, "its record", |o| {
            o.state == OpeningPhase::RecordPublished
        })
        .await?;
        let record = opening
            .record
            .clone()
            .context("a published opening without a record")?;
        for e in record["bids"].as_array().into_iter().flatten() {
            let via = opening
                .bids
                .iter()
                .find(|b| Some(b.bid_id.as_str()) == e["bid"].as_str())
                .and_then(|b| b.attempts.last())
                .map_or("?".to_string(), |a| a.path.as_str().to_uppercase());
            let s = &e["summary"]["summary"];
            let s = if s.is_object() { s } else { &e["summary"] };
            say(format!(
                "{code} {} v{} {} via {via}: 报价 ¥{} 工期 {} 天 质量 {} 项目经理 {} 保证金 {}",
                e["bidder_name"].as_str().unwrap_or("?"),
                e["version"],
                e["status"].as_str().unwrap_or("?"),
                s["price"].as_str().unwrap_or("-"),
                s["duration_days"],
                s["quality"].as_str().unwrap_or("-"),
                s["project_manager"].as_str().unwrap_or("-"),
                s["bid_bond_reference"].as_str().unwrap_or("-"),
            ));
        }
        openings.push(opening);
    }
    let opening = openings[0].clone();

    story.step(
        "opened bids are readable to regulators (and the committee) only, decrypted as they stream",
    );
    let regulator = login(base, identity(pki, "regulator")?).await?;
    let opened = opening
        .bids
        .iter()
        .find(|b| b.status == OpeningStatus::Opened)
        .context("no opened bid")?;
    let mut document = Vec::new();
    let n = regulator
        .save_opened_part(tender, &section, &opened.bid_id, 1, &mut document)
        .await?;
    say(format!(
        "the regulator reads {}'s document 1: {n} bytes, SHA-256 {}…; the read is audited \
         (bid_part_read)",
        opened.bidder_name,
        &hex::encode(ring::digest::digest(&ring::digest::SHA256, &document))[..16],
    ));
    let tenderer = login(base, identity(pki, "tenderer")?).await?;
    let refused = tenderer
        .save_opened_part(tender, &section, &opened.bid_id, 1, &mut Vec::new())
        .await
        .err()
        .and_then(|e| e.code())
        .map(|c| c.as_str().to_string())
        .unwrap_or_else(|| "allowed!".into());
    say(format!(
        "the tenderer asks for the same document: {refused}"
    ));
    if refused != "forbidden" {
        bail!("the tenderer read an opened bid before the report");
    }

    story.step("bidders confirm the record or object; the agent answers on the spot");
    bidders[0]
        .client
        .respond_to_opening(tender, &section, &OpeningReaction::Confirm)
        .await?;
    say("bidder-a confirms the record");
    let objection = bidders[2]
        .client
        .respond_to_opening(
            tender,
            &section,
            &OpeningReaction::Objection {
                text: "我方未在解密时限内解密，请说明我方投标文件如何开启".into(),
            },
        )
        .await?;
    say(format!(
        "bidder-d objects: {}",
        objection["text"].as_str().unwrap_or("")
    ));
    let agent = login(base, identity(pki, "agent")?).await?;
    let answered = agent
        .answer_opening_response(
            tender,
            &section,
            objection["id"].as_str().context("objection id")?,
            "投标人未解密的，由两名密钥托管人按门限提交份额恢复开标密钥后开启，开标记录如实记载。",
        )
        .await?;
    say(format!(
        "the agent answers: {}",
        answered["answer"].as_str().unwrap_or("")
    ));

    story
        .step("the objection period ends: the ceremonies close and the tender moves to evaluation");
    let until = openings
        .iter()
        .filter_map(|o| o.objections_until)
        .max()
        .context("a published record without an objection period")?;
    advance_to(base, pki, until).await?;
    for code in &codes {
        let opening = wait_for(&public, tender, code, "closed", |o| {
            o.state == OpeningPhase::Closed
        })
        .await?;
        say(format!(
            "{code}: {}, {} responses on record",
            state_name(opening.state),
            opening.responses.len(),
        ));
    }
    let t: Value = public.get(&format!("/api/v1/tenders/{tender}")).await?;
    say(format!("tender state {}", t["state"]));
    Ok(())
}
