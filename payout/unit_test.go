package payout_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/payout/paypal"
)

// Unit tests of the sender's rules on the in-memory store (memStore) and
// a scripted PayPal: no database, no network, milliseconds each.

// scriptedPayPal answers creates from a script (nil error = created).
type scriptedPayPal struct {
	fakePayPal
	answers []error
	batches []paypal.Batch
}

func (p *scriptedPayPal) CreateBatch(_ context.Context, b paypal.Batch) (paypal.Created, error) {
	p.creates++
	p.batches = append(p.batches, b)
	var err error
	if len(p.answers) > 0 {
		err, p.answers = p.answers[0], p.answers[1:]
	}
	if err != nil {
		return paypal.Created{}, err
	}
	return paypal.Created{BatchID: fmt.Sprintf("PB-%d", p.creates), SenderBatchID: b.SenderBatchID, Status: "PENDING"}, nil
}

var unitNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func unitFixture(t *testing.T, answers ...error) (*memStore, *scriptedPayPal, *payout.Sender, string) {
	t.Helper()
	ms := newMemStore(unitNow)
	pp := &scriptedPayPal{answers: answers}
	s := payout.NewSender(payout.Config{NowFunc: func() time.Time { return unitNow }}, ms, pp)
	a := models.Award{ID: "U-1/money", ReportID: "U-1", ResearcherID: "r-u", Kind: models.AwardMoney,
		Amount: models.Money{Minor: 12345, Currency: "USD"}}
	ms.addCleared(a, models.Researcher{ID: "r-u", Name: "Una", Country: "GB", PayPalReceiver: "una@example.com"})
	return ms, pp, s, a.ID
}

func memAward(t *testing.T, ms *memStore, id string) models.Award {
	t.Helper()
	a, err := ms.Award(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// What one send does with each answer: the attempt is written ahead with
// the frozen request, the ledger moves the amount to in flight, and the
// answer decides the attempt's status, by the tables.
func TestUnitSendOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answer  error
		out     payout.Outcome
		state   models.AwardState
		attempt models.AttemptStatus
	}{
		{"created", nil, payout.OutcomeAccepted, models.StateSent, models.AttemptAccepted},
		{"answer lost", fmt.Errorf("timeout: %w", models.ErrTransient), payout.OutcomeUnknown, models.StateSending, models.AttemptUnknown},
		{"refused", fmt.Errorf("VALIDATION_ERROR: %w", models.ErrInvalid), payout.OutcomeFailed, models.StateFailed, models.AttemptRejected},
		{"unexplained conflict", fmt.Errorf("USER_BUSINESS_ERROR: %w", models.ErrConflict), payout.OutcomeManual, models.StateNeedsReconciliation, models.AttemptManual},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, pp, s, id := unitFixture(t, tc.answer)
			out, err := s.Send(context.Background(), id)
			if err != nil || out != tc.out {
				t.Fatalf("Send: %s %v, want %s", out, err, tc.out)
			}
			if a := memAward(t, ms, id); a.State != tc.state || a.Attempt != 1 {
				t.Fatalf("award %s attempt %d, want %s", a.State, a.Attempt, tc.state)
			}
			att, err := ms.CurrentAttempt(context.Background(), id, 1)
			if err != nil || att.Status != tc.attempt || att.Receiver != "una@example.com" || att.PayeeVersion != 1 {
				t.Fatalf("attempt %+v %v", att, err)
			}
			if pp.creates != 1 || pp.batches[0].SenderBatchID != payout.SenderBatchID(id, 1) {
				t.Fatalf("creates %d %+v", pp.creates, pp.batches)
			}
			bal := ledger.NewVerifier()
			for _, e := range ms.entries() {
				if err := bal.Add(&e); err != nil {
					t.Fatal(err)
				}
			}
			if err := bal.Finish(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A resend repeats the frozen request exactly, under the same id, and only
// while the outcome is open.
func TestUnitResendIsIdentical(t *testing.T) {
	ms, pp, s, id := unitFixture(t, fmt.Errorf("reset: %w", models.ErrTransient))
	if _, err := s.Send(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	att, _ := ms.CurrentAttempt(context.Background(), id, 1)
	if out, err := s.Submit(context.Background(), att); err != nil || out != payout.OutcomeAccepted {
		t.Fatalf("resend: %s %v", out, err)
	}
	if pp.creates != 2 || fmt.Sprint(pp.batches[0]) != fmt.Sprint(pp.batches[1]) {
		t.Fatalf("resend differs: %+v", pp.batches)
	}
	att, _ = ms.CurrentAttempt(context.Background(), id, 1)
	if out, _ := s.Submit(context.Background(), att); out != payout.OutcomeSkipped || pp.creates != 2 {
		t.Fatalf("an accepted attempt was sent again: %s, %d creates", out, pp.creates)
	}
}

// The gate runs inside the write-ahead transaction: when it refuses,
// nothing is written and PayPal is not called; a pending payee change
// refuses even without a gate.
func TestUnitGateRefusesBeforeWriteAhead(t *testing.T) {
	ms, pp, s, id := unitFixture(t)
	s.SetGate(func(tx payout.Tx, a *models.Award) error {
		return fmt.Errorf("award %s: not screened for this payee version: %w", a.ID, models.ErrInvalid)
	})
	if _, err := s.Send(context.Background(), id); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("Send past a refusing gate: %v", err)
	}
	if a := memAward(t, ms, id); a.State != models.StateCleared || a.Attempt != 0 || pp.creates != 0 {
		t.Fatalf("award %s attempt %d, %d creates", a.State, a.Attempt, pp.creates)
	}

	ms2, pp2, s2, id2 := unitFixture(t)
	ms2.mu.Lock()
	ps := ms2.state.payees["r-u"]
	pending := ps.Active
	pending.Version, pending.Status, pending.PayPalReceiver = 2, models.PayeePending, "mallory@example.com"
	ps.Pending = &pending
	ms2.state.payees["r-u"] = ps
	ms2.mu.Unlock()
	if _, err := s2.Send(context.Background(), id2); !errors.Is(err, models.ErrInvalid) || pp2.creates != 0 {
		t.Fatalf("sent with a payee change pending: %v, %d creates", err, pp2.creates)
	}
}

// A database that is down changes nothing and calls nobody.
func TestUnitStoreDown(t *testing.T) {
	ms, pp, s, id := unitFixture(t)
	ms.Err = fmt.Errorf("connection refused: %w", models.ErrTransient)
	if _, err := s.Send(context.Background(), id); !errors.Is(err, models.ErrTransient) || pp.creates != 0 {
		t.Fatalf("Send with the database down: %v, %d creates", err, pp.creates)
	}
}

// Swag is handed over only to the payee version in force: a pending
// payee change holds it like a payment.
func TestUnitFulfilNeedsThePayeeInForce(t *testing.T) {
	ms := newMemStore(unitNow)
	s := payout.NewSender(payout.Config{NowFunc: func() time.Time { return unitNow }}, ms, nil)
	a := models.Award{ID: "U-2/other", ReportID: "U-2", ResearcherID: "r-o", Kind: models.AwardOther, Description: "hoodie"}
	ms.addCleared(a, models.Researcher{ID: "r-o", Name: "Otto", Country: "DE"})
	ms.mu.Lock()
	ps := ms.state.payees["r-o"]
	pending := ps.Active
	pending.Version, pending.Status = 2, models.PayeePending
	ps.Pending = &pending
	ms.state.payees["r-o"] = ps
	ms.mu.Unlock()
	if _, err := s.Fulfil(context.Background(), a.ID, "ann", "sent by post"); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("fulfilled with a payee change pending: %v", err)
	}
	ms.mu.Lock()
	ps.Pending = nil
	ms.state.payees["r-o"] = ps
	ms.mu.Unlock()
	if got, err := s.Fulfil(context.Background(), a.ID, "ann", "sent by post"); err != nil || got.State != models.StateFulfilled {
		t.Fatalf("fulfil: %s %v", got.State, err)
	}
}
