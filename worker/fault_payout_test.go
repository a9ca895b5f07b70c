package worker_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
)

// faultCase is one injected sandbox fault.
type faultCase struct {
	name  string
	fault paypalsandbox.Fault // Endpoint is set per point
}

func faultCases() []faultCase {
	return []faultCase{
		{"500_before", paypalsandbox.Fault{Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageBefore}},
		{"500_after", paypalsandbox.Fault{Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageAfter}},
		{"hang_after", paypalsandbox.Fault{Kind: paypalsandbox.FaultHang, Stage: paypalsandbox.StageAfter}},
		{"reset_after", paypalsandbox.Fault{Kind: paypalsandbox.FaultReset, Stage: paypalsandbox.StageAfter}},
		{"truncated", paypalsandbox.Fault{Kind: paypalsandbox.FaultTruncate}},
		{"html_502", paypalsandbox.Fault{Kind: paypalsandbox.FaultHTML502}},
		{"html_502_after", paypalsandbox.Fault{Kind: paypalsandbox.FaultHTML502, Stage: paypalsandbox.StageAfter}},
		{"rate_limit_429", paypalsandbox.Fault{Kind: paypalsandbox.FaultRateLimit, RetryAfterSeconds: 1}},
		{"token_revoked", paypalsandbox.Fault{Kind: paypalsandbox.FaultTokenRevoked}},
		{"duplicate_no_link", paypalsandbox.Fault{Kind: paypalsandbox.FaultDuplicateNoLink}},
	}
}

// Fault points: where in the exchange the fault hits.
const (
	pointCreate    = "create"    // the create call of a new attempt
	pointAdopt     = "adopt"     // the GET of the batch a duplicate answer links
	pointReconcile = "reconcile" // the GET of an accepted batch
)

// TestFaultMatrix injects every sandbox fault at every point of the
// exchange and drives the worker until it settles: each award must end
// paid with exactly one SUCCESS item in the sandbox (duplicate without a
// link: in needs_reconciliation, nothing paid twice), and the ledger must
// verify with nothing left in flight.
func TestFaultMatrix(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		for _, fc := range faultCases() {
			for _, point := range []string{pointCreate, pointAdopt, pointReconcile} {
				if fc.fault.Kind == paypalsandbox.FaultDuplicateNoLink && point != pointCreate {
					continue // only a create can answer a duplicate
				}
				t.Run(fc.name+"/"+point, func(t *testing.T) {
					t.Parallel()
					runFaultCase(t, engine, fc, point)
				})
			}
		}
	})
}

func runFaultCase(t *testing.T, engine string, fc faultCase, point string) {
	sb, base := startSandbox(t, paypalsandbox.Config{})
	st := newDB(t, engine).open(t)
	loadList(t, st)
	pp := newPayPal(t, sb, base, time.Second)
	r, _ := newRunner(t, st, pp, runnerOpts{})
	ids := importReports(t, st, "F", 3, 5000, "USD", false, nil)

	f := fc.fault
	f.Count = 2 // hit two of the three awards (or two calls)
	lostCreate := paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultError500,
		Stage: paypalsandbox.StageAfter, Count: 3}
	switch point {
	case pointCreate:
		f.Endpoint = paypalsandbox.EndpointCreate
		if f.Kind == paypalsandbox.FaultDuplicateNoLink {
			// A duplicate answer needs a batch created under the id first.
			if err := sb.InjectFault(lostCreate); err != nil {
				t.Fatal(err)
			}
		}
		if err := sb.InjectFault(f); err != nil {
			t.Fatal(err)
		}
	case pointAdopt:
		// Every create is stored but its answer lost; the resend gets the
		// duplicate answer and GETs the linked batch: the fault hits there.
		if err := sb.InjectFault(lostCreate); err != nil {
			t.Fatal(err)
		}
		ctx := ctxT(t, time.Minute)
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		f.Endpoint = paypalsandbox.EndpointGetBatch
		if err := sb.InjectFault(f); err != nil {
			t.Fatal(err)
		}
	case pointReconcile:
		ctx := ctxT(t, time.Minute)
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		sb.Advance(2 * time.Second)
		f.Endpoint = paypalsandbox.EndpointGetBatch
		if err := sb.InjectFault(f); err != nil {
			t.Fatal(err)
		}
	}

	if f.Kind == paypalsandbox.FaultDuplicateNoLink {
		// Sends run in parallel: which two get the link-less answer varies.
		count := func() (nr, paid int) {
			for _, s := range statesOf(t, st, ids) {
				switch s {
				case models.StateNeedsReconciliation:
					nr++
				case models.StatePaid:
					paid++
				}
			}
			return nr, paid
		}
		runUntil(t, r, sb, 10, func() bool { nr, paid := count(); return nr == 2 && paid == 1 })
		success, all := successItems(sb)
		for _, id := range ids {
			sid := payout.SenderItemID(id)
			if success[sid] > 1 || all[sid] != 1 {
				t.Errorf("award %s: %d SUCCESS, %d items", id, success[sid], all[sid])
			}
			a, err := st.Award(ctxT(t, 5*time.Second), id)
			if err != nil {
				t.Fatal(err)
			}
			atts, err := st.AttemptsForAward(ctxT(t, 5*time.Second), id)
			if a.State == models.StateNeedsReconciliation && (err != nil || len(atts) != 1 || atts[0].Status != models.AttemptManual) {
				t.Errorf("attempts of %s: %s", id, describe(atts, err))
			}
		}
		checkLedger(t, st)
		return
	}

	runUntil(t, r, sb, 10, func() bool { return allIn(t, st, ids, models.StatePaid) })
	if left := sb.Faults(); len(left) > 0 {
		t.Errorf("faults not consumed: %+v", left)
	}
	checkPaidOnce(t, sb, ids)
	bal := checkLedger(t, st)
	if v := bal[ledger.AccountInFlight]["USD"]; v != 0 {
		t.Errorf("in flight at the end: %d", v)
	}
	if v := -bal[ledger.AccountPayPal]["USD"]; v <= 3*5000 {
		t.Errorf("asset:paypal moved %d, want 3 payouts plus fees", v)
	}
	for _, id := range ids {
		atts, err := st.AttemptsForAward(ctxT(t, 5*time.Second), id)
		if err != nil || len(atts) != 1 || atts[0].Status != models.AttemptSettled || atts[0].TransactionStatus != "SUCCESS" {
			t.Errorf("attempts of %s: %s", id, describe(atts, err))
		}
	}
}

func describe(atts []models.Attempt, err error) string {
	if err != nil {
		return err.Error()
	}
	out := fmt.Sprintf("%d attempt(s):", len(atts))
	for _, a := range atts {
		out += fmt.Sprintf(" [%s %s %s subs=%d %s]", a.SenderBatchID, a.Status, a.TransactionStatus, a.Submissions, a.LastError)
	}
	return out
}
