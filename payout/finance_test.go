package payout_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/payout/entitlement"
	"github.com/plex/bountypay/store"
)

// Every PayPal item status reaches its award state and ledger entry by
// polling; failed and returned awards get a new attempt only by an
// explicit retry; unclaimed ones can be cancelled and then retried.
func TestLifecycleByPolling(t *testing.T) {
	engines(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, fixtureOpts{})
		ok := clearedAward(t, st, "P-1", models.AwardMoney, usd(10000), "p1@example.com")
		unc := clearedAward(t, st, "P-2", models.AwardMoney, usd(10000), "p2+unclaimed@example.com")
		fail := clearedAward(t, st, "P-3", models.AwardMoney, usd(10000), "p3+locked@example.com")
		hold := clearedAward(t, st, "P-4", models.AwardMoney, usd(10000), "p4+onhold@example.com")
		blocked := clearedAward(t, st, "P-5", models.AwardMoney, usd(10000), "p5+blocked@example.com")
		for _, id := range []string{ok, unc, fail, hold, blocked} {
			f.send(t, id)
		}
		f.sb.Advance(2 * time.Second)
		f.reconcileAll(t)
		wantState(t, st, ok, models.StatePaid)
		wantState(t, st, unc, models.StateUnclaimed)
		wantState(t, st, fail, models.StateFailed)
		wantState(t, st, hold, models.StateOnHold)
		wantState(t, st, blocked, models.StateOnHold)
		if a, _ := st.Award(ctxT(t), blocked); !strings.Contains(a.Reason, "BLOCKED") {
			t.Errorf("on hold reason %q", a.Reason)
		}

		// Failed: no automatic resend; retry needs a person.
		f.reconcileAll(t)
		if n := len(f.itemsFor(fail)); n != 1 {
			t.Fatalf("failed award has %d items", n)
		}
		if _, err := f.sender.Retry(ctxT(t), fail, payout.RetryOptions{}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("retry without --by: %v", err)
		}
		if _, err := f.sender.Retry(ctxT(t), ok, payout.RetryOptions{By: "fin"}); !errors.Is(err, models.ErrConflict) {
			t.Errorf("retry of a paid award: %v", err)
		}
		f.sb.SetReceiver("p3+locked@example.com", paypalsandbox.BehaviourSuccess)
		a, err := f.sender.Retry(ctxT(t), fail, payout.RetryOptions{By: "fin", Reason: "account unlocked"})
		if err != nil || a.State != models.StateCleared {
			t.Fatalf("retry: %v %v", a.State, err)
		}
		att2, _ := f.send(t, fail)
		if att2.Attempt != 2 || att2.SenderBatchID != payout.SenderBatchID(fail, 2) {
			t.Errorf("attempt 2: %+v", att2)
		}

		// Unclaimed: cancel at PayPal, then returned, then retried.
		if _, err := f.sender.CancelUnclaimed(ctxT(t), ok, "fin"); !errors.Is(err, models.ErrConflict) {
			t.Errorf("cancel of a paid award: %v", err)
		}
		to, err := f.sender.CancelUnclaimed(ctxT(t), unc, "fin")
		if err != nil || to != models.StateReturned {
			t.Fatalf("cancel: %s %v", to, err)
		}
		if items := f.itemsFor(unc); len(items) != 1 || items[0].TransactionStatus != "RETURNED" {
			t.Errorf("items %s", describeItems(items))
		}
		f.sb.SetReceiver("p2+unclaimed@example.com", paypalsandbox.BehaviourSuccess)
		if _, err := f.sender.Retry(ctxT(t), unc, payout.RetryOptions{By: "fin", Rescreen: true}); err != nil {
			t.Fatal(err)
		}
		wantState(t, st, unc, models.StateReadyToScreen)

		// On hold released; reversed after success stays reversed.
		f.sb.ReleaseHold(f.itemsFor(hold)[0].PayoutItemID)
		f.sb.Advance(2 * time.Second)
		f.reconcileAll(t)
		wantState(t, st, hold, models.StatePaid)
		wantState(t, st, fail, models.StatePaid)
		if err := f.sb.Reverse(f.itemsFor(ok)[0].PayoutItemID); err != nil {
			t.Fatal(err)
		}
		f.reconcileAll(t) // the paid sweep: never polled since paid
		wantState(t, st, ok, models.StatePaid)
		// The sweep is rate-limited: it polls again after WatchPaidEvery.
		f2 := payout.NewSender(payout.Config{WatchPaidEvery: time.Nanosecond}, storeadapt.Payout(st), f.pp)
		atts, err := f2.AttemptsToPoll(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, att := range atts {
			if _, _, err := f2.Poll(ctxT(t), att); err != nil {
				t.Fatal(err)
			}
		}
		wantState(t, st, ok, models.StateReversed)
		if n := len(f.itemsFor(ok)); n != 1 {
			t.Errorf("reversed award has %d items", n)
		}

		bal := verify(t, st)
		if bal[ledger.AccountInFlight]["USD"] != -10000 { // the blocked one is still at PayPal
			t.Errorf("in flight %d", bal[ledger.AccountInFlight]["USD"])
		}
		// Reversed and returned money is owed again: payable, not paid.
		for _, id := range []string{ok, unc} {
			a, _ := st.Award(ctxT(t), id)
			if bal[ledger.Payable(a.ResearcherID)]["USD"] != -10000 {
				t.Errorf("%s payable %d", id, bal[ledger.Payable(a.ResearcherID)]["USD"])
			}
		}
	})
}

// The paid sweep only looks at SUCCESS items: a reversal found before
// any poll of SUCCESS records the payment and then the reversal.
func TestReversedBeforeSuccessSeen(t *testing.T) {
	st := openStore(t, store.Config{DataDir: t.TempDir()})
	f := newFixture(t, st, fixtureOpts{})
	id := clearedAward(t, st, "RV-1", models.AwardMoney, usd(3000), "rv1@example.com")
	f.send(t, id)
	f.sb.Advance(2 * time.Second)
	if err := f.sb.Refund(f.itemsFor(id)[0].PayoutItemID); err != nil {
		t.Fatal(err)
	}
	f.reconcileAll(t)
	wantState(t, st, id, models.StateReversed)
	entries, err := st.LedgerEntriesForAward(ctxT(t), id)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range entries {
		kinds = append(kinds, string(e.Kind))
	}
	got := strings.Join(kinds, ",")
	if !strings.Contains(got, "paid,reversed") {
		t.Errorf("ledger kinds %s", got)
	}
	verify(t, st)
}

// Unsupported currencies are refused before anything is written or sent.
func TestUnsupportedCurrencyRefusedBeforeSending(t *testing.T) {
	st := openStore(t, store.Config{DataDir: t.TempDir()})
	f := newFixture(t, st, fixtureOpts{})
	id := clearedAward(t, st, "C-1", models.AwardMoney, models.Money{Minor: 50000, Currency: "ZAR"}, "c1@example.com")
	if _, err := f.sender.StartMoney(ctxT(t), id); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("StartMoney ZAR: %v", err)
	}
	huf := clearedAward(t, st, "C-2", models.AwardMoney, models.Money{Minor: 150050, Currency: "HUF"}, "c2@example.com")
	if _, err := f.sender.StartMoney(ctxT(t), huf); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("StartMoney HUF with fractions: %v", err)
	}
	wantState(t, st, id, models.StateCleared)
	if n := len(f.sb.Requests()); n != 0 {
		t.Errorf("%d requests to PayPal", n)
	}
}

// An unknown attempt older than the resend horizon is never resent: it
// goes to manual reconciliation; finance resolves it with the batch it
// found, or asks to settle it as nothing sent, which within PayPal's
// deduplication window resends the frozen request once: here nothing
// existed, so that pays it once under the original sender_batch_id.
func TestResendHorizonAndResolve(t *testing.T) {
	engines(t, func(t *testing.T, st *store.Store) {
		now := time.Now()
		clock := func() time.Time { return now }
		f := newFixture(t, st, fixtureOpts{Payout: payout.Config{NowFunc: func() time.Time { return clock() }}})
		found := clearedAward(t, st, "H-1", models.AwardMoney, usd(1000), "h1@example.com")
		never := clearedAward(t, st, "H-2", models.AwardMoney, usd(1000), "h2@example.com")
		f.sb.InjectFault(
			paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageAfter},
			paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageBefore})
		att1, out1 := f.send(t, found)
		att2, out2 := f.send(t, never)
		if out1 != payout.OutcomeUnknown || out2 != payout.OutcomeUnknown {
			t.Fatalf("outcomes %s %s", out1, out2)
		}
		now = now.Add(21 * 24 * time.Hour)
		for _, att := range []models.Attempt{att1, att2} {
			out, err := f.sender.Submit(ctxT(t), att)
			if err != nil || out != payout.OutcomeManual {
				t.Fatalf("resubmit after 21 days: %s %v", out, err)
			}
		}
		wantState(t, st, found, models.StateNeedsReconciliation)
		wantState(t, st, never, models.StateNeedsReconciliation)
		creates := 0
		for _, r := range f.sb.Requests() {
			if r.Endpoint == paypalsandbox.EndpointCreate {
				creates++
			}
		}
		if creates != 2 {
			t.Errorf("%d creates, want 2 (no resend past the horizon)", creates)
		}
		batches := f.sb.Batches()
		if len(batches) != 1 {
			t.Fatalf("%d batches", len(batches))
		}
		if _, err := f.sender.Resolve(ctxT(t), found, payout.ResolveOptions{By: "fin", PayoutBatchID: "NOTTHEBATCH01"}); err == nil {
			t.Error("resolve with a wrong batch succeeded")
		}
		f.sb.Advance(2 * time.Second)
		to, err := f.sender.Resolve(ctxT(t), found, payout.ResolveOptions{By: "fin", PayoutBatchID: batches[0].PayoutBatchID})
		if err != nil || to != models.StatePaid {
			t.Fatalf("resolve found: %s %v", to, err)
		}
		to, err = f.sender.Resolve(ctxT(t), never, payout.ResolveOptions{By: "fin", NothingSent: true, Reason: "not in Transaction Search"})
		if !errors.Is(err, payout.ErrBatchLinked) || (to != models.StateSent && to != models.StatePaid) {
			t.Fatalf("resolve nothing sent within the window: %s %v", to, err)
		}
		f.sb.Advance(2 * time.Second)
		f.reconcileAll(t)
		wantState(t, st, never, models.StatePaid)
		if items := f.itemsFor(never); len(items) != 1 || items[0].SenderBatchID != payout.SenderBatchID(never, 1) {
			t.Errorf("items %s", describeItems(items))
		}
		verify(t, st)
	})
}

// Passes through the entitlement service: written ahead, unknown outcomes
// resent with the same grant id, granted exactly once.
func TestEntitlementGrantExactlyOnce(t *testing.T) {
	engines(t, func(t *testing.T, st *store.Store) {
		sbf := newFixture(t, st, fixtureOpts{})
		ec, err := entitlement.New(entitlement.Config{URL: sbf.base + "/sandbox/entitlements",
			Secret: paypalsandbox.DefaultEntitlementSecret, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		s := payout.NewSender(payout.Config{Granter: ec, LeaseFor: 2 * time.Second}, storeadapt.Payout(st), sbf.pp)
		ids := []string{
			clearedAward(t, st, "E-1", models.AwardPlexPass, models.Money{}, "e1@example.com"),
			clearedAward(t, st, "E-2", models.AwardPlexPass, models.Money{}, "e2@example.com"),
			clearedAward(t, st, "E-3", models.AwardPlexPass, models.Money{}, "e3@example.com"),
		}
		sbf.sb.InjectFault(
			paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointEntitlement, Kind: paypalsandbox.FaultReset, Stage: paypalsandbox.StageAfter},
			paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointEntitlement, Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageAfter},
			paypalsandbox.Fault{Endpoint: paypalsandbox.EndpointEntitlement, Kind: paypalsandbox.FaultHang, Stage: paypalsandbox.StageAfter})
		outs := map[payout.Outcome]int{}
		for _, id := range ids {
			out, err := s.Grant(ctxT(t), id)
			if err != nil {
				t.Fatal(err)
			}
			outs[out]++
		}
		if outs[payout.OutcomeUnknown] != 3 {
			t.Fatalf("outcomes %v, want 3 unknown", outs)
		}
		for i := 0; i < 5; i++ {
			open, err := st.OpenAttempts(ctxT(t), time.Now(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(open) == 0 {
				break
			}
			for _, att := range open {
				if _, err := s.Submit(ctxT(t), att); err != nil {
					t.Fatal(err)
				}
			}
		}
		seen := map[string]int{}
		for _, e := range sbf.sb.Entitlements() {
			seen[e.GrantID]++
		}
		for _, id := range ids {
			wantState(t, st, id, models.StateGranted)
			if n := seen[payout.GrantID(id, 1)]; n != 1 {
				t.Errorf("%s granted %d times", id, n)
			}
		}
		if len(seen) != 3 {
			t.Errorf("grants %v", seen)
		}
		verify(t, st)

		// A refused grant (4xx) fails the award; only a retry makes
		// attempt 2 with a new grant id.
		bad := clearedAward(t, st, "E-4+fail", models.AwardPlexPass, models.Money{}, "x@example.com")
		if out, err := s.Grant(ctxT(t), bad); err != nil || out != payout.OutcomeFailed {
			t.Fatalf("refused grant: %s %v", out, err)
		}
		wantState(t, st, bad, models.StateFailed)
		if _, err := s.Retry(ctxT(t), bad, payout.RetryOptions{By: "fin"}); err != nil {
			t.Fatal(err)
		}
		att, err := s.StartGrant(ctxT(t), bad)
		if err != nil || att.SenderBatchID != payout.GrantID(bad, 2) || att.Channel != payout.ChannelEntitlement {
			t.Fatalf("attempt 2: %+v %v", att, err)
		}
		verify(t, st)
	})
}
