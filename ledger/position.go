package ledger

// Position is where an award's value sits, from its own ledger
// entries: how much its researcher is owed for it (payable), how much is
// with PayPal (in flight), and how much was blocked, paid or granted.
type Position struct {
	Asset    string
	Payable  int64 // credit balance of liability:payable:<researcher> from this award's entries
	InFlight int64 // credit balance of liability:paypal-in-flight
	Blocked  int64
	Paid     int64 // to asset:paypal, net of reversals, without fees
	Granted  int64 // passes and other rewards handed over
	Fees     int64
}

// PositionOf sums an award's own entries (asset a.Asset()).
func PositionOf(assetOf string, researcherID string, entries []Entry) Position {
	p := Position{Asset: assetOf}
	for _, e := range entries {
		p.Add(e.Postings, researcherID)
	}
	return p
}

// Add counts an entry's postings of the position's asset for the
// researcher.
func (p *Position) Add(ps []Posting, researcherID string) {
	payable, blocked := Payable(researcherID), Blocked(researcherID)
	for _, x := range ps {
		if x.Asset != p.Asset {
			continue
		}
		credit := func(acct string) int64 {
			switch acct {
			case x.Credit:
				return x.Amount
			case x.Debit:
				return -x.Amount
			}
			return 0
		}
		p.Payable += credit(payable)
		p.InFlight += credit(AccountInFlight)
		p.Blocked += credit(blocked)
		if x.Debit == AccountPayPalFees {
			p.Fees += x.Amount
			continue
		}
		p.Paid += credit(AccountPayPal)
		p.Granted += credit(AccountPassCodes) + credit(AccountOtherRewards)
	}
}
