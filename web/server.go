// Package web serves bountypay's finance and compliance pages and a JSON
// API over the store: an overview (awards by state, money by state and
// currency, the sanctions list's age, the ledger's verification), awards,
// one award with its report, attempts, screenings and ledger entries, the
// compliance review queue, the maker-checker approvals queue, the ledger
// and finance reports.
//
// Every request needs a bearer token (Authorization: Bearer TOKEN) or the
// session cookie of a browser that logged in with one. Browser sessions
// send a per-session CSRF token with every POST. Decisions (review,
// approval) go through package worker unchanged and are recorded under
// the logged-in person's name. Pages are rendered with html/template from
// embedded templates; no JavaScript.
package web

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/plex/bountypay/intake"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/worker"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Defaults.
const (
	DefaultSessionTTL = 12 * time.Hour
	DefaultPageSize   = 50
	// DefaultMaxAwards bounds the awards page and /api/awards.
	DefaultMaxAwards = 1000
)

// Config configures the server.
type Config struct {
	// Users may log in; each token acts as its user's name.
	Users []User
	// LocalUser, only when Users is empty, lets every request from this
	// machine (loopback Host and peer) act as this person without a
	// token: bountypay web --insecure-local.
	LocalUser string
	// Approval is the maker-checker configuration, the same the worker
	// uses.
	Approval worker.ApprovalConfig
	// MaxListAge: a sanctions list loaded longer ago holds every payout
	// (default worker.DefaultMaxListAge); the pages say so.
	MaxListAge time.Duration
	// SessionTTL is how long a login lasts (default 12h).
	SessionTTL time.Duration
	// PageSize is the ledger page's length (default 50).
	PageSize int
	// MaxAwards bounds award lists (default 1000).
	MaxAwards int
	NowFunc   func() time.Time
	Logger    *slog.Logger
}

// Validate checks the configuration: some way to authenticate is
// required (fail closed).
func (c Config) Validate() error {
	if len(c.Users) == 0 && c.LocalUser == "" {
		return fmt.Errorf("web: no users configured (BOUNTYPAY_WEB_TOKENS): %w", models.ErrInvalid)
	}
	for _, u := range c.Users {
		if u.Name == "" || len(u.Token) < MinTokenLength {
			return fmt.Errorf("web: user %q: empty name or short token: %w", u.Name, models.ErrInvalid)
		}
	}
	return nil
}

// Server is the web interface. It is an http.Handler.
type Server struct {
	cfg       Config
	store     Store
	screening *worker.Screening
	creds     []credential
	sessions  *sessions
	pages     map[string]*template.Template
	mux       *http.ServeMux
	log       *slog.Logger
	now       func() time.Time

	verifyMu   sync.Mutex // held while a verify runs
	lastMu     sync.Mutex
	lastVerify verifyResult
}

// New returns a server over st. sc is the screening service whose Decide
// records compliance's review decisions. Errors: models.ErrInvalid for a
// bad configuration.
func New(cfg Config, st Store, sc *worker.Screening) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.SessionTTL = cmp.Or(cfg.SessionTTL, DefaultSessionTTL)
	cfg.PageSize = cmp.Or(cfg.PageSize, DefaultPageSize)
	cfg.MaxAwards = cmp.Or(cfg.MaxAwards, DefaultMaxAwards)
	cfg.MaxListAge = cmp.Or(cfg.MaxListAge, worker.DefaultMaxListAge)
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, store: st, screening: sc, log: cfg.Logger, now: cfg.NowFunc,
		sessions: &sessions{m: map[string]*session{}, ttl: cfg.SessionTTL, now: cfg.NowFunc}}
	for _, u := range cfg.Users {
		s.creds = append(s.creds, credential{name: u.Name, sum: sha256Sum(u.Token)})
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /login", s.handleLogin)
	m.HandleFunc("POST /login", s.handleLogin)
	m.Handle("POST /logout", s.page("", s.handleLogout))

	m.Handle("GET /{$}", s.page(models.ActView, s.handleOverview))
	m.Handle("GET /awards", s.page(models.ActView, s.handleAwards))
	m.Handle("GET /awards/{id...}", s.page(models.ActView, s.handleAward))
	m.Handle("GET /review", s.page(models.ActView, s.handleReview))
	m.Handle("POST /review", s.page(models.ActReview, s.handleReviewDecide))
	m.Handle("GET /approvals", s.page(models.ActView, s.handleApprovals))
	m.Handle("POST /approvals", s.page(models.ActApprove, s.handleApprove))
	m.Handle("GET /ledger", s.page(models.ActView, s.handleLedger))
	m.Handle("POST /ledger/verify", s.page(models.ActView, s.handleVerify))
	m.Handle("GET /reports", s.page(models.ActView, s.handleReports))
	m.Handle("GET /reports/trial-balance", s.page(models.ActView, s.handleTrialBalance))
	m.Handle("GET /reports/paid", s.page(models.ActView, s.handlePaid))
	m.Handle("GET /reports/ageing", s.page(models.ActView, s.handleAgeing))
	m.Handle("GET /reports/blocked", s.page(models.ActView, s.handleBlocked))

	m.Handle("GET /api/awards", s.api(models.ActView, s.apiAwards))
	m.Handle("GET /api/awards/{id...}", s.api(models.ActView, s.apiAward))
	m.Handle("GET /api/review", s.api(models.ActView, s.apiReview))
	m.Handle("POST /api/reports", s.api(models.ActImport, s.apiImport))
	m.Handle("GET /api/ledger/verify", s.api(models.ActView, s.apiVerify))
	m.Handle("POST /api/ledger/verify", s.api(models.ActView, s.apiVerify))
	m.Handle("/api/", s.api("", func(http.ResponseWriter, *http.Request, *principal) error {
		return &httpError{http.StatusNotFound, "no such API endpoint"}
	}))
	s.mux = m
}

// ServeHTTP sets the security headers and routes the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.cfg.LocalUser != "" && len(s.creds) == 0 && (!isLoopbackHost(r.Host) || !isLoopbackHost(r.RemoteAddr)) {
		// Local mode trusts this machine only: refuse other peers and
		// DNS-rebound host names.
		http.Error(w, "local mode: only http://127.0.0.1 or http://localhost from this machine", http.StatusForbidden)
		return
	}
	if r.Method == http.MethodPost {
		limit := int64(64 << 10)
		if r.URL.Path == "/api/reports" {
			limit = intake.DefaultMaxBytes // a whole import file
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	s.mux.ServeHTTP(w, r)
}

// handlerFunc is a page or API handler of an authenticated person.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p *principal) error

// httpError is an error with the status code and message the person sees.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

// classify turns an error into what the person sees: the status and
// message of models' error kinds, or a generic 500 (the error is logged).
func (s *Server) classify(r *http.Request, err error) (int, string) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.code, he.msg
	case errors.Is(err, models.ErrInvalid):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, models.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, models.ErrConflict):
		return http.StatusConflict, err.Error()
	case errors.Is(err, context.Canceled):
		return 499, "request cancelled"
	}
	s.log.ErrorContext(r.Context(), "web request failed", slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.Any("err", err))
	return http.StatusInternalServerError, "internal error (logged on the server)"
}

// allowed checks that the principal is a configured identity that may do
// act (deny by default; "" needs only a login). It returns the 403
// message, or "".
func (s *Server) allowed(r *http.Request, p *principal, act models.Action) string {
	if act == "" {
		return ""
	}
	id, err := s.store.Identity(r.Context(), p.user)
	if err != nil {
		return fmt.Sprintf("%s is not a configured identity: ask an administrator (bountypay identity add)", p.user)
	}
	if err := id.Can(act); err != nil {
		return fmt.Sprintf("%s may not %s here (roles needed: %s)", p.user, act, rolesText(act))
	}
	return ""
}

func rolesText(act models.Action) string {
	rs := models.RolesFor(act)
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, ", ")
}

// page wraps an HTML handler: authentication (a login form with 401
// otherwise), the role check of act (403), CSRF for POST, no caching, and
// an error page.
func (s *Server) page(act models.Action, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		p, err := s.authenticate(w, r)
		if err != nil {
			s.renderLogin(w, r, http.StatusUnauthorized, r.URL.RequestURI(), bearerMessage(r, err))
			return
		}
		if msg := s.allowed(r, p, act); msg != "" {
			s.renderError(w, r, p, http.StatusForbidden, msg)
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				s.renderError(w, r, p, http.StatusBadRequest, "malformed form")
				return
			}
			if !checkCSRF(r, p) {
				s.renderError(w, r, p, http.StatusForbidden, "missing or invalid CSRF token: reload the page and try again")
				return
			}
		}
		if err := h(w, r, p); err != nil {
			code, msg := s.classify(r, err)
			s.renderError(w, r, p, code, msg)
		}
	})
}

// bearerMessage is the login page's note: only a bad presented
// credential is worth mentioning.
func bearerMessage(r *http.Request, err error) string {
	if r.Header.Get("Authorization") != "" {
		return err.Error()
	}
	if c, e := r.Cookie(CookieName); e == nil && c.Value != "" {
		return "your session expired: log in again"
	}
	return ""
}

// api wraps a JSON handler: authentication (401 with WWW-Authenticate),
// the role check of act (403), CSRF for browser-session POSTs, JSON
// errors.
func (s *Server) api(act models.Action, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		p, err := s.authenticate(w, r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="bountypay"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": err.Error()})
			return
		}
		if msg := s.allowed(r, p, act); msg != "" {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": msg})
			return
		}
		if r.Method == http.MethodPost && !checkCSRF(r, p) {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "missing or invalid CSRF token"})
			return
		}
		if err := h(w, r, p); err != nil {
			code, msg := s.classify(r, err)
			writeJSON(w, code, map[string]string{"error": msg})
		}
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error": "encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// handleLogin shows the login form (GET), or logs in with a token given
// in the form (POST) or, for links and headless browsers, in the URL
// (GET /login?token=…; the answer redirects at once so the token leaves
// the address bar).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	next := safeNext(r.FormValue("next"))
	var tok string
	switch r.Method {
	case http.MethodPost:
		if o := r.Header.Get("Origin"); o != "" && !checkCSRF(r, &principal{}) {
			s.renderLogin(w, r, http.StatusForbidden, next, "cross-site login refused")
			return
		}
		tok = r.PostFormValue("token")
	default:
		tok = r.URL.Query().Get("token")
		if tok == "" {
			s.renderLogin(w, r, http.StatusOK, next, "")
			return
		}
	}
	name, ok := lookupToken(s.creds, tok)
	if !ok {
		s.log.WarnContext(r.Context(), "web login refused", slog.String("remote", r.RemoteAddr))
		s.renderLogin(w, r, http.StatusUnauthorized, next, "unknown token")
		return
	}
	sess := s.sessions.create(name)
	s.setSessionCookie(w, r, sess)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, p *principal) error {
	if p.sess != nil {
		s.sessions.delete(p.sess.id)
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// render executes a page template into a buffer, then writes it.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, pd *pageData) {
	t := s.pages[name]
	var buf bytes.Buffer
	if t == nil {
		s.log.ErrorContext(r.Context(), "web template missing", slog.String("template", name))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", pd); err != nil {
		s.log.ErrorContext(r.Context(), "web template failed", slog.String("template", name), slog.Any("err", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, code int, next, msg string) {
	s.render(w, r, code, "login.html", &pageData{Title: "Log in", Data: loginView{Next: safeNext(next), Error: msg}})
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, p *principal, code int, msg string) {
	pd := s.newPage(r, p, "Error", "")
	back := "/"
	if r.Method == http.MethodPost && (r.URL.Path == "/review" || r.URL.Path == "/approvals") {
		back = r.URL.Path
	}
	pd.Data = errorView{Code: code, Status: http.StatusText(code), Message: msg, Back: back}
	s.render(w, r, code, "error.html", pd)
}

func parseTemplates() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := n[len("templates/"):]
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		out[base] = t
	}
	return out, nil
}
