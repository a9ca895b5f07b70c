package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/web"
)

func TestParseTokens(t *testing.T) {
	tests := []struct {
		name, in string
		want     []web.User
		bad      bool
	}{
		{name: "empty", in: ""},
		{name: "two", in: " carol:carol-token-0123456789 , dana (finance):dana-token-0123456789 ",
			want: []web.User{{Name: "carol", Token: "carol-token-0123456789"}, {Name: "dana (finance)", Token: "dana-token-0123456789"}}},
		{name: "token with colon", in: "carol:abc:def-0123456789xyz", want: []web.User{{Name: "carol", Token: "abc:def-0123456789xyz"}}},
		{name: "no colon", in: "carol-token-0123456789", bad: true},
		{name: "no name", in: ":carol-token-0123456789", bad: true},
		{name: "short token", in: "carol:short", bad: true},
		{name: "name twice", in: "carol:carol-token-0123456789,Carol:other-token-0123456789", bad: true},
		{name: "token shared", in: "carol:same-token-0123456789,dana:same-token-0123456789", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := web.ParseTokens(tt.in)
			if tt.bad {
				if !errors.Is(err, models.ErrInvalid) {
					t.Fatalf("want ErrInvalid, got %v", err)
				}
				if strings.Contains(err.Error(), "0123456789") {
					t.Fatalf("the error quotes a token: %v", err)
				}
				return
			}
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("got %v, %v", got, err)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("user %d: %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestNewFailsClosed(t *testing.T) {
	st := openStore(t, "sqlite", clock)
	if _, err := web.New(web.Config{}, storeadapt.Web(st), newScreening(t, st)); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("no users and no local user must be refused: %v", err)
	}
}

func TestAuth(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		for _, tt := range []struct {
			name, path string
			o          req
			code       int
		}{
			{"page without credentials", "/", req{}, http.StatusUnauthorized},
			{"review without credentials", "/review", req{}, http.StatusUnauthorized},
			{"api without credentials", "/api/awards", req{}, http.StatusUnauthorized},
			{"page with a wrong token", "/", req{token: "carol-token-0123456789abcdeX"}, http.StatusUnauthorized},
			{"api with a wrong token", "/api/review", req{token: "nope"}, http.StatusUnauthorized},
			{"basic auth is not accepted", "/api/awards", req{header: map[string]string{"Authorization": "Basic Y2Fyb2w6eA=="}}, http.StatusUnauthorized},
			{"unknown session cookie", "/", req{cookie: &http.Cookie{Name: web.CookieName, Value: "forged"}}, http.StatusUnauthorized},
			{"page with a token", "/", req{token: carolToken}, http.StatusOK},
			{"api with a token", "/api/awards", req{token: danaToken}, http.StatusOK},
			{"login page is public", "/login", req{}, http.StatusOK},
			{"static is public", "/static/style.css", req{}, http.StatusOK},
		} {
			r := f.get(tt.path, tt.o)
			if r.code != tt.code {
				t.Errorf("%s: GET %s = %d, want %d", tt.name, tt.path, r.code, tt.code)
			}
			if tt.code == http.StatusUnauthorized {
				if strings.HasPrefix(tt.path, "/api/") && r.header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: no WWW-Authenticate", tt.name)
				}
				wantLacks(t, tt.name, r.body, "PLEX-1009", "Maduro")
			}
		}

		// Security headers on every answer.
		r := f.get("/", req{token: carolToken})
		for h, want := range map[string]string{
			"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
		} {
			if got := r.header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		if csp := r.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q", csp)
		}

		// Form login: a wrong token is refused, a right one gets an
		// HttpOnly, SameSite=Strict cookie and is sent where it wanted.
		bad := f.do(http.MethodPost, "/login", req{form: url.Values{"token": {"wrong-token-0123456789"}}})
		wantCode(t, "login with a wrong token", bad, http.StatusUnauthorized)
		if bad.cookie != nil {
			t.Fatal("a failed login set a session cookie")
		}
		ok := f.do(http.MethodPost, "/login", req{form: url.Values{"token": {carolToken}, "next": {"/review"}}})
		wantCode(t, "login", ok, http.StatusSeeOther)
		if loc := ok.header.Get("Location"); loc != "/review" {
			t.Errorf("login redirects to %q", loc)
		}
		if c := ok.cookie; c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Fatalf("session cookie %+v", c)
		}
		// An open redirect is refused.
		evil := f.do(http.MethodPost, "/login", req{form: url.Values{"token": {carolToken}, "next": {"//evil.example/x"}}})
		if loc := evil.header.Get("Location"); loc != "/" {
			t.Errorf("login to //evil.example redirects to %q", loc)
		}
		// Token in the URL (links, headless browsers): redirects at once.
		byURL := f.get("/login?token="+url.QueryEscape(danaToken)+"&next=/approvals", req{})
		wantCode(t, "login by URL", byURL, http.StatusSeeOther)
		if byURL.cookie == nil || byURL.header.Get("Location") != "/approvals" {
			t.Fatalf("login by URL: cookie %v, location %q", byURL.cookie, byURL.header.Get("Location"))
		}
		page := f.get("/", req{cookie: ok.cookie})
		wantCode(t, "page with the session", page, http.StatusOK)
		wantContains(t, "overview", page.body, `<span id="user">carol</span>`)

		// Logout needs the CSRF token and ends the session.
		csrf := csrfOf(t, page.body)
		wantCode(t, "logout without CSRF", f.do(http.MethodPost, "/logout", req{cookie: ok.cookie, form: url.Values{}}), http.StatusForbidden)
		wantCode(t, "logout", f.do(http.MethodPost, "/logout", req{cookie: ok.cookie, form: url.Values{"csrf": {csrf}}}), http.StatusSeeOther)
		wantCode(t, "page after logout", f.get("/", req{cookie: ok.cookie}), http.StatusUnauthorized)
	})
}

func TestSessionExpires(t *testing.T) {
	st := openStore(t, "sqlite", clock)
	seed(t, st, true)
	now := fixedNow
	f := serve(t, st, web.Config{Users: users(), SessionTTL: time.Hour, NowFunc: func() time.Time { return now }})
	c, _ := f.login(carolToken)
	now = now.Add(2 * time.Hour)
	r := f.get("/", req{cookie: c})
	wantCode(t, "expired session", r, http.StatusUnauthorized)
	wantContains(t, "login page", r.body, "session expired")
}

func TestCSRFAndReviewDecisions(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		const id = "PLEX-1009/money"
		cookie, csrf := f.login(carolToken)
		form := func(kv ...string) url.Values {
			v := url.Values{}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		for _, tt := range []struct {
			name string
			o    req
			code int
		}{
			{"no CSRF token", req{cookie: cookie, form: form("id", id, "decision", "clear", "reason", "x")}, http.StatusForbidden},
			{"wrong CSRF token", req{cookie: cookie, form: form("csrf", csrf+"x", "id", id, "decision", "clear", "reason", "x")}, http.StatusForbidden},
			{"another site's origin", req{cookie: cookie, form: form("csrf", csrf, "id", id, "decision", "clear", "reason", "x"),
				header: map[string]string{"Origin": "https://evil.example"}}, http.StatusForbidden},
			{"no session", req{form: form("csrf", csrf, "id", id, "decision", "clear", "reason", "x")}, http.StatusUnauthorized},
			{"confirm without a reason", req{cookie: cookie, form: form("csrf", csrf, "id", id, "decision", "confirm", "reason", "  ")}, http.StatusBadRequest},
			{"clear without a reason", req{cookie: cookie, form: form("csrf", csrf, "id", id, "decision", "clear")}, http.StatusBadRequest},
			{"unknown decision", req{cookie: cookie, form: form("csrf", csrf, "id", id, "decision", "maybe", "reason", "x")}, http.StatusBadRequest},
			{"unknown award", req{cookie: cookie, form: form("csrf", csrf, "id", "NOPE/money", "decision", "clear", "reason", "x")}, http.StatusNotFound},
			{"award not held", req{cookie: cookie, form: form("csrf", csrf, "id", "PLEX-1002/money", "decision", "clear", "reason", "x")}, http.StatusConflict},
		} {
			r := f.do(http.MethodPost, "/review", tt.o)
			if r.code != tt.code {
				t.Errorf("%s: %d, want %d\n%s", tt.name, r.code, tt.code, r.body)
			}
		}
		if a := f.award(id); a.State != models.StateHeld {
			t.Fatalf("refused requests changed the award: %s", a.State)
		}

		// A 0.95 match takes two reviewers: carol's clear is a vote, dana's
		// clears it; recorded under the logged-in names.
		r := f.do(http.MethodPost, "/review", req{cookie: cookie, form: form("csrf", csrf, "id", id, "decision", "clear",
			"reason", "different person: DOB 1990, Spanish national")})
		wantCode(t, "clear", r, http.StatusSeeOther)
		if a := f.award(id); a.State != models.StateHeld {
			t.Fatalf("one reviewer cleared a 0.95 match: %s %q", a.State, a.Reason)
		}
		r = f.do(http.MethodPost, "/review", req{token: danaToken, form: form("id", id, "decision", "clear", "reason", "agree")})
		wantCode(t, "second clear with a bearer token (no CSRF needed)", r, http.StatusSeeOther)
		if a := f.award(id); a.State != models.StateCleared || !strings.Contains(a.Reason, "cleared by compliance") {
			t.Fatalf("cleared award: %s %q", a.State, a.Reason)
		}
		// A viewer may look but not decide.
		wantCode(t, "viewer decides", f.do(http.MethodPost, "/review", req{token: vicToken, form: form("id", "PLEX-1009/plex_pass",
			"decision", "confirm", "reason", "x")}), http.StatusForbidden)
		// Confirming the same match on the pass blocks the payee's money too.
		r = f.do(http.MethodPost, "/review", req{token: danaToken, form: form("id", "PLEX-1009/plex_pass", "decision", "confirm", "reason", "test of confirm")})
		wantCode(t, "confirm", r, http.StatusSeeOther)
		if a := f.award("PLEX-1009/plex_pass"); a.State != models.StateBlocked {
			t.Fatalf("confirmed award: %s", a.State)
		}
		if a := f.award(id); a.State != models.StateBlocked {
			t.Fatalf("money of a confirmed payee: %s %q", a.State, a.Reason)
		}
		es, err := f.st.LedgerEntriesForAward(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, e := range es {
			if e.Kind == ledger.KindReviewDecision && e.Actor == "carol" && e.Data["decision"] == "clear vote" {
				found = true
			}
		}
		if !found {
			t.Fatalf("no review decision by carol in the ledger: %+v", es)
		}
		page := f.get("/review", req{cookie: cookie})
		wantContains(t, "review page after the decisions", page.body, `id="flash"`, "PLEX-1009/money is now held (decided by carol)", `id="no-held"`)
		if _, err := f.st.VerifyLedger(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestApprovals(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		const id = "PLEX-1001/money"
		if a := f.award(id); a.State != models.StateAwaitingApproval {
			t.Fatalf("fixture: %s is %s", id, a.State)
		}
		page := f.get("/approvals", req{token: carolToken})
		wantContains(t, "approvals page", page.body, `id="PLEX-1001/money"`, "0 of 2", "needs 2 approvals")

		approve := func(token, reason string) resp {
			cookie, csrf := f.login(token)
			return f.do(http.MethodPost, "/approvals", req{cookie: cookie, form: url.Values{"csrf": {csrf}, "id": {id}, "reason": {reason}}})
		}
		// The importer is a service without a finance role: refused.
		r := approve(importerToken, "mine")
		wantCode(t, "approval by the importer", r, http.StatusForbidden)
		wantContains(t, "refusal", r.body, "may not approve awards")

		wantCode(t, "carol approves", approve(carolToken, "severity checked"), http.StatusSeeOther)
		r = approve(carolToken, "again")
		wantCode(t, "carol approves twice", r, http.StatusConflict)
		wantContains(t, "second approval", r.body, "already approved")
		if a := f.award(id); a.State != models.StateAwaitingApproval {
			t.Fatalf("one approval moved the award: %s", a.State)
		}
		page = f.get("/approvals", req{token: danaToken})
		wantContains(t, "approvals page", page.body, "1 of 2", "carol")

		cookie, csrf := f.login(danaToken)
		r = f.do(http.MethodPost, "/approvals", req{cookie: cookie, form: url.Values{"csrf": {csrf}, "id": {id}, "reason": {"amount checked"}}})
		wantCode(t, "dana approves", r, http.StatusSeeOther)
		if a := f.award(id); a.State != models.StateReadyToScreen {
			t.Fatalf("two approvals: %s", a.State)
		}
		page = f.get("/approvals", req{cookie: cookie})
		wantContains(t, "approvals page", page.body, "approved by carol, dana")
		wantLacks(t, "approvals page", page.body, `id="PLEX-1001/money"`)
		aps, err := f.st.Approvals(context.Background(), id)
		if err != nil || len(aps) != 2 || aps[0].Approver != "carol" || aps[1].Approver != "dana" {
			t.Fatalf("approvals: %+v %v", aps, err)
		}
	})
}

func TestPages(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		o := req{token: carolToken}
		pages := []struct {
			path string
			want []string
			// private: names and PayPal receivers may appear only where
			// compliance needs them.
			private bool
		}{
			{"/", []string{`id="held-count">2<`, `id="awaiting-count">3<`, `data-state="blocked"`, "1,500.00 EUR", "demo sample list", "Verify the ledger now"}, false},
			{"/awards", []string{"PLEX-1001/money", "Remote code execution in the media transcoder", "res-ada", "awaiting approval"}, false},
			{"/awards?state=blocked", []string{"PLEX-1008/plex_pass", "PLEX-1012/plex_pass"}, false},
			{"/awards/PLEX-1009/money", []string{"Nicolás Maduro Moros", "nmm@example.com", "Reflected XSS in the search page",
				"MADURO MOROS, Nicolas", "VENEZUELA", "award decided", "Review this award"}, true},
			{"/awards/PLEX-1002/plex_pass", []string{"granted", "pass_code_id", "asset:pass-codes"}, true},
			{"/review", []string{"PLEX-1009/money", "Nicolás Maduro Moros", "nmm@example.com", "22790", "0.95", "Confirm match: block"}, true},
			{"/approvals", []string{"PLEX-1001/money", "0 of 2"}, false},
			{"/ledger", []string{"Ledger", "screened", "expense:bounties"}, false},
			{"/ledger?from=1", []string{"report imported", "newer"}, false},
			{"/reports", []string{"Trial balance", "Ageing", "Blocked"}, false},
			{"/reports/trial-balance", []string{"expense:bounties", "liability:blocked:res-reza"}, false},
			{"/reports/paid", []string{"2026-11", "PASS"}, false},
			{"/reports/ageing", []string{"0-30", "PLEX-1001/money"}, false},
			{"/reports/blocked", []string{"PLEX-1008/plex_pass", "2026-11-20", "2026-12-07", "in 16 days"}, false},
		}
		for _, p := range pages {
			r := f.get(p.path, o)
			wantCode(t, p.path, r, http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("%s: content type %q", p.path, ct)
			}
			wantContains(t, p.path, r.body, p.want...)
			// Never a gift code or a token.
			wantLacks(t, p.path, r.body, append(passCodes, carolToken, danaToken)...)
			if !p.private {
				wantLacks(t, p.path, r.body, "Maduro", "Lovelace", "nmm@example.com", "ada@example.com")
			}
		}
		for path, code := range map[string]int{
			"/awards/NOPE/money": http.StatusNotFound, "/awards?state=bogus": http.StatusBadRequest,
			"/ledger?from=x": http.StatusBadRequest, "/nope": http.StatusNotFound,
		} {
			wantCode(t, path, f.get(path, o), code)
		}
		wantCode(t, "GET /review/x", f.do(http.MethodDelete, "/review", o), http.StatusMethodNotAllowed)
		// The API never shows gift codes either.
		r := f.get("/api/awards/PLEX-1002/plex_pass", o)
		wantLacks(t, "award API", r.body, passCodes...)
	})
}

func TestAwardIDsAreEscaped(t *testing.T) {
	st := openStore(t, "sqlite", clock)
	seed(t, st, true)
	f := serve(t, st, web.Config{Users: users()})
	r := f.get("/awards", req{token: carolToken})
	wantContains(t, "awards", r.body, `href="/awards/PLEX-1009/money"`)
	// A path-escaped id reaches the same award.
	wantCode(t, "escaped id", f.get("/awards/PLEX-1009%2Fmoney", req{token: carolToken}), http.StatusOK)
}

func TestAPI(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		o := req{token: eliToken}

		var list struct {
			Awards []struct {
				ID, State, Asset, Amount string
				AmountMinor              int64 `json:"amount_minor"`
			}
			Truncated bool
		}
		decodeJSON(t, f.get("/api/awards?state=held", o), &list)
		if len(list.Awards) != 2 || list.Awards[0].ID != "PLEX-1009/money" || list.Awards[0].State != "held" ||
			list.Awards[0].Amount != "500.00" || list.Awards[0].AmountMinor != 50000 || list.Truncated {
			t.Fatalf("held awards: %+v", list)
		}
		// Blocked includes the Iran and Crimea money awards, blocked at
		// decision before finance was asked to approve them.
		decodeJSON(t, f.get("/api/awards?state=blocked,granted", o), &list)
		if len(list.Awards) != 9 {
			t.Fatalf("blocked and granted: %d awards", len(list.Awards))
		}
		decodeJSON(t, f.get("/api/awards", o), &list)
		if len(list.Awards) != 17 {
			t.Fatalf("all awards: %d", len(list.Awards))
		}
		r := f.get("/api/awards?state=bogus", o)
		wantCode(t, "bad state", r, http.StatusBadRequest)
		var e struct{ Error string }
		decodeJSON(t, r, &e)
		if !strings.Contains(e.Error, "bogus") {
			t.Fatalf("error %q", e.Error)
		}

		var one struct {
			Award  struct{ ID, State string }
			Report struct{ Title, Severity string }
			Payee  struct {
				Name           string
				PayPalReceiver string `json:"paypal_receiver"`
			}
			Screening struct {
				Score  float64
				Result struct{ Matches []struct{ ID int } }
			}
			Attempts []struct{}
			Ledger   []ledger.Entry
		}
		decodeJSON(t, f.get("/api/awards/PLEX-1009/money", o), &one)
		if one.Award.State != "held" || one.Report.Severity != "medium" || one.Payee.PayPalReceiver != "nmm@example.com" ||
			one.Screening.Score < 0.8 || len(one.Screening.Result.Matches) == 0 || one.Screening.Result.Matches[0].ID != 22790 || len(one.Ledger) == 0 {
			t.Fatalf("award: %+v", one)
		}
		wantCode(t, "unknown award", f.get("/api/awards/NOPE/x", o), http.StatusNotFound)
		wantCode(t, "unknown endpoint", f.get("/api/nope", o), http.StatusNotFound)

		var rev struct {
			Held []struct {
				Award     struct{ ID string }
				Payee     struct{ Name string }
				Screening struct {
					ListSHA256 string `json:"list_sha256"`
					Result     struct{ Matches []struct{ Programs []string } }
				}
			}
		}
		decodeJSON(t, f.get("/api/review", o), &rev)
		if len(rev.Held) != 2 || rev.Held[0].Payee.Name != "Nicolás Maduro Moros" || rev.Held[0].Screening.ListSHA256 == "" ||
			len(rev.Held[0].Screening.Result.Matches) == 0 || len(rev.Held[0].Screening.Result.Matches[0].Programs) == 0 {
			t.Fatalf("review: %+v", rev)
		}

		var v struct {
			OK         bool
			Entries    int64
			HeadSeq    int64  `json:"head_seq"`
			HeadHash   string `json:"head_hash"`
			VerifiedBy string `json:"verified_by"`
		}
		decodeJSON(t, f.get("/api/ledger/verify", o), &v)
		if !v.OK || v.Entries == 0 || v.HeadSeq != v.Entries || len(v.HeadHash) != 64 || v.VerifiedBy != "eli" {
			t.Fatalf("verify: %+v", v)
		}
		// A browser session's POST needs the CSRF token here too.
		cookie, csrf := f.login(eliToken)
		wantCode(t, "verify POST without CSRF", f.do(http.MethodPost, "/api/ledger/verify", req{cookie: cookie}), http.StatusForbidden)
		wantCode(t, "verify POST with CSRF", f.do(http.MethodPost, "/api/ledger/verify", req{cookie: cookie,
			header: map[string]string{"X-CSRF-Token": csrf}}), http.StatusOK)
	})
}

func TestVerifyButton(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		cookie, csrf := f.login(carolToken)
		page := f.get("/", req{cookie: cookie})
		wantContains(t, "overview", page.body, "Not verified since the server started")
		wantCode(t, "verify without CSRF", f.do(http.MethodPost, "/ledger/verify", req{cookie: cookie, form: url.Values{}}), http.StatusForbidden)
		r := f.do(http.MethodPost, "/ledger/verify", req{cookie: cookie, form: url.Values{"csrf": {csrf}}})
		wantCode(t, "verify", r, http.StatusSeeOther)
		page = f.get("/", req{cookie: cookie})
		wantContains(t, "overview after verify", page.body, `id="verify-state">verified<`, "Ledger verified:", "by carol")
	})
}

func TestListBanner(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		st := openStore(t, "sqlite", clock)
		seed(t, st, false)
		f := serve(t, st, web.Config{Users: users()})
		r := f.get("/", req{token: carolToken})
		wantContains(t, "overview", r.body, `id="list-banner"`, "No sanctions list is loaded", "every payout is held")
		// Without a list nothing was screened: awards wait ready to screen.
		wantContains(t, "overview", r.body, `data-state="ready_to_screen"`)
	})
	t.Run("stale", func(t *testing.T) {
		st := openStore(t, "sqlite", clock)
		seed(t, st, true)
		later := func() time.Time { return fixedNow.Add(72 * time.Hour) }
		f := serve(t, st, web.Config{Users: users(), NowFunc: later})
		r := f.get("/awards", req{token: carolToken})
		wantContains(t, "awards", r.body, `id="list-banner"`, "loaded 3d ago, more than the 2d allowed")
		r = f.get("/", req{token: carolToken})
		wantContains(t, "overview", r.body, "stale: older than 2d")
	})
	t.Run("current", func(t *testing.T) {
		st := openStore(t, "sqlite", clock)
		seed(t, st, true)
		f := serve(t, st, web.Config{Users: users()})
		r := f.get("/", req{token: carolToken})
		wantLacks(t, "overview", r.body, `id="list-banner"`)
		wantContains(t, "overview", r.body, ">current<")
	})
}

func TestLocalMode(t *testing.T) {
	st := openStore(t, "sqlite", clock)
	seed(t, st, true)
	f := serve(t, st, web.Config{LocalUser: "erin"})
	// httptest serves on 127.0.0.1: a browser gets a session at once.
	r := f.get("/", req{})
	wantCode(t, "local overview", r, http.StatusOK)
	wantContains(t, "local overview", r.body, `<span id="user">erin</span>`)
	if r.cookie == nil {
		t.Fatal("local mode sets a session cookie (for CSRF)")
	}
	// Decisions still need the CSRF token.
	wantCode(t, "local POST without CSRF", f.do(http.MethodPost, "/review", req{cookie: r.cookie,
		form: url.Values{"id": {"PLEX-1009/money"}, "decision": {"clear"}, "reason": {"x"}}}), http.StatusForbidden)
	// A rebound DNS name is refused.
	wantCode(t, "foreign Host", f.get("/", req{header: map[string]string{"Host": "evil.example"}}), http.StatusForbidden)
}

func TestIsLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true, "127.1.2.3:1": true,
		":8080": false, "0.0.0.0:8080": false, "10.0.0.1:8080": false, "example.com:80": false, "127.0.0.1": false,
	} {
		if got := web.IsLoopbackAddr(addr); got != want {
			t.Errorf("IsLoopbackAddr(%q) = %v", addr, got)
		}
	}
}
