package tasks

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"
)

// BenchmarkParse measures loading a realistic task file (strict walk,
// defaults, validation) against the baseline of yaml.v3 parsing the same
// bytes into a node tree: the price of our checks on top of YAML itself.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ours", func(b *testing.B) {
		b.Chdir("testdata")
		for b.Loop() {
			if _, err := Parse("valid.yaml", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		for b.Loop() {
			var n yaml.Node
			if err := yaml.Unmarshal(data, &n); err != nil {
				b.Fatal(err)
			}
		}
	})
}
