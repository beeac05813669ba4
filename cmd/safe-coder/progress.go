package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/urfave/cli/v3"
	"golang.org/x/term"

	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/tasks"
)

// logOptions are the progress flags of run and resume.
type logOptions struct {
	format  string // auto, live, plain or json
	verbose bool
	noColor bool
}

// logFormatAuto picks live on a terminal and plain anywhere else.
const logFormatAuto = "auto"

// liveRefresh is how often the live line's clock moves between events.
const liveRefresh = 250 * time.Millisecond

func progressFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log-format", Value: logFormatAuto,
			Usage: "progress on stderr: auto (live on a terminal, plain in CI or a pipe), live, plain or json (one object per event)"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"},
			Usage: "also show step and tool starts, tool inputs (truncated) and the model's words"},
		&cli.BoolFlag{Name: "no-color", Usage: "no colour in live progress (as NO_COLOR does)"},
	}
}

func logOptionsOf(cmd *cli.Command) logOptions {
	return logOptions{format: cmd.String("log-format"), verbose: cmd.Bool("verbose"), noColor: cmd.Bool("no-color")}
}

// startProgress puts the progress display between the run and its log:
// it returns the streams whose Err is the display's log, the display (to
// wrap the run's recorder) and the function that stops it. stderr is the
// process's stderr, to tell a terminal and its width; progress goes to
// s.Err (stderr, or what the --quiet and Actions wrappers made of it).
func startProgress(ctx context.Context, s Streams, stderr io.Writer, o logOptions, selected []tasks.Task) (Streams, *report.Progress, func(), error) {
	mode, err := progressMode(o.format, stderr, os.Getenv)
	if err != nil {
		return s, nil, nil, usageErrorf("--log-format: %w", err)
	}
	maxSteps := make(map[string]int, len(selected))
	for _, t := range selected {
		maxSteps[t.Name] = t.Limits.MaxSteps
	}
	p, err := report.NewProgress(report.ProgressOptions{
		Out:      s.Err,
		Mode:     mode,
		Verbose:  o.verbose,
		Color:    !o.noColor && os.Getenv("NO_COLOR") == "",
		Width:    liveWidth(stderr, os.Getenv("COLUMNS")),
		MaxSteps: maxSteps,
	})
	if err != nil {
		return s, nil, nil, usageErrorf("--log-format: %w", err)
	}
	s.Err = p.Log()
	if mode != report.ProgressLive {
		return s, p, func() { _ = p.Close() }, nil
	}
	// The live line's clock moves while the model thinks or a command
	// runs, when no event comes to redraw it.
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(liveRefresh)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				p.Refresh()
			}
		}
	})
	return s, p, func() {
		cancel()
		wg.Wait()
		_ = p.Close()
	}, nil
}

// progressMode resolves --log-format: auto is live on a terminal that can
// take it (not TERM=dumb) outside CI, plain anywhere else, where rewriting
// a line in place would only leave control sequences in a log.
func progressMode(format string, stderr io.Writer, getenv func(string) string) (report.ProgressMode, error) {
	if format != logFormatAuto {
		mode, err := report.ParseProgressMode(format)
		if err != nil {
			return "", fmt.Errorf("%q: expected auto, live, plain or json%s", format, didYouMean(format, logFormatAuto, "live", "plain", "json"))
		}
		return mode, nil
	}
	ci := getenv("CI") == "true" || getenv("GITHUB_ACTIONS") == "true"
	if isTerminal(stderr) && !ci && getenv("TERM") != "dumb" {
		return report.ProgressLive, nil
	}
	return report.ProgressPlain, nil
}

// isTerminal reports whether w is a terminal. A character device is not
// enough: /dev/null is one too, and a cron job's stderr often points there.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// liveWidth is the width the live line must fit: $COLUMNS when set (the
// user's word), else the terminal's own, else 0 (the display's default).
func liveWidth(w io.Writer, columns string) int {
	if n := terminalWidth(columns); n > 0 {
		return n
	}
	if f, ok := w.(*os.File); ok {
		if n, _, err := term.GetSize(int(f.Fd())); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// terminalWidth reads $COLUMNS; 0 (the display's default) when unset or
// not a number.
func terminalWidth(columns string) int {
	n, err := strconv.Atoi(columns)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
