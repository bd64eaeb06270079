DROP TABLE contracts_withdrawn;
