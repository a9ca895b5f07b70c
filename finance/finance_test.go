package finance_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/finance"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// memJournal is an in-memory finance.Store: the reports' rules without a
// database.
type memJournal struct {
	entries []ledger.Entry
	awards  []models.Award
	facts   map[string]ledger.AwardFacts
	tries   []models.Attempt
}

func (m *memJournal) EachEntryEffective(_ context.Context, from, to time.Time, fn func(ledger.Entry) error) error {
	for _, e := range m.entries {
		if (!from.IsZero() && e.EffectiveAt.Before(from)) || (!to.IsZero() && !e.EffectiveAt.Before(to)) {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
func (m *memJournal) AwardFacts(context.Context) (map[string]ledger.AwardFacts, error) {
	return m.facts, nil
}
func (m *memJournal) Awards(_ context.Context, f models.AwardFilter) ([]models.Award, error) {
	var out []models.Award
	for _, a := range m.awards {
		if (f.Kind == "" || a.Kind == f.Kind) && (len(f.States) == 0 || slices.Contains(f.States, a.State)) {
			out = append(out, a)
		}
	}
	return out, nil
}
func (m *memJournal) LedgerEntriesForAward(_ context.Context, id string) ([]ledger.Entry, error) {
	var out []ledger.Entry
	for _, e := range m.entries {
		if e.AwardID == id {
			out = append(out, e)
		}
	}
	return out, nil
}
func (m *memJournal) TaxForms(context.Context) (map[string]models.TaxForm, error) { return nil, nil }

func (m *memJournal) PayPalAttempts(context.Context) ([]models.Attempt, error) { return m.tries, nil }

var (
	_ finance.Store        = (*memJournal)(nil)
	_ finance.AttemptStore = (*memJournal)(nil)
)

// What reached researchers: a payment with its fee, and a reversal that
// takes it back.
func TestPaidLines(t *testing.T) {
	money := models.Award{ID: "R/money", ResearcherID: "r", Kind: models.AwardMoney, Amount: models.Money{Minor: 10000, Currency: "USD"}}
	nov := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	j := &memJournal{facts: map[string]ledger.AwardFacts{"R/money": {ResearcherID: "r", Severity: "high"}}}
	j.entries = []ledger.Entry{
		{Seq: 1, Kind: ledger.KindPaid, AwardID: money.ID, EffectiveAt: nov,
			Postings: ledger.PostingsFor(&money, ledger.Movement{From: models.StateSent, To: models.StatePaid, Fee: 25})},
		{Seq: 2, Kind: ledger.KindReversed, AwardID: money.ID, EffectiveAt: nov.AddDate(0, 0, 10),
			Postings: ledger.PostingsFor(&money, ledger.Movement{From: models.StatePaid, To: models.StateReversed})},
	}
	lines, err := finance.PaidLines(context.Background(), j, time.Time{}, time.Time{})
	if err != nil || len(lines) != 2 {
		t.Fatalf("lines %+v %v", lines, err)
	}
	if l := lines[0]; l.Amount != 10000 || l.Fee != 25 || l.Asset != "USD" || l.Severity != "high" {
		t.Errorf("payment line %+v", l)
	}
	if l := lines[1]; l.Amount != -10000 {
		t.Errorf("reversal line %+v", l)
	}
	tb, err := finance.TrialBalance(context.Background(), j, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got := tb[ledger.AccountPayPalFees]["USD"]; got != 25 {
		t.Errorf("fees %d, want 25", got)
	}
}

// Blocked property: the OFAC report is due 10 US business days after the
// blocking entry.
func TestBlockedDeadline(t *testing.T) {
	a := models.Award{ID: "B/money", ResearcherID: "r", Kind: models.AwardMoney, State: models.StateBlocked,
		Amount: models.Money{Minor: 500, Currency: "USD"}}
	fri := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC) // a Friday
	j := &memJournal{awards: []models.Award{a}, entries: []ledger.Entry{{Seq: 1, Kind: ledger.KindBlocked, AwardID: a.ID,
		EffectiveAt: fri, Data: map[string]string{"to": string(models.StateBlocked), "reason": "SDN"}}}}
	lines, err := finance.Blocked(context.Background(), j)
	if err != nil || len(lines) != 1 {
		t.Fatalf("blocked %+v %v", lines, err)
	}
	if want := ledger.AddBusinessDays(fri, 10); !lines[0].Deadline.Equal(want) || !lines[0].BlockedAt.Equal(fri) {
		t.Errorf("deadline %s (blocked %s), want %s", lines[0].Deadline, lines[0].BlockedAt, want)
	}
}

// The ledger against PayPal's attempts: each disagreement is named, and a
// payment both sides agree on is not.
func TestCheckLedgerAgainstAttempts(t *testing.T) {
	at := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	// paid is the journal of a payment: the send puts the amount in
	// flight, the payment takes it out.
	paid := func(a *models.Award, seq int64, fee int64) []ledger.Entry {
		return []ledger.Entry{{Seq: seq, Kind: ledger.KindSendStarted, AwardID: a.ID, EffectiveAt: at,
			Postings: ledger.PostingsFor(a, ledger.Movement{From: models.StateCleared, To: models.StateSending})},
			{Seq: seq + 1, Kind: ledger.KindPaid, AwardID: a.ID, EffectiveAt: at,
				Postings: ledger.PostingsFor(a, ledger.Movement{From: models.StateSent, To: models.StatePaid, Fee: fee})}}
	}
	success := func(a *models.Award, n int, fee int64) models.Attempt {
		return models.Attempt{AwardID: a.ID, Attempt: n, SenderBatchID: a.ID + "/" + string(rune('0'+n)),
			AmountMinor: a.Amount.Minor, Currency: a.Amount.Currency, TransactionStatus: "SUCCESS", FeeMinor: fee}
	}
	award := func(state models.AwardState) *models.Award {
		return &models.Award{ID: "R/money", ResearcherID: "r", Kind: models.AwardMoney, State: state, Attempt: 1,
			Amount: models.Money{Minor: 10000, Currency: "USD"}}
	}
	for _, tc := range []struct {
		name    string
		entries func(a *models.Award) []ledger.Entry
		tries   func(a *models.Award) []models.Attempt
		want    string // "" for no mismatch
	}{
		{"agreed", func(a *models.Award) []ledger.Entry { return paid(a, 1, 25) },
			func(a *models.Award) []models.Attempt { return []models.Attempt{success(a, 1, 25)} }, ""},
		{"paid without success", func(a *models.Award) []ledger.Entry { return paid(a, 1, 0) },
			func(*models.Award) []models.Attempt { return nil }, "without a SUCCESS attempt"},
		{"success not posted", func(*models.Award) []ledger.Entry { return nil },
			func(a *models.Award) []models.Attempt { return []models.Attempt{success(a, 1, 0)} }, "not posted in the ledger"},
		{"paid twice at PayPal", func(a *models.Award) []ledger.Entry { return paid(a, 1, 0) },
			func(a *models.Award) []models.Attempt { return []models.Attempt{success(a, 1, 0), success(a, 2, 0)} }, "paid twice"},
		{"fee differs", func(a *models.Award) []ledger.Entry { return paid(a, 1, 25) },
			func(a *models.Award) []models.Attempt { return []models.Attempt{success(a, 1, 30)} }, "fee 0.25 in the ledger, PayPal charged 0.30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := award(models.StatePaid)
			j := &memJournal{awards: []models.Award{*a}, entries: tc.entries(a), tries: tc.tries(a)}
			ms, n, err := finance.CheckLedgerAgainstAttempts(context.Background(), j)
			if err != nil || n != 1 {
				t.Fatal(n, err)
			}
			if tc.want == "" {
				if len(ms) != 0 {
					t.Fatalf("mismatches %+v", ms)
				}
				return
			}
			if len(ms) == 0 || !strings.Contains(ms[0].Problem, tc.want) {
				t.Fatalf("mismatches %+v, want one saying %q", ms, tc.want)
			}
		})
	}
	t.Run("attempt for an unknown award", func(t *testing.T) {
		j := &memJournal{tries: []models.Attempt{{AwardID: "X/money", SenderBatchID: "X/1"}}}
		ms, _, err := finance.CheckLedgerAgainstAttempts(context.Background(), j)
		if err != nil || len(ms) != 1 || !strings.Contains(ms[0].Problem, "does not know") {
			t.Fatalf("%+v %v", ms, err)
		}
	})
}
