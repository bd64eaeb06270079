//! The log's public key and origin (public: checkpoints verify with it).

use crate::app::AppContext;
use crate::wire::audit::*;

pub fn public_key(ctx: &AppContext) -> PublicKey {
    PublicKey {
        origin: ctx.audit_log.origin().to_owned(),
        verifier_key: ctx.audit_log.verifier().to_vkey_string(),
        algorithm: "ed25519".into(),
    }
}
