-- Collusion signals (串标围标, issue 13 item 6, docs/EVALUATION.md §9): computed once per
-- section when its opening record is published, in that transaction. The platform flags; the
-- committee decides. `collusion_runs` says the computation happened (a section with no signal
-- has a run and no signal rows); `collusion_signals` holds each signal in its computed order.
CREATE TABLE collusion_runs (
    tender_id TEXT NOT NULL,
    section_code TEXT NOT NULL,
    bids INTEGER NOT NULL,
    signals INTEGER NOT NULL,
    -- SHA-256 (hex) of the canonical JSON of the signals, as the audit entry names it.
    digest TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    -- How long the opening spent on them (gathering each bid's facts, comparing, storing), in
    -- milliseconds: the figure `make bench` (collusion) reads.
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (tender_id, section_code)
);
CREATE TABLE collusion_signals (
    tender_id TEXT NOT NULL,
    section_code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    strength TEXT NOT NULL,
    -- JSON array of the bid ids the signal concerns (sorted).
    members TEXT NOT NULL,
    evidence TEXT NOT NULL,
    basis TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tender_id, section_code, seq)
);
-- What the bidder's tool recorded of the bid's preparation (device fingerprint digests, each
-- document's metadata), kept from the opened summary for the signals and the committee. Sealed
-- under the KEK (db::sealing, bound to the bid id): the opening record, which is public, does
-- not carry it.
CREATE TABLE opened_preparations (
    bid_id TEXT PRIMARY KEY,
    sealed TEXT NOT NULL
);
