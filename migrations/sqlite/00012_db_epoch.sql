-- +goose Up
-- db_epoch is the database's identity: a random id that a restore changes
-- (server restore, and 'server epoch new' after a Litestream restore). Sync
-- cursors and refresh tokens carry it, so a device holding a cursor or a
-- token from before a restore is told to sync again from the start rather
-- than pulling from a log position that now names other changes.
CREATE TABLE db_epoch (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    epoch      TEXT    NOT NULL CHECK (length(epoch) = 32),
    changed_at TEXT    NOT NULL
);
INSERT INTO db_epoch (one, epoch, changed_at)
VALUES (1, lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- +goose Down
DROP TABLE db_epoch;
