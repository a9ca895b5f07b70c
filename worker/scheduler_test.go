package worker

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

func TestSchedulerFinishesRunInProgress(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	run := func(ctx context.Context) (Result, error) {
		close(started)
		select {
		case <-release:
		case <-ctx.Done():
			t.Error("the run's context was cancelled by shutdown")
		}
		finished.Store(true)
		return Result{}, nil
	}
	// Yearly: no scheduled run during the test, only the start-up one.
	s, err := NewSchedulerWithConfig(SchedulerConfig{Schedule: "0 0 1 1 *", RunOnStart: true}, run)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	<-started
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) with the run in progress", err)
	case <-time.After(100 * time.Millisecond): // Run had the time to return, and waits
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Fatal("shutdown must wait for the run")
	}
}

func TestSchedulerRejectsBadSpec(t *testing.T) {
	for _, spec := range []string{"", "every hour", "61 * * * *", "* * * *"} {
		if _, err := NewScheduler(spec, nil, nil); err == nil {
			t.Errorf("spec %q accepted", spec)
		}
	}
}

func TestSchedulerConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  SchedulerConfig
		ok   bool
	}{
		{"zero is the defaults", SchedulerConfig{}, true},
		{"descriptor", SchedulerConfig{Schedule: "@every 10m"}, true},
		{"five fields, location", SchedulerConfig{Schedule: "30 9 * * 1-5", Location: time.FixedZone("X", 3600)}, true},
		{"no catch-up", SchedulerConfig{CatchUp: CatchUpNone}, true},
		{"bad spec", SchedulerConfig{Schedule: "61 * * * *"}, false},
		{"four fields", SchedulerConfig{Schedule: "* * * *"}, false},
		{"unknown catch-up", SchedulerConfig{CatchUp: "all"}, false},
		{"negative catch-up window", SchedulerConfig{CatchUpWithin: -time.Hour}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate: %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, models.ErrInvalid) {
				t.Errorf("error %v does not wrap models.ErrInvalid", err)
			}
			s, err := NewSchedulerWithConfig(tt.cfg, nil)
			if (err == nil) != tt.ok {
				t.Fatalf("NewSchedulerWithConfig: %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				return
			}
			if tt.cfg.Schedule == "" && s.spec != DefaultSchedule || s.Job != DefaultJob || s.Owner == "" ||
				s.NowFunc == nil || s.log == nil || (tt.cfg.Location == nil && s.loc != time.UTC) ||
				s.catchFor != DefaultCatchUpWithin || (tt.cfg.CatchUp == "" && s.catchUp != CatchUpLatest) {
				t.Errorf("defaults not applied: %+v", s)
			}
		})
	}
}

func TestSchedulerLastSlot(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC) // a Monday
	ist := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name   string
		cfg    SchedulerConfig
		want   time.Time
		wantOK bool
	}{
		{"hourly, UTC", SchedulerConfig{}, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), true},
		// 10:30 UTC is 16:00 IST: today's 09:00 IST slot is 03:30 UTC.
		{"daily in another zone", SchedulerConfig{Schedule: "0 9 * * *", Location: ist}, time.Date(2026, 3, 2, 3, 30, 0, 0, time.UTC), true},
		{"weekly, within the window", SchedulerConfig{Schedule: "0 12 * * 6"}, time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC), true},
		{"weekly, outside a day's window", SchedulerConfig{Schedule: "0 12 * * 6", CatchUpWithin: 24 * time.Hour}, time.Time{}, false},
		{"too dense to walk", SchedulerConfig{Schedule: "@every 1s"}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedulerWithConfig(tt.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := s.lastSlot(now)
			if got.IsZero() == tt.wantOK || !got.Equal(tt.want) {
				t.Fatalf("last slot %v, want %v", got, tt.want)
			}
		})
	}
}

// memSlots is an in-memory slot table.
type memSlots struct {
	mu      sync.Mutex
	claimed map[time.Time]string
}

func (m *memSlots) ClaimRunSlot(_ context.Context, _ string, slot time.Time, owner string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.claimed[slot.UTC()]; ok {
		return false, nil
	}
	m.claimed[slot.UTC()] = owner
	return true, nil
}

func (m *memSlots) FinishRunSlot(context.Context, string, time.Time, string) error { return nil }

func (m *memSlots) RunSlotClaimed(_ context.Context, _ string, slot time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.claimed[slot.UTC()]
	return ok, nil
}

// A scheduler starting up catches up the latest slot no replica ran, once,
// unless told not to. Run is called with a context already done: the
// catch-up run still finishes before Run returns.
func TestSchedulerCatchUp(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	slot := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		catchUp CatchUp
		ran     bool // the slot was already run by another replica
		want    int32
	}{
		{"latest", CatchUpLatest, false, 1},
		{"default is latest", "", false, 1},
		{"none", CatchUpNone, false, 0},
		{"already run", CatchUpLatest, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slots := &memSlots{claimed: map[time.Time]string{}}
			if tt.ran {
				slots.claimed[slot] = "other"
			}
			var runs atomic.Int32
			run := func(context.Context) (Result, error) { runs.Add(1); return Result{}, nil }
			s, err := NewSchedulerWithConfig(SchedulerConfig{Slots: slots, Owner: "me", CatchUp: tt.catchUp,
				NowFunc: func() time.Time { return now }}, run)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Run(done); err != nil {
				t.Fatal(err)
			}
			if got := runs.Load(); got != tt.want {
				t.Fatalf("%d runs, want %d", got, tt.want)
			}
			if tt.want == 1 && slots.claimed[slot] != "me" {
				t.Errorf("slot %v claimed by %q, want me", slot, slots.claimed[slot])
			}
		})
	}
}
