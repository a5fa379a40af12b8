-- +goose Up
-- db_epoch is the database's identity: a random id that a restore changes
-- ('server epoch new' after a point-in-time recovery or pg_restore), as
-- SQLite's 00012. Sync cursors and refresh tokens carry it, so a device
-- holding a cursor or a token from before a restore is told to sync again
-- from the start rather than pulling from a log position that now names
-- other changes.
CREATE TABLE db_epoch (
    one        boolean     PRIMARY KEY DEFAULT true CHECK (one),
    epoch      text        NOT NULL CHECK (length(epoch) = 32),
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO db_epoch (epoch) VALUES (replace(gen_random_uuid()::text, '-', ''));

-- +goose Down
DROP TABLE db_epoch;
