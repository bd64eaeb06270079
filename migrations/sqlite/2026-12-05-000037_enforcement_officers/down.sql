DROP TABLE enforcement_officers;
