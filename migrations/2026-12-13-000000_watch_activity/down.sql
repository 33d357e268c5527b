DROP TABLE inactivity_notices;
DROP TABLE friend_activity;
DROP TABLE plays;
