package finance

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// AttemptStore is what the check of the ledger against PayPal reads: the
// journal, the awards and every PayPal send attempt.
type AttemptStore interface {
	EachEntryEffective(ctx context.Context, from, to time.Time, fn func(ledger.Entry) error) error
	Awards(ctx context.Context, f models.AwardFilter) ([]models.Award, error)
	PayPalAttempts(ctx context.Context) ([]models.Attempt, error)
}

// Mismatch is one disagreement between the ledger and PayPal attempts.
type Mismatch struct {
	AwardID string
	State   models.AwardState
	Problem string
}

// settledStates are award states with nothing at PayPal.
var settledStates = map[models.AwardState]bool{
	models.StatePaid: true, models.StateFailed: true, models.StateReturned: true, models.StateCancelled: true,
	models.StateReversed: true, models.StateBlocked: true, models.StateCleared: true, models.StateReadyToScreen: true,
	models.StatePending: true, models.StateAwaitingApproval: true, models.StateHeld: true,
}

// CheckLedgerAgainstAttempts compares every money award's ledger position
// with its PayPal attempts and names every mismatch: paid in the ledger
// without a SUCCESS attempt, SUCCESS not posted, paid twice, money in
// flight for a settled award or none for one PayPal holds, amounts or
// fees that differ.
func CheckLedgerAgainstAttempts(ctx context.Context, s AttemptStore) ([]Mismatch, int, error) {
	awards, err := s.Awards(ctx, models.AwardFilter{Kind: models.AwardMoney})
	if err != nil {
		return nil, 0, err
	}
	byID := make(map[string]*models.Award, len(awards))
	for i := range awards {
		byID[awards[i].ID] = &awards[i]
	}
	pos := map[string]*ledger.Position{}
	paidEntries := map[string]int{}
	err = s.EachEntryEffective(ctx, time.Time{}, time.Time{}, func(e ledger.Entry) error {
		a := byID[e.AwardID]
		if a == nil {
			return nil
		}
		p := pos[a.ID]
		if p == nil {
			p = &ledger.Position{Asset: a.Asset()}
			pos[a.ID] = p
		}
		p.Add(e.Postings, a.ResearcherID)
		if e.Kind == ledger.KindPaid {
			paidEntries[a.ID]++
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	atts, err := s.PayPalAttempts(ctx)
	if err != nil {
		return nil, 0, err
	}
	attsBy := map[string][]models.Attempt{}
	for _, at := range atts {
		attsBy[at.AwardID] = append(attsBy[at.AwardID], at)
		if byID[at.AwardID] == nil {
			// An attempt for an award the ledger does not know.
			attsBy["?"+at.AwardID] = nil
		}
	}
	var out []Mismatch
	add := func(a *models.Award, format string, args ...any) {
		out = append(out, Mismatch{AwardID: a.ID, State: a.State, Problem: fmt.Sprintf(format, args...)})
	}
	for i := range awards {
		a := &awards[i]
		p := pos[a.ID]
		if p == nil {
			p = &ledger.Position{Asset: a.Asset()}
		}
		var success []models.Attempt
		for _, at := range attsBy[a.ID] {
			if at.TransactionStatus == "SUCCESS" {
				success = append(success, at)
			}
			if at.AmountMinor != a.Amount.Minor || at.Currency != a.Amount.Currency {
				if at.Attempt == a.Attempt && !settledStates[a.State] {
					add(a, "attempt %s asks PayPal for %s %s, the award is %s", at.SenderBatchID,
						ledger.FormatUnits(at.AmountMinor, at.Currency), at.Currency, a.Amount)
				}
			}
		}
		switch {
		case paidEntries[a.ID] > 0 && len(success) == 0:
			add(a, "paid in the ledger (%d paid entries) without a SUCCESS attempt at PayPal", paidEntries[a.ID])
		case len(success) > 0 && paidEntries[a.ID] == 0:
			add(a, "PayPal SUCCESS (%s) not posted in the ledger", success[0].SenderBatchID)
		}
		if len(success) > 1 {
			add(a, "PayPal paid %d attempts: paid twice", len(success))
		}
		if paidEntries[a.ID] > 1 {
			add(a, "%d paid entries in the ledger", paidEntries[a.ID])
		}
		if settledStates[a.State] && p.InFlight != 0 {
			add(a, "in-flight balance %s %s does not net to zero for a %s award", ledger.FormatUnits(p.InFlight, p.Asset), p.Asset, a.State)
		}
		switch a.State {
		case models.StateSending, models.StateSent, models.StateUnclaimed, models.StateOnHold:
			if p.InFlight != a.Amount.Minor {
				add(a, "PayPal holds the award but %s %s is in flight in the ledger (want %s)", ledger.FormatUnits(p.InFlight, p.Asset), p.Asset, a.Amount)
			}
		case models.StatePaid:
			if p.Paid != a.Amount.Minor {
				add(a, "paid %s %s in the ledger, the award is %s", ledger.FormatUnits(p.Paid, p.Asset), p.Asset, a.Amount)
			}
			if len(success) == 1 && success[0].FeeMinor != p.Fees {
				add(a, "fee %s in the ledger, PayPal charged %s", ledger.FormatUnits(p.Fees, p.Asset), ledger.FormatUnits(success[0].FeeMinor, success[0].Currency))
			}
		}
	}
	for k := range attsBy {
		if len(k) > 0 && k[0] == '?' {
			out = append(out, Mismatch{AwardID: k[1:], Problem: "PayPal attempt for an award the ledger does not know"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].AwardID < out[j].AwardID })
	return out, len(awards), nil
}
