package main

import (
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
	_ "modernc.org/sqlite"

	"github.com/safe-coder/safe-coder/report"
)

// The invariants of SAFETY.md, checked on every repository a script made
// with initrepo when the script ends (and on demand with `invariants DIR`):
//   - git fsck --full is clean, and no lock file is left in .git;
//   - main is where initrepo (or `mainmark DIR`) last saw it;
//   - every commit of a run branch that carries a Safe-Coder-Step trailer
//     is recorded in the state DB, and every commit the DB records is on
//     its branch or kept under a backup ref;
//   - after a run that committed all its work, git status is clean;
//   - PRAGMA integrity_check says ok.

// repoMarks remembers, per repository, where main must be.
type repoMarks map[string]string

type marksKey struct{}

func marks(ts *testscript.TestScript) repoMarks {
	return ts.Value(marksKey{}).(repoMarks)
}

// mainmark DIR records where main is now, after a script moved it on
// purpose.
func cmdMainMark(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mainmark DIR")
	}
	dir := ts.MkAbs(args[0])
	marks(ts)[dir] = gitOut(ts, dir, "rev-parse", "refs/heads/main")
}

// invariants DIR checks the invariants now.
func cmdInvariants(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: invariants DIR")
	}
	dir := ts.MkAbs(args[0])
	if err := checkInvariants(dir, marks(ts)[dir]); err != nil {
		ts.Fatalf("invariants of %s: %v", args[0], err)
	}
}

func gitOut(ts *testscript.TestScript, dir string, args ...string) string {
	out, err := gitIn(dir, args...)
	ts.Check(err)
	return out
}

func gitIn(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func checkInvariants(dir, main string) error {
	if _, err := gitIn(dir, "fsck", "--full", "--strict", "--no-progress"); err != nil {
		return err
	}
	var locks []string
	_ = filepath.WalkDir(filepath.Join(dir, ".git"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".lock") {
			locks = append(locks, p)
		}
		return nil
	})
	if len(locks) > 0 {
		return fmt.Errorf("lock files left: %v", locks)
	}
	if main != "" {
		if now, err := gitIn(dir, "rev-parse", "refs/heads/main"); err != nil || now != main {
			return fmt.Errorf("main moved: %s, was %s (%v)", now, main, err)
		}
	}
	dbPath := filepath.Join(dir, ".git", "safe-coder", "state.db")
	if _, err := os.Stat(dbPath); err != nil {
		return nil // no run touched this repository
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var integrity string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		return fmt.Errorf("integrity_check: %q %v", integrity, err)
	}
	rows, err := db.Query(`SELECT t.run_id, t.name, t.branch, t.base_commit, t.snapshot_commit,
		COALESCE((SELECT group_concat(s.commit_sha, ' ') FROM steps s WHERE s.task_id = t.id AND s.commit_sha != ''), '')
		FROM tasks t WHERE t.branch != ''`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var run, task, branch, base, snapshot, steps string
		if err := rows.Scan(&run, &task, &branch, &base, &snapshot, &steps); err != nil {
			return err
		}
		recorded := map[string]bool{}
		for _, c := range strings.Fields(steps + " " + snapshot) {
			recorded[c] = true
		}
		if _, err := gitIn(dir, "rev-parse", "--verify", "-q", "refs/heads/"+branch); err != nil {
			continue // deleted by the user: nothing to compare
		}
		// Branch → DB: every step or snapshot commit of this run is known.
		log, err := gitIn(dir, "log", "--format=%H %(trailers:key=Safe-Coder-Run,valueonly,separator=)|%(trailers:key=Safe-Coder-Step,valueonly,separator=)", base+".."+branch)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(log, "\n") {
			sha, rest, _ := strings.Cut(line, " ")
			runOf, step, _ := strings.Cut(rest, "|")
			if sha == "" || runOf != run || step == "" {
				continue
			}
			if !recorded[sha] {
				return fmt.Errorf("task %s: commit %s (step %s) of %s is not in the state DB", task, sha, step, branch)
			}
		}
		// DB → branch: every recorded commit is on the branch or kept.
		for c := range recorded {
			if _, err := gitIn(dir, "merge-base", "--is-ancestor", c, branch); err == nil {
				continue
			}
			kept, err := gitIn(dir, "for-each-ref", "--contains", c, "refs/safe-coder/backup/")
			if err != nil || kept == "" {
				return fmt.Errorf("task %s: recorded commit %s is neither on %s nor under a backup ref", task, c, branch)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// A run that committed all it did leaves a clean tree.
	var status string
	err = db.QueryRow(`SELECT status FROM runs ORDER BY seq DESC LIMIT 1`).Scan(&status)
	if err != nil {
		return err
	}
	switch status {
	case "succeeded", "checks_failed", "limit_reached", "provider_error", "cancelled":
		if out, err := gitIn(dir, "status", "--porcelain"); err != nil || out != "" {
			return fmt.Errorf("the last run ended %s with everything committed, but git status says:\n%s%v", status, out, err)
		}
	}
	return nil
}

// validateReports checks every report file (a JSON file with a
// schema_version) under dir against report/schema.json.
func validateReports(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(data), `"schema_version"`) {
			return nil
		}
		if err := report.ValidateJSON(data); err != nil {
			return fmt.Errorf("report %s does not match the schema: %w", p, err)
		}
		return nil
	})
}
