DROP TABLE opened_preparations;
DROP TABLE collusion_signals;
DROP TABLE collusion_runs;
