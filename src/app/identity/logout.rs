//! End the caller's session.

use crate::app::Actor;
use crate::app::AppContext;
use crate::audit;
use crate::audit::Event;
use crate::audit::EventType;
use crate::db::repo::identity as repo;
use crate::db::types::to_db;
use crate::domain::authz::Permission;
use crate::error::AppResult;
use serde_json::json;

/// End the caller's session.
pub async fn logout(ctx: &AppContext, actor: &Actor) -> AppResult<()> {
    actor.require(Permission::ReadSelf)?;
    let now = ctx.clock.now();
    let actor = actor.clone();
    ctx.db
        .write(move |c| {
            if repo::revoke_session(c, &actor.session, to_db(now))? == 1 {
                audit::record(
                    c,
                    now,
                    Event {
                        event_type: EventType::SessionClosed,
                        tender_id: None,
                        section_id: None,
                        actor: actor.audit_ref(),
                        subject: actor.id.clone(),
                        body: json!({"principal": actor.id, "session": &actor.session[..16]}),
                    },
                )?;
            }
            Ok(())
        })
        .await
}
