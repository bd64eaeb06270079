//! Typed configuration: `config/default.toml` (compiled in) → an optional file → `ETENDER__*`
//! environment variables.
//!
//! Any value that cannot be used stops start-up with a message that names the key and where its
//! value came from (the file and line, or the environment variable), because an operator facing
//! a refused start needs to know which of three layers to fix.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Provider};
use serde::{Deserialize, Serialize};

/// The defaults shipped with the binary (the same file as `config/default.toml`).
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    Development,
    Production,
}

/// Every setting. `Debug` and `Serialize` never show a secret (see [`crate::secret`]):
/// serialising settings exists for `etender check-config`, which prints them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub profile: Profile,
    pub http: HttpSettings,
    pub database: crate::db::DatabaseSettings,
    pub log: LogSettings,
    pub clock: ClockSettings,
    pub sandbox: SandboxSettings,
    pub identity: IdentitySettings,
    pub mail: crate::mail::MailSettings,
    pub storage: crate::storage::StorageSettings,
    pub tenders: TenderSettings,
    pub audit: crate::audit::AuditSettings,
    pub experts: ExpertSettings,
    pub limits: crate::limits::LimitSettings,
    #[serde(default)]
    pub metrics: MetricsSettings,
    pub keys: KeySettings,
    pub bonds: BondSettings,
    #[serde(default)]
    pub evaluation: EvaluationSettings,
    #[serde(default)]
    pub collusion: CollusionSettings,
    #[serde(default)]
    pub award_rounds: AwardRoundSettings,
    #[serde(default)]
    pub calendar: CalendarSettings,
    #[serde(default)]
    pub inspections: InspectionSettings,
    #[serde(default)]
    pub contracts: ContractSettings,
    #[serde(default)]
    pub validity: ValiditySettings,
    #[serde(default)]
    pub registry: crate::registry::RegistrySettings,
    #[serde(default)]
    pub treasury: crate::treasury::TreasurySettings,
}

/// Contracts (`[contracts]`, docs/CONTRACTS.md): the reminders sent to both parties before the
/// 30-day limit from the 中标通知书 runs out, in days before its last day.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContractSettings {
    pub reminder_days_before: Vec<u32>,
}

impl Default for ContractSettings {
    fn default() -> Self {
        ContractSettings {
            reminder_days_before: vec![7, 1],
        }
    }
}

impl ContractSettings {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.reminder_days_before.len() > 5
            || self.reminder_days_before.iter().any(|&d| d == 0 || d > 29)
        {
            out.push((
                "reminder_days_before",
                "at most 5 reminders, each 1 to 29 days before the last day".to_string(),
            ));
        }
        out
    }
}

/// Bid validity (`[validity]`, docs/BIDDING.md §4): the reminders sent to the tender's side
/// before the validity in force of a section's bids ends, in days before that end, while an
/// extension can still be asked.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValiditySettings {
    pub reminder_days_before: Vec<u32>,
}

impl Default for ValiditySettings {
    fn default() -> Self {
        ValiditySettings {
            reminder_days_before: vec![7, 2],
        }
    }
}

impl ValiditySettings {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.reminder_days_before.len() > 5
            || self.reminder_days_before.iter().any(|&d| d == 0 || d > 60)
        {
            out.push((
                "reminder_days_before",
                "at most 5 reminders, each 1 to 60 days before the end".to_string(),
            ));
        }
        out
    }
}

/// 双随机一公开 (`[inspections]`, docs/SUPERVISION.md §9): how long the plan's departments have
/// to contribute to a round's draw before the fallback, and the working days from a visit within
/// which its results must be published (commonly 20; the law leaves it to the province).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InspectionSettings {
    pub contribution_minutes: u32,
    pub publish_within_working_days: u32,
}

impl Default for InspectionSettings {
    fn default() -> Self {
        InspectionSettings {
            contribution_minutes: 60,
            publish_within_working_days: 20,
        }
    }
}

impl InspectionSettings {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.contribution_minutes == 0 || self.contribution_minutes > 7 * 24 * 60 {
            out.push((
                "contribution_minutes",
                "must be between 1 and 10080 (a week)".to_string(),
            ));
        }
        if self.publish_within_working_days == 0 || self.publish_within_working_days > 60 {
            out.push((
                "publish_within_working_days",
                "must be between 1 and 60".to_string(),
            ));
        }
        out
    }
}

/// Working days (`[calendar]`, `domain::calendar`): holiday-notice files laid over the notices
/// shipped with the binary (`assets/holidays-cn.json`), so a year is added or corrected as data.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarSettings {
    /// Files shaped like `assets/holidays-cn.json`; a year in a file replaces the shipped one.
    pub files: Vec<PathBuf>,
}

impl CalendarSettings {
    /// The calendar in force.
    pub fn calendar(&self) -> Result<crate::domain::calendar::WorkCalendar, String> {
        use crate::domain::calendar::WorkCalendar;
        self.files
            .iter()
            .try_fold(WorkCalendar::shipped(), |cal, path| {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let extra =
                    WorkCalendar::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                cal.overlaid(extra)
                    .map_err(|e| format!("{}: {e}", path.display()))
            })
    }

    pub fn problems(&self) -> Vec<(&'static str, String)> {
        match self.calendar() {
            Ok(_) => Vec::new(),
            Err(why) => vec![("files", why)],
        }
    }
}

/// The award's deciding (`[award_rounds]`, docs/AWARD.md §3): how long a ballot round stays
/// open (a member who has not voted by then is recorded as missing). How long the 定标结果 is
/// publicised is the section's `award_terms.publicity_days` (else the procedure rules'
/// default), as for every award publicity (`support::award_publicity`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AwardRoundSettings {
    pub round_minutes: u32,
    /// How long the members have to sign the 定标报告 once it is generated; a member who has
    /// neither signed nor dissented by then is deemed to agree (as 条例53 says of the 评标报告).
    pub report_signing_minutes: u32,
}

impl Default for AwardRoundSettings {
    fn default() -> Self {
        AwardRoundSettings {
            round_minutes: 30,
            report_signing_minutes: 120,
        }
    }
}

impl AwardRoundSettings {
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.round_minutes == 0 || self.round_minutes > 24 * 60 {
            out.push(("round_minutes", "must be between 1 and 1440".to_string()));
        }
        let m = self.report_signing_minutes;
        if m == 0 || m > 7 * 24 * 60 {
            out.push((
                "report_signing_minutes",
                "must be between 1 and 10080 (a week)".to_string(),
            ));
        }
        out
    }
}

/// The evaluation's policy settings (`[evaluation]`; every key optional, defaults in
/// docs/EVALUATION.md §6 and §21). 偏离度: a member's item score further from the other members'
/// mean than `deviation_per_criterion` × that mean, or its item sum of a bid further than
/// `deviation_total` × the others' mean sum, is flagged (fractions; defaults 0.3 and 0.2).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvaluationSettings {
    pub deviation_per_criterion: rust_decimal::Decimal,
    pub deviation_total: rust_decimal::Decimal,
    /// Minutes the members have to sign the generated report (or dissent in writing); a member
    /// silent by then is deemed to agree (条例53).
    pub report_signing_minutes: u32,
}

impl Default for EvaluationSettings {
    fn default() -> Self {
        let p = crate::domain::evaluation::deviation::DeviationPolicy::default();
        EvaluationSettings {
            deviation_per_criterion: p.per_criterion,
            deviation_total: p.total,
            report_signing_minutes: 120,
        }
    }
}

impl EvaluationSettings {
    /// `(key, why)` for each setting out of range: a share is a fraction in (0, 10].
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let ten = rust_decimal::Decimal::TEN;
        let mut out: Vec<(&'static str, String)> = [
            ("deviation_per_criterion", self.deviation_per_criterion),
            ("deviation_total", self.deviation_total),
        ]
        .into_iter()
        .filter(|(_, v)| *v <= rust_decimal::Decimal::ZERO || *v > ten)
        .map(|(k, _)| {
            (
                k,
                "must be a share above 0 and at most 10 (0.3 = 30 %)".to_string(),
            )
        })
        .collect();
        let max = 7 * 24 * 60;
        let m = self.report_signing_minutes;
        if m == 0 || m > max {
            out.push((
                "report_signing_minutes",
                format!("must be between 1 and {max}"),
            ));
        }
        out
    }

    pub fn policy(&self) -> crate::domain::evaluation::deviation::DeviationPolicy {
        crate::domain::evaluation::deviation::DeviationPolicy {
            per_criterion: self.deviation_per_criterion,
            total: self.deviation_total,
        }
    }
}

/// What the collusion signals computed at each section's opening do not count as evidence
/// (`[collusion]`, docs/EVALUATION.md §9); unset values take the domain's defaults
/// (`domain::collusion::Settings`). Thresholds are not regulated.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollusionSettings {
    /// Shared networks, `address/prefix` (the trading centre's bidder terminals, the opening
    /// hall): uploads from there say nothing.
    pub shared_networks: Vec<String>,
    /// Author names office software fills in by default, beyond the domain's own list.
    pub generic_authors: Vec<String>,
    /// Shortest price run that is a progression (at least 3).
    pub min_progression: Option<usize>,
    /// The price rounding step steps and ratios are compared within (default 0.01).
    pub price_unit: Option<rust_decimal::Decimal>,
}

impl CollusionSettings {
    /// The domain's settings; the tender's own documents are added to `public_digests` by the
    /// opening.
    pub fn domain(&self) -> Result<crate::domain::collusion::Settings, (&'static str, String)> {
        let mut out = crate::domain::collusion::Settings::default();
        for n in &self.shared_networks {
            let bad = || ("shared_networks", format!("{n:?} is not address/prefix"));
            let (addr, prefix) = n.trim().split_once('/').ok_or_else(bad)?;
            let addr: std::net::IpAddr = addr.parse().map_err(|_| bad())?;
            let prefix: u8 = prefix.parse().map_err(|_| bad())?;
            if prefix > if addr.is_ipv4() { 32 } else { 128 } {
                return Err(bad());
            }
            out.shared_networks.push((addr, prefix));
        }
        for a in &self.generic_authors {
            let a = a.split_whitespace().collect::<Vec<_>>().join(" ");
            if !a.is_empty() {
                out.generic_authors.insert(a.to_ascii_lowercase());
            }
        }
        if let Some(m) = self.min_progression {
            if !(3..=1000).contains(&m) {
                return Err(("min_progression", "must be between 3 and 1000".into()));
            }
            out.min_progression = m;
        }
        if let Some(u) = self.price_unit {
            if u <= rust_decimal::Decimal::ZERO {
                return Err(("price_unit", "must be positive".into()));
            }
            out.price_unit = u;
        }
        Ok(out)
    }

    pub fn problems(&self) -> Vec<(&'static str, String)> {
        self.domain().err().into_iter().collect()
    }
}

/// Bid bonds paid into per-bid virtual sub-accounts (虚拟子账号) at the platform's bank.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BondSettings {
    /// The bank holding the bonds, as bidders are told.
    pub bank_name: String,
    /// Leading digits of every sub-account number (the bank's range for this platform).
    pub account_prefix: String,
    /// The key the bank signs its arrival notices with (HMAC-SHA256, shared out of band): a
    /// file holding at least 32 bytes. Empty: the bank is not connected.
    pub notice_key_file: PathBuf,
    /// Further bond issuers — banks issuing guarantees (保函), insurers issuing guarantee
    /// insurance — each posting notices signed with its own key. Bonds come only from the
    /// bank's and these issuers' signed notices: no person at the platform records one.
    #[serde(default)]
    pub issuers: Vec<BondIssuer>,
    /// The bank's annual rate, in percent, for the interest refunded with a cash bond
    /// (条例57: 银行同期存款利息); the demand-deposit (活期) rate by default.
    #[serde(default = "default_refund_interest_percent")]
    pub refund_interest_percent: rust_decimal::Decimal,
    /// Days in the interest year: 360 (the banks' 日利率 = 年利率 ÷ 360) or 365.
    #[serde(default = "default_interest_day_basis")]
    pub interest_day_basis: u32,
}

fn default_refund_interest_percent() -> rust_decimal::Decimal {
    rust_decimal::dec!(0.35)
}

fn default_interest_day_basis() -> u32 {
    360
}

/// A bank or insurer whose signed notices report bonds (`POST /api/v1/bank/bond-arrivals`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BondIssuer {
    /// Recorded with every bond it reports (and shown to the bidder).
    pub name: String,
    /// Its HMAC-SHA256 notice key: a file holding at least 32 bytes.
    pub key_file: PathBuf,
}

impl BondSettings {
    /// Every issuer whose notices count: the bank (`notice_key_file`, named `bank_name`) when
    /// connected, then `issuers`.
    pub fn all_issuers(&self) -> Vec<BondIssuer> {
        let bank = (!self.notice_key_file.as_os_str().is_empty()).then(|| BondIssuer {
            name: self.bank_name.clone(),
            key_file: self.notice_key_file.clone(),
        });
        bank.into_iter()
            .chain(self.issuers.iter().cloned())
            .collect()
    }

    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.refund_interest_percent.is_sign_negative()
            || self.refund_interest_percent > rust_decimal::Decimal::TEN
        {
            out.push((
                "refund_interest_percent",
                "must be between 0 and 10".to_string(),
            ));
        }
        if !matches!(self.interest_day_basis, 360 | 365) {
            out.push(("interest_day_basis", "must be 360 or 365".to_string()));
        }
        let p = &self.account_prefix;
        if !(4..=10).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_digit()) {
            out.push(("account_prefix", "must be 4 to 10 digits".into()));
        }
        if self.bank_name.trim().is_empty() {
            out.push(("bank_name", "must not be empty".into()));
        }
        let mut names = std::collections::BTreeSet::new();
        let mut files = std::collections::BTreeSet::new();
        for issuer in self.all_issuers() {
            let name = issuer.name.trim().to_string();
            if name.is_empty() || name.chars().count() > 128 {
                out.push((
                    "issuers",
                    "each issuer needs a name of 1 to 128 characters".into(),
                ));
            } else if !names.insert(name) {
                out.push(("issuers", format!("{:?} is named twice", issuer.name)));
            }
            if issuer.key_file.as_os_str().is_empty() {
                out.push(("issuers", format!("{:?} has no key_file", issuer.name)));
            } else if !files.insert(issuer.key_file.clone()) {
                // One key for two issuers would leave open which of them a notice came from.
                out.push((
                    "issuers",
                    format!("{} is the key of two issuers", issuer.key_file.display()),
                ));
            }
        }
        out
    }
}

/// The node's own secrets that are not the log key (`crypto::kek`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySettings {
    /// The key-encryption key file (`etender kek keygen --out FILE`). Development creates it
    /// when missing; production refuses to start without it.
    pub kek_file: PathBuf,
}

/// Where `/metrics` is served: its own listener, never the public one (its counters, read by
/// anyone, would tell when bids arrive). Unset: no metrics listener at all.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub listen: SocketAddr,
    pub public_url: String,
    pub workers: usize,
    pub json_limit_bytes: usize,
    pub shutdown_timeout_secs: u64,
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSettings {
    pub display_timezone: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxSettings {
    pub enabled: bool,
    pub speed: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySettings {
    pub trust_dir: PathBuf,
    pub uscc_field: String,
    pub person_id_field: String,
    pub require_crl: bool,
    /// Certificate policies (dotted OIDs) of organisation certificates.
    pub organisation_certificate_policies: Vec<String>,
    /// Certificate policies (dotted OIDs) of personal certificates.
    pub person_certificate_policies: Vec<String>,
    /// A CRL without `nextUpdate` counts as current for this long after its `thisUpdate`.
    pub crl_max_age_hours: u64,
    pub audience: String,
    pub challenge_ttl_secs: u64,
    pub token_ttl_secs: u64,
    pub bootstrap_administrators: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenderSettings {
    pub ocid_prefix: String,
    pub publisher_name: String,
    pub deadline_check_interval_ms: u64,
    /// Opening ceremony: how long bidders have to release their keys (R1).
    pub decryption_window_minutes: u32,
    /// …then how long custodians have to release shares for bids still sealed (R2).
    pub recovery_window_minutes: u32,
    /// …and how long bidders may object to the opening record.
    pub objection_window_minutes: u32,
    /// Who may not be a remedy custodian of a tender (docs/SEALED-BIDS.md §6).
    #[serde(default)]
    pub custodian_independence: CustodianIndependence,
    /// Procedure rules per procedure type; only the numbers you change need to be given.
    #[serde(default)]
    pub rules: crate::domain::tender::ProcedureRulesTable,
}

/// The expert library: its specialty classification and who it admits.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpertSettings {
    /// A classification file replacing the shipped one (`assets/expert-specialties.json`);
    /// empty: the shipped one.
    pub classification_file: PathBuf,
    pub admission: crate::domain::experts::AdmissionRules,
    pub draws: DrawSettings,
}

/// Time limits and exclusions of draws (docs/DRAWS.md).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawSettings {
    /// How long the supervising regulator has to contribute its random value before the
    /// fallback contribution is used.
    pub contribution_minutes: u32,
    /// How long a drawn member has to confirm or decline.
    pub answer_minutes: u32,
    /// A member seated in a draw for the same tenderer within this many days is not drawn
    /// again (0: no such exclusion).
    pub recent_days: u32,
    /// Check-in at the evaluation opens this many minutes before the evaluation time…
    pub checkin_open_minutes: u32,
    /// …and closes this many minutes after it (a reserve called once it is open gets this long
    /// from its call). A called member not checked in by then is replaced.
    pub checkin_close_minutes: u32,
    /// 条例46: experts of the tender's supervising department are not drawn for it.
    pub exclude_supervising_department: bool,
}

impl ExpertSettings {
    /// The classification in force.
    pub fn classification(&self) -> Result<crate::domain::experts::Classification, String> {
        use crate::domain::experts::Classification;
        if self.classification_file.as_os_str().is_empty() {
            return Ok(Classification::shipped());
        }
        let text = std::fs::read_to_string(&self.classification_file)
            .map_err(|e| format!("cannot read {}: {e}", self.classification_file.display()))?;
        Classification::parse(&text)
    }

    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Err(why) = self.classification() {
            out.push(("classification_file", why));
        }
        let d = &self.draws;
        for (key, v, max) in [
            (
                "draws.contribution_minutes",
                d.contribution_minutes,
                7 * 24 * 60,
            ),
            ("draws.answer_minutes", d.answer_minutes, 7 * 24 * 60),
            ("draws.recent_days", d.recent_days + 1, 3651),
            (
                "draws.checkin_open_minutes",
                d.checkin_open_minutes,
                24 * 60,
            ),
            (
                "draws.checkin_close_minutes",
                d.checkin_close_minutes,
                24 * 60,
            ),
        ] {
            if v == 0 || v > max {
                out.push((key, format!("must be between 1 and {max}")));
            }
        }
        if self.admission.min_practice_years > 60 {
            out.push((
                "admission.min_practice_years",
                "must be at most 60".to_string(),
            ));
        }
        out
    }
}

/// How independent a tender's remedy custodians must be of its parties and bidders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustodianIndependence {
    /// A custodian may not be staff of the tenderer or the agent (refused at publication,
    /// `custodian_not_independent`), and an organisation whose staff includes a custodian of
    /// the tender may not bid on it (refused when the upload opens, `custodian_conflict`).
    #[default]
    Strict,
    /// No check (a platform whose custodians are appointed outside it).
    Off,
}

/// A configuration problem, already phrased for the operator.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Load defaults, then `file` (if given), then the environment. The built-in profile is
    /// `production`, and `development` cannot be chosen here (a file or `ETENDER__PROFILE`
    /// naming it is refused): only an explicit development start
    /// ([`load_for_development`](Self::load_for_development)) gets it, and with it the sandbox
    /// clock.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let figment = Self::figment(file)?;
        Self::from_figment(&figment)
    }

    /// The explicit development start (`serve --dev`, `demo`, the test suites): as
    /// [`load`](Self::load) with `profile = "development"`; refused when the file or the
    /// environment asks for `production` explicitly.
    pub fn load_for_development(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let figment = Self::figment(file)?;
        let mut explicit = Figment::new();
        if let Some(path) = file {
            explicit = explicit.merge(Toml::file(path));
        }
        let explicit = explicit.merge(Env::prefixed("ETENDER__").split("__"));
        if explicit.extract_inner::<Profile>("profile").ok() == Some(Profile::Production) {
            return Err(ConfigError(format!(
                "profile = \"production\" (set in {}) refuses a development start",
                source_of(&figment, "profile")
            )));
        }
        let figment = figment.merge(figment::providers::Serialized::default(
            "profile",
            Profile::Development,
        ));
        Self::checked(&figment, true)
    }

    /// The layered sources, before extraction (exposed so tests can add their own layer).
    pub fn figment(file: Option<&Path>) -> Result<Figment, ConfigError> {
        let mut f = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            check_toml_syntax(path)?;
            f = f.merge(Toml::file(path));
        }
        let env = Env::prefixed("ETENDER__").split("__");
        Ok(f.merge(env.clone().ignore(&SECRET_KEYS))
            .merge(VerbatimEnv(env.only(&SECRET_KEYS))))
    }

    pub fn from_figment(figment: &Figment) -> Result<Settings, ConfigError> {
        Self::checked(figment, false)
    }

    fn checked(figment: &Figment, development_start: bool) -> Result<Settings, ConfigError> {
        let settings: Settings = figment.extract().map_err(|e| {
            ConfigError(
                e.into_iter()
                    .map(|e| {
                        let key = e.path.join(".").to_lowercase();
                        if key.is_empty() {
                            e.to_string()
                        } else {
                            format!("{key}: {} (set in {})", e.kind, source_of(figment, &key))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        if settings.profile == Profile::Development && !development_start {
            return Err(ConfigError(format!(
                "profile = \"development\" (set in {}) is refused: development is only for an \
                 explicit development start (`etender serve --dev`, `make run`, `etender demo`)",
                source_of(figment, "profile")
            )));
        }
        settings.validate(figment)?;
        Ok(settings)
    }

    fn validate(&self, figment: &Figment) -> Result<(), ConfigError> {
        let bad = |key: &str, why: String| -> ConfigError {
            ConfigError(format!("{key} {why} (set in {})", source_of(figment, key)))
        };
        if self.profile == Profile::Production && self.sandbox.enabled {
            return Err(bad(
                "sandbox.enabled",
                "= true is refused with profile = \"production\": the sandbox clock can be moved"
                    .into(),
            ));
        }
        if self.identity.crl_max_age_hours == 0 || self.identity.crl_max_age_hours > 24 * 366 {
            return Err(bad(
                "identity.crl_max_age_hours",
                "must be between 1 and 8784 (a year)".into(),
            ));
        }
        if self.sandbox.speed == 0 || self.sandbox.speed > 1_000_000 {
            return Err(bad("sandbox.speed", "must be between 1 and 1000000".into()));
        }
        if self
            .clock
            .display_timezone
            .parse::<chrono_tz::Tz>()
            .is_err()
        {
            return Err(bad(
                "clock.display_timezone",
                format!("{:?} is not an IANA time zone", self.clock.display_timezone),
            ));
        }
        for key in ["identity.uscc_field", "identity.person_id_field"] {
            let v = if key.ends_with("uscc_field") {
                &self.identity.uscc_field
            } else {
                &self.identity.person_id_field
            };
            v.parse::<crate::crypto::x509::IdentityField>()
                .map_err(|_| {
                    bad(
                        key,
                        format!(
                            "{v:?} must be subject_serial_number, subject_ou or extension:<oid>"
                        ),
                    )
                })?;
        }
        if self.identity.token_ttl_secs < 30 || self.identity.token_ttl_secs > 86_400 {
            return Err(bad(
                "identity.token_ttl_secs",
                "must be between 30 and 86400".into(),
            ));
        }
        if self.identity.challenge_ttl_secs < 10 || self.identity.challenge_ttl_secs > 3600 {
            return Err(bad(
                "identity.challenge_ttl_secs",
                "must be between 10 and 3600".into(),
            ));
        }
        if let Err(why) = self.tenders.rules.check() {
            return Err(bad("tenders.rules", why));
        }
        if !crate::ocds::is_valid_ocid_prefix(&self.tenders.ocid_prefix) {
            return Err(bad(
                "tenders.ocid_prefix",
                "must be \"ocds-\" followed by 6 letters or digits".into(),
            ));
        }
        // Each module checks its own settings; the keys it names are relative to its section.
        let sections = [
            ("database", self.database.problems()),
            ("storage", self.storage.problems()),
            ("audit", self.audit.problems()),
            ("experts", self.experts.problems()),
            ("limits", self.limits.problems()),
            ("bonds", self.bonds.problems()),
            ("evaluation", self.evaluation.problems()),
            ("collusion", self.collusion.problems()),
            ("award_rounds", self.award_rounds.problems()),
            ("calendar", self.calendar.problems()),
            ("inspections", self.inspections.problems()),
            ("contracts", self.contracts.problems()),
            ("validity", self.validity.problems()),
            ("registry", self.registry.problems()),
            ("treasury", self.treasury.problems()),
        ];
        for (section, problems) in sections {
            if let Some((key, why)) = problems.into_iter().next() {
                return Err(bad(&format!("{section}.{key}"), why));
            }
        }
        if self.profile == Profile::Production && !self.audit.signing_key_file.is_file() {
            return Err(bad(
                "audit.signing_key_file",
                format!(
                    "{} does not exist; production refuses to invent a log key (create one with \
                     `etender audit keygen --out FILE`)",
                    self.audit.signing_key_file.display()
                ),
            ));
        }
        if let Some(m) = self.metrics.listen {
            if m == self.http.listen && m.port() != 0 {
                return Err(bad(
                    "metrics.listen",
                    "must differ from http.listen: metrics are not public".into(),
                ));
            }
        }
        if self.profile == Profile::Production && !self.keys.kek_file.is_file() {
            return Err(bad(
                "keys.kek_file",
                format!(
                    "{} does not exist; production refuses to run without its {}",
                    self.keys.kek_file.display(),
                    "key-encryption key (create one with `etender kek keygen --out FILE`, and keep \
                     it off the database host and its backups)"
                ),
            ));
        }
        if self.http.json_limit_bytes < 1024 {
            return Err(bad("http.json_limit_bytes", "must be at least 1024".into()));
        }
        if !(self.http.public_url.starts_with("http://")
            || self.http.public_url.starts_with("https://"))
        {
            return Err(bad(
                "http.public_url",
                "must start with http:// or https://".into(),
            ));
        }
        if self.profile == Profile::Production && !self.identity.trust_dir.is_dir() {
            return Err(bad(
                "identity.trust_dir",
                format!(
                    "{} is not a directory; production needs trust anchors",
                    self.identity.trust_dir.display()
                ),
            ));
        }
        Ok(())
    }

    /// The settings as TOML, secrets shown as [`crate::secret::REDACTED`] (`etender
    /// check-config`).
    pub fn to_redacted_toml(&self) -> String {
        toml::to_string_pretty(self).expect("settings serialise to TOML")
    }

    pub fn display_tz(&self) -> chrono_tz::Tz {
        self.clock
            .display_timezone
            .parse()
            .unwrap_or(chrono_tz::Asia::Shanghai)
    }

    pub fn identity_extraction(&self) -> crate::crypto::x509::IdentityExtraction {
        let d = crate::crypto::x509::IdentityExtraction::default();
        crate::crypto::x509::IdentityExtraction {
            uscc: self.identity.uscc_field.parse().unwrap_or(d.uscc),
            person_id: self.identity.person_id_field.parse().unwrap_or(d.person_id),
            organisation_policies: self.identity.organisation_certificate_policies.clone(),
            person_policies: self.identity.person_certificate_policies.clone(),
        }
    }
}

/// Settings whose value is a secret. From the environment they are taken verbatim (see
/// [`VerbatimEnv`]); everywhere they are shown redacted (see [`crate::secret`]).
pub const SECRET_KEYS: [&str; 4] = [
    "database.url",
    "database.replica_url",
    "mail.smtp_password",
    "storage.s3.secret_access_key",
];

/// Environment variables whose values are strings exactly as written. figment's `Env` reads
/// values as TOML-like data, so a password `12345` would become a number — refused, with the
/// password in the message — and `"pw"` or `[pw]` would lose characters.
struct VerbatimEnv(Env);

impl Provider for VerbatimEnv {
    fn metadata(&self) -> Metadata {
        self.0.metadata()
    }

    fn data(&self) -> Result<Map<figment::Profile, Dict>, figment::Error> {
        fn insert(dict: &mut Dict, path: &[&str], value: Value) {
            match path {
                [] => {}
                [last] => {
                    dict.insert((*last).to_string(), value);
                }
                [head, rest @ ..] => {
                    let entry = dict
                        .entry((*head).to_string())
                        .or_insert_with(|| Value::from(Dict::new()));
                    if let Value::Dict(_, inner) = entry {
                        insert(inner, rest, value);
                    }
                }
            }
        }
        let mut dict = Dict::new();
        for (key, value) in self.0.iter() {
            let path: Vec<&str> = key.as_str().split('.').collect();
            insert(&mut dict, &path, Value::from(value));
        }
        Ok(figment::Profile::Default.collect(dict))
    }
}

/// Refuse a config file that is not TOML, naming the line and column but not quoting it: the
/// parser's own message shows the offending line, which may hold a password.
fn check_toml_syntax(path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("config file {}: {e}", path.display())))?;
    let Err(e) = text.parse::<toml::Table>() else {
        return Ok(());
    };
    let at = match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[line_start..].chars().count() + 1;
            format!(" at line {line}, column {column}")
        }
        None => String::new(),
    };
    Err(ConfigError(format!(
        "config file {} is not valid TOML{at}: {}",
        path.display(),
        e.message().trim_end()
    )))
}

/// Human description of where `key`'s value came from.
fn source_of(figment: &Figment, key: &str) -> String {
    match figment.find_metadata(key) {
        Some(md) if md.name.contains("environment") => {
            format!(
                "environment variable ETENDER__{}",
                key.to_uppercase().replace('.', "__")
            )
        }
        Some(md) => match &md.source {
            Some(src) => format!("{} ({src})", md.name),
            None => md.name.to_string(),
        },
        None => "defaults".into(),
    }
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail's closures return figment::Error"
)]
mod tests {
    use super::*;
    use crate::secret::ExposeSecret;
    use figment::Jail;

    #[test]
    fn defaults_load() {
        Jail::expect_with(|_| {
            let s = Settings::load_for_development(None).map_err(|e| e.to_string())?;
            assert_eq!(s.profile, Profile::Development);
            assert!(s.database.url.expose_secret().starts_with("sqlite://"));
            Ok(())
        });
    }

    #[test]
    fn the_built_in_profile_is_production_and_development_needs_an_explicit_start() {
        Jail::expect_with(|jail| {
            let f = Settings::figment(None).map_err(|e| e.to_string())?;
            assert_eq!(f.extract_inner::<Profile>("profile")?, Profile::Production);
            // An environment variable can neither pick development nor switch the sandbox
            // clock on.
            jail.set_env("ETENDER__PROFILE", "development");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("ETENDER__PROFILE"), "{err}");
            jail.clear_env();
            jail.set_env("ETENDER__SANDBOX__ENABLED", "true");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("sandbox.enabled"), "{err}");
            // An explicit production setting refuses a development start.
            jail.clear_env();
            jail.set_env("ETENDER__PROFILE", "production");
            let err = Settings::load_for_development(None)
                .unwrap_err()
                .to_string();
            assert!(err.contains("refuses a development start"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn env_overrides_file_and_errors_name_the_variable() {
        Jail::expect_with(|jail| {
            jail.create_file("my.toml", "[http]\nlisten = \"127.0.0.1:9999\"\n")?;
            jail.set_env("ETENDER__DATABASE__URL", "postgres://u@localhost/db");
            let s = Settings::load_for_development(Some(Path::new("my.toml")))
                .map_err(|e| e.to_string())?;
            assert_eq!(s.http.listen.port(), 9999);
            assert_eq!(s.database.url.expose_secret(), "postgres://u@localhost/db");

            jail.set_env("ETENDER__HTTP__LISTEN", "not-an-address");
            let err = Settings::load_for_development(Some(Path::new("my.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("listen"), "{err}");
            assert!(err.contains("ETENDER__HTTP__LISTEN"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_bad_calendar_file_fails_the_start_naming_the_key() {
        Jail::expect_with(|jail| {
            // 4 January 2027 is a Monday: not a weekend day that could be worked instead.
            jail.create_file(
                "2027.json",
                r#"{"years": [{"year": 2027, "notice": "n", "holidays": [],
                    "working_weekends": ["2027-01-04"]}]}"#,
            )?;
            jail.create_file("my.toml", "[calendar]\nfiles = [\"2027.json\"]\n")?;
            let err = Settings::load_for_development(Some(Path::new("my.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("calendar.files"), "{err}");
            assert!(err.contains("2027-01-04"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn sandbox_refused_in_production_naming_the_source() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "prod.toml",
                "profile = \"production\"\n[identity]\ntrust_dir = \".\"\n",
            )?;
            jail.set_env("ETENDER__SANDBOX__ENABLED", "true");
            let err = Settings::load(Some(Path::new("prod.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("sandbox.enabled"), "{err}");
            assert!(err.contains("ETENDER__SANDBOX__ENABLED"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn production_refuses_to_start_without_the_log_key() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "prod.toml",
                concat!(
                    "profile = \"production\"\n",
                    "[identity]\ntrust_dir = \".\"\n",
                    "[audit]\nsigning_key_file = \"missing.pem\"\n",
                ),
            )?;
            let err = Settings::load(Some(Path::new("prod.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("audit.signing_key_file"), "{err}");
            assert!(err.contains("missing.pem"), "{err}");
            jail.create_file("missing.pem", "x")?;
            // Nor without its key-encryption key (default `data/kek`, here absent).
            let err = Settings::load(Some(Path::new("prod.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("keys.kek_file"), "{err}");
            assert!(err.contains("etender kek keygen"), "{err}");
            jail.set_env("ETENDER__KEYS__KEK_FILE", "node.kek");
            let err = Settings::load(Some(Path::new("prod.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("node.kek"), "{err}");
            jail.create_file("node.kek", "x")?;
            Settings::load(Some(Path::new("prod.toml"))).map_err(|e| e.to_string())?;
            jail.set_env("ETENDER__AUDIT__ORIGIN", "has space");
            let err = Settings::load(Some(Path::new("prod.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("audit.origin"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn bond_issuers_are_named_once_with_keys_of_their_own() {
        Jail::expect_with(|jail| {
            for (toml, problem) in [
                (
                    "[bonds]\nnotice_key_file = \"bank.key\"\nissuers = [{ name = \"示范银行 \
                     (demo bank)\", key_file = \"other.key\" }]\n",
                    "named twice",
                ),
                (
                    "[bonds]\nissuers = [{ name = \"a\", key_file = \"k\" }, \
                     { name = \"b\", key_file = \"k\" }]\n",
                    "the key of two issuers",
                ),
                (
                    "[bonds]\nissuers = [{ name = \" \", key_file = \"k\" }]\n",
                    "needs a name",
                ),
                (
                    "[bonds]\nissuers = [{ name = \"a\", key_file = \"\" }]\n",
                    "has no key_file",
                ),
            ] {
                jail.create_file("bonds.toml", toml)?;
                let err = Settings::load_for_development(Some(Path::new("bonds.toml")))
                    .unwrap_err()
                    .to_string();
                assert!(
                    err.contains("bonds.issuers") && err.contains(problem),
                    "{toml}: {err}"
                );
            }
            jail.create_file(
                "bonds.toml",
                "[bonds]\nnotice_key_file = \"bank.key\"\n\
                 issuers = [{ name = \"保险\", key_file = \"insurer.key\" }]\n",
            )?;
            let s = Settings::load_for_development(Some(Path::new("bonds.toml")))
                .map_err(|e| e.to_string())?;
            let names: Vec<String> = s.bonds.all_issuers().into_iter().map(|i| i.name).collect();
            assert_eq!(names, ["示范银行 (demo bank)", "保险"]);
            Ok(())
        });
    }

    #[test]
    fn s3_backend_needs_usable_settings() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "s3.toml",
                concat!(
                    "[storage]\nbackend = \"s3\"\n[storage.s3]\n",
                    "endpoint = \"http://127.0.0.1:9000\"\nallow_http = true\n",
                    "access_key_id = \"node\"\n",
                ),
            )?;
            let err = Settings::load_for_development(Some(Path::new("s3.toml")))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("storage.s3") && err.contains("secret_access_key"),
                "{err}"
            );
            jail.set_env("ETENDER__STORAGE__S3__SECRET_ACCESS_KEY", "from-env");
            let s = Settings::load_for_development(Some(Path::new("s3.toml")))
                .map_err(|e| e.to_string())?;
            assert_eq!(s.storage.backend, crate::storage::Backend::S3);
            assert_eq!(
                secrecy::ExposeSecret::expose_secret(&s.storage.s3.secret_access_key),
                "from-env"
            );
            Ok(())
        });
    }

    #[test]
    fn secrets_from_the_environment_are_verbatim_and_never_shown() {
        Jail::expect_with(|jail| {
            // Values figment's Env would read as a number, a string literal and an array.
            let smtp = "31415926535";
            let url = "postgres://u:\"pw[1]\"@db.internal/etender";
            let replica = "postgres://u@replica/etender?password=0.50";
            jail.set_env("ETENDER__MAIL__SMTP_PASSWORD", smtp);
            jail.set_env("ETENDER__DATABASE__URL", url);
            jail.set_env("ETENDER__DATABASE__REPLICA_URL", replica);
            let s = Settings::load_for_development(None).map_err(|e| e.to_string())?;
            assert_eq!(s.mail.smtp_password.expose_secret(), smtp);
            assert_eq!(s.database.url.expose_secret(), url);
            assert_eq!(s.database.replica_url.expose_secret(), replica);
            let shown = format!("{s:?}\n{}", s.to_redacted_toml());
            for secret in [smtp, "pw[1]", "0.50"] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
            assert!(
                shown.contains("postgres://u:<redacted>@db.internal/etender"),
                "{shown}"
            );
            // Still named in an error about the key, by variable.
            jail.set_env("ETENDER__DATABASE__URL", "mysql://u:pw@h/d");
            let err = Settings::load_for_development(None)
                .unwrap_err()
                .to_string();
            assert!(err.contains("ETENDER__DATABASE__URL"), "{err}");
            assert!(!err.contains("pw"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn bad_database_url_and_missing_file() {
        Jail::expect_with(|jail| {
            jail.set_env("ETENDER__DATABASE__URL", "mysql://x");
            let err = Settings::load_for_development(None)
                .unwrap_err()
                .to_string();
            assert!(err.contains("database.url"), "{err}");
            let err = Settings::load_for_development(Some(Path::new("nope.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("nope.toml"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn unknown_key_is_refused() {
        Jail::expect_with(|jail| {
            jail.create_file("typo.toml", "[http]\nlisten_addr = \"127.0.0.1:1\"\n")?;
            let err = Settings::load_for_development(Some(Path::new("typo.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("listen_addr"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn deviation_shares_default_and_are_checked() {
        Jail::expect_with(|jail| {
            let s = Settings::load_for_development(None).unwrap();
            assert_eq!(
                s.evaluation.policy(),
                crate::domain::evaluation::deviation::DeviationPolicy::default()
            );
            jail.create_file("shares.toml", "[evaluation]\ndeviation_total = \"0.25\"\n")?;
            let s = Settings::load_for_development(Some(Path::new("shares.toml"))).unwrap();
            assert_eq!(s.evaluation.deviation_total, rust_decimal::dec!(0.25));
            assert_eq!(
                s.evaluation.deviation_per_criterion,
                rust_decimal::dec!(0.3)
            );
            jail.create_file(
                "zero.toml",
                "[evaluation]\ndeviation_per_criterion = \"0\"\n",
            )?;
            let err = Settings::load_for_development(Some(Path::new("zero.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("evaluation.deviation_per_criterion"), "{err}");
            Ok(())
        });
    }
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail's closures return figment::Error"
)]
mod rules_tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn procedure_rules_are_overridable_and_checked() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "rules.toml",
                "[tenders.rules.open]\nmin_days_issue_to_deadline = 25\n",
            )?;
            let s = Settings::load_for_development(Some(Path::new("rules.toml")))
                .map_err(|e| e.to_string())?;
            let open = s
                .tenders
                .rules
                .get(crate::domain::tender::ProcedureType::Open);
            assert_eq!(open.min_days_issue_to_deadline, 25);
            // Untouched numbers keep their statutory defaults.
            assert_eq!(open.amendment_notice_days, 15);
            jail.create_file(
                "bad.toml",
                "[tenders.rules.open]\nmin_custodians = 9\nmax_custodians = 3\n",
            )?;
            let err = Settings::load_for_development(Some(Path::new("bad.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("tenders.rules"), "{err}");
            Ok(())
        });
    }
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail's closures return figment::Error"
)]
mod collusion_tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn collusion_settings_add_to_the_domains_and_are_checked() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "[collusion]\nshared_networks = [\"10.20.0.0/16\", \"fd00::/8\"]\n\
                 generic_authors = [\" 公司 电脑 \"]\nmin_progression = 4\n",
            )?;
            let s = Settings::load_for_development(Some(Path::new("c.toml")))
                .map_err(|e| e.to_string())?;
            let d = s.collusion.domain().unwrap();
            assert_eq!(d.shared_networks.len(), 2);
            assert!(d.generic_authors.contains("公司 电脑"));
            assert!(
                d.generic_authors.contains("administrator"),
                "the domain's own stay"
            );
            assert_eq!(d.min_progression, 4);
            assert_eq!(d.price_unit, rust_decimal::dec!(0.01));
            for bad in [
                "shared_networks = [\"10.20.0.0\"]",
                "shared_networks = [\"10.20.0.0/33\"]",
                "min_progression = 2",
                "price_unit = \"0\"",
            ] {
                jail.create_file("bad.toml", &format!("[collusion]\n{bad}\n"))?;
                let err = Settings::load_for_development(Some(Path::new("bad.toml")))
                    .unwrap_err()
                    .to_string();
                assert!(err.contains("collusion."), "{bad}: {err}");
            }
            Ok(())
        });
    }
}
