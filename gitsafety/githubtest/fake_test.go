package githubtest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recordingTB stands for the test the fake reports to, so that its own
// failures can be checked.
type recordingTB struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func (r *recordingTB) finish() []string {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errs
}

func get(t *testing.T, s *Server, url, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestFakeReportsWhatATestMustKnow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     Options
		path     string // requested, relative to the server's root
		auth     string
		wantCode int
		wantErrs []string // substrings of the failures reported to the test
	}{
		{
			name: "an expected call that never came", opts: Options{Expect: []string{"POST /repos/octo/demo/pulls"}},
			path: "/api/v3/repos/octo/demo", wantCode: http.StatusOK,
			wantErrs: []string{`expected call "POST /repos/octo/demo/pulls" never came`},
		},
		{
			name: "a request outside the base path", path: "/repos/octo/demo", wantCode: http.StatusNotFound,
			wantErrs: []string{"outside the base path"},
		},
		{
			name: "a route the fake does not serve", path: "/api/v3/repos/octo/demo/issues", wantCode: http.StatusNotFound,
			wantErrs: []string{"no route for GET /repos/octo/demo/issues"},
		},
		{
			name: "a missing token is answered 401, as GitHub does", opts: Options{Token: "t0ken"},
			path: "/api/v3/repos/octo/demo", wantCode: http.StatusUnauthorized,
		},
		{
			name: "the token as \"token\" is accepted", opts: Options{Token: "t0ken", Expect: []string{"GET /repos/octo/demo"}},
			path: "/api/v3/repos/octo/demo", auth: "token t0ken", wantCode: http.StatusOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recordingTB{TB: t}
			s := New(rec, tt.opts)
			root := strings.TrimSuffix(s.URL(), DefaultBasePath)
			code, _ := get(t, s, root+tt.path, tt.auth)
			if code != tt.wantCode {
				t.Errorf("status = %d, want %d", code, tt.wantCode)
			}
			errs := rec.finish()
			if len(errs) != len(tt.wantErrs) {
				t.Fatalf("failures = %q, want %d like %q", errs, len(tt.wantErrs), tt.wantErrs)
			}
			for i, w := range tt.wantErrs {
				if !strings.Contains(errs[i], w) {
					t.Errorf("failure %q does not contain %q", errs[i], w)
				}
			}
		})
	}
}

func TestFakeListFilters(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{TB: t}
	s := New(rec, Options{PRs: []PR{
		{Number: 1, Head: "a", Base: "main"},
		{Number: 2, Head: "a", Base: "dev"},
		{Number: 3, Head: "b", Base: "main", State: "closed"},
	}})
	tests := []struct{ query, want, notWant string }{
		{"", `"number":1`, `"number":3`},
		{"?head=octo:a&base=dev", `"number":2`, `"number":1`},
		{"?state=closed", `"number":3`, `"number":1`},
		{"?head=octo:c", `[]`, `"number"`},
	}
	for _, tt := range tests {
		code, body := get(t, s, s.URL()+"repos/octo/demo/pulls"+tt.query, "")
		if code != http.StatusOK || !strings.Contains(body, tt.want) || strings.Contains(body, tt.notWant) {
			t.Errorf("list%s = %d %s, want %s and not %s", tt.query, code, body, tt.want, tt.notWant)
		}
	}
	if errs := rec.finish(); len(errs) != 0 {
		t.Errorf("failures = %q", errs)
	}
}
