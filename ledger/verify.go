package ledger

import (
	"fmt"
	"hash/maphash"
	"sort"
	"strings"
	"time"
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

// VerifyError names the first entry that breaks the ledger.
type VerifyError struct {
	Seq    int64
	Key    string
	Reason string
}

func (e *VerifyError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("ledger entry %d: %s", e.Seq, e.Reason)
	}
	return fmt.Sprintf("ledger entry %d (%s): %s", e.Seq, e.Key, e.Reason)
}

// CheckEntry checks what an entry proves on its own: a valid draft, its
// input hash and its own hash. It needs no other entry, so entries can be
// checked in parallel and linked in order afterwards (Verifier.Link).
func CheckEntry(e *Entry) error {
	fail := func(format string, args ...any) error {
		return &VerifyError{Seq: e.Seq, Key: e.IdempotencyKey, Reason: fmt.Sprintf(format, args...)}
	}
	d := e.Draft()
	if err := d.Validate(); err != nil {
		return fail("%v", err)
	}
	if !hexEqual(d.inputSum(), e.InputHash) {
		return fail("input hash mismatch: content changed after it was recorded")
	}
	if !hexEqual(e.sum(), e.Hash) {
		return fail("hash mismatch: stored %.12s…, computed %.12s…", e.Hash, e.ComputeHash())
	}
	return nil
}

type balKey struct{ acct, asset string }

// Verifier checks entries one at a time, in sequence order, so a journal of
// any size verifies in memory proportional to its accounts and keys. It
// checks the chain (sequence, previous hash, input hash, own hash, unique
// idempotency keys), the balances (every posting balanced per asset; no
// liability account ever in debit, i.e. nobody is paid more than owed),
// the period seals (no entry effective inside a sealed month; each seal's
// trial balance, last sequence and head hash recomputed) and, with Expect,
// external anchors such as the database's head row or a published head.
type Verifier struct {
	prevSeq  int64
	prevHash string
	started  bool

	// AllowPartial accepts a first entry other than 1, trusting its
	// previous hash (a partial export). Balances and seal trial balances
	// then cannot be recomputed and are not checked.
	AllowPartial bool
	// Partial reports that verification started mid-chain.
	Partial bool
	// FirstSeq is the first entry seen.
	FirstSeq int64

	seed1, seed2 maphash.Seed
	keys         map[[2]uint64]struct{}
	total        map[balKey]int64
	months       map[int]map[balKey]int64
	curMonth     int
	curMap       map[balKey]int64

	sealedThrough time.Time
	expect        map[int64]string
	headSeq       int64 // -1: no head anchor

	// Balances are the net balances of every entry seen; filled by Finish.
	Balances Balances
	// Count is the number of entries verified.
	Count int64
	// Seals are the seals verified, in order.
	Seals []VerifiedSeal
}

// VerifiedSeal is a seal the verifier checked.
type VerifiedSeal struct {
	Seq int64
	SealInfo
	// Recomputed is false for a partial verification, where the trial
	// balance could not be recomputed.
	Recomputed bool
}

// NewVerifier returns a verifier expecting the first entry.
func NewVerifier() *Verifier {
	return &Verifier{prevHash: GenesisHash, seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed(),
		keys: map[[2]uint64]struct{}{}, total: map[balKey]int64{}, months: map[int]map[balKey]int64{},
		curMonth: -1, expect: map[int64]string{}, headSeq: -1, Balances: Balances{}}
}

// ExpectHead records the head anchor (the database's ledger_heads row, or
// a head published earlier): entry seq must exist with this hash and, when
// the anchor was read in the same snapshot as the entries, no entry may
// follow it.
func (v *Verifier) ExpectHead(seq int64, hash string) {
	v.headSeq = seq
	if seq > 0 {
		v.expect[seq] = hash
	}
}

// Expect records an external anchor: entry seq must exist with this hash.
// Finish reports an anchor beyond the last entry as missing entries.
func (v *Verifier) Expect(seq int64, hash string) { v.expect[seq] = hash }

// SizeHint tells the verifier how many entries to expect, so that its
// key index is allocated once.
func (v *Verifier) SizeHint(n int64) {
	if v.Count == 0 && n > 0 && n < 1<<28 {
		v.keys = make(map[[2]uint64]struct{}, n)
	}
}

// SealedThrough is the end of the last sealed period seen (zero if none).
func (v *Verifier) SealedThrough() time.Time { return v.sealedThrough }

// Add checks the next entry: CheckEntry, then Link.
func (v *Verifier) Add(e *Entry) error {
	if err := CheckEntry(e); err != nil {
		// Report a broken sequence first: it explains a bad entry better.
		if lerr := v.linkCheck(e); lerr != nil {
			return lerr
		}
		return err
	}
	return v.Link(e)
}

func (v *Verifier) fail(e *Entry, format string, args ...any) error {
	return &VerifyError{Seq: e.Seq, Key: e.IdempotencyKey, Reason: fmt.Sprintf(format, args...)}
}

// linkCheck checks sequence and previous hash without changing state.
func (v *Verifier) linkCheck(e *Entry) error {
	if !v.started && v.AllowPartial {
		return nil
	}
	if e.Seq != v.prevSeq+1 {
		if e.Seq > v.prevSeq+1 {
			return &VerifyError{Seq: v.prevSeq + 1, Reason: fmt.Sprintf("missing: the next entry found is %d", e.Seq)}
		}
		return v.fail(e, "out of order after %d", v.prevSeq)
	}
	if e.PrevHash != v.prevHash {
		return v.fail(e, "previous hash %.12s… does not match entry %d's hash %.12s… (entry %d or %d was changed)",
			e.PrevHash, v.prevSeq, v.prevHash, v.prevSeq, e.Seq)
	}
	return nil
}

// Link checks an entry that passed CheckEntry against the chain so far:
// sequence, previous hash, unique key, sealed periods, seals, anchors and
// balances. It returns a *VerifyError for the first problem.
func (v *Verifier) Link(e *Entry) error {
	if err := v.linkCheck(e); err != nil {
		return err
	}
	if !v.started {
		v.started, v.FirstSeq = true, e.Seq
		v.Partial = e.Seq != 1
	}
	k := [2]uint64{maphash.String(v.seed1, e.IdempotencyKey), maphash.String(v.seed2, e.IdempotencyKey)}
	if _, dup := v.keys[k]; dup {
		return v.fail(e, "idempotency key used twice")
	}
	if v.headSeq >= 0 && e.Seq > v.headSeq {
		return v.fail(e, "beyond the head anchor (entry %d): inserted behind the ledger's back", v.headSeq)
	}
	if want, ok := v.expect[e.Seq]; ok && want != e.Hash {
		return v.fail(e, "hash %.12s… differs from the anchor %.12s…", e.Hash, want)
	}
	if e.Kind != KindSeal && !v.sealedThrough.IsZero() && e.EffectiveAt.Before(v.sealedThrough) {
		return v.fail(e, "effective %s inside a sealed period (sealed through %s): backdated entry",
			e.EffectiveAt.Format(time.RFC3339), v.sealedThrough.Format(time.RFC3339))
	}
	if e.Kind == KindSeal {
		if err := v.checkSeal(e); err != nil {
			return err
		}
	}
	if err := v.apply(e); err != nil {
		return err
	}
	v.keys[k] = struct{}{}
	v.prevSeq, v.prevHash = e.Seq, e.Hash
	v.Count++
	return nil
}

func (v *Verifier) checkSeal(e *Entry) error {
	info, err := ParseSeal(e)
	if err != nil {
		return v.fail(e, "%v", err)
	}
	if info.LastSeq != e.Seq-1 || info.HeadHash != e.PrevHash {
		return v.fail(e, "seal of %s states head %d %.12s…, but follows entry %d %.12s…",
			info.Period, info.LastSeq, info.HeadHash, e.Seq-1, e.PrevHash)
	}
	if !v.sealedThrough.IsZero() && !info.Period.End().After(v.sealedThrough) {
		return v.fail(e, "seal of %s does not follow the seal through %s", info.Period, v.sealedThrough.Format(time.RFC3339))
	}
	vs := VerifiedSeal{Seq: e.Seq, SealInfo: info}
	if !v.Partial {
		tb := v.balancesBefore(info.Period)
		if diff := DiffBalances(info.TrialBalance, tb); diff != "" {
			return v.fail(e, "seal of %s: trial balance does not match the entries: %s", info.Period, diff)
		}
		vs.Recomputed = true
	}
	v.Seals = append(v.Seals, vs)
	v.sealedThrough = info.Period.End()
	return nil
}

// balancesBefore sums the entries effective before the end of p.
func (v *Verifier) balancesBefore(p Period) Balances {
	out := Balances{}
	last := p.index()
	for m, bal := range v.months {
		if m > last {
			continue
		}
		for k, x := range bal {
			if x != 0 {
				out.add(k.acct, k.asset, x)
			}
		}
	}
	return out.Clone()
}

func monthIndex(t time.Time) int {
	y, m, _ := t.UTC().Date()
	return y*12 + int(m) - 1
}

func (v *Verifier) apply(e *Entry) error {
	if len(e.Postings) == 0 {
		return nil
	}
	mi := monthIndex(e.EffectiveAt)
	if mi != v.curMonth {
		v.curMap = v.months[mi]
		if v.curMap == nil {
			v.curMap = map[balKey]int64{}
			v.months[mi] = v.curMap
		}
		v.curMonth = mi
	}
	for _, p := range e.Postings {
		dk, ck := balKey{p.Debit, p.Asset}, balKey{p.Credit, p.Asset}
		v.total[dk] += p.Amount
		v.total[ck] -= p.Amount
		v.curMap[dk] += p.Amount
		v.curMap[ck] -= p.Amount
		// A liability in debit means value left for someone it was not
		// owed to (paid twice, paid more than reserved).
		if !v.Partial && v.total[dk] > 0 && strings.HasPrefix(p.Debit, "liability:") {
			return v.fail(e, "overdraws %s: balance %d %s in debit (more released than reserved)", p.Debit, v.total[dk], p.Asset)
		}
	}
	return nil
}

// Head returns the last verified sequence number and hash.
func (v *Verifier) Head() (int64, string) { return v.prevSeq, v.prevHash }

// Finish fills Balances and checks what needs the whole journal: every
// asset nets to zero, and every anchor given to Expect was reached.
func (v *Verifier) Finish() error {
	v.Balances = Balances{}
	for k, x := range v.total {
		if x != 0 {
			v.Balances.add(k.acct, k.asset, x)
		}
	}
	for asset, t := range v.Balances.Totals() {
		if t != 0 {
			return &VerifyError{Seq: v.prevSeq, Reason: fmt.Sprintf("asset %s does not balance: %d", asset, t)}
		}
	}
	var missing []int64
	for seq := range v.expect {
		if seq > v.prevSeq {
			missing = append(missing, seq)
		}
	}
	if len(missing) > 0 {
		sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
		return &VerifyError{Seq: v.prevSeq + 1, Reason: fmt.Sprintf(
			"missing: the head anchor records entry %d (hash %.12s…) but the ledger ends at entry %d (newest entries deleted?)",
			missing[len(missing)-1], v.expect[missing[len(missing)-1]], v.prevSeq)}
	}
	return nil
}
