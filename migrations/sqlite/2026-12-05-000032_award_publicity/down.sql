DROP TABLE award_dropouts;
DROP INDEX award_objections_section;
DROP TABLE award_objections;
DROP TABLE award_publications;
