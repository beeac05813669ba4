package policy

// Mode is an approval mode of the task file.
type Mode string

// The approval modes, from the most to the least restrictive.
const (
	ModePlan     Mode = "plan"
	ModeDefault  Mode = "default"
	ModeAutoEdit Mode = "auto-edit"
	ModeYolo     Mode = "yolo"
)

// known reports whether m is one of the four modes.
func (m Mode) known() bool {
	switch m {
	case ModePlan, ModeDefault, ModeAutoEdit, ModeYolo:
		return true
	}
	return false
}
