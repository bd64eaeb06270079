-- Verifiable random draws (docs/DRAWS.md): the frozen frame, the server's commitment and
-- secret (revealed through the audit log once the names may be known), contributions, and each
-- drawn or reserve member in draw order with what became of them.
CREATE TABLE draws (
    id TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    evaluation_at TIMESTAMP NOT NULL,
    place TEXT NOT NULL,
    remote BOOLEAN NOT NULL,
    frame TEXT NOT NULL,
    frame_digest TEXT NOT NULL,
    commitment TEXT NOT NULL,
    secret TEXT NOT NULL,
    contribute_by TIMESTAMP NOT NULL,
    state TEXT NOT NULL,
    drawn_at TIMESTAMP,
    revealed_at TIMESTAMP,
    -- The `draw_contribution_missed` event whose first checkpoint gives the fallback value.
    fallback_event TEXT
);
CREATE INDEX draws_section ON draws(tender_id, section_code, purpose);
CREATE INDEX draws_state ON draws(state, contribute_by);

CREATE TABLE draw_contributions (
    draw_id TEXT NOT NULL REFERENCES draws(id),
    position INTEGER NOT NULL,
    contributor TEXT NOT NULL,
    value TEXT NOT NULL,
    signature TEXT,
    signature_algorithm TEXT,
    signer_fingerprint TEXT,
    contributed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (draw_id, position)
);

CREATE TABLE draw_members (
    draw_id TEXT NOT NULL REFERENCES draws(id),
    group_code TEXT NOT NULL,
    rank INTEGER NOT NULL,
    expert_id TEXT NOT NULL REFERENCES experts(id),
    principal_id TEXT NOT NULL,
    status TEXT NOT NULL,
    answer_by TIMESTAMP,
    answered_at TIMESTAMP,
    PRIMARY KEY (draw_id, group_code, rank)
);
CREATE INDEX draw_members_principal ON draw_members(principal_id, status);
CREATE INDEX draw_members_due ON draw_members(status, answer_by);
