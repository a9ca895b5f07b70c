package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/compliance/ofac"
	"github.com/plex/bountypay/intake"
	"github.com/plex/bountypay/internal/dbtest"
	"github.com/plex/bountypay/internal/pgtest"
	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/policy"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/web"
	"github.com/plex/bountypay/worker"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The fixture: the demo's sample reports, sanctions list and a few pass
// codes, run through the real worker (decide, approve, screen, grant) on
// a fixed clock, so pages show real states deterministically. PayPal is
// not configured: money awards wait in cleared.

var fixedNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

const (
	carolToken = "carol-token-0123456789abcdef"
	danaToken  = "dana-token-0123456789abcdef"
	vicToken   = "vic-token-0123456789abcdef"
	eliToken   = "eli-token-0123456789abcdef"
	// importerToken belongs to the person who imported the reports: the
	// maker, who may not approve them.
	importerToken = "triage-token-0123456789abcdef"
	importer      = "demo-triage"
)

// passCodes are granted by the fixture; no page may ever show them.
var passCodes = []string{"GIFT-SECRET-AAAA-0001", "GIFT-SECRET-BBBB-0002", "GIFT-SECRET-CCCC-0003",
	"GIFT-SECRET-DDDD-0004", "GIFT-SECRET-EEEE-0005", "GIFT-SECRET-FFFF-0006", "GIFT-SECRET-GGGG-0007"}

var demoDir = filepath.Join("..", "cmd", "bountypay", "demodata")

type fixture struct {
	t   testing.TB
	st  *store.Store
	srv *web.Server
	ts  *httptest.Server
}

// engines runs fn on SQLite and on PostgreSQL.
func engines(t *testing.T, fn func(t *testing.T, engine string)) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) { fn(t, string(e)) })
}

func openStore(t testing.TB, engine string, now func() time.Time) *store.Store {
	t.Helper()
	st := dbtest.Open(t, dbtest.Engine(engine), dbtest.Options{NowFunc: now})
	seedIdentities(t, st)
	return st
}

// seedIdentities configures who the tests are: carol and dana in
// compliance and finance, eli in finance, vic a viewer, the triage
// integration a service that imports, and the local user of local mode.
func seedIdentities(t testing.TB, st *store.Store) {
	t.Helper()
	both := []models.Role{models.RoleCompliance, models.RoleFinance}
	for _, id := range []models.Identity{
		{Name: "admin", Kind: models.KindPerson, Roles: []models.Role{models.RoleAdmin}},
		{Name: "carol", Kind: models.KindPerson, Roles: both},
		{Name: "dana", Kind: models.KindPerson, Roles: both},
		{Name: "eli", Kind: models.KindPerson, Roles: []models.Role{models.RoleFinance}},
		{Name: "vic", Kind: models.KindPerson, Roles: []models.Role{models.RoleViewer}},
		{Name: importer, Kind: models.KindService, Roles: []models.Role{models.RoleImporter}},
		{Name: "erin", Kind: models.KindPerson, Roles: []models.Role{models.RoleViewer}},
	} {
		if err := st.PutIdentity(context.Background(), id, "admin"); err != nil {
			t.Fatalf("identity %s: %v", id.Name, err)
		}
	}
}

func clock() time.Time { return fixedNow }

func listBuilder(files map[string][]byte) (worker.NameScreener, error) {
	list, err := ofac.Build(files)
	if err != nil {
		return nil, err
	}
	return compliance.NewScreener(list.ToCompliance(), compliance.ScreenConfig{ReviewThreshold: compliance.DefaultReviewThreshold})
}

func newScreening(t testing.TB, st *store.Store) *worker.Screening {
	t.Helper()
	juris, err := compliance.DefaultJurisdictions()
	if err != nil {
		t.Fatal(err)
	}
	return worker.NewScreening(worker.ScreeningConfig{MaxListAge: worker.DefaultMaxListAge,
		ReviewThreshold: compliance.DefaultReviewThreshold, NowFunc: clock}, storeadapt.Worker(st), juris, listBuilder)
}

// loadDemoList stores the demo's sample OFAC list and makes it current.
func loadDemoList(t testing.TB, st *store.Store) {
	t.Helper()
	files := map[string][]byte{}
	for _, n := range []string{ofac.FileSDN, ofac.FileAlt, ofac.FileAdd} {
		b, err := os.ReadFile(filepath.Join(demoDir, n))
		if err != nil {
			t.Fatal(err)
		}
		files[n] = b
	}
	list, err := ofac.Build(files)
	if err != nil {
		t.Fatal(err)
	}
	var sf []models.ListFile
	for _, fi := range list.Files {
		sf = append(sf, models.ListFile{Name: fi.Name, SHA256: fi.SHA256, Size: int64(fi.Bytes), Content: files[fi.Name]})
	}
	v := models.ListVersion{SHA256: list.SHA256, Source: "demo sample list", Entries: list.Counts.Entries,
		Aliases: list.Counts.Aliases, Addresses: list.Counts.Addresses, Counts: "{}"}
	if _, err := st.SaveList(context.Background(), v, sf, "test"); err != nil {
		t.Fatal(err)
	}
}

// seed imports the demo reports and runs the worker twice.
func seed(t testing.TB, st *store.Store, withList bool) {
	t.Helper()
	ctx := context.Background()
	if withList {
		loadDemoList(t, st)
	}
	if _, err := st.ImportPassCodes(ctx, "test-codes", passCodes, "test"); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(demoDir, "reports.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := intake.ParseRecords("reports.jsonl", f, intake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	irs := make([]models.ImportRecord, len(recs))
	for i, r := range recs {
		irs[i] = models.ImportRecord{Report: r.Report, ContentHash: intake.ContentHash(r.Report), Line: r.Line}
	}
	if _, err := st.ImportReports(ctx, "reports.jsonl", irs, importer); err != nil {
		t.Fatal(err)
	}
	decider, err := policy.Default()
	if err != nil {
		t.Fatal(err)
	}
	sender := payout.NewSender(payout.Config{Logger: testLogger(t)}, storeadapt.Payout(st), nil)
	r := worker.NewRunner(worker.Config{NowFunc: clock, Logger: testLogger(t)}, storeadapt.Worker(st), decider, newScreening(t, st), sender)
	for i := 0; i < 2; i++ {
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(tlog{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

type tlog struct{ t testing.TB }

func (w tlog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func users() []web.User {
	return []web.User{{Name: "carol", Token: carolToken}, {Name: "dana", Token: danaToken},
		{Name: "eli", Token: eliToken}, {Name: importer, Token: importerToken}, {Name: "vic", Token: vicToken}}
}

// newFixture seeds a store on engine and serves it.
func newFixture(t *testing.T, engine string) *fixture {
	t.Helper()
	st := openStore(t, engine, clock)
	seed(t, st, true)
	return serve(t, st, web.Config{Users: users()})
}

func serve(t testing.TB, st *store.Store, cfg web.Config) *fixture {
	t.Helper()
	if cfg.NowFunc == nil {
		cfg.NowFunc = clock
	}
	cfg.Logger = testLogger(t)
	srv, err := web.New(cfg, storeadapt.Web(st), newScreening(t, st))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &fixture{t: t, st: st, srv: srv, ts: ts}
}

// req is one request's options.
type req struct {
	token  string       // bearer token
	cookie *http.Cookie // session
	form   url.Values   // POST body
	header map[string]string
}

type resp struct {
	code   int
	body   string
	header http.Header
	cookie *http.Cookie // the session cookie set, if any
}

func (f *fixture) do(method, path string, o req) resp {
	f.t.Helper()
	var body io.Reader
	if o.form != nil {
		body = strings.NewReader(o.form.Encode())
	}
	r, err := http.NewRequest(method, f.ts.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if o.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if o.token != "" {
		r.Header.Set("Authorization", "Bearer "+o.token)
	}
	if o.cookie != nil {
		r.AddCookie(o.cookie)
	}
	for k, v := range o.header {
		if k == "Host" {
			r.Host = v
			continue
		}
		r.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(r)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	out := resp{code: res.StatusCode, body: string(b), header: res.Header}
	for _, c := range res.Cookies() {
		if c.Name == web.CookieName {
			out.cookie = c
		}
	}
	return out
}

func (f *fixture) get(path string, o req) resp { return f.do(http.MethodGet, path, o) }

// login logs in with a token through the form and returns the session
// cookie and its CSRF token.
func (f *fixture) login(token string) (*http.Cookie, string) {
	f.t.Helper()
	r := f.do(http.MethodPost, "/login", req{form: url.Values{"token": {token}, "next": {"/"}}})
	if r.code != http.StatusSeeOther || r.cookie == nil {
		f.t.Fatalf("login: %d, cookie %v\n%s", r.code, r.cookie, r.body)
	}
	page := f.get("/", req{cookie: r.cookie})
	if page.code != http.StatusOK {
		f.t.Fatalf("overview after login: %d\n%s", page.code, page.body)
	}
	return r.cookie, csrfOf(f.t, page.body)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t testing.TB, html string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%s", html)
	}
	return m[1]
}

func wantCode(t testing.TB, what string, r resp, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.code, code, r.body)
	}
}

func wantContains(t testing.TB, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s lacks %q", what, s)
		}
	}
	if t.Failed() {
		t.Logf("%s:\n%s", what, body)
	}
}

func wantLacks(t testing.TB, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("%s shows %q, which it must not", what, s)
		}
	}
}

func decodeJSON(t testing.TB, r resp, v any) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}
	if err := json.NewDecoder(bytes.NewReader([]byte(r.body))).Decode(v); err != nil {
		t.Fatalf("decode: %v\n%s", err, r.body)
	}
}

func (f *fixture) award(id string) models.Award {
	f.t.Helper()
	a, err := f.st.Award(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fixture) states() map[models.AwardState]int {
	f.t.Helper()
	c, err := f.st.CountAwardsByState(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func fmtStates(c map[models.AwardState]int) string {
	var b strings.Builder
	for _, s := range models.AllAwardStates() {
		if c[s] > 0 {
			fmt.Fprintf(&b, "%s=%d ", s, c[s])
		}
	}
	return b.String()
}

func serveConfig() web.Config { return web.Config{Users: users()} }
