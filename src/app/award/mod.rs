//! The award (定标, issue 14): after the evaluation's complete reports, each section is awarded
//! on its own — traditionally (the ranked candidates publicised, the tenderer awards) or under
//! 评定分离 (清标, the award committee, its rounds and 定标报告, the result's publicity) — and
//! the notices go out (docs/AWARD.md). The stage machine is `domain::award::stage`; the row
//! and the tender's aggregate state are kept by `support::award`.

mod view;

pub use view::*;

mod file_written_report;
mod flag_overdue_reports;
mod issue_notices;
mod notice;
mod notice_drafts;
mod notice_facts;
mod notices;
mod overdue_written_reports;
mod written_report;

pub use file_written_report::*;
pub use flag_overdue_reports::*;
pub use issue_notices::*;
pub use notice::*;
pub use notice_drafts::*;
pub use notice_facts::NoticeSignatures;
pub use notices::*;
pub use overdue_written_reports::*;
pub use written_report::*;
