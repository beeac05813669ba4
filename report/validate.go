package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaJSON is the JSON Schema of the report, schema.json, as shipped
// in the repository.
//
//go:embed schema.json
var schemaJSON []byte

// schemaURL is the $id of schema.json: the compiler resolves it to the
// embedded copy, never over the network.
const schemaURL = "https://github.com/safe-coder/safe-coder/report/schema.json"

// ValidateJSON checks that data is one JSON report that conforms to the
// report's JSON Schema, formats (date-time) included. The error lists
// every place where it does not. The schema is compiled on each call: a
// few milliseconds, and no state is kept between calls.
func ValidateJSON(data []byte) error {
	sch, err := compileSchema()
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("parse report: %w", err)
	}
	if err := sch.Validate(doc); err != nil {
		return fmt.Errorf("report does not match its schema: %s", schemaProblems(err))
	}
	return nil
}

// schemaProblems is the validator's list of problems on one line, "at
// /path: what", without its header naming the schema's URL.
func schemaProblems(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	if len(lines) > 1 && strings.HasPrefix(lines[0], "jsonschema validation failed") {
		lines = lines[1:]
	}
	for i, l := range lines {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- "))
		if rest, ok := strings.CutPrefix(l, "at '"); ok {
			if loc, what, ok := strings.Cut(rest, "': "); ok {
				if loc == "" {
					loc = "/"
				}
				l = "at " + loc + ": " + what
			}
		}
		lines[i] = l
	}
	return strings.Join(lines, "; ")
}

func compileSchema() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("parse report schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	// Formats are annotations in draft 2020-12 unless asserted; a report
	// time that is not RFC 3339 is a bug worth failing on.
	c.AssertFormat()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("load report schema: %w", err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("compile report schema: %w", err)
	}
	return sch, nil
}
