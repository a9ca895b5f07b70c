package ledger

import "github.com/plex/bountypay/models"

// Movement is an award's state change as the posting rule needs it.
type Movement struct {
	// From is the state before; "" for the decision that creates the award.
	From, To models.AwardState
	// Fee is PayPal's fee in the award's currency (to paid).
	Fee int64
	// Payable is what is payable when the award is cancelled (after
	// adjustments and returns); 0 means the award's units.
	Payable int64
}

// inFlight are the states in which a money award's amount is with PayPal.
var inFlight = map[models.AwardState]bool{
	models.StateSending: true, models.StateSent: true, models.StateUnclaimed: true,
	models.StateOnHold: true, models.StateNeedsReconciliation: true,
}

// PostingsFor is the one posting rule: what award a's state change books,
// by award kind and from -> to. Every transition (store.Tx.Transition) and
// the ledger property test use it.
//
//	"" -> pending                          expense:bounties -> payable
//	any unsent state -> blocked            payable -> blocked
//	cleared -> sending (money)             payable -> in flight (write-ahead)
//	in flight -> paid                      in flight -> asset:paypal (+ fee)
//	in flight -> failed | returned (money) in flight -> payable
//	paid -> reversed                       asset:paypal -> payable
//	sending -> granted | fulfilled         payable -> asset:pass-codes | asset:other-rewards
//	any -> cancelled | rejected            payable -> expense:bounties (what is payable)
//
// A pass or other reward stays payable while it is being sent, so its
// sending and failing book nothing. Every other change books nothing.
func PostingsFor(a *models.Award, m Movement) []Posting {
	money := a.Kind == models.AwardMoney
	switch {
	case m.From == "" && m.To == models.StatePending:
		return DecidedPostings(a)
	case m.To == models.StateBlocked:
		return BlockedPostings(a)
	case m.To == models.StateCancelled || m.To == models.StateRejected:
		if m.Payable > 0 {
			return []Posting{{Debit: Payable(a.ResearcherID), Credit: AccountBounties, Asset: a.Asset(), Amount: m.Payable}}
		}
		if m.Payable < 0 {
			return nil
		}
		return CancelledPostings(a)
	case m.From == models.StateCleared && m.To == models.StateSending && money:
		return SendPostings(a)
	case m.To == models.StatePaid && inFlight[m.From]:
		return PaidPostings(a, m.Fee)
	case (m.To == models.StateFailed || m.To == models.StateReturned) && inFlight[m.From] && money:
		return VoidPostings(a)
	case m.From == models.StatePaid && m.To == models.StateReversed:
		return ReversedPostings(a)
	case m.From == models.StateSending && (m.To == models.StateGranted || m.To == models.StateFulfilled):
		return GrantedPostings(a)
	}
	return nil
}

// SamePostings reports whether two posting lists book the same movements
// in the same order.
func SamePostings(a, b []Posting) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
