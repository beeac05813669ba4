package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/safe-coder/safe-coder/report"
)

// runNotFound is the error of a command given a run id the state database
// does not hold: exit 2, pointing at the command that lists the ids.
func runNotFound(runID string) error {
	return exitWith(exitUsage, fmt.Errorf("%w: %q is not a run recorded in this repository's state; 'safe-coder runs' lists them", report.ErrRunNotFound, runID))
}

// noRunsYet is the error of a command that needs a recorded run where
// none was ever made; why says how that shows (no database, an empty one).
func noRunsYet(why string) error {
	return exitWith(exitUsage, fmt.Errorf("%w yet: %s; 'safe-coder run TASKS.yaml' makes the first (or --state names another database)", report.ErrNoRuns, why))
}

// taskFileError explains why the task file at path could not be read, and
// what to do about it: exit 2, nothing ran.
func taskFileError(path string, err error) error {
	var pe *fs.PathError
	switch {
	case path == "":
		return usageErrorf("the task file name is empty; give the path of one, such as tasks.yaml")
	case errors.Is(err, fs.ErrNotExist):
		return usageErrorf("task file %s does not exist; check the path (relative to the current directory), or write a starter one with 'safe-coder init'", path)
	case errors.Is(err, syscall.EISDIR):
		return usageErrorf("%s is a directory, not a task file; give the YAML file, such as %s", path, filepath.Join(path, "tasks.yaml"))
	case errors.As(err, &pe):
		return usageErrorf("read task file %s: %v", path, pe.Err)
	}
	return usageErrorf("read task file %s: %v", path, err)
}

// unknownRunTask is the error of a --task that names no task of the run:
// exit 2, the closest name suggested and the run's tasks listed.
func unknownRunTask(runID, name, which string, names []string) error {
	if len(names) == 0 {
		return usageErrorf("run %s has no task %q: it has no %s at all", runID, name, which)
	}
	return usageErrorf("run %s has no task %q%s; its %s: %s", runID, name, didYouMean(name, names...), which, strings.Join(names, ", "))
}

// isNoSpace reports whether err is a write refused for lack of space:
// ENOSPC (disk full), EDQUOT (quota) or EFBIG (a file-size limit such as
// ulimit -f), which look the same to the user.
func isNoSpace(err error) bool {
	return errors.Is(err, report.ErrNoSpace) || errors.Is(err, syscall.ENOSPC) ||
		errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT)
}

// noSpaceHint adds to err, when it is a lack of space, where to free it and
// what to run then (next); any other err is returned as it is. The place is
// the directory of the file that could not be written: the state database's
// (statePath) for report.ErrNoSpace, else the path in the error.
func noSpaceHint(err error, statePath, next string) error {
	if err == nil || !isNoSpace(err) {
		return err
	}
	dir := ""
	var pe *fs.PathError
	switch {
	case errors.Is(err, report.ErrNoSpace):
		dir = filepath.Dir(statePath)
	case errors.As(err, &pe):
		dir = filepath.Dir(pe.Path)
	}
	where := "free space on the disk"
	if dir != "" {
		where = "free space on the file system of " + dir
	}
	return fmt.Errorf("%w\n%s (or raise the file-size limit, ulimit -f), then %s", err, where, next)
}
