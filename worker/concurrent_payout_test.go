package worker_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/worker"
)

// Two workers, each with its own database connection pool, run at the
// same time against one database and one PayPal: every award is paid
// exactly once. PayPal answers slowly and loses some answers, so that the
// two meet on the same attempts.
func TestTwoWorkersPayOnce(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		sb, base := startSandbox(t, paypalsandbox.Config{})
		slow := slowProxy(t, base, time.Millisecond, 10*time.Millisecond)
		db := newDB(t, engine)
		st1, st2 := db.open(t), db.open(t)
		loadList(t, st1)
		ids := importReports(t, st1, "TW", 60, 2000, "USD", true, nil)
		sb.InjectFault(paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultError500,
			Stage: paypalsandbox.StageAfter, Count: 10})
		if _, err := st1.ImportPassCodes(context.Background(), "test", passCodes(60), "test"); err != nil {
			t.Fatal(err)
		}
		pp1 := newPayPal(t, sb, slow, 2*time.Second)
		pp2 := newPayPal(t, sb, slow, 2*time.Second)
		r1, _ := newRunner(t, st1, pp1, runnerOpts{})
		r2, _ := newRunner(t, st2, pp2, runnerOpts{})

		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for _, r := range []*worker.Runner{r1, r2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 6; i++ {
					if _, err := r.RunOnce(ctxT(t, time.Minute)); err != nil {
						errs <- err
						return
					}
					sb.Advance(2 * time.Second)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		runUntil(t, r1, sb, 5, func() bool { return allIn(t, st1, ids, models.StatePaid) })
		checkPaidOnce(t, sb, ids)

		// Passes: each granted once, each with its own code.
		passes := make([]string, len(ids))
		for i, id := range ids {
			passes[i] = strings.Replace(id, "/money", "/plex_pass", 1)
		}
		if !allIn(t, st1, passes, models.StateGranted) {
			t.Errorf("passes: %v", statesOf(t, st1, passes))
		}
		free, assigned, err := st1.PassCodeCounts(context.Background())
		if err != nil || assigned != int64(len(passes)) || free != 0 {
			t.Errorf("pass codes: %d free, %d assigned, %v", free, assigned, err)
		}
		bal := checkLedger(t, st1)
		if v := bal[ledger.AccountInFlight]["USD"]; v != 0 {
			t.Errorf("in flight %d", v)
		}
	})
}

func passCodes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("PLEX-GIFT-%04d", i)
	}
	return out
}

// --dry-run shows what would be sent (new sends and resends, with the
// safety switches applied) and sends and changes nothing.
func TestDryRunSendsNothing(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		sb, base := startSandbox(t, paypalsandbox.Config{})
		st := newDB(t, engine).open(t)
		loadList(t, st)
		pp := newPayPal(t, sb, base, time.Second)
		// Get awards to cleared (and one open attempt) with a kill switch
		// run, then look at them with a dry run.
		ids := importReports(t, st, "D", 4, 1000, "USD", false, nil)
		// Cleared directly: the policy's maker-checker would hold these.
		big := clearedAwardsOf(t, st, "DB", 1, models.Money{Minor: 5_000_000, Currency: "USD"})
		zar := clearedAwardsOf(t, st, "DZ", 1, models.Money{Minor: 1000, Currency: "ZAR"})
		// Approvals from 1,000,000.00 in any currency: maker-checker is not
		// what this test is about.
		noApprovals := worker.ApprovalConfig{Thresholds: map[string]int64{worker.AnyCurrency: 100_000_000}}
		killed, _ := newRunner(t, st, pp, runnerOpts{Worker: worker.Config{KillSwitch: true, Approval: noApprovals}})
		res, err := killed.RunOnce(ctxT(t, time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 0 || len(res.Waiting) != 6 {
			t.Fatalf("kill switch run: sent %d, waiting %v", res.Sent, res.Waiting)
		}
		if n := len(sb.Requests()); n != 0 {
			t.Fatalf("kill switch: %d PayPal requests", n)
		}
		// One award gets an attempt whose answer is lost.
		sb.InjectFault(paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultError500})
		one, _ := newRunner(t, st, pp, runnerOpts{Worker: worker.Config{RunCap: map[string]int64{"USD": 1000}, Approval: noApprovals}})
		if _, err := one.RunOnce(ctxT(t, time.Minute)); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, st, sb)

		dry, _ := newRunner(t, st, pp, runnerOpts{Worker: worker.Config{DryRun: true, Approval: noApprovals,
			MaxItem: map[string]int64{"USD": 2_000_000}, RunCap: map[string]int64{"USD": 3000}}})
		res, err = dry.RunOnce(ctxT(t, time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, st, sb); after != before {
			t.Fatalf("dry run changed something:\nbefore %s\nafter  %s", before, after)
		}
		would := map[string]bool{}
		for _, a := range res.WouldSend {
			would[a.ID] = true
		}
		// The open attempt is resent, then two new ones fit the 30.00 cap.
		if len(res.WouldSend) != 3 || !would[ids[0]] {
			t.Errorf("would send %v", res.WouldSend)
		}
		waiting := strings.Join(res.Waiting, "\n")
		for _, want := range []string{ids[0] + ": would resend attempt 1", ids[3] + ": per-run cap",
			big[0] + ": 50000.00 USD is above the per-item maximum", zar[0] + ": refused before sending"} {
			if !strings.Contains(waiting, want) {
				t.Errorf("waiting lacks %q:\n%s", want, waiting)
			}
		}
	})
}

// snapshot summarises everything a run could change.
func snapshot(t testing.TB, st interface {
	CountAwardsByState(context.Context) (map[models.AwardState]int, error)
}, sb *paypalsandbox.Sandbox) string {
	counts, err := st.CountAwardsByState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	creates := 0
	for _, r := range sb.Requests() {
		if r.Endpoint == paypalsandbox.EndpointCreate {
			creates++
		}
	}
	return fmt.Sprintf("%v creates=%d items=%d", counts, creates, len(sb.Items()))
}
