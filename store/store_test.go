package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/dbtest"
	"github.com/plex/bountypay/internal/pgtest"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// engines runs fn against a fresh SQLite store and a fresh PostgreSQL one.
func engines(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) { fn(t, dbtest.Open(t, e, dbtest.Options{})) })
}

func report(id string) models.Report {
	return models.Report{ID: id, Title: "t", Category: models.CategoryXSS, Severity: models.SeverityHigh,
		Status: models.ReportApproved, Reproduced: true, ApprovedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Researcher: models.Researcher{ID: "r1", Name: "Ada Lovelace", Email: "ada@example.com", Country: "GB"}}
}

func TestImportIdempotentAndConflict(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		recs := []models.ImportRecord{{Report: report("R-1"), ContentHash: "h1", Line: 1}, {Report: report("R-2"), ContentHash: "h2", Line: 2}}
		res, err := s.ImportReports(ctx, "a.jsonl", recs, "triage")
		if err != nil || res.New != 2 {
			t.Fatalf("first import: %+v %v", res, err)
		}
		res, err = s.ImportReports(ctx, "a.jsonl", recs, "triage")
		if err != nil || res.New != 0 || res.Unchanged != 2 {
			t.Fatalf("re-import: %+v %v", res, err)
		}
		bad := []models.ImportRecord{{Report: report("R-3"), ContentHash: "h3", Line: 1}, {Report: report("R-1"), ContentHash: "other", Line: 2}}
		_, err = s.ImportReports(ctx, "b.jsonl", bad, "triage")
		var fe *models.FieldError
		if !errors.Is(err, models.ErrConflict) || !errors.As(err, &fe) || fe.Line != 2 || fe.Record != "R-1" {
			t.Fatalf("conflict: %v", err)
		}
		all, err := s.Reports(ctx)
		if err != nil || len(all) != 2 {
			t.Fatalf("a conflicting file must import nothing: %d reports, %v", len(all), err)
		}
		if _, err := s.VerifyLedger(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTransitionAndLedger(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.ImportReports(ctx, "a", []models.ImportRecord{{Report: report("R-1"), ContentHash: "h"}}, "triage"); err != nil {
			t.Fatal(err)
		}
		a := models.Award{ID: "R-1/money", ReportID: "R-1", ResearcherID: "r1", Kind: models.AwardMoney,
			Amount: models.Money{Minor: 200000, Currency: "USD"}, State: models.StatePending, PolicyVersion: "p1"}
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.InsertAward(&a, ledger.Draft{IdempotencyKey: "award/R-1/money/decided", Kind: ledger.KindAwardDecided,
				Actor: "policy", EffectiveAt: time.Now(), Postings: ledger.DecidedPostings(&a)})
		})
		if err != nil {
			t.Fatal(err)
		}
		// Illegal transition is an error, not a panic.
		err = s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Transition(&a, models.StatePaid, "", ledger.Draft{IdempotencyKey: "x", Actor: "t", EffectiveAt: time.Now()}, nil)
		})
		var te *models.TransitionError
		if !errors.As(err, &te) {
			t.Fatalf("want TransitionError, got %v", err)
		}
		// A stale copy loses the optimistic lock.
		stale := a
		err = s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Transition(&a, models.StateReadyToScreen, "approved", ledger.Draft{IdempotencyKey: "k1", Actor: "t", EffectiveAt: time.Now()}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Transition(&stale, models.StateReadyToScreen, "again", ledger.Draft{IdempotencyKey: "k2", Actor: "t", EffectiveAt: time.Now()}, nil)
		})
		if !errors.Is(err, models.ErrConflict) {
			t.Fatalf("stale transition: %v", err)
		}
		// Same key, other content: conflict; same content: replay.
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		d := ledger.Draft{IdempotencyKey: "k3", Kind: ledger.KindScreened, Actor: "t", EffectiveAt: at, Data: map[string]string{"a": "1"}}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			if _, rep, err := tx.Append(d); err != nil || rep {
				return errors.Join(err, errors.New("first append replayed"))
			}
			if _, rep, err := tx.Append(d); err != nil || !rep {
				return errors.Join(err, errors.New("second append not replayed"))
			}
			d2 := d
			d2.Data = map[string]string{"a": "2"}
			if _, _, err := tx.Append(d2); !errors.Is(err, models.ErrConflict) {
				return errors.Join(err, errors.New("changed content not a conflict"))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.VerifyLedger(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.Balances[ledger.Payable("r1")]["USD"]; got != -200000 {
			t.Fatalf("payable balance %d", got)
		}
	})
}

func TestPassCodesAssignedOnce(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		res, err := s.ImportPassCodes(ctx, "codes.txt", []string{"AAA", "BBB", "CCC", "AAA"}, "ops")
		if err != nil || res.New != 3 || res.Duplicate != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		if _, err := s.ImportReports(ctx, "a", []models.ImportRecord{{Report: report("R-1"), ContentHash: "h"}}, "triage"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"a1", "a2", "a3", "a4"} {
			a := models.Award{ID: id, ReportID: "R-1", ResearcherID: "r1", Kind: models.AwardPlexPass, State: models.StatePending, PolicyVersion: "p1"}
			if err := s.InTx(ctx, func(tx *store.Tx) error {
				return tx.InsertAward(&a, ledger.Draft{IdempotencyKey: id, Kind: ledger.KindAwardDecided, Actor: "policy", EffectiveAt: time.Now(), Postings: ledger.DecidedPostings(&a)})
			}); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		got := map[string]string{}
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				award := []string{"a1", "a2", "a3", "a1", "a2", "a3"}[i]
				err := s.InTx(ctx, func(tx *store.Tx) error {
					_, code, err := tx.AssignPassCode(award)
					if err != nil {
						return err
					}
					mu.Lock()
					defer mu.Unlock()
					if prev, ok := got[award]; ok && prev != code {
						t.Errorf("award %s got two codes", award)
					}
					got[award] = code
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if len(got) != 3 {
			t.Fatalf("want 3 awards with codes, got %v", len(got))
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.AssignPassCode("a4")
			return err
		})
		if !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("empty pool: %v", err)
		}
		seen := map[string]bool{}
		for _, c := range got {
			if seen[c] {
				t.Fatalf("code given twice: %v", got)
			}
			seen[c] = true
		}
	})
}

func TestConcurrentAppends(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		var mu sync.Mutex
		replays := 0
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := "same"
				if i%2 == 1 {
					key = "k" + string(rune('a'+i))
				}
				err := s.InTx(ctx, func(tx *store.Tx) error {
					_, rep, err := tx.Append(ledger.Draft{IdempotencyKey: key, Kind: ledger.KindStateChanged, Actor: "t", EffectiveAt: at})
					if rep {
						mu.Lock()
						replays++
						mu.Unlock()
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if replays != 7 {
			t.Errorf("%d replays of the shared key, want 7", replays)
		}
		v, err := s.VerifyLedger(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v.Count != 9 {
			t.Fatalf("%d entries, want 9", v.Count)
		}
	})
}

// Awards page by keyset: every award once, in order, whatever the batch
// size, including awards created at the same instant (ties by id).
func TestAwardsKeysetPages(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		s := dbtest.Open(t, e, dbtest.Options{NowFunc: func() time.Time { return at }})
		ctx := context.Background()
		if _, err := s.ImportReports(ctx, "a", []models.ImportRecord{{Report: report("R-1"), ContentHash: "h"}}, "triage"); err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := range 7 {
			id := fmt.Sprintf("k%d", 7-i) // inserted out of id order, in one transaction: the same created_at
			want = append(want, id)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			for _, id := range want {
				a := models.Award{ID: id, ReportID: "R-1", ResearcherID: "r1", Kind: models.AwardPlexPass, State: models.StatePending, PolicyVersion: "p1"}
				if err := tx.InsertAward(&a, ledger.Draft{IdempotencyKey: id, Kind: ledger.KindAwardDecided, Actor: "policy", EffectiveAt: time.Now()}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(want)
		for _, n := range []int{1, 3, 7, 10} {
			var got []string
			var after *models.AwardCursor
			for {
				as, err := s.Awards(ctx, models.AwardFilter{States: []models.AwardState{models.StatePending}, Limit: n, After: after})
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range as {
					got = append(got, a.ID)
				}
				if len(as) < n {
					break
				}
				after = &models.AwardCursor{CreatedAt: as[len(as)-1].CreatedAt, ID: as[len(as)-1].ID}
			}
			if !slices.Equal(got, want) {
				t.Errorf("pages of %d: %v, want %v", n, got, want)
			}
		}
	})
}
