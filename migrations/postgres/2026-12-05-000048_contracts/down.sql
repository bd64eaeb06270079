DROP TABLE bond_refunds;
DROP TABLE contract_changes;
DROP TABLE contract_versions;
DROP TABLE contracts;
