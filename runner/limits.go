package runner

import (
	"errors"
	"fmt"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/tasks"
)

// errTaskTimeout is the cancellation cause of a task's context when its
// limits.timeout runs out, so that the loop can tell its own deadline from
// a signal.
var errTaskTimeout = errors.New("the task's timeout ran out")

// limitError says which limit of the task file stopped the task.
type limitError struct {
	limit  string // the key under limits: max_steps, max_tokens, max_cost_usd, timeout
	detail string // e.g. "max_cost_usd 0.50: spent $0.5123"
}

func (e *limitError) Error() string { return "limit reached: " + e.detail }

// budget is what a task has spent so far.
type budget struct {
	usage  llm.Usage
	cost   float64
	price  llm.Price
	priced bool
}

// tokens counts every token of the task: input, output and cache.
func (b *budget) tokens() int64 {
	u := b.usage
	return u.InputTokens + u.OutputTokens + u.CacheReadTokens + u.CacheWriteTokens
}

// add accounts one answer and returns its cost, nil when the model's price
// is unknown: an unknown cost is never reported as zero.
func (b *budget) add(u llm.Usage) *float64 {
	b.usage = b.usage.Add(u)
	if !b.priced {
		return nil
	}
	c := b.price.Cost(u)
	b.cost += c
	return &c
}

// reached returns the first token or cost limit the task has hit, or nil.
// Steps and time are checked where they are counted.
func (b *budget) reached(l tasks.Limits) *limitError {
	if l.MaxTokens > 0 && b.tokens() >= l.MaxTokens {
		return &limitError{limit: "max_tokens", detail: fmt.Sprintf("max_tokens %d: %d tokens used", l.MaxTokens, b.tokens())}
	}
	// A cost limit without a price is refused when the task file is
	// loaded; priced is checked again so an unknown cost never passes as 0.
	if l.MaxCostUSD > 0 && !b.priced {
		return &limitError{limit: "max_cost_usd", detail: fmt.Sprintf("max_cost_usd %.4g: the model's price is unknown, so the cost cannot be measured", l.MaxCostUSD)}
	}
	if l.MaxCostUSD > 0 && b.cost >= l.MaxCostUSD {
		return &limitError{limit: "max_cost_usd", detail: fmt.Sprintf("max_cost_usd %.4g: spent $%.4f", l.MaxCostUSD, b.cost)}
	}
	return nil
}

// addRecorded accounts answers recorded before a resume.
func (b *budget) addRecorded(u llm.Usage) {
	b.add(u)
}
