DROP TABLE draw_members;
DROP TABLE draw_contributions;
DROP TABLE draws;
