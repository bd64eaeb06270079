-- Supervising departments (行政监督部门) the trading centre registers: a tender names the one that
-- supervises it, and a draw excludes that department's experts (条例46). `kinds` is a JSON array
-- of the kinds of project the department supervises (房屋建筑, 水利, 交通 …).
CREATE TABLE departments (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kinds TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX experts_department ON experts(department);
