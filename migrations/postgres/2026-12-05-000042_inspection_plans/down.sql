DROP TABLE inspection_plans;
