-- Clarifications (澄清, 条例52) and rejection motions (否决投标 on judged grounds, 条例51) of an
-- evaluation committee (issue 13, docs/EVALUATION.md §18).
CREATE TABLE clarifications (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees(id),
    bid_id TEXT NOT NULL,
    -- domain::evaluation::clarification::Question as JSON, and the hex digest the bidder signs
    -- its answer over (Question::digest, bound to committee, bid and this id).
    question TEXT NOT NULL,
    question_sha256 TEXT NOT NULL,
    -- committee_members.id of the leader that asked.
    asked_by TEXT NOT NULL,
    asked_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    -- The bidder's answer (clarification::Answer as JSON), signed over answer_statement.
    answer TEXT,
    answer_signature TEXT,
    answer_signature_algorithm TEXT,
    answer_certificate TEXT,
    answered_at TIMESTAMP,
    -- The committee's record: accepted or not, why, by which member (the leader), when.
    accepted BOOLEAN,
    decision_reason TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP
);
CREATE INDEX clarifications_committee ON clarifications(committee_id);

CREATE TABLE rejection_motions (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees(id),
    bid_id TEXT NOT NULL,
    -- domain::evaluation::rejection::RejectionReason, a judged ground (never an automatic one).
    reason TEXT NOT NULL,
    statement TEXT NOT NULL,
    -- committee_members.id of the proposer.
    proposed_by TEXT NOT NULL,
    proposed_at TIMESTAMP NOT NULL,
    -- Set when every active member has voted; carried by a majority of the active members.
    closed_at TIMESTAMP,
    carried BOOLEAN
);
CREATE INDEX rejection_motions_committee ON rejection_motions(committee_id);

CREATE TABLE motion_votes (
    motion_id TEXT NOT NULL REFERENCES rejection_motions(id),
    -- committee_members.id of the voter; a member that leaves keeps its row, but only active
    -- members' votes count (docs/EVALUATION.md §18.3).
    member_id TEXT NOT NULL,
    in_favour BOOLEAN NOT NULL,
    reason TEXT,
    voted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (motion_id, member_id)
);
