-- 0003: what GetJob answers about a state-changing call, written in the same transaction as its audit record.
-- (0002 belongs to another change; the two touch different tables and may apply in either order.)

CREATE TABLE job_results (
    -- The audit record's id, which is the job id.
    job_id INTEGER PRIMARY KEY REFERENCES audit (id),
    -- The info of the call's one message (its error's info when it failed).
    info TEXT NOT NULL,
    -- The user the call answered with, as JSON of the UserData fields (store/sqlite/user_view.rs); NULL when the
    -- answer had no user or held a secret (SessionLogin's token). Never a password, hash or key.
    user_view TEXT
) STRICT;
