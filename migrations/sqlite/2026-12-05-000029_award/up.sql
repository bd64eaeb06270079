-- The award (定标, issue 14, docs/AWARD.md): one row per section that entered it, with the
-- stage of its award state machine (`domain::award::stage`), the candidates of the 评标报告 it
-- rests on, and what was decided. The stages' own records (清标, the award committee, rounds
-- and ballots, objections, notices) hang off (tender_id, section_code).
CREATE TABLE section_awards (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    -- 'traditional' | 'separated' (评定分离)
    mode TEXT NOT NULL,
    stage TEXT NOT NULL,
    -- JSON array of bid ids in the report's order (rank order when traditional)
    candidates TEXT NOT NULL,
    report_id TEXT NOT NULL,
    report_digest TEXT NOT NULL,
    winner_bid_id TEXT,
    winner_reason TEXT,
    decided_at TIMESTAMP,
    publicity_from TIMESTAMP,
    publicity_until TIMESTAMP,
    open_objections INTEGER NOT NULL DEFAULT 0,
    -- a new award round after an upheld objection or a winner giving up
    award_round INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tender_id, section_code)
);
