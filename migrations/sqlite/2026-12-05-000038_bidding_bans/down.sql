DROP TABLE bidding_bans;
