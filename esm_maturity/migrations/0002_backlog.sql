-- The improvement backlog (continual improvement register) and the status history of its items.
-- No foreign keys and no indexes: DuckDB cannot ALTER a table that carries either, and a scan of
-- tens of thousands of items takes milliseconds. The domain (esm_maturity/backlog.py) checks keys.

CREATE SEQUENCE backlog_seq START 1;

CREATE TABLE backlog_items (
    item_id TEXT PRIMARY KEY,                 -- 'CI-0001': 'CI-' and nextval('backlog_seq'), formatted in Python
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    department_id TEXT NOT NULL,
    dimension_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('idea', 'accepted', 'planned', 'in progress', 'on hold',
                                           'measuring', 'closed', 'rejected', 'withdrawn')),
    status_reason TEXT NOT NULL DEFAULT '',   -- why it is on hold, rejected or withdrawn
    owner TEXT NOT NULL DEFAULT '',
    value INTEGER CHECK (value BETWEEN 1 AND 5),
    effort TEXT CHECK (effort IN ('S', 'M', 'L', 'XL')),
    raised_on DATE,
    raised_by TEXT NOT NULL DEFAULT '',
    due_on DATE,
    closed_on DATE,                           -- set when closed, rejected or withdrawn
    outcome TEXT NOT NULL DEFAULT '',         -- benefit realised
    lessons TEXT NOT NULL DEFAULT '',         -- lessons learned
    source TEXT NOT NULL DEFAULT 'staff idea',
    source_ref TEXT,                          -- e.g. the check-in action_id that created it
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row per status an item enters (flow and cycle-time charts).
CREATE TABLE backlog_status_history (
    item_id TEXT NOT NULL,
    status TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL
);
