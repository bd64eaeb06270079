//! Supervision (监管, issue 15): the working-day calendar that complaint and case limits are
//! counted in (条例61, 行政处罚法85), the 执法人员库 that ties each regulator to its department,
//! bidding bans, complaints (投诉) from filing to the decision, the regulator's view across
//! tenders, and the artefacts of the 监管事项清单 reform (监管事项, 合规手册, 检查实施清单, 监管计划,
//! 监管对象 with credit grades), kept as data and as the sheets regulators exchange.

mod artefact_rows;
mod artefact_sheets;
mod bans;
mod breaches;
mod calendar;
mod complaint_common;
mod complaints;
mod cross_signals;
mod decide_complaint;
mod deviation_alerts;
mod export_sheet;
mod file_complaint;
mod handle_complaint;
mod import_sheet;
mod officers;
mod pause_complaint;
mod publish_plan;
mod record_artefact;
mod supervised_tenders;
mod withdraw_complaint;

pub use bans::*;
pub use breaches::*;
pub use calendar::*;
pub use complaints::*;
pub use cross_signals::*;
pub use decide_complaint::*;
pub use deviation_alerts::*;
pub use export_sheet::*;
pub use file_complaint::*;
pub use handle_complaint::*;
pub use import_sheet::*;
pub use officers::*;
pub use pause_complaint::*;
pub use publish_plan::*;
pub use record_artefact::*;
pub use supervised_tenders::*;
pub use withdraw_complaint::*;
