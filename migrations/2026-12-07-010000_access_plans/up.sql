-- Access plans (issue #19): named, reusable sets of libraries with windows relative to when the
-- plan is given. `body` is the plan as the API takes it (grants, sharing, end policy), checked on
-- the way in; `version` grows with every edit.
CREATE TABLE access_plans (
    id          INTEGER PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
    description TEXT,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- The plan each friend was given last, and which version. No foreign key to the plan: deleting
-- a plan changes nobody already given it (its name is kept here).
CREATE TABLE friend_plans (
    plex_user_id INTEGER PRIMARY KEY NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    plan_id      INTEGER NOT NULL,
    plan_name    TEXT NOT NULL,
    plan_version INTEGER NOT NULL,
    given_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX friend_plans_plan ON friend_plans (plan_id);

CREATE TRIGGER friend_plans_changed_on_insert AFTER INSERT ON friend_plans BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER friend_plans_changed_on_update AFTER UPDATE ON friend_plans BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
