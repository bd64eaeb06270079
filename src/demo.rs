//! `etender demo`: the platform's story so far, step by step, through the same client bidders
//! use. Runs against a server URL or an embedded server on a temporary SQLite database.
//! Re-running it against the same server is fine: existing registrations are reused.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::bank::BondIssuer;
use crate::client::{Client, ClientError, Credentials};
use crate::clock::{SandboxClock, SystemClock};
use crate::config::Settings;
use crate::domain::identity::{PrincipalKind, Role};
use crate::error::ErrorCode;
use crate::pki::{init_dev_pki, DevIdentity, DevPki};
use crate::startup::Application;
use crate::wire::identity::{Organisation, Person};
use crate::wire::Page;

mod archive;
mod award;
pub mod bids;
mod cases;
mod contracts;
mod draws;
mod evaluation;
mod inspections;
mod licences;
mod supervision;
pub mod tenders;
mod validity;
mod verdict;
mod witness;

struct Story {
    step: usize,
}

impl Story {
    fn step(&mut self, title: &str) {
        self.step += 1;
        println!("\n== Step {}: {title}", self.step);
    }
}

/// For benches that need an evaluating committee: the demo's draw of BD01's evaluation experts
/// for `tender` (experts admitted, drawn with the regulator's contribution, checked in at the
/// evaluation time on the sandbox clock), then the committee formed and its leader elected.
/// Each member's logged-in client.
pub async fn seat_committee(base: &str, pki: &DevPki, tender: &str) -> anyhow::Result<Vec<Client>> {
    let members = seat_committee_keyed(base, pki, tender).await?;
    Ok(members.into_iter().map(|(_, c)| c).collect())
}

/// [`seat_committee`], each member's client beside its demo identity key: for benches that sign
/// as the members (sheets, the 评标报告).
pub async fn seat_committee_keyed(
    base: &str,
    pki: &DevPki,
    tender: &str,
) -> anyhow::Result<Vec<(String, Client)>> {
    let mut story = Story { step: 0 };
    let library = draws::story(&mut story, base, pki, tender).await?;
    let (_, members) =
        evaluation::form_and_elect(&mut story, base, pki, tender, "BD01", &library).await?;
    Ok(members)
}

fn say(line: impl AsRef<str>) {
    println!("   {}", line.as_ref());
}

/// Where the demo writes what it produced.
#[derive(Clone, Debug, Default)]
pub struct Outputs {
    /// The demo tender's OCDS release package.
    pub ocds: Option<std::path::PathBuf>,
    /// The demo tender's archive (a tar); without it the archive is verified and removed.
    pub archive: Option<std::path::PathBuf>,
}

pub async fn run(
    url: Option<String>,
    pki_dir: &Path,
    trust_dir: &Path,
    mut settings: Settings,
    out: Outputs,
    bank_key: &Path,
) -> anyhow::Result<()> {
    match url {
        Some(url) => {
            let pki = init_dev_pki(pki_dir, trust_dir).context("demo PKI")?;
            // The demo plays the server's bank: it needs the key the server checks notices with.
            let bank = BondIssuer::from_key_file(&url, bank_key).with_context(|| {
                format!(
                    "the server's bank notice key (--bank-key {}; `serve --dev` makes it)",
                    bank_key.display()
                )
            })?;
            let sims = Sims {
                registry: None,
                treasury: None,
            };
            play(&url, &pki, &bank, &out, sims).await
        }
        None => {
            let tmp = tempdir()?;
            let trust = tmp.join("trust");
            let pki = init_dev_pki(pki_dir, &trust).context("demo PKI")?;
            settings.http.listen = "127.0.0.1:0".parse()?;
            settings.http.workers = 2;
            settings.database.url = format!("sqlite://{}", tmp.join("demo.db").display()).into();
            settings.identity.trust_dir = trust;
            settings.audit.signing_key_file = tmp.join("audit-signing-key.pem");
            settings.keys.kek_file = tmp.join("kek");
            // The demo's bank, played by the demo itself.
            settings.bonds.notice_key_file = tmp.join("bank-notice.key");
            crate::app::bids::generate_notice_key(&settings.bonds.notice_key_file)?;
            settings.bonds.issuers.clear();
            // The case scene counts working days in the sandbox's next weeks.
            if let Some(file) = stand_in_calendar(&tmp)? {
                settings.calendar.files.push(file);
            }
            // The licence registry, played by its simulator in this process (免证明).
            let registry = crate::registry::simulator::Simulator::start("demo-registry-token")
                .await
                .context("the licence registry simulator")?;
            settings.registry = registry.settings(3000, 1);
            // The treasury's payment system, played by its simulator in this process (国库支付).
            let treasury = crate::treasury::simulator::Simulator::start("demo-treasury-token")
                .await
                .context("the treasury simulator")?;
            settings.treasury = treasury.settings(3000, 1);
            settings.sandbox.enabled = true;
            // The scheduler that closes tenders and runs openings ticks on this interval; the
            // demo moves the sandbox clock and then waits for that tick, so keep it short.
            settings.tenders.deadline_check_interval_ms = 200;
            settings.identity.bootstrap_administrators = admins(&pki);
            // The story logs ~100 principals in from this one address within a minute, more
            // than the login-challenge rate limit lets one client address ask for.
            settings.limits.challenge_burst = settings.limits.challenge_burst.max(10_000);
            let settings_bank_key = settings.bonds.notice_key_file.clone();
            let clock = Arc::new(SandboxClock::new(Arc::new(SystemClock), 1));
            let app = Application::build_with_clock(settings, clock).await?;
            let url = format!("http://127.0.0.1:{}", app.port());
            let bank = BondIssuer::from_key_file(&url, &settings_bank_key)?;
            println!(
                "embedded etender on {url} (temporary SQLite database in {})",
                tmp.display()
            );
            let handle = app.handle();
            let server = tokio::spawn(app.run_until_stopped());
            let sims = Sims {
                registry: Some(&registry),
                treasury: Some(&treasury),
            };
            let result = play(&url, &pki, &bank, &out, sims).await;
            registry.stop().await;
            treasury.stop().await;
            handle.stop(true).await;
            let _ = server.await;
            let _ = std::fs::remove_dir_all(&tmp);
            result
        }
    }
}

/// The embedded server's stand-in for a State Council holiday notice the binary does not ship
/// yet (this year's or next: the story runs weeks ahead on the sandbox clock): 元旦 only, the
/// one holiday fixed in advance, named as the demo's in the calendar. A real server is never
/// given one: there a missing year is `calendar_not_covered` and the case scene is skipped.
fn stand_in_calendar(dir: &Path) -> anyhow::Result<Option<std::path::PathBuf>> {
    use chrono::Datelike;
    let shipped = crate::domain::calendar::WorkCalendar::shipped();
    let this = chrono::Utc::now().year();
    let years: Vec<Value> = [this, this + 1]
        .into_iter()
        .filter(|y| !shipped.covers(*y))
        .map(|y| {
            json!({"year": y,
                "notice": format!(
                    "etender demo stand-in: the {y} notice is not loaded; 元旦 only, not for \
                     production"
                ),
                "holidays": [{"name": "元旦", "from": format!("{y}-01-01"),
                    "to": format!("{y}-01-01")}],
                "working_weekends": []})
        })
        .collect();
    if years.is_empty() {
        return Ok(None);
    }
    let file = dir.join("demo-calendar.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&json!({"years": years}))?)?;
    Ok(Some(file))
}

/// A chapter's working directory (from [`tempdir`]), removed when the chapter ends, however it
/// ends.
struct WorkDir(std::path::PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("etender-demo-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn admins(pki: &DevPki) -> Vec<String> {
    pki.identities
        .iter()
        .filter(|i| i.roles.iter().any(|r| r == "administrator"))
        .filter_map(|i| i.person_id.clone())
        .collect()
}

pub fn creds(id: &DevIdentity) -> anyhow::Result<Credentials> {
    Credentials::from_files(&id.cert_path, &id.key_path)
        .with_context(|| format!("credentials of {}", id.key))
}

fn identity<'a>(pki: &'a DevPki, key: &str) -> anyhow::Result<&'a DevIdentity> {
    pki.identities
        .iter()
        .find(|i| i.key == key)
        .with_context(|| format!("demo PKI has no identity {key}"))
}

fn kind_of(id: &DevIdentity) -> PrincipalKind {
    if id.kind == "organisation" {
        PrincipalKind::Organisation
    } else {
        PrincipalKind::Person
    }
}

/// Log in an identity that is already registered, without a word: the sandbox clock jumps
/// past the 15-minute token lifetime, so each chapter logs its parties in afresh.
async fn login(base: &str, id: &DevIdentity) -> anyhow::Result<Client> {
    let mut client = Client::new(base);
    client.login(kind_of(id), &creds(id)?).await?;
    Ok(client)
}

/// Log in, registering first if needed.
pub async fn enrol(base: &str, id: &DevIdentity) -> anyhow::Result<Client> {
    let c = creds(id)?;
    let mut client = Client::new(base);
    let kind = kind_of(id);
    let registered = match kind {
        PrincipalKind::Organisation => {
            let roles: Vec<Role> = id.roles.iter().filter_map(|r| Role::parse(r)).collect();
            client
                .register_organisation(&c, &roles, &id.email)
                .await
                .map(|o| o.id)
        }
        PrincipalKind::Person => client.register_person(&c, &id.email).await.map(|p| p.id),
    };
    match registered {
        Ok(pid) => say(format!(
            "registered {:<14} {} ({}) id {}",
            id.key,
            id.display_name,
            c.algorithm.as_str(),
            short(&pid)
        )),
        Err(e) if e.code() == Some(ErrorCode::AlreadyRegistered) => {
            say(format!("{:<14} already registered, reusing", id.key))
        }
        Err(e) => return Err(e.into()),
    }
    client.login(kind, &c).await?;
    Ok(client)
}

/// Register an organisation (it requests the roles its certificate profile names), have the
/// trading centre's administrator grant them after review, and log it in.
pub async fn enrol_org(base: &str, id: &DevIdentity, admin: &Client) -> anyhow::Result<Client> {
    let client = enrol(base, id).await?;
    let me: Organisation = {
        let me: Value = client.get("/api/v1/me").await?;
        admin
            .get(&format!(
                "/api/v1/organisations/{}",
                me["id"].as_str().unwrap_or_default()
            ))
            .await?
    };
    if !me.requested_roles.is_empty() {
        let o = admin
            .grant_organisation_roles(&me.id, &me.requested_roles)
            .await?;
        say(format!(
            "the trading centre granted {} the roles {}",
            o.name,
            role_list(&o.roles)
        ));
    }
    Ok(client)
}

fn role_list(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn short(id: &str) -> &str {
    &id[id.len().saturating_sub(8)..]
}

/// The external systems the embedded demo plays in-process (none against a `--url` server).
struct Sims<'a> {
    registry: Option<&'a crate::registry::simulator::Simulator>,
    treasury: Option<&'a crate::treasury::simulator::Simulator>,
}

async fn play(
    base: &str,
    pki: &DevPki,
    bank: &BondIssuer,
    out: &Outputs,
    sims: Sims<'_>,
) -> anyhow::Result<()> {
    let mut story = Story { step: 0 };
    let public = Client::new(base);

    story.step("the server clock decides every deadline");
    let t: Value = public.get("/api/v1/time").await?;
    say(format!(
        "server time {} UTC = {} ({})",
        t["now"], t["local"], t["timezone"]
    ));

    story.step("the trading centre's bootstrap administrator registers");
    let admin = enrol(base, identity(pki, "admin")?).await?;

    story.step(
        "organisations register with their e-business-licence certificates and request roles; \
         the trading centre grants them after review",
    );
    let tenderer = enrol_org(base, identity(pki, "tenderer")?, &admin).await?;
    let agent = enrol_org(base, identity(pki, "agent")?, &admin).await?;
    let mut bidders = Vec::new();
    for key in ["bidder-a", "bidder-b", "bidder-c", "bidder-d"] {
        bidders.push(enrol_org(base, identity(pki, key)?, &admin).await?);
    }

    story.step("a revoked certificate is refused, and nothing is created");
    let revoked = identity(pki, "revoked-bidder")?;
    match public
        .register_organisation(&creds(revoked)?, &[Role::Bidder], &revoked.email)
        .await
    {
        Err(e) => say(format!("refused: {e}")),
        Ok(_) => anyhow::bail!("a revoked certificate was accepted"),
    }

    story.step("people register with personal certificates; the administrator grants roles");
    let mut people = Vec::new();
    for id in pki
        .identities
        .iter()
        .filter(|i| i.kind == "person" && i.key != "admin" && !i.roles.is_empty())
    {
        let client = enrol(base, id).await?;
        let me: Value = client.get("/api/v1/me").await?;
        let pid = me["id"].as_str().unwrap_or_default().to_string();
        for role in &id.roles {
            if let Some(r) = Role::parse(role).filter(|r| r.is_grantable_to_person()) {
                let p: Person = admin
                    .call(
                        Method::PUT,
                        &format!("/api/v1/people/{pid}/roles/{}", r.as_str()),
                        None,
                    )
                    .await?;
                say(format!(
                    "granted {r} to {} (roles now {})",
                    p.name,
                    role_list(&p.roles)
                ));
            }
        }
        people.push((id, pid));
    }

    story.step("the agent invites its staff; once they accept they act for the agent");
    let agent_me: Value = agent.get("/api/v1/me").await?;
    let agent_id = agent_me["id"].as_str().unwrap_or_default().to_string();
    for (id, pid) in people
        .iter()
        .filter(|(i, _)| i.roles.iter().any(|r| r == "agent_staff"))
    {
        let _: Person = agent
            .post(
                &format!("/api/v1/organisations/{agent_id}/staff"),
                &json!({"person_id": pid}),
            )
            .await?;
        let p = login(base, id).await?.accept_staff(&agent_id, pid).await?;
        say(format!(
            "{} ({}) is staff of the agent; roles {}",
            p.name,
            id.key,
            role_list(&p.roles)
        ));
    }

    story.step("every party logs in by challenge–response and sees only what its role allows");
    for (label, c) in [
        ("tenderer", &tenderer),
        ("agent", &agent),
        ("bidder-a", &bidders[0]),
        ("admin", &admin),
    ] {
        let me: Value = c.get("/api/v1/me").await?;
        say(format!(
            "{label:<10} {} roles {}",
            me["name"].as_str().unwrap_or("?"),
            me["roles"]
        ));
    }
    match bidders[0]
        .get::<Page<Organisation>>("/api/v1/organisations")
        .await
    {
        Err(ClientError::Api { problem, .. }) => say(format!(
            "bidder-a listing all organisations: refused ({})",
            problem.code
        )),
        other => anyhow::bail!(
            "a bidder could list the registry: {:?}",
            other.map(|p| p.items.len())
        ),
    }
    let regulator_id = people
        .iter()
        .find(|(i, _)| i.roles.iter().any(|r| r == "regulator"))
        .map(|(i, _)| *i)
        .context("no regulator in the demo PKI")?;
    let regulator = enrol(base, regulator_id).await?;
    let orgs: Page<Organisation> = regulator.get("/api/v1/organisations?limit=50").await?;
    say(format!(
        "the regulator sees {} registered organisations",
        orgs.items.len()
    ));

    story
        .step("custodians generate envelope keys in their own tool and register the public halves");
    let custodians = bids::register_custodian_keys(base, &people).await?;
    let custodian_ids: Vec<String> = custodians.iter().map(|c| c.person_id.clone()).collect();
    let tender = tenders::story(&mut story, base, pki, &admin, &custodian_ids).await?;
    bids::story(&mut story, base, pki, &tender, &custodians, bank).await?;
    licences::story(&mut story, base, pki, &tender, sims.registry).await?;
    evaluation::draw_k(&mut story, base, pki, &tender).await?;
    let library = draws::story(&mut story, base, pki, &tender).await?;
    evaluation::story(&mut story, base, pki, &tender, &library).await?;
    draws::section(&mut story, base, pki, &tender, "BD02", &library).await?;
    evaluation::section(&mut story, base, pki, &tender, "BD02", &library).await?;
    award::story(&mut story, base, pki, &tender).await?;
    tenders::awarded(&mut story, base, &tender).await?;
    contracts::story(&mut story, base, pki, &tender).await?;
    contracts::payments(&mut story, base, pki, &tender, sims.treasury).await?;
    tenders::contract_releases(&mut story, base, &tender, out).await?;
    archive::story(&mut story, base, pki, &tender, out.archive.as_deref()).await?;
    cases::story(&mut story, base, pki, &tender, &custodian_ids).await?;
    inspections::story(&mut story, base, pki, &tender).await?;
    contracts::completion(&mut story, base, pki, &tender).await?;
    story.step("the regulator exports the audit trail and verifies it offline");
    // The sandbox clock moved weeks ahead in the tender story: log in again.
    let regulator = enrol(base, regulator_id).await?;
    verify_trail(&regulator).await?;
    story
        .step("the regulator's own witness cosigns the log; the verifier requires its cosignature");
    witness::story(base, regulator_id).await?;

    println!("\nDemo complete.");
    Ok(())
}

/// Export the whole log as the regulator, wait until the sequencer has integrated every event,
/// verify the bundle with the library verifier, and check a receipt offline.
async fn verify_trail(regulator: &Client) -> anyhow::Result<()> {
    use crate::audit::{leaf::LeafEntry, merkle, note::NoteVerifier, proof_text::TlogProof};
    let key: Value = regulator.get("/api/v1/audit/public-key").await?;
    let vkey = key["verifier_key"].as_str().unwrap_or_default().to_string();
    say(format!("log public key {vkey}"));
    let verifier = NoteVerifier::parse(&vkey).context("published verifier key")?;
    let mut bundle = regulator.audit_export(None, None, None).await?;
    // The sequencer integrates in the background (every audit.sequencer_interval_ms).
    for _ in 0..100 {
        if bundle.pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        bundle = regulator.audit_export(None, None, None).await?;
    }
    if bundle.pending != 0 {
        anyhow::bail!(
            "{} audit events were not integrated within 10 s",
            bundle.pending
        );
    }
    let report = crate::audit::verify::verify_bundle(
        &bundle,
        &verifier,
        None,
        &crate::audit::verify::default_rules(),
    )?;
    say(report.to_string());
    // Each tender's own trail: a complete back-link chain from its first entry.
    let mut tenders: Vec<String> = Vec::new();
    for e in &bundle.entries {
        let leaf = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &e.leaf)?;
        if let Some(t) = LeafEntry::from_bytes(&leaf)?.tender_id {
            if !tenders.contains(&t) {
                tenders.push(t);
            }
        }
    }
    for t in &tenders {
        let tb = regulator
            .audit_export(Some(t), None, Some(report.tree_size))
            .await?;
        let r = crate::audit::verify::verify_bundle(
            &tb,
            &verifier,
            Some(&bundle.checkpoint),
            &crate::audit::verify::default_rules(),
        )?;
        say(format!(
            "tender {}: {} entries, back-link chain complete, \
             consistent with the checkpoint above ({})",
            short(t),
            r.entries,
            r.consistent_with
                .map_or("-".into(), |s| format!("size {s}"))
        ));
    }
    let me: Value = regulator.get("/api/v1/me").await?;
    let my_id = me["id"].as_str().unwrap_or_default();
    let trail: Value = regulator
        .get(&format!("/api/v1/audit/trail?subject={my_id}"))
        .await?;
    let login = trail["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .rev()
                .find(|e| e["event_type"] == "session_opened")
        })
        .context("the regulator's own login is in its trail")?;
    let event_id = login["event_id"].as_str().unwrap_or_default();
    let text = regulator
        .get_text(&format!("/api/v1/audit/receipts/{event_id}"))
        .await?;
    let receipt = TlogProof::parse(&text)?;
    let leaf = receipt.extra.clone().unwrap_or_default();
    let entry = LeafEntry::from_bytes(&leaf)?;
    let cp = receipt.verify(&merkle::leaf_hash(&leaf), &verifier)?;
    say(format!(
        "receipt for the regulator's login (entry {}, {}) \
         verifies offline against checkpoint size {}",
        receipt.index, entry.event_type, cp.size
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::stand_in_calendar;
    use crate::domain::calendar::WorkCalendar;

    /// The embedded demo's stand-in fills exactly the years (this and next) the binary ships no
    /// notice for, says it is the demo's, and never replaces a shipped year.
    #[test]
    fn the_stand_in_calendar_fills_only_the_years_not_shipped() {
        let dir = tempfile::tempdir().unwrap();
        let shipped = WorkCalendar::shipped();
        let this = chrono::Utc::now().year();
        match stand_in_calendar(dir.path()).unwrap() {
            None => assert!(shipped.covers(this) && shipped.covers(this + 1)),
            Some(file) => {
                let cal = WorkCalendar::parse(&std::fs::read_to_string(file).unwrap()).unwrap();
                for y in [this, this + 1] {
                    assert!(shipped.covers(y) != cal.covers(y), "{y}");
                }
                assert!(cal.years().all(|y| y.notice.contains("demo stand-in")));
                let laid = shipped.overlaid(cal).unwrap();
                assert!(laid.covers(this) && laid.covers(this + 1));
            }
        }
    }
}
