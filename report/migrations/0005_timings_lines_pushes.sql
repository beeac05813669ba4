-- Schema version 5: what ended a run, when each step's commit began, the
-- lines each step's commit added and removed, and pushes of run branches
-- with the pull requests they opened.

-- '' until the run finishes, and for runs recorded before version 5: the
-- report then derives the reason from the status. Record checks the
-- words; the schema does not, so that new reasons need no migration.
ALTER TABLE runs ADD COLUMN terminal_reason TEXT NOT NULL DEFAULT '';

-- NULL when the step asked for no commit (or was recorded before version
-- 5): its commit time is 0.
ALTER TABLE steps ADD COLUMN commit_started_at INTEGER;
ALTER TABLE steps ADD COLUMN insertions INTEGER NOT NULL DEFAULT 0 CHECK (insertions >= 0);
ALTER TABLE steps ADD COLUMN deletions INTEGER NOT NULL DEFAULT 0 CHECK (deletions >= 0);

-- One row per push of a task's run branch, in order; result is '' while
-- the push is under way (or was when the process died). pr_number is
-- NULL when the push opened or updated no pull request.
CREATE TABLE pushes (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks (id),
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    remote      TEXT    NOT NULL,
    branch      TEXT    NOT NULL,
    commit_sha  TEXT    NOT NULL,
    result      TEXT    NOT NULL DEFAULT ''
                CHECK (result IN ('', 'pushed', 'up_to_date', 'rejected', 'failed')),
    error       TEXT    NOT NULL DEFAULT '',
    pr_number   INTEGER CHECK (pr_number IS NULL OR pr_number >= 1),
    pr_url      TEXT    NOT NULL DEFAULT '',
    pr_state    TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX pushes_task ON pushes (task_id, id);
