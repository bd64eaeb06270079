-- The start of 评定分离 (issue 14, docs/AWARD.md §3): the tenderer's 清标 report, the statements
-- (承诺书) of award-committee members, and the award committee (定标委员会) of each section's
-- award round with its members and the supervising regulator's witness.
CREATE TABLE clearing_reports (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    award_round INTEGER NOT NULL,
    -- the organisation that filed it (the tenderer or its entrusted agent)
    filed_by TEXT NOT NULL,
    -- JSON `domain::award::clearing::ClearingReport`
    body TEXT NOT NULL,
    statement_sha256 TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    certificate TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    UNIQUE (tender_id, section_code, award_round)
);

-- An appointed member's signed statement for one award round (drawn members sign theirs at
-- their draw check-in, `draw_checkins`).
CREATE TABLE award_statements (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    award_round INTEGER NOT NULL,
    person_id TEXT NOT NULL,
    -- the person's record in the tenderer's pool (experts.id)
    member_id TEXT NOT NULL REFERENCES experts(id),
    conflict_party TEXT,
    conflict_reason TEXT,
    statement_sha256 TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    certificate TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    UNIQUE (tender_id, section_code, award_round, person_id)
);

CREATE TABLE award_committees (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    award_round INTEGER NOT NULL,
    -- the award draw its drawn members come from, if any are drawn
    draw_id TEXT REFERENCES draws(id),
    size INTEGER NOT NULL,
    drawn INTEGER NOT NULL,
    formed_by TEXT NOT NULL,
    formed_at TIMESTAMP NOT NULL,
    -- `domain::award::committee::roster_digest` of the members at formation
    roster_sha256 TEXT NOT NULL,
    -- the supervising regulator's signed witness (NULL until witnessed)
    witness_id TEXT,
    witness_signature TEXT,
    witness_algorithm TEXT,
    witness_fingerprint TEXT,
    witness_certificate TEXT,
    witnessed_at TIMESTAMP,
    PRIMARY KEY (tender_id, section_code, award_round)
);

CREATE TABLE award_committee_members (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    award_round INTEGER NOT NULL,
    person_id TEXT NOT NULL,
    member_id TEXT NOT NULL REFERENCES experts(id),
    -- chair | member
    role TEXT NOT NULL,
    -- drawn | appointed
    how TEXT NOT NULL,
    draw_id TEXT REFERENCES draws(id),
    draw_rank INTEGER,
    statement_sha256 TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    joined_at TIMESTAMP NOT NULL,
    left_at TIMESTAMP,
    left_reason TEXT,
    -- award_committee_members.id of the member that took its seat
    replaced_by TEXT,
    UNIQUE (tender_id, section_code, award_round, person_id)
);
CREATE INDEX award_committee_members_person ON award_committee_members(person_id);
