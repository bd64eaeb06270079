-- The members' evaluation sheets (issue 13 item 5, docs/EVALUATION.md §17): one per member and
-- stage, signed with the member's personal certificate over `sheet::statement`, hidden until
-- every active member's sheet of the stage is in (`revealed_at`), never edited; a member who
-- leaves keeps its sheets, marked void (条例48).
CREATE TABLE evaluation_sheets (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees(id),
    member_id TEXT NOT NULL REFERENCES committee_members(id),
    principal_id TEXT NOT NULL,
    -- preliminary | scoring | qualitative | adjustments
    stage TEXT NOT NULL,
    -- The canonical `domain::evaluation::sheet::Sheet`, JSON.
    body TEXT NOT NULL,
    -- Hex SHA-256 of the signed statement (`sheet::commitment`).
    statement_sha256 TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    -- Base64 DER of the signing certificate, published with the sheet at the reveal.
    certificate TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    revealed_at TIMESTAMP,
    -- The member left: the sheet is kept and counts for nothing.
    void BOOLEAN NOT NULL,
    UNIQUE (committee_id, member_id, stage)
);
CREATE INDEX evaluation_sheets_stage ON evaluation_sheets(committee_id, stage);

-- 偏离度 flags computed at the reveal of a scoring stage, one per (member, bid, item or sum).
CREATE TABLE deviation_flags (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees(id),
    sheet_id TEXT NOT NULL REFERENCES evaluation_sheets(id),
    member_id TEXT NOT NULL,
    bid_id TEXT NOT NULL,
    -- The item, NULL for the member's item sum of the bid.
    criterion TEXT,
    score TEXT NOT NULL,
    others_mean TEXT NOT NULL,
    flagged_at TIMESTAMP NOT NULL
);
CREATE INDEX deviation_flags_committee ON deviation_flags(committee_id);

-- The flagged member's signed written reason, one per flag.
CREATE TABLE deviation_reasons (
    flag_id TEXT PRIMARY KEY NOT NULL REFERENCES deviation_flags(id),
    committee_id TEXT NOT NULL REFERENCES committees(id),
    member_id TEXT NOT NULL,
    bid_id TEXT NOT NULL,
    criterion TEXT,
    reason TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL
);
