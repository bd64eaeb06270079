-- Contract drafts withdrawn because their winner dropped out before signing (条例55,
-- docs/CONTRACTS.md §1): the draft as it stood (the `contracts` row as JSON: terms, document,
-- digest, a performance bond recorded, signatures so far) moves here, so that the section's
-- next winner can have its own contract drafted. A draft has no versions or changes yet.
CREATE TABLE contracts_withdrawn (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL,
    section_code TEXT NOT NULL,
    bid_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    draft TEXT NOT NULL,
    reason TEXT NOT NULL,
    withdrawn_by TEXT NOT NULL,
    withdrawn_at TIMESTAMP NOT NULL
);
CREATE INDEX contracts_withdrawn_section ON contracts_withdrawn (tender_id, section_code);
