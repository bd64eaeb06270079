-- The supervising department each published tender names (its latest published version's
-- `supervising_department`; NULL: none), kept beside the tender so the regulator's view per
-- department (docs/SUPERVISION.md "The regulator's view per department") can page a department's
-- tenders in one statement instead of parsing every published draft. Written with each version.
CREATE TABLE tender_departments (
    tender_id TEXT PRIMARY KEY NOT NULL REFERENCES tenders(id),
    department_code TEXT
);
CREATE INDEX tender_departments_by_department ON tender_departments (department_code, tender_id);
INSERT INTO tender_departments (tender_id, department_code)
SELECT t.id, json_extract(v.published_draft, '$.supervising_department')
FROM tenders t JOIN tender_versions v ON v.tender_id = t.id AND v.version = t.version
WHERE t.version > 0;
