package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// inputField reads one string field of a tool call's input the way the
// tools decode it (an object whose fields match exactly; the last of
// duplicate fields wins; null is absent). present is false when the field
// is absent or null.
func inputField(raw json.RawMessage, field string) (value string, present bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", false, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return "", false, fmt.Errorf("the input is not a JSON object")
	}
	v, ok := fields[field]
	if !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		return "", false, nil
	}
	if err := json.Unmarshal(v, &value); err != nil {
		return "", false, fmt.Errorf("field %q is not a string", field)
	}
	return value, true, nil
}
