-- Sealed-bid format v2 (docs/SEALED-BIDS.md §6): the server no longer generates a section
-- opening key. Publication records only the custodians' envelope public keys and t; each
-- bidder's tool splits a per-bid remedy key among them, so the shares live in the bid's
-- manifest. Pre-production: no v1 bid is stored anywhere that needs to stay readable.
DROP TABLE opening_key_shares;
DROP TABLE opening_keys;

-- Share i of every bid of the section goes to custodian i's envelope key (public keys only).
CREATE TABLE remedy_custodians (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    share_index INTEGER NOT NULL,
    custodian_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    threshold INTEGER NOT NULL,
    total INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tender_id, section_code, share_index)
);

-- One release per bid and share, never replaced. `share_value` is held only until the bid
-- is settled (opened or not), then cleared; `valid` says whether it matched the bidder's
-- commitment (false: the releasing custodian's fault).
CREATE TABLE remedy_releases (
    bid_id TEXT NOT NULL REFERENCES bids(id),
    share_index INTEGER NOT NULL,
    tender_id TEXT NOT NULL,
    section_code TEXT NOT NULL,
    custodian_id TEXT NOT NULL,
    share_value TEXT,
    share_sha256 TEXT NOT NULL,
    valid BOOLEAN NOT NULL,
    signature TEXT NOT NULL,
    released_at TIMESTAMP NOT NULL,
    PRIMARY KEY (bid_id, share_index)
);
CREATE INDEX remedy_releases_section ON remedy_releases(tender_id, section_code);
