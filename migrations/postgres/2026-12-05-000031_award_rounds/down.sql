DROP TABLE award_report_signatures;
DROP TABLE award_reports;
DROP TABLE award_ballots;
DROP TABLE award_steps;
