package payout_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
)

// memStore is an in-memory payout.Store for unit tests of the sender's
// rules: the award and attempt transition tables, the posting rule and
// ledger idempotency keys as the database has them, without a database.
// A transaction works on a copy and commits it when fn returns nil. Err,
// when set, fails every transaction (a database that is down).
type memStore struct {
	mu    sync.Mutex
	now   time.Time
	state memState
	Err   error
}

type memState struct {
	awards   map[string]models.Award
	attempts map[string]models.Attempt
	times    map[string]models.AttemptTimes
	payees   map[string]models.PayeeState
	entries  []ledger.Entry
	keys     map[string]int
	codes    []string
	assigned map[string]string // award → code
	events   map[string]models.WebhookEvent
}

func (s memState) clone() memState {
	return memState{awards: maps.Clone(s.awards), attempts: maps.Clone(s.attempts), times: maps.Clone(s.times),
		payees: maps.Clone(s.payees), entries: slices.Clone(s.entries), keys: maps.Clone(s.keys),
		codes: slices.Clone(s.codes), assigned: maps.Clone(s.assigned), events: maps.Clone(s.events)}
}

func newMemStore(now time.Time) *memStore {
	return &memStore{now: now, state: memState{awards: map[string]models.Award{}, attempts: map[string]models.Attempt{},
		times: map[string]models.AttemptTimes{}, payees: map[string]models.PayeeState{}, keys: map[string]int{},
		assigned: map[string]string{}, events: map[string]models.WebhookEvent{}}}
}

var _ payout.Store = (*memStore)(nil)

// addCleared puts a cleared award of a researcher with one active payee
// version into the store, with its decision entry.
func (s *memStore) addCleared(a models.Award, p models.Researcher) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.State, a.PayeeVersion, a.Version, a.CreatedAt = models.StateCleared, 1, 1, s.now
	s.state.awards[a.ID] = a
	s.state.payees[a.ResearcherID] = models.PayeeState{Active: models.PayeeVersion{Researcher: p, Version: 1, Status: models.PayeeActive}}
	tx := &memTx{s: s, st: &s.state}
	if _, _, err := tx.Append(ledger.Draft{IdempotencyKey: "award/" + a.ID + "/decided", Kind: ledger.KindAwardDecided,
		AwardID: a.ID, Actor: "test", EffectiveAt: s.now, Postings: ledger.PostingsFor(&a, ledger.Movement{To: models.StatePending})}); err != nil {
		panic(err)
	}
}

func (s *memStore) InTx(ctx context.Context, fn func(payout.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return s.Err
	}
	work := s.state.clone()
	if err := fn(&memTx{s: s, st: &work}); err != nil {
		return err
	}
	s.state = work
	return nil
}

func (s *memStore) read() *memTx { return &memTx{s: s, st: &s.state} }

func (s *memStore) Award(_ context.Context, id string) (models.Award, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.read().Award(id)
}

func (s *memStore) Attempt(_ context.Context, id string) (models.Attempt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.read().attempt(id)
}

func (s *memStore) CurrentAttempt(_ context.Context, awardID string, n int) (models.Attempt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.read().CurrentAttempt(awardID, n)
}

func (s *memStore) filter(keep func(models.Attempt) bool, limit int) []models.Attempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []models.Attempt
	for _, id := range slices.Sorted(maps.Keys(s.state.attempts)) {
		if a := s.state.attempts[id]; keep(a) {
			out = append(out, a)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func (s *memStore) AttemptsByStatus(_ context.Context, limit int, statuses ...models.AttemptStatus) ([]models.Attempt, error) {
	return s.filter(func(a models.Attempt) bool { return slices.Contains(statuses, a.Status) }, limit), nil
}

func (s *memStore) AttemptByPayoutBatch(_ context.Context, id string) (models.Attempt, error) {
	if as := s.filter(func(a models.Attempt) bool { return id != "" && a.PayoutBatchID == id }, 1); len(as) == 1 {
		return as[0], nil
	}
	return models.Attempt{}, fmt.Errorf("attempt of batch %s: %w", id, models.ErrNotFound)
}

func (s *memStore) AttemptByPayoutItem(_ context.Context, id string) (models.Attempt, error) {
	if as := s.filter(func(a models.Attempt) bool { return id != "" && a.PayoutItemID == id }, 1); len(as) == 1 {
		return as[0], nil
	}
	return models.Attempt{}, fmt.Errorf("attempt of item %s: %w", id, models.ErrNotFound)
}

func (s *memStore) AttemptsToPoll(_ context.Context, _ time.Time, limit int) ([]models.Attempt, error) {
	return s.filter(func(a models.Attempt) bool {
		return a.Status == models.AttemptAccepted && a.Channel == payout.ChannelPayPal
	}, limit), nil
}

func (s *memStore) PaidAttemptsToWatch(context.Context, time.Time, time.Time, int) ([]models.Attempt, error) {
	return nil, nil
}

func (s *memStore) MarkAttemptPolled(ctx context.Context, id string, at time.Time) error {
	return s.InTx(ctx, func(tx payout.Tx) error { return tx.MarkAttemptPolled(id, at) })
}

func (s *memStore) LedgerEntriesForAward(_ context.Context, awardID string) ([]ledger.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ledger.Entry
	for _, e := range s.state.entries {
		if e.AwardID == awardID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *memStore) RecordWebhookEvent(_ context.Context, e models.WebhookEvent) (models.WebhookEvent, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.state.events[e.EventID]; ok {
		old.Deliveries++
		s.state.events[e.EventID] = old
		return old, false, nil
	}
	e.Deliveries, e.ReceivedAt = 1, s.now
	s.state.events[e.EventID] = e
	return e, true, nil
}

func (s *memStore) FinishWebhookEvent(_ context.Context, id, outcome string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.state.events[id]
	now := s.now
	e.ProcessedAt, e.Outcome = &now, outcome
	s.state.events[id] = e
	return nil
}

// entries returns the ledger as committed.
func (s *memStore) entries() []ledger.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.state.entries)
}

// memTx is one transaction of a memStore.
type memTx struct {
	s  *memStore
	st *memState
}

var _ payout.Tx = (*memTx)(nil)

func (tx *memTx) Now() time.Time { return tx.s.now }

func (tx *memTx) Award(id string) (models.Award, error) {
	a, ok := tx.st.awards[id]
	if !ok {
		return models.Award{}, fmt.Errorf("award %s: %w", id, models.ErrNotFound)
	}
	return a, nil
}

func (tx *memTx) Transition(a *models.Award, to models.AwardState, reason string, d ledger.Draft, mutate func(*models.Award)) error {
	if err := models.CheckTransition(a.ID, a.State, to); err != nil {
		return err
	}
	cur, err := tx.Award(a.ID)
	if err != nil {
		return err
	}
	if cur.Version != a.Version || cur.State != a.State {
		return fmt.Errorf("award %s changed concurrently: %w", a.ID, models.ErrConflict)
	}
	from := a.State
	next := *a
	next.State, next.Reason, next.Version, next.UpdatedAt = to, reason, a.Version+1, tx.s.now
	if mutate != nil {
		mutate(&next)
	}
	m := ledger.Movement{From: from, To: to}
	if f := d.Data["fee"]; to == models.StatePaid && f != "" {
		if m.Fee, err = strconv.ParseInt(f, 10, 64); err != nil {
			return err
		}
	}
	ps := ledger.PostingsFor(&next, m)
	if d.Postings != nil && !ledger.SamePostings(d.Postings, ps) {
		return fmt.Errorf("award %s %s -> %s: postings differ from the rule: %w", a.ID, from, to, models.ErrInvalid)
	}
	d.Postings, d.AwardID = ps, a.ID
	if d.Data == nil {
		d.Data = map[string]string{}
	}
	d.Data["from"], d.Data["to"] = string(from), string(to)
	if d.Kind == "" {
		d.Kind = ledger.KindStateChanged
	}
	if _, _, err := tx.Append(d); err != nil {
		return err
	}
	tx.st.awards[a.ID] = next
	*a = next
	return nil
}

func (tx *memTx) Append(d ledger.Draft) (ledger.Entry, bool, error) {
	if i, ok := tx.st.keys[d.IdempotencyKey]; ok {
		e := tx.st.entries[i]
		if e.InputHash != d.InputHash() {
			return ledger.Entry{}, false, fmt.Errorf("ledger key %s reused with other content: %w", d.IdempotencyKey, models.ErrConflict)
		}
		return e, true, nil
	}
	if err := d.Validate(); err != nil {
		return ledger.Entry{}, false, err
	}
	prev, seq := ledger.GenesisHash, int64(0)
	if n := len(tx.st.entries); n > 0 {
		prev, seq = tx.st.entries[n-1].Hash, tx.st.entries[n-1].Seq
	}
	e := ledger.Seal(d, seq, prev, tx.s.now)
	tx.st.keys[d.IdempotencyKey] = len(tx.st.entries)
	tx.st.entries = append(tx.st.entries, e)
	return e, false, nil
}

func (tx *memTx) InsertAttempt(a *models.Attempt) error {
	if _, ok := tx.st.attempts[a.SenderBatchID]; ok {
		return fmt.Errorf("attempt %s: %w", a.SenderBatchID, models.ErrConflict)
	}
	for _, o := range tx.st.attempts {
		if o.AwardID == a.AwardID && o.Attempt == a.Attempt {
			return fmt.Errorf("attempt %d of %s: %w", a.Attempt, a.AwardID, models.ErrConflict)
		}
	}
	a.CreatedAt, a.UpdatedAt = tx.s.now, tx.s.now
	tx.st.attempts[a.SenderBatchID] = *a
	return nil
}

func (tx *memTx) SaveAttempt(a *models.Attempt) error {
	old, err := tx.attempt(a.SenderBatchID)
	if err != nil {
		return err
	}
	if err := models.CheckAttemptTransition(a.SenderBatchID, old.Status, a.Status); err != nil {
		return err
	}
	a.UpdatedAt = tx.s.now
	tx.st.attempts[a.SenderBatchID] = *a
	return nil
}

func (tx *memTx) attempt(id string) (models.Attempt, error) {
	a, ok := tx.st.attempts[id]
	if !ok {
		return models.Attempt{}, fmt.Errorf("attempt %s: %w", id, models.ErrNotFound)
	}
	return a, nil
}

func (tx *memTx) LockAttemptOf(awardID, id string) (models.Attempt, models.Award, error) {
	a, err := tx.Award(awardID)
	if err != nil {
		return models.Attempt{}, models.Award{}, err
	}
	att, err := tx.attempt(id)
	if err != nil {
		return models.Attempt{}, models.Award{}, err
	}
	if att.AwardID != awardID {
		return models.Attempt{}, models.Award{}, fmt.Errorf("attempt %s of another award: %w", id, models.ErrConflict)
	}
	return att, a, nil
}

func (tx *memTx) CurrentAttempt(awardID string, n int) (models.Attempt, error) {
	for _, a := range tx.st.attempts {
		if a.AwardID == awardID && a.Attempt == n {
			return a, nil
		}
	}
	return models.Attempt{}, fmt.Errorf("attempt %d of %s: %w", n, awardID, models.ErrNotFound)
}

func (tx *memTx) AttemptsForAward(awardID string) ([]models.Attempt, error) {
	var out []models.Attempt
	for _, a := range tx.st.attempts {
		if a.AwardID == awardID {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b models.Attempt) int { return a.Attempt - b.Attempt })
	return out, nil
}

func (tx *memTx) AttemptTimes(id string) (models.AttemptTimes, error) { return tx.st.times[id], nil }

func (tx *memTx) SetAttemptLease(id string, until time.Time) error {
	t := tx.st.times[id]
	t.LeaseUntil = nil
	if !until.IsZero() {
		t.LeaseUntil = &until
	}
	tx.st.times[id] = t
	return nil
}

func (tx *memTx) MarkAttemptPolled(id string, at time.Time) error {
	t := tx.st.times[id]
	t.LastPolledAt = &at
	tx.st.times[id] = t
	return nil
}

func (tx *memTx) Payee(researcherID string) (models.PayeeState, error) {
	p, ok := tx.st.payees[researcherID]
	if !ok {
		return p, fmt.Errorf("researcher %s: %w", researcherID, models.ErrNotFound)
	}
	return p, nil
}

func (tx *memTx) AssignPassCode(awardID string) (int64, string, error) {
	if len(tx.st.codes) == 0 {
		return 0, "", fmt.Errorf("no pass code left: %w", models.ErrNotFound)
	}
	c := tx.st.codes[0]
	tx.st.codes = tx.st.codes[1:]
	tx.st.assigned[awardID] = c
	return int64(len(tx.st.assigned)), c, nil
}

func (tx *memTx) SealedThrough() (time.Time, error) { return time.Time{}, nil }

func (tx *memTx) AwardPosition(a *models.Award) (ledger.Position, error) {
	var es []ledger.Entry
	for _, e := range tx.st.entries {
		if e.AwardID == a.ID {
			es = append(es, e)
		}
	}
	return ledger.PositionOf(a.Asset(), a.ResearcherID, es), nil
}

func (tx *memTx) UpdateInPlace(a *models.Award, reason string, d ledger.Draft, mutate func(*models.Award)) error {
	cur, err := tx.Award(a.ID)
	if err != nil {
		return err
	}
	if cur.Version != a.Version {
		return fmt.Errorf("award %s changed concurrently: %w", a.ID, models.ErrConflict)
	}
	next := *a
	next.Reason, next.Version = reason, a.Version+1
	mutate(&next)
	d.AwardID = a.ID
	if _, _, err := tx.Append(d); err != nil {
		return err
	}
	tx.st.awards[a.ID] = next
	*a = next
	return nil
}
