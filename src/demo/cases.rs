//! The demo's penalty case (issue 15 item 8): a collusion signal of the opening becomes an
//! administrative-penalty case (行政处罚) that ends in a one-year bidding ban, which the platform
//! then enforces. The trading centre records the supervising departments and their officers
//! (执法人员库); an officer of 住建局 opens a clue citing BD01's shared-dongle signal, read from
//! the API, and registers the case; two officers put a real file on the record; the review, the
//! notice (告知) of the ban; the party defends itself in writing and does not ask for a hearing;
//! once its 5 working days are over the department decides, serves (the ban takes effect),
//! records the execution and closes. A second tender is published; the banned bidder is refused
//! its registration there while another bidder registers, and the public credit list shows it.
//!
//! Time moves only through the sandbox clock; the case's working-day limits come from the
//! server's calendar (on the embedded server, the demo's stand-in for a year not yet loaded).

use anyhow::{bail, Context};
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;
use serde_json::{json, Value};

use super::bids::{advance_to, SHARED_DONGLE};
use super::{creds, identity, login, say, short, Story};
use crate::client::Client;
use crate::domain::collusion::SignalKind;
use crate::error::ErrorCode;
use crate::pki::{DevIdentity, DevPki};
use crate::wire::cases::{
    CaseAct, CaseParty, CaseSource, ClueRequest, DecisionRequest, EvidenceKind, PartyAct,
    PartyKind, Penalty, SourceKind, State,
};
use crate::wire::experts::DepartmentRequest;
use crate::wire::supervision::{CrossSignals, OfficerRequest};

/// 住房和城乡建设局: supervises the city's works tenders; the case is its.
pub const ZJJ: (&str, &str) = ("429005-zjj", "潜江市住房和城乡建设局");
/// 公共资源交易监督管理局: supervises the trading itself.
pub const GGZY: (&str, &str) = ("429005-ggzyjg", "潜江市公共资源交易监督管理局");

/// The 执法人员库 the demo records: (identity key, department, 执法证号, specialty).
const OFFICERS: [(&str, (&str, &str), &str, &str); 4] = [
    ("regulator", ZJJ, "鄂建执 42900501", "招标投标监督"),
    ("regulator-2", ZJJ, "鄂建执 42900502", "建筑市场监管"),
    ("regulator-3", GGZY, "鄂公管执 42900511", "公共资源交易监督"),
    (
        "regulator-4",
        GGZY,
        "鄂公管执 42900512",
        "交易场所与电子系统监督",
    ),
];

/// The case's party: the bidder of the shared dongle whose bid was rejected (陪标).
const PARTY: &str = SHARED_DONGLE.1;

/// The scene's steps. `custodians` are the person ids the second tender's bids are split to.
pub(super) async fn story(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    tender: &str,
    custodians: &[String],
) -> anyhow::Result<()> {
    officers(story, base, pki).await?;
    let public = Client::new(base);
    let now = server_now(&public).await?;
    let calendar = public.calendar().await?;
    let uncovered = [now.year(), (now + Duration::days(60)).year()]
        .into_iter()
        .find(|y| !calendar.years.iter().any(|c| c.year == *y));
    if let Some(year) = uncovered {
        // A server the operator runs without the year's notice: the case's working-day limits
        // cannot be computed (calendar_not_covered), so the scene stops here.
        say(format!(
            "the server's working-day calendar has no notice for {year}: the penalty case is \
             skipped (load it with [calendar] files)"
        ));
        return Ok(());
    }
    for y in calendar.years.iter().filter(|c| c.year >= now.year()) {
        say(format!("working days of {} per「{}」", y.year, y.notice));
    }
    let case = clue(story, base, pki, tender).await?;
    evidence(story, base, pki, (tender, &case)).await?;
    let reply_due = notice(story, base, pki, &case).await?;
    decision(story, base, pki, &case, reply_due).await?;
    enforcement(story, base, pki, custodians).await
}

async fn server_now(c: &Client) -> anyhow::Result<DateTime<Utc>> {
    let t: Value = c.get("/api/v1/time").await?;
    Ok(serde_json::from_value(t["now"].clone())?)
}

/// 09:30 Shanghai on the first Monday–Friday after `now` (office hours; the calendar decides
/// what counts as a working day for the limits, not this).
fn next_office_morning(now: DateTime<Utc>) -> DateTime<Utc> {
    let mut day = now.with_timezone(&Shanghai).date_naive() + Duration::days(1);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day += Duration::days(1);
    }
    let at = day.and_time(NaiveTime::from_hms_opt(9, 30, 0).unwrap_or_default());
    Shanghai
        .from_local_datetime(&at)
        .single()
        .map_or(now + Duration::days(1), |t| t.with_timezone(&Utc))
}

async fn person_id(base: &str, id: &DevIdentity) -> anyhow::Result<String> {
    let me: Value = login(base, id).await?.get("/api/v1/me").await?;
    me["id"]
        .as_str()
        .map(str::to_string)
        .context("a person without an id")
}

/// Step: the departments and the 执法人员库.
async fn officers(story: &mut Story, base: &str, pki: &DevPki) -> anyhow::Result<()> {
    story.step(
        "the trading centre records the supervising departments (住建局, 公共资源交易监督管理局) \
         and their officers in the 执法人员库: two of each",
    );
    let admin = login(base, identity(pki, "admin")?).await?;
    for (code, name, kinds) in [
        (ZJJ.0, ZJJ.1, vec!["房屋建筑和市政基础设施工程"]),
        (GGZY.0, GGZY.1, vec!["公共资源交易活动"]),
    ] {
        let req = DepartmentRequest {
            name: name.into(),
            kinds: kinds.into_iter().map(str::to_string).collect(),
        };
        let _: Value = admin
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/departments/{code}"),
                Some(&serde_json::to_value(&req)?),
            )
            .await?;
    }
    for (key, (code, name), cert, specialty) in OFFICERS {
        let id = identity(pki, key)?;
        let pid = person_id(base, id).await?;
        let req = OfficerRequest {
            certificate_no: cert.into(),
            specialty: specialty.into(),
            avoid_units: vec![],
        };
        admin.put_officer(code, &pid, &req).await?;
        say(format!(
            "{:<11} {} — {name}, 执法证号 {cert}, {specialty}",
            key, id.display_name
        ));
    }
    for (code, name) in [ZJJ, GGZY] {
        let n = admin.officers(code).await?.len();
        say(format!("{name} ({code}): {n} officers"));
    }
    Ok(())
}

/// Step: the signal read from the API becomes a clue, and the case is registered (立案).
async fn clue(story: &mut Story, base: &str, pki: &DevPki, tender: &str) -> anyhow::Result<String> {
    story.step(
        "住建局 reads BD01's collusion signals: bidder-c and bidder-d priced with one dongle; an \
         officer opens a clue citing the signal against bidder-d and registers the case (立案)",
    );
    let officer = login(base, identity(pki, "regulator")?).await?;
    let section = "BD01";
    let signals = officer.collusion_signals(tender, section).await?;
    let signal = signals
        .signals
        .iter()
        .find(|s| s.kind == SignalKind::SamePricingDongle)
        .context("BD01's opening flagged no shared pricing dongle")?;
    let party_id = identity(pki, PARTY)?;
    let uscc = party_id.uscc.clone().context("a bidder without a USCC")?;
    say(format!(
        "{} signals over {} bids: {}",
        signals.signals.len(),
        signals.bids_compared,
        signals
            .signals
            .iter()
            .map(|s| format!("#{} {} ({})", s.seq, s.kind.as_str(), s.strength.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    say(format!(
        "#{} {} ({}): bids {}; {}",
        signal.seq,
        signal.kind.as_str(),
        signal.strength.as_str(),
        signal
            .bids
            .iter()
            .map(|b| format!("…{}", short(b)))
            .collect::<Vec<_>>()
            .join(", "),
        signal.evidence
    ));
    let across: CrossSignals = officer
        .get("/api/v1/supervision/collusion-signals?kind=same_pricing_dongle_across_sections")
        .await?;
    for x in &across.signals {
        say(format!(
            "across sections (the regulator's view): the same dongle behind {} in {}",
            x.organisations.join(" and "),
            x.sections
                .iter()
                .map(|s| s.section.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // The act ended with the bids' submission: the opening is its last day.
    let t: Value = officer.get(&format!("/api/v1/tenders/{tender}")).await?;
    let deadline: DateTime<Utc> =
        serde_json::from_value(t["published"]["schedule"]["bid_deadline"].clone())?;
    let req = ClueRequest {
        source: CaseSource {
            kind: SourceKind::CollusionSignal,
            id: format!("{tender}/{section}/{}", signal.seq),
        },
        party: CaseParty {
            kind: PartyKind::Organisation,
            uscc: Some(uscc.clone()),
            person_id: None,
            name: party_id.display_name.clone(),
        },
        summary: format!(
            "{}与{}在第一标段的投标文件由同一计价软件加密锁编制，涉嫌串通投标",
            identity(pki, SHARED_DONGLE.0)?.display_name,
            party_id.display_name
        ),
        occurred_on: deadline.with_timezone(&Shanghai).date_naive(),
        grave: false,
    };
    let advance = next_office_morning(server_now(&officer).await?);
    advance_to(base, pki, advance).await?;
    let officer = login(base, identity(pki, "regulator")?).await?;
    let c = officer.open_case(&req).await?;
    say(format!(
        "clue …{} on file, source {} {}",
        short(&c.id),
        serde_json::to_value(c.source.kind)?.as_str().unwrap_or("?"),
        c.source.id
    ));
    let c = officer.act_on_case(&c.id, &CaseAct::Register).await?;
    say(format!(
        "registered (立案) against {} ({uscc}); decide by {}",
        c.party.name,
        c.decision_due
            .map_or("-".into(), |d| d.format("%Y-%m-%d %H:%M UTC").to_string())
    ));
    Ok(c.id)
}

/// Step: evidence by two officers, then the review.
async fn evidence(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    (tender, case): (&str, &str),
) -> anyhow::Result<()> {
    story.step(
        "调查取证: 郑国平 puts the dongle comparison on record (a file, hashed into the log) \
         naming 韩立军, who confirms it in his own session; the legal review (法制审核) follows",
    );
    let first = login(base, identity(pki, "regulator")?).await?;
    let second_id = identity(pki, "regulator-2")?;
    let second_pid = person_id(base, second_id).await?;
    let c = first.case(case).await?;
    // The record: each bidder of the signal and the dongle digest its sealed bid carried.
    let signals = first.collusion_signals(tender, "BD01").await?;
    let dongle = signals
        .signals
        .iter()
        .find(|s| s.kind == SignalKind::SamePricingDongle)
        .map(|s| s.evidence.clone())
        .unwrap_or_default();
    let mut csv = String::from("线索来源,投标人,统一社会信用代码,比对结果\r\n");
    for key in [SHARED_DONGLE.0, SHARED_DONGLE.1] {
        let id = identity(pki, key)?;
        csv.push_str(&format!(
            "{},{},{},{dongle}\r\n",
            c.source.id,
            id.display_name,
            id.uscc.as_deref().unwrap_or("")
        ));
    }
    let bytes = csv.into_bytes();
    let digest = crate::audit::sha256_hex(&bytes);
    let c = first
        .add_case_evidence(
            case,
            EvidenceKind::ElectronicData,
            "第一标段投标文件计价软件加密锁比对记录",
            "jiamisuo-bidui.csv",
            &second_pid,
            bytes,
        )
        .await?;
    let ev = c.evidence.last().context("the evidence added")?.clone();
    if ev.sha256 != digest {
        bail!(
            "the stored evidence's digest {} is not the file's",
            ev.sha256
        );
    }
    say(format!(
        "evidence …{} ({} bytes) SHA-256 {}…, to be confirmed by {}",
        short(&ev.id),
        ev.size,
        &ev.sha256[..16],
        second_id.display_name
    ));
    let review = CaseAct::Review {
        opinion: "事实清楚，证据确凿，程序合法".into(),
        legal_review: true,
    };
    match first.act_on_case(case, &review).await {
        Err(e) if e.code() == Some(ErrorCode::RuleViolation) => {
            say(format!("a review before the second officer confirms: {e}"))
        }
        Err(e) => bail!("the early review was refused otherwise: {e}"),
        Ok(_) => bail!("a case was reviewed on unconfirmed evidence"),
    }
    let second = login(base, second_id).await?;
    let c = second
        .act_on_case(
            case,
            &CaseAct::ConfirmEvidence {
                evidence: ev.id.clone(),
            },
        )
        .await?;
    say(format!(
        "{} confirmed it at {}",
        second_id.display_name,
        c.evidence
            .last()
            .and_then(|e| e.confirmed_at)
            .map_or("-".into(), |t| t.format("%H:%M:%S UTC").to_string())
    ));
    let c = first.act_on_case(case, &review).await?;
    say(format!(
        "reviewed with the legal review; the case is {}",
        serde_json::to_value(c.state)?.as_str().unwrap_or("?")
    ));
    Ok(())
}

const BASIS: &str =
    "《中华人民共和国招标投标法》第三十二条、第五十三条，《中华人民共和国招标投标法\
                     实施条例》第四十条第（二）项、第六十七条";

/// The department's first penalty decision of the (Shanghai) year.
fn decision_no(now: DateTime<Utc>) -> String {
    format!("潜住建罚〔{}〕1号", now.with_timezone(&Shanghai).year())
}

fn ban() -> Vec<Penalty> {
    vec![Penalty::BiddingBan { years: 1 }]
}

/// Step: 告知 of a one-year bidding ban; the party defends itself and asks for no hearing.
/// Returns the end of the party's period.
async fn notice(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    case: &str,
) -> anyhow::Result<DateTime<Utc>> {
    story.step(
        "告知: the facts, the basis and a bidding ban of 1 year (取消投标资格), which gives a \
         right to a hearing; bidder-d states its defence in its own session and asks for none",
    );
    let officer = login(base, identity(pki, "regulator")?).await?;
    let c = officer
        .act_on_case(
            case,
            &CaseAct::Notify {
                facts: "第一标段两家投标人的投标文件由同一计价软件加密锁编制，属于不同投标人的\
                        投标文件由同一单位或者个人编制，视为投标人相互串通投标"
                    .into(),
                legal_basis: BASIS.into(),
                penalties: ban(),
            },
        )
        .await?;
    let n = c.notice.context("the notice")?;
    say(format!(
        "notified; hearing rights {}; the party may reply until {}",
        n.hearing_rights,
        n.reply_due.format("%Y-%m-%d %H:%M UTC")
    ));
    let early = DecisionRequest {
        decision_no: decision_no(server_now(&officer).await?),
        facts: "x".into(),
        legal_basis: BASIS.into(),
        penalties: ban(),
        performance: "x".into(),
    };
    match officer.act_on_case(case, &CaseAct::Decide(early)).await {
        Err(e) if e.code() == Some(ErrorCode::DeadlineNotReached) => {
            say(format!("a decision inside the party's period: {e}"))
        }
        Err(e) => bail!("the early decision was refused otherwise: {e}"),
        Ok(_) => bail!("a decision was taken inside the party's period"),
    }
    let at = next_office_morning(server_now(&officer).await?);
    advance_to(base, pki, at).await?;
    let party = login(base, identity(pki, PARTY)?).await?;
    let c = party
        .case_party_act(
            case,
            &PartyAct::Defend {
                statement: "我公司与襄阳汉水市政工程有限公司均向同一造价咨询机构购买计价服务，\
                            加密锁由该机构提供，我公司未与其他投标人串通。"
                    .into(),
            },
        )
        .await?;
    say(format!(
        "bidder-d defended itself at {}; no hearing requested",
        c.defence.map_or("-".into(), |d| d
            .submitted_at
            .format("%Y-%m-%d %H:%M UTC")
            .to_string())
    ));
    Ok(n.reply_due)
}

/// Step: the decision once the party's period is over; served (the ban takes effect); executed
/// and closed.
async fn decision(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    case: &str,
    reply_due: DateTime<Utc>,
) -> anyhow::Result<()> {
    story.step(
        "决定 after the party's 5 working days: the defence weighed and rejected, the 1-year ban \
         decided; served, it takes effect that day; execution recorded, the case closed (结案)",
    );
    advance_to(
        base,
        pki,
        next_office_morning(reply_due - Duration::days(1)),
    )
    .await?;
    let officer = login(base, identity(pki, "regulator")?).await?;
    let c = officer
        .act_on_case(
            case,
            &CaseAct::Decide(DecisionRequest {
                decision_no: decision_no(server_now(&officer).await?),
                facts: "第一标段投标文件由同一计价软件加密锁编制；当事人称系同一造价咨询机构提供\
                        加密锁，但未能提供该机构为其编制投标文件的合同及付款凭证，申辩理由不成立，\
                        构成串通投标"
                    .into(),
                legal_basis: BASIS.into(),
                penalties: ban(),
                performance: "自送达之日起一年内不得参加依法必须进行招标的项目的投标，由电子招标\
                              投标交易平台执行"
                    .into(),
            }),
        )
        .await?;
    let d = c.decision.as_ref().context("the decision")?;
    say(format!(
        "decision {} of {} on {}: {} evidence cited, review within {} days, serve by {}",
        d.decision_no,
        d.authority.name,
        d.decided_on,
        d.evidence.len(),
        d.remedies.review_days,
        c.serve_due
            .map_or("-".into(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
    ));
    let c = officer
        .act_on_case(
            case,
            &CaseAct::Serve {
                method: "电子送达（平台）".into(),
            },
        )
        .await?;
    say(format!(
        "served at {} (late: {}); the ban is in force",
        c.served_at
            .map_or("-".into(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        c.served_late
    ));
    let c = officer
        .act_on_case(
            case,
            &CaseAct::Execute {
                record: "取消投标资格自送达之日起由平台执行，当事人的投标登记、上传与递交均被拒绝"
                    .into(),
            },
        )
        .await?;
    let c = officer.act_on_case(&c.id, &CaseAct::Close).await?;
    if c.state != State::Closed {
        bail!("the case is {:?} after closing", c.state);
    }
    say(format!("case …{} closed (结案)", short(&c.id)));
    Ok(())
}

/// Step: a second tender is published; the banned bidder is refused there, another registers;
/// the public lists read the ban.
async fn enforcement(
    story: &mut Story,
    base: &str,
    pki: &DevPki,
    custodians: &[String],
) -> anyhow::Result<()> {
    story.step(
        "the ban enforced: the agent publishes a second tender (住建局 supervising); bidder-d is \
         refused its bond account there (bidding_banned), bidder-b registers; the public credit \
         list and the bans list show the decision",
    );
    let tender = publish_second(base, pki, custodians).await?;
    let section = "BD01";
    let banned = login(base, identity(pki, PARTY)?).await?;
    match banned.my_bond_account(&tender, section).await {
        Err(e) if e.code() == Some(ErrorCode::BiddingBanned) => {
            say(format!("bidder-d registering for {section}: refused: {e}"))
        }
        Err(e) => bail!("the banned bidder was refused otherwise: {e}"),
        Ok(_) => bail!("a banned bidder got a bond account"),
    }
    let other = login(base, identity(pki, "bidder-b")?).await?;
    let account = other.my_bond_account(&tender, section).await?;
    say(format!(
        "bidder-b registering for {section}: bond account {} at {}",
        account.account, account.bank
    ));
    let public = Client::new(base);
    let uscc = identity(pki, PARTY)?.uscc.clone().unwrap_or_default();
    let list = public.credit_list(None).await?;
    let entry = list
        .items
        .iter()
        .find(|e| e.uscc.as_deref() == Some(uscc.as_str()))
        .context("the decision is not on the public credit list")?;
    say(format!(
        "credit list: {} ({uscc}) — {} of {}, {}, {}",
        entry.name,
        entry.decision_no,
        entry.decided_on,
        serde_json::to_string(&entry.penalties)?,
        entry.department
    ));
    let bans: Vec<Value> = public
        .get(&format!("/api/v1/bidding-bans?uscc={uscc}"))
        .await?;
    for b in &bans {
        say(format!(
            "bidding bans: {} banned {} … {} by {}",
            uscc,
            b["first_day"].as_str().unwrap_or("?"),
            b["last_day"].as_str().unwrap_or("?"),
            b["decision_no"].as_str().unwrap_or("?")
        ));
    }
    if bans.is_empty() {
        bail!("the ban is not on the public bans list");
    }
    Ok(())
}

/// A small one-section works tender the agent publishes for the tenderer, supervised by 住建局.
async fn publish_second(base: &str, pki: &DevPki, custodians: &[String]) -> anyhow::Result<String> {
    let agent_id = identity(pki, "agent")?;
    let agent = login(base, agent_id).await?;
    let tenderer_id = identity(pki, "tenderer")?;
    let tenderer = login(base, tenderer_id).await?;
    let tenderer_me: Value = tenderer.get("/api/v1/me").await?;
    let agent_me: Value = agent.get("/api/v1/me").await?;
    let title = "潜江市园林路道路提升改造工程施工招标";
    let entrustment = tenderer
        .entrust(
            agent_me["id"].as_str().unwrap_or_default(),
            title,
            &creds(tenderer_id)?,
        )
        .await?;
    let now = server_now(&agent).await?;
    let mut draft = super::tenders::demo_draft(now, custodians);
    let mut section = draft["sections"][1].take();
    section["code"] = json!("BD01");
    section["name"] = json!("园林路道路提升改造工程");
    section["estimated_price"] = json!("8650000.00");
    section["price_cap"] = json!("8500000.00");
    section["bid_bond"] = json!("170000.00");
    draft["sections"] = json!([section]);
    draft["supervising_department"] = json!(ZJJ.0);
    let body = json!({"title": title,
        "description": "房屋建筑和市政基础设施工程 评定分离",
        "tenderer_id": tenderer_me["id"], "entrustment_id": entrustment.id,
        "draft": draft});
    let t: Value = agent.post("/api/v1/tenders", &body).await?;
    let tender = t["id"].as_str().context("tender id")?.to_string();
    agent
        .upload_document(
            &tender,
            "招标文件",
            "zhaobiaowenjian.pdf",
            "application/pdf",
            super::tenders::demo_pdf("园林路招标文件"),
        )
        .await?;
    let sig = agent.sign_notice(&tender, &creds(agent_id)?).await?;
    let published: Value = agent
        .post(&format!("/api/v1/tenders/{tender}/publish"), &sig)
        .await?;
    say(format!(
        "「{title}」 …{} published, supervised by {}; bids until {}",
        short(&tender),
        ZJJ.1,
        published["published"]["schedule"]["bid_deadline"]
            .as_str()
            .unwrap_or("?")
    ));
    Ok(tender)
}
