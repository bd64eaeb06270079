-- Award notices (issue 14 item 4, docs/AWARD.md "Notices"): the 中标通知书 to the winner and the
-- 中标结果通知 to every other bidder of a section, each a canonical document whose SHA-256 is its
-- digest, signed by the tenderer or its agent with its organisation certificate; and the written
-- report to the regulator (书面报告, 招标投标法47) that the tenderer files within 15 days.
CREATE TABLE award_notices (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    award_round INTEGER NOT NULL,
    -- award (中标通知书) | result (中标结果通知)
    kind TEXT NOT NULL,
    bid_id TEXT NOT NULL,
    -- The bidding organisation the notice is addressed to.
    addressee_id TEXT NOT NULL,
    -- Canonical JSON of the notice; digest = SHA-256 of exactly these bytes, hex.
    document TEXT NOT NULL,
    digest TEXT NOT NULL,
    -- Base64 signature over `etender-award-notice/v1` 0x00 ‖ document, its algorithm, and the
    -- signer's certificate (base64 DER, leaf) and organisation.
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    certificate TEXT NOT NULL,
    signer_id TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    UNIQUE (tender_id, section_code, award_round, bid_id)
);
CREATE INDEX award_notices_addressee ON award_notices(addressee_id);

-- One per notified section and award round: due 15 days after the notices; filed once; flagged
-- to regulators once when the deadline watch finds it overdue.
CREATE TABLE award_written_reports (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    award_round INTEGER NOT NULL,
    notified_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    document TEXT,
    digest TEXT,
    signature TEXT,
    signature_algorithm TEXT,
    certificate TEXT,
    signer_id TEXT,
    filed_at TIMESTAMP,
    overdue_flagged_at TIMESTAMP,
    PRIMARY KEY (tender_id, section_code, award_round)
);
CREATE INDEX award_written_reports_due ON award_written_reports(filed_at, due_at);
