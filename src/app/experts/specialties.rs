//! The specialty classification in force (public).

use super::*;
use crate::app::AppContext;

/// The specialty classification in force, in code order (public: bidders and tenderers name
/// specialties in requests and documents).
pub fn specialties(ctx: &AppContext) -> Vec<Specialty> {
    ctx.classification.entries()
}
