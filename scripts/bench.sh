#!/bin/sh
# make bench: run the benchmarks and print, for every benchmark that has an
# "ours" and a "baseline" sub-benchmark, the ratio ours/baseline measured in
# the same run. Ratios, not absolute times: they survive slow machines.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -run '^$' -bench . -benchmem -count "${BENCH_COUNT:-3}" ./... | tee "$out"
echo
echo "== ratios (ours / baseline, ns/op, mean over runs)"
awk '
/^Benchmark/ && / ns\/op/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	n = split(name, parts, "/")
	kind = parts[n]
	if (kind != "ours" && kind != "baseline") next
	base = substr(name, 1, length(name) - length(kind) - 1)
	for (i = 2; i <= NF; i++) if ($(i+1) == "ns/op") { sum[base, kind] += $i; cnt[base, kind]++ }
	seen[base] = 1
}
END {
	for (b in seen) {
		if (cnt[b, "ours"] == 0 || cnt[b, "baseline"] == 0) continue
		o = sum[b, "ours"] / cnt[b, "ours"]; l = sum[b, "baseline"] / cnt[b, "baseline"]
		printf "%-50s ours %12.0f ns/op  baseline %12.0f ns/op  ratio %.2f\n", b, o, l, o / l
	}
}' "$out" | sort
