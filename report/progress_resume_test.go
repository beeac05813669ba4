package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A task resumed in a new process: Progress seeded with the task's report
// as the store held it ends with the same totals as the final report,
// including the steps, tokens, unknown cost and time from before the kill.
func TestProgressResumeTaskSumsTheWholeTask(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		cost1 *float64 // the cost of the step recorded before the kill
	}{
		{"known cost", usd(0.5)},
		{"unknown cost", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := openStore(t)
			// The killed process: one step done, a second started.
			record(t, s, evRunStarted, evTaskStarted,
				StepStarted{RunID: rid, Task: task, Step: 1, StartedAt: at(2 * time.Second)},
				ModelAnswered{RunID: rid, Task: task, Step: 1, At: at(3 * time.Second), StopReason: "tool_use",
					Usage: Usage{InputTokens: 7000, OutputTokens: 300, CacheReadTokens: 5}, CostUSD: tc.cost1},
				StepFinished{RunID: rid, Task: task, Step: 1, FinishedAt: at(4 * time.Second)},
			)
			before := buildReport(t, s, rid)

			var out bytes.Buffer
			p, err := NewProgress(ProgressOptions{Out: &out, Mode: ProgressJSON})
			if err != nil {
				t.Fatal(err)
			}
			p.ResumeTask(before.Tasks[0])
			rec := p.Wrap(s)
			for _, ev := range []Event{
				RunResumed{RunID: rid, At: at(time.Hour)},
				TaskResumed{RunID: rid, Task: task, At: at(time.Hour)},
				StepStarted{RunID: rid, Task: task, Step: 2, StartedAt: at(time.Hour + time.Second)},
				ModelAnswered{RunID: rid, Task: task, Step: 2, At: at(time.Hour + 2*time.Second), StopReason: "end_turn",
					Usage: Usage{InputTokens: 800, OutputTokens: 20}, CostUSD: usd(0.25)},
				StepFinished{RunID: rid, Task: task, Step: 2, FinishedAt: at(time.Hour + 3*time.Second)},
				TaskFinished{RunID: rid, Task: task, FinishedAt: at(time.Hour + 4*time.Second), Status: "succeeded"},
			} {
				if err := rec.Record(t.Context(), ev); err != nil {
					t.Fatalf("Record %T: %v", ev, err)
				}
			}
			final := buildReport(t, s, rid).Tasks[0]

			var line struct {
				Steps     int      `json:"steps"`
				TokensIn  int64    `json:"tokens_in"`
				TokensOut int64    `json:"tokens_out"`
				CostUSD   *float64 `json:"cost_usd"`
				ElapsedMS int64    `json:"elapsed_ms"`
			}
			for l := range strings.Lines(out.String()) {
				if strings.Contains(l, `"event":"task_finished"`) {
					if err := json.Unmarshal([]byte(l), &line); err != nil {
						t.Fatalf("task_finished line %q: %v", l, err)
					}
				}
			}
			st := final.Stats
			if line.Steps != st.Steps || line.TokensIn != st.Tokens.Input || line.TokensOut != st.Tokens.Output {
				t.Errorf("task_finished steps=%d tokens_in=%d tokens_out=%d; the report has %d, %d, %d",
					line.Steps, line.TokensIn, line.TokensOut, st.Steps, st.Tokens.Input, st.Tokens.Output)
			}
			if (line.CostUSD == nil) != (st.CostUSD == nil) || line.CostUSD != nil && *line.CostUSD != *st.CostUSD {
				t.Errorf("task_finished cost_usd = %v; the report has %v", fmtCost(line.CostUSD), fmtCost(st.CostUSD))
			}
			if line.ElapsedMS != final.DurationMS {
				t.Errorf("task_finished elapsed_ms = %d; the report has duration_ms %d", line.ElapsedMS, final.DurationMS)
			}
		})
	}
}

func fmtCost(c *float64) any {
	if c == nil {
		return "unknown"
	}
	return *c
}
