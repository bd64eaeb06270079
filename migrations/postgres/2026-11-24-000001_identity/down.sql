DROP TABLE audit_events;
DROP TABLE sessions;
DROP TABLE auth_challenges;
DROP TABLE credentials;
DROP TABLE role_grants;
DROP TABLE people;
DROP TABLE organisations;
