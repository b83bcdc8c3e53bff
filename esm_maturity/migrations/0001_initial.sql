-- Foundation: the maturity model, departments, self-assessments and the audit trail.
-- No foreign keys: DuckDB cannot ALTER a table that one references; the domain checks keys.

CREATE TABLE model_info (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE levels (
    level INTEGER PRIMARY KEY CHECK (level BETWEEN 1 AND 5),
    name TEXT NOT NULL,
    meaning TEXT NOT NULL DEFAULT ''
);

CREATE TABLE dimensions (
    dimension_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE rubric (
    dimension_id TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    description TEXT NOT NULL,
    PRIMARY KEY (dimension_id, level)
);

CREATE TABLE departments (
    department_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sponsor TEXT NOT NULL DEFAULT '',
    champion TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE assessments (
    quarter TEXT NOT NULL,
    department_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    submitted_by TEXT,
    submitted_on DATE,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (quarter, department_id)
);

-- score NULL and na FALSE: not assessed. na TRUE: does not apply (leaves the divisor).
CREATE TABLE scores (
    quarter TEXT NOT NULL,
    department_id TEXT NOT NULL,
    dimension_id TEXT NOT NULL,
    score INTEGER CHECK (score BETWEEN 1 AND 5),
    na BOOLEAN NOT NULL DEFAULT FALSE,
    target INTEGER CHECK (target BETWEEN 1 AND 5),
    evidence TEXT NOT NULL DEFAULT '',
    assessed_by TEXT,
    assessed_on DATE,
    PRIMARY KEY (quarter, department_id, dimension_id),
    CHECK (NOT (na AND score IS NOT NULL))
);

CREATE SEQUENCE audit_seq START 1;

CREATE TABLE audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    department_id TEXT,
    before_json TEXT,
    after_json TEXT
);
