DROP TRIGGER plex_preferences_changed_on_delete;
DROP TRIGGER plex_preferences_changed_on_update;
DROP TRIGGER plex_preferences_changed_on_insert;
DROP TRIGGER libraries_changed_on_delete;
DROP TRIGGER libraries_changed_on_update;
DROP TRIGGER libraries_changed_on_insert;
DROP TRIGGER actual_libraries_changed_on_delete;
DROP TRIGGER actual_libraries_changed_on_update;
DROP TRIGGER actual_libraries_changed_on_insert;
DROP TRIGGER apply_states_changed_on_delete;
DROP TRIGGER apply_states_changed_on_update;
DROP TRIGGER apply_states_changed_on_insert;
DROP TRIGGER plex_users_changed_on_delete;
DROP TRIGGER plex_users_changed_on_update;
DROP TRIGGER plex_users_changed_on_insert;
DROP TRIGGER grants_changed_on_delete;
DROP TRIGGER grants_changed_on_update;
DROP TRIGGER grants_changed_on_insert;
DROP TABLE friend_changes;

ALTER TABLE plex_users ADD COLUMN actual_libraries TEXT NOT NULL DEFAULT '[]';
UPDATE plex_users
SET actual_libraries = COALESCE(
    (SELECT json_group_array(a.pms_key) FROM actual_libraries AS a WHERE a.plex_user_id = plex_users.id),
    '[]');
DROP TABLE actual_libraries;
