-- Value streams: how work flows across departments (see esm_maturity/streams/). A stream's maturity is
-- derived from its departments' agreed scores and never stored.
CREATE TABLE value_streams (
    stream_id TEXT PRIMARY KEY,                -- VS-1, VS-2...
    name TEXT NOT NULL,                        -- unique, compared without case (checked by the commands)
    kind TEXT NOT NULL CHECK (kind IN ('core', 'enabling')),
    trigger TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    consumer TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    owner TEXT,                                -- a person's e-mail (people.email): defines the stream
    champion TEXT,                             -- a person's e-mail: records the flow check-ins
    rollup_rule TEXT NOT NULL DEFAULT 'weakest_link' CHECK (rollup_rule IN ('weakest_link', 'mean', 'weighted')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by TEXT NOT NULL,
    created_on DATE NOT NULL,
    version INTEGER NOT NULL DEFAULT 1          -- moves on with every change to the stream or its steps
);

-- A step's versions: one row per stretch of quarters in which the step looked the same. A change taking
-- effect from quarter q closes the row valid then (valid_to = the quarter before q) and opens a new one
-- from q, so a past quarter keeps the steps, positions and owners it had. Within each quarter the steps
-- valid there are numbered 1..n without gaps.
CREATE TABLE stream_steps (
    step_id TEXT NOT NULL,                     -- VS-1.1, VS-1.2...: the same step across its versions
    valid_from TEXT NOT NULL,                  -- first quarter (YYYY-Qn) this version applies to
    valid_to TEXT,                             -- last quarter it applies to (inclusive); NULL: still applies
    stream_id TEXT NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 1),
    name TEXT NOT NULL,
    department_id TEXT,                        -- the owning department; NULL only while a stream is drafted
    supporting TEXT[] NOT NULL,               -- supporting departments (never in the roll-up)
    weight DOUBLE PRECISION NOT NULL DEFAULT 1.0 CHECK (weight > 0),
    target_days DOUBLE PRECISION CHECK (target_days >= 0),
    output TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (step_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

-- One flow record per stream and quarter, entered by the stream's champion (or owner).
CREATE TABLE stream_flow (
    stream_id TEXT NOT NULL,
    quarter TEXT NOT NULL,
    lead_time_days DOUBLE PRECISION CHECK (lead_time_days >= 0),
    process_time_days DOUBLE PRECISION CHECK (process_time_days >= 0),
    handoffs INTEGER CHECK (handoffs >= 0),
    rework_pct DOUBLE PRECISION CHECK (rework_pct BETWEEN 0 AND 100),
    throughput INTEGER CHECK (throughput >= 0),
    wip INTEGER CHECK (wip >= 0),
    items INTEGER CHECK (items >= 0),          -- how many items the figures are based on
    source TEXT NOT NULL CHECK (source IN ('manual estimate', 'ticket export', 'process mining')),
    confidence TEXT NOT NULL CHECK (confidence IN ('measured', 'estimated')),
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (stream_id, quarter)
);

-- Hand-off quality: % complete and accurate of what arrives at a step from a step of another department,
-- judged by the receiving department, per stream and quarter.
CREATE TABLE stream_handoffs (
    stream_id TEXT NOT NULL,
    quarter TEXT NOT NULL,
    to_step_id TEXT NOT NULL,                  -- the receiving step
    from_step_id TEXT NOT NULL,                -- the step before it that quarter
    pct_complete_accurate DOUBLE PRECISION NOT NULL CHECK (pct_complete_accurate BETWEEN 0 AND 100),
    wait_days DOUBLE PRECISION CHECK (wait_days >= 0),
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (stream_id, quarter, to_step_id)
);
