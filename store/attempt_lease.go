package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plex/bountypay/models"
)

// OpenAttemptStatuses are the statuses of an attempt whose request must be
// (re-)sent: written ahead, answer lost, or refused for an operator reason.
func OpenAttemptStatuses() []models.AttemptStatus { return models.OpenAttemptStatuses() }

type attemptTimesRow struct {
	LeaseUntil   *time.Time
	LastPolledAt *time.Time
}

// LockAttempt reads an attempt for a change. The award row is locked first
// (PostgreSQL: SELECT … FOR UPDATE; SQLite: the transaction is the only
// writer), then the attempt is read again, so every writer of an award's
// attempts runs one after another and never acts on a stale copy. Errors:
// models.ErrNotFound.
func (tx *Tx) LockAttempt(senderBatchID string) (models.Attempt, models.Award, error) {
	first, err := tx.Attempt(senderBatchID)
	if err != nil {
		return models.Attempt{}, models.Award{}, err
	}
	a, err := tx.Award(first.AwardID)
	if err != nil {
		return models.Attempt{}, models.Award{}, err
	}
	cur, err := tx.Attempt(senderBatchID)
	if err != nil {
		return models.Attempt{}, models.Award{}, err
	}
	return cur, a, nil
}

// AttemptTimes reads the attempt's lease and poll times.
func (tx *Tx) AttemptTimes(senderBatchID string) (models.AttemptTimes, error) {
	var r attemptTimesRow
	err := attempts(tx.db).Select("lease_until, last_polled_at").
		Where("sender_batch_id = ?", senderBatchID).Take(&r).Error
	if err != nil {
		return models.AttemptTimes{}, translate(err, "attempt "+senderBatchID)
	}
	return models.AttemptTimes{LeaseUntil: utcPtr(r.LeaseUntil), LastPolledAt: utcPtr(r.LastPolledAt)}, nil
}

// SetAttemptLease sets the attempt's lease to until, or clears it when
// until is zero.
func (tx *Tx) SetAttemptLease(senderBatchID string, until time.Time) error {
	var v any
	if !until.IsZero() {
		v = until.UTC()
	}
	err := attempts(tx.db).Where("sender_batch_id = ?", senderBatchID).
		UpdateColumn("lease_until", v).Error
	return translate(err, "lease attempt "+senderBatchID)
}

// MarkAttemptPolled records that the attempt's batch or item was read from
// PayPal at at.
func (tx *Tx) MarkAttemptPolled(senderBatchID string, at time.Time) error {
	err := attempts(tx.db).Where("sender_batch_id = ?", senderBatchID).
		UpdateColumn("last_polled_at", at.UTC()).Error
	return translate(err, "mark attempt polled "+senderBatchID)
}

// MarkAttemptPolled records a poll outside a transaction.
func (s *Store) MarkAttemptPolled(ctx context.Context, senderBatchID string, at time.Time) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.MarkAttemptPolled(senderBatchID, at) })
}

// Attempt reads an attempt by sender batch id outside a transaction.
// Errors: models.ErrNotFound.
func (s *Store) Attempt(ctx context.Context, senderBatchID string) (models.Attempt, error) {
	var a models.Attempt
	if err := attempts(s.db.WithContext(ctx)).Where("sender_batch_id = ?", senderBatchID).Take(&a).Error; err != nil {
		return models.Attempt{}, translate(err, "attempt "+senderBatchID)
	}
	return a, nil
}

// AttemptByPayoutBatch returns the attempt bound to PayPal's
// payout_batch_id. Errors: models.ErrNotFound.
func (s *Store) AttemptByPayoutBatch(ctx context.Context, payoutBatchID string) (models.Attempt, error) {
	var a models.Attempt
	err := attempts(s.db.WithContext(ctx)).Where("payout_batch_id = ? AND payout_batch_id <> ''", payoutBatchID).
		Order("attempt DESC").Take(&a).Error
	if err != nil {
		return models.Attempt{}, translate(err, "attempt of batch "+payoutBatchID)
	}
	return a, nil
}

// AttemptByPayoutItem returns the attempt whose item is PayPal's
// payout_item_id. Errors: models.ErrNotFound.
func (s *Store) AttemptByPayoutItem(ctx context.Context, payoutItemID string) (models.Attempt, error) {
	var a models.Attempt
	err := attempts(s.db.WithContext(ctx)).Where("payout_item_id = ? AND payout_item_id <> ''", payoutItemID).
		Order("attempt DESC").Take(&a).Error
	if err != nil {
		return models.Attempt{}, translate(err, "attempt of item "+payoutItemID)
	}
	return a, nil
}

// OpenAttempts lists attempts that must be (re-)sent, oldest first, that
// nobody holds a lease on at now.
func (s *Store) OpenAttempts(ctx context.Context, now time.Time, limit int) ([]models.Attempt, error) {
	var out []models.Attempt
	q := attempts(s.db.WithContext(ctx)).Where("status IN ?", OpenAttemptStatuses()).
		Where("lease_until IS NULL OR lease_until <= ?", now.UTC()).
		Order("created_at, sender_batch_id")
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list open attempts: %w", err)
	}
	return out, nil
}

// AttemptsToPoll lists PayPal attempts accepted by PayPal whose item is not
// final, not polled since polledBefore (never-polled first), at most limit
// (0: all).
func (s *Store) AttemptsToPoll(ctx context.Context, polledBefore time.Time, limit int) ([]models.Attempt, error) {
	q := attempts(s.db.WithContext(ctx)).Where("status = ? AND channel = ?", models.AttemptAccepted, "paypal")
	return pollQuery(q, polledBefore, limit)
}

// PaidAttemptsToWatch lists settled PayPal attempts whose item ended in
// SUCCESS, last submitted after since, and not polled since polledBefore:
// PayPal can still refund or reverse them.
func (s *Store) PaidAttemptsToWatch(ctx context.Context, since, polledBefore time.Time, limit int) ([]models.Attempt, error) {
	q := attempts(s.db.WithContext(ctx)).Where("status = ? AND channel = ? AND transaction_status = ?", models.AttemptSettled, "paypal", "SUCCESS").
		Where("COALESCE(last_submitted_at, created_at) > ?", since.UTC())
	return pollQuery(q, polledBefore, limit)
}

func pollQuery(q *gorm.DB, polledBefore time.Time, limit int) ([]models.Attempt, error) {
	if !polledBefore.IsZero() {
		q = q.Where("last_polled_at IS NULL OR last_polled_at <= ?", polledBefore.UTC())
	}
	q = q.Order("CASE WHEN last_polled_at IS NULL THEN 0 ELSE 1 END, last_polled_at, sender_batch_id")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var out []models.Attempt
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list attempts to poll: %w", err)
	}
	return out, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// AttemptsForAward lists an award's attempts in order, inside the
// transaction.
func (tx *Tx) AttemptsForAward(awardID string) ([]models.Attempt, error) {
	var out []models.Attempt
	if err := attempts(tx.db).Where("award_id = ?", awardID).Order("attempt").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	return out, nil
}

// CurrentAttempt reads the award's attempt number n inside the
// transaction. Errors: models.ErrNotFound.
func (tx *Tx) CurrentAttempt(awardID string, n int) (models.Attempt, error) {
	var a models.Attempt
	if err := attempts(tx.db).Where("award_id = ? AND attempt = ?", awardID, n).Take(&a).Error; err != nil {
		return models.Attempt{}, translate(err, fmt.Sprintf("attempt %d of award %s", n, awardID))
	}
	return a, nil
}

// LockAttemptOf is LockAttempt for a caller that knows the attempt's award
// (it never changes): the award row is locked first, then the attempt is
// read, one query fewer. Errors: models.ErrNotFound, models.ErrConflict
// when the attempt belongs to another award.
func (tx *Tx) LockAttemptOf(awardID, senderBatchID string) (models.Attempt, models.Award, error) {
	a, err := tx.Award(awardID)
	if err != nil {
		return models.Attempt{}, models.Award{}, err
	}
	cur, err := tx.Attempt(senderBatchID)
	if err != nil {
		return models.Attempt{}, models.Award{}, err
	}
	if cur.AwardID != awardID {
		return models.Attempt{}, models.Award{}, fmt.Errorf("attempt %s belongs to award %s, not %s: %w", senderBatchID, cur.AwardID, awardID, models.ErrConflict)
	}
	return cur, a, nil
}
