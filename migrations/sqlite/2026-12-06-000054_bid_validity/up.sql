-- 投标有效期 extensions (docs/BIDDING.md, "Bid validity"): the tender's side asks every bid of a
-- section still valid to extend its validity to `new_end`, answered by `answer_due`; one open
-- at a time per section. Closed by the deadline watch once the answers are due: the silent
-- bidders are then taken to decline (视为拒绝).
CREATE TABLE validity_extensions (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL,
    section_code TEXT NOT NULL,
    previous_end TIMESTAMP NOT NULL,
    new_end TIMESTAMP NOT NULL,
    answer_due TIMESTAMP NOT NULL,
    reason TEXT NOT NULL,
    -- JSON: the bids asked, `[{bid, organisation, bidder_uscc}]`, those valid when requested.
    asked TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);
CREATE INDEX validity_extensions_section
    ON validity_extensions (tender_id, section_code, requested_at);
CREATE INDEX validity_extensions_open ON validity_extensions (answer_due) WHERE closed_at IS NULL;

-- Each asked bidder's signed answer, once per bid. Written once, never updated.
CREATE TABLE validity_answers (
    extension_id TEXT NOT NULL,
    bid_id TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    agree BOOLEAN NOT NULL,
    -- The canonical document signed (`domain::validity::answer_document`) and its SHA-256.
    document TEXT NOT NULL,
    digest TEXT NOT NULL,
    -- JSON: the bidder's signature (`wire::validity::ValiditySignature`).
    signature TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    answered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (extension_id, bid_id)
);
