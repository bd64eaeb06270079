-- 信用等级 a regulator set on a 监管对象 (an organisation by USCC, an expert by id). An object
-- without a row has the default grade (B, docs/SUPERVISION.md).
CREATE TABLE credit_grades (
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    grade TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    PRIMARY KEY (object_kind, object_id)
);
