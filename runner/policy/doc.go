// Package policy decides, for every tool call, whether it may run in a
// headless session. Nobody can be asked, so anything that would need a
// human's approval is denied; a denial goes back to the model as a tool error
// and is recorded with its reason.
//
// Invariants:
//   - Decide fails closed: an unknown tool, a tool not offered to the model or
//     a mode this package does not know is denied.
//   - The approval table of the design is the whole truth here: read tools are
//     allowed in every mode, edit tools need auto-edit or yolo, bash needs yolo.
//     Allow and deny rules that refine it come in a later version; until then
//     "only where an allow rule matches" means "never".
package policy
