-- Complaints (投诉, 条例60–62) to the tender's supervising department: filed signed by an
-- organisation, accepted or refused within 3 working days, decided within 30 (pauses for
-- testing or expert review not counted; `pauses` is their JSON list). The limits are derived on
-- read from the instants kept here and the working-day calendar (docs/SUPERVISION.md §5).
CREATE TABLE complaints (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT,
    department_code TEXT REFERENCES departments(code),
    subject TEXT NOT NULL,
    objection_id TEXT,
    complainant_id TEXT NOT NULL,
    complainant_uscc TEXT NOT NULL,
    body TEXT NOT NULL,
    known_at TIMESTAMP NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    certificate TEXT NOT NULL,
    state TEXT NOT NULL,
    handled_by TEXT,
    handled_at TIMESTAMP,
    handled_late BOOLEAN,
    refusal_ground TEXT,
    refusal_reason TEXT,
    pauses TEXT NOT NULL,
    outcome TEXT,
    redo TEXT,
    decision_text TEXT,
    decision_signature TEXT,
    decision_signature_algorithm TEXT,
    decision_certificate TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP,
    decided_late BOOLEAN,
    withdrawn_at TIMESTAMP
);
CREATE INDEX complaints_tender ON complaints(tender_id, filed_at);
CREATE INDEX complaints_department ON complaints(department_code, state);
CREATE INDEX complaints_complainant ON complaints(complainant_id, filed_at);
