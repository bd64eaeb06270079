DROP TABLE check_items;
DROP TABLE compliance_entries;
DROP TABLE supervision_items;
