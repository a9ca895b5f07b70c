package models

import (
	"errors"
	"testing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		amount, cur string
		want        int64
		err         bool
	}{
		{"1500.00", "USD", 150000, false},
		{"1500", "USD", 150000, false},
		{"0.5", "USD", 50, false},
		{"1500.000", "USD", 150000, false}, // trailing zeros beyond the exponent
		{"1500.001", "USD", 0, true},
		{"1500", "JPY", 1500, false},
		{"1500.5", "JPY", 0, true},
		{"1.234", "KWD", 1234, false},
		{"-5.00", "USD", 0, true},
		{"+5.00", "USD", 0, true},
		{"1e3", "USD", 0, true},
		{"1,500.00", "USD", 0, true},
		{".5", "USD", 0, true},
		{"5.", "USD", 0, true},
		{"", "USD", 0, true},
		{"99999999999999999999", "USD", 0, true},
		{"10.00", "XXX", 0, true},
		{"10.00", "usd", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.amount+" "+tt.cur, func(t *testing.T) {
			m, err := ParseMoney(tt.amount, tt.cur)
			if tt.err {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("want ErrInvalid, got %v (%v)", err, m)
				}
				return
			}
			if err != nil || m.Minor != tt.want || m.Currency != tt.cur {
				t.Fatalf("got %v %v, want %d", m, err, tt.want)
			}
		})
	}
}

func TestMoneyDecimal(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{Money{150000, "USD"}, "1500.00"},
		{Money{5, "USD"}, "0.05"},
		{Money{0, "USD"}, "0.00"},
		{Money{-5, "USD"}, "-0.05"},
		{Money{1500, "JPY"}, "1500"},
		{Money{1234, "KWD"}, "1.234"},
	}
	for _, tt := range tests {
		if got := tt.m.Decimal(); got != tt.want {
			t.Errorf("%d %s: got %s, want %s", tt.m.Minor, tt.m.Currency, got, tt.want)
		}
	}
	if _, err := (Money{1, "USD"}).Add(Money{1, "EUR"}); !errors.Is(err, ErrInvalid) {
		t.Error("adding currencies must fail")
	}
	if _, err := (Money{1 << 62, "USD"}).Add(Money{1 << 62, "USD"}); !errors.Is(err, ErrInvalid) {
		t.Error("overflow must fail")
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"1500.00", "0", "1.5", "abc", "1.999", "00012.10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s, "USD")
		if err != nil {
			return
		}
		if m.Minor < 0 {
			t.Fatalf("negative from %q", s)
		}
		back, err := ParseMoney(m.Decimal(), "USD")
		if err != nil || back != m {
			t.Fatalf("round trip %q -> %v -> %v %v", s, m, back, err)
		}
	})
}

func TestTransitions(t *testing.T) {
	legal := []struct{ from, to AwardState }{
		{StatePending, StateRejected},
		{StatePending, StateAwaitingApproval},
		{StatePending, StateReadyToScreen},
		{StateAwaitingApproval, StateReadyToScreen},
		{StateAwaitingApproval, StateCancelled},
		{StateReadyToScreen, StateHeld},
		{StateReadyToScreen, StateBlocked},
		{StateReadyToScreen, StateCleared},
		{StateHeld, StateBlocked},
		{StateHeld, StateCleared},
		{StateCleared, StateSending},
		{StateSending, StateSent},
		{StateSending, StateGranted},
		{StateSending, StateFailed},
		{StateSent, StatePaid},
		{StateSent, StateUnclaimed},
		{StateUnclaimed, StateReturned},
		{StateUnclaimed, StatePaid},
		{StateReturned, StateCleared},
		{StateReturned, StateCancelled},
		{StateFailed, StateCleared},
		{StateFailed, StateCancelled},
		{StatePaid, StateReversed},
	}
	for _, tt := range legal {
		if err := CheckTransition("a", tt.from, tt.to); err != nil {
			t.Errorf("%s -> %s should be legal: %v", tt.from, tt.to, err)
		}
	}
	illegal := []struct{ from, to AwardState }{
		{StatePending, StatePaid},
		{StateHeld, StateSending},            // compliance first
		{StateReadyToScreen, StateSending},   // screening first
		{StateBlocked, StateCleared},         // terminal
		{StateRejected, StatePending},        // terminal
		{StateUnclaimed, StateCleared},       // never re-pay unclaimed money
		{StateSent, StateCleared},            // never re-pay money in flight
		{StatePaid, StateCleared},            // never pay twice
		{StateReversed, StateCleared},        // no automatic re-pay after a reversal
		{StateOnHold, StateCleared},          // PayPal still holds it
		{StateGranted, StateSending},         // one grant
		{StateCancelled, StateReadyToScreen}, // terminal
	}
	for _, tt := range illegal {
		err := CheckTransition("a", tt.from, tt.to)
		var te *TransitionError
		if !errors.As(err, &te) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s -> %s should be illegal, got %v", tt.from, tt.to, err)
		}
	}
	// Every state in the table is known, and every target is a known state.
	for from, tos := range transitions {
		if !from.Valid() {
			t.Errorf("unknown state %q in the table", from)
		}
		for _, to := range tos {
			if !to.Valid() {
				t.Errorf("unknown target %q from %s", to, from)
			}
		}
	}
	for _, s := range []AwardState{StateRejected, StateBlocked, StateCancelled, StateGranted, StateFulfilled} {
		if !s.Terminal() {
			t.Errorf("%s should be terminal", s)
		}
	}
}

// A report once imported is never rewritten: the same content again is
// unchanged, other content under its id is a conflict naming the line.
func TestReimport(t *testing.T) {
	rec := ImportRecord{Report: Report{ID: "R-1"}, ContentHash: "aa", Line: 7}
	if err := rec.Reimport("reports.csv", "aa"); err != nil {
		t.Errorf("same content: %v", err)
	}
	err := rec.Reimport("reports.csv", "bb")
	var fe *FieldError
	if !errors.As(err, &fe) || fe.File != "reports.csv" || fe.Line != 7 || fe.Field != "id" {
		t.Errorf("other content: %v", err)
	}
}
