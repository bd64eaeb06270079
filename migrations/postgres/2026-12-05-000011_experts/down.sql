DROP TABLE expert_avoid_units;
DROP TABLE expert_specialties;
DROP TABLE experts;
