-- Check-ins (meeting records) and the actions agreed at them.
-- Keys are formatted in Python from the sequences: CHK-0001, ACT-0001.
-- No foreign keys and no indexes (DuckDB cannot ALTER a table that carries either);
-- the domain (esm_maturity/checkins.py) checks departments, check-ins and backlog items.

CREATE SEQUENCE checkin_seq START 1;
CREATE SEQUENCE action_seq START 1;

-- department_id NULL: a meeting across departments (steering, a sponsor review of several).
CREATE TABLE checkins (
    checkin_id TEXT PRIMARY KEY,
    held_on DATE NOT NULL,
    department_id TEXT,
    kind TEXT NOT NULL DEFAULT 'department' CHECK (kind IN ('department', 'sponsor review', 'steering')),
    facilitator TEXT NOT NULL DEFAULT '',
    attendees TEXT NOT NULL DEFAULT '',      -- comma-separated names
    notes TEXT NOT NULL DEFAULT '',
    decisions TEXT NOT NULL DEFAULT '',
    wins TEXT NOT NULL DEFAULT '',           -- wins and lessons to celebrate
    blockers TEXT NOT NULL DEFAULT '',
    next_on DATE,                            -- the next check-in; never before held_on
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (next_on IS NULL OR next_on >= held_on)
);

-- item_id: the backlog item this action tracks (set when an action is promoted).
-- closed_on: the day it was marked done or dropped; NULL while open.
CREATE TABLE actions (
    action_id TEXT PRIMARY KEY,
    checkin_id TEXT NOT NULL,
    text TEXT NOT NULL CHECK (length(trim(text)) > 0),
    owner TEXT NOT NULL DEFAULT '',
    due_on DATE,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dropped')),
    item_id TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    closed_on DATE
);
