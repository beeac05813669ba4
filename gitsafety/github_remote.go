package gitsafety

import (
	"fmt"
	"net/url"
	"strings"
)

// RepoFromRemote extracts the owner and repository name from a remote URL
// of GitHub or GitHub Enterprise: https://host/o/r(.git),
// ssh://git@host(:port)/o/r.git, git@host:o/r.git and git://host/o/r.git.
// The owner and name are the last two segments of the path, so a host
// that serves repositories under a prefix works too. A local path is not a
// GitHub remote and is an error.
func RepoFromRemote(remoteURL string) (owner, repo string, err error) {
	raw := strings.TrimSpace(remoteURL)
	var path string
	switch {
	case strings.Contains(raw, "://"):
		u, perr := url.Parse(raw)
		if perr != nil {
			return "", "", fmt.Errorf("remote URL %q: %w", stripCredentials(raw), perr)
		}
		if u.Scheme == "file" || u.Host == "" {
			return "", "", fmt.Errorf("remote URL %q names no host, so it is no GitHub repository; set GITHUB_REPOSITORY=owner/repo", stripCredentials(raw))
		}
		path = u.Path
	case isSCPLike(raw):
		_, path, _ = strings.Cut(raw, ":")
	default:
		return "", "", fmt.Errorf("remote URL %q is a local path, not a GitHub repository; set GITHUB_REPOSITORY=owner/repo", raw)
	}
	segs := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	if len(segs) < 2 {
		return "", "", fmt.Errorf("remote URL %q has no owner/repository path; set GITHUB_REPOSITORY=owner/repo", stripCredentials(raw))
	}
	owner = segs[len(segs)-2]
	repo = strings.TrimSuffix(segs[len(segs)-1], ".git")
	if owner == "" || repo == "" || strings.ContainsAny(owner+repo, " \t\\?#") {
		return "", "", fmt.Errorf("remote URL %q has no valid owner/repository path; set GITHUB_REPOSITORY=owner/repo", stripCredentials(raw))
	}
	return owner, repo, nil
}

// isSCPLike recognizes git's [user@]host:path form: a colon before any
// slash, and a host part that is not a single letter (a Windows drive).
func isSCPLike(s string) bool {
	colon := strings.IndexByte(s, ':')
	slash := strings.IndexByte(s, '/')
	if colon <= 0 || (slash >= 0 && slash < colon) {
		return false
	}
	host := s[:colon]
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	return len(host) > 1
}
