package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/dbtest"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// financeEngines runs fn on SQLite and PostgreSQL stores sharing a clock
// that starts at start.
func financeEngines(t *testing.T, start time.Time, fn func(t *testing.T, s *store.Store, c *clock)) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		c := &clock{t: start}
		fn(t, dbtest.Open(t, e, dbtest.Options{NowFunc: c.Now}), c)
	})
}

// seedLedger imports a report and records a few awards' lives: about a
// dozen entries.
func seedLedger(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.ImportReports(ctx, "a", []models.ImportRecord{{Report: report("R-1"), ContentHash: "h"}}, "triage"); err != nil {
		t.Fatal(err)
	}
	for i, kind := range []models.AwardKind{models.AwardMoney, models.AwardPlexPass} {
		a := models.Award{ID: models.AwardID("R-1", kind), ReportID: "R-1", ResearcherID: "r1", Kind: kind,
			Amount: models.Money{Minor: int64(100000 * (1 - i)), Currency: map[bool]string{true: "USD"}[kind == models.AwardMoney]},
			State:  models.StatePending, PolicyVersion: "p1"}
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.InsertAward(&a, ledger.Draft{IdempotencyKey: "award/" + a.ID + "/decided", Kind: ledger.KindAwardDecided,
				Actor: "policy", EffectiveAt: tx.Now(), Postings: ledger.DecidedPostings(&a)}); err != nil {
				return err
			}
			for _, to := range []models.AwardState{models.StateReadyToScreen, models.StateCleared} {
				if err := tx.Transition(&a, to, "", ledger.Draft{IdempotencyKey: "award/" + a.ID + "/" + string(to),
					Actor: "bountypay", EffectiveAt: tx.Now()}, nil); err != nil {
					return err
				}
			}
			if err := tx.Transition(&a, models.StateSending, "", ledger.Draft{IdempotencyKey: "award/" + a.ID + "/send",
				Kind: ledger.KindSendStarted, Actor: "bountypay", EffectiveAt: tx.Now()}, nil); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	mustVerify(t, s)
}

func mustVerify(t *testing.T, s *store.Store) *ledger.Verifier {
	t.Helper()
	v, err := s.VerifyLedger(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return v
}

func wantBad(t *testing.T, s *store.Store, seq int64, reason string) {
	t.Helper()
	_, err := s.VerifyLedger(context.Background())
	var ve *ledger.VerifyError
	if !errors.As(err, &ve) || ve.Seq != seq || !strings.Contains(ve.Reason, reason) {
		t.Fatalf("want entry %d %q, got %v", seq, reason, err)
	}
	t.Logf("verify says: %v", err)
}

func TestTamperDetected(t *testing.T) {
	start := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		tamper func(s *store.Store, head int64) error

		seq    func(head int64) int64
		reason string
	}{
		{"changed amount", func(s *store.Store, head int64) error {
			return s.ExecDBA(`UPDATE ledger_entries SET postings = REPLACE(postings, '100000', '900000') WHERE seq = 2`)
		}, func(int64) int64 { return 2 }, "input hash"},
		{"changed actor", func(s *store.Store, head int64) error {
			return s.ExecDBA(`UPDATE ledger_entries SET actor = 'mallory' WHERE seq = 3`)
		}, func(int64) int64 { return 3 }, "input hash"},
		{"changed data", func(s *store.Store, head int64) error {
			return s.ExecDBA(`UPDATE ledger_entries SET data = REPLACE(data, 'cleared', 'paid') WHERE seq = 4`)
		}, func(int64) int64 { return 4 }, "input hash"},
		{"changed hash", func(s *store.Store, head int64) error {
			return s.ExecDBA(`UPDATE ledger_entries SET hash = REPLACE(hash, SUBSTR(hash, 1, 1), 'x') WHERE seq = 2`)
		}, func(int64) int64 { return 2 }, "hash mismatch"},
		{"undecodable postings", func(s *store.Store, head int64) error {
			return s.ExecDBA(`UPDATE ledger_entries SET postings = '[{' WHERE seq = 5`)
		}, func(int64) int64 { return 5 }, "undecodable"},
		{"deleted middle entry", func(s *store.Store, head int64) error {
			return s.ExecDBA(`DELETE FROM ledger_entries WHERE seq = 3`)
		}, func(int64) int64 { return 3 }, "missing"},
		{"deleted newest entry", func(s *store.Store, head int64) error {
			return s.ExecDBA(`DELETE FROM ledger_entries WHERE seq = ?`, head)
		}, func(head int64) int64 { return head }, "newest entries deleted"},
		{"deleted newest two entries", func(s *store.Store, head int64) error {
			return s.ExecDBA(`DELETE FROM ledger_entries WHERE seq >= ?`, head-1)
		}, func(head int64) int64 { return head - 1 }, "newest entries deleted"},
		{"inserted forged entry at the end", func(s *store.Store, head int64) error {
			v, _ := s.VerifyLedger(context.Background())
			seq, h := v.Head()
			forged := ledger.Seal(ledger.Draft{IdempotencyKey: "forged", Kind: ledger.KindCorrection, Actor: "mallory",
				EffectiveAt: start, Postings: []ledger.Posting{{Debit: ledger.AccountBounties, Credit: ledger.Payable("mallory"), Asset: "USD", Amount: 500000}}},
				seq, h, start)
			return s.InsertEntryDBA(forged)
		}, func(head int64) int64 { return head + 1 }, "beyond the head anchor"},
		{"inserted forged entry in the middle", func(s *store.Store, head int64) error {
			if err := s.ExecDBA(`DELETE FROM ledger_entries WHERE seq = 4`); err != nil {
				return err
			}
			forged := ledger.Seal(ledger.Draft{IdempotencyKey: "forged", Kind: ledger.KindCorrection, Actor: "mallory",
				EffectiveAt: start}, 3, "whatever", start)
			return s.InsertEntryDBA(forged)
		}, func(int64) int64 { return 4 }, "previous hash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			financeEngines(t, start, func(t *testing.T, s *store.Store, _ *clock) {
				seedLedger(t, s)
				h, err := s.LedgerHead(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				// The database refuses first...
				if c.name != "inserted forged entry at the end" {
					if err := c.tamper(s, h.Seq); err == nil {
						t.Fatal("tampering with the triggers on succeeded")
					}
					mustVerify(t, s)
				}
				// ...then a DBA disables the triggers.
				if err := s.DisableLedgerTriggers(); err != nil {
					t.Fatal(err)
				}
				if err := c.tamper(s, h.Seq); err != nil {
					t.Fatal(err)
				}
				wantBad(t, s, c.seq(h.Seq), c.reason)
			})
		})
	}
}

func TestHeadOnlyMovesForward(t *testing.T) {
	financeEngines(t, time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), func(t *testing.T, s *store.Store, _ *clock) {
		seedLedger(t, s)
		for _, q := range []string{`UPDATE ledger_heads SET seq = seq - 1`, `DELETE FROM ledger_heads`, `UPDATE ledger_entries SET actor = 'x'`, `DELETE FROM ledger_entries`} {
			if err := s.ExecDBA(q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		// An entry that does not follow the head is refused by the database.
		h, _ := s.LedgerHead(context.Background())
		e := ledger.Seal(ledger.Draft{IdempotencyKey: "x", Kind: ledger.KindCorrection, Actor: "x", EffectiveAt: time.Now()}, h.Seq, "bad", time.Now())
		if err := s.InsertEntryDBA(e); err == nil {
			t.Error("entry with a wrong prev_hash accepted")
		}
		mustVerify(t, s)
	})
}

func TestSealRefusesBackdated(t *testing.T) {
	financeEngines(t, time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC), func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		seedLedger(t, s)
		p, _ := ledger.ParsePeriod("2026-11")
		if _, err := s.SealPeriod(ctx, p, "finance"); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("sealing an open month: %v", err)
		}
		// An entry recorded in November but effective in December is not
		// in November's trial balance.
		c.Set(time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC))
		dec := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
		append1 := func(key string, at time.Time, amt int64) error {
			return s.InTx(ctx, func(tx *store.Tx) error {
				_, _, err := tx.Append(ledger.Draft{IdempotencyKey: key, Kind: ledger.KindCorrection, Actor: "finance", EffectiveAt: at,
					Postings: []ledger.Posting{{Debit: ledger.AccountBounties, Credit: ledger.Payable("r9"), Asset: "EUR", Amount: amt}},
					Data:     map[string]string{"reason": "test"}})
				return err
			})
		}
		if err := append1("early-december", dec, 700); err != nil {
			t.Fatal(err)
		}
		c.Set(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
		seal, err := s.SealPeriod(ctx, p, "finance")
		if err != nil {
			t.Fatal(err)
		}
		info, err := ledger.ParseSeal(&seal)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.TrialBalance[ledger.Payable("r9")]["EUR"]; got != 0 {
			t.Fatalf("December entry in November's trial balance: %d", got)
		}
		if got := info.TrialBalance[ledger.AccountInFlight]["USD"]; got != -100000 {
			t.Fatalf("in flight: %d", got)
		}
		// Backdated entries are refused; the open period is fine.
		err = append1("backdated", time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), 100)
		if !errors.Is(err, ledger.ErrSealed) {
			t.Fatalf("backdated: %v", err)
		}
		if err := append1("october", time.Date(2026, 10, 29, 0, 0, 0, 0, time.UTC), 100); !errors.Is(err, ledger.ErrSealed) {
			t.Fatalf("earlier month: %v", err)
		}
		if err := append1("december", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 100); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SealPeriod(ctx, p, "finance"); !errors.Is(err, ledger.ErrSealed) {
			t.Fatalf("sealing twice: %v", err)
		}
		// Seal December too: it starts from November's trial balance.
		c.Set(time.Date(2027, 1, 3, 0, 0, 0, 0, time.UTC))
		pd, _ := ledger.ParsePeriod("2026-12")
		seal2, err := s.SealPeriod(ctx, pd, "finance")
		if err != nil {
			t.Fatal(err)
		}
		info2, _ := ledger.ParseSeal(&seal2)
		if got := info2.TrialBalance[ledger.Payable("r9")]["EUR"]; got != -800 {
			t.Fatalf("December payable: %d", got)
		}
		v := mustVerify(t, s)
		if len(v.Seals) != 2 || !v.Seals[1].Recomputed {
			t.Fatalf("seals %+v", v.Seals)
		}
		// A DBA who slips a backdated entry in is named by verify.
		if err := s.DisableLedgerTriggers(); err != nil {
			t.Fatal(err)
		}
		h, _ := s.LedgerHead(ctx)
		e := ledger.Seal(ledger.Draft{IdempotencyKey: "slipped", Kind: ledger.KindCorrection, Actor: "dba",
			EffectiveAt: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)}, h.Seq, h.Hash, c.Now())
		if err := s.InsertEntryDBA(e); err != nil {
			t.Fatal(err)
		}
		if err := s.ExecDBA(`UPDATE ledger_heads SET seq = ?, hash = ?`, e.Seq, e.Hash); err != nil {
			t.Fatal(err)
		}
		wantBad(t, s, e.Seq, "sealed period")
	})
}

func TestSealCatchesRewrittenChain(t *testing.T) {
	financeEngines(t, time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC), func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		seedLedger(t, s)
		c.Set(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
		p, _ := ledger.ParsePeriod("2026-11")
		seal, err := s.SealPeriod(ctx, p, "finance")
		if err != nil {
			t.Fatal(err)
		}
		// A DBA lowers the first award and rewrites the whole chain with
		// fresh hashes, the seal's stated head included: only the seal's
		// trial balance, which the DBA left alone, gives it away.
		var es []ledger.Entry
		if err := s.EachLedgerEntry(ctx, 1, func(e ledger.Entry, derr error) error { es = append(es, e); return derr }); err != nil {
			t.Fatal(err)
		}
		orig2 := es[1].Hash
		es[1].Postings[0].Amount = 1 // award R-1/money decided
		es[4].Postings[0].Amount = 1 // and sent, so no balance goes wrong
		prev := ledger.GenesisHash
		for i := range es {
			d := es[i].Draft()
			if d.Kind == ledger.KindSeal {
				d.Data[ledger.SealHeadHash] = prev
			}
			es[i] = ledger.Seal(d, es[i].Seq-1, prev, es[i].RecordedAt)
			prev = es[i].Hash
		}
		if err := s.DisableLedgerTriggers(); err != nil {
			t.Fatal(err)
		}
		if err := s.ExecDBA(`DELETE FROM ledger_entries`); err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if err := s.InsertEntryDBA(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ExecDBA(`UPDATE ledger_heads SET seq = ?, hash = ?`, es[len(es)-1].Seq, es[len(es)-1].Hash); err != nil {
			t.Fatal(err)
		}
		wantBad(t, s, seal.Seq, "trial balance does not match")
		// An auditor holding an earlier published hash of entry 2 is told
		// at once.
		_, err = s.VerifyLedgerWith(ctx, store.VerifyOptions{Anchors: map[int64]string{2: orig2}})
		var ve *ledger.VerifyError
		if !errors.As(err, &ve) || ve.Seq != 2 || !strings.Contains(ve.Reason, "anchor") {
			t.Fatalf("with anchor: %v", err)
		}
		t.Logf("with anchor: %v", err)
	})
}
