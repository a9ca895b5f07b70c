package worker_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plex/bountypay/worker"
)

// TestSchedulerOneReplicaPerSlot: two replicas on one database run the
// same schedule; every slot runs once, on one of them.
func TestSchedulerOneReplicaPerSlot(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		db := newDB(t, engine)
		var runs atomic.Int32
		run := func(context.Context) (worker.Result, error) {
			runs.Add(1)
			time.Sleep(50 * time.Millisecond)
			return worker.Result{}, nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, owner := range []string{"replica-a", "replica-b"} {
			st := db.open(t)
			s, err := worker.NewScheduler("@every 1s", run, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			s.Slots, s.Owner = st, owner
			wg.Go(func() {
				if err := s.Run(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		time.Sleep(3500 * time.Millisecond)
		cancel()
		wg.Wait()
		// About 3 slots in 3.5 s (plus possibly one catch-up at start);
		// without slots both replicas would run each: 6 or more.
		if n := runs.Load(); n < 2 || n > 4 {
			t.Fatalf("%d runs in 3.5 s of a 1 s schedule on two replicas, want one per slot", n)
		}
	})
}

// TestSchedulerCatchesUpAMissedSlot: a replica starting after a slot that
// nobody ran runs it once.
func TestSchedulerCatchesUpAMissedSlot(t *testing.T) {
	st := newDB(t, "sqlite").open(t)
	var runs atomic.Int32
	run := func(context.Context) (worker.Result, error) { runs.Add(1); return worker.Result{}, nil }
	s, err := worker.NewScheduler("0 * * * *", run, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	s.Slots, s.Owner = st, "a"
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 1 {
		t.Fatalf("%d runs, want the missed hourly slot caught up once", runs.Load())
	}
	// The slot is now claimed: a restart does not run it again.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if err := s.Run(ctx2); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 1 {
		t.Fatalf("%d runs after a restart, want still 1", runs.Load())
	}
}
