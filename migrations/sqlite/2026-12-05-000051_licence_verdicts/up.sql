-- The licence verdicts frozen into a section's evaluation when its committee's review starts
-- (the leader elected; docs/LICENCES.md §9): per opened bid, the verdict on each licence
-- requirement at the bid deadline from the registry record the platform held then (its fetch
-- id and digest), and what that means for qualification. Written once per section, never
-- updated: a `not_met` standing rejects the bid automatically (条例51(三)).
CREATE TABLE licence_verdicts (
    tender_id TEXT NOT NULL,
    section_code TEXT NOT NULL,
    committee_id TEXT NOT NULL,
    frozen_at TIMESTAMP NOT NULL,
    bid_deadline TIMESTAMP NOT NULL,
    -- JSON: the frozen bids (`domain::licence::FrozenBid`).
    bids TEXT NOT NULL,
    PRIMARY KEY (tender_id, section_code)
);
