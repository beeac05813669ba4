// Command gen writes the files generated from the task-file reference
// table (tasks.Reference) and the report's JSON Schema: the task-file JSON
// Schema (schema/tasks.schema.json), the task-file reference page
// (docs/task-file.md) and the field list inside docs/reports.md.
//
// It runs as `go generate ./tasks` (the directive sits next to the table)
// with -root pointing at the repository.
//
// Invariants:
//   - Output depends only on its inputs: the same table and report schema
//     give byte-identical files, so a test can regenerate them in memory
//     and fail when the committed ones are stale.
//   - The task-file schema never accepts a key the parser rejects:
//     additionalProperties is false on every mapping. It is a subset of the
//     parser's checks, never a superset; the parser stays the authority on
//     what combines with what (provider-specific keys, prices, rules).
//   - Only the region between the generated-field markers of
//     docs/reports.md is rewritten; the prose around it is people's.
//   - Every file is written atomically: a temporary file in the same
//     directory, synced, then renamed.
package main
