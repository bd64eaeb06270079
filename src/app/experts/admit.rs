//! The trading centre or a regulator admits a registered person to the expert library.

use super::*;
use crate::app::AppContext;
use crate::domain::identity::Role;

/// The trading centre or a regulator admits a registered person to the expert library, under
/// the library's admission rules; the person becomes an expert (role `expert`).
pub async fn admit(ctx: &AppContext, actor: &Actor, req: AdmitMember) -> AppResult<Member> {
    actor.require(Permission::KeepExpertLibrary)?;
    let rules = ctx.settings.experts.admission.clone();
    let as_role = if actor.has(Role::Regulator) {
        Role::Regulator
    } else {
        Role::Administrator
    };
    admit_to(ctx, actor, as_role, Library::Experts, Some(rules), req).await
}
