package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/plex/bountypay/models"
)

// User is a person who may use the web interface: the name recorded as
// the decider of reviews and approvals, and their bearer token.
type User struct {
	Name  string
	Token string
}

// MinTokenLength is the shortest token ParseTokens accepts.
const MinTokenLength = 16

// ParseTokens parses BOUNTYPAY_WEB_TOKENS: "name:token,name2:token2".
// Names and tokens are trimmed; a token is at least MinTokenLength
// characters; names and tokens are unique. An empty string means no
// users. Errors (models.ErrInvalid) name the entry by position and never
// quote a token.
func ParseTokens(s string) ([]User, error) {
	var out []User
	names, tokens := map[string]bool{}, map[string]bool{}
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, token, ok := strings.Cut(part, ":")
		name, token = strings.TrimSpace(name), strings.TrimSpace(token)
		switch {
		case !ok || name == "":
			return nil, fmt.Errorf("token entry %d: want NAME:TOKEN: %w", i+1, models.ErrInvalid)
		case len(token) < MinTokenLength:
			return nil, fmt.Errorf("token entry %d (%s): token shorter than %d characters: %w", i+1, name, MinTokenLength, models.ErrInvalid)
		case names[strings.ToLower(name)]:
			return nil, fmt.Errorf("token entry %d (%s): name given twice: %w", i+1, name, models.ErrInvalid)
		case tokens[token]:
			return nil, fmt.Errorf("token entry %d (%s): token shared with another name: %w", i+1, name, models.ErrInvalid)
		}
		names[strings.ToLower(name)], tokens[token] = true, true
		out = append(out, User{Name: name, Token: token})
	}
	return out, nil
}

// credential is a user's token, kept as its SHA-256 so every comparison
// takes the same time whatever the lengths.
type credential struct {
	name string
	sum  [sha256.Size]byte
}

// lookupToken returns the user whose token is tok, comparing against
// every token in constant time.
func lookupToken(creds []credential, tok string) (string, bool) {
	if tok == "" {
		return "", false
	}
	sum := sha256.Sum256([]byte(tok))
	found := ""
	for _, c := range creds {
		if subtle.ConstantTimeCompare(sum[:], c.sum[:]) == 1 {
			found = c.name
		}
	}
	return found, found != ""
}

// session is a logged-in browser.
type session struct {
	id      string
	user    string
	csrf    string
	expires time.Time
	flash   string
}

// sessions are kept in memory: a restart logs everyone out.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	ttl time.Duration
	now func() time.Time
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (ss *sessions) create(user string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for id, s := range ss.m {
		if now.After(s.expires) {
			delete(ss.m, id)
		}
	}
	s := &session{id: randomToken(), user: user, csrf: randomToken(), expires: now.Add(ss.ttl)}
	ss.m[s.id] = s
	return s
}

func (ss *sessions) get(id string) (*session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[id]
	if !ok {
		return nil, false
	}
	if ss.now().After(s.expires) {
		delete(ss.m, id)
		return nil, false
	}
	return s, true
}

func (ss *sessions) delete(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, id)
}

// setFlash and takeFlash carry one message to the next page of a session.
func (ss *sessions) setFlash(s *session, msg string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.flash = msg
}

func (ss *sessions) takeFlash(s *session) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	f := s.flash
	s.flash = ""
	return f
}

// CookieName is the session cookie.
const CookieName = "bountypay_session"

// principal is who makes a request: a person with a bearer token, or a
// logged-in browser session.
type principal struct {
	user string
	sess *session // nil for bearer tokens
}

func (p *principal) csrf() string {
	if p == nil || p.sess == nil {
		return ""
	}
	return p.sess.csrf
}

// authError: no or bad credentials.
type authError struct{ msg string }

func (e *authError) Error() string { return e.msg }

// authenticate finds who makes r. In local mode (no tokens, loopback
// only) a browser without a session gets one for the local user.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, &authError{"unsupported authorization scheme: use Bearer"}
		}
		name, ok := lookupToken(s.creds, strings.TrimSpace(tok))
		if !ok {
			return nil, &authError{"invalid token"}
		}
		return &principal{user: name}, nil
	}
	if c, err := r.Cookie(CookieName); err == nil {
		if sess, ok := s.sessions.get(c.Value); ok {
			return &principal{user: sess.user, sess: sess}, nil
		}
	}
	if s.cfg.LocalUser != "" && len(s.creds) == 0 {
		sess := s.sessions.create(s.cfg.LocalUser)
		s.setSessionCookie(w, r, sess)
		return &principal{user: sess.user, sess: sess}, nil
	}
	return nil, &authError{"log in with your token"}
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, sess *session) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: sess.id, Path: "/", HttpOnly: true,
		Secure: isHTTPS(r), SameSite: http.SameSiteStrictMode, MaxAge: int(s.cfg.SessionTTL / time.Second)})
}

func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// checkCSRF guards a state-changing request of a browser session: the
// form's csrf field (or the X-CSRF-Token header) must be the session's
// token, and an Origin header, when sent, must be this server. Requests
// with a bearer token carry no ambient credentials and need no token.
func checkCSRF(r *http.Request, p *principal) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return false
		}
	}
	if p.sess == nil {
		return true
	}
	tok := r.Header.Get("X-CSRF-Token")
	if tok == "" {
		tok = r.PostFormValue("csrf")
	}
	return tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(p.sess.csrf)) == 1
}

// isLoopbackHost reports whether a Host header (or listen address) names
// this machine: localhost, 127.0.0.0/8 or ::1, with or without a port.
func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a listen address (HOST:PORT) only
// accepts connections from this machine. An empty host (all interfaces)
// is not loopback.
func IsLoopbackAddr(addr string) bool {
	h, _, err := net.SplitHostPort(addr)
	if err != nil || h == "" {
		return false
	}
	return isLoopbackHost(h)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}
