-- The 定标报告's signing time (docs/AWARD.md §5): like the 评标报告's (条例53), a member who
-- neither signs nor dissents in writing by `sign_until` is deemed to agree; the deadline tick
-- records those members in `deemed_agreed` (a JSON list of person ids) and completes the report.
-- NULL `sign_until`: a report generated before the signing time existed (no deadline).
ALTER TABLE award_reports ADD COLUMN sign_until TIMESTAMP;
ALTER TABLE award_reports ADD COLUMN deemed_agreed TEXT;
-- A member's written dissent, signed with its position (NULL: it agrees).
ALTER TABLE award_report_signatures ADD COLUMN dissent TEXT;
