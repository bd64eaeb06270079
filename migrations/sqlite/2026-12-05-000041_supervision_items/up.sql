-- The 监管事项清单 and, per item, its 合规手册 entries and 检查实施清单 items (docs/SUPERVISION.md,
-- "the six artefacts"). Lists of department codes are JSON arrays; enums are their snake_case names.
CREATE TABLE supervision_items (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    lead_department TEXT NOT NULL REFERENCES departments(code),
    co_departments TEXT NOT NULL,
    risk_level TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE compliance_entries (
    item_code TEXT NOT NULL REFERENCES supervision_items(code),
    seq INTEGER NOT NULL,
    requirement TEXT NOT NULL,
    basis TEXT NOT NULL,
    common_violation TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (item_code, seq)
);
-- A draw takes "the check items of each department" (双随机): hence the department index.
CREATE TABLE check_items (
    code TEXT PRIMARY KEY NOT NULL,
    item_code TEXT NOT NULL REFERENCES supervision_items(code),
    content TEXT NOT NULL,
    method TEXT NOT NULL,
    department TEXT NOT NULL REFERENCES departments(code),
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX check_items_item ON check_items(item_code, code);
CREATE INDEX check_items_department ON check_items(department, item_code);
