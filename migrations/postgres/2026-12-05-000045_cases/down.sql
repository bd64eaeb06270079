DROP TABLE case_evidence;
DROP TABLE cases;
