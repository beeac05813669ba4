// Package githubtest is a fake of the part of GitHub's REST API that
// safe-coder uses to open pull requests, for tests: an httptest server
// mounted under a non-empty base path (/api/v3/, as GitHub Enterprise is),
// so that a client that drops or doubles the base path fails.
//
// It serves one repository: GET /repos/{o}/{r}, GET and POST
// /repos/{o}/{r}/pulls, PATCH /repos/{o}/{r}/pulls/{n}, POST
// /repos/{o}/{r}/issues/{n}/labels and POST
// /repos/{o}/{r}/pulls/{n}/requested_reviewers, with GitHub's JSON shapes
// and its answers to a missing token, a second pull request for the same
// head and base (422 "A pull request already exists"), and scripted faults:
// rate limits, lost answers, a list that does not yet show a pull request.
//
// Invariants: the fake fails the test when a request arrives outside the
// base path or for a route it does not serve, and, at cleanup, when a call
// listed in Options.Expect never came. Its state is safe for concurrent
// requests.
package githubtest
