//! The award (定标, issue 14): after the evaluation's complete reports, each section is awarded
//! on its own — traditionally (the ranked candidates publicised, the tenderer awards) or under
//! 评定分离 (清标, the award committee, its rounds and 定标报告, the result's publicity) — and
//! the notices go out (docs/AWARD.md). The stage machine is `domain::award::stage`; the row
//! and the tender's aggregate state are kept by `support::award`.

mod view;

pub use view::*;

mod publicity_common;

mod answer_objection;
mod award_winner;
mod publicity;
mod publish_candidates;
mod raise_objection;
mod request_recheck;
mod winner_drops_out;

pub use answer_objection::*;
pub use award_winner::*;
pub use publicity::*;
pub use publish_candidates::*;
pub use raise_objection::*;
pub use request_recheck::*;
pub use winner_drops_out::*;
