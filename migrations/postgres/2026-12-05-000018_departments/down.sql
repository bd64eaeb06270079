DROP INDEX experts_department;
DROP TABLE departments;
