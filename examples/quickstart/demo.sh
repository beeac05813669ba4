#!/bin/sh
# make demo: a real safe-coder run, offline. Copies the quickstart project to
# a scratch directory, makes it a git repository, runs the quickstart task
# with the replay provider, then shows the report and the run branch.
set -eu

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/safe-coder-demo.XXXXXX")

cp -R "$here/project/." "$scratch/"
cd "$scratch"
git init -q -b main
git add -A
git -c user.name=demo -c user.email=demo@example.invalid commit -q -m "greet: initial version"

echo "== safe-coder run (scratch repository: $scratch)"
status=0
"$bin" run "$here/tasks.yaml" --report-json "$scratch.report.json" || status=$?

echo
echo "== git log --stat of the run branch"
git log --stat main..HEAD
echo "== JSON report: $scratch.report.json (exit code $status)"
exit "$status"
