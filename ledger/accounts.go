package ledger

import "github.com/plex/bountypay/models"

// The ledger's accounts. Per-researcher accounts append ":<researcher id>".
const (
	AccountBounties     = "expense:bounties"
	AccountPayable      = "liability:payable"
	AccountBlocked      = "liability:blocked"
	AccountInFlight     = "liability:paypal-in-flight"
	AccountPayPal       = "asset:paypal"
	AccountPayPalFees   = "expense:paypal-fees"
	AccountPassCodes    = "asset:pass-codes"
	AccountOtherRewards = "asset:other-rewards"
	AccountRecovered    = "asset:paypal-recovered"
)

// Payable is the researcher's payable account.
func Payable(researcherID string) string { return AccountPayable + ":" + researcherID }

// Blocked is the researcher's blocked-funds account.
func Blocked(researcherID string) string { return AccountBlocked + ":" + researcherID }

// units returns the award's amount in its asset's units.
func units(a *models.Award) int64 {
	if a.Kind == models.AwardMoney {
		return a.Amount.Minor
	}
	return 1
}

func one(debit, credit string, a *models.Award) []Posting {
	n := units(a)
	if n <= 0 {
		return nil
	}
	return []Posting{{Debit: debit, Credit: credit, Asset: a.Asset(), Amount: n}}
}

// DecidedPostings reserve an award: expense:bounties -> payable.
func DecidedPostings(a *models.Award) []Posting {
	return one(AccountBounties, Payable(a.ResearcherID), a)
}

// CancelledPostings reverse the reserve of a payable award.
func CancelledPostings(a *models.Award) []Posting {
	return one(Payable(a.ResearcherID), AccountBounties, a)
}

// BlockedPostings move a payable award to the blocked account.
func BlockedPostings(a *models.Award) []Posting {
	return one(Payable(a.ResearcherID), Blocked(a.ResearcherID), a)
}

// SendPostings move money from payable to in flight (write-ahead).
func SendPostings(a *models.Award) []Posting {
	return one(Payable(a.ResearcherID), AccountInFlight, a)
}

// VoidPostings return money in flight to payable (failed, returned).
func VoidPostings(a *models.Award) []Posting {
	return one(AccountInFlight, Payable(a.ResearcherID), a)
}

// PaidPostings settle money in flight against the PayPal balance, with the
// fee PayPal charged (zero or positive, in the award's currency).
func PaidPostings(a *models.Award, fee int64) []Posting {
	ps := one(AccountInFlight, AccountPayPal, a)
	if fee > 0 {
		ps = append(ps, Posting{Debit: AccountPayPalFees, Credit: AccountPayPal, Asset: a.Asset(), Amount: fee})
	}
	return ps
}

// ReversedPostings record money that came back after success
// (REFUNDED/REVERSED): it returns to the PayPal balance and the researcher
// is owed it again until finance decides.
func ReversedPostings(a *models.Award) []Posting {
	return one(AccountPayPal, Payable(a.ResearcherID), a)
}

// GrantedPostings consume a pass (or other reward) from stock.
func GrantedPostings(a *models.Award) []Posting {
	if a.Kind == models.AwardOther {
		return one(Payable(a.ResearcherID), AccountOtherRewards, a)
	}
	return one(Payable(a.ResearcherID), AccountPassCodes, a)
}
