package ledger_test

import (
	"testing"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// The one posting rule, by award kind and from -> to.
func TestPostingsFor(t *testing.T) {
	money := &models.Award{ID: "R/money", ResearcherID: "r", Kind: models.AwardMoney, Amount: models.Money{Minor: 5000, Currency: "USD"}}
	pass := &models.Award{ID: "R/plex_pass", ResearcherID: "r", Kind: models.AwardPlexPass}
	other := &models.Award{ID: "R/other", ResearcherID: "r", Kind: models.AwardOther}
	payable, blocked := ledger.Payable("r"), ledger.Blocked("r")
	p := func(debit, credit, asset string, n int64) ledger.Posting {
		return ledger.Posting{Debit: debit, Credit: credit, Asset: asset, Amount: n}
	}
	for _, tt := range []struct {
		name string
		a    *models.Award
		m    ledger.Movement
		want []ledger.Posting
	}{
		{"decided", money, ledger.Movement{To: models.StatePending}, []ledger.Posting{p(ledger.AccountBounties, payable, "USD", 5000)}},
		{"money write-ahead", money, ledger.Movement{From: models.StateCleared, To: models.StateSending}, []ledger.Posting{p(payable, ledger.AccountInFlight, "USD", 5000)}},
		{"pass write-ahead stays payable", pass, ledger.Movement{From: models.StateCleared, To: models.StateSending}, nil},
		{"paid with fee", money, ledger.Movement{From: models.StateSent, To: models.StatePaid, Fee: 25},
			[]ledger.Posting{p(ledger.AccountInFlight, ledger.AccountPayPal, "USD", 5000), p(ledger.AccountPayPalFees, ledger.AccountPayPal, "USD", 25)}},
		{"failed money returns to payable", money, ledger.Movement{From: models.StateSending, To: models.StateFailed}, []ledger.Posting{p(ledger.AccountInFlight, payable, "USD", 5000)}},
		{"failed pass grant moves nothing", pass, ledger.Movement{From: models.StateSending, To: models.StateFailed}, nil},
		{"returned", money, ledger.Movement{From: models.StateUnclaimed, To: models.StateReturned}, []ledger.Posting{p(ledger.AccountInFlight, payable, "USD", 5000)}},
		{"reversed", money, ledger.Movement{From: models.StatePaid, To: models.StateReversed}, []ledger.Posting{p(ledger.AccountPayPal, payable, "USD", 5000)}},
		{"blocked from held", money, ledger.Movement{From: models.StateHeld, To: models.StateBlocked}, []ledger.Posting{p(payable, blocked, "USD", 5000)}},
		{"blocked from pending", pass, ledger.Movement{From: models.StatePending, To: models.StateBlocked}, []ledger.Posting{p(payable, blocked, "PASS", 1)}},
		{"granted", pass, ledger.Movement{From: models.StateSending, To: models.StateGranted}, []ledger.Posting{p(payable, ledger.AccountPassCodes, "PASS", 1)}},
		{"fulfilled", other, ledger.Movement{From: models.StateSending, To: models.StateFulfilled}, []ledger.Posting{p(payable, ledger.AccountOtherRewards, "OTHER", 1)}},
		{"cancelled after an adjustment", money, ledger.Movement{From: models.StateFailed, To: models.StateCancelled, Payable: 4000}, []ledger.Posting{p(payable, ledger.AccountBounties, "USD", 4000)}},
		{"cancelled with nothing payable", money, ledger.Movement{From: models.StateReversed, To: models.StateCancelled, Payable: -1}, nil},
		{"screening moves nothing", money, ledger.Movement{From: models.StateReadyToScreen, To: models.StateCleared}, nil},
		{"sent moves nothing", money, ledger.Movement{From: models.StateSending, To: models.StateSent}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ledger.PostingsFor(tt.a, tt.m); !ledger.SamePostings(got, tt.want) {
				t.Errorf("PostingsFor = %v, want %v", got, tt.want)
			}
		})
	}
}
