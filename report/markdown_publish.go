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
