package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner"
)

// actionsEnv is what safe-coder reads of a GitHub Actions job's
// environment. The command reads it once and passes it down, so the rest
// of the program (and its tests) never look at the process environment.
type actionsEnv struct {
	// enabled is GITHUB_ACTIONS=true: the log gets workflow commands.
	enabled bool
	// output and summary are the $GITHUB_OUTPUT and
	// $GITHUB_STEP_SUMMARY files; "" when the runner set none.
	output, summary string
	// runnerTemp is $RUNNER_TEMP, where the JSON report goes when no
	// --report-json names a file.
	runnerTemp string
}

// actionsFromEnv reads the Actions variables through getenv.
func actionsFromEnv(getenv func(string) string) actionsEnv {
	if getenv("GITHUB_ACTIONS") != "true" {
		return actionsEnv{}
	}
	return actionsEnv{
		enabled:    true,
		output:     getenv("GITHUB_OUTPUT"),
		summary:    getenv("GITHUB_STEP_SUMMARY"),
		runnerTemp: getenv("RUNNER_TEMP"),
	}
}

// reportPath is where the JSON report of run goes when the user named no
// file: later steps read it through the report-json output.
func (a actionsEnv) reportPath(run string) string {
	dir := a.runnerTemp
	if dir == "" {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "safe-coder-"+run+".json")
}

// escapeData escapes the message of a workflow command as the runner
// unescapes it, so a message can never end early or start a command of
// its own on the next line.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value of a workflow command, which
// also may not hold the separators of properties.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// workflowCommand formats ::name title=…::message, one line.
func workflowCommand(name, title, message string) string {
	if title == "" {
		return fmt.Sprintf("::%s::%s\n", name, escapeData(message))
	}
	return fmt.Sprintf("::%s title=%s::%s\n", name, escapeProperty(title), escapeData(message))
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimRight(line, "\r")
}

// stepLine matches a progress line of one step: as the runner writes it,
// "[task] step 3: …", or as an event line, "TIME [task] step_finished
// step=3 …". Its group is "[task] step 3".
var stepLine = regexp.MustCompile(`^(?:\S+ )?(\[[^\]\n]*\]) (?:step ([0-9]+):|[a-z_]+ step=([0-9]+)\b)`)

// skipLines match the progress lines that say a change was not committed:
// a step's changes left in the work tree, or a file the snapshot of a
// dirty tree left out.
var skipLines = regexp.MustCompile(`^\[[^\]\n]*\] (?:step [0-9]+: Not committed|snapshot: not committed)`)

// groupWriter wraps the progress log of a run in GitHub Actions: the lines
// of each step go into a collapsible ::group::, and a change left
// uncommitted also becomes a ::warning:: annotation. It is a plain
// io.Writer wrapper, so other wrappers of the log compose with it. Lines
// are passed on whole; Close ends an open group and writes a partial last
// line.
type groupWriter struct {
	w     io.Writer
	buf   []byte
	group string // the open group; "" when none
}

func newGroupWriter(w io.Writer) *groupWriter { return &groupWriter{w: w} }

// Write passes complete lines on, grouped; a partial line waits for its end.
func (g *groupWriter) Write(p []byte) (int, error) {
	g.buf = append(g.buf, p...)
	for {
		i := bytes.IndexByte(g.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(g.buf[:i+1])
		g.buf = g.buf[i+1:]
		if err := g.line(line); err != nil {
			return len(p), err
		}
	}
}

// line writes one complete line, opening or closing groups around it.
func (g *groupWriter) line(line string) error {
	line = defuse(line)
	var out strings.Builder
	group := ""
	if m := stepLine.FindStringSubmatch(line); m != nil {
		group = m[1] + " step " + m[2] + m[3]
	}
	if group != g.group {
		if g.group != "" {
			out.WriteString("::endgroup::\n")
		}
		if group != "" {
			out.WriteString(workflowCommand("group", "", group))
		}
		g.group = group
	}
	out.WriteString(line)
	if skipLines.MatchString(line) {
		out.WriteString(workflowCommand("warning", "safe-coder: change not committed", strings.TrimSuffix(line, "\n")))
	}
	_, err := io.WriteString(g.w, out.String())
	return err
}

// Close writes what is left of the log and ends an open group.
func (g *groupWriter) Close() error {
	var out strings.Builder
	if len(g.buf) > 0 {
		out.WriteString(defuse(string(g.buf)))
		out.WriteString("\n")
		g.buf = nil
	}
	if g.group != "" {
		out.WriteString("::endgroup::\n")
		g.group = ""
	}
	_, err := io.WriteString(g.w, out.String())
	return err
}

// defuse keeps a line of the progress log from being taken for a workflow
// command: the log carries text the model chose (a file name, a command,
// its words with --verbose), and a line of it reading ::add-mask::…,
// ::stop-commands::… or ::warning::… would otherwise act on the job. The
// runner reads a command where a line, after leading white space, starts
// with "::", and the old form "##[" anywhere in a line; it also ends lines
// at a carriage return. Such a line is shown with "> " in front, "##[" as
// "# #[".
func defuse(line string) string {
	line = strings.ReplaceAll(line, "##[", "# #[")
	if !strings.Contains(line, "::") {
		return line
	}
	parts := strings.Split(line, "\r")
	for i, p := range parts {
		if strings.HasPrefix(strings.TrimLeftFunc(p, unicode.IsSpace), "::") {
			parts[i] = "> " + p
		}
	}
	return strings.Join(parts, "\r")
}

// defuseText defuses every line of s (see defuse).
func defuseText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = defuse(l)
	}
	return strings.Join(lines, "\n")
}

// annotate writes the annotations of a finished run: a ::warning:: for
// every call the policy denied, an ::error:: for every task that did not
// succeed, with the first line of its error.
func annotate(w io.Writer, rep *report.Report) error {
	var out strings.Builder
	for _, t := range rep.Tasks {
		for _, d := range t.Denied {
			msg := fmt.Sprintf("[%s] step %d: %s %s denied: %s", t.Name, d.Step, d.Tool, string(d.Input), d.Reason)
			if d.Rule != "" {
				msg += " (rule " + d.Rule + ")"
			}
			out.WriteString(workflowCommand("warning", "safe-coder: denied by policy", msg))
		}
		if t.Status == string(runner.StatusSucceeded) || t.Status == report.StatusNotStarted {
			continue
		}
		msg := fmt.Sprintf("task %s: %s", t.Name, t.Status)
		if t.Error != "" {
			msg += ": " + firstLine(t.Error)
		}
		out.WriteString(workflowCommand("error", "safe-coder: task "+t.Name+" "+t.Status, msg))
	}
	if rep.Run.Error != "" && rep.Run.Status != string(runner.StatusSucceeded) && !anyTaskFailed(rep) {
		// A run can fail outside its tasks: a push, a pull request, the
		// return to the user's branch.
		out.WriteString(workflowCommand("error", "safe-coder: run "+rep.Run.Status, firstLine(rep.Run.Error)))
	}
	_, err := io.WriteString(w, out.String())
	return err
}

func anyTaskFailed(rep *report.Report) bool {
	for _, t := range rep.Tasks {
		if t.Status != string(runner.StatusSucceeded) && t.Status != report.StatusNotStarted {
			return true
		}
	}
	return false
}

// actionsOutputs are the step's outputs for a finished run: its id, status
// and exit code, the branch of its last task, the URL of its last pull
// request and the path of its JSON report.
func actionsOutputs(rep *report.Report, reportJSON string) []report.Output {
	branch, prURL := "", ""
	for _, t := range rep.Tasks {
		if t.Branch != "" {
			branch = t.Branch
		}
		if t.PR != nil {
			prURL = t.PR.URL
		}
	}
	return []report.Output{
		{Name: "run-id", Value: rep.Run.ID},
		{Name: "status", Value: rep.Run.Status},
		{Name: "exit-code", Value: fmt.Sprint(rep.Run.ExitCode)},
		{Name: "branch", Value: branch},
		{Name: "pr-url", Value: prURL},
		{Name: "report-json", Value: reportJSON},
	}
}

// absPath makes a path given on the command line absolute, for steps that
// run in another directory; a path that cannot be made so stays as given.
func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// emitActions writes what a run gives GitHub Actions at its end: the
// annotations to the log, the outputs and the step summary.
func emitActions(ctx context.Context, a actionsEnv, log io.Writer, rep *report.Report, md, reportJSON string) error {
	if err := annotate(log, rep); err != nil {
		return err
	}
	if a.output != "" {
		if err := report.AppendOutputs(ctx, a.output, actionsOutputs(rep, absPath(reportJSON))); err != nil {
			return err
		}
	}
	if a.summary != "" {
		cut, err := report.AppendStepSummary(ctx, a.summary, md, report.SummaryOptions{FullReport: reportJSON})
		if err != nil {
			return err
		}
		if cut {
			if _, err := io.WriteString(log, workflowCommand("notice", "", "the step summary holds the report cut to GitHub's 1 MiB limit; the whole report is in "+reportJSON)); err != nil {
				return err
			}
		}
	}
	return nil
}

// runStreams returns the streams a run writes its progress to: stderr, or
// nothing with --quiet; in GitHub Actions, grouped by step. close ends the
// last group.
func runStreams(s Streams, opts runOptions) (progress Streams, close func()) {
	progress = s
	if opts.quiet {
		progress.Err = io.Discard
		return progress, func() {}
	}
	if !opts.actions.enabled {
		return progress, func() {}
	}
	g := newGroupWriter(s.Err)
	progress.Err = g
	return progress, func() { g.Close() }
}
