package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/dbtest"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

func benchStore(b *testing.B, engine string) *store.Store {
	b.Helper()
	return dbtest.Open(b, dbtest.Engine(engine), dbtest.Options{})
}

// BenchmarkAppend appends entries (one per transaction, chain, head
// anchor, triggers) from several concurrent writers.
func BenchmarkAppend(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		for _, writers := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/writers=%d", engine, writers), func(b *testing.B) {
				s := benchStore(b, engine)
				ctx := context.Background()
				var n atomic.Int64
				at := time.Now()
				b.SetParallelism(writers)
				b.ResetTimer()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := n.Add(1)
						a := &models.Award{ID: "A-" + strconv.FormatInt(i, 10), ResearcherID: "r" + strconv.FormatInt(i%100, 10),
							Kind: models.AwardMoney, Amount: models.Money{Minor: 1000 + i, Currency: "USD"}}
						err := s.InTx(ctx, func(tx *store.Tx) error {
							_, _, err := tx.Append(ledger.Draft{IdempotencyKey: "bench/" + a.ID, Kind: ledger.KindAwardDecided,
								AwardID: a.ID, Actor: "bench", EffectiveAt: at, Postings: ledger.DecidedPostings(a),
								Data: map[string]string{"report_id": a.ID, "policy_version": "v1"}})
							return err
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.StopTimer()
				b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "appends/s")
			})
		}
	}
}

// genChain builds n entries shaped like a real journal: decisions, sends,
// payments with fees and state changes without postings.
func genChain(n int) []ledger.Entry {
	es := make([]ledger.Entry, 0, n)
	seq, prev := int64(0), ledger.GenesisHash
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; len(es) < n; i++ {
		a := &models.Award{ID: "PLEX-" + strconv.Itoa(i) + "/money", ResearcherID: "res-" + strconv.Itoa(i%5000),
			Kind: models.AwardMoney, Amount: models.Money{Minor: int64(5000 + i%100000), Currency: "USD"}}
		ds := []ledger.Draft{
			{IdempotencyKey: "award/" + a.ID + "/decided", Kind: ledger.KindAwardDecided, Postings: ledger.DecidedPostings(a),
				Data: map[string]string{"report_id": "PLEX-" + strconv.Itoa(i), "kind": "money", "policy_version": "policy-v1", "severity": "high", "category": "xss", "amount": a.Amount.String()}},
			{IdempotencyKey: "award/" + a.ID + "/ready", Kind: ledger.KindStateChanged, Data: map[string]string{"from": "pending", "to": "ready_to_screen", "reason": "no approval required"}},
			{IdempotencyKey: "award/" + a.ID + "/send/1", Kind: ledger.KindSendStarted, Postings: ledger.SendPostings(a),
				Data: map[string]string{"sender_batch_id": "bp-" + strconv.Itoa(i) + "-1", "attempt": "1", "from": "cleared", "to": "sending"}},
			{IdempotencyKey: "award/" + a.ID + "/paid/1", Kind: ledger.KindPaid, Postings: ledger.PaidPostings(a, 25),
				Data: map[string]string{"sender_batch_id": "bp-" + strconv.Itoa(i) + "-1", "payout_batch_id": "PB" + strconv.Itoa(i), "payout_item_id": "PI" + strconv.Itoa(i), "transaction_status": "SUCCESS", "fee": "25", "from": "sent", "to": "paid"}},
		}
		for _, d := range ds {
			if len(es) == n {
				break
			}
			d.AwardID, d.Actor, d.EffectiveAt = a.ID, "bountypay", at
			e := ledger.Seal(d, seq, prev, at)
			es = append(es, e)
			seq, prev = e.Seq, e.Hash
			at = at.Add(time.Second)
		}
	}
	return es
}

// BenchmarkVerify verifies a journal of BOUNTYPAY_BENCH_VERIFY_N entries
// (default 1,000,000) on PostgreSQL.
func BenchmarkVerify(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("BOUNTYPAY_BENCH_VERIFY_N")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range []string{"postgres", "sqlite"} {
		b.Run(fmt.Sprintf("%s/entries=%d", engine, n), func(b *testing.B) {
			s := benchStore(b, engine)
			ctx := context.Background()
			t0 := time.Now()
			es := genChain(n)
			t1 := time.Now()
			if err := s.BulkLoadLedger(ctx, es); err != nil {
				b.Fatal(err)
			}
			b.Logf("generated %d entries in %s, loaded in %s", n, t1.Sub(t0), time.Since(t1))
			es = nil
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				v, err := s.VerifyLedger(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if v.Count != int64(n) {
					b.Fatalf("verified %d", v.Count)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "entries/s")
		})
	}
}
