-- The award's publicity and objections (公示, 异议; 条例54, docs/AWARD.md §4).
-- One publication per section and award round: when it was due (3 days after the 评标报告 was
-- received), whether it came late (allowed, flagged for the regulators), and its window.
CREATE TABLE award_publications (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    award_round INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    -- NULL for a 评定分离 result (its deadline is the 定标报告's, not the 评标报告's).
    due_at TIMESTAMP,
    late BOOLEAN NOT NULL,
    days INTEGER NOT NULL,
    publicity_from TIMESTAMP NOT NULL,
    publicity_until TIMESTAMP NOT NULL,
    PRIMARY KEY (tender_id, section_code, award_round)
);

-- An objection to the result, signed by the objector's organisation certificate over
-- `domain::award::publicity::objection_statement`; answered once by the tenderer's side.
CREATE TABLE award_objections (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    award_round INTEGER NOT NULL,
    -- The objector's organisation id and USCC.
    raised_by TEXT NOT NULL,
    objector_uscc TEXT NOT NULL,
    body TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    certificate TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    answer_due TIMESTAMP NOT NULL,
    -- dismissed | upheld; NULL while open.
    outcome TEXT,
    -- reevaluation | new_round | retender when upheld.
    send_back TEXT,
    answer TEXT,
    answered_by TEXT,
    answered_at TIMESTAMP,
    answered_late BOOLEAN
);
CREATE INDEX award_objections_section ON award_objections(tender_id, section_code, raised_at);

-- A traditional winner that dropped out (条例55: gave up, cannot perform, no performance bond,
-- broke the law); the next in rank is counted past these.
CREATE TABLE award_dropouts (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    bid_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    statement TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tender_id, section_code, bid_id)
);
