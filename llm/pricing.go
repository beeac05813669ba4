package llm

import "strings"

// Price is what a model costs, in US dollars per million tokens.
// CacheWritePerMTok is the price of writing the prompt cache for five
// minutes, the duration the runner asks for; providers without a charge for
// cache writes leave it 0.
type Price struct {
	InputPerMTok, OutputPerMTok, CacheReadPerMTok, CacheWritePerMTok float64
	// Long, when its Above is set, replaces every rate of a request whose
	// prompt (input, cache read and cache write tokens) is longer than
	// Above tokens, output included — as Claude Haiku 5.5 is billed.
	Long LongPrompt
}

// LongPrompt is the price band of long prompts; see Price.Long.
type LongPrompt struct {
	Above                                                            int64
	InputPerMTok, OutputPerMTok, CacheReadPerMTok, CacheWritePerMTok float64
}

// Cost returns what the tokens of u, one request's usage, cost at p, in US
// dollars. Each kind of token is billed at its own price; InputTokens
// excludes the cached tokens, so nothing is counted twice.
func (p Price) Cost(u Usage) float64 {
	in, out, read, write := p.InputPerMTok, p.OutputPerMTok, p.CacheReadPerMTok, p.CacheWritePerMTok
	if l := p.Long; l.Above > 0 && u.InputTokens+u.CacheReadTokens+u.CacheWriteTokens > l.Above {
		in, out, read, write = l.InputPerMTok, l.OutputPerMTok, l.CacheReadPerMTok, l.CacheWritePerMTok
	}
	return (float64(u.InputTokens)*in +
		float64(u.OutputTokens)*out +
		float64(u.CacheReadTokens)*read +
		float64(u.CacheWriteTokens)*write) / 1e6
}

// LookupPrice returns the list price of model when served by provider.
// Only "anthropic" and "openai" have prices; for "ollama", "replay" and any
// other provider ok is false, because a model that runs locally or is
// replayed has no price that safe-coder knows, which is not the same as a
// price of zero. See lookupModel for how model names are matched.
func LookupPrice(provider, model string) (Price, bool) {
	m, ok := lookupModel(provider, model)
	return m.price, ok
}

// ContextWindow returns how many tokens model accepts in one request
// (prompt and answer together) when served by provider, under the same
// rules as LookupPrice.
func ContextWindow(provider, model string) (int, bool) {
	m, ok := lookupModel(provider, model)
	return m.window, ok && m.window > 0
}

// lookupModel finds model in the table of provider. A name matches when it
// is one of an entry's names:
//   - as it is ("claude-sonnet-4-5", "gpt-4o-2024-05-13");
//   - after removing a dated snapshot suffix ("claude-sonnet-4-5-20250929",
//     "gpt-4o-2024-08-06"), so a pinned snapshot costs what its model costs
//     unless the table lists the snapshot itself;
//   - after removing an OpenRouter-style vendor prefix
//     ("anthropic/claude-sonnet-4-5", "openai/gpt-4o"). The prefix picks
//     the table: OpenAI-compatible gateways (provider "openai") serve
//     Claude models too. OpenRouter writes Claude versions with dots
//     ("anthropic/claude-sonnet-4.5"); they match the dashed names.
//
// Matching is exact otherwise: a name is never matched by prefix, because
// "gpt-4o" must not price "gpt-4o-mini", and unknown is better than wrong.
func lookupModel(provider, model string) (modelInfo, bool) {
	table := tableFor(provider)
	if table == nil {
		return modelInfo{}, false
	}
	if vendor, rest, ok := strings.Cut(model, "/"); ok {
		switch {
		case vendor == provider:
		case vendor == "anthropic" && provider == "openai":
			table = anthropicModels()
		default:
			return modelInfo{}, false
		}
		model = rest
		if vendor == "anthropic" {
			model = strings.ReplaceAll(model, ".", "-")
		}
	}
	for _, name := range []string{model, stripSnapshot(model)} {
		if name == "" {
			continue
		}
		for _, m := range table {
			for _, n := range m.names {
				if n == name {
					return m, true
				}
			}
		}
	}
	return modelInfo{}, false
}

// tableFor returns the models a provider serves at known prices, nil for a
// provider without prices.
func tableFor(provider string) []modelInfo {
	switch provider {
	case "anthropic":
		return anthropicModels()
	case "openai":
		return openAIModels()
	}
	return nil
}

// stripSnapshot returns name without its dated snapshot suffix, or "" when
// it has none. Anthropic dates snapshots as -YYYYMMDD, OpenAI as
// -YYYY-MM-DD.
func stripSnapshot(name string) string {
	for _, layout := range []string{"-dddddddd", "-dddd-dd-dd"} {
		if len(name) <= len(layout) {
			continue
		}
		base, suffix := name[:len(name)-len(layout)], name[len(name)-len(layout):]
		if matchesLayout(suffix, layout) {
			return base
		}
	}
	return ""
}

// matchesLayout reports whether s has the shape of layout, where 'd'
// stands for any ASCII digit and every other byte for itself.
func matchesLayout(s, layout string) bool {
	for i := range len(layout) {
		if layout[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != layout[i] {
			return false
		}
	}
	return true
}

// modelInfo is one model of a provider's table.
type modelInfo struct {
	names  []string // the model's id first, then the aliases the API takes
	price  Price
	window int // context window, in tokens; 0 when unpublished
}

// Context windows of the Claude families. Up to Opus 4.5 and Haiku 4.5 the
// standard window is 200K tokens (1M only behind a beta header safe-coder
// does not send); from Opus 4.6 and Sonnet 4.6 on, and for Haiku 5.5, Fable
// and Mythos, 1M tokens is the standard window at the standard price.
const (
	claudeWindow     = 200_000
	claudeLongWindow = 1_000_000
)

// anthropicModels is the Anthropic table, taken on 2026-11-26 from
// https://platform.claude.com/docs/en/about-claude/pricing (formerly
// https://www.anthropic.com/pricing) and the model pages under
// https://platform.claude.com/docs/en/models. The columns are input,
// output, cache hits, 5-minute cache writes (1.25 × input).
//
// The pricing table gave Fable and Mythos 5.1 and 5, Opus 5, 4.8, 4.7,
// 4.6, 4.5, 4.1 and 4, Sonnet 4 and 3.7, Haiku 3.5 and 3. The model pages
// gave Sonnet 5.5 and 5, Sonnet 4.6, Sonnet 4.5, Haiku 4.5 and the two
// price bands of Haiku 5.5 (prompts over 100K tokens cost five times as
// much). Sonnet 5.5's cache hits are $0.10 since 2026-10-07 (a stored copy
// of its model page still showed the earlier $0.20; two independent price
// trackers that re-read the pricing page in October 2026 agree on the cut).
// Opus 5.5 ($4 / $20, cache hits 0.05 × input) could only be confirmed by
// third-party copies of the pricing page. Model ids follow Anthropic's
// scheme (claude-<family>-<major>[-<minor>]); claude-opus-4-8,
// claude-sonnet-4-6 and claude-haiku-5-5 were seen on model pages.
// Retired and deprecated models stay listed while gateways and cloud
// platforms still serve them: on that date the Claude API had retired
// Opus 4.1 and 4, and Sonnet 4.5 was to retire on 2026-11-30.
func anthropicModels() []modelInfo {
	claude := func(window int, in, out, cacheRead, cacheWrite float64, names ...string) modelInfo {
		return modelInfo{
			names:  names,
			price:  Price{InputPerMTok: in, OutputPerMTok: out, CacheReadPerMTok: cacheRead, CacheWritePerMTok: cacheWrite},
			window: window,
		}
	}
	haiku55 := claude(claudeLongWindow, 0.10, 0.50, 0.01, 0.125, "claude-haiku-5-5")
	haiku55.price.Long = LongPrompt{Above: 100_000, InputPerMTok: 0.50, OutputPerMTok: 2.50, CacheReadPerMTok: 0.05, CacheWritePerMTok: 0.625}
	return []modelInfo{
		claude(claudeLongWindow, 10, 50, 0.25, 12.50, "claude-fable-5-1"),
		claude(claudeLongWindow, 10, 50, 0.25, 12.50, "claude-mythos-5-1"),
		claude(claudeLongWindow, 10, 50, 1, 12.50, "claude-fable-5"),
		claude(claudeLongWindow, 10, 50, 1, 12.50, "claude-mythos-5"),
		claude(claudeLongWindow, 4, 20, 0.20, 5, "claude-opus-5-5"),
		claude(claudeLongWindow, 5, 25, 0.50, 6.25, "claude-opus-5"),
		claude(claudeLongWindow, 5, 25, 0.50, 6.25, "claude-opus-4-8"),
		claude(claudeLongWindow, 5, 25, 0.50, 6.25, "claude-opus-4-7"),
		claude(claudeLongWindow, 5, 25, 0.50, 6.25, "claude-opus-4-6"),
		claude(claudeWindow, 5, 25, 0.50, 6.25, "claude-opus-4-5"),
		claude(claudeWindow, 15, 75, 1.50, 18.75, "claude-opus-4-1"),
		claude(claudeWindow, 15, 75, 1.50, 18.75, "claude-opus-4", "claude-opus-4-0"),
		claude(claudeLongWindow, 2, 10, 0.10, 2.50, "claude-sonnet-5-5"),
		claude(claudeLongWindow, 2, 10, 0.20, 2.50, "claude-sonnet-5"),
		claude(claudeLongWindow, 3, 15, 0.30, 3.75, "claude-sonnet-4-6"),
		claude(claudeWindow, 3, 15, 0.30, 3.75, "claude-sonnet-4-5"),
		claude(claudeWindow, 3, 15, 0.30, 3.75, "claude-sonnet-4", "claude-sonnet-4-0"),
		claude(claudeWindow, 3, 15, 0.30, 3.75, "claude-3-7-sonnet", "claude-3-7-sonnet-latest"),
		haiku55,
		claude(claudeWindow, 1, 5, 0.10, 1.25, "claude-haiku-4-5"),
		claude(claudeWindow, 0.80, 4, 0.08, 1, "claude-3-5-haiku", "claude-3-5-haiku-latest"),
		claude(claudeWindow, 0.25, 1.25, 0.03, 0.30, "claude-3-haiku"),
	}
}

// Context windows of the OpenAI families, from each model's page.
const (
	gpt5Window    = 400_000
	gpt41Window   = 1_047_576
	gpt4oWindow   = 128_000
	oSeriesWindow = 200_000
)

// openAIModels is the OpenAI table (standard tier), taken on 2026-11-26
// from https://openai.com/api/pricing/ and
// https://platform.openai.com/docs/models (now served from
// developers.openai.com). CacheReadPerMTok is the "cached input" price;
// OpenAI charges nothing for writing its cache for these models. GPT-5 nano
// was checked against its model page; the others are the list prices
// OpenAI published when each model launched, confirmed by several
// independent price tables of 2026 but not by a page of OpenAI's own that
// could be read on that date. The GPT-5.6 family (Sol, Terra, Luna) and
// GPT-5.5 and 5.4 are priced from OpenAI's announcement as quoted by those
// tables (cached input at the announced 90% discount); OpenAI has not
// published their context windows, so none is assumed.
func openAIModels() []modelInfo {
	gpt := func(in, cached, out float64, window int, names ...string) modelInfo {
		return modelInfo{
			names:  names,
			price:  Price{InputPerMTok: in, OutputPerMTok: out, CacheReadPerMTok: cached},
			window: window,
		}
	}
	return []modelInfo{
		gpt(5, 0.50, 30, 0, "gpt-5.6-sol"),
		gpt(2.50, 0.25, 15, 0, "gpt-5.6-terra"),
		gpt(1, 0.10, 6, 0, "gpt-5.6-luna"),
		gpt(5, 0.50, 30, 0, "gpt-5.5"),
		gpt(2.50, 0.25, 15, 0, "gpt-5.4"),
		gpt(1.25, 0.125, 10, gpt5Window, "gpt-5"),
		gpt(0.25, 0.025, 2, gpt5Window, "gpt-5-mini"),
		gpt(0.05, 0.005, 0.40, gpt5Window, "gpt-5-nano"),
		gpt(2, 0.50, 8, gpt41Window, "gpt-4.1"),
		gpt(0.40, 0.10, 1.60, gpt41Window, "gpt-4.1-mini"),
		gpt(0.10, 0.025, 0.40, gpt41Window, "gpt-4.1-nano"),
		gpt(2.50, 1.25, 10, gpt4oWindow, "gpt-4o"),
		// The first GPT-4o snapshot kept its launch price and never had
		// prompt caching; listing it keeps it from matching "gpt-4o".
		gpt(5, 0, 15, gpt4oWindow, "gpt-4o-2024-05-13"),
		gpt(0.15, 0.075, 0.60, gpt4oWindow, "gpt-4o-mini"),
		gpt(2, 0.50, 8, oSeriesWindow, "o3"),
		gpt(1.10, 0.275, 4.40, oSeriesWindow, "o4-mini"),
	}
}
