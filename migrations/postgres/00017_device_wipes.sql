-- +goose Up
-- Why a device was revoked (signed_out, pin_lockout; '' for an
-- administrator's revocation), and the hash of the secret with which a
-- device that wiped itself asks to be revoked (it holds nothing else).
ALTER TABLE devices ADD COLUMN revoked_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN wipe_secret_hash BYTEA;

-- +goose Down
ALTER TABLE devices DROP COLUMN wipe_secret_hash;
ALTER TABLE devices DROP COLUMN revoked_reason;
