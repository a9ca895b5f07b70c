package ledger

import (
	"context"
	"runtime"
	"sync"
)

// batchSize is how many records one worker decodes and hashes at a time.
const batchSize = 1024

type batch[R any] struct {
	raws []R
	ents []Entry
	errs []error
	done chan struct{}
}

// VerifyParallel feeds a verifier from a stream of raw records (database
// rows, export lines): next returns the next record, ok=false at the end.
// Decoding and hashing (CheckEntry) run on several goroutines; linking runs
// in sequence order on the caller's goroutine, so the first bad entry is
// still the one named. decode returns the entry with what it could read
// and an error for a record that does not decode. workers <= 0 means
// GOMAXPROCS.
func VerifyParallel[R any](ctx context.Context, v *Verifier, workers int, next func() (R, bool, error), decode func(R) (Entry, error)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *batch[R], workers*2)
	ordered := make(chan *batch[R], workers*4)
	var readErr error
	go func() { // reader
		defer close(work)
		defer close(ordered)
		for {
			b := &batch[R]{raws: make([]R, 0, batchSize), done: make(chan struct{})}
			for len(b.raws) < batchSize {
				r, ok, err := next()
				if err != nil {
					readErr = err
					break
				}
				if !ok {
					break
				}
				b.raws = append(b.raws, r)
			}
			if len(b.raws) > 0 {
				select {
				case ordered <- b:
				case <-ctx.Done():
					return
				}
				select {
				case work <- b:
				case <-ctx.Done():
					return
				}
			}
			if len(b.raws) < batchSize {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				b.ents = make([]Entry, len(b.raws))
				b.errs = make([]error, len(b.raws))
				for i, r := range b.raws {
					e, err := decode(r)
					if err == nil {
						err = CheckEntry(&e)
					} else {
						err = &VerifyError{Seq: e.Seq, Key: e.IdempotencyKey, Reason: "undecodable: " + err.Error()}
					}
					b.ents[i], b.errs[i] = e, err
				}
				var zero R
				for i := range b.raws {
					b.raws[i] = zero
				}
				close(b.done)
			}
		}()
	}
	defer func() {
		cancel()
		for b := range ordered { // let the reader finish
			_ = b
		}
		wg.Wait()
	}()
	for b := range ordered {
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		for i := range b.ents {
			e := &b.ents[i]
			if b.errs[i] != nil {
				if lerr := v.linkCheck(e); lerr != nil {
					return lerr
				}
				return b.errs[i]
			}
			if err := v.Link(e); err != nil {
				return err
			}
		}
	}
	// The reader has returned: ordered is closed only after it stops.
	return readErr
}
