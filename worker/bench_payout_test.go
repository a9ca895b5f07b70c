package worker_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

// BenchmarkRunPay10k measures one run that pays 10,000 cleared awards
// against the in-process sandbox (one award per PayPal batch), then the
// run that reconciles them to paid. Run it with
//
//	go test ./worker -run '^$' -bench RunPay10k -benchtime 1x
//
// (BOUNTYPAY_BENCH_AWARDS overrides the count). It reports awards per
// second of the first run (which sends all and polls them once) and until
// all are paid, the peak Go heap of the process (sampled) and its
// peak RSS (VmHWM; the sandbox runs in the same process and is included;
// its request log is capped at 1,000 entries so that it does not dominate).
func BenchmarkRunPay10k(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("BOUNTYPAY_BENCH_AWARDS")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				sb, base := startSandbox(b, paypalsandbox.Config{RequestLogLimit: 1000, Balances: map[string]string{"USD": "100000000.00"}})
				st := newDB(b, engine).open(b)
				loadList(b, st)
				ids := clearedAwards(b, st, n)
				pp := newPayPal(b, sb, base, 10*time.Second)
				r, _ := newRunner(b, st, pp, runnerOpts{})
				peak := sampleHeap()
				b.StartTimer()

				start := time.Now()
				res, err := r.RunOnce(context.Background())
				sendTook := time.Since(start)
				if err != nil || res.Sent != n {
					b.Fatalf("send run: sent %d of %d, errors %d, unknown %d, deferred %d, manual %d, waiting %d %.300v: %v", res.Sent, n, res.Errors, res.Unknown, res.Deferred, res.Manual, len(res.Waiting), res.Waiting, err)
				}
				// Runs until every award is paid (the first run polled the
				// batches PayPal had already processed).
				paid := res.Reconciled[models.StatePaid]
				runs := 1
				for paid < n && runs < 10 {
					sb.Advance(2 * time.Second)
					res, err = r.RunOnce(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					paid += res.Reconciled[models.StatePaid]
					runs++
				}
				allTook := time.Since(start)
				if paid != n {
					b.Fatalf("paid %d of %d after %d runs", paid, n, runs)
				}
				b.StopTimer()
				heap := peak()
				b.ReportMetric(float64(n)/sendTook.Seconds(), "sent/s")
				b.ReportMetric(float64(n)/allTook.Seconds(), "paid/s")
				b.ReportMetric(float64(runs), "runs")
				b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(peakRSS())/(1<<10), "peak-RSS-MiB")
				if !allIn(b, st, ids[:10], models.StatePaid) {
					b.Fatal("not paid")
				}
				if v, err := st.VerifyLedger(context.Background()); err != nil || v.Balances[ledger.AccountInFlight]["USD"] != 0 {
					b.Fatalf("ledger: %v", err)
				}
				sb.Close()
			}
		})
	}
}

// clearedAwards stores n cleared money awards directly (decided, ready,
// screened clear), a thousand per transaction.
func clearedAwards(b testing.TB, st *store.Store, n int) []string {
	return clearedAwardsOf(b, st, "B", n, models.Money{Minor: 10000, Currency: "USD"})
}

// clearedAwardsOf stores n cleared money awards of amount, report ids
// prefix-00000 …
func clearedAwardsOf(b testing.TB, st *store.Store, prefix string, n int, amount models.Money) []string {
	ctx := context.Background()
	ids := make([]string, 0, n)
	const chunk = 1000
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		recs := make([]models.ImportRecord, 0, hi-lo)
		for i := lo; i < hi; i++ {
			id := fmt.Sprintf("%s-%05d", prefix, i)
			rcv := fmt.Sprintf("%s%05d@example.com", strings.ToLower(prefix), i)
			recs = append(recs, models.ImportRecord{ContentHash: "h" + id, Line: i + 1, Report: models.Report{
				ID: id, Title: "t", Category: models.CategoryXSS, Severity: models.SeverityHigh, Status: models.ReportApproved,
				Reproduced: true, ApprovedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
				Researcher: models.Researcher{ID: "res-" + id, Name: "R " + id, Email: rcv, Country: "GB", PayPalReceiver: rcv}}})
		}
		if _, err := st.ImportReports(ctx, "bench", recs, "bench"); err != nil {
			b.Fatal(err)
		}
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for _, rec := range recs {
				rep := rec.Report
				if err := tx.MarkDecided(rep.ID, "awarded", "", "bench"); err != nil {
					return err
				}
				a := models.Award{ID: models.AwardID(rep.ID, models.AwardMoney), ReportID: rep.ID, ResearcherID: rep.Researcher.ID,
					Kind: models.AwardMoney, Amount: amount, State: models.StatePending, PolicyVersion: "bench"}
				now := tx.Now()
				if err := tx.InsertAward(&a, ledger.Draft{IdempotencyKey: "award/" + a.ID + "/decided", Kind: ledger.KindAwardDecided,
					Actor: "bench", EffectiveAt: now, Postings: ledger.DecidedPostings(&a)}); err != nil {
					return err
				}
				if err := tx.Transition(&a, models.StateReadyToScreen, "", ledger.Draft{IdempotencyKey: "award/" + a.ID + "/ready",
					Actor: "bench", EffectiveAt: now}, nil); err != nil {
					return err
				}
				// Screened clear against the current list, as the real flow does
				// (the send step screens again any award screened under another).
				sc := models.Screening{AwardID: a.ID, ResearcherID: a.ResearcherID, ListSHA256: testListSHA,
					Decision: string(models.DecisionClear), Result: "{}"}
				if err := tx.InsertScreening(&sc); err != nil {
					return err
				}
				if err := tx.Transition(&a, models.StateCleared, "", ledger.Draft{IdempotencyKey: "award/" + a.ID + "/cleared",
					Kind: ledger.KindScreened, Actor: "bench", EffectiveAt: now}, nil); err != nil {
					return err
				}
				ids = append(ids, a.ID)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// sampleHeap samples the Go heap every 20 ms until the returned function
// is called, which returns the peak.
func sampleHeap() func() uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		wg.Wait()
		return peak.Load()
	}
}

// peakRSS returns the process's peak resident set size in KiB (Linux).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				v, _ := strconv.ParseInt(f[1], 10, 64)
				return v
			}
		}
	}
	return 0
}
