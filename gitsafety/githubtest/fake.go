package githubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultBasePath is where the API is mounted unless Options.BasePath
// says otherwise: GitHub Enterprise's path.
const DefaultBasePath = "/api/v3/"

// Options configures a fake server.
type Options struct {
	Owner, Repo   string // the one repository served; "" → "octo", "demo"
	DefaultBranch string // "" → "main"
	// Token, when set, must come as "Authorization: Bearer <Token>" or
	// "token <Token>"; other requests get 401 Bad credentials.
	Token string
	// BasePath is the path prefix of the API, with slashes on both ends;
	// "" → DefaultBasePath.
	BasePath string
	PRs      []PR    // pull requests that exist before the first request
	Faults   []Fault // scripted misbehaviour, consumed in order per call
	// Expect lists calls ("POST /repos/octo/demo/pulls", paths relative to
	// the base path, without the query) that must have arrived by the
	// end of the test.
	Expect []string
}

// PR is a pull request as the fake stores it.
type PR struct {
	Number    int
	Head      string // branch name
	Base      string
	Title     string
	Body      string
	State     string // "open" or "closed"; "" → "open"
	Draft     bool
	Labels    []string
	Reviewers []string // logins and "org/team" names
}

// Fault kinds.
const (
	// SecondaryRateLimit answers 403 with Retry-After and GitHub's
	// secondary-rate-limit message.
	SecondaryRateLimit = "secondary_rate_limit"
	// PrimaryRateLimit answers 403 with x-ratelimit-remaining: 0 and an
	// x-ratelimit-reset RetryAfter seconds from now.
	PrimaryRateLimit = "primary_rate_limit"
	// TooManyRequests answers 429 with Retry-After.
	TooManyRequests = "too_many_requests"
	// Forbidden answers 403 "Resource not accessible by integration", what
	// a token without the needed permission gets.
	Forbidden = "forbidden"
	// LoseAnswer handles the request, then drops the connection before
	// the answer is sent: the client cannot know whether it took effect.
	LoseAnswer = "lose_answer"
	// HideFromList serves the list without the pull requests that exist,
	// as GitHub's list may lag behind a creation.
	HideFromList = "hide_from_list"
)

// Fault is one scripted misbehaviour.
type Fault struct {
	Call       string // "METHOD path" relative to the base path, e.g. "GET /repos/octo/demo/pulls"
	Kind       string // one of the fault kinds
	RetryAfter int    // seconds, for the rate-limit kinds; 0 → 1
	Times      int    // how many matching requests it affects; 0 → 1
}

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string // relative to the base path, without the query
	Query  string
	Auth   string // the Authorization header
	Body   string
}

// Call is Method and Path joined by a space, the form Options.Expect and
// Fault.Call use.
func (r Request) Call() string { return r.Method + " " + r.Path }

// Server is a running fake.
type Server struct {
	t    testing.TB
	opts Options
	srv  *httptest.Server

	mu       sync.Mutex
	prs      []PR
	faults   []Fault
	requests []Request
}

// New starts a fake and stops it when the test ends, after checking that
// every call in opts.Expect came.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Owner == "" {
		opts.Owner = "octo"
	}
	if opts.Repo == "" {
		opts.Repo = "demo"
	}
	if opts.DefaultBranch == "" {
		opts.DefaultBranch = "main"
	}
	if opts.BasePath == "" {
		opts.BasePath = DefaultBasePath
	}
	s := &Server{t: t, opts: opts, faults: slices.Clone(opts.Faults)}
	for _, pr := range opts.PRs {
		if pr.State == "" {
			pr.State = "open"
		}
		s.prs = append(s.prs, pr)
	}
	// s.srv is set before the server starts: its handlers read it, and a
	// request arriving over TCP gives the race detector no order with a
	// write made after the server's goroutines began.
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Start()
	t.Cleanup(func() {
		s.srv.Close()
		s.checkExpected()
	})
	return s
}

// URL is the API's base URL, with the base path and a trailing slash.
func (s *Server) URL() string { return s.srv.URL + s.opts.BasePath }

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// PRs returns the pull requests as they are now.
func (s *Server) PRs() []PR {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]PR, len(s.prs))
	for i, pr := range s.prs {
		pr.Labels = slices.Clone(pr.Labels)
		pr.Reviewers = slices.Clone(pr.Reviewers)
		out[i] = pr
	}
	return out
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count is the number of requests received for call ("METHOD path").
func (s *Server) Count(call string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Call() == call {
			n++
		}
	}
	return n
}

func (s *Server) checkExpected() {
	s.t.Helper()
	got := map[string]bool{}
	for _, r := range s.Requests() {
		got[r.Call()] = true
	}
	for _, want := range s.opts.Expect {
		if !got[want] {
			s.t.Errorf("githubtest: expected call %q never came; calls were %v", want, s.calls())
		}
	}
}

func (s *Server) calls() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Call())
	}
	return out
}

// Routes, relative to the base path.
var (
	routeRepo      = regexp.MustCompile(`^repos/([^/]+)/([^/]+)$`)
	routePulls     = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/pulls$`)
	routePull      = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/pulls/([0-9]+)$`)
	routeLabels    = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/issues/([0-9]+)/labels$`)
	routeReviewers = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/pulls/([0-9]+)/requested_reviewers$`)
)

func (s *Server) serve(w http.ResponseWriter, req *http.Request) {
	rel, ok := strings.CutPrefix(req.URL.Path, s.opts.BasePath)
	if !ok {
		s.t.Errorf("githubtest: %s %s is outside the base path %s", req.Method, req.URL.Path, s.opts.BasePath)
		writeJSON(w, http.StatusNotFound, apiError("Not Found"))
		return
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		s.t.Errorf("githubtest: read the body of %s %s: %v", req.Method, req.URL.Path, err)
		return
	}
	r := Request{Method: req.Method, Path: "/" + rel, Query: req.URL.RawQuery, Auth: req.Header.Get("Authorization"), Body: string(body)}
	s.mu.Lock()
	s.requests = append(s.requests, r)
	fault := s.takeFault(r.Call())
	s.mu.Unlock()

	if s.opts.Token != "" && r.Auth != "Bearer "+s.opts.Token && r.Auth != "token "+s.opts.Token {
		writeJSON(w, http.StatusUnauthorized, apiError("Bad credentials"))
		return
	}
	if fault != nil && s.answerFault(w, fault) {
		return
	}
	status, answer := s.route(req.Method, rel, r, fault)
	if fault != nil && fault.Kind == LoseAnswer {
		hijackAndClose(s.t, w)
		return
	}
	writeJSON(w, status, answer)
}

// takeFault consumes the next fault for call; s.mu is held.
func (s *Server) takeFault(call string) *Fault {
	for i := range s.faults {
		f := &s.faults[i]
		if f.Call != call {
			continue
		}
		out := *f
		if f.Times <= 1 {
			s.faults = slices.Delete(s.faults, i, i+1)
		} else {
			f.Times--
		}
		return &out
	}
	return nil
}

// answerFault answers a fault that replaces the normal answer and reports
// whether it did.
func (s *Server) answerFault(w http.ResponseWriter, f *Fault) bool {
	after := max(f.RetryAfter, 1)
	switch f.Kind {
	case SecondaryRateLimit:
		w.Header().Set("Retry-After", strconv.Itoa(after))
		writeJSON(w, http.StatusForbidden, map[string]string{
			"message":           "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
		})
	case PrimaryRateLimit:
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Duration(after)*time.Second).Unix(), 10))
		writeJSON(w, http.StatusForbidden, map[string]string{
			"message":           "API rate limit exceeded for installation.",
			"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits",
		})
	case TooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(after))
		writeJSON(w, http.StatusTooManyRequests, apiError("Too many requests"))
	case Forbidden:
		writeJSON(w, http.StatusForbidden, map[string]string{
			"message":           "Resource not accessible by integration",
			"documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
		})
	default:
		return false
	}
	return true
}

func (s *Server) route(method, rel string, r Request, fault *Fault) (int, any) {
	if m := routeRepo.FindStringSubmatch(rel); m != nil && method == http.MethodGet {
		if !s.isRepo(m) {
			return http.StatusNotFound, apiError("Not Found")
		}
		return http.StatusOK, s.repoJSON()
	}
	if m := routePulls.FindStringSubmatch(rel); m != nil {
		if !s.isRepo(m) {
			return http.StatusNotFound, apiError("Not Found")
		}
		switch method {
		case http.MethodGet:
			return s.listPulls(r.Query, fault != nil && fault.Kind == HideFromList)
		case http.MethodPost:
			return s.createPull(r.Body)
		}
	}
	if m := routePull.FindStringSubmatch(rel); m != nil && method == http.MethodPatch && s.isRepo(m) {
		return s.editPull(m[3], r.Body)
	}
	if m := routeLabels.FindStringSubmatch(rel); m != nil && method == http.MethodPost && s.isRepo(m) {
		return s.addLabels(m[3], r.Body)
	}
	if m := routeReviewers.FindStringSubmatch(rel); m != nil && method == http.MethodPost && s.isRepo(m) {
		return s.requestReviewers(m[3], r.Body)
	}
	s.t.Errorf("githubtest: no route for %s %s", method, r.Path)
	return http.StatusNotFound, apiError("Not Found")
}

func (s *Server) isRepo(m []string) bool {
	return m[1] == s.opts.Owner && m[2] == s.opts.Repo
}

func (s *Server) listPulls(rawQuery string, hide bool) (int, any) {
	q, err := parseQuery(rawQuery)
	if err != nil {
		return http.StatusBadRequest, apiError(err.Error())
	}
	state := q["state"]
	if state == "" {
		state = "open"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	if hide {
		return http.StatusOK, out
	}
	for _, pr := range s.prs {
		if state != "all" && pr.State != state {
			continue
		}
		if h := q["head"]; h != "" && h != s.opts.Owner+":"+pr.Head {
			continue
		}
		if b := q["base"]; b != "" && b != pr.Base {
			continue
		}
		out = append(out, s.prJSON(pr))
	}
	return http.StatusOK, out
}

func (s *Server) createPull(body string) (int, any) {
	var in struct {
		Title *string `json:"title"`
		Head  *string `json:"head"`
		Base  *string `json:"base"`
		Body  *string `json:"body"`
		Draft *bool   `json:"draft"`
	}
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		return http.StatusBadRequest, apiError("Problems parsing JSON")
	}
	if in.Head == nil || in.Base == nil || in.Title == nil {
		return http.StatusUnprocessableEntity, validationError("missing_field", "head, base and title are required")
	}
	head := strings.TrimPrefix(*in.Head, s.opts.Owner+":")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pr := range s.prs {
		if pr.State == "open" && pr.Head == head && pr.Base == *in.Base {
			return http.StatusUnprocessableEntity, validationError("custom", fmt.Sprintf("A pull request already exists for %s:%s.", s.opts.Owner, head))
		}
	}
	pr := PR{Number: len(s.prs) + 1, Head: head, Base: *in.Base, Title: *in.Title, State: "open"}
	if in.Body != nil {
		pr.Body = *in.Body
	}
	if in.Draft != nil {
		pr.Draft = *in.Draft
	}
	s.prs = append(s.prs, pr)
	return http.StatusCreated, s.prJSON(pr)
}

func (s *Server) editPull(number, body string) (int, any) {
	var in struct {
		Title *string `json:"title"`
		Body  *string `json:"body"`
		State *string `json:"state"`
		Base  *string `json:"base"`
	}
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		return http.StatusBadRequest, apiError("Problems parsing JSON")
	}
	return s.update(number, func(pr *PR) {
		if in.Title != nil {
			pr.Title = *in.Title
		}
		if in.Body != nil {
			pr.Body = *in.Body
		}
		if in.State != nil {
			pr.State = *in.State
		}
		if in.Base != nil {
			pr.Base = *in.Base
		}
	}, func(pr PR) any { return s.prJSON(pr) })
}

func (s *Server) addLabels(number, body string) (int, any) {
	// go-github sends a bare array; the documented form is an object.
	var labels []string
	if err := json.Unmarshal([]byte(body), &labels); err != nil {
		var in struct {
			Labels []string `json:"labels"`
		}
		if err := json.Unmarshal([]byte(body), &in); err != nil {
			return http.StatusBadRequest, apiError("Problems parsing JSON")
		}
		labels = in.Labels
	}
	return s.update(number, func(pr *PR) {
		for _, l := range labels {
			if !slices.Contains(pr.Labels, l) {
				pr.Labels = append(pr.Labels, l)
			}
		}
	}, func(pr PR) any {
		out := []any{}
		for _, l := range pr.Labels {
			out = append(out, map[string]any{"name": l})
		}
		return out
	})
}

func (s *Server) requestReviewers(number, body string) (int, any) {
	var in struct {
		Reviewers     []string `json:"reviewers"`
		TeamReviewers []string `json:"team_reviewers"`
	}
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		return http.StatusBadRequest, apiError("Problems parsing JSON")
	}
	teams := make([]string, len(in.TeamReviewers))
	for i, t := range in.TeamReviewers {
		teams[i] = s.opts.Owner + "/" + t
	}
	return s.update(number, func(pr *PR) {
		for _, r := range append(in.Reviewers, teams...) {
			if !slices.Contains(pr.Reviewers, r) {
				pr.Reviewers = append(pr.Reviewers, r)
			}
		}
	}, func(pr PR) any { return s.prJSON(pr) })
}

// update applies change to pull request number and renders the answer.
func (s *Server) update(number string, change func(*PR), answer func(PR) any) (int, any) {
	n, err := strconv.Atoi(number)
	if err != nil {
		return http.StatusNotFound, apiError("Not Found")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.prs {
		if s.prs[i].Number == n {
			change(&s.prs[i])
			return http.StatusOK, answer(s.prs[i])
		}
	}
	return http.StatusNotFound, apiError("Not Found")
}

func (s *Server) repoJSON() map[string]any {
	return map[string]any{
		"id":             1,
		"name":           s.opts.Repo,
		"full_name":      s.opts.Owner + "/" + s.opts.Repo,
		"owner":          map[string]any{"login": s.opts.Owner},
		"default_branch": s.opts.DefaultBranch,
		"html_url":       s.htmlBase(),
		"private":        true,
	}
}

// prJSON renders a pull request as GitHub does (the fields clients read).
func (s *Server) prJSON(pr PR) map[string]any {
	labels := []any{}
	for _, l := range pr.Labels {
		labels = append(labels, map[string]any{"name": l})
	}
	var users, teams []any
	for _, r := range pr.Reviewers {
		if org, slug, ok := strings.Cut(r, "/"); ok {
			teams = append(teams, map[string]any{"slug": slug, "organization": map[string]any{"login": org}})
		} else {
			users = append(users, map[string]any{"login": r})
		}
	}
	return map[string]any{
		"id":                  1000 + pr.Number,
		"number":              pr.Number,
		"state":               pr.State,
		"title":               pr.Title,
		"body":                pr.Body,
		"draft":               pr.Draft,
		"url":                 s.URL() + "repos/" + s.opts.Owner + "/" + s.opts.Repo + "/pulls/" + strconv.Itoa(pr.Number),
		"html_url":            s.htmlBase() + "/pull/" + strconv.Itoa(pr.Number),
		"head":                map[string]any{"ref": pr.Head, "label": s.opts.Owner + ":" + pr.Head},
		"base":                map[string]any{"ref": pr.Base, "label": s.opts.Owner + ":" + pr.Base},
		"labels":              labels,
		"requested_reviewers": users,
		"requested_teams":     teams,
	}
}

func (s *Server) htmlBase() string {
	return s.srv.URL + "/" + s.opts.Owner + "/" + s.opts.Repo
}

func apiError(message string) map[string]any {
	return map[string]any{"message": message, "documentation_url": "https://docs.github.com/rest"}
}

func validationError(code, message string) map[string]any {
	return map[string]any{
		"message":           "Validation Failed",
		"errors":            []any{map[string]any{"resource": "PullRequest", "code": code, "message": message}},
		"documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func hijackAndClose(t testing.TB, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Errorf("githubtest: the response writer cannot drop the connection")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("githubtest: drop the connection: %v", err)
		return
	}
	_ = conn.Close()
}

// parseQuery decodes a query string into single values.
func parseQuery(raw string) (map[string]string, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("bad query %q: %w", raw, err)
	}
	out := map[string]string{}
	for k := range v {
		out[k] = v.Get(k)
	}
	return out, nil
}
