DROP TABLE motion_votes;
DROP INDEX rejection_motions_committee;
DROP TABLE rejection_motions;
DROP INDEX clarifications_committee;
DROP TABLE clarifications;
