-- Schema version 2: what each model answer cost and how many HTTP attempts
-- it took, and which limit stopped a task.

-- NULL: the answer's price was unknown, or the step never got an answer
-- (answered_at tells which). Never 0 for an unknown price.
ALTER TABLE steps ADD COLUMN cost_usd REAL CHECK (cost_usd IS NULL OR cost_usd >= 0);

-- 0 for answers recorded before version 2 and for providers that make no
-- HTTP requests.
ALTER TABLE steps ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);

-- The limit that stopped the task, as named under limits: in the task file;
-- '' when none did.
ALTER TABLE tasks ADD COLUMN limit_reached TEXT NOT NULL DEFAULT ''
    CHECK (limit_reached IN ('', 'max_steps', 'max_tokens', 'max_cost_usd', 'timeout'));
