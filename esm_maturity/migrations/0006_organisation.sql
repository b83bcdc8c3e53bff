-- The organisation's own settings (its name, shown on slides and chart images): one row per key.
CREATE TABLE organisation_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
