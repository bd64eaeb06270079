//! Supervision (监管, issue 15): the working-day calendar that complaint and case limits are
//! counted in (条例61, 行政处罚法85), and the 执法人员库 that ties each regulator to its
//! department.

mod bans;
mod calendar;
mod officers;

pub use bans::*;
pub use calendar::*;
pub use officers::*;
