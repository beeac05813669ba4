package prompt

// Check reports the first @path of text that Expand would refuse (missing,
// outside the repository, inside .git, or not readable under the policy)
// as an *Error, without running any command: for checking a task file
// before anything runs.
func Check(text string, files Files) error {
	budget := MaxTotalBytes
	for _, r := range findRefs(text) {
		if r.command {
			continue
		}
		if _, err := bringFile(r.target, files, &budget); err != nil {
			return &Error{Offset: r.start, Ref: "@" + r.target, Msg: err.Error()}
		}
		// The budget only shapes what Expand shows; every path is checked.
		budget = MaxTotalBytes
	}
	return nil
}

// NestedSection renders instruction files the agent reached while it
// worked, for a note in the conversation: nearer directories come last and
// win where rules disagree.
func NestedSection(ins []Instruction) string {
	return instructionsSection("You are working in directories with their own instructions. Follow them for files there; where they disagree with the project's, the nearer directory's rules win.\n", ins)
}
