-- Check-in at the evaluation (签到, docs/DRAWS.md §9): by when each called member must check in,
-- and each check-in with its signed commitment and recusal self-declaration.
ALTER TABLE draw_members ADD COLUMN checkin_by TIMESTAMP;
CREATE INDEX draw_members_checkin ON draw_members(status, checkin_by);

CREATE TABLE draw_checkins (
    draw_id TEXT NOT NULL,
    group_code TEXT NOT NULL,
    rank INTEGER NOT NULL,
    expert_id TEXT NOT NULL REFERENCES experts(id),
    principal_id TEXT NOT NULL,
    checked_in_at TIMESTAMP NOT NULL,
    -- The declared conflict (party and reason), both NULL when none was declared.
    conflict_party TEXT,
    conflict_reason TEXT,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    PRIMARY KEY (draw_id, group_code, rank),
    FOREIGN KEY (draw_id, group_code, rank) REFERENCES draw_members(draw_id, group_code, rank)
);
