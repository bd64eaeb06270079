//! Deny-by-default authorisation: a permission is allowed only if some role of the caller is
//! listed for it here. Per-object checks (is this *your* tender, bid, organisation?) live in the
//! use-cases, on top of this table.

use std::collections::BTreeSet;

use super::identity::Role;

/// Something a caller may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read one's own identity (`GET /me`), log out.
    ReadSelf,
    /// List all organisations / people on the platform.
    ListRegistry,
    /// Read an organisation's record (besides one's own).
    ReadAnyOrganisation,
    /// Grant or revoke person roles.
    ManageRoles,
    /// Attach staff to an organisation (the organisation itself or an administrator).
    ManageStaff,
    /// Move the sandbox clock.
    AdjustSandboxClock,
    /// Create and run tenders (per-tender: only its tenderer, agent and agent staff).
    ManageTenders,
    /// Ask questions about, and object to, tender documents.
    QueryTenders,
    /// Suspend a tender on a complaint (regulators).
    SuperviseTenders,
    /// Read the whole audit log and every event body (regulators oversee; administrators
    /// operate the platform).
    ReadAuditLog,
    /// Seal, submit, replace, withdraw and decrypt one's own bids.
    SubmitBids,
    /// Entrust an agent with a project, and revoke that entrustment (tenderers).
    EntrustAgents,
    /// Hold remedy-key shares: register an envelope key, release shares at an opening.
    HoldKeyShares,
    /// Admit people to the expert library and read it (the trading centre, regulators).
    KeepExpertLibrary,
    /// Suspend, ban and reinstate members of the expert library and award pools.
    DisciplineExperts,
    /// Keep one's own award-committee pool (定标委员库).
    KeepAwardPool,
    /// Read opened bids' documents decrypted (regulators at any time after the opening; the
    /// evaluation committee's members, per tender, during the evaluation).
    ReadOpenedBids,
    /// Sign the statement (承诺书) and sit on a tenderer's award committee (定标委员会), from
    /// its pool.
    SitOnAwardCommittee,
    /// Handle administrative-penalty cases (行政处罚) as an officer of a department.
    HandleCases,
    /// Record bid-bond refunds made (the trading centre, which holds the bonds).
    RecordBondRefunds,
    /// Pull a contract's payments from the treasury now (the trading centre operates the link).
    PullTreasury,
}

/// The table. Adding a permission without a row here leaves it denied to everyone.
fn roles_for(p: Permission) -> &'static [Role] {
    use Role::*;
    match p {
        Permission::ReadSelf => &[],
        Permission::ListRegistry => &[Regulator, Administrator],
        Permission::ReadAnyOrganisation => &[Regulator, Administrator],
        Permission::ManageRoles => &[Administrator],
        Permission::ManageStaff => &[Tenderer, Agent, Administrator],
        Permission::AdjustSandboxClock => &[Administrator],
        Permission::ManageTenders => &[Tenderer, Agent, AgentStaff],
        Permission::QueryTenders => &[Bidder],
        Permission::SuperviseTenders => &[Regulator],
        Permission::ReadAuditLog => &[Regulator, Administrator],
        Permission::SubmitBids => &[Bidder],
        Permission::HoldKeyShares => &[Custodian],
        Permission::KeepExpertLibrary => &[Administrator, Regulator],
        Permission::DisciplineExperts => &[Regulator],
        Permission::KeepAwardPool => &[Tenderer],
        Permission::ReadOpenedBids => &[Regulator],
        Permission::EntrustAgents => &[Tenderer],
        Permission::SitOnAwardCommittee => &[AwardCommittee],
        Permission::HandleCases => &[Regulator],
        Permission::RecordBondRefunds => &[Administrator],
        Permission::PullTreasury => &[Administrator],
    }
}

/// Whether an authenticated caller holding `roles` may do `p`. `ReadSelf` needs no role: a
/// person registered but not yet granted one must still see who they are and log out.
pub fn permits(roles: &BTreeSet<Role>, p: Permission) -> bool {
    p == Permission::ReadSelf || roles_for(p).iter().any(|r| roles.contains(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_roles_no_access() {
        assert!(permits(&BTreeSet::new(), Permission::ReadSelf));
        for p in [
            Permission::ListRegistry,
            Permission::ReadAnyOrganisation,
            Permission::ManageRoles,
            Permission::ManageStaff,
            Permission::AdjustSandboxClock,
            Permission::ReadAuditLog,
        ] {
            assert!(!permits(&BTreeSet::new(), p), "{p:?}");
        }
    }

    #[test]
    fn bidders_cannot_administer() {
        let b = BTreeSet::from([Role::Bidder]);
        assert!(permits(&b, Permission::ReadSelf));
        assert!(!permits(&b, Permission::ManageRoles));
        assert!(!permits(&b, Permission::ListRegistry));
    }
}
