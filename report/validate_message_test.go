package report

import (
	"strings"
	"testing"
)

// A report that is not one is explained on one line, by place, without
// the validator's header naming the schema's URL.
func TestValidateJSONMessageIsOneLineByPlace(t *testing.T) {
	t.Parallel()
	err := ValidateJSON([]byte(`{"schema_version": 9}`))
	if err == nil {
		t.Fatal("ValidateJSON accepted a report of schema version 9")
	}
	msg := err.Error()
	for _, bad := range []string{"\n", "jsonschema", "https://"} {
		if strings.Contains(msg, bad) {
			t.Errorf("error %q contains %q", msg, bad)
		}
	}
	for _, want := range []string{"report does not match its schema: ", "at /: missing properties", "at /schema_version: value must be 1"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
}
