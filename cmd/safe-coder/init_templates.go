package main

// starterTasks is the tasks.yaml `safe-coder init` writes. It must pass
// `safe-coder validate` as it is (the init testscript checks it).
const starterTasks = `# yaml-language-server: $schema=https://raw.githubusercontent.com/safe-coder/safe-coder/main/schema/tasks.schema.json
#
# A safe-coder task file. Check it with "safe-coder validate tasks.yaml",
# run it with "safe-coder run tasks.yaml". Each task runs on its own branch,
# safe-coder/<task>-<run>, with one commit per step: your checkout is not
# changed, and you review the branch like a colleague's.
version: 1

# Settings every task gets unless it sets its own.
defaults:
  model:
    # anthropic, openai (or any server that speaks its API), ollama, replay.
    # ~/.config/safe-coder/config.toml may set provider and name instead.
    provider: anthropic
    name: claude-sonnet-5-5
    # The NAME of the variable that holds the key, never the key itself.
    api_key_env: ANTHROPIC_API_KEY

  # What the agent may do without asking (nobody can be asked headless):
  #   plan       read only
  #   default    read; edit and run only what allow rules name
  #   auto-edit  read and edit; run only what allow rules name
  #   yolo       everything but what deny rules name
  approval: auto-edit

  # Rules are tool(pattern). Commands are matched on their parsed words.
  allow:
    - bash(git status)
    - bash(git diff *)
  # Deny rules win in every mode.
  deny:
    - write_file(.github/**)
    - edit_file(.github/**)

  # A task stops at the first limit it reaches.
  limits:
    max_steps: 40
    max_cost_usd: 2.00
    timeout: 30m

  # Commands that decide whether the work is done; a failure goes back to
  # the agent for another attempt. Uncomment and name your tests:
  # checks:
  #   commands: ["make test"]
  #   attempts: 2

  # keep leaves a failed task's branch for review; rollback resets it.
  on_failure: keep

tasks:
  - name: readme-typos
    prompt: |
      Fix the spelling and grammar mistakes in README.md. Change nothing
      else. If there is nothing to fix, say so and stop.
`

// starterWorkflow is the workflow `safe-coder init --github` writes,
// consistent with examples/github: least privilege, pinned checkout,
// credentials kept out of the checkout, one run at a time.
const starterWorkflow = `# Runs the tasks of tasks.yaml with safe-coder: by hand from the Actions
# tab (Run workflow), and every weekday night. Each task's work is pushed to
# its own branch and proposed as a pull request when the task succeeds.
#
# Before you commit it: add an ANTHROPIC_API_KEY repository secret, and pin
# safe-coder/safe-coder to the full commit SHA of the release you reviewed.
# examples/github in the safe-coder repository has more workflows.
name: safe-coder

on:
  workflow_dispatch:
    inputs:
      task:
        description: Name of the task in tasks.yaml (empty runs them all)
        required: false
        type: string
  schedule:
    # 03:17 UTC, Monday to Friday: off the full hour, when GitHub delays
    # scheduled runs the most.
    - cron: "17 3 * * 1-5"

# Nothing by default: the job asks for what it needs.
permissions: {}

# One run at a time; a run in progress is never cancelled by the next.
concurrency:
  group: safe-coder
  cancel-in-progress: false

jobs:
  safe-coder:
    runs-on: ubuntu-latest
    # Past this the job is cancelled: safe-coder commits the step under
    # way, writes its report and exits 143.
    timeout-minutes: 60
    permissions:
      contents: write # push the run branch
      pull-requests: write # open the pull request
    steps:
      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2
        with:
          # The token stays out of the checkout, where the agent's commands
          # could read it; safe-coder pushes with the action's github-token.
          persist-credentials: false

      - uses: safe-coder/safe-coder@v1 # pin to the full commit SHA of the release you reviewed
        with:
          tasks: tasks.yaml
          # Reaches safe-coder as --task through the action's environment,
          # never through a shell command line.
          task: ${{ inputs.task }}
          open-pr: "true"
          anthropic-api-key: ${{ secrets.ANTHROPIC_API_KEY }}
`
