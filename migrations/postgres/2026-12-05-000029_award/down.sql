DROP TABLE section_awards;
