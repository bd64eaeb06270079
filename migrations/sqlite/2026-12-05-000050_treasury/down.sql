DROP TABLE treasury_pulls;
DROP TABLE treasury_links;
DROP TABLE treasury_payments;
