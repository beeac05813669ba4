package llm

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestCloneResponseSharesNothing(t *testing.T) {
	t.Parallel()
	orig := Response{
		ID: "msg", StopReason: StopToolUse,
		Content: []Part{
			TextPart("a"),
			ToolCallPart(ToolCall{ID: "c", Name: "n", Input: json.RawMessage(`{"k":"v"}`)}),
			ToolResultPart(ToolResult{CallID: "c", Content: "r"}),
			ThinkingPart(Thinking{Provider: "anthropic", Text: "t", Signature: "s"}),
		},
	}
	pristine, err := json.Marshal(orig)
	if err != nil {
		t.Fatal(err)
	}
	c := cloneResponse(orig)
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("clone differs: %+v", c)
	}
	c.Content[0].Text = "x"
	c.Content[1].ToolCall.ID = "x"
	c.Content[1].ToolCall.Input[2] = 'X'
	c.Content[2].ToolResult.Content = "x"
	c.Content[3].Thinking.Signature = "x"
	after, err := json.Marshal(orig)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(pristine) {
		t.Errorf("original changed through the clone:\n%s\n%s", pristine, after)
	}
}
