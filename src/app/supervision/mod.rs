//! Supervision (监管, issue 15): the working-day calendar that complaint and case limits are
//! counted in (条例61, 行政处罚法85), the 执法人员库 that ties each regulator to its department,
//! bidding bans, and the artefacts of the 监管事项清单 reform (监管事项, 合规手册, 检查实施清单,
//! 监管计划, 监管对象 with credit grades), kept as data and as the sheets regulators exchange.

mod artefact_rows;
mod artefact_sheets;
mod bans;
mod calendar;
mod export_sheet;
mod import_sheet;
mod officers;
mod publish_plan;
mod record_artefact;

pub use bans::*;
pub use calendar::*;
pub use export_sheet::*;
pub use import_sheet::*;
pub use officers::*;
pub use publish_plan::*;
pub use record_artefact::*;
