package runner

// Status is how a task or a whole run ended. Each status maps to exactly one
// exit code (see ExitCode); cancelled is refined by the CLI into 130 or 143
// depending on the signal.
type Status string

// The statuses, as stored in the state database and the reports.
const (
	StatusSucceeded       Status = "succeeded"
	StatusChecksFailed    Status = "checks_failed"
	StatusLimitReached    Status = "limit_reached"
	StatusCancelled       Status = "cancelled"
	StatusProviderError   Status = "provider_error"
	StatusPolicyViolation Status = "policy_violation"
	StatusRepoError       Status = "repo_error"
	StatusError           Status = "error"
)

// statusTable is the single table of the design's exit codes, in order of
// severity: when tasks of one run end differently, the run takes the status
// that comes first here.
var statusTable = []struct {
	status Status
	code   int
}{
	{StatusCancelled, 130},
	{StatusRepoError, 5},
	{StatusProviderError, 4},
	{StatusPolicyViolation, 1},
	{StatusError, 1},
	{StatusChecksFailed, 1},
	{StatusLimitReached, 3},
	{StatusSucceeded, 0},
}

// ExitCode returns the process exit code for s. An unknown status is an
// internal error: 1.
func (s Status) ExitCode() int {
	for _, row := range statusTable {
		if row.status == s {
			return row.code
		}
	}
	return 1
}

// Worse returns the more severe of s and t. An unknown status counts as
// StatusError.
func (s Status) Worse(t Status) Status {
	if rank(t) < rank(s) {
		return known(t)
	}
	return known(s)
}

func rank(s Status) int {
	for i, row := range statusTable {
		if row.status == s {
			return i
		}
	}
	return rank(StatusError)
}

func known(s Status) Status { return statusTable[rank(s)].status }
