-- The award's deciding (定标, issue 14, docs/AWARD.md §3): each step the engine asks for — a
-- ballot round, a lot, a deliberation — one row per step of an award round of a section, and
-- the members' signed ballots, opinions and the chair's decision. A ballot's content is only
-- served once its round is revealed (revealed_at); until then only its commitment is logged.
CREATE TABLE award_steps (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    award_round INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    -- vote | lot | deliberation
    kind TEXT NOT NULL,
    -- JSON array of the bid ids asked about; picks = names per ballot, or drawn by a lot.
    among TEXT NOT NULL,
    picks INTEGER NOT NULL,
    -- The engine's reason for asking (domain::award::Reason, snake_case).
    reason TEXT NOT NULL,
    -- JSON array of the members' person ids when it opened, in committee order.
    members TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP,
    closed_at TIMESTAMP,
    draw_id TEXT,
    UNIQUE (tender_id, section_code, award_round, seq)
);
CREATE INDEX award_steps_open ON award_steps(closed_at, closes_at);

CREATE TABLE award_ballots (
    id TEXT PRIMARY KEY NOT NULL,
    step_id TEXT NOT NULL REFERENCES award_steps(id),
    person_id TEXT NOT NULL,
    -- ballot | opinion | decision
    kind TEXT NOT NULL,
    -- JSON array of the candidates named, sorted.
    choices TEXT NOT NULL,
    reason TEXT,
    statement_sha256 TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    certificate TEXT NOT NULL,
    cast_at TIMESTAMP NOT NULL,
    revealed_at TIMESTAMP,
    UNIQUE (step_id, person_id, kind)
);

-- The 定标报告: the exact canonical-JSON bytes whose SHA-256 every member and the chair sign.
CREATE TABLE award_reports (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    award_round INTEGER NOT NULL,
    document TEXT NOT NULL,
    digest TEXT NOT NULL,
    generated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    UNIQUE (tender_id, section_code, award_round)
);

CREATE TABLE award_report_signatures (
    report_id TEXT NOT NULL REFERENCES award_reports(id),
    person_id TEXT NOT NULL,
    chair BOOLEAN NOT NULL,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    certificate TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (report_id, person_id)
);
