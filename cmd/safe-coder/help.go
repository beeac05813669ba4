package main

// The Examples section of each command's --help, shown as its
// description: a command line people can copy is the fastest help.
const (
	appExamples = `Examples:
  safe-coder validate tasks.yaml            check a task file; runs nothing
  safe-coder run tasks.yaml                 run its tasks, each on its own branch
  safe-coder report                         print the report of the last run
  safe-coder COMMAND --help                 the options and examples of a command`

	runExamples = `Examples:
  safe-coder run tasks.yaml
  safe-coder run tasks.yaml --task fix-vet --report-json report.json
  safe-coder run tasks.yaml --log-format json 2>progress.jsonl
  safe-coder run tasks.yaml --quiet          (cron: one line on stdout)
  CI=true safe-coder run tasks.yaml -v       (plain progress lines, with tool inputs)`

	resumeExamples = `Examples:
  safe-coder runs                            find the id of the run to resume
  safe-coder resume 20261126-231131-3fa2
  safe-coder resume 20261126-231131-3fa2 --log-format plain
  safe-coder resume --last --clear-stale-lock  the run that started last, killed`

	validateExamples = `Examples:
  safe-coder validate tasks.yaml
  safe-coder validate .safe-coder/nightly.yaml`

	reportExamples = `Examples:
  safe-coder report                          the last run, as Markdown
  safe-coder report 20261126-231131-3fa2 --format text
  safe-coder report --last --format json > report.json
  safe-coder report merge part1.json part2.json`

	mergeExamples = `Examples:
  safe-coder report merge shard-1.json shard-2.json > report.json
  safe-coder report merge --format markdown shard-*.json`

	runsExamples = `Examples:
  safe-coder runs
  safe-coder runs --limit 0 --json`

	rollbackExamples = `Examples:
  safe-coder rollback 20261126-231131-3fa2
  safe-coder rollback 20261126-231131-3fa2 --task fix-vet --to-step 2
  safe-coder rollback --last                 the run that started last`

	restoreExamples = `Examples:
  safe-coder restore 20261126-231131-3fa2 go.mod go.sum
  safe-coder restore 20261126-231131-3fa2 --task fix-vet internal/
  safe-coder restore --last go.mod           (with --last, every argument is a path)`

	prExamples = `Examples:
  safe-coder pr 20261126-231131-3fa2
  safe-coder pr 20261126-231131-3fa2 --task fix-vet --draft
  safe-coder pr --last`

	versionExamples = `Examples:
  safe-coder version`

	commandsExamples = `Examples:
  safe-coder commands
  safe-coder commands --repo ../other-repo --format json`

	initExamples = `Examples:
  safe-coder init
  safe-coder init --github`
)
