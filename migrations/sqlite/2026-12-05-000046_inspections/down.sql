DROP TABLE inspection_evidence;
DROP TABLE inspection_tasks;
DROP TABLE inspection_rounds;
