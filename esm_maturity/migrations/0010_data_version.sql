-- The data version: moved on after every committed write (on PostgreSQL, by every replica), so a
-- replica's cached reads are keyed on it and never outlive another replica's write.
CREATE SEQUENCE data_version_seq START 1;
