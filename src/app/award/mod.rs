//! The award (定标, issue 14): after the evaluation's complete reports, each section is awarded
//! on its own — traditionally (the ranked candidates publicised, the tenderer awards) or under
//! 评定分离 (清标, the award committee, its rounds and 定标报告, the result's publicity) — and
//! the notices go out (docs/AWARD.md). The stage machine is `domain::award::stage`; the row
//! and the tender's aggregate state are kept by `support::award`.

mod award_report;
mod cast;
mod deciding;
mod sign_award_report;
mod start_deciding;
mod steps;
mod steps_view;
mod tick;
mod view;

pub use award_report::*;
pub use cast::*;
pub use sign_award_report::*;
pub use start_deciding::*;
pub use steps::*;
pub use tick::*;
pub use view::*;
