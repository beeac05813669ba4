package llm

import (
	"math"
	"strings"
	"testing"
)

// closeTo reports whether got equals want up to float rounding.
func closeTo(got, want float64) bool {
	return math.Abs(got-want) <= 1e-12*math.Max(1, math.Abs(want))
}

func TestPriceTableIsSane(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{"anthropic", "openai"} {
		seen := map[string]bool{}
		for _, m := range tableFor(provider) {
			p := m.price
			id := provider + "/" + m.names[0]
			if !(p.InputPerMTok > 0 && p.OutputPerMTok >= p.InputPerMTok) {
				t.Errorf("%s: want output >= input > 0, got %+v", id, p)
			}
			if !(p.CacheReadPerMTok >= 0 && p.CacheReadPerMTok < p.InputPerMTok) {
				t.Errorf("%s: want 0 <= cache read < input, got %+v", id, p)
			}
			switch provider {
			case "anthropic":
				// Writing the cache costs more than plain input.
				if p.CacheWritePerMTok <= p.InputPerMTok {
					t.Errorf("%s: cache prices out of line with input: %+v", id, p)
				}
				if m.window != claudeWindow && m.window != claudeLongWindow {
					t.Errorf("%s: window %d, want 200K or 1M", id, m.window)
				}
			case "openai":
				if p.CacheWritePerMTok != 0 {
					t.Errorf("%s: OpenAI charges no cache writes, got %+v", id, p)
				}
				if m.window != 0 && m.window < 128_000 {
					t.Errorf("%s: window %d is too small for a current model", id, m.window)
				}
			}
			for _, name := range m.names {
				if seen[name] {
					t.Errorf("%s: name %q listed twice", provider, name)
				}
				seen[name] = true
				// Every name finds its own entry, not an earlier one.
				got, ok := LookupPrice(provider, name)
				if !ok || got != p {
					t.Errorf("LookupPrice(%s, %s) = %+v, %v; want %+v", provider, name, got, ok, p)
				}
			}
		}
		if len(seen) == 0 {
			t.Errorf("%s: empty table", provider)
		}
	}
}

func TestRequiredModelsArePriced(t *testing.T) {
	t.Parallel()
	required := map[string][]string{
		"anthropic": {"claude-fable-5-1", "claude-opus-5-5", "claude-opus-4-8", "claude-sonnet-5-5", "claude-sonnet-5",
			"claude-sonnet-4-6", "claude-haiku-5-5", "claude-opus-4-5", "claude-opus-4-1", "claude-opus-4", "claude-sonnet-4-5", "claude-sonnet-4",
			"claude-3-7-sonnet", "claude-haiku-4-5", "claude-3-5-haiku", "claude-3-haiku"},
		"openai": {"gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
			"gpt-4o", "gpt-4o-mini", "o3", "o4-mini"},
	}
	for provider, models := range required {
		for _, model := range models {
			if _, ok := LookupPrice(provider, model); !ok {
				t.Errorf("LookupPrice(%s, %s) found nothing", provider, model)
			}
			if _, ok := ContextWindow(provider, model); !ok && !strings.HasPrefix(model, "gpt-5.") {
				t.Errorf("ContextWindow(%s, %s) found nothing", provider, model)
			}
		}
	}
}

func TestLookupPriceNames(t *testing.T) {
	t.Parallel()
	sonnet45 := Price{InputPerMTok: 3, OutputPerMTok: 15, CacheReadPerMTok: 0.30, CacheWritePerMTok: 3.75}
	sonnet37 := sonnet45
	opus4 := Price{InputPerMTok: 15, OutputPerMTok: 75, CacheReadPerMTok: 1.50, CacheWritePerMTok: 18.75}
	gpt4o := Price{InputPerMTok: 2.50, OutputPerMTok: 10, CacheReadPerMTok: 1.25}
	gpt4oMini := Price{InputPerMTok: 0.15, OutputPerMTok: 0.60, CacheReadPerMTok: 0.075}
	gpt41 := Price{InputPerMTok: 2, OutputPerMTok: 8, CacheReadPerMTok: 0.50}
	gpt5 := Price{InputPerMTok: 1.25, OutputPerMTok: 10, CacheReadPerMTok: 0.125}
	o3 := Price{InputPerMTok: 2, OutputPerMTok: 8, CacheReadPerMTok: 0.50}
	tests := []struct {
		name            string
		provider, model string
		want            Price
		ok              bool
	}{
		{"exact", "anthropic", "claude-sonnet-4-5", sonnet45, true},
		{"anthropic snapshot", "anthropic", "claude-sonnet-4-5-20250929", sonnet45, true},
		{"anthropic snapshot of a short name", "anthropic", "claude-opus-4-20250514", opus4, true},
		{"anthropic alias", "anthropic", "claude-opus-4-0", opus4, true},
		{"anthropic latest alias", "anthropic", "claude-3-7-sonnet-latest", sonnet37, true},
		{"own vendor prefix", "anthropic", "anthropic/claude-sonnet-4-5", sonnet45, true},
		{"gateway serving Claude", "openai", "anthropic/claude-sonnet-4-5", sonnet45, true},
		{"OpenRouter dotted version", "openai", "anthropic/claude-sonnet-4.5", sonnet45, true},
		{"OpenRouter dotted older name", "openai", "anthropic/claude-3.7-sonnet", sonnet37, true},
		{"vendor prefix and snapshot", "openai", "anthropic/claude-sonnet-4-5-20250929", sonnet45, true},
		{"openai prefix", "openai", "openai/gpt-4o", gpt4o, true},
		{"openai snapshot", "openai", "gpt-4o-2024-08-06", gpt4o, true},
		{"listed snapshot wins over its base", "openai", "gpt-4o-2024-05-13", Price{InputPerMTok: 5, OutputPerMTok: 15}, true},
		{"mini snapshot is not gpt-4o", "openai", "gpt-4o-mini-2024-07-18", gpt4oMini, true},
		{"dotted openai name", "openai", "gpt-4.1-2025-04-14", gpt41, true},
		{"gpt-5 snapshot", "openai", "gpt-5-2025-08-07", gpt5, true},
		{"o-series snapshot", "openai", "openai/o3-2025-04-16", o3, true},

		{"Claude straight to an OpenAI server", "openai", "claude-sonnet-4-5", Price{}, false},
		{"GPT on the Anthropic API", "anthropic", "gpt-4o", Price{}, false},
		{"foreign prefix on the Anthropic API", "anthropic", "openai/gpt-4o", Price{}, false},
		{"unknown vendor", "openai", "meta-llama/llama-3.1-70b-instruct", Price{}, false},
		{"ollama is not priced", "ollama", "gpt-4o", Price{}, false},
		{"ollama local model", "ollama", "llama3.1:8b", Price{}, false},
		{"replay is not priced", "replay", "claude-sonnet-4-5", Price{}, false},
		{"no provider", "", "claude-sonnet-4-5", Price{}, false},
		{"unknown provider", "azure", "gpt-4o", Price{}, false},
		{"case matters", "anthropic", "Claude-Sonnet-4-5", Price{}, false},
		{"no prefix matching", "anthropic", "claude-sonnet", Price{}, false},
		{"no prefix matching on longer names", "openai", "gpt-4o-mini-search-preview", Price{}, false},
		{"unknown model", "openai", "gpt-6-sol", Price{}, false},
		{"family without a size", "openai", "gpt-5.6", Price{}, false},
		{"partial date", "openai", "gpt-4o-2024", Price{}, false},
		{"date alone", "anthropic", "-20250929", Price{}, false},
		{"empty name", "anthropic", "", Price{}, false},
		{"empty name after prefix", "openai", "openai/", Price{}, false},
		{"two slashes", "openai", "openai/gpt-4o/x", Price{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := LookupPrice(tt.provider, tt.model)
			if got != tt.want || ok != tt.ok {
				t.Errorf("LookupPrice(%q, %q) = %+v, %v; want %+v, %v", tt.provider, tt.model, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestContextWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		provider, model string
		want            int
		ok              bool
	}{
		{"anthropic", "claude-sonnet-4-5-20250929", 200_000, true},
		{"anthropic", "claude-3-haiku", 200_000, true},
		{"openai", "anthropic/claude-opus-4.5", 200_000, true},
		{"openai", "gpt-4.1", 1_047_576, true},
		{"openai", "gpt-4.1-nano-2025-04-14", 1_047_576, true},
		{"openai", "gpt-4o-2024-05-13", 128_000, true},
		{"openai", "gpt-4o-mini", 128_000, true},
		{"openai", "gpt-5-mini", 400_000, true},
		{"openai", "o3", 200_000, true},
		{"openai", "o4-mini-2025-04-16", 200_000, true},
		{"ollama", "qwen2.5-coder:32b", 0, false},
		{"replay", "gpt-4o", 0, false},
		{"openai", "gpt-3.5-turbo", 0, false},
		{"anthropic", "claude-sonnet-5-5", 1_000_000, true},
		{"anthropic", "claude-haiku-4-5-20251001", 200_000, true},
		// Priced, but OpenAI has not published the window.
		{"openai", "gpt-5.6-sol", 0, false},
	}
	for _, tt := range tests {
		got, ok := ContextWindow(tt.provider, tt.model)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ContextWindow(%q, %q) = %d, %v; want %d, %v", tt.provider, tt.model, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCost(t *testing.T) {
	t.Parallel()
	sonnet, ok := LookupPrice("anthropic", "claude-sonnet-4-5-20250929")
	if !ok {
		t.Fatal("no price for claude-sonnet-4-5-20250929")
	}
	gpt5, ok := LookupPrice("openai", "gpt-5")
	if !ok {
		t.Fatal("no price for gpt-5")
	}
	gpt41, ok := LookupPrice("openai", "gpt-4.1")
	if !ok {
		t.Fatal("no price for gpt-4.1")
	}
	opus41, ok := LookupPrice("anthropic", "claude-opus-4-1")
	if !ok {
		t.Fatal("no price for claude-opus-4-1")
	}
	// The usage of /work/shared/fixtures/llm/anthropic_cache_creation_and_read.json
	// (model claude-sonnet-4-5-20250929): input_tokens 3, output_tokens 33,
	// cache_read_input_tokens 1111, cache_creation_input_tokens 418, all
	// of it 5-minute writes (ephemeral_5m_input_tokens 418).
	anthropicFixture := Usage{InputTokens: 3, OutputTokens: 33, CacheReadTokens: 1111, CacheWriteTokens: 418}
	// The usage of /work/shared/fixtures/llm/openai_cached_tokens.json:
	// prompt_tokens 4020 of which cached_tokens 4012, completion_tokens 4.
	// OpenAI counts cached tokens inside prompt_tokens; Usage does not, so
	// InputTokens is 4020 - 4012 = 8.
	openAIFixture := Usage{InputTokens: 8, OutputTokens: 4, CacheReadTokens: 4012}
	tests := []struct {
		name  string
		price Price
		usage Usage
		want  float64
	}{
		// 3×3 + 33×15 + 1111×0.30 + 418×3.75
		// = 9 + 495 + 333.3 + 1567.5 = 2404.8 $/M → $0.0024048.
		{"anthropic fixture on Sonnet 4.5", sonnet, anthropicFixture, 0.0024048},
		// The fixture's model (gpt-5.6-sol) is not in the table, so the
		// same usage is priced as GPT-5: 8×1.25 + 4×10 + 4012×0.125
		// = 10 + 40 + 501.5 = 551.5 $/M → $0.0005515.
		{"openai fixture on GPT-5", gpt5, openAIFixture, 0.0005515},
		// As GPT-4.1: 8×2 + 4×8 + 4012×0.50 = 16 + 32 + 2006 = 2054 $/M
		// → $0.002054.
		{"openai fixture on GPT-4.1", gpt41, openAIFixture, 0.002054},
		{"nothing used", sonnet, Usage{}, 0},
		// 1e6 cache writes at 3.75 $/M and nothing else: $3.75.
		{"cache writes alone", sonnet, Usage{CacheWriteTokens: 1_000_000}, 3.75},
		// A billion output tokens at 75 $/M: 1e9×75/1e6 = $75,000; the
		// product stays exact in float64.
		{"large counts", opus41, Usage{OutputTokens: 1_000_000_000}, 75_000},
	}
	for _, tt := range tests {
		if got := tt.price.Cost(tt.usage); !closeTo(got, tt.want) {
			t.Errorf("%s: Cost = %.10f, want %.10f", tt.name, got, tt.want)
		}
	}
	sol, ok := LookupPrice("openai", "gpt-5.6-sol")
	if !ok {
		t.Fatal("no price for gpt-5.6-sol, the OpenAI fixture's model")
	}
	// 8×5 + 4×30 + 4012×0.50 = 40 + 120 + 2006 = 2166 $/M → $0.002166.
	if got := sol.Cost(openAIFixture); !closeTo(got, 0.002166) {
		t.Errorf("openai fixture on its own model: Cost = %.10f, want 0.002166", got)
	}
}

// Claude Haiku 5.5 bills a request by its prompt length: up to 100K
// tokens at the low band, above it every token at the high band.
func TestCostLongPromptBand(t *testing.T) {
	t.Parallel()
	haiku, ok := LookupPrice("anthropic", "claude-haiku-5-5")
	if !ok {
		t.Fatal("no price for claude-haiku-5-5")
	}
	tests := []struct {
		usage Usage
		want  float64
	}{
		// 100,000 prompt tokens exactly: low band.
		// 60,000×0.10 + 40,000×0.01 + 1,000×0.50 = 6,000 + 400 + 500 = 6,900 $/M.
		{Usage{InputTokens: 60_000, CacheReadTokens: 40_000, OutputTokens: 1_000}, 0.0069},
		// One token more: everything at the high band, output included.
		// 60,001×0.50 + 40,000×0.05 + 1,000×2.50 = 30,000.5 + 2,000 + 2,500 = 34,500.5 $/M.
		{Usage{InputTokens: 60_001, CacheReadTokens: 40_000, OutputTokens: 1_000}, 0.0345005},
		// Cache writes count towards the prompt: 0.625 $/M in the high band.
		{Usage{CacheWriteTokens: 200_000}, 0.125},
	}
	for _, tt := range tests {
		if got := haiku.Cost(tt.usage); !closeTo(got, tt.want) {
			t.Errorf("Cost(%+v) = %.10f, want %.10f", tt.usage, got, tt.want)
		}
	}
}
