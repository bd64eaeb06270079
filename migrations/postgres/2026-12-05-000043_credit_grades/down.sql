DROP TABLE credit_grades;
