DROP TABLE report_signatures;
DROP INDEX evaluation_reports_signing;
DROP INDEX evaluation_reports_committee;
DROP TABLE evaluation_reports;
