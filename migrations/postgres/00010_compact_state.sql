-- +goose Up
-- Record state, compact: state is written with each distinct stamp once
-- (care.EncodeState; rows written before keep the first form, which
-- care.DecodeState reads too), and wire keeps the changes that rebuild the
-- record as a pull serves them (JSON objects joined by commas, wire_n of
-- them), so an initial-sync page is copied from stored bytes. wire_n = 0
-- marks a row written before this migration (or a lock placeholder): its
-- wire form is built from state when it is read.
ALTER TABLE records ADD COLUMN wire text NOT NULL DEFAULT '', ADD COLUMN wire_n integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE records DROP COLUMN wire_n, DROP COLUMN wire;
