package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/report"
)

func reportCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "print the report of a run (default: the last one), finished, still going or killed",
		Description: "A run that never recorded its end (it is still going, or its process was killed) " +
			"reports as status running, with what it had done so far.\n\n" + reportExamples,
		ArgsUsage: "[RUN]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "json, markdown or text", Value: "markdown"},
			&cli.BoolFlag{Name: "last", Usage: "the run that started last (the default when no RUN is given)", Local: true},
			// Local: merge reads files, not the repository's record, and
			// must neither take nor show these.
			localFlag(repoFlag()),
			localFlag(stateFlag()),
		},
		Commands: []*cli.Command{reportMergeCommand(s)},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() > 1 {
				return usageErrorf("report takes at most one run id")
			}
			runID := cmd.Args().First()
			if runID != "" && cmd.Bool("last") {
				return usageErrorf("report takes a run id or --last, not both")
			}
			format := cmd.String("format")
			switch format {
			case "json", "markdown", "text":
			default:
				return usageErrorf("--format %q: expected json, markdown or text%s", format, didYouMean(format, "json", "markdown", "text"))
			}
			store, err := openStateForReading(ctx, cmd.String("repo"), cmd.String("state"))
			if err != nil {
				return err
			}
			defer store.Close()
			if runID == "" {
				if runID, err = lastRunID(ctx, store); err != nil {
					return err
				}
			}
			rep, err := store.Report(ctx, runID)
			if errors.Is(err, report.ErrRunNotFound) {
				return runNotFound(runID)
			}
			if err != nil {
				return exitWith(exitFailure, err)
			}
			out, err := render(rep, format)
			if err != nil {
				return exitWith(exitFailure, err)
			}
			_, err = s.Out.Write(out)
			return err
		},
	}
}

// openStateForReading opens the state database of the repository, refusing
// to create one where no run ever happened: that error wraps
// report.ErrNoRuns.
func openStateForReading(ctx context.Context, repoDir, statePath string) (*report.Store, error) {
	if statePath == "" {
		repo, err := gitsafety.Open(ctx, repoDir)
		if err != nil {
			return nil, exitWith(exitRepo, err)
		}
		statePath = filepath.Join(repo.GitDir(), "safe-coder", "state.db")
	}
	if _, err := os.Stat(statePath); errors.Is(err, fs.ErrNotExist) {
		return nil, noRunsYet("there is no state database at " + statePath)
	} else if err != nil {
		return nil, exitWith(exitFailure, fmt.Errorf("open state db: %w", err))
	}
	store, err := report.Open(ctx, statePath)
	if err != nil {
		return nil, exitWith(exitFailure, err)
	}
	return store, nil
}

// openRepoAndState opens the repository and its state database, for the
// commands that act on a recorded run (pr, resume, rollback, restore): exit
// 3 for a directory that is not a repository, as openStateForReading
// otherwise. The caller closes the store.
func openRepoAndState(ctx context.Context, repoDir, statePath string) (*gitsafety.Repo, *report.Store, error) {
	repo, err := gitsafety.Open(ctx, repoDir)
	if err != nil {
		return nil, nil, exitWith(exitRepo, err)
	}
	store, err := openStateForReading(ctx, repoDir, statePath)
	if err != nil {
		return nil, nil, err
	}
	return repo, store, nil
}

func render(rep *report.Report, format string) ([]byte, error) {
	switch format {
	case "json":
		return rep.JSON()
	case "text":
		return []byte(rep.Text()), nil
	}
	return []byte(rep.Markdown()), nil
}

// emitReports prints the Markdown report of the run to stdout (with
// --quiet, its one-line outcome) and writes the files the flags ask for;
// in GitHub Actions, also the annotations, outputs and step summary, with
// the JSON report written to $RUNNER_TEMP when no file is named. errs is
// the stderr that --quiet keeps for errors.
func emitReports(ctx context.Context, s Streams, errs io.Writer, store *report.Store, runID string, opts runOptions, fault func(string)) error {
	rep, err := store.Report(ctx, runID)
	if err != nil {
		return err
	}
	md := []byte(rep.Markdown())
	reportJSON := opts.reportJSON
	if reportJSON == "" && opts.actions.enabled {
		reportJSON = opts.actions.reportPath(runID)
	}
	if reportJSON != "" {
		js, err := rep.JSON()
		if err != nil {
			return err
		}
		if err := writeFileAtomic(reportJSON, js); err != nil {
			return err
		}
	}
	fault("report")
	if opts.reportMD != "" {
		if err := writeFileAtomic(opts.reportMD, md); err != nil {
			return err
		}
	}
	if opts.actions.enabled {
		// The annotations go to stderr itself: the progress log in
		// Actions (groupWriter) defuses every line that looks like a
		// workflow command, as its text may come from the model.
		if err := emitActions(ctx, opts.actions, errs, rep, string(md), reportJSON); err != nil {
			return err
		}
	}
	if opts.quiet {
		_, err = io.WriteString(s.Out, quietLine(rep))
		return err
	}
	_, err = s.Out.Write(md)
	return err
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, so a reader never sees half a report.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
