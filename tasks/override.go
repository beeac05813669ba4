package tasks

import (
	"fmt"
	"slices"
	"strings"
)

// Override is what the command line sets for every selected task over the
// task file: the run's flags --approval, --provider and --model. An empty
// field leaves the task's own setting. A GitHub Action or a cron job uses
// them to run one task file with another model or mode without editing it.
type Override struct {
	Approval string
	Provider string
	Model    string
}

// Empty reports whether the override changes nothing.
func (o Override) Empty() bool { return o == Override{} }

// Apply returns copies of ts with the override set, checked like the task
// file checks the same keys. Changing a task's provider re-derives what the
// parser derives from it: the endpoint (base_url, api_key_env) becomes the
// new provider's default, as a key configured for one provider must never
// be sent to another; changing the provider or the model name drops the
// task's pricing and context window, which describe the model it had.
// Errors wrap ErrBadOverride and name the flag, its valid values and the
// task concerned; ts is not changed.
func (o Override) Apply(ts []Task) ([]Task, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	out := make([]Task, len(ts))
	var problems []string
	for i, t := range ts {
		t, problem := o.apply(t)
		if problem != "" {
			problems = append(problems, fmt.Sprintf("task %s: %s", t.Name, problem))
		}
		out[i] = t
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrBadOverride, strings.Join(problems, "; "))
	}
	return out, nil
}

// check validates each value on its own, before any task.
func (o Override) check() error {
	var problems []string
	if o.Approval != "" && !slices.Contains(approvalEnum().values, o.Approval) {
		problems = append(problems, badFlagValue("--approval", o.Approval, approvalEnum().values))
	}
	if o.Provider != "" && !slices.Contains(providerEnum().values, o.Provider) {
		problems = append(problems, badFlagValue("--provider", o.Provider, providerEnum().values))
	}
	if o.Model != "" && (strings.TrimSpace(o.Model) != o.Model || strings.ContainsAny(o.Model, "\r\n")) {
		problems = append(problems, fmt.Sprintf("--model %q: expected a model name such as claude-sonnet-5-5, without surrounding spaces or line breaks", o.Model))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrBadOverride, strings.Join(problems, "; "))
	}
	return nil
}

// apply sets the override on one task and returns what is wrong with the
// result, or "".
func (o Override) apply(t Task) (Task, string) {
	if o.Approval != "" {
		t.Approval = Approval(o.Approval)
	}
	m := t.Model
	if p := Provider(o.Provider); p != "" && p != m.Provider {
		m.Provider = p
		m.BaseURL, m.APIKeyEnv, m.Stream = "", "", false
		switch p {
		case ProviderAnthropic:
			m.APIKeyEnv, m.Stream = defaultAnthropicKeyEnv, defaultStream
		case ProviderOpenAI:
			m.APIKeyEnv, m.Stream = defaultOpenAIKeyEnv, defaultStream
		case ProviderOllama:
			m.BaseURL, m.Stream = defaultOllamaBaseURL, defaultStream
		}
		if p != ProviderReplay {
			m.Transcript = ""
		}
		m.Pricing, m.ContextWindow = nil, 0
	}
	if o.Model != "" && o.Model != m.Name {
		m.Name = o.Model
		m.Pricing, m.ContextWindow = nil, 0
	}
	t.Model = m
	switch {
	case m.Provider == ProviderReplay && m.Transcript == "":
		return t, "--provider replay needs the task's model.transcript, the recorded session to answer from; this task has none"
	case m.Provider != ProviderReplay && m.Name == "":
		return t, fmt.Sprintf("provider %q needs a model name; add --model", m.Provider)
	case t.Limits.MaxCostUSD > 0:
		if _, ok := m.Price(); !ok {
			return t, fmt.Sprintf("limits.max_cost_usd needs a price for %s model %q, which the built-in table does not know (the task file's model.pricing describes the model the file names); choose a model with a known price, or remove the cost limit", m.Provider, m.Name)
		}
	}
	return t, ""
}

// badFlagValue says that flag's value is none of values, suggesting the
// closest one as the task file's own enum errors do.
func badFlagValue(flag, value string, values []string) string {
	msg := fmt.Sprintf("%s %q: expected one of %s", flag, value, strings.Join(values, ", "))
	if s, ok := suggest(value, values); ok {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg
}
