DROP TABLE performance_ratings;
