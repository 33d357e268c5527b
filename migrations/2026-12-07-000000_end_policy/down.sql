DROP TRIGGER friend_end_changed_on_delete;
DROP TRIGGER friend_end_changed_on_update;
DROP TRIGGER friend_end_changed_on_insert;
DROP TABLE friend_end;
