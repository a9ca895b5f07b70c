package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

func testRunner(cfg Config) *Runner {
	return &Runner{cfg: cfg.withDefaults(), log: slog.New(slog.DiscardHandler)}
}

// inBatches walks every record, at most BatchSize at a time, each batch
// under a context with its own deadline.
func TestInBatchesWalksEverything(t *testing.T) {
	for _, tt := range []struct{ records, size, batches int }{
		{0, 3, 0}, {1, 3, 1}, {3, 3, 1}, {4, 3, 2}, {10, 3, 4}, {10, 500, 1},
	} {
		t.Run(fmt.Sprintf("%d_by_%d", tt.records, tt.size), func(t *testing.T) {
			all := make([]int, tt.records)
			for i := range all {
				all[i] = i
			}
			r := testRunner(Config{BatchSize: tt.size, BatchTimeout: time.Minute})
			var got []int
			var deadlines []time.Time
			err := inBatches(context.Background(), r, loaded(func(context.Context) ([]int, error) { return all, nil }),
				func(ctx context.Context, batch []int) error {
					if len(batch) > tt.size {
						t.Errorf("batch of %d, more than %d", len(batch), tt.size)
					}
					d, ok := ctx.Deadline()
					if !ok {
						t.Error("batch without a deadline")
					}
					deadlines = append(deadlines, d)
					got = append(got, batch...)
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, all) || len(deadlines) != tt.batches {
				t.Fatalf("walked %v in %d batches, want %v in %d", got, len(deadlines), all, tt.batches)
			}
			for i := 1; i < len(deadlines); i++ {
				if !deadlines[i].After(deadlines[i-1]) {
					t.Errorf("batch %d shares the deadline of the one before", i+1)
				}
			}
		})
	}
}

// A batch that outlives its timeout stops the walk with ErrBatchTimeout;
// the batches after it do not run; RunOnce's step counts it once.
func TestInBatchesTimeout(t *testing.T) {
	r := testRunner(Config{BatchSize: 2, BatchTimeout: 20 * time.Millisecond})
	var seen [][]int
	next := loaded(func(context.Context) ([]int, error) { return []int{1, 2, 3, 4, 5}, nil })
	err := inBatches(context.Background(), r, next, func(ctx context.Context, batch []int) error {
		seen = append(seen, batch)
		if batch[0] == 3 {
			<-ctx.Done() // the second batch hangs until its deadline
			return fmt.Errorf("award %d: %w", batch[0], ctx.Err())
		}
		return nil
	})
	if !errors.Is(err, ErrBatchTimeout) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "batch 2 (2 records)") {
		t.Fatalf("err %v, want the second batch's timeout", err)
	}
	if len(seen) != 2 {
		t.Fatalf("batches %v: the walk must stop at the one that timed out", seen)
	}
	var res Result
	ctx := context.Background()
	if !r.stopped(ctx, &res, "send", err) || res.Errors != 1 || len(res.Stopped) != 1 || !strings.HasPrefix(res.Stopped[0], "send: batch 2") {
		t.Fatalf("stopped: errors %d, stopped %q", res.Errors, res.Stopped)
	}
	if r.stopped(ctx, &res, "send", errors.New("db down")) || res.Errors != 1 {
		t.Fatal("another error is not a stopped step")
	}
	// A batch that swallowed its errors but ran out of time is a timeout too.
	err = inBatches(ctx, r, next, func(ctx context.Context, batch []int) error { <-ctx.Done(); return nil })
	if !errors.Is(err, ErrBatchTimeout) {
		t.Fatalf("err %v, want a timeout", err)
	}
}

// The run's own context ending is not a batch timeout: it is returned as
// it is.
func TestInBatchesRunCancelled(t *testing.T) {
	r := testRunner(Config{BatchSize: 1, BatchTimeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := inBatches(ctx, r, loaded(func(context.Context) ([]int, error) { return []int{1, 2, 3}, nil }),
		func(ctx context.Context, batch []int) error {
			calls++
			cancel()
			return ctx.Err()
		})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrBatchTimeout) || calls != 1 {
		t.Fatalf("err %v after %d batches, want context.Canceled after 1", err, calls)
	}
	var res Result
	if r.stopped(ctx, &res, "decide", err) || res.Errors != 0 {
		t.Fatal("a cancelled run is not a stopped step")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero is the defaults", Config{}, true},
		{"set", Config{BatchSize: 10, BatchTimeout: time.Second, MaxListAge: time.Hour,
			MaxItem: map[string]int64{"USD": 0}, RunCap: map[string]int64{"EUR": 100}}, true},
		{"negative batch size", Config{BatchSize: -1}, false},
		{"negative batch timeout", Config{BatchTimeout: -time.Second}, false},
		{"negative list age", Config{MaxListAge: -time.Hour}, false},
		{"negative per-item maximum", Config{MaxItem: map[string]int64{"USD": -1}}, false},
		{"run cap without a currency", Config{RunCap: map[string]int64{"": 100}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, models.ErrInvalid)) {
				t.Fatalf("Validate: %v, want ok=%v (errors wrapping models.ErrInvalid)", err, tt.ok)
			}
			if tt.ok {
				return
			}
			// Refused before touching anything (no store is needed).
			r := NewRunner(tt.cfg, nil, nil, nil, nil)
			if _, err := r.RunOnce(context.Background()); !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("RunOnce with an invalid config: %v", err)
			}
			if _, err := r.Rescreen(context.Background()); !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("Rescreen with an invalid config: %v", err)
			}
		})
	}
	c := Config{}.withDefaults()
	if c.BatchSize != DefaultBatchSize || c.BatchTimeout != DefaultBatchTimeout || c.MaxListAge != DefaultMaxListAge || c.Actor == "" {
		t.Errorf("defaults: %+v", c)
	}
}

// A walk over the awards still in a state, for a step that moves them out
// of it, reaches every award once and ends, also when some cannot be
// moved (another worker holds them) and when some of those leave the
// state meanwhile.
func TestLeavingWalk(t *testing.T) {
	for _, tt := range []struct {
		name  string
		n     int
		stuck []int // awards the step cannot move
		leave []int // stuck awards another worker moves out after the first batch
	}{
		{"all move", 2, nil, nil},
		{"some stuck", 2, []int{0, 3, 4}, nil},
		{"a whole batch stuck", 2, []int{0, 1, 2, 3}, nil},
		{"all stuck", 3, []int{0, 1, 2, 3, 4, 5, 6}, nil},
		{"stuck ones leave meanwhile", 2, []int{0, 1}, []int{0, 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var in []models.Award // still in the state, oldest first
			for i := range 7 {
				in = append(in, models.Award{ID: fmt.Sprint(i)})
			}
			stuck := map[string]bool{}
			for _, i := range tt.stuck {
				stuck[fmt.Sprint(i)] = true
			}
			remove := func(id string) {
				in = slices.DeleteFunc(in, func(a models.Award) bool { return a.ID == id })
			}
			list := func(_ context.Context, limit int) ([]models.Award, error) {
				return slices.Clone(in[:min(limit, len(in))]), nil
			}
			skip := map[string]bool{}
			r := testRunner(Config{BatchSize: tt.n, BatchTimeout: time.Minute})
			seen := map[string]int{}
			batches := 0
			err := inBatches(context.Background(), r, leaving(skip, list), func(_ context.Context, batch []models.Award) error {
				if batches++; batches > 20 {
					t.Fatal("the walk does not end")
				}
				for _, a := range batch {
					seen[a.ID]++
					if stuck[a.ID] {
						skip[a.ID] = true
						continue
					}
					remove(a.ID)
				}
				if batches == 1 {
					for _, i := range tt.leave {
						remove(fmt.Sprint(i))
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 7 {
				if id := fmt.Sprint(i); seen[id] != 1 {
					t.Errorf("award %s handled %d times, want once", id, seen[id])
				}
			}
		})
	}
}
