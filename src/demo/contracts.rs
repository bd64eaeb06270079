//! The demo's contract chapter (docs/CONTRACTS.md): BD01's contract drafted from the tender's
//! terms and the winning bid (a locked term edited is refused), the performance bond, both
//! signatures, a 设计变更 signed by both, the tenderer's signed 履约评价 (shown in the award
//! dossier), every bid bond refunded with interest, the treasury's payments and, at the end,
//! the contract's signed completion (履约完成) and final rating.

use anyhow::{bail, Context};
use serde_json::Value;

use super::{creds, identity, login, say, short, Story};
use crate::client::Client;
use crate::domain::bidding::BondKind;
use crate::domain::performance::Phase;
use crate::pki::DevPki;
use crate::wire::contracts::{ChangeKind, PerformanceBondRequest, ProposeChangeRequest};

async fn my_id(client: &Client) -> anyhow::Result<String> {
    let me: Value = client.get("/api/v1/me").await?;
    Ok(me["id"].as_str().unwrap_or_default().to_string())
}

pub(super) async fn story(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
) -> anyhow::Result<()> {
    let section = "BD01";
    story.step(
        "the agent has BD01's contract drafted from the tender's terms and the winning bid; a \
         locked term edited is refused (条例57), the site and start date are filled in",
    );
    let agent_id = identity(pki, "agent")?;
    let agent = login(base, agent_id).await?;
    let c = agent.draft_contract(tender, section).await?;
    say(format!(
        "contract v{}: ¥{} · {} 天 · 质量{} · 项目经理 {} · sign by {} UTC",
        c.version,
        c.terms.price,
        c.terms.duration_days,
        c.terms.quality,
        c.terms.project_manager,
        c.due_at.format("%Y-%m-%d %H:%M")
    ));
    let mut cheaper = c.terms.clone();
    cheaper.price = "1.00".parse()?;
    match agent.edit_contract_terms(tender, section, &cheaper).await {
        Err(e) if e.code().map(|c| c.as_str()) == Some("locked_term") => {
            say("a lower price in the draft: refused (locked_term)")
        }
        other => bail!("a locked term was edited: {:?}", other.map(|c| c.digest)),
    }
    let mut terms = c.terms.clone();
    terms.site = Some("潜江市东荆河大道 K0+000—K6+480".into());
    terms.start_date = Some(chrono::Utc::now().date_naive() + chrono::Duration::days(20));
    let c = agent.edit_contract_terms(tender, section, &terms).await?;
    let percent = c.terms.performance_bond_percent.unwrap_or_default();
    let amount = (c.terms.price.amount() * percent / rust_decimal::Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::AwayFromZero);
    agent
        .record_performance_bond(
            tender,
            section,
            &PerformanceBondRequest {
                kind: BondKind::BankGuarantee,
                amount: amount.to_string().parse()?,
                issuer: "示范银行潜江分行".into(),
                reference: "LY-2027-0001".into(),
            },
        )
        .await?;
    say(format!(
        "performance bond (履约保函) ¥{amount} = {percent} % recorded"
    ));

    story.step("the winner and the tenderer sign with their e-business licences: binding");
    let mut winner = None;
    for key in ["bidder-a", "bidder-b", "bidder-c", "bidder-d"] {
        let id = identity(pki, key)?;
        let client = login(base, id).await?;
        if my_id(&client).await? == c.winner.id {
            winner = Some((client, id));
            break;
        }
    }
    let (winner, winner_id) = winner.context("the winner is one of the demo's bidders")?;
    winner
        .sign_contract(tender, section, &creds(winner_id)?)
        .await?;
    let tenderer_id = identity(pki, "tenderer")?;
    let tenderer = login(base, tenderer_id).await?;
    let signed = tenderer
        .sign_contract(tender, section, &creds(tenderer_id)?)
        .await?;
    say(format!(
        "{} and {} signed v{} (digest {}…) on {}",
        c.tenderer.name,
        c.winner.name,
        signed.version,
        &signed.digest[..16],
        signed
            .signed_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    ));

    story.step("a 设计变更 proposed by the tenderer takes effect only when the winner signs too");
    let mut changed = signed.terms.clone();
    changed.price = (signed.terms.price.amount() + rust_decimal::Decimal::from(386_000))
        .to_string()
        .parse()?;
    changed.duration_days += 20;
    let ch = tenderer
        .propose_contract_change(
            tender,
            section,
            &ProposeChangeRequest {
                kind: ChangeKind::Amendment,
                reason: "design_change".into(),
                note: "桥梁桩基加深（设计变更通知单 BG-07）".into(),
                terms: Some(changed),
            },
        )
        .await?;
    let one = tenderer
        .sign_contract_change(tender, section, &ch.id, &creds(tenderer_id)?)
        .await?;
    say(format!(
        "signed by the tenderer only: the contract stays v{}",
        one.version
    ));
    let two = winner
        .sign_contract_change(tender, section, &ch.id, &creds(winner_id)?)
        .await?;
    for d in two
        .versions
        .last()
        .map(|v| v.changes.clone())
        .unwrap_or_default()
    {
        say(format!(
            "v{}: {} {} → {}",
            two.version,
            serde_json::to_value(d.term)?.as_str().unwrap_or_default(),
            d.before,
            d.after
        ));
    }

    story.step(
        "the tenderer rates the winner's performance so far (过程评价), signed with its e-business \
         licence; the winner reads it and replies (申辩, signed), and every later award dossier \
         shows both beside the bidder",
    );
    let rating = tenderer
        .rate_performance(
            tender,
            section,
            Phase::Interim,
            "86.5".parse()?,
            "桩基及下部结构按期完成，质量验收一次通过；文明施工有一次整改。",
            &creds(tenderer_id)?,
        )
        .await?;
    let seen = winner.performance_ratings(tender, section).await?;
    if seen.len() != 1 || seen[0].digest != rating.digest {
        bail!("the winner does not read the rating it was given");
    }
    let rating = winner
        .reply_to_rating(
            tender,
            section,
            &seen[0],
            "文明施工整改已于当周完成并经监理复查合格。",
            &creds(winner_id)?,
        )
        .await?;
    let dossier: crate::wire::award_committee::Dossier = agent
        .get(&format!(
            "/api/v1/tenders/{tender}/sections/{section}/award/dossier"
        ))
        .await?;
    let shown = dossier
        .candidates
        .iter()
        .find(|c| c.bidder_uscc == rating.winner_uscc)
        .is_some_and(|c| {
            c.performance_ratings
                .iter()
                .any(|r| r.id == rating.id && r.reply.is_some())
        });
    if !shown {
        bail!("the award dossier does not show the winner's rating and reply");
    }
    say(format!(
        "{}: {} 分 ({}) · signed {}… · replied by the winner · in the award dossier beside {}",
        serde_json::to_value(rating.phase)?
            .as_str()
            .unwrap_or_default(),
        rating.score,
        serde_json::to_value(rating.grade)?
            .as_str()
            .unwrap_or_default(),
        &rating.digest[..16],
        c.winner.name
    ));

    story.step(
        "BD02's contract (no bond asked) is drafted and signed by both; the trading centre \
         refunds every bid bond within five days, cash with interest",
    );
    let c2 = agent.draft_contract(tender, "BD02").await?;
    let mut bd02_winner = None;
    for key in ["bidder-a", "bidder-b", "bidder-c", "bidder-d"] {
        let id = identity(pki, key)?;
        let client = login(base, id).await?;
        if my_id(&client).await? == c2.winner.id {
            bd02_winner = Some((client, id));
            break;
        }
    }
    let (w2, w2_id) = bd02_winner.context("BD02's winner is one of the demo's bidders")?;
    w2.sign_contract(tender, "BD02", &creds(w2_id)?).await?;
    let s2 = tenderer
        .sign_contract(tender, "BD02", &creds(tenderer_id)?)
        .await?;
    say(format!(
        "BD02: {} signed with {} (¥{})",
        c2.tenderer.name, c2.winner.name, s2.terms.price
    ));
    let state = super::award::tender_state(base, tender).await?;
    if state != crate::domain::lifecycle::StateKind::Contracted {
        bail!(
            "every awarded section's contract is signed, yet the tender is {}",
            state.as_str()
        );
    }
    say("every awarded section has its signed contract: the tender is contracted");
    let admin = login(base, identity(pki, "admin")?).await?;
    let refunds = tenderer.section_bond_refunds(tender, section).await?;
    if refunds.is_empty() {
        bail!("no bond refunds after the contract was signed");
    }
    for r in refunds {
        let paid = admin
            .record_bond_refund(&r.id, &format!("TK{}", short(&r.id)))
            .await?;
        say(format!(
            "bond …{} ({}) ¥{} back{}",
            short(&paid.bond),
            serde_json::to_value(paid.kind)?
                .as_str()
                .unwrap_or_default(),
            paid.principal,
            match paid.interest {
                Some(i) => format!(
                    " with ¥{i} interest ({} days at {} %/{})",
                    paid.interest_days, paid.interest_rate, paid.day_basis
                ),
                None => " (a guarantee: no interest)".to_string(),
            }
        ));
    }
    Ok(())
}

/// The treasury pays BD01's advance and a first progress payment; the trading centre pulls
/// them (the treasury re-sends the first: imported once), and the supplier and the tenderer
/// read what was paid and what is still due per milestone.
pub(super) async fn payments(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    treasury: Option<&crate::treasury::simulator::Simulator>,
) -> anyhow::Result<()> {
    use crate::domain::payment::{Party, TreasuryPayment, CURRENCY};
    use crate::treasury::simulator::Mode;
    story.step(
        "国库支付: the treasury pays BD01's advance and a progress payment; the trading centre \
         imports them once each, the supplier and the tenderer see what is still due",
    );
    let Some(sim) = treasury else {
        say("no treasury simulator beside this server: skipped");
        return Ok(());
    };
    let tenderer = login(base, identity(pki, "tenderer")?).await?;
    let c = tenderer.contract(tender, "BD01").await?;
    let signed = c.signed_at.context("BD01's contract is signed")?;
    let advance = c
        .terms
        .payment_milestones
        .first()
        .map(|m| c.terms.price.amount() * m.percent / rust_decimal::Decimal::ONE_HUNDRED)
        .context("BD01's contract has payment milestones")?
        .round_dp(2);
    let paid =
        |id: &str, amount: rust_decimal::Decimal, days: i64, milestone: &str| TreasuryPayment {
            payment_id: id.into(),
            contract: c.id.clone(),
            amount,
            currency: CURRENCY.into(),
            paid_at: signed + chrono::Duration::days(days),
            payer: Party {
                name: c.tenderer.name.clone(),
                uscc: c.tenderer.uscc.clone(),
                account: None,
            },
            payee: Party {
                name: c.winner.name.clone(),
                uscc: c.winner.uscc.clone(),
                account: Some("6222****8866".into()),
            },
            milestone: Some(milestone.into()),
            voucher: format!("鄂财国库支付〔2027〕{id}"),
            purpose: "工程款".into(),
        };
    sim.put(paid("GK2027000101", advance, 5, "advance"));
    sim.put(paid(
        "GK2027000245",
        rust_decimal::Decimal::from(1_250_000),
        35,
        "progress",
    ));
    sim.set_mode(Mode::Resend);
    let admin = login(base, identity(pki, "admin")?).await?;
    let pull = admin.pull_contract_payments(tender, "BD01").await?;
    sim.set_mode(Mode::Normal);
    say(format!(
        "pull: {} — {} records received, {} imported, {} sent again (skipped)",
        pull.outcome.as_str(),
        pull.received,
        pull.imported,
        pull.duplicates
    ));
    if pull.imported != 2 {
        bail!("{} payments imported, not 2", pull.imported);
    }
    let mut winner = None;
    for key in ["bidder-a", "bidder-b", "bidder-c", "bidder-d"] {
        let id = identity(pki, key)?;
        let client = login(base, id).await?;
        if my_id(&client).await? == c.winner.id {
            winner = Some(client);
            break;
        }
    }
    let winner = winner.context("the winner is one of the demo's bidders")?;
    let mine = winner.contract_payments(tender, "BD01").await?;
    for p in &mine.payments {
        say(format!(
            "{} {} ¥{} ({}) {}",
            p.paid_at.format("%Y-%m-%d"),
            p.payment_id,
            p.amount,
            p.milestone.as_deref().unwrap_or("-"),
            p.voucher
        ));
    }
    say(format!(
        "contract ¥{}: paid ¥{}, still due ¥{}",
        mine.summary.price, mine.summary.paid, mine.summary.outstanding
    ));
    let theirs = tenderer.contract_payments(tender, "BD01").await?;
    for m in &theirs.summary.milestones {
        say(format!(
            "  {:<10} {:>5} % ¥{:>12} paid ¥{:>12} due ¥{}",
            m.code, m.percent, m.amount, m.paid, m.due
        ));
    }
    let status = admin.treasury_status().await?;
    say(format!(
        "treasury link: {} contract(s), last pull {}",
        status.links.len(),
        status
            .links
            .first()
            .map_or("-", |l| l.link.last_outcome.as_str())
    ));
    Ok(())
}

/// The works are completed and accepted: the tenderer records BD01's completion (履约完成),
/// signed, and gives the final rating (竣工评价); the contract is `completed`.
pub(super) async fn completion(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
) -> anyhow::Result<()> {
    let section = "BD01";
    story.step(
        "竣工验收, weeks on (the sandbox clock moves): the tenderer records BD01's completion, \
         signed with its e-business licence, and gives its final rating (竣工评价); no change \
         follows a completed contract",
    );
    let time: Value = Client::new(base).get("/api/v1/time").await?;
    let later = serde_json::from_value::<chrono::DateTime<chrono::Utc>>(time["now"].clone())?
        + chrono::Duration::days(45);
    super::bids::advance_to(base, pki, later).await?;
    let today = crate::domain::schedule::legal_date(later);
    let tenderer_id = identity(pki, "tenderer")?;
    let tenderer = login(base, tenderer_id).await?;
    let done = tenderer
        .complete_contract(
            tender,
            section,
            today,
            "工程竣工验收合格，竣工验收报告经建设、勘察、设计、施工、监理五方签署。",
            &creds(tenderer_id)?,
        )
        .await?;
    let completion = done
        .completion
        .context("a completed contract shows its completion")?;
    if serde_json::to_value(done.state)? != "completed" {
        bail!("the contract is not completed after its completion");
    }
    let rating = tenderer
        .rate_performance(
            tender,
            section,
            Phase::Completion,
            "91".parse()?,
            "按期竣工，质量验收一次通过，履约评价优秀。",
            &creds(tenderer_id)?,
        )
        .await?;
    say(format!(
        "completed on {} · signed {}… · final rating {} 分 ({})",
        completion.completed_on,
        &completion.digest[..16],
        rating.score,
        serde_json::to_value(rating.grade)?
            .as_str()
            .unwrap_or_default()
    ));
    Ok(())
}
