DROP TABLE licence_verdicts;
