//! The award committee's names as the award's publication gives them out: secret from bidders
//! and the public until the award is published (domain-rules §3.3, "the 定标委员会 members
//! (after award)"), then published by the stage that publishes the award, through
//! [`members_public`].

use crate::db::repo::award_committees as acrepo;
use crate::db::repo::awards;
use crate::db::repo::identity as idrepo;
use crate::db::AnyConnection;
use crate::domain::award::committee::MemberRole;
use crate::error::AppResult;

/// One member as the award's publication names it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublicMember {
    pub name: String,
    pub role: MemberRole,
}

/// The active members of the section's award committee in its current award round, chair
/// first, then by name. No authorisation: the caller publishes them only once the award is
/// published. Empty when the section has no award or no committee.
pub fn members_public(
    c: &mut AnyConnection,
    tender: &str,
    section: &str,
) -> AppResult<Vec<PublicMember>> {
    let Some(award) = awards::get(c, tender, section)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for m in acrepo::members_of(c, tender, section, award.award_round)? {
        let name = idrepo::find_person(c, &m.person_id)?
            .map(|p| p.name)
            .unwrap_or_default();
        let role = if m.chair {
            MemberRole::Chair
        } else {
            MemberRole::Member
        };
        out.push(PublicMember { name, role });
    }
    out.sort_by(|a, b| {
        (a.role != MemberRole::Chair, &a.name).cmp(&(b.role != MemberRole::Chair, &b.name))
    });
    Ok(out)
}
