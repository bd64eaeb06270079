DROP TABLE tender_departments;
