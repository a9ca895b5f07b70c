package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/store"
)

// Property: random sequences of award events, driven through the real
// store and the one transition table, keep every balance where the award
// states say the value is, and the chain valid.

type loc int

const (
	locPayable loc = iota
	locInFlight
	locPaid
	locBlocked
	locStock
	locGone // cancelled
)

func where(a *models.Award) loc {
	switch a.State {
	case models.StateSent, models.StateUnclaimed, models.StateOnHold, models.StateNeedsReconciliation:
		return locInFlight
	case models.StateSending:
		if a.Kind == models.AwardMoney {
			return locInFlight
		}
		return locPayable
	case models.StatePaid:
		return locPaid
	case models.StateBlocked:
		return locBlocked
	case models.StateGranted, models.StateFulfilled:
		return locStock
	case models.StateCancelled, models.StateRejected:
		return locGone
	}
	return locPayable
}

func TestPropertyRandomAwardEvents(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			financeEngines(t, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), func(t *testing.T, s *store.Store, c *clock) {
				propertyRun(t, s, c, rand.New(rand.NewPCG(seed, 99)), 150)
			})
		})
	}
}

func propertyRun(t *testing.T, s *store.Store, c *clock, rng *rand.Rand, steps int) {
	ctx := context.Background()
	corr := payout.NewSender(payout.Config{NowFunc: c.Now}, storeadapt.Payout(s), nil) // finance's corrections
	if _, err := s.ImportReports(ctx, "a", []models.ImportRecord{{Report: report("R-1"), ContentHash: "h"}}, "triage"); err != nil {
		t.Fatal(err)
	}
	var ids []string
	fees := map[string]int64{}
	for i := range 8 {
		kind := []models.AwardKind{models.AwardMoney, models.AwardMoney, models.AwardPlexPass, models.AwardOther}[i%4]
		a := models.Award{ID: fmt.Sprintf("A-%d/%s", i, kind), ReportID: "R-1", ResearcherID: fmt.Sprintf("r%d", i%3),
			Kind: kind, State: models.StatePending, PolicyVersion: "p1"}
		if kind == models.AwardMoney {
			a.Amount = models.Money{Minor: int64(1000 + rng.IntN(500000)), Currency: []string{"USD", "EUR"}[i%2]}
		}
		if _, err := s.Researcher(ctx, a.ResearcherID); errors.Is(err, models.ErrNotFound) {
			rep := report(fmt.Sprintf("R-X%d", i))
			rep.Researcher.ID = a.ResearcherID
			if _, err := s.ImportReports(ctx, "b", []models.ImportRecord{{Report: rep, ContentHash: "h" + rep.ID}}, "triage"); err != nil {
				t.Fatal(err)
			}
		}
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.InsertAward(&a, ledger.Draft{IdempotencyKey: "award/" + a.ID + "/decided", Kind: ledger.KindAwardDecided,
				Actor: "policy", EffectiveAt: tx.Now(), Postings: ledger.DecidedPostings(&a)})
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	for step := range steps {
		c.Set(c.Now().Add(time.Duration(rng.IntN(3600)) * time.Second))
		id := ids[rng.IntN(len(ids))]
		a, err := s.Award(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// Sometimes finance adjusts a money award before sending.
		if a.Kind == models.AwardMoney && rng.IntN(6) == 0 {
			m := models.Money{Minor: int64(1 + rng.IntN(600000)), Currency: a.Amount.Currency}
			_, err := corr.Adjust(ctx, id, m, "finance", "property test")
			switch a.State {
			case models.StatePending, models.StateAwaitingApproval, models.StateReadyToScreen, models.StateCleared:
				if err != nil && !(m.Minor == a.Amount.Minor && errors.Is(err, models.ErrInvalid)) {
					t.Fatalf("step %d: adjust %s in %s: %v", step, id, a.State, err)
				}
			default:
				if err == nil {
					t.Fatalf("step %d: adjusted %s in %s", step, id, a.State)
				}
			}
			continue
		}
		var next []models.AwardState
		for _, to := range models.AllAwardStates() {
			if !models.CanTransition(a.State, to) {
				continue
			}
			if a.Kind != models.AwardMoney && a.State == models.StateSending && to != models.StateGranted && to != models.StateFulfilled {
				continue // passes and other rewards are handed over, not sent through PayPal
			}
			if a.Kind == models.AwardMoney && (to == models.StateGranted || to == models.StateFulfilled) {
				continue
			}
			if a.Kind == models.AwardPlexPass && to == models.StateFulfilled || a.Kind == models.AwardOther && to == models.StateGranted {
				continue
			}
			next = append(next, to)
		}
		if len(next) == 0 {
			continue
		}
		to := next[rng.IntN(len(next))]
		if to == models.StateCancelled {
			_, err := corr.Cancel(ctx, id, "finance", "property test")
			if where(&a) == locInFlight {
				if !errors.Is(err, models.ErrConflict) {
					t.Fatalf("step %d: cancelling %s with money in flight: %v", step, id, err)
				}
			} else if err != nil {
				t.Fatalf("step %d: cancel %s from %s: %v", step, id, a.State, err)
			}
			continue
		}
		// The production posting rule books the change; the location model
		// (where) is the independent oracle checkBalances compares with.
		target := a
		target.State = to
		kind := ledger.KindStateChanged
		data := map[string]string{}
		switch from, dest := where(&a), where(&target); {
		case from == dest:
		case from == locPayable && dest == locInFlight:
			kind = ledger.KindSendStarted
		case from == locInFlight && dest == locPayable:
			kind = ledger.KindSendVoided
		case from == locInFlight && dest == locPaid:
			fee := int64(rng.IntN(300))
			fees[a.Amount.Currency] += fee
			kind, data["fee"] = ledger.KindPaid, fmt.Sprint(fee)
		case from == locPaid && dest == locPayable:
			kind = ledger.KindReversed
		case from == locPayable && dest == locBlocked:
			kind = ledger.KindBlocked
		case from == locPayable && dest == locGone: // pending -> rejected reverses the reserve
			kind = ledger.KindCancelled
		case from == locPayable && dest == locStock:
			kind = ledger.KindGranted
		default:
			t.Fatalf("step %d: %s %s -> %s moves value %d -> %d: the oracle has no location for it", step, id, a.State, to, from, dest)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Transition(&a, to, "", ledger.Draft{IdempotencyKey: fmt.Sprintf("award/%s/step/%d", id, step),
				Kind: kind, Actor: "bountypay", EffectiveAt: tx.Now(), Data: data}, nil)
		})
		if err != nil {
			t.Fatalf("step %d: %s %s -> %s: %v", step, id, a.State, to, err)
		}
		if step%25 == 0 {
			checkBalances(t, s, ids, fees)
		}
	}
	checkBalances(t, s, ids, fees)
	// Export → verify round trip of what the property built.
	var buf bytes.Buffer
	if err := s.EachEntrySeq(ctx, 1, 0, func(e ledger.Entry) error { return ledger.WriteJSONL(&buf, &e) }); err != nil {
		t.Fatal(err)
	}
	v := ledger.NewVerifier()
	if err := ledger.VerifyJSONL(ctx, &buf, v); err != nil {
		t.Fatal(err)
	}
	if err := v.Finish(); err != nil {
		t.Fatal(err)
	}
}

// checkBalances: the ledger verifies, and every account holds exactly the
// value the award states put there.
func checkBalances(t *testing.T, s *store.Store, ids []string, fees map[string]int64) {
	t.Helper()
	ctx := context.Background()
	v, err := s.VerifyLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := ledger.Balances{}
	add := func(acct, asset string, x int64) {
		if want[acct] == nil {
			want[acct] = map[string]int64{}
		}
		want[acct][asset] += x
	}
	for _, id := range ids {
		a, err := s.Award(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		n := int64(1)
		if a.Kind == models.AwardMoney {
			n = a.Amount.Minor
		}
		asset := a.Asset()
		l := where(&a)
		if l == locGone {
			continue
		}
		add(ledger.AccountBounties, asset, n)
		switch l {
		case locPayable:
			add(ledger.Payable(a.ResearcherID), asset, -n)
		case locInFlight:
			add(ledger.AccountInFlight, asset, -n)
		case locPaid:
			add(ledger.AccountPayPal, asset, -n)
		case locBlocked:
			add(ledger.Blocked(a.ResearcherID), asset, -n)
		case locStock:
			acct := ledger.AccountPassCodes
			if a.Kind == models.AwardOther {
				acct = ledger.AccountOtherRewards
			}
			add(acct, asset, -n)
		}
	}
	for cur, f := range fees {
		if f > 0 {
			add(ledger.AccountPayPalFees, cur, f)
			add(ledger.AccountPayPal, cur, -f)
		}
	}
	if diff := ledger.DiffBalances(want.Clone(), v.Balances.Clone()); diff != "" {
		t.Fatalf("balances disagree with award states: %s", diff)
	}
}
