-- The candidates a 评定分离 award round's deciding was convened on (docs/AWARD.md §5): the
-- award's candidates whose bid was still valid (投标有效期) when the 定标会议 was convened, in
-- the report's order, as JSON. Kept for the round (`convened_round`), so a bid that lapses
-- later does not change the setup the engine replays; NULL until a round is convened.
ALTER TABLE section_awards ADD COLUMN convened_among TEXT;
ALTER TABLE section_awards ADD COLUMN convened_round INTEGER;
