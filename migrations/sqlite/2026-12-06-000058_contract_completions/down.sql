DROP TABLE contract_completions;
