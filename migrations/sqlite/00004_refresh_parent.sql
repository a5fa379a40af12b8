-- +goose Up
-- Each refresh token names the token it replaced, so a retry of a refresh
-- whose answer was lost can be told from a stolen token's reuse.
ALTER TABLE refresh_tokens ADD COLUMN parent_id TEXT;
CREATE INDEX refresh_tokens_parent ON refresh_tokens (parent_id);

-- +goose Down
DROP INDEX refresh_tokens_parent;
ALTER TABLE refresh_tokens DROP COLUMN parent_id;
