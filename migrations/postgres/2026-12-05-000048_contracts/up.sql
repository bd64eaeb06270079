-- Contracts after the award (docs/CONTRACTS.md): one per awarded section, its versions (the
-- terms each signed version stated), proposed changes and terminations with both signatures,
-- and the bid-bond refunds the contract, a withdrawal or a termination makes due.
-- Terms, signatures and diffs are JSON; enums are their snake_case names.
CREATE TABLE contracts (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    award_round INTEGER NOT NULL,
    bid_id TEXT NOT NULL,
    tenderer_id TEXT NOT NULL,
    winner_id TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    terms TEXT NOT NULL,
    document TEXT NOT NULL,
    digest TEXT NOT NULL,
    notice_digest TEXT NOT NULL,
    notified_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    performance_bond TEXT,
    tenderer_signature TEXT,
    winner_signature TEXT,
    signed_at TIMESTAMP,
    reminders_sent INTEGER NOT NULL DEFAULT 0,
    overdue_flagged_at TIMESTAMP,
    terminated_at TIMESTAMP,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tender_id, section_code)
);
CREATE INDEX contracts_open ON contracts(state, due_at);
CREATE INDEX contracts_winner ON contracts(winner_id);
CREATE TABLE contract_versions (
    contract_id TEXT NOT NULL REFERENCES contracts(id),
    version INTEGER NOT NULL,
    terms TEXT NOT NULL,
    digest TEXT NOT NULL,
    change_id TEXT,
    changes TEXT NOT NULL,
    effective_at TIMESTAMP NOT NULL,
    PRIMARY KEY (contract_id, version)
);
CREATE TABLE contract_changes (
    id TEXT PRIMARY KEY NOT NULL,
    contract_id TEXT NOT NULL REFERENCES contracts(id),
    base_version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL,
    terms TEXT,
    changes TEXT NOT NULL,
    document TEXT NOT NULL,
    digest TEXT NOT NULL,
    proposer TEXT NOT NULL,
    tenderer_signature TEXT,
    winner_signature TEXT,
    state TEXT NOT NULL,
    proposed_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP
);
CREATE INDEX contract_changes_of ON contract_changes(contract_id, proposed_at);
CREATE TABLE bond_refunds (
    id TEXT PRIMARY KEY NOT NULL,
    bond_id TEXT NOT NULL UNIQUE,
    -- NULL for a bond withdrawn before its section's opening: tender and section are then kept
    -- only under the node KEK (sealed_scope), so no row names a bidder of a tender before the
    -- opening (docs/SEALED-BIDS.md).
    tender_id TEXT REFERENCES tenders(id),
    section_code TEXT,
    sealed_scope TEXT,
    organisation_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    principal TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    ground TEXT NOT NULL,
    ground_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP,
    state TEXT NOT NULL,
    interest_rate TEXT NOT NULL,
    day_basis INTEGER NOT NULL,
    interest TEXT,
    refunded_at TIMESTAMP,
    bank_reference TEXT,
    recorded_by TEXT,
    overdue_flagged_at TIMESTAMP
);
CREATE INDEX bond_refunds_section ON bond_refunds(tender_id, section_code);
CREATE INDEX bond_refunds_open ON bond_refunds(state, due_at);
CREATE INDEX bond_refunds_org ON bond_refunds(organisation_id);
