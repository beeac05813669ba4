-- Schema version 9: the commit an instruction file was read at, for
-- instructions_from: base: the run's base commit, or in a pull-request
-- workflow the commit of the pull request's base branch (GITHUB_BASE_REF),
-- so the report shows which rules the agent ran under. '' for a file read
-- from the work tree, and for files recorded before this version.
ALTER TABLE instructions ADD COLUMN commit_hash TEXT NOT NULL DEFAULT '';
