//! Who can act on the platform: organisations (keyed by USCC) and people (keyed by the personal
//! identifier in their certificate), and the roles they hold.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A role on the platform. Organisations request theirs at registration and hold them only once
/// the trading centre (an administrator) grants them after review; person roles are granted by
/// an administrator, except `AgentStaff`, which follows from working for an agent.
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
pub enum Role {
    /// 招标人
    Tenderer,
    /// 招标代理机构
    Agent,
    /// 投标人
    Bidder,
    /// Staff of an agent, acting for it (委托招标).
    AgentStaff,
    /// 评标专家
    Expert,
    /// 定标委员会成员
    AwardCommittee,
    /// 监管部门
    Regulator,
    /// Platform administrator.
    Administrator,
    /// Holder of a share of every sealed bid's remedy key (R2).
    Custodian,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Tenderer,
        Role::Agent,
        Role::Bidder,
        Role::AgentStaff,
        Role::Expert,
        Role::AwardCommittee,
        Role::Regulator,
        Role::Administrator,
        Role::Custodian,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Tenderer => "tenderer",
            Role::Agent => "agent",
            Role::Bidder => "bidder",
            Role::AgentStaff => "agent_staff",
            Role::Expert => "expert",
            Role::AwardCommittee => "award_committee",
            Role::Regulator => "regulator",
            Role::Administrator => "administrator",
            Role::Custodian => "custodian",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles an organisation may hold (requested at registration, granted by an administrator).
    pub fn is_organisation_role(self) -> bool {
        matches!(self, Role::Tenderer | Role::Agent | Role::Bidder)
    }

    /// Roles an administrator may grant to a person.
    pub fn is_grantable_to_person(self) -> bool {
        matches!(
            self,
            Role::Expert
                | Role::AwardCommittee
                | Role::Regulator
                | Role::Administrator
                | Role::Custodian
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    Organisation,
    Person,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Organisation => "organisation",
            PrincipalKind::Person => "person",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "organisation" => Some(PrincipalKind::Organisation),
            "person" => Some(PrincipalKind::Person),
            _ => None,
        }
    }
}

/// The effective roles of a person: granted roles plus `AgentStaff` when their employer is an
/// agent.
pub fn effective_person_roles(
    granted: &BTreeSet<Role>,
    employer_roles: Option<&BTreeSet<Role>>,
) -> BTreeSet<Role> {
    let mut roles: BTreeSet<Role> = granted
        .iter()
        .copied()
        .filter(|r| r.is_grantable_to_person())
        .collect();
    if employer_roles.is_some_and(|e| e.contains(&Role::Agent)) {
        roles.insert(Role::AgentStaff);
    }
    roles
}

/// A plausible e-mail address: one `@`, a dot in the domain, no spaces, ≤254 chars.
pub fn valid_email(s: &str) -> bool {
    let s = s.trim();
    if s.len() > 254 || s.chars().any(char::is_whitespace) {
        return false;
    }
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

/// The audience of a server whose settings do not name one (`config/default.toml`), and so the
/// one a client expects unless told otherwise.
pub const DEFAULT_AUDIENCE: &str = "etender";

/// Whether a challenge's id and nonce are what a server issues (a UUID; 32 random bytes,
/// base64url without padding): a client rebuilding the login text refuses anything else, so a
/// server cannot smuggle other lines into what it signs.
pub fn plausible_challenge(challenge_id: &str, nonce: &str) -> bool {
    uuid::Uuid::parse_str(challenge_id).is_ok_and(|u| u.hyphenated().to_string() == challenge_id)
        && nonce.len() == 43
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The text a client signs (after the [`crate::domain::signed::LOGIN`] label) to prove
/// possession of its certificate key. Binding the
/// audience stops a signature made for another platform from being replayed here; the
/// challenge id and nonce make it single-use.
pub fn challenge_message(audience: &str, challenge_id: &str, nonce: &str) -> String {
    format!("etender-auth/v1\naudience:{audience}\nchallenge:{challenge_id}\nnonce:{nonce}\n")
}

/// Longest project name an entrustment may carry.
pub const PROJECT_MAX_CHARS: usize = 200;

/// A project name fit for a signed statement: trimmed, not empty, short, and free of control
/// characters (a line feed would let one statement read as another).
pub fn valid_project(project: &str) -> bool {
    let p = project.trim();
    !p.is_empty()
        && p.chars().count() <= PROJECT_MAX_CHARS
        && p == project
        && !p.chars().any(char::is_control)
}

/// The bytes a tenderer signs to entrust `agent` with one project (委托招标). Its own
/// domain-separation label keeps a signature made for anything else from passing as one.
pub fn entrustment_statement(tenderer_id: &str, agent_id: &str, project: &str) -> Vec<u8> {
    let mut out = crate::domain::signed::ENTRUSTMENT.to_vec();
    out.extend_from_slice(
        format!("tenderer:{tenderer_id}\nagent:{agent_id}\nproject:{project}\n").as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::Value::String(r.as_str().into())
            );
        }
    }

    #[test]
    fn agent_staff_follows_employer() {
        let granted = BTreeSet::from([Role::Expert, Role::Bidder]);
        let agent = BTreeSet::from([Role::Agent]);
        let r = effective_person_roles(&granted, Some(&agent));
        assert_eq!(r, BTreeSet::from([Role::Expert, Role::AgentStaff]));
        let r = effective_person_roles(&granted, Some(&BTreeSet::from([Role::Bidder])));
        assert_eq!(r, BTreeSet::from([Role::Expert]));
    }

    #[test]
    fn emails() {
        assert!(valid_email("bid@example.cn"));
        assert!(!valid_email("bid@example"));
        assert!(!valid_email("a b@example.cn"));
        assert!(!valid_email("@example.cn"));
    }
}
