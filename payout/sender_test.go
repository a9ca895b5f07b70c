package payout_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/store"
)

// fakePayPal answers every create with err.
type fakePayPal struct {
	err     error
	creates int
}

func (f *fakePayPal) CreateBatch(context.Context, paypal.Batch) (paypal.Created, error) {
	f.creates++
	return paypal.Created{}, f.err
}
func (f *fakePayPal) GetBatch(context.Context, string) (paypal.BatchStatus, error) {
	return paypal.BatchStatus{}, models.ErrNotFound
}
func (f *fakePayPal) GetItem(context.Context, string) (paypal.ItemStatus, error) {
	return paypal.ItemStatus{}, models.ErrNotFound
}
func (f *fakePayPal) CancelItem(context.Context, string) (paypal.ItemStatus, error) {
	return paypal.ItemStatus{}, models.ErrNotFound
}

// How each class of create error leaves the award and the attempt, and
// that only open attempts are ever sent again.
func TestSubmitClassification(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		out     payout.Outcome
		state   models.AwardState
		attempt models.AttemptStatus
	}{
		{"unrecognised business error", fmt.Errorf("create: USER_BUSINESS_ERROR: %w", models.ErrConflict), payout.OutcomeManual, models.StateNeedsReconciliation, models.AttemptManual},
		{"duplicate without link", fmt.Errorf("create: %w", paypal.ErrDuplicateNoLink), payout.OutcomeManual, models.StateNeedsReconciliation, models.AttemptManual},
		{"validation error", fmt.Errorf("create: VALIDATION_ERROR: %w", models.ErrInvalid), payout.OutcomeFailed, models.StateFailed, models.AttemptRejected},
		{"timeout", fmt.Errorf("create: %w", models.ErrTransient), payout.OutcomeUnknown, models.StateSending, models.AttemptUnknown},
		{"anything else", fmt.Errorf("create: something odd"), payout.OutcomeUnknown, models.StateSending, models.AttemptUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t, store.Config{DataDir: t.TempDir()})
			fp := &fakePayPal{err: tc.err}
			s := payout.NewSender(payout.Config{}, storeadapt.Payout(st), fp)
			id := clearedAward(t, st, "X-1", models.AwardMoney, usd(1000), "x@example.com")
			out, err := s.Send(ctxT(t), id)
			if err != nil || out != tc.out {
				t.Fatalf("Send: %s %v, want %s", out, err, tc.out)
			}
			wantState(t, st, id, tc.state)
			att, err := st.CurrentAttempt(ctxT(t), id, 1)
			if err != nil || att.Status != tc.attempt || att.Submissions != 1 || att.FirstSubmittedAt == nil {
				t.Fatalf("attempt %+v %v", att, err)
			}
			// Resubmitting: only unknown attempts are sent again.
			out, err = s.Submit(ctxT(t), att)
			if err != nil {
				t.Fatal(err)
			}
			wantCreates := 1
			if tc.attempt == models.AttemptUnknown {
				wantCreates = 2
			} else if out != payout.OutcomeSkipped {
				t.Errorf("resubmit of a %s attempt: %s", tc.attempt, out)
			}
			if fp.creates != wantCreates {
				t.Errorf("%d creates, want %d", fp.creates, wantCreates)
			}
			verify(t, st)
		})
	}
}
