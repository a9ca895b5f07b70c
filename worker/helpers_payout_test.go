package worker_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/internal/dbtest"
	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/policy"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/worker"
)

// Test fixtures for the payout tests: a sandbox PayPal, a store on either
// engine, and a runner wired like cmd/bountypay's, with a name screener
// that clears everyone (the real screener is compliance's business).

const (
	testClientID = "client-id"
	testSecret   = "s3cret-value"
)

// clearScreener clears every payee.
type clearScreener struct{}

func (clearScreener) Screen(q compliance.Query) compliance.Result {
	return compliance.Result{Query: q.Name, Decision: models.DecisionClear, Algorithm: "test-clear"}
}

func clearListBuilder(map[string][]byte) (worker.NameScreener, error) { return clearScreener{}, nil }

// dbConfig says which database a test uses (kept to open it again, as
// another process would).
type dbConfig struct {
	URL string // postgres
	Dir string // data directory (SQLite)
}

func newDB(t testing.TB, engine string) dbConfig {
	t.Helper()
	cfg := dbtest.Config(t, dbtest.Engine(engine))
	return dbConfig{URL: cfg.DatabaseURL, Dir: cfg.DataDir}
}

func (c dbConfig) open(t testing.TB) *store.Store {
	t.Helper()
	st := dbtest.OpenConfig(t, store.Config{DatabaseURL: c.URL, DataDir: c.Dir})
	seedIdentities(t, st)
	return st
}

// seedIdentities configures the people and services the tests act as:
// finance carol, dave and erin, compliance cora and colin, the triage
// service, and the admin who added them.
func seedIdentities(t testing.TB, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	ids := []models.Identity{
		{Name: "admin", Kind: models.KindPerson, Roles: []models.Role{models.RoleAdmin}},
		{Name: "carol", Kind: models.KindPerson, Roles: []models.Role{models.RoleFinance}},
		{Name: "dave", Kind: models.KindPerson, Roles: []models.Role{models.RoleFinance}},
		{Name: "erin", Kind: models.KindPerson, Roles: []models.Role{models.RoleFinance}},
		{Name: "cora", Kind: models.KindPerson, Roles: []models.Role{models.RoleCompliance}},
		{Name: "colin", Kind: models.KindPerson, Roles: []models.Role{models.RoleCompliance}},
		{Name: "triage", Kind: models.KindService, Roles: []models.Role{models.RoleImporter}},
	}
	for _, id := range ids {
		if err := st.PutIdentity(ctx, id, "admin"); err != nil {
			t.Fatalf("identity %s: %v", id.Name, err)
		}
	}
}

// engines runs fn on SQLite and PostgreSQL.
func engines(t *testing.T, fn func(t *testing.T, engine string)) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) { fn(t, string(e)) })
}

func startSandbox(t testing.TB, cfg paypalsandbox.Config) (*paypalsandbox.Sandbox, string) {
	t.Helper()
	cfg.ClientID, cfg.Secret = testClientID, testSecret
	sb := paypalsandbox.New(cfg)
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb, base
}

func newPayPal(t testing.TB, sb *paypalsandbox.Sandbox, base string, timeout time.Duration) *paypal.Client {
	t.Helper()
	c, err := paypal.NewClient(paypal.Config{
		ClientID: testClientID, Secret: testSecret, APIBase: base, Timeout: timeout,
		WebhookID: sb.WebhookID(), CertHosts: []string{"http://" + strings.TrimPrefix(base, "http://")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tlog sends a logger's output through t.Log.
type tlog struct{ t testing.TB }

func (w tlog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(tlog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// runnerOpts tune newRunner.
type runnerOpts struct {
	Worker  worker.Config
	Payout  payout.Config
	Timeout time.Duration // PayPal client timeout (default 1 s)
	// Lists builds the name screener of a list (default: clear everyone).
	Lists worker.ListBuilder
}

// newRunner wires a runner like cmd/bountypay's runner().
func newRunner(t testing.TB, st *store.Store, pp payout.PayPal, o runnerOpts) (*worker.Runner, *payout.Sender) {
	t.Helper()
	r, s, err := buildRunner(st, pp, o, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return r, s
}

func buildRunner(st *store.Store, pp payout.PayPal, o runnerOpts, log *slog.Logger) (*worker.Runner, *payout.Sender, error) {
	decider, err := policy.Default()
	if err != nil {
		return nil, nil, err
	}
	juris, err := compliance.DefaultJurisdictions()
	if err != nil {
		return nil, nil, err
	}
	pc := o.Payout
	if pc.LeaseFor == 0 {
		pc.LeaseFor = 3 * time.Second
	}
	pc.Logger = log
	sender := payout.NewSender(pc, storeadapt.Payout(st), pp)
	lists := o.Lists
	if lists == nil {
		lists = clearListBuilder
	}
	sc := worker.NewScreening(worker.ScreeningConfig{ReviewThreshold: 0.9}, storeadapt.Worker(st), juris, lists)
	wc := o.Worker
	wc.PayPalConfigured = pp != nil
	wc.Logger = log
	return worker.NewRunner(wc, storeadapt.Worker(st), decider, sc, sender), sender, nil
}

// testListSHA is the sha256 the tests' fake list stands under.
const testListSHA = "test-list"

// loadList makes a (fake) sanctions list current so that screening runs.
func loadList(t testing.TB, st *store.Store) {
	t.Helper()
	if _, err := st.CurrentList(context.Background()); err == nil {
		return
	}
	if _, err := st.SaveList(context.Background(), models.ListVersion{SHA256: testListSHA, Source: "test"}, nil, "test"); err != nil {
		t.Fatal(err)
	}
}

// importReports imports n approved reports, each earning money (amount
// minor units of cur) and, with pass, a Plex Pass. Report ids are
// prefix-1 … prefix-n; receivers r-<i>@example.com unless receiver says
// otherwise.
func importReports(t testing.TB, st *store.Store, prefix string, n int, amount int64, cur string, pass bool, receiver func(i int) string) []string {
	t.Helper()
	recs := make([]models.ImportRecord, 0, n)
	ids := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("%s-%d", prefix, i)
		rcv := fmt.Sprintf("r-%s-%d@example.com", strings.ToLower(prefix), i)
		if receiver != nil {
			rcv = receiver(i)
		}
		rep := models.Report{ID: id, Title: "finding " + id, Category: models.CategoryXSS, Severity: models.SeverityHigh,
			Status: models.ReportApproved, Reproduced: true, ApprovedBy: "triage",
			ApprovedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
			Researcher: models.Researcher{ID: "res-" + id, Name: "Researcher " + id, Email: rcv, Country: "GB",
				PayPalReceiver: rcv, PlexAccount: "plex-" + id},
			Reward: &models.Reward{Money: &models.Money{Minor: amount, Currency: cur}, PlexPass: pass}}
		recs = append(recs, models.ImportRecord{Report: rep, ContentHash: "h-" + id, Line: i})
		ids = append(ids, models.AwardID(id, models.AwardMoney))
	}
	if _, err := st.ImportReports(context.Background(), prefix+".jsonl", recs, "triage"); err != nil {
		t.Fatal(err)
	}
	return ids
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// runUntil runs the runner (advancing the sandbox clock past processing
// between runs) until done reports true, at most max times.
func runUntil(t testing.TB, r *worker.Runner, sb *paypalsandbox.Sandbox, max int, done func() bool) {
	t.Helper()
	for i := 0; i < max; i++ {
		if _, err := r.RunOnce(ctxT(t, time.Minute)); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if done() {
			return
		}
		sb.Advance(2 * time.Second)
	}
	t.Fatalf("not done after %d runs", max)
}

// statesOf returns the awards' states.
func statesOf(t testing.TB, st *store.Store, ids []string) map[string]models.AwardState {
	t.Helper()
	out := map[string]models.AwardState{}
	for _, id := range ids {
		a, err := st.Award(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = a.State
	}
	return out
}

func allIn(t testing.TB, st *store.Store, ids []string, want models.AwardState) bool {
	for _, s := range statesOf(t, st, ids) {
		if s != want {
			return false
		}
	}
	return true
}

// successItems counts SUCCESS items in the sandbox per sender_item_id, and
// all items per sender_item_id.
func successItems(sb *paypalsandbox.Sandbox) (success, all map[string]int) {
	success, all = map[string]int{}, map[string]int{}
	for _, it := range sb.Items() {
		all[it.SenderItemID]++
		if it.TransactionStatus == "SUCCESS" {
			success[it.SenderItemID]++
		}
	}
	return success, all
}

// checkPaidOnce fails unless every award has exactly one SUCCESS item and
// no award has more than one item in total.
func checkPaidOnce(t testing.TB, sb *paypalsandbox.Sandbox, ids []string) {
	t.Helper()
	success, all := successItems(sb)
	for _, id := range ids {
		sid := payout.SenderItemID(id)
		if success[sid] != 1 || all[sid] != 1 {
			t.Errorf("award %s: %d SUCCESS item(s), %d item(s) in the sandbox, want exactly 1", id, success[sid], all[sid])
		}
	}
}

// checkLedger verifies the chain and balances and returns the balances.
func checkLedger(t testing.TB, st *store.Store) ledger.Balances {
	t.Helper()
	v, err := st.VerifyLedger(context.Background())
	if err != nil {
		t.Fatalf("ledger does not verify: %v", err)
	}
	return v.Balances
}
