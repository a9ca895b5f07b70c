// Package finance is finance's reports over the journal: the trial
// balance, what reached researchers, ageing, the tax year and blocked
// property. It reads through Store (the database adapter implements it)
// and changes nothing.
package finance

import (
	"context"
	"sort"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// Store is what the reports read.
type Store interface {
	// EachEntryEffective calls fn for every entry effective in [from, to)
	// (zero times: open), in sequence order.
	EachEntryEffective(ctx context.Context, from, to time.Time, fn func(ledger.Entry) error) error
	AwardFacts(ctx context.Context) (map[string]ledger.AwardFacts, error)
	Awards(ctx context.Context, f models.AwardFilter) ([]models.Award, error)
	LedgerEntriesForAward(ctx context.Context, awardID string) ([]ledger.Entry, error)
	TaxForms(ctx context.Context) (map[string]models.TaxForm, error)
}

// TrialBalance is the balance per account and asset of every entry
// effective before asOf (zero: all entries).
func TrialBalance(ctx context.Context, s Store, asOf time.Time) (ledger.Balances, error) {
	tb := ledger.Balances{}
	err := s.EachEntryEffective(ctx, time.Time{}, asOf, func(e ledger.Entry) error {
		tb.Apply(e.Postings)
		return nil
	})
	return tb.Clone(), err
}

// PaidLines lists what reached researchers in [from, to) by effective
// time.
func PaidLines(ctx context.Context, s Store, from, to time.Time) ([]ledger.PaidLine, error) {
	facts, err := s.AwardFacts(ctx)
	if err != nil {
		return nil, err
	}
	var out []ledger.PaidLine
	err = s.EachEntryEffective(ctx, from, to, func(e ledger.Entry) error {
		switch e.Kind {
		case ledger.KindPaid, ledger.KindReversed, ledger.KindGranted, ledger.KindFulfilled:
		default:
			return nil
		}
		f := facts[e.AwardID]
		l := ledger.PaidLine{Seq: e.Seq, AwardID: e.AwardID, ResearcherID: f.ResearcherID, Severity: f.Severity, At: e.EffectiveAt}
		for _, p := range e.Postings {
			switch {
			case p.Debit == ledger.AccountPayPalFees:
				l.Fee += p.Amount
			case p.Credit == ledger.AccountPayPal, p.Credit == ledger.AccountPassCodes, p.Credit == ledger.AccountOtherRewards:
				l.Asset, l.Amount = p.Asset, l.Amount+p.Amount
			case p.Debit == ledger.AccountPayPal: // reversed
				l.Asset, l.Amount = p.Asset, l.Amount-p.Amount
			}
		}
		if l.Asset != "" {
			out = append(out, l)
		}
		return nil
	})
	return out, err
}

// Ageing lists decided-but-unpaid awards (aged from their decision) and
// unclaimed ones (aged from when PayPal reported them unclaimed) as of
// asOf.
func Ageing(ctx context.Context, s Store, asOf time.Time) (unpaid, unclaimed []ledger.AgeingLine, err error) {
	open := []models.AwardState{models.StatePending, models.StateAwaitingApproval, models.StateReadyToScreen,
		models.StateHeld, models.StateCleared, models.StateSending, models.StateSent, models.StateOnHold,
		models.StateFailed, models.StateReturned, models.StateNeedsReconciliation, models.StateReversed}
	as, err := s.Awards(ctx, models.AwardFilter{States: append(open, models.StateUnclaimed)})
	if err != nil {
		return nil, nil, err
	}
	days := func(t time.Time) int { return int(asOf.Sub(t).Hours() / 24) }
	for _, a := range as {
		if a.State == models.StateUnclaimed {
			since := a.UpdatedAt
			if es, err := s.LedgerEntriesForAward(ctx, a.ID); err == nil {
				for _, e := range es {
					if e.Data["to"] == string(models.StateUnclaimed) {
						since = e.EffectiveAt
					}
				}
			}
			unclaimed = append(unclaimed, ledger.AgeingLine{Award: a, Since: since, Days: days(since)})
			continue
		}
		unpaid = append(unpaid, ledger.AgeingLine{Award: a, Since: a.CreatedAt, Days: days(a.CreatedAt)})
	}
	return unpaid, unclaimed, nil
}

// TaxYearLine is one payee's reportable total for one calendar year.
type TaxYearLine struct {
	ResearcherID string
	Year         int
	USD          int64            // USD cents paid (net of reversals)
	Passes       int64            // passes granted
	PassValue    int64            // passes at fair-market value, USD cents
	Other        map[string]int64 // other currencies, not converted
	Total        int64            // USD + PassValue
	Threshold    int64
	Indexed      bool // threshold to confirm (indexed year)
	Form         models.TaxForm
	Reportable   bool // Total at or above the threshold
}

// TaxYear totals payments per payee for a calendar year (by the date value
// reached them), with passes at passFMV USD cents each, against the 1099
// threshold of that year and with the payee's tax form.
func TaxYear(ctx context.Context, s Store, year int, passFMV int64) ([]TaxYearLine, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	lines, err := PaidLines(ctx, s, from, from.AddDate(1, 0, 0))
	if err != nil {
		return nil, err
	}
	forms, err := s.TaxForms(ctx)
	if err != nil {
		return nil, err
	}
	by := map[string]*TaxYearLine{}
	for _, l := range lines {
		t := by[l.ResearcherID]
		if t == nil {
			t = &TaxYearLine{ResearcherID: l.ResearcherID, Year: year, Other: map[string]int64{}}
			by[l.ResearcherID] = t
		}
		switch l.Asset {
		case "USD":
			t.USD += l.Amount
		case models.AssetPass:
			t.Passes += l.Amount
		case models.AssetOther:
		default:
			t.Other[l.Asset] += l.Amount
		}
	}
	out := make([]TaxYearLine, 0, len(by))
	for id, t := range by {
		t.PassValue = t.Passes * passFMV
		t.Total = t.USD + t.PassValue
		t.Threshold, t.Indexed = ledger.Form1099Threshold(year)
		t.Reportable = t.Total >= t.Threshold
		if f, ok := forms[id]; ok {
			t.Form = f
		} else {
			t.Form = models.TaxForm{ResearcherID: id, Status: models.FormMissing}
		}
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ResearcherID < out[j].ResearcherID })
	return out, nil
}

// Blocked lists blocked awards with the OFAC report deadline.
func Blocked(ctx context.Context, s Store) ([]ledger.BlockedLine, error) {
	as, err := s.Awards(ctx, models.AwardFilter{States: []models.AwardState{models.StateBlocked}})
	if err != nil {
		return nil, err
	}
	var out []ledger.BlockedLine
	for _, a := range as {
		l := ledger.BlockedLine{Award: a, BlockedAt: a.UpdatedAt, Reason: a.Reason}
		es, err := s.LedgerEntriesForAward(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.Data["to"] == string(models.StateBlocked) {
				l.BlockedAt, l.Seq = e.EffectiveAt, e.Seq
			}
		}
		l.Deadline = ledger.AddBusinessDays(l.BlockedAt, 10)
		out = append(out, l)
	}
	return out, nil
}
