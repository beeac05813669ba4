// Package githubaction holds no code: its tests check the GitHub Action at
// the root of the repository (action.yml), the example workflows under
// examples/github and the cron and systemd examples under examples/cron.
//
// The tests keep three promises true:
//   - every example workflow passes actionlint, and the action's shell
//     steps pass shellcheck;
//   - action.yml declares what its scripts use and maps every output; no
//     input reaches a script but through env:, never through an expression
//     inside run:, and the run step exec's safe-coder so the runner's
//     signals and exit code are safe-coder's own;
//   - the action's run: steps, executed with bash in a simulated Actions
//     environment (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, the inputs as env),
//     build safe-coder, run a task file on a real git repository and leave
//     the outputs and the job summary the action documents.
package githubaction
