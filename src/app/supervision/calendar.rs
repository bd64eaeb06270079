//! The working-day calendar in force (public: every party counts the same days).

use crate::app::AppContext;
use crate::domain::schedule::legal_date;
use crate::wire::supervision::{Calendar, CalendarYear, HolidayPeriod};

/// The holiday notices the server counts working days by, with the operator's warnings.
pub fn calendar(ctx: &AppContext) -> Calendar {
    let years = ctx
        .calendar
        .years()
        .map(|y| CalendarYear {
            year: y.year,
            notice: y.notice.clone(),
            holidays: y
                .holidays
                .iter()
                .map(|h| HolidayPeriod {
                    name: h.name.clone(),
                    from: h.from,
                    to: h.to,
                })
                .collect(),
            working_weekends: y.working_weekends.clone(),
        })
        .collect();
    Calendar {
        years,
        warnings: ctx.calendar.warnings(legal_date(ctx.clock.now())),
    }
}
