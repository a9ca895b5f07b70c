package web

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

func sha256Sum(s string) [sha256.Size]byte { return sha256.Sum256([]byte(s)) }

// pageData is what every page template gets.
type pageData struct {
	Title string
	Nav   string // the active navigation entry
	User  string
	CSRF  string
	Flash string
	List  listStatus
	Now   time.Time
	Data  any
}

type loginView struct {
	Next  string
	Error string
}

type errorView struct {
	Code    int
	Status  string
	Message string
	Back    string
}

// newPage fills what every page shows: who is logged in, the CSRF token,
// a flash message and the sanctions list's state (for the banner).
func (s *Server) newPage(r *http.Request, p *principal, title, nav string) *pageData {
	pd := &pageData{Title: title, Nav: nav, Now: s.now().UTC()}
	if p != nil {
		pd.User, pd.CSRF = p.user, p.csrf()
		if p.sess != nil && r.Method == http.MethodGet {
			pd.Flash = s.sessions.takeFlash(p.sess)
		}
	}
	pd.List = s.listStatus(r.Context())
	return pd
}

// listStatus is the current sanctions list as the payout path sees it.
type listStatus struct {
	Loaded   bool
	SHA256   string
	Source   string
	LoadedAt time.Time
	Age      string
	MaxAge   string
	Entries  int
	Stale    bool
	// Problem, when set, is why every payout is held (the red banner).
	Problem string
}

// listStatus applies the worker's rule (no list, or one loaded more than
// MaxListAge ago, holds every payout) without building the screener.
func (s *Server) listStatus(ctx context.Context) listStatus {
	ls := listStatus{MaxAge: fmtDuration(s.cfg.MaxListAge)}
	v, err := s.store.CurrentList(ctx)
	switch {
	case errors.Is(err, models.ErrNotFound):
		ls.Problem = "No sanctions list is loaded: every payout is held (fail closed). Load one with “bountypay sanctions load”."
		return ls
	case err != nil:
		ls.Problem = "The sanctions list could not be read: payouts are held until it can."
		return ls
	}
	age := s.now().Sub(v.LoadedAt)
	ls.Loaded, ls.SHA256, ls.Source, ls.LoadedAt, ls.Entries, ls.Age = true, v.SHA256, v.Source, v.LoadedAt.UTC(), v.Entries, fmtDuration(age)
	if age > s.cfg.MaxListAge {
		ls.Stale = true
		ls.Problem = fmt.Sprintf("The sanctions list was loaded %s ago, more than the %s allowed: every new payout is held until a fresh list is loaded (“bountypay sanctions load”).",
			ls.Age, ls.MaxAge)
	}
	return ls
}

// verifyResult is the outcome of the last ledger verification.
type verifyResult struct {
	Ran      bool      `json:"-"`
	OK       bool      `json:"ok"`
	At       time.Time `json:"verified_at"`
	By       string    `json:"verified_by"`
	Entries  int64     `json:"entries"`
	HeadSeq  int64     `json:"head_seq"`
	HeadHash string    `json:"head_hash"`
	BadSeq   int64     `json:"bad_seq,omitempty"`
	Error    string    `json:"error,omitempty"`
	Took     string    `json:"took"`
}

var funcs = template.FuncMap{
	"amount":     awardAmount,
	"units":      fmtUnits,
	"time":       fmtTime,
	"date":       func(t time.Time) string { return fmtTimeLayout(t, "2006-01-02") },
	"short":      shortHash,
	"stateClass": stateClass,
	"awardURL":   awardURL,
	"pct":        func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
	"join":       strings.Join,
	"states":     models.AllAwardStates,
	"human":      func(s any) string { return strings.ReplaceAll(fmt.Sprint(s), "_", " ") },
	"sortedKeys": sortedKeys,
	"add":        func(a, b int64) int64 { return a + b },
}

// awardAmount is an award's value as a person reads it.
func awardAmount(a models.Award) string {
	switch a.Kind {
	case models.AwardMoney:
		return fmtUnits(a.Amount.Minor, a.Amount.Currency)
	case models.AwardPlexPass:
		return "1 Plex Pass"
	}
	if a.Description != "" {
		return a.Description
	}
	return "other reward"
}

// fmtUnits formats minor units of an asset with thousands separators:
// 150000 USD → "1,500.00 USD".
func fmtUnits(v int64, asset string) string {
	s := ledger.FormatUnits(v, asset)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String() + " " + asset
}

func fmtTime(t time.Time) string { return fmtTimeLayout(t, "2006-01-02 15:04 UTC") }

func fmtTimeLayout(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(layout)
}

// fmtDuration is a coarse age: "3d 4h", "5h 12m", "40s".
func fmtDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return joinUnits(int(d/time.Hour), "h", int(d%time.Hour/time.Minute), "m")
	}
	return joinUnits(int(d/(24*time.Hour)), "d", int(d%(24*time.Hour)/time.Hour), "h")
}

// joinUnits writes "2d 3h", dropping a zero second part ("2d").
func joinUnits(a int, au string, b int, bu string) string {
	if b == 0 {
		return fmt.Sprint(a, au)
	}
	return fmt.Sprintf("%d%s %d%s", a, au, b, bu)
}

func shortHash(h string) string {
	if len(h) <= 12 {
		return h
	}
	return h[:12] + "…"
}

// stateClass colours a state badge.
func stateClass(s models.AwardState) string {
	switch s {
	case models.StatePaid, models.StateGranted, models.StateFulfilled, models.StateCleared:
		return "ok"
	case models.StateHeld, models.StateAwaitingApproval, models.StateUnclaimed, models.StateOnHold,
		models.StateNeedsReconciliation, models.StateFailed, models.StateReturned, models.StateReversed:
		return "warn"
	case models.StateBlocked:
		return "bad"
	case models.StateRejected, models.StateCancelled:
		return "muted"
	}
	return "info"
}

// awardURL is the page of an award; each part of the id is escaped
// (report ids may hold any printable character).
func awardURL(id string) template.URL {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return template.URL("/awards/" + strings.Join(parts, "/"))
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// parseStates reads ?state=a&state=b (or "a,b"); unknown states are
// models.ErrInvalid.
func parseStates(q url.Values) ([]models.AwardState, error) {
	known := map[models.AwardState]bool{}
	for _, s := range models.AllAwardStates() {
		known[s] = true
	}
	var out []models.AwardState
	for _, v := range q["state"] {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if !known[models.AwardState(s)] {
				return nil, fmt.Errorf("unknown award state %q: %w", s, models.ErrInvalid)
			}
			out = append(out, models.AwardState(s))
		}
	}
	return out, nil
}

// reportIndex maps report ids to reports.
func (s *Server) reportIndex(ctx context.Context) (map[string]models.StoredReport, error) {
	reps, err := s.store.Reports(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]models.StoredReport, len(reps))
	for _, r := range reps {
		out[r.ID] = r
	}
	return out, nil
}
