//go:build linux

package tools

import (
	"os"
	"os/exec"
	"testing"
)

// TestRunning: hasMarker reads an empty environment again only for live
// user processes; kernel threads and the gone always have none.
func TestRunning(t *testing.T) {
	t.Parallel()
	needMarkers(t)
	if !running(os.Getpid()) {
		t.Error("the test process does not count as running")
	}
	if comm, err := os.ReadFile("/proc/2/comm"); err == nil && string(comm) == "kthreadd\n" && running(2) {
		t.Error("kthreadd counts as a running user process")
	}
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if running(c.Process.Pid) {
		t.Errorf("exited process %d counts as running", c.Process.Pid)
	}
}
