//! Rejection motions (否决投标 on judged grounds, 条例51; issue 13 item 3): an active member
//! proposes with a statutory reason code that is not automatic and written grounds; every
//! active member votes (a reason required against); the motion closes when all have voted,
//! carried by a majority of the active members. A member that leaves before the close voted in
//! vain. Every refusal changes nothing; the offline verifier replays the tally.

use etender::db::repo::motions as mrepo;
use etender::domain::evaluation::committee::LeaveReason;
use etender::domain::evaluation::rejection::RejectionReason;
use reqwest::Method;
use serde_json::{json, Value};

use crate::clarifications::{entries_of, only, seated, Seated};
use crate::helpers::assert_problem;

/// Reads the committee's rows directly (what the report will read).
async fn committee_reads<T, F>(s: &Seated, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce(&mut etender::db::AnyConnection, &str) -> diesel::QueryResult<T> + Send + 'static,
{
    let committee = s.committee.clone();
    s.w.app
        .ctx
        .db
        .read_primary(move |c| Ok(f(c, &committee)?))
        .await
        .unwrap()
}

#[tokio::test]
async fn members_vote_a_motion_closes_with_the_tally_and_a_member_who_leaves_voted_in_vain() {
    let s = seated().await;
    let t = s.w.t().to_string();
    // Member 1 proposes rejecting bidder 1's bid as not responsive.
    let m = s
        .member(1)
        .propose_rejection(
            &t,
            "BD01",
            &s.bid_of[1],
            RejectionReason::NotResponsive,
            "质量标准未响应招标文件第二章实质性要求",
        )
        .await
        .unwrap();
    assert_eq!(m.article, "条例第51条第（六）项");
    assert_eq!(m.closed_at, None);
    for (i, (for_, reason)) in [
        (true, None),
        (true, Some("同意")),
        (true, None),
        (false, Some("质量承诺可以理解为合格")),
    ]
    .into_iter()
    .enumerate()
    {
        let v = s
            .member(i)
            .vote_rejection(&t, "BD01", &m.id, for_, reason)
            .await
            .unwrap();
        assert_eq!(v.closed_at, None, "{} of 5 voted", i + 1);
    }
    // Votes are open among members (and to regulators) before the close.
    let seen = s.member(4).rejection_motions(&t, "BD01").await.unwrap();
    assert_eq!(seen.items[0].votes.len(), 4);
    let closed = s
        .member(4)
        .vote_rejection(&t, "BD01", &m.id, false, Some("不同意"))
        .await
        .unwrap();
    assert_eq!((closed.votes_for, closed.votes_against), (3, 2));
    assert_eq!(closed.carried, Some(true));
    assert!(closed.closed_at.is_some());
    let carried = committee_reads(&s, mrepo::carried_bids).await;
    assert_eq!(carried, vec![s.bid_of[1].clone()]);

    // A second motion, on bidder 0's bid: member 4 votes for, then leaves (ill) before the
    // close; its vote is void and the remaining four decide: 2 of 4 is no majority.
    let m2 = s
        .member(0)
        .propose_rejection(
            &t,
            "BD01",
            &s.bid_of[0],
            RejectionReason::PriceBelowCost,
            "报价低于其成本分析中的材料费合计",
        )
        .await
        .unwrap();
    for i in [4, 0, 1] {
        s.member(i)
            .vote_rejection(&t, "BD01", &m2.id, true, None)
            .await
            .unwrap();
    }
    s.member(4)
        .leave_committee(&t, "BD01", &s.members[4], LeaveReason::Ill, "突发疾病")
        .await
        .unwrap();
    s.member(2)
        .vote_rejection(&t, "BD01", &m2.id, false, Some("成本分析合理"))
        .await
        .unwrap();
    let done = s
        .member(3)
        .vote_rejection(&t, "BD01", &m2.id, false, Some("未见低于成本的证据"))
        .await
        .unwrap();
    assert_eq!((done.votes_for, done.votes_against), (2, 2));
    assert_eq!(done.carried, Some(false));
    let gone = done
        .votes
        .iter()
        .find(|v| v.member_id == s.members[4])
        .unwrap();
    assert!(!gone.counts);
    let closed = committee_reads(&s, mrepo::closed).await;
    let tally: Vec<(String, usize)> = closed
        .iter()
        .map(|m| (m.motion.bid.clone(), m.votes_for))
        .collect();
    assert_eq!(
        tally,
        vec![(s.bid_of[1].clone(), 3), (s.bid_of[0].clone(), 2)]
    );
    let carried = committee_reads(&s, mrepo::carried_bids).await;
    assert_eq!(carried, vec![s.bid_of[1].clone()]);

    // A third motion on the same bid: three of the four vote, the fourth leaves without voting,
    // and its departure closes the motion — 2 of the 3 remaining is a majority.
    let m3 = s
        .member(2)
        .propose_rejection(
            &t,
            "BD01",
            &s.bid_of[0],
            RejectionReason::CollusionFraudBribery,
            "业绩证明材料与项目公示信息不符",
        )
        .await
        .unwrap();
    for (i, for_) in [(0, true), (1, true), (2, false)] {
        let reason = (!for_).then_some("材料可以核实");
        s.member(i)
            .vote_rejection(&t, "BD01", &m3.id, for_, reason)
            .await
            .unwrap();
    }
    s.member(3)
        .leave_committee(
            &t,
            "BD01",
            &s.members[3],
            LeaveReason::Recused,
            "与投标人存在利害关系",
        )
        .await
        .unwrap();
    let after = s.member(0).rejection_motions(&t, "BD01").await.unwrap();
    let m3 = after.items.iter().find(|m| m.id == m3.id).unwrap();
    assert_eq!(m3.carried, Some(true));
    assert_eq!((m3.votes_for, m3.votes_against), (2, 1));
    let carried = committee_reads(&s, mrepo::carried_bids).await;
    let mut want = vec![s.bid_of[0].clone(), s.bid_of[1].clone()];
    want.sort();
    assert_eq!(carried, want);

    // The chain: proposals, votes, closes with their tallies; the verifier replays them.
    etender::audit::checkpoint_now(&s.w.app.ctx.db, &s.w.app.ctx.audit_log, "test")
        .await
        .unwrap();
    let bundle: Value = s
        .regulator
        .get(&format!("/api/v1/audit/export?tender_id={t}"))
        .await
        .unwrap();
    let bundle: etender::audit::bundle::Bundle = serde_json::from_value(bundle).unwrap();
    let key = etender::audit::note::NoteVerifier::parse(&bundle.public_key).unwrap();
    etender::audit::verify::verify_bundle(
        &bundle,
        &key,
        None,
        &etender::audit::verify::default_rules(),
    )
    .unwrap();
    let es = entries_of(&bundle);
    let count = |k: &str| es.iter().filter(|e| e.leaf.event_type == k).count();
    assert_eq!(count("rejection_motion_proposed"), 3);
    assert_eq!(count("rejection_vote_cast"), 13);
    assert_eq!(count("rejection_motion_closed"), 3);
    let find = |k: &str| es.iter().position(|e| e.leaf.event_type == k).unwrap();
    // A tally that the votes do not give.
    let mut t2 = es.clone();
    let i = find("rejection_motion_closed");
    t2[i].body.as_mut().unwrap()["votes_for"] = json!(4);
    only(&t2, &t, "tally");
    // A motion carried that was not.
    let mut t2 = es.clone();
    let closes: Vec<usize> = (0..es.len())
        .filter(|&i| es[i].leaf.event_type == "rejection_motion_closed")
        .collect();
    assert_eq!(es[closes[1]].body.as_ref().unwrap()["carried"], false);
    t2[closes[1]].body.as_mut().unwrap()["carried"] = json!(true);
    only(&t2, &t, "tally");
    // The closing departure left out: the third motion closes with a voter short.
    let mut t2 = es.clone();
    let left = (0..closes[2])
        .rev()
        .find(|&i| es[i].leaf.event_type == "committee_member_left")
        .unwrap();
    t2.remove(left);
    only(&t2, &t, "tally");
    // A vote by someone not on the committee.
    let mut t2 = es.clone();
    let i = find("rejection_vote_cast");
    t2[i].body.as_mut().unwrap()["member"] = json!("stranger");
    let scope = etender::audit::bundle::BundleScope::Tender(t.clone());
    use etender::audit::verify::Rule as _;
    let found = etender::audit::verify::ClarificationsMotionsReplay.check(&scope, &t2);
    assert!(
        found.iter().any(|f| f.contains("not an active member")),
        "{found:?}"
    );
}

#[tokio::test]
async fn motion_refusals_name_the_code_and_change_nothing() {
    let s = seated().await;
    let t = s.w.t().to_string();
    let path = format!("{}/motions", s.section());
    let propose = |bid: &str, reason: &str, statement: &str| {
        let body = json!({"bid_id": bid, "reason": reason, "statement": statement});
        body
    };
    let outsider = s.w.app.enrol("tenderer").await;
    let before = s.w.app.rows().await;
    for (who, c, body, status, code) in [
        (
            "no statutory reason",
            s.member(1),
            propose(&s.bid_of[0], "because", "理由"),
            422,
            "rejection_reason_required",
        ),
        (
            "an automatic reason",
            s.member(1),
            propose(&s.bid_of[0], "price_above_cap", "理由"),
            422,
            "rejection_reason_required",
        ),
        (
            "no written grounds",
            s.member(1),
            propose(&s.bid_of[0], "not_responsive", "  "),
            422,
            "rejection_reason_required",
        ),
        (
            "the tenderer",
            &outsider,
            propose(&s.bid_of[0], "not_responsive", "理由"),
            403,
            "forbidden",
        ),
        (
            "a regulator",
            &s.regulator,
            propose(&s.bid_of[0], "not_responsive", "理由"),
            403,
            "forbidden",
        ),
        (
            "a bid the opening record rejects",
            s.member(1),
            propose(&s.bid_of[2], "not_responsive", "理由"),
            409,
            "conflict",
        ),
    ] {
        let (st, v) = c.raw(Method::POST, &path, Some(&body)).await.unwrap();
        assert_problem(st, &v, status, code);
        assert!(
            who != "an automatic reason" || v["errors"][0]["code"] == "automatic",
            "{v}"
        );
    }
    s.w.app
        .rows()
        .await
        .assert_same(&before, "refused proposals");
    // Non-members read no motions.
    let (st, v) = outsider.raw(Method::GET, &path, None).await.unwrap();
    assert_problem(st, &v, 404, "not_found");

    let m = s
        .member(1)
        .propose_rejection(
            &t,
            "BD01",
            &s.bid_of[0],
            RejectionReason::QualificationNotMet,
            "项目经理证书已过期",
        )
        .await
        .unwrap();
    let votes = format!("{path}/{}/votes", m.id);
    s.member(0)
        .vote_rejection(&t, "BD01", &m.id, true, None)
        .await
        .unwrap();
    let before = s.w.app.rows().await;
    let for_ = json!({"in_favour": true});
    for (c, body, status, code) in [
        (s.member(0), &for_, 409, "conflict"),
        (
            s.member(2),
            &json!({"in_favour": false}),
            422,
            "validation_failed",
        ),
        (&outsider, &for_, 403, "forbidden"),
        (s.bidder(0), &for_, 403, "forbidden"),
    ] {
        let (st, v) = c.raw(Method::POST, &votes, Some(body)).await.unwrap();
        assert_problem(st, &v, status, code);
    }
    // A second motion on the same bid while this one is open.
    let (st, v) = s
        .member(2)
        .raw(
            Method::POST,
            &path,
            Some(&propose(&s.bid_of[0], "not_responsive", "另一理由")),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    s.w.app.rows().await.assert_same(&before, "refused votes");
    let now = s.member(0).rejection_motions(&t, "BD01").await.unwrap();
    assert_eq!(now.items[0].votes.len(), 1);

    // Carried: the bid is out; no motion, no clarification, no vote on the closed motion.
    for i in 1..4 {
        s.member(i)
            .vote_rejection(&t, "BD01", &m.id, true, None)
            .await
            .unwrap();
    }
    let closed = s
        .member(4)
        .vote_rejection(&t, "BD01", &m.id, false, Some("证书在有效期内"))
        .await
        .unwrap();
    assert_eq!(closed.carried, Some(true));
    let before = s.w.app.rows().await;
    let (st, v) = s
        .member(2)
        .raw(
            Method::POST,
            &path,
            Some(&propose(&s.bid_of[0], "not_responsive", "另一理由")),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    let due = s.w.app.clock_now() + chrono::Duration::hours(1);
    let (st, v) = s
        .member(0)
        .raw(
            Method::POST,
            &format!("{}/clarifications", s.section()),
            Some(&json!({"bid_id": s.bid_of[0],
                "question": {"kind": "clarify", "text": "请说明"}, "due_at": due})),
        )
        .await
        .unwrap();
    assert_problem(st, &v, 409, "conflict");
    let (st, v) = s
        .member(4)
        .raw(Method::POST, &votes, Some(&for_))
        .await
        .unwrap();
    assert_problem(st, &v, 409, "invalid_state_transition");
    s.w.app
        .rows()
        .await
        .assert_same(&before, "acts on a rejected bid");
}
