package payout_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/dbtest"
	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/internal/pgtest"
	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	clientID = "client-id"
	secret   = "s3cret-value"
)

// engines runs fn on a fresh SQLite store and a fresh PostgreSQL one.
func engines(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) { fn(t, dbtest.Open(t, e, dbtest.Options{})) })
}

func openStore(t testing.TB, cfg store.Config) *store.Store { return dbtest.OpenConfig(t, cfg) }

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fixture is a sandbox PayPal, a client and a sender over a store.
type fixture struct {
	sb     *paypalsandbox.Sandbox
	base   string
	pp     *paypal.Client
	st     *store.Store
	sender *payout.Sender
	hook   *payout.WebhookHandler
	// deliveries records what the webhook endpoint received.
	mu         sync.Mutex
	deliveries []delivery
	hookSrv    *httptest.Server
}

type delivery struct {
	header http.Header
	body   []byte
	status int
}

type fixtureOpts struct {
	Sandbox  paypalsandbox.Config
	Payout   payout.Config
	Webhooks bool // register the handler with the sandbox
}

func newFixture(t *testing.T, st *store.Store, o fixtureOpts) *fixture {
	t.Helper()
	f := &fixture{st: st}
	cfg := o.Sandbox
	cfg.ClientID, cfg.Secret = clientID, secret
	f.sb = paypalsandbox.New(cfg)
	base, err := f.sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.sb.Close() })
	f.base = base
	f.pp, err = paypal.NewClient(paypal.Config{ClientID: clientID, Secret: secret, APIBase: base,
		Timeout: 2 * time.Second, WebhookID: f.sb.WebhookID(),
		CertHosts: []string{"http://" + strings.TrimPrefix(base, "http://")}})
	if err != nil {
		t.Fatal(err)
	}
	pc := o.Payout
	pc.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if pc.LeaseFor == 0 {
		pc.LeaseFor = 5 * time.Second
	}
	f.sender = payout.NewSender(pc, storeadapt.Payout(st), f.pp)
	f.hook = payout.NewWebhookHandler(f.sender, f.pp, nil)
	f.hookSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		rec := httptest.NewRecorder()
		f.hook.ServeHTTP(rec, r)
		f.mu.Lock()
		f.deliveries = append(f.deliveries, delivery{header: r.Header.Clone(), body: body, status: rec.Code})
		f.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(f.hookSrv.Close)
	if o.Webhooks {
		if h := f.sb.AddWebhook(f.hookSrv.URL); h.ID != f.sb.WebhookID() {
			t.Fatalf("webhook id %s, want %s", h.ID, f.sb.WebhookID())
		}
	}
	return f
}

func (f *fixture) received() []delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]delivery(nil), f.deliveries...)
}

// settle moves the sandbox past processing and waits for its webhooks.
func (f *fixture) settle(t *testing.T) {
	t.Helper()
	f.sb.Advance(2 * time.Second)
	if err := f.sb.WaitIdle(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// clearedAward stores a report and a cleared award of kind k directly
// (decided, ready, screened clear) and returns the award id.
func clearedAward(t testing.TB, st *store.Store, reportID string, k models.AwardKind, amount models.Money, receiver string) string {
	t.Helper()
	ctx := context.Background()
	rep := models.Report{ID: reportID, Title: "t", Category: models.CategoryXSS, Severity: models.SeverityHigh,
		Status: models.ReportApproved, Reproduced: true, ApprovedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Researcher: models.Researcher{ID: "res-" + reportID, Name: "R " + reportID, Email: receiver, Country: "GB",
			PayPalReceiver: receiver, PlexAccount: "plex-" + reportID}}
	if _, err := st.ImportReports(ctx, "f", []models.ImportRecord{{Report: rep, ContentHash: "h-" + reportID}}, "triage"); err != nil {
		t.Fatal(err)
	}
	a := models.Award{ID: models.AwardID(reportID, k), ReportID: reportID, ResearcherID: rep.Researcher.ID, Kind: k,
		State: models.StatePending, PolicyVersion: "test"}
	if k == models.AwardMoney {
		a.Amount = amount
	}
	err := st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.MarkDecided(reportID, "awarded", "", "test"); err != nil {
			return err
		}
		now := tx.Now()
		if err := tx.InsertAward(&a, ledger.Draft{IdempotencyKey: "award/" + a.ID + "/decided", Kind: ledger.KindAwardDecided,
			Actor: "test", EffectiveAt: now, Postings: ledger.DecidedPostings(&a)}); err != nil {
			return err
		}
		if err := tx.Transition(&a, models.StateReadyToScreen, "", ledger.Draft{IdempotencyKey: "award/" + a.ID + "/ready",
			Actor: "test", EffectiveAt: now}, nil); err != nil {
			return err
		}
		return tx.Transition(&a, models.StateCleared, "", ledger.Draft{IdempotencyKey: "award/" + a.ID + "/cleared",
			Kind: ledger.KindScreened, Actor: "test", EffectiveAt: now}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func usd(minor int64) models.Money { return models.Money{Minor: minor, Currency: "USD"} }

// send starts and submits a money award and returns its attempt.
func (f *fixture) send(t *testing.T, awardID string) (models.Attempt, payout.Outcome) {
	t.Helper()
	att, err := f.sender.StartMoney(ctxT(t), awardID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.sender.Submit(ctxT(t), att)
	if err != nil {
		t.Fatal(err)
	}
	return att, out
}

// reconcileAll polls every attempt due.
func (f *fixture) reconcileAll(t *testing.T) {
	t.Helper()
	atts, err := f.sender.AttemptsToPoll(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, att := range atts {
		if _, _, err := f.sender.Poll(ctxT(t), att); err != nil {
			t.Fatal(err)
		}
	}
}

func state(t testing.TB, st *store.Store, id string) models.AwardState {
	t.Helper()
	a, err := st.Award(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.State
}

func wantState(t testing.TB, st *store.Store, id string, want models.AwardState) {
	t.Helper()
	if got := state(t, st, id); got != want {
		a, _ := st.Award(context.Background(), id)
		t.Fatalf("award %s is %s (%s), want %s", id, got, a.Reason, want)
	}
}

func verify(t testing.TB, st *store.Store) ledger.Balances {
	t.Helper()
	v, err := st.VerifyLedger(context.Background())
	if err != nil {
		t.Fatalf("ledger: %v", err)
	}
	return v.Balances
}

// itemsFor returns the sandbox's items of an award.
func (f *fixture) itemsFor(awardID string) []paypalsandbox.Item {
	var out []paypalsandbox.Item
	for _, it := range f.sb.Items() {
		if it.SenderItemID == payout.SenderItemID(awardID) {
			out = append(out, it)
		}
	}
	return out
}

func describeItems(items []paypalsandbox.Item) string {
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "[%s %s %s] ", it.SenderBatchID, it.PayoutItemID, it.TransactionStatus)
	}
	return b.String()
}
