DROP INDEX award_written_reports_due;
DROP TABLE award_written_reports;
DROP INDEX award_notices_addressee;
DROP TABLE award_notices;
