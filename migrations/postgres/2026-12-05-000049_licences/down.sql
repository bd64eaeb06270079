DROP TABLE licence_fetches;
