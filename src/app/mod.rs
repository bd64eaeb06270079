//! Use-cases. Each public function is one thing a user does; it owns its transaction and
//! writes the audit entry for every state change it makes, inside that transaction.

pub mod archive;
pub mod audit;
pub mod award;
pub mod bids;
pub mod cases;
pub mod contracts;
pub mod custodians;
pub mod draws;
pub mod evaluation;
pub mod experts;
pub mod identity;
pub mod inspections;
pub mod licences;
pub mod opening;
pub mod refunds;
pub mod sandbox;
pub mod supervision;
pub mod support;
pub mod tenders;
pub mod validity;

use crate::audit::ActorRef;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::crypto::trust::ReloadingTrustStore;
use crate::crypto::x509::IdentityExtraction;
use crate::db::Db;
use crate::domain::authz::permits;
use crate::domain::authz::Permission;
use crate::domain::identity::PrincipalKind;
use crate::domain::identity::Role;
use crate::error::AppError;
use crate::error::AppResult;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Everything a use-case needs; cheap to clone.
#[derive(Clone)]
pub struct AppContext {
    pub db: Db,
    pub clock: SharedClock,
    pub settings: Arc<Settings>,
    pub trust: Arc<ReloadingTrustStore>,
    pub identity_extraction: Arc<IdentityExtraction>,
    /// Wakes the mail dispatcher after a transaction queued mail.
    pub mail_wake: Arc<tokio::sync::Notify>,
    pub storage: crate::storage::Store,
    /// The Merkle log's signing key and sequencer settings.
    pub audit_log: Arc<crate::audit::AuditLog>,
    /// The node's key-encryption key (`crypto::kek`); `db` carries it to the sealed tables.
    pub kek: Arc<crate::crypto::kek::Kek>,
    /// Hash state of bid parts being uploaded on this node.
    pub uploads: support::uploads::UploadHashes,
    /// The expert specialty classification in force.
    pub classification: Arc<crate::domain::experts::Classification>,
    /// This node's load shedding and rate limits (`[limits]`).
    pub limits: Arc<crate::limits::Limits>,
    /// The working-day calendar in force (`[calendar]`).
    pub calendar: Arc<crate::domain::calendar::WorkCalendar>,
    /// The licence registry link (免证明, docs/LICENCES.md).
    pub registry: Arc<crate::registry::Registry>,
    /// The treasury's payment interface (国库支付, docs/TREASURY.md).
    pub treasury: Arc<crate::treasury::Treasury>,
}

impl AppContext {
    pub fn new(db: Db, clock: SharedClock, settings: Settings) -> anyhow::Result<AppContext> {
        let trust = ReloadingTrustStore::with_crl_max_age(
            settings.identity.trust_dir.clone(),
            chrono::Duration::hours(settings.identity.crl_max_age_hours as i64),
        )
        .map_err(|e| anyhow::anyhow!("identity.trust_dir: {e}"))?;
        let identity_extraction = settings.identity_extraction();
        let storage = crate::storage::Store::new(&settings.storage).map_err(|e| {
            anyhow::anyhow!("storage (dir {}): {e}", settings.storage.dir.display())
        })?;
        let production = settings.profile == crate::config::Profile::Production;
        let audit_log = crate::audit::AuditLog::from_settings(&settings.audit, production)?;
        let kek = Arc::new(crate::crypto::kek::Kek::load_or_create(
            &settings.keys.kek_file,
            production,
        )?);
        let db = db.with_kek(kek.clone());
        let classification = settings
            .experts
            .classification()
            .map_err(|e| anyhow::anyhow!("experts.classification_file: {e}"))?;
        let limits = crate::limits::Limits::new(settings.limits.clone(), clock.clone());
        let calendar = settings
            .calendar
            .calendar()
            .map_err(|e| anyhow::anyhow!("calendar.files: {e}"))?;
        let registry = crate::registry::Registry::new(settings.registry.clone())
            .map_err(|e| anyhow::anyhow!("registry: {e}"))?;
        let treasury = crate::treasury::Treasury::new(settings.treasury.clone())
            .map_err(|e| anyhow::anyhow!("treasury: {e}"))?;
        Ok(AppContext {
            treasury: Arc::new(treasury),
            registry: Arc::new(registry),
            calendar: Arc::new(calendar),
            classification: Arc::new(classification),
            limits: Arc::new(limits),
            audit_log: Arc::new(audit_log),
            kek,
            db,
            clock,
            settings: Arc::new(settings),
            trust: Arc::new(trust),
            identity_extraction: Arc::new(identity_extraction),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
            storage,
            uploads: support::uploads::UploadHashes::default(),
        })
    }
}

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub struct Actor {
    pub kind: PrincipalKind,
    /// The principal's UUID (pseudonymous).
    pub id: String,
    pub name: String,
    pub roles: BTreeSet<Role>,
    /// The organisation this caller acts for: itself, or a person's employer.
    pub organisation_id: Option<String>,
    /// SHA-256 of the bearer token (identifies the session).
    pub session: String,
}

impl Actor {
    /// Deny unless one of the caller's roles grants `p`.
    pub fn require(&self, p: Permission) -> AppResult<()> {
        if permits(&self.roles, p) {
            Ok(())
        } else {
            Err(AppError::forbidden("your roles do not permit this action"))
        }
    }

    /// The bidding organisation this caller acts for; refused unless it may submit bids.
    pub fn bidder_org(&self) -> AppResult<String> {
        self.require(Permission::SubmitBids)?;
        self.organisation_id
            .clone()
            .ok_or_else(|| AppError::forbidden("bids are made by organisations"))
    }

    pub fn has(&self, r: Role) -> bool {
        self.roles.contains(&r)
    }

    /// Audit reference acting in role `r`.
    pub fn audit_as(&self, r: Role) -> ActorRef {
        ActorRef {
            role: r.as_str().into(),
            id: self.id.clone(),
        }
    }

    /// Audit reference with all current roles (for actions not tied to one role).
    pub fn audit_ref(&self) -> ActorRef {
        let role = if self.roles.is_empty() {
            self.kind.as_str().to_string()
        } else {
            self.roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join("+")
        };
        ActorRef {
            role,
            id: self.id.clone(),
        }
    }
}

impl From<&Actor> for crate::wire::identity::Principal {
    fn from(a: &Actor) -> Self {
        crate::wire::identity::Principal {
            kind: a.kind,
            id: a.id.clone(),
            name: a.name.clone(),
            roles: a.roles.iter().copied().collect(),
            organisation_id: a.organisation_id.clone(),
        }
    }
}
