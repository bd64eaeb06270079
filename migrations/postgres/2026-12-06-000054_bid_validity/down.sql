DROP TABLE validity_answers;
DROP TABLE validity_extensions;
