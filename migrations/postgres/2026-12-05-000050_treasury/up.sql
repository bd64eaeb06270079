-- Treasury payments on signed contracts (国库支付款网上查询, docs/TREASURY.md).
--
-- One row per payment the treasury reported, keyed by the treasury's own payment id: the import
-- is idempotent by that key (a record sent again is a duplicate; the same id with other content
-- is a conflict, reported and never overwriting the first). `record` is the canonical JSON of
-- the record as received and `digest` its SHA-256.
CREATE TABLE treasury_payments (
    payment_id TEXT PRIMARY KEY NOT NULL,
    contract_id TEXT NOT NULL,
    tender_id TEXT NOT NULL,
    section_code TEXT NOT NULL,
    amount TEXT NOT NULL,
    paid_at TIMESTAMP NOT NULL,
    record TEXT NOT NULL,
    digest TEXT NOT NULL,
    pull_id TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
CREATE INDEX treasury_payments_by_contract ON treasury_payments (contract_id, paid_at);

-- The link's state per contract, for the operator: the last pull and how it ended, the last
-- complete one, failures in a row.
CREATE TABLE treasury_links (
    contract_id TEXT PRIMARY KEY NOT NULL,
    last_pull_at TIMESTAMP NOT NULL,
    last_outcome TEXT NOT NULL,
    last_http_status INTEGER,
    last_error TEXT,
    last_complete_at TIMESTAMP,
    failures_in_row INTEGER NOT NULL,
    pulls INTEGER NOT NULL
);

-- Pulls worth remembering: those that imported something, met a record they would not import,
-- or failed. A complete pull with nothing new only updates `treasury_links`.
CREATE TABLE treasury_pulls (
    id TEXT PRIMARY KEY NOT NULL,
    contract_id TEXT NOT NULL,
    pulled_at TIMESTAMP NOT NULL,
    source TEXT NOT NULL,
    outcome TEXT NOT NULL,
    http_status INTEGER,
    pages INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    received INTEGER NOT NULL,
    imported INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    -- JSON list of {payment_id, problem}: conflicts and rejected records.
    problems TEXT NOT NULL,
    error TEXT,
    triggered_by TEXT NOT NULL
);
CREATE INDEX treasury_pulls_by_contract ON treasury_pulls (contract_id, pulled_at);
CREATE INDEX treasury_pulls_by_time ON treasury_pulls (pulled_at);
