package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner"
)

func reportMergeCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:  "merge",
		Usage: "combine the JSON reports of the parts of one run (the shards of a CI matrix) into one report",
		Description: "Each file must be a JSON report of a finished run (safe-coder run --report-json), " +
			"all of them from the same base commit, each task in one of them. The merged run's id is " +
			"the runs' ids joined with +, its status the worst of theirs, its times the earliest start " +
			"and the latest end; its totals are recomputed from the tasks.\n\n" + mergeExamples,
		ArgsUsage: "A.json B.json …",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "json, markdown or text", Value: "json"},
		},
		OnUsageError: func(_ context.Context, _ *cli.Command, err error, _ bool) error {
			return &exitError{code: exitUsage, err: err}
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			format := cmd.String("format")
			switch format {
			case "json", "markdown", "text":
			default:
				return usageErrorf("--format %q: expected json, markdown or text%s", format, didYouMean(format, "json", "markdown", "text"))
			}
			if cmd.Args().Len() == 0 {
				return usageErrorf("report merge needs the JSON reports to merge: safe-coder report merge A.json B.json …")
			}
			merged, err := mergeReports(cmd.Args().Slice())
			if err != nil {
				return err
			}
			out, err := render(merged, format)
			if err != nil {
				return exitWith(exitFailure, err)
			}
			_, err = s.Out.Write(out)
			return err
		},
	}
}

// mergeReports reads and checks each report against the schema, then
// merges them. A file that cannot be read, is not a valid report, or does
// not belong with the others is a usage error: the wrong files were given.
func mergeReports(paths []string) (*report.Report, error) {
	reports := make([]*report.Report, len(paths))
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usageErrorf("report %s does not exist; merge takes the files that safe-coder run --report-json wrote", p)
		}
		if err != nil {
			return nil, usageErrorf("read report: %w", err)
		}
		r, err := report.ParseJSON(data)
		if err != nil {
			return nil, usageErrorf("%s is not a JSON report of safe-coder run --report-json: %w", p, err)
		}
		reports[i] = r
	}
	merged, err := report.Merge(reports, report.MergeOptions{
		Worse: func(a, b string) string { return string(runner.Status(a).Worse(runner.Status(b))) },
	})
	if err != nil {
		return nil, exitWith(exitUsage, fmt.Errorf("merge %d reports: %w", len(paths), err))
	}
	return merged, nil
}
