package worker_test

import (
	"testing"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/policy"
	"github.com/plex/bountypay/worker"
)

// TestStaleListStillResolvesOpenAttempts: when the sanctions list goes
// stale nothing new is sent, but an attempt already written ahead (and so
// screened) is resent until its outcome is known, and paid exactly once.
func TestStaleListStillResolvesOpenAttempts(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		sb, base := startSandbox(t, paypalsandbox.Config{})
		st := newDB(t, engine).open(t)
		loadList(t, st)
		pp := newPayPal(t, sb, base, time.Second)
		now := time.Now()
		clock := func() time.Time { return now }
		r, _ := newRunner(t, st, pp, runnerOpts{Worker: worker.Config{NowFunc: func() time.Time { return clock() }}})
		ids := importReports(t, st, "S", 1, 5000, "USD", false, nil)
		// The create is stored at PayPal but its answer is lost.
		if err := sb.InjectFault(paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate,
			Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageAfter, Count: 1}); err != nil {
			t.Fatal(err)
		}
		ctx := ctxT(t, time.Minute)
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got := statesOf(t, st, ids)[ids[0]]; got != models.StateSending {
			t.Fatalf("after a lost answer the award is %s, want sending", got)
		}
		// A new award arrives, then the list goes stale.
		more := importReports(t, st, "T", 1, 5000, "USD", false, nil)
		later := now.Add(worker.DefaultMaxListAge + time.Hour)
		clock = func() time.Time { return later }
		decider, _ := policy.Default()
		juris, _ := compliance.DefaultJurisdictions()
		sc := worker.NewScreening(worker.ScreeningConfig{ReviewThreshold: 0.9, NowFunc: func() time.Time { return later }},
			storeadapt.Worker(st), juris, clearListBuilder)
		r2 := worker.NewRunner(worker.Config{NowFunc: func() time.Time { return later }, PayPalConfigured: true,
			Logger: testLogger(t)}, storeadapt.Worker(st), decider, sc, payout.NewSender(payout.Config{Logger: testLogger(t)}, storeadapt.Payout(st), pp))
		res, err := r2.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.ListProblem == "" {
			t.Fatal("run should report the stale list")
		}
		runUntil(t, r2, sb, 20, func() bool { return allIn(t, st, ids, models.StatePaid) })
		checkPaidOnce(t, sb, ids)
		if got := statesOf(t, st, more)[more[0]]; got == models.StateSending || got == models.StatePaid || got == models.StateSent {
			t.Fatalf("a new award was sent with a stale list: %s", got)
		}
		checkLedger(t, st)
	})
}
