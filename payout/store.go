package payout

import (
	"context"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// Store is the persistence the sender uses: awards, send attempts, the
// ledger and webhook events. The database adapter implements it
// (cmd/bountypay wires it; internal/dbtest for tests); the sender never
// sees a database.
type Store interface {
	// InTx runs fn in one transaction, committing when it returns nil.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	Award(ctx context.Context, id string) (models.Award, error)
	Attempt(ctx context.Context, senderBatchID string) (models.Attempt, error)
	CurrentAttempt(ctx context.Context, awardID string, n int) (models.Attempt, error)
	AttemptsByStatus(ctx context.Context, limit int, statuses ...models.AttemptStatus) ([]models.Attempt, error)
	AttemptByPayoutBatch(ctx context.Context, payoutBatchID string) (models.Attempt, error)
	AttemptByPayoutItem(ctx context.Context, payoutItemID string) (models.Attempt, error)
	AttemptsToPoll(ctx context.Context, polledBefore time.Time, limit int) ([]models.Attempt, error)
	PaidAttemptsToWatch(ctx context.Context, since, polledBefore time.Time, limit int) ([]models.Attempt, error)
	MarkAttemptPolled(ctx context.Context, senderBatchID string, at time.Time) error
	LedgerEntriesForAward(ctx context.Context, awardID string) ([]ledger.Entry, error)
	RecordWebhookEvent(ctx context.Context, e models.WebhookEvent) (models.WebhookEvent, bool, error)
	FinishWebhookEvent(ctx context.Context, eventID, outcome string) error
}

// Tx is what the sender does inside one transaction. Every award state
// change goes through Transition (the transition table, the posting rule
// and the ledger entry together); every attempt change through
// SaveAttempt (the attempt transition table).
type Tx interface {
	Now() time.Time
	Award(id string) (models.Award, error)
	Transition(a *models.Award, to models.AwardState, reason string, d ledger.Draft, mutate func(*models.Award)) error
	Append(d ledger.Draft) (ledger.Entry, bool, error)
	InsertAttempt(a *models.Attempt) error
	SaveAttempt(a *models.Attempt) error
	// LockAttemptOf locks the award, then reads its attempt.
	LockAttemptOf(awardID, senderBatchID string) (models.Attempt, models.Award, error)
	CurrentAttempt(awardID string, n int) (models.Attempt, error)
	AttemptsForAward(awardID string) ([]models.Attempt, error)
	AttemptTimes(senderBatchID string) (models.AttemptTimes, error)
	SetAttemptLease(senderBatchID string, until time.Time) error
	MarkAttemptPolled(senderBatchID string, at time.Time) error
	Payee(researcherID string) (models.PayeeState, error)
	AssignPassCode(awardID string) (id int64, code string, err error)
	SealedThrough() (time.Time, error)
	// AwardPosition sums the award's own ledger entries.
	AwardPosition(a *models.Award) (ledger.Position, error)
	// UpdateInPlace changes an award without a state change (amount,
	// reason), with the same optimistic lock and its ledger entry.
	UpdateInPlace(a *models.Award, reason string, d ledger.Draft, mutate func(*models.Award)) error
}
