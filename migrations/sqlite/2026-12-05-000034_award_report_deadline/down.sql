ALTER TABLE award_report_signatures DROP COLUMN dissent;
ALTER TABLE award_reports DROP COLUMN deemed_agreed;
ALTER TABLE award_reports DROP COLUMN sign_until;
