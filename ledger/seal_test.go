package ledger_test

import (
	"errors"
	"testing"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// The monthly close: a month is sealed once, after it ends, and nothing is
// booked inside it afterwards.
func TestSealRules(t *testing.T) {
	oct := ledger.Period{Year: 2026, Month: time.October}
	nov := ledger.Period{Year: 2026, Month: time.November}
	open := ledger.Head{}
	sealedOct := ledger.Head{SealedThrough: oct.End()}
	midNov := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		p    ledger.Period
		h    ledger.Head
		now  time.Time
		want error
	}{
		{"ended month", oct, open, midNov, nil},
		{"month not ended", nov, open, midNov, models.ErrInvalid},
		{"already sealed", oct, sealedOct, midNov, ledger.ErrSealed},
		{"earlier than the last seal", ledger.Period{Year: 2026, Month: time.September}, sealedOct, midNov, ledger.ErrSealed},
		{"next month after it ends", nov, sealedOct, nov.End(), nil},
	} {
		if err := ledger.CanSeal(tc.p, tc.h, tc.now); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: CanSeal(%s) = %v, want %v", tc.name, tc.p, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name string
		d    ledger.Draft
		want error
	}{
		{"entry in the open period", ledger.Draft{IdempotencyKey: "a", EffectiveAt: midNov}, nil},
		{"entry at the seal's end", ledger.Draft{IdempotencyKey: "b", EffectiveAt: oct.End()}, nil},
		{"entry inside the sealed month", ledger.Draft{IdempotencyKey: "c", EffectiveAt: oct.End().Add(-time.Second)}, ledger.ErrSealed},
		{"seal of the sealed month again", ledger.Draft{IdempotencyKey: "d", Kind: ledger.KindSeal, EffectiveAt: oct.End()}, ledger.ErrSealed},
		{"seal of a later month", ledger.Draft{IdempotencyKey: "e", Kind: ledger.KindSeal, EffectiveAt: nov.End()}, nil},
	} {
		if err := ledger.CheckSealed(tc.d, sealedOct); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: CheckSealed = %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := ledger.CheckSealed(ledger.Draft{EffectiveAt: time.Time{}.Add(time.Hour)}, open); err != nil {
		t.Errorf("an unsealed ledger refuses nothing: %v", err)
	}
}
