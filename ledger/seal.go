package ledger

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plex/bountypay/models"
)

// Period is a calendar month in UTC, the unit of the monthly close.
type Period struct {
	Year  int
	Month time.Month
}

// ParsePeriod parses "2026-11". Anything else wraps models.ErrInvalid.
func ParsePeriod(s string) (Period, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 {
		return Period{}, fmt.Errorf("period %q: want YYYY-MM: %w", s, models.ErrInvalid)
	}
	return Period{t.Year(), t.Month()}, nil
}

// PeriodOf returns the month t falls in (UTC).
func PeriodOf(t time.Time) Period {
	t = t.UTC()
	return Period{t.Year(), t.Month()}
}

func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// Start is the first instant of the month.
func (p Period) Start() time.Time { return time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, time.UTC) }

// End is the first instant after the month.
func (p Period) End() time.Time { return p.Start().AddDate(0, 1, 0) }

// index orders periods: year*12 + month-1.
func (p Period) index() int { return p.Year*12 + int(p.Month) - 1 }

// Seal entry data keys. Trial-balance lines are "tb:<asset>:<account>"
// (assets never contain a colon; accounts may).
const (
	SealPeriod   = "period"
	SealStart    = "period_start"
	SealEnd      = "period_end"
	SealLastSeq  = "last_seq"
	SealHeadHash = "head_hash"
	SealLines    = "tb_lines"
	sealTBPrefix = "tb:"
)

// SealKey is the idempotency key of a period's seal entry.
func SealKey(p Period) string { return "seal/" + p.String() }

// SealDraft builds the seal entry of period p: the trial balance tb as of
// the period end (every entry with effective_at before it), and the chain
// head the seal follows. The entry is effective at the period end, so it
// belongs to the next, open period.
func SealDraft(p Period, tb Balances, lastSeq int64, headHash, actor string) Draft {
	data := map[string]string{
		SealPeriod:   p.String(),
		SealStart:    p.Start().Format(time.RFC3339),
		SealEnd:      p.End().Format(time.RFC3339),
		SealLastSeq:  strconv.FormatInt(lastSeq, 10),
		SealHeadHash: headHash,
	}
	n := 0
	for acct, m := range tb {
		for asset, v := range m {
			if v != 0 {
				data[sealTBPrefix+asset+":"+acct] = strconv.FormatInt(v, 10)
				n++
			}
		}
	}
	data[SealLines] = strconv.Itoa(n)
	return Draft{IdempotencyKey: SealKey(p), Kind: KindSeal, Actor: actor, EffectiveAt: p.End(), Data: data}
}

// SealInfo is what a seal entry states.
type SealInfo struct {
	Period       Period
	LastSeq      int64
	HeadHash     string
	TrialBalance Balances // non-zero lines only
}

// ParseSeal reads a seal entry's data. Malformed data wraps
// models.ErrInvalid.
func ParseSeal(e *Entry) (SealInfo, error) {
	bad := func(what string) (SealInfo, error) {
		return SealInfo{}, fmt.Errorf("seal entry %d: %s: %w", e.Seq, what, models.ErrInvalid)
	}
	if e.Kind != KindSeal {
		return bad("not a seal")
	}
	p, err := ParsePeriod(e.Data[SealPeriod])
	if err != nil {
		return bad("period")
	}
	if e.Data[SealStart] != p.Start().Format(time.RFC3339) || e.Data[SealEnd] != p.End().Format(time.RFC3339) {
		return bad("period bounds do not match the period")
	}
	if !e.EffectiveAt.Equal(p.End()) {
		return bad("not effective at the period end")
	}
	last, err := strconv.ParseInt(e.Data[SealLastSeq], 10, 64)
	if err != nil {
		return bad("last_seq")
	}
	info := SealInfo{Period: p, LastSeq: last, HeadHash: e.Data[SealHeadHash], TrialBalance: Balances{}}
	n := 0
	for k, v := range e.Data {
		rest, ok := strings.CutPrefix(k, sealTBPrefix)
		if !ok {
			continue
		}
		asset, acct, ok := strings.Cut(rest, ":")
		if !ok || asset == "" || acct == "" {
			return bad("trial balance key " + k)
		}
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil || x == 0 {
			return bad("trial balance value of " + k)
		}
		info.TrialBalance.add(acct, asset, x)
		n++
	}
	if strconv.Itoa(n) != e.Data[SealLines] {
		return bad("trial balance line count")
	}
	return info, nil
}

// DiffBalances names the first difference between two trial balances
// (zero lines ignored), or "" when they agree.
func DiffBalances(want, got Balances) string {
	type line struct{ acct, asset string }
	seen := map[line]bool{}
	var lines []line
	for _, b := range []Balances{want, got} {
		for acct, m := range b {
			for asset := range m {
				l := line{acct, asset}
				if !seen[l] {
					seen[l] = true
					lines = append(lines, l)
				}
			}
		}
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].acct != lines[j].acct {
			return lines[i].acct < lines[j].acct
		}
		return lines[i].asset < lines[j].asset
	})
	for _, l := range lines {
		if w, g := want[l.acct][l.asset], got[l.acct][l.asset]; w != g {
			return fmt.Sprintf("%s %s: sealed %d, recomputed %d", l.acct, l.asset, w, g)
		}
	}
	return ""
}

// Clone returns a deep copy without zero lines.
func (b Balances) Clone() Balances {
	out := Balances{}
	for acct, m := range b {
		for asset, v := range m {
			if v != 0 {
				out.add(acct, asset, v)
			}
		}
	}
	return out
}

// ErrSealed means an entry would be effective inside a sealed period. It
// matches models.ErrInvalid too. Corrections go into the open period,
// referencing what they correct.
var ErrSealed = fmt.Errorf("period sealed: %w", models.ErrInvalid)

// CheckSealed refuses a draft effective inside a sealed period: after a
// month is sealed, corrections go into the open period. A seal itself must
// close a later period than the last one.
func CheckSealed(d Draft, h Head) error {
	if h.SealedThrough.IsZero() {
		return nil
	}
	at := d.EffectiveAt.UTC().Truncate(time.Microsecond)
	if d.Kind == KindSeal {
		if !at.After(h.SealedThrough) {
			return fmt.Errorf("ledger %s: the ledger is already sealed through %s: %w", d.IdempotencyKey,
				h.SealedThrough.Format(time.RFC3339), ErrSealed)
		}
		return nil
	}
	if at.Before(h.SealedThrough) {
		return fmt.Errorf("ledger %s: effective %s is inside a sealed period (sealed through %s); book it in the open period: %w",
			d.IdempotencyKey, at.Format(time.RFC3339), h.SealedThrough.Format(time.RFC3339), ErrSealed)
	}
	return nil
}

// CanSeal says whether month p may be sealed at now on a ledger whose head
// is h: the month must have ended and must close a later period than the
// last seal. Errors wrap models.ErrInvalid (not ended) or ErrSealed.
func CanSeal(p Period, h Head, now time.Time) error {
	if now.Before(p.End()) {
		return fmt.Errorf("seal %s: the month has not ended (it ends %s): %w", p, p.End().Format(time.RFC3339), models.ErrInvalid)
	}
	if !h.SealedThrough.IsZero() && !p.End().After(h.SealedThrough) {
		return fmt.Errorf("seal %s: already sealed through %s: %w", p, h.SealedThrough.Format(time.RFC3339), ErrSealed)
	}
	return nil
}
