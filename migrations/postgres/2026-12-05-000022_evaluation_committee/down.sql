DROP INDEX committee_members_principal;
DROP TABLE committee_members;
DROP TABLE committees;
