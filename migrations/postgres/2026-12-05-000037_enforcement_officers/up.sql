-- The 执法人员库: regulators as officers of a supervising department, with their enforcement
-- certificate number, specialty and 回避单位 (a JSON array of {uscc, name, is_working}). A
-- regulator acts on the tenders its department supervises (docs/SUPERVISION.md §3).
CREATE TABLE enforcement_officers (
    person_id TEXT PRIMARY KEY NOT NULL,
    department_code TEXT NOT NULL REFERENCES departments(code),
    certificate_no TEXT NOT NULL,
    specialty TEXT NOT NULL,
    avoid_units TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX enforcement_officers_department ON enforcement_officers(department_code, person_id);
