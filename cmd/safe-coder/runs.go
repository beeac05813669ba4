package main

import (
	"context"
	"errors"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/report"
)

// defaultRunsLimit is how many runs `safe-coder runs` lists without
// --limit: a screenful.
const defaultRunsLimit = 20

func runsCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:  "runs",
		Usage: "list the recorded runs, newest first",
		Description: "Each run shows its start, status, exit code, tasks, steps, commits, cost and duration; " +
			"a run without an exit code or duration has not recorded its end: it is still going, or was killed.\n\n" + runsExamples,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the runs as a JSON array"},
			&cli.IntFlag{Name: "limit", Usage: "list at most this many runs; 0 lists them all", Value: defaultRunsLimit},
			repoFlag(),
			stateFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() > 0 {
				return usageErrorf("runs takes no arguments")
			}
			limit := cmd.Int("limit")
			if limit < 0 {
				return usageErrorf("--limit %d: expected 0 (all) or more", limit)
			}
			runs, err := listRuns(ctx, cmd.String("repo"), cmd.String("state"), limit)
			if err != nil {
				return err
			}
			if cmd.Bool("json") {
				out, err := report.RunsJSON(runs)
				if err != nil {
					return exitWith(exitFailure, err)
				}
				_, err = s.Out.Write(out)
				return err
			}
			_, err = s.Out.Write([]byte(report.RunsTable(runs)))
			return err
		},
	}
}

// listRuns reads the newest runs; a repository where nothing ever ran has
// none, which is an empty list, not an error.
func listRuns(ctx context.Context, repoDir, statePath string, limit int) ([]report.RunSummary, error) {
	store, err := openStateForReading(ctx, repoDir, statePath)
	if errors.Is(err, report.ErrNoRuns) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer store.Close()
	runs, err := store.Runs(ctx, limit)
	if err != nil {
		return nil, exitWith(exitFailure, err)
	}
	return runs, nil
}
