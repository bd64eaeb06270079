//! Supervision (监管, issue 15): the working-day calendar that complaint and case limits are
//! counted in (条例61, 行政处罚法85), the 执法人员库 that ties each regulator to its
//! department, bidding bans, and complaints (投诉) from filing to the decision.

mod bans;
mod calendar;
mod complaint_common;
mod complaints;
mod cross_signals;
mod decide_complaint;
mod file_complaint;
mod handle_complaint;
mod officers;
mod pause_complaint;
mod withdraw_complaint;

pub use bans::*;
pub use calendar::*;
pub use complaints::*;
pub use cross_signals::*;
pub use decide_complaint::*;
pub use file_complaint::*;
pub use handle_complaint::*;
pub use officers::*;
pub use pause_complaint::*;
pub use withdraw_complaint::*;
