DROP TABLE performance_replies;
