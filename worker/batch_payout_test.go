package worker_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/worker"
)

// With batches smaller than the work, every step still walks everything
// in one run: 7 reports decided, 14 awards approved and screened, 7 paid
// and 7 passes granted; Rescreen walks every award too.
func TestRunWalksEveryStepInBatches(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		sb, base := startSandbox(t, paypalsandbox.Config{})
		st := newDB(t, engine).open(t)
		loadList(t, st)
		ids := importReports(t, st, "WB", 7, 2000, "USD", true, nil)
		if _, err := st.ImportPassCodes(context.Background(), "test", passCodes(7), "test"); err != nil {
			t.Fatal(err)
		}
		r, _ := newRunner(t, st, newPayPal(t, sb, base, time.Second), runnerOpts{Worker: worker.Config{BatchSize: 3}})
		res, err := r.RunOnce(ctxT(t, time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if res.ReportsDecided != 7 || res.AwardsCreated != 14 || res.Screened != 14 || res.Sent != 7 || res.Granted != 7 ||
			res.Errors != 0 || len(res.Stopped) != 0 {
			t.Fatalf("one run in batches of 3: %+v", res)
		}
		runUntil(t, r, sb, 5, func() bool { return allIn(t, st, ids, models.StatePaid) })
		checkPaidOnce(t, sb, ids)
		rep, err := r.Rescreen(ctxT(t, time.Minute))
		if err != nil || rep.Screened != 14 {
			t.Fatalf("rescreen in batches of 3: %+v, %v", rep, err)
		}
		checkLedger(t, st)
	})
}

// blockingPayPal holds every create call until its context ends, while
// blocked; otherwise it passes calls on.
type blockingPayPal struct {
	payout.PayPal
	blocked atomic.Bool
	mu      sync.Mutex
	creates []string // sender_batch_id of every create call
}

func (b *blockingPayPal) CreateBatch(ctx context.Context, batch paypal.Batch) (paypal.Created, error) {
	b.mu.Lock()
	b.creates = append(b.creates, batch.SenderBatchID)
	b.mu.Unlock()
	if b.blocked.Load() {
		<-ctx.Done()
		return paypal.Created{}, ctx.Err()
	}
	return b.PayPal.CreateBatch(ctx, batch)
}

func (b *blockingPayPal) created() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.creates...)
}

// A send batch that outlives BatchTimeout stops the send step for this
// run: counted and reported once, the awards of later batches untouched,
// the attempts of the stopped batch written ahead and resent identically
// by the next run, everything paid once.
func TestSendBatchTimeoutStopsTheStep(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		sb, base := startSandbox(t, paypalsandbox.Config{})
		st := newDB(t, engine).open(t)
		loadList(t, st)
		ids := importReports(t, st, "BT", 5, 1000, "USD", false, nil)
		// Cleared, with a kill switch run.
		killed, _ := newRunner(t, st, nil, runnerOpts{Worker: worker.Config{KillSwitch: true}})
		if _, err := killed.RunOnce(ctxT(t, time.Minute)); err != nil {
			t.Fatal(err)
		}
		if !allIn(t, st, ids, models.StateCleared) {
			t.Fatalf("not cleared: %v", statesOf(t, st, ids))
		}

		var offset atomic.Int64 // the workers' clock runs ahead of the wall clock by this
		clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		pp := &blockingPayPal{PayPal: newPayPal(t, sb, base, time.Second)}
		pp.blocked.Store(true)
		r, _ := newRunner(t, st, pp, runnerOpts{
			Worker: worker.Config{BatchSize: 2, BatchTimeout: 2 * time.Second, NowFunc: clock},
			Payout: payout.Config{NowFunc: clock}})
		res, err := r.RunOnce(ctxT(t, time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 1 || len(res.Stopped) != 1 || !strings.HasPrefix(res.Stopped[0], "send: batch 1 (2 records)") || res.Sent != 0 {
			t.Fatalf("timed-out run: errors %d, stopped %q, sent %d", res.Errors, res.Stopped, res.Sent)
		}
		first := pp.created()
		if len(first) != 2 {
			t.Fatalf("creates %v, want the first batch's two only", first)
		}
		states := statesOf(t, st, ids)
		sending, cleared := 0, 0
		for _, s := range states {
			switch s {
			case models.StateSending:
				sending++
			case models.StateCleared:
				cleared++
			}
		}
		if sending != 2 || cleared != 3 {
			t.Fatalf("states after the timeout: %v, want 2 sending (written ahead), 3 cleared", states)
		}
		if v := checkLedger(t, st)[ledger.AccountInFlight]["USD"]; v != 2000 && v != -2000 {
			t.Fatalf("in flight %d, want the two written-ahead attempts' 20.00", v)
		}

		// The next run, once the stopped attempts' leases ran out, resends
		// them identically first, then sends the rest.
		pp.blocked.Store(false)
		offset.Store(int64(time.Hour))
		res, err = r.RunOnce(ctxT(t, time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 5 || res.Errors != 0 || len(res.Stopped) != 0 {
			t.Fatalf("next run: sent %d, errors %d, stopped %q", res.Sent, res.Errors, res.Stopped)
		}
		again := pp.created()[len(first):]
		if len(again) != 5 || !sameSet(again[:2], first) {
			t.Fatalf("creates of the next run %v: want the resends %v first", again, first)
		}
		runUntil(t, r, sb, 5, func() bool { return allIn(t, st, ids, models.StatePaid) })
		checkPaidOnce(t, sb, ids)
		checkLedger(t, st)
	})
}

// markedNames flags every payee whose name contains marker.
type markedNames struct{ marker string }

func (m markedNames) Screen(q compliance.Query) compliance.Result {
	res := compliance.Result{Query: q.Name, Decision: models.DecisionClear, Algorithm: "test-marker"}
	if m.marker != "" && strings.Contains(q.Name, m.marker) {
		res.Decision, res.Score = models.DecisionReview, 0.97
		res.Matches = []compliance.Match{{ID: 4242, Source: "SDN", Name: "LISTED " + m.marker, Score: 0.97, ContentHash: "c1"}}
	}
	return res
}

// The dry run shows what the send's last checks would hold, writing
// nothing: an award whose screening no longer binds is screened again
// first (here: a new list), and the verdict and the payee gate say whether
// it would go.
func TestDryRunShowsScreeningAndPayeeGate(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		sb, base := startSandbox(t, paypalsandbox.Config{})
		st := newDB(t, engine).open(t)
		loadList(t, st)
		pp := newPayPal(t, sb, base, time.Second)
		lists := func(files map[string][]byte) (worker.NameScreener, error) {
			return markedNames{marker: string(files["marker"])}, nil
		}
		ids := importReports(t, st, "DG", 4, 1000, "USD", false, nil)
		killed, _ := newRunner(t, st, pp, runnerOpts{Worker: worker.Config{KillSwitch: true}, Lists: lists})
		if _, err := killed.RunOnce(ctxT(t, time.Minute)); err != nil {
			t.Fatal(err)
		}
		if !allIn(t, st, ids, models.StateCleared) {
			t.Fatalf("not cleared: %v", statesOf(t, st, ids))
		}
		ctx := ctxT(t, time.Minute)
		// DG-1's payee asks for a new receiver, not yet approved.
		if _, err := st.SetReceiver(ctx, "res-DG-1", "new-dg-1@example.com", "", "carol", "researcher asked by mail"); err != nil {
			t.Fatal(err)
		}
		// A new list names DG-3.
		if _, err := st.SaveList(ctx, models.ListVersion{SHA256: "test-list-2", Source: "test"},
			[]models.ListFile{{Name: "marker", Content: []byte("DG-3")}}, "cora"); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, st, sb)
		dry, _ := newRunner(t, st, pp, runnerOpts{Worker: worker.Config{DryRun: true, BatchSize: 3}, Lists: lists})
		res, err := dry.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, st, sb); after != before {
			t.Fatalf("dry run changed something:\nbefore %s\nafter  %s", before, after)
		}
		if n := countScreenings(t, st, ids); n != 4 {
			t.Fatalf("%d screenings stored, want the 4 of the kill switch run only", n)
		}
		would := map[string]bool{}
		for _, a := range res.WouldSend {
			would[a.ID] = true
		}
		if len(would) != 2 || !would[ids[1]] || !would[ids[3]] {
			t.Errorf("would send %v, want %s and %s", res.WouldSend, ids[1], ids[3])
		}
		if len(res.Plan) != 4 {
			t.Errorf("plan of %d steps, want one per cleared award: %+v", len(res.Plan), res.Plan)
		}
		waiting := strings.Join(res.Waiting, "\n")
		for _, want := range []string{
			ids[0] + ": the payee gate would stop it: award " + ids[0] + ": payee change to version 2 awaits approval",
			ids[1] + ": would screen again first (sanctions list changed: screened against test-list, now test-list-2), then send",
			ids[2] + ": would be held for review by screening",
		} {
			if !strings.Contains(waiting, want) {
				t.Errorf("waiting lacks %q:\n%s", want, waiting)
			}
		}

		// The real run does what the dry run said (the approval check puts
		// the award whose payee change waits back to awaiting approval).
		run, _ := newRunner(t, st, pp, runnerOpts{Lists: lists})
		if _, err = run.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		got := statesOf(t, st, ids)
		if got[ids[0]] != models.StateAwaitingApproval || got[ids[1]] != models.StateSent && got[ids[1]] != models.StatePaid ||
			got[ids[2]] != models.StateHeld || got[ids[3]] != models.StateSent && got[ids[3]] != models.StatePaid {
			t.Errorf("after the real run: %v", got)
		}
		checkLedger(t, st)
	})
}

// countScreenings counts the screenings of awards recorded in the ledger.
func countScreenings(t testing.TB, st *store.Store, ids []string) int {
	t.Helper()
	n := 0
	for _, id := range ids {
		err := st.InTx(context.Background(), func(tx *store.Tx) error {
			es, err := tx.AwardEntries(id, ledger.KindScreened)
			n += len(es)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
