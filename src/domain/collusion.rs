//! 串标围标 signals (domain-rules §2.5, §6): what the section's opened bids have in common that
//! independent bidders would not. The platform flags; the 评标委员会 decides whether a bid is
//! rejected under 条例51(七) — so every signal carries the bids it concerns, the evidence and the
//! legal rule it points to, and says how much it proves:
//!
//! | signal | strength | basis |
//! |---|---|---|
//! | `identical_document` (same plaintext SHA-256, not a public file) | strong | 条例40(一)(四) |
//! | `identical_document_metadata` (created and modified instants equal) | strong | 条例40(一) |
//! | `same_document_author` (a non-generic author, last editor or company) | weak | 条例40(一) |
//! | `same_device` (MAC, CPU and disk fingerprints all equal) | strong | Fujian R1/R4, 条例40(二) |
//! | `same_pricing_dongle` (计价软件加密锁序列号) | strong | Fujian R2, 条例40(一) |
//! | `same_device_component` (one or two of MAC, CPU, disk, board) | weak | §6.2 item 1 |
//! | `same_upload_address` (outside shared venues) | weak | §6.2 item 4 |
//! | `same_bond_account` | strong | 条例40(六) |
//! | `same_project_manager` (same person id) | strong | 条例40(三) |
//! | `same_project_manager_name` (a name, where a bid gives no id) | weak | 条例40(三) |
//! | `identical_price` | weak | 条例40(四) |
//! | `price_arithmetic_progression` / `price_geometric_progression` | weak | 条例40(四) |
//!
//! Every comparison is an equality of normalised values, so bids are grouped by value in one
//! pass (a hash map per feature) instead of compared pair by pair; a group of k bids sharing a
//! value is one signal naming all k (it stands for every pair in it). Only bids of different
//! bidders are ever grouped. Price patterns look at the section's distinct prices in order: a
//! run of at least three consecutive prices with equal steps (or equal ratios) is the
//! "规律性差异" the opening record itself shows; a pattern spread among other bids' prices is
//! not looked for, since among many bids it arises by chance.
//!
//! Thresholds are not regulated [U]: what counts as generic, shared or tolerated is in
//! [`Settings`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A document's metadata as its file carries it (author, producing application, instants as
/// the file states them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentMeta {
    pub author: Option<String>,
    pub creator: Option<String>,
    pub created: Option<String>,
    pub modified: Option<String>,
    /// Who saved it last: a person like the author, compared with authors.
    pub last_modified_by: Option<String>,
    /// The organisation the authoring software is registered to.
    pub company: Option<String>,
}

/// The preparing machine's fingerprints (hex digests, `seal::manifest::DeviceFingerprint`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub mac: Option<String>,
    pub cpu: Option<String>,
    pub disk: Option<String>,
    pub board: Option<String>,
    pub pricing_dongle: Option<String>,
}

/// The project manager a bid names; `id` is the person's identifier where known (certificate
/// or registration number), which tells apart two people of one name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub id: Option<String>,
}

/// Everything compared about one bid.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidFacts {
    pub bid: String,
    pub bidder: String,
    pub price: Option<Decimal>,
    /// SHA-256 (hex) of each document's plaintext, from the sealed summary.
    pub document_digests: Vec<String>,
    pub documents: Vec<DocumentMeta>,
    pub device: Option<Device>,
    /// Network addresses the bid's parts were uploaded from.
    pub upload_addresses: Vec<IpAddr>,
    /// Accounts the bid bond was paid from (not a guarantor's: a 保函 names the bank).
    pub bond_accounts: Vec<String>,
    pub project_manager: Option<Person>,
}

/// How sure a signal is. Strong signals are what regional rules treat as a finding in
/// themselves; weak ones are for the committee to weigh with others.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = CollusionSignalStrength)]
pub enum Strength {
    /// Regional rules treat it as a finding in itself.
    Strong,
    /// To weigh with others.
    Weak,
}

impl Strength {
    pub const fn as_str(self) -> &'static str {
        match self {
            Strength::Strong => "strong",
            Strength::Weak => "weak",
        }
    }

    pub fn parse(s: &str) -> Option<Strength> {
        [Strength::Strong, Strength::Weak]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What the bids share. The code is stable: stored, logged and on the wire.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = CollusionSignalKind)]
pub enum SignalKind {
    IdenticalDocument,
    IdenticalDocumentMetadata,
    SameDocumentAuthor,
    SameDevice,
    SamePricingDongle,
    SameDeviceComponent,
    SameUploadAddress,
    SameBondAccount,
    SameProjectManager,
    SameProjectManagerName,
    IdenticalPrice,
    PriceArithmeticProgression,
    PriceGeometricProgression,
}

impl SignalKind {
    pub const ALL: [SignalKind; 13] = [
        SignalKind::IdenticalDocument,
        SignalKind::IdenticalDocumentMetadata,
        SignalKind::SameDocumentAuthor,
        SignalKind::SameDevice,
        SignalKind::SamePricingDongle,
        SignalKind::SameDeviceComponent,
        SignalKind::SameUploadAddress,
        SignalKind::SameBondAccount,
        SignalKind::SameProjectManager,
        SignalKind::SameProjectManagerName,
        SignalKind::IdenticalPrice,
        SignalKind::PriceArithmeticProgression,
        SignalKind::PriceGeometricProgression,
    ];

    pub fn parse(s: &str) -> Option<SignalKind> {
        SignalKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::IdenticalDocument => "identical_document",
            SignalKind::IdenticalDocumentMetadata => "identical_document_metadata",
            SignalKind::SameDocumentAuthor => "same_document_author",
            SignalKind::SameDevice => "same_device",
            SignalKind::SamePricingDongle => "same_pricing_dongle",
            SignalKind::SameDeviceComponent => "same_device_component",
            SignalKind::SameUploadAddress => "same_upload_address",
            SignalKind::SameBondAccount => "same_bond_account",
            SignalKind::SameProjectManager => "same_project_manager",
            SignalKind::SameProjectManagerName => "same_project_manager_name",
            SignalKind::IdenticalPrice => "identical_price",
            SignalKind::PriceArithmeticProgression => "price_arithmetic_progression",
            SignalKind::PriceGeometricProgression => "price_geometric_progression",
        }
    }

    pub fn strength(self) -> Strength {
        match self {
            SignalKind::IdenticalDocument
            | SignalKind::IdenticalDocumentMetadata
            | SignalKind::SameDevice
            | SignalKind::SamePricingDongle
            | SignalKind::SameBondAccount
            | SignalKind::SameProjectManager => Strength::Strong,
            _ => Strength::Weak,
        }
    }

    /// The rule the signal points to.
    pub fn basis(self) -> &'static str {
        match self {
            SignalKind::IdenticalDocument => "条例第40条第（一）（四）项",
            SignalKind::IdenticalDocumentMetadata
            | SignalKind::SameDocumentAuthor
            | SignalKind::SamePricingDongle => "条例第40条第（一）项",
            SignalKind::SameDevice | SignalKind::SameDeviceComponent => "条例第40条第（二）项",
            SignalKind::SameUploadAddress => "条例第40条第（二）项（仅供参考）",
            SignalKind::SameBondAccount => "条例第40条第（六）项",
            SignalKind::SameProjectManager | SignalKind::SameProjectManagerName => {
                "条例第40条第（三）项"
            }
            SignalKind::IdenticalPrice
            | SignalKind::PriceArithmeticProgression
            | SignalKind::PriceGeometricProgression => "条例第40条第（四）项",
        }
    }
}

/// One signal: the bids (sorted by id) and what they share.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub kind: SignalKind,
    pub strength: Strength,
    pub bids: Vec<String>,
    pub evidence: String,
    pub basis: String,
}

/// What is not evidence of anything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Digests of files every bidder may include (the tender's own documents and templates).
    pub public_digests: BTreeSet<String>,
    /// Shared networks (`address/prefix`): the trading centre's bidder terminals, the opening
    /// hall — uploads from there say nothing (Fujian R1's exception).
    pub shared_networks: Vec<(IpAddr, u8)>,
    /// Author names office software fills in by default, lower-case.
    pub generic_authors: BTreeSet<String>,
    /// Shortest price run that is a progression (at least 3).
    pub min_progression: usize,
    /// The step prices are rounded to (the fen): steps that differ by at most one unit, and
    /// ratios equal up to that rounding, count as equal — a colluder computing 2 % steps from a
    /// cap rounds each price.
    pub price_unit: Decimal,
}

impl Default for Settings {
    fn default() -> Self {
        let generic = [
            "administrator",
            "admin",
            "user",
            "owner",
            "microsoft",
            "microsoft office user",
            "微软用户",
            "微软中国",
            "unknown",
            "未知",
            "lenovo",
            "dell",
            "hp",
        ];
        Settings {
            public_digests: BTreeSet::new(),
            shared_networks: Vec::new(),
            generic_authors: generic.iter().map(|s| s.to_string()).collect(),
            min_progression: 3,
            price_unit: rust_decimal::dec!(0.01),
        }
    }
}

fn in_network(addr: &IpAddr, (net, prefix): &(IpAddr, u8)) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let p = u32::from((*prefix).min(32));
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            u32::from(*a) & mask == u32::from(*n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let p = u32::from((*prefix).min(128));
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            u128::from(*a) & mask == u128::from(*n) & mask
        }
        _ => false,
    }
}

/// Trimmed, inner whitespace collapsed, ASCII lower-cased; `None` when empty.
fn norm(s: &str) -> Option<String> {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then(|| t.to_ascii_lowercase())
}

/// Bids grouped by a value; each bid counted once per value.
struct Groups<'a> {
    by: HashMap<String, BTreeSet<usize>>,
    bids: &'a [BidFacts],
}

impl<'a> Groups<'a> {
    fn new(bids: &'a [BidFacts]) -> Self {
        Groups {
            by: HashMap::new(),
            bids,
        }
    }

    fn add(&mut self, value: Option<String>, bid: usize) {
        if let Some(v) = value {
            self.by.entry(v).or_default().insert(bid);
        }
    }

    /// Groups spanning at least two bidders, sorted by value.
    fn shared(self) -> Vec<(String, Vec<usize>)> {
        let mut out: Vec<(String, Vec<usize>)> = self
            .by
            .into_iter()
            .filter(|(_, set)| {
                let bidders: BTreeSet<&str> =
                    set.iter().map(|i| self.bids[*i].bidder.as_str()).collect();
                bidders.len() > 1
            })
            .map(|(v, set)| (v, set.into_iter().collect()))
            .collect();
        out.sort();
        out
    }
}

fn signal(bids: &[BidFacts], kind: SignalKind, members: &[usize], evidence: String) -> Signal {
    let mut ids: Vec<String> = members.iter().map(|i| bids[*i].bid.clone()).collect();
    ids.sort();
    ids.dedup();
    Signal {
        kind,
        strength: kind.strength(),
        bids: ids,
        evidence,
        basis: kind.basis().to_string(),
    }
}

/// Every signal among the bids of one section, strong ones first, then by kind and bids.
pub fn signals(bids: &[BidFacts], settings: &Settings) -> Vec<Signal> {
    let mut out = Vec::new();
    documents(bids, settings, &mut out);
    devices(bids, &mut out);
    let mut addresses = Groups::new(bids);
    let mut accounts = Groups::new(bids);
    let mut managers = Groups::new(bids);
    let mut names = Groups::new(bids);
    for (i, b) in bids.iter().enumerate() {
        for a in &b.upload_addresses {
            if !settings.shared_networks.iter().any(|n| in_network(a, n)) {
                addresses.add(Some(a.to_string()), i);
            }
        }
        for acc in &b.bond_accounts {
            let digits: String = acc
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect();
            accounts.add((!digits.is_empty()).then_some(digits), i);
        }
        if let Some(pm) = &b.project_manager {
            managers.add(pm.id.as_deref().and_then(norm), i);
            names.add(norm(&pm.name), i);
        }
    }
    for (kind, groups, what) in [
        (SignalKind::SameUploadAddress, addresses, "上传地址"),
        (SignalKind::SameBondAccount, accounts, "保证金付款账户"),
        (SignalKind::SameProjectManager, managers, "项目经理身份标识"),
    ] {
        for (v, members) in groups.shared() {
            out.push(signal(bids, kind, &members, format!("{what}相同：{v}")));
        }
    }
    // Bids that both give an id are compared by id alone: two people may share a name.
    let without_id = |i: &usize| {
        bids[*i]
            .project_manager
            .as_ref()
            .is_some_and(|p| p.id.as_deref().and_then(norm).is_none())
    };
    for (v, members) in names.shared() {
        if members.iter().any(without_id) {
            out.push(signal(
                bids,
                SignalKind::SameProjectManagerName,
                &members,
                format!("项目经理姓名相同（至少一份投标未提供身份标识）：{v}"),
            ));
        }
    }
    prices(bids, settings, &mut out);
    out.sort_by(|a, b| {
        (a.strength, a.kind, &a.bids, &a.evidence).cmp(&(b.strength, b.kind, &b.bids, &b.evidence))
    });
    out
}

fn documents(bids: &[BidFacts], settings: &Settings, out: &mut Vec<Signal>) {
    let mut digests = Groups::new(bids);
    let mut stamps = Groups::new(bids);
    let mut authors = Groups::new(bids);
    let mut companies = Groups::new(bids);
    for (i, b) in bids.iter().enumerate() {
        for d in &b.document_digests {
            let d = d.trim().to_ascii_lowercase();
            if !d.is_empty() && !settings.public_digests.contains(&d) {
                digests.add(Some(d), i);
            }
        }
        for m in &b.documents {
            if let (Some(c), Some(md)) = (
                m.created.as_deref().and_then(norm),
                m.modified.as_deref().and_then(norm),
            ) {
                stamps.add(Some(format!("创建 {c}，修改 {md}")), i);
            }
            // The author of one bid's file may be who last saved another's.
            for person in [&m.author, &m.last_modified_by] {
                let person = person.as_deref().and_then(norm);
                authors.add(person.filter(|a| !settings.generic_authors.contains(a)), i);
            }
            let company = m.company.as_deref().and_then(norm);
            companies.add(company.filter(|a| !settings.generic_authors.contains(a)), i);
        }
    }
    for (v, m) in digests.shared() {
        out.push(signal(
            bids,
            SignalKind::IdenticalDocument,
            &m,
            format!("文件内容相同（SHA-256 {v}）"),
        ));
    }
    for (v, m) in stamps.shared() {
        out.push(signal(
            bids,
            SignalKind::IdenticalDocumentMetadata,
            &m,
            format!("文件属性相同：{v}"),
        ));
    }
    for (v, m) in authors.shared() {
        out.push(signal(
            bids,
            SignalKind::SameDocumentAuthor,
            &m,
            format!("文件作者相同：{v}"),
        ));
    }
    for (v, m) in companies.shared() {
        out.push(signal(
            bids,
            SignalKind::SameDocumentAuthor,
            &m,
            format!("文件所属单位相同：{v}"),
        ));
    }
}

fn devices(bids: &[BidFacts], out: &mut Vec<Signal>) {
    let mut triples = Groups::new(bids);
    let mut dongles = Groups::new(bids);
    let mut parts = Groups::new(bids);
    for (i, b) in bids.iter().enumerate() {
        let Some(d) = &b.device else { continue };
        let clean = |v: &Option<String>| v.as_deref().and_then(norm);
        let (mac, cpu, disk) = (clean(&d.mac), clean(&d.cpu), clean(&d.disk));
        if let (Some(m), Some(c), Some(k)) = (&mac, &cpu, &disk) {
            triples.add(Some(format!("MAC {m}，CPU {c}，硬盘 {k}")), i);
        }
        dongles.add(clean(&d.pricing_dongle), i);
        for (name, v) in [
            ("MAC", mac),
            ("CPU", cpu),
            ("硬盘", disk),
            ("主板", clean(&d.board)),
        ] {
            parts.add(v.map(|v| format!("{name} {v}")), i);
        }
    }
    let whole = triples.shared();
    // A component shared only by bids already matched on the whole triple adds nothing.
    let covered: Vec<BTreeSet<usize>> = whole
        .iter()
        .map(|(_, m)| m.iter().copied().collect())
        .collect();
    for (v, m) in &whole {
        out.push(signal(
            bids,
            SignalKind::SameDevice,
            m,
            format!("制作机器相同：{v}"),
        ));
    }
    for (v, m) in dongles.shared() {
        out.push(signal(
            bids,
            SignalKind::SamePricingDongle,
            &m,
            format!("计价软件加密锁相同：{v}"),
        ));
    }
    for (v, m) in parts.shared() {
        if covered.iter().any(|c| m.iter().all(|i| c.contains(i))) {
            continue;
        }
        out.push(signal(
            bids,
            SignalKind::SameDeviceComponent,
            &m,
            format!("机器部件相同：{v}"),
        ));
    }
}

fn prices(bids: &[BidFacts], settings: &Settings, out: &mut Vec<Signal>) {
    let mut by_price: BTreeMap<Decimal, Vec<usize>> = BTreeMap::new();
    for (i, b) in bids.iter().enumerate() {
        if let Some(p) = b.price.filter(|p| *p > Decimal::ZERO) {
            by_price.entry(p.normalize()).or_default().push(i);
        }
    }
    for (p, m) in &by_price {
        let bidders: BTreeSet<&str> = m.iter().map(|i| bids[*i].bidder.as_str()).collect();
        if bidders.len() > 1 {
            out.push(signal(
                bids,
                SignalKind::IdenticalPrice,
                m,
                format!("投标报价相同：{p}"),
            ));
        }
    }
    let levels: Vec<(&Decimal, &Vec<usize>)> = by_price.iter().collect();
    let min = settings.min_progression.max(3);
    let unit = settings.price_unit;
    let arithmetic = |a: &Decimal, b: &Decimal, c: &Decimal| ((*b - *a) - (*c - *b)).abs() <= unit;
    // b = a·r and c = a·r², each rounded by at most unit/2, leave |b² − a·c| ≤ 1.5 · unit · b
    // (plus unit²); 2 · unit · b allows for that and nothing a random triple often meets.
    let geometric =
        |a: &Decimal, b: &Decimal, c: &Decimal| match (b.checked_mul(*b), a.checked_mul(*c)) {
            (Some(bb), Some(ac)) => (bb - ac).abs() <= Decimal::TWO * unit * *b,
            _ => false,
        };
    for (kind, same) in [
        (
            SignalKind::PriceArithmeticProgression,
            &arithmetic as &dyn Fn(&Decimal, &Decimal, &Decimal) -> bool,
        ),
        (SignalKind::PriceGeometricProgression, &geometric),
    ] {
        let mut start = 0;
        while start + 2 < levels.len() {
            let mut end = start + 2;
            while end < levels.len() && same(levels[end - 2].0, levels[end - 1].0, levels[end].0) {
                end += 1;
            }
            // levels[start..end] is a run when end − start ≥ 3 (the loop ran at least once).
            if end - start >= min && end > start + 2 {
                let run = &levels[start..end];
                let members: Vec<usize> = run.iter().flat_map(|(_, m)| m.iter().copied()).collect();
                let listed: Vec<String> = run.iter().map(|(p, _)| p.to_string()).collect();
                let step = if kind == SignalKind::PriceArithmeticProgression {
                    format!("等差 {}", *run[1].0 - *run[0].0)
                } else {
                    format!("等比 {}", (*run[1].0 / *run[0].0).round_dp(6))
                };
                out.push(signal(
                    bids,
                    kind,
                    &members,
                    format!("报价呈规律性差异（{step}）：{}", listed.join("、")),
                ));
                start = end - 1;
            } else {
                start += 1;
            }
        }
    }
}

pub mod across;

#[cfg(test)]
mod tests;
