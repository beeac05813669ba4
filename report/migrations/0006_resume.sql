-- Schema version 6: what a resumed run needs. The task file's bytes as the
-- run read them, so `safe-coder resume` runs exactly the tasks that were
-- started even if the file changed since; and how often a run and each of
-- its tasks were resumed.
ALTER TABLE runs ADD COLUMN task_file_data BLOB;
ALTER TABLE runs ADD COLUMN resumes INTEGER NOT NULL DEFAULT 0 CHECK (resumes >= 0);
ALTER TABLE tasks ADD COLUMN resumes INTEGER NOT NULL DEFAULT 0 CHECK (resumes >= 0);
