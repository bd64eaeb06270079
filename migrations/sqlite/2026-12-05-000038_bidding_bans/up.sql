-- Bidding bans (取消投标资格, 禁止投标): a decided penalty that bars an organisation, by its unified
-- social credit code, from bidding on the platform's tenders (依法必须进行招标的项目) for 1 to 3
-- years (条例67, 68, 72 …). The term is whole Shanghai days: [starts_at, ends_at) at 00:00 Shanghai.
-- Public: it is the credit list of 条例78 (docs/SUPERVISION.md §4).
CREATE TABLE bidding_bans (
    id TEXT PRIMARY KEY NOT NULL,
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    decision_no TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    department_code TEXT NOT NULL REFERENCES departments(code),
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX bidding_bans_uscc ON bidding_bans(uscc, ends_at);
