package policy

import (
	"fmt"
	"slices"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/runner/tools"
)

// Mode is an approval mode of the task file.
type Mode string

// The approval modes, from the most to the least restrictive.
const (
	ModePlan     Mode = "plan"
	ModeDefault  Mode = "default"
	ModeAutoEdit Mode = "auto-edit"
	ModeYolo     Mode = "yolo"
)

// Decision is the verdict on one tool call. Reason says why, in words fit
// for the model and the report; it is set for allowed calls too.
type Decision struct {
	Allow  bool
	Reason string
}

// Policy decides tool calls for one task. It is immutable and safe for
// concurrent use.
type Policy struct {
	mode    Mode
	offered []string
}

// New returns the policy for a task run in mode with the given tools. It
// returns an error for an unknown mode or tool name.
func New(mode Mode, toolNames []string) (*Policy, error) {
	switch mode {
	case ModePlan, ModeDefault, ModeAutoEdit, ModeYolo:
	default:
		return nil, fmt.Errorf("unknown approval mode %q", mode)
	}
	p := &Policy{mode: mode}
	for _, name := range toolNames {
		kind, ok := tools.KindOf(name)
		if !ok {
			return nil, fmt.Errorf("unknown tool %q", name)
		}
		// Plan mode offers read tools only: the model never sees tools it
		// could not use, so it does not waste turns on denials.
		if mode == ModePlan && kind != tools.KindRead {
			continue
		}
		if !slices.Contains(p.offered, name) {
			p.offered = append(p.offered, name)
		}
	}
	return p, nil
}

// Mode returns the approval mode.
func (p *Policy) Mode() Mode { return p.mode }

// Offered returns the names of the tools offered to the model, in order.
func (p *Policy) Offered() []string { return slices.Clone(p.offered) }

// Decide returns the verdict on call. It never runs anything.
func (p *Policy) Decide(call llm.ToolCall) Decision {
	kind, known := tools.KindOf(call.Name)
	if !known {
		return Decision{Reason: fmt.Sprintf("unknown tool %q; the tools offered are %v", call.Name, p.offered)}
	}
	if !slices.Contains(p.offered, call.Name) {
		if p.mode == ModePlan && kind != tools.KindRead {
			return Decision{Reason: fmt.Sprintf("approval mode plan offers read tools only; %s is not available", call.Name)}
		}
		return Decision{Reason: fmt.Sprintf("tool %s is not in this task's tools %v", call.Name, p.offered)}
	}
	switch kind {
	case tools.KindRead:
		return Decision{Allow: true, Reason: "read tools are allowed in every mode"}
	case tools.KindEdit:
		if p.mode == ModeAutoEdit || p.mode == ModeYolo {
			return Decision{Allow: true, Reason: fmt.Sprintf("approval mode %s allows edits", p.mode)}
		}
		return Decision{Reason: fmt.Sprintf("approval mode %s allows %s only where an allow rule matches, and this task has none; nobody can approve it in a headless run", p.mode, call.Name)}
	case tools.KindExec:
		if p.mode == ModeYolo {
			return Decision{Allow: true, Reason: "approval mode yolo allows commands"}
		}
		return Decision{Reason: fmt.Sprintf("approval mode %s allows bash only where an allow rule matches, and this task has none; nobody can approve it in a headless run", p.mode)}
	}
	return Decision{Reason: fmt.Sprintf("tool %s has no rule in approval mode %s", call.Name, p.mode)}
}
