-- Links to value streams (esm_maturity/streams/): an improvement may name the stream it lifts (and one of
-- its steps), a check-in the stream it was about. Keys only, checked by the commands (no foreign keys: DuckDB
-- cannot ALTER a table that one references). A step is named by its step_id (VS-1.2), the same step across
-- its versions.
ALTER TABLE backlog_items ADD COLUMN stream_id TEXT;
ALTER TABLE backlog_items ADD COLUMN step_id TEXT;
ALTER TABLE checkins ADD COLUMN stream_id TEXT;
