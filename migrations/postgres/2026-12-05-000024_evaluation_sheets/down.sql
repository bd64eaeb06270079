DROP TABLE deviation_reasons;
DROP INDEX deviation_flags_committee;
DROP TABLE deviation_flags;
DROP INDEX evaluation_sheets_stage;
DROP TABLE evaluation_sheets;
