package tasks

import (
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

func TestModelPriceAndWindow(t *testing.T) {
	t.Parallel()
	sonnet := llm.Price{InputPerMTok: 3, OutputPerMTok: 15, CacheReadPerMTok: 0.30, CacheWritePerMTok: 3.75}
	tests := []struct {
		name     string
		model    Model
		price    llm.Price
		priced   bool
		window   int
		windowed bool
	}{
		{name: "table", model: Model{Provider: ProviderAnthropic, Name: "claude-sonnet-4-5-20250929"},
			price: sonnet, priced: true, window: 200_000, windowed: true},
		{name: "task file overrides the table",
			model: Model{Provider: ProviderAnthropic, Name: "claude-sonnet-4-5",
				Pricing: &Pricing{Input: 1, Output: 2, CacheRead: 0.1, CacheWrite: 1.5}, ContextWindow: 50_000},
			price: llm.Price{InputPerMTok: 1, OutputPerMTok: 2, CacheReadPerMTok: 0.1, CacheWritePerMTok: 1.5}, priced: true,
			window: 50_000, windowed: true},
		{name: "task file adds a model", model: Model{Provider: ProviderOpenAI, Name: "my-finetune",
			Pricing: &Pricing{Input: 0.2, Output: 0.6}, ContextWindow: 32_768},
			price: llm.Price{InputPerMTok: 0.2, OutputPerMTok: 0.6}, priced: true, window: 32_768, windowed: true},
		{name: "free is known", model: Model{Provider: ProviderOllama, Name: "llama3.1", Pricing: &Pricing{}},
			price: llm.Price{}, priced: true},
		{name: "local is unknown", model: Model{Provider: ProviderOllama, Name: "gpt-4o"}},
		{name: "replay is unknown", model: Model{Provider: ProviderReplay, Name: "claude-sonnet-4-5"}},
		{name: "replay priced for a demo", model: Model{Provider: ProviderReplay, Name: "claude-sonnet-4-5",
			Pricing: &Pricing{Input: 3, Output: 15, CacheRead: 0.3, CacheWrite: 3.75}},
			price: sonnet, priced: true},
		{name: "gateway", model: Model{Provider: ProviderOpenAI, Name: "anthropic/claude-sonnet-4.5"},
			price: sonnet, priced: true, window: 200_000, windowed: true},
	}
	for _, tt := range tests {
		price, ok := tt.model.Price()
		if price != tt.price || ok != tt.priced {
			t.Errorf("%s: Price() = %+v, %v; want %+v, %v", tt.name, price, ok, tt.price, tt.priced)
		}
		window, ok := tt.model.Window()
		if window != tt.window || ok != tt.windowed {
			t.Errorf("%s: Window() = %d, %v; want %d, %v", tt.name, window, ok, tt.window, tt.windowed)
		}
	}
}
