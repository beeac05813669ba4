package report

import (
	"fmt"
	"strings"
)

// writePush says where the task's branch was last pushed and which pull
// request it opened or updated.
func writePush(b *strings.Builder, t *TaskReport) {
	if pr := t.PR; pr != nil {
		fmt.Fprintf(b, "Pull request #%d (%s): %s\n\n", pr.Number, inline(pr.State), link(pr.URL))
	}
	p := t.Push
	if p == nil {
		return
	}
	line := fmt.Sprintf("Push of %s to %s %s: ", code(short(p.Commit)), code(p.Remote), code(p.Branch))
	switch {
	case p.Result == "":
		line += "not finished"
	case p.Error != "":
		line += inline(p.Result) + " — " + oneLineText(truncate(p.Error, 200))
	default:
		line += inline(p.Result)
	}
	b.WriteString(line + "\n\n")
}

// link makes a URL clickable as an autolink; a value that an autolink
// cannot hold (spaces, angle brackets) is shown as code instead.
func link(url string) string {
	if url == "" || strings.ContainsAny(url, " \t\r\n<>") {
		return code(url)
	}
	return "<" + url + ">"
}

// TaskMarkdown renders one task of the report for people who see it alone,
// such as the body of the task's pull request: a title, the run it belongs
// to, and the task's section as Markdown renders it, without the push and
// pull request lines, which would have a pull request describe itself.
// ok is false when the report has no task of that name.
func (r *Report) TaskMarkdown(name string) (md string, ok bool) {
	for i := range r.Tasks {
		t := &r.Tasks[i]
		if t.Name != name {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "# safe-coder task %s: %s\n\n", inline(t.Name), inline(t.Status))
		line := []string{"run " + code(r.Run.ID)}
		if r.Run.Version != "" {
			line = append(line, "safe-coder "+inline(r.Run.Version))
		}
		if r.Run.TaskFile != "" {
			line = append(line, "tasks from "+code(r.Run.TaskFile))
		}
		b.WriteString(capitalize(strings.Join(line, " · ")) + "\n\n")
		writeTaskWith(&b, t, func(*strings.Builder, *TaskReport) {})
		return b.String(), true
	}
	return "", false
}
