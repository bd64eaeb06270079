//! Supervision (监管, issue 15): the working-day calendar that complaint and case limits are
//! counted in (条例61, 行政处罚法85).

mod calendar;

pub use calendar::*;
