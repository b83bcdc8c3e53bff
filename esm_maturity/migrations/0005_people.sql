-- People and their roles. `email` is the signed-in person's e-mail address, lower-case (or the
-- identity provider's subject when it sends no e-mail): what the audit trail records.
CREATE TABLE people (
    email TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('admin', 'champion', 'department', 'sponsor')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    added_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

-- The departments a person with the department role scores and holds check-ins for.
CREATE TABLE person_departments (
    email TEXT NOT NULL,
    department_id TEXT NOT NULL,
    PRIMARY KEY (email, department_id)
);

-- A returned offline form is credited to the person who uploads it (assessed_by); the name the
-- respondent wrote inside the form is kept here.
ALTER TABLE scores ADD COLUMN respondent TEXT;
