package worker

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestSchedulerFinishesRunInProgress(t *testing.T) {
	var started, finished atomic.Int32
	run := func(ctx context.Context) (Result, error) {
		started.Add(1)
		select {
		case <-time.After(700 * time.Millisecond):
		case <-ctx.Done():
			t.Error("the run's context was cancelled by shutdown")
		}
		finished.Add(1)
		return Result{}, nil
	}
	s, err := NewScheduler("@every 1s", run, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.RunOnStart = true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	time.Sleep(200 * time.Millisecond) // the start-up run is in progress
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if started.Load() == 0 || started.Load() != finished.Load() {
		t.Fatalf("started %d, finished %d: shutdown must wait for the run", started.Load(), finished.Load())
	}
}

func TestSchedulerRejectsBadSpec(t *testing.T) {
	for _, spec := range []string{"", "every hour", "61 * * * *", "* * * *"} {
		if _, err := NewScheduler(spec, nil, nil); err == nil {
			t.Errorf("spec %q accepted", spec)
		}
	}
}
