DROP TABLE jobs;
DROP TABLE grants;
DROP TABLE plex_users;
DROP TABLE libraries;
