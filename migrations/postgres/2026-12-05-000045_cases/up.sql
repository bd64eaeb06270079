-- Administrative-penalty cases (行政处罚, docs/SUPERVISION.md "Cases"): one row a case, from the
-- clue to 结案 or a side exit. The steps themselves are the case's audit entries (subject = the
-- case id); the row keeps what the next step needs: the state, the limits running, the notice's
-- penalties (JSON: `domain::case::Penalty`) the decision may not exceed, and the decision
-- document (JSON: `wire::cases::Decision`) that the public credit list (条例78) shows once served.
CREATE TABLE cases (
    id TEXT PRIMARY KEY NOT NULL,
    department_code TEXT NOT NULL REFERENCES departments(code),
    state TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    party_kind TEXT NOT NULL,
    party_uscc TEXT,
    party_person TEXT,
    party_name TEXT NOT NULL,
    summary TEXT NOT NULL,
    occurred_on TIMESTAMP NOT NULL,
    grave BOOLEAN NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    registered_at TIMESTAMP,
    extended_days INTEGER NOT NULL,
    decision_due TIMESTAMP,
    notice TEXT,
    notified_at TIMESTAMP,
    reply_due TIMESTAMP,
    hearing_rights BOOLEAN NOT NULL,
    defence TEXT,
    hearing TEXT,
    decision TEXT,
    decision_no TEXT UNIQUE,
    decided_at TIMESTAMP,
    serve_due TIMESTAMP,
    served_at TIMESTAMP,
    served_late BOOLEAN NOT NULL,
    executed_at TIMESTAMP,
    outcome TEXT,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cases_department ON cases(department_code, id);
CREATE INDEX cases_party ON cases(party_uscc);
CREATE INDEX cases_served ON cases(served_at, id);

-- Evidence (证据, 行政处罚法46): a file in the content-addressed store, added by one officer and
-- confirmed by a second (42: at least two officers investigate); both are in the audit entries
-- with the file's SHA-256.
CREATE TABLE case_evidence (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    added_by TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL,
    second_officer TEXT NOT NULL,
    confirmed_at TIMESTAMP
);
CREATE INDEX case_evidence_case ON case_evidence(case_id, id);
