-- Level names are edited in forms like every other record: a version makes a second save of the
-- same level a conflict instead of a silent overwrite.
ALTER TABLE levels ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
