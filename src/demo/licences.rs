//! 免证明 in the demo (docs/LICENCES.md): after the opening, each bidder's licences are fetched
//! by USCC from the licence registry (the in-process simulator), shown with provenance; an
//! outage falls back to the cached record with its age; a regulator reads BD01's review with
//! the verdict on each licence requirement. bidder-d is not listed by the registry: when the
//! committee's leader is elected its verdicts freeze as `unverified` — neither a pass nor an
//! automatic rejection (the committee still rejects its bid on another ground by motion). No
//! BD01 bid lapses: an automatic rejection would take a bid out of the story's later scenes.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::{identity, login, say, Story};
use crate::client::Client;
use crate::domain::licence::{deadline_day, Grade, RegistryRecord, StaffLevel};
use crate::pki::DevPki;
use crate::registry::simulator::{sample_record, Mode, Simulator};
use crate::wire::licences::Licences;

/// The demo tender's BD01 asks for 市政公用工程施工总承包一级, a safety permit and a 一级
/// 建造师 (src/demo/tenders.rs): a record that has them, valid until `until`.
fn record(uscc: &str, name: &str, until: chrono::NaiveDate) -> RegistryRecord {
    let mut r = sample_record(uscc, name, until);
    r.qualifications[0].speciality = "市政公用工程".into();
    r.qualifications[0].grade = Grade::First;
    r.registered_staff[0].speciality = "市政公用工程".into();
    r.registered_staff[0].level = StaffLevel::First;
    r
}

fn show(who: &str, l: &Licences) {
    let state = serde_json::to_value(l.state).unwrap_or_default();
    say(format!(
        "{who}: {} record, age {}s",
        state.as_str().unwrap_or("?"),
        l.age_seconds.unwrap_or(-1)
    ));
    if let Some(p) = &l.provenance {
        say(format!(
            "  from {} at {}, sha256 {}…, signed {}",
            p.source,
            p.fetched_at.format("%Y-%m-%d %H:%M:%S"),
            p.digest.as_deref().unwrap_or("-").get(..16).unwrap_or("-"),
            p.signature.is_some()
        ));
    }
    for q in l.record.iter().flat_map(|r| &r.qualifications) {
        say(format!(
            "  资质 {} {}{}{} valid until {}",
            q.number,
            q.speciality,
            q.class,
            q.grade.as_str(),
            q.valid_until
        ));
    }
    if let Some(a) = l.last_attempt.as_ref().filter(|_| l.stale) {
        say(format!(
            "  last attempt: {}",
            a.error.as_deref().unwrap_or("-")
        ));
    }
}

/// Call after the opening (`bids::story`); `registry` is the simulator the embedded server
/// was pointed at (none against an external server: the step says so and moves on).
pub(super) async fn story(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    registry: Option<&Simulator>,
) -> anyhow::Result<()> {
    story.step("免证明: bidders' licences fetched by USCC from the licence registry");
    let Some(sim) = registry else {
        say("no registry simulator beside this server: skipped");
        return Ok(());
    };
    let t: Value = Client::new(base)
        .get(&format!("/api/v1/tenders/{tender}"))
        .await?;
    let deadline: DateTime<Utc> =
        serde_json::from_value(t["published"]["schedule"]["bid_deadline"].clone())?;
    let day = deadline_day(deadline);
    let bidders = ["bidder-a", "bidder-c", "bidder-d"];
    for key in bidders {
        let id = identity(pki, key)?;
        let uscc = id.uscc.clone().unwrap_or_default();
        // bidder-c's 资质 runs out on the deadline's own day: it still counts.
        let until = match key {
            "bidder-c" => day,
            _ => day + Duration::days(500),
        };
        if key != "bidder-d" {
            sim.put(record(&uscc, &id.display_name, until));
        }
        let got = login(base, id).await?.refresh_my_licences().await?;
        show(key, &got);
    }

    story.step("the registry goes down: bidder-a sees its cached record, stale, with its age");
    sim.set_mode(Mode::Down);
    let a = login(base, identity(pki, "bidder-a")?).await?;
    show("bidder-a", &a.refresh_my_licences().await?);
    sim.set_mode(Mode::Normal);

    story.step("the qualification review reads them: a verdict per requirement at the deadline");
    let regulator = login(base, identity(pki, "regulator")?).await?;
    let review = regulator.section_licences(tender, "BD01").await?;
    for b in &review.bids {
        let overall = serde_json::to_value(b.overall).unwrap_or_default();
        say(format!(
            "bid {} ({}): {}",
            &b.bid[b.bid.len().saturating_sub(8)..],
            b.licences.uscc,
            overall.as_str().unwrap_or("?")
        ));
        for v in b.verdicts.iter().filter(|v| v.reason.is_some()) {
            say(format!(
                "  {}: {}",
                v.requirement,
                v.reason.as_deref().unwrap_or("")
            ));
        }
    }
    let s = regulator.registry_status().await?;
    say(format!(
        "registry link: {} fetches, {} failed, last error {}",
        s.fetches,
        s.failures,
        s.last_error.as_deref().unwrap_or("-")
    ));
    Ok(())
}

/// Call once BD01's leader is elected: the verdicts frozen into its evaluation then, which are
/// what counts (docs/LICENCES.md §9) — bidder-d's, with no record, `unverified`.
pub(super) async fn frozen(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
) -> anyhow::Result<()> {
    story.step("the review starts: BD01's licence verdicts are frozen into the evaluation");
    let regulator = login(base, identity(pki, "regulator")?).await?;
    let review = regulator.section_licences(tender, "BD01").await?;
    for f in review.bids.iter().filter_map(|b| b.frozen.as_ref()) {
        let standing = serde_json::to_value(f.standing).unwrap_or_default();
        let state = serde_json::to_value(f.state).unwrap_or_default();
        say(format!(
            "bid …{} ({}): {} (record {}, sha256 {}…)",
            &f.bid[f.bid.len().saturating_sub(8)..],
            f.bidder,
            standing.as_str().unwrap_or("?"),
            state.as_str().unwrap_or("?"),
            f.digest.as_deref().and_then(|d| d.get(..16)).unwrap_or("-")
        ));
    }
    Ok(())
}
