-- 监管计划: drafted by officers of the lead department, then published (public, frozen). Items,
-- grades and departments are JSON arrays; the ratio is a decimal string in (0, 1].
CREATE TABLE inspection_plans (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    lead_department TEXT NOT NULL REFERENCES departments(code),
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    items TEXT NOT NULL,
    sampling_ratio TEXT NOT NULL,
    grades TEXT NOT NULL,
    departments TEXT NOT NULL,
    status TEXT NOT NULL,
    published_at TIMESTAMP,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
