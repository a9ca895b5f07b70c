package ledger

import (
	"fmt"
	"sort"
)

// Balances holds a net balance (debits minus credits) per account and asset.
type Balances map[string]map[string]int64

// Apply adds the postings to the balances.
func (b Balances) Apply(ps []Posting) {
	for _, p := range ps {
		b.add(p.Debit, p.Asset, p.Amount)
		b.add(p.Credit, p.Asset, -p.Amount)
	}
}

func (b Balances) add(account, asset string, v int64) {
	m := b[account]
	if m == nil {
		m = map[string]int64{}
		b[account] = m
	}
	m[asset] += v
}

// Accounts returns the account names, sorted.
func (b Balances) Accounts() []string {
	out := make([]string, 0, len(b))
	for a := range b {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Totals returns, per asset, the sum of all balances: zero when balanced.
func (b Balances) Totals() map[string]int64 {
	t := map[string]int64{}
	for _, m := range b {
		for asset, v := range m {
			t[asset] += v
		}
	}
	return t
}

// VerifyError names the first entry that breaks the chain.
type VerifyError struct {
	Seq    int64
	Key    string
	Reason string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("ledger entry %d (%s): %s", e.Seq, e.Key, e.Reason)
}

// Verifier checks entries one at a time, in sequence order, so a journal of
// any size verifies in constant memory (besides the balances).
type Verifier struct {
	prevSeq  int64
	prevHash string
	keys     map[string]struct{}
	Balances Balances
	Count    int64
}

// NewVerifier returns a verifier expecting the first entry.
func NewVerifier() *Verifier {
	return &Verifier{prevHash: GenesisHash, keys: map[string]struct{}{}, Balances: Balances{}}
}

// Add checks the next entry: sequence, previous hash, input hash, own hash,
// unique key and valid postings. It returns a *VerifyError for the first
// problem.
func (v *Verifier) Add(e *Entry) error {
	fail := func(format string, args ...any) error {
		return &VerifyError{Seq: e.Seq, Key: e.IdempotencyKey, Reason: fmt.Sprintf(format, args...)}
	}
	if e.Seq != v.prevSeq+1 {
		if e.Seq > v.prevSeq+1 {
			return &VerifyError{Seq: v.prevSeq + 1, Reason: fmt.Sprintf("missing: next entry found is %d", e.Seq)}
		}
		return fail("out of order after %d", v.prevSeq)
	}
	if e.PrevHash != v.prevHash {
		return fail("previous hash %.12s… does not match entry %d's hash %.12s…", e.PrevHash, v.prevSeq, v.prevHash)
	}
	d := e.Draft()
	if err := d.Validate(); err != nil {
		return fail("%v", err)
	}
	if got := d.InputHash(); got != e.InputHash {
		return fail("input hash mismatch: content changed after it was recorded")
	}
	if got := e.ComputeHash(); got != e.Hash {
		return fail("hash mismatch: stored %.12s…, computed %.12s…", e.Hash, got)
	}
	if _, dup := v.keys[e.IdempotencyKey]; dup {
		return fail("idempotency key used twice")
	}
	v.keys[e.IdempotencyKey] = struct{}{}
	v.Balances.Apply(e.Postings)
	v.prevSeq, v.prevHash = e.Seq, e.Hash
	v.Count++
	return nil
}

// Head returns the last verified sequence number and hash.
func (v *Verifier) Head() (int64, string) { return v.prevSeq, v.prevHash }

// Finish checks the totals: every asset must net to zero.
func (v *Verifier) Finish() error {
	for asset, t := range v.Balances.Totals() {
		if t != 0 {
			return &VerifyError{Seq: v.prevSeq, Reason: fmt.Sprintf("asset %s does not balance: %d", asset, t)}
		}
	}
	return nil
}
