-- Rating rounds: several people rate a department's maturity for a quarter; the department then agrees
-- one score per dimension (scores stays the one record). See esm_maturity/rounds/.
CREATE TABLE rating_rounds (
    round_id TEXT PRIMARY KEY,                 -- R-1, R-2...
    department_id TEXT NOT NULL,
    quarter TEXT NOT NULL,
    dimension_ids TEXT[] NOT NULL,             -- the dimensions rated (all active ones by default)
    mode TEXT NOT NULL CHECK (mode IN ('named', 'anonymous')),
    threshold INTEGER NOT NULL CHECK (threshold BETWEEN 3 AND 10),   -- k, fixed when the round is created
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'agreed')),
    instructions TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_on DATE NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

-- Who is asked. Only the hash of each invitation's token is kept; an invitation records whether it was
-- answered, never when, and (anonymous rounds) nothing links it to the answer.
CREATE TABLE round_invitations (
    invitation_id TEXT PRIMARY KEY,            -- random
    round_id TEXT NOT NULL,
    invitee TEXT NOT NULL,                     -- a name or an e-mail address (a signed-in person's e-mail)
    channel TEXT NOT NULL CHECK (channel IN ('link', 'offline')),
    token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'answered', 'revoked'))
);

-- One answer per invitation. Anonymous: a random id, the day only, no invitation; the holder of the
-- token finds it again by edit_key, a second one-way hash of the token (unlinkable to token_hash).
CREATE TABLE round_responses (
    response_id TEXT PRIMARY KEY,              -- random
    round_id TEXT NOT NULL,
    invitation_id TEXT,                        -- named rounds only
    edit_key TEXT NOT NULL UNIQUE,
    answered_on DATE NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('link', 'signed in', 'offline form'))
);

CREATE TABLE round_answers (
    response_id TEXT NOT NULL,
    dimension_id TEXT NOT NULL,
    level INTEGER CHECK (level BETWEEN 1 AND 5),
    dont_know BOOLEAN NOT NULL DEFAULT FALSE,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (response_id, dimension_id),
    CHECK (NOT (dont_know AND level IS NOT NULL))
);

-- Where an agreed score came from: direct (someone scored it on the self-assessment form), or a rating
-- round (its id, how many valid answers, their agreement, how it was agreed, and why it differs).
ALTER TABLE scores ADD COLUMN method TEXT;
ALTER TABLE scores ADD COLUMN round_id TEXT;
ALTER TABLE scores ADD COLUMN n_valid INTEGER;
ALTER TABLE scores ADD COLUMN agreement TEXT;
ALTER TABLE scores ADD COLUMN rationale TEXT;
