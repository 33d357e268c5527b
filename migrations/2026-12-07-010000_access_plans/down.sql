DROP TRIGGER friend_plans_changed_on_update;
DROP TRIGGER friend_plans_changed_on_insert;
DROP TABLE friend_plans;
DROP TABLE access_plans;
