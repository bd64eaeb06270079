DROP INDEX award_committee_members_person;
DROP TABLE award_committee_members;
DROP TABLE award_committees;
DROP TABLE award_statements;
DROP TABLE clearing_reports;
