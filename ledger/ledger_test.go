package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// chain builds a journal in memory: a decided award in October and
// November, a payment in November, then the November seal and a December
// entry.
func chain(t testing.TB) []ledger.Entry {
	t.Helper()
	var out []ledger.Entry
	seq, prev := int64(0), ledger.GenesisHash
	bal := ledger.Balances{}
	add := func(d ledger.Draft) {
		e := ledger.Seal(d, seq, prev, d.EffectiveAt.Add(time.Hour))
		out = append(out, e)
		seq, prev = e.Seq, e.Hash
		bal.Apply(e.Postings)
	}
	a := &models.Award{ID: "R-1/money", ResearcherID: "r1", Kind: models.AwardMoney, Amount: models.Money{Minor: 150000, Currency: "USD"}}
	b := &models.Award{ID: "R-2/plex_pass", ResearcherID: "r2", Kind: models.AwardPlexPass}
	oct := time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC)
	nov := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	add(ledger.Draft{IdempotencyKey: "a/decided", Kind: ledger.KindAwardDecided, AwardID: a.ID, Actor: "policy", EffectiveAt: oct, Postings: ledger.DecidedPostings(a)})
	add(ledger.Draft{IdempotencyKey: "b/decided", Kind: ledger.KindAwardDecided, AwardID: b.ID, Actor: "policy", EffectiveAt: nov, Postings: ledger.DecidedPostings(b)})
	add(ledger.Draft{IdempotencyKey: "a/send", Kind: ledger.KindSendStarted, AwardID: a.ID, Actor: "bountypay", EffectiveAt: nov.Add(time.Hour), Postings: ledger.SendPostings(a)})
	// Recorded in November, effective in December: not in November's balance.
	add(ledger.Draft{IdempotencyKey: "a/paid", Kind: ledger.KindPaid, AwardID: a.ID, Actor: "bountypay", EffectiveAt: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC), Postings: ledger.PaidPostings(a, 25)})
	tb := ledger.Balances{}
	for _, e := range out {
		if e.EffectiveAt.Before(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
			tb.Apply(e.Postings)
		}
	}
	p, _ := ledger.ParsePeriod("2026-11")
	add(ledger.SealDraft(p, tb, seq, prev, "finance"))
	add(ledger.Draft{IdempotencyKey: "b/granted", Kind: ledger.KindGranted, AwardID: b.ID, Actor: "bountypay", EffectiveAt: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Postings: ledger.GrantedPostings(b)})
	return out
}

func verifyAll(es []ledger.Entry) (*ledger.Verifier, error) {
	v := ledger.NewVerifier()
	for i := range es {
		if err := v.Add(&es[i]); err != nil {
			return v, err
		}
	}
	return v, v.Finish()
}

func wantVerifyError(t *testing.T, err error, seq int64, reason string) {
	t.Helper()
	var ve *ledger.VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("want a VerifyError at %d (%s), got %v", seq, reason, err)
	}
	if ve.Seq != seq || !strings.Contains(ve.Reason, reason) {
		t.Fatalf("want entry %d %q, got %v", seq, reason, ve)
	}
}

func TestVerifyChainAndSeal(t *testing.T) {
	es := chain(t)
	v, err := verifyAll(es)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Seals) != 1 || !v.Seals[0].Recomputed || v.Seals[0].Period.String() != "2026-11" {
		t.Fatalf("seals: %+v", v.Seals)
	}
	if got := v.Seals[0].TrialBalance[ledger.AccountInFlight]["USD"]; got != -150000 {
		t.Fatalf("in-flight at the end of November: %d", got)
	}
	if got := v.Balances[ledger.AccountPayPal]["USD"]; got != -150025 {
		t.Fatalf("paypal balance %d", got)
	}
}

func TestVerifyNamesTampering(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(es []ledger.Entry) []ledger.Entry
		seq    int64
		reason string
	}{
		{"changed amount", func(es []ledger.Entry) []ledger.Entry {
			es[2].Postings = []ledger.Posting{{Debit: ledger.Payable("r1"), Credit: ledger.AccountInFlight, Asset: "USD", Amount: 1}}
			return es
		}, 3, "input hash"},
		{"changed actor", func(es []ledger.Entry) []ledger.Entry { es[1].Actor = "mallory"; return es }, 2, "input hash"},
		{"changed recorded time", func(es []ledger.Entry) []ledger.Entry {
			es[1].RecordedAt = es[1].RecordedAt.Add(time.Second)
			return es
		}, 2, "hash mismatch"},
		{"deleted middle", func(es []ledger.Entry) []ledger.Entry { return append(es[:2], es[3:]...) }, 3, "missing"},
		{"swapped", func(es []ledger.Entry) []ledger.Entry { es[1], es[2] = es[2], es[1]; return es }, 2, "missing: the next entry found is 3"},
		{"rewritten chain after a changed entry", func(es []ledger.Entry) []ledger.Entry {
			// An attacker who rewrites entry 2 and recomputes every hash
			// after it is caught by the seal's head hash.
			es[1].Actor = "mallory"
			prev := es[0].Hash
			for i := 1; i < len(es); i++ {
				d := es[i].Draft()
				es[i] = ledger.Seal(d, es[i].Seq-1, prev, es[i].RecordedAt)
				prev = es[i].Hash
			}
			return es
		}, 5, "seal of 2026-11 states head"},
		{"backdated after seal", func(es []ledger.Entry) []ledger.Entry {
			d := es[5].Draft()
			d.EffectiveAt = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
			es[5] = ledger.Seal(d, 5, es[4].Hash, es[5].RecordedAt)
			return es
		}, 6, "sealed period"},
		{"overpaid", func(es []ledger.Entry) []ledger.Entry {
			// A second send of the same award overdraws the payable.
			d := es[2].Draft()
			d.IdempotencyKey = "a/send-again"
			d.EffectiveAt = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
			e := ledger.Seal(d, 6, es[5].Hash, es[5].RecordedAt)
			return append(es, e)
		}, 7, "overdraws liability:payable:r1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := verifyAll(c.edit(chain(t)))
			wantVerifyError(t, err, c.seq, c.reason)
		})
	}
}

func TestHeadAnchor(t *testing.T) {
	es := chain(t)
	v := ledger.NewVerifier()
	last := es[len(es)-1]
	v.ExpectHead(last.Seq, last.Hash)
	for i := range es[:len(es)-1] { // the newest entry was deleted
		if err := v.Add(&es[i]); err != nil {
			t.Fatal(err)
		}
	}
	wantVerifyError(t, v.Finish(), last.Seq, "newest entries deleted")

	v = ledger.NewVerifier()
	v.ExpectHead(es[3].Seq, es[3].Hash)
	var err error
	for i := range es {
		if err = v.Add(&es[i]); err != nil {
			break
		}
	}
	wantVerifyError(t, err, 5, "beyond the head anchor")
}

func TestJSONLRoundTrip(t *testing.T) {
	es := chain(t)
	var buf bytes.Buffer
	for i := range es {
		if err := ledger.WriteJSONL(&buf, &es[i]); err != nil {
			t.Fatal(err)
		}
	}
	v := ledger.NewVerifier()
	if err := ledger.VerifyJSONL(context.Background(), bytes.NewReader(buf.Bytes()), v); err != nil {
		t.Fatal(err)
	}
	if err := v.Finish(); err != nil {
		t.Fatal(err)
	}
	if seq, h := v.Head(); seq != es[len(es)-1].Seq || h != es[len(es)-1].Hash {
		t.Fatalf("head %d %s", seq, h)
	}
	// Tamper with the export: raise an amount.
	bad := strings.Replace(buf.String(), `"amount":150000`, `"amount":160000`, 1)
	v = ledger.NewVerifier()
	err := ledger.VerifyJSONL(context.Background(), strings.NewReader(bad), v)
	wantVerifyError(t, err, 1, "input hash")
	// A partial export verifies its own chain but cannot recompute seals.
	var part bytes.Buffer
	for i := 2; i < len(es); i++ {
		_ = ledger.WriteJSONL(&part, &es[i])
	}
	v = ledger.NewVerifier()
	v.AllowPartial = true
	if err := ledger.VerifyJSONL(context.Background(), &part, v); err != nil {
		t.Fatal(err)
	}
	if !v.Partial || len(v.Seals) != 1 || v.Seals[0].Recomputed {
		t.Fatalf("partial: %+v", v)
	}
}

func TestParallelMatchesSequential(t *testing.T) {
	// Many entries so that several batches are in flight; the first bad
	// one must still be named.
	var es []ledger.Entry
	seq, prev := int64(0), ledger.GenesisHash
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5000 {
		a := &models.Award{ID: "x", ResearcherID: "r", Kind: models.AwardMoney, Amount: models.Money{Minor: int64(i + 1), Currency: "EUR"}}
		e := ledger.Seal(ledger.Draft{IdempotencyKey: "k" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Kind: ledger.KindAwardDecided,
			Actor: "p", EffectiveAt: at, Postings: ledger.DecidedPostings(a)}, seq, prev, at)
		es = append(es, e)
		seq, prev = e.Seq, e.Hash
	}
	es[3100].Actor = "mallory"
	es[4000].Actor = "mallory"
	i := 0
	v := ledger.NewVerifier()
	err := ledger.VerifyParallel(context.Background(), v, 4, func() (*ledger.Entry, bool, error) {
		if i == len(es) {
			return nil, false, nil
		}
		i++
		return &es[i-1], true, nil
	}, func(e *ledger.Entry) (ledger.Entry, error) { return *e, nil })
	wantVerifyError(t, err, 3101, "input hash")
}

func TestPeriod(t *testing.T) {
	p, err := ledger.ParsePeriod("2026-12")
	if err != nil || p.End() != time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) {
		t.Fatal(p, err)
	}
	for _, bad := range []string{"2026-13", "2026-1", "26-01", "2026-01-01", ""} {
		if _, err := ledger.ParsePeriod(bad); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestHashFormatStable pins the canonical encoding: these hashes were
// computed by the first release's encoder. A change here breaks every
// stored chain.
func TestHashFormatStable(t *testing.T) {
	d := ledger.Draft{IdempotencyKey: "award/PLEX-1/money/decided", Kind: ledger.KindAwardDecided, AwardID: "PLEX-1/money", Actor: "policy",
		EffectiveAt: time.Date(2026, 11, 2, 9, 15, 0, 123456789, time.UTC),
		Postings:    []ledger.Posting{{Debit: "expense:bounties", Credit: "liability:payable:res-ada", Asset: "USD", Amount: 250000}},
		Data:        map[string]string{"report_id": "PLEX-1", "severity": "critical", "z": "", "ä": "ü"}}
	e := ledger.Seal(d, 41, "ab", time.Date(2026, 11, 2, 9, 16, 0, 0, time.FixedZone("x", 3600)))
	if e.InputHash != "a4dd01a7f41c3e0b9638e39eeefff16772292c7332612a2fc7add518d155628b" ||
		e.Hash != "cf8a727dfeca1c54e6696b025ab6390fd1e877bb903b7fef96ecaab557573123" {
		t.Fatalf("hash format changed: %s %s", e.InputHash, e.Hash)
	}
	if err := ledger.CheckEntry(&e); err != nil {
		t.Fatal(err)
	}
}
