package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/plex/bountypay/models"
)

// attemptsTable holds the attempts; queries name it because the domain
// type carries no persistence tags.
const attemptsTable = "payout_attempts"

// attempts starts a query on attemptsTable.
func attempts(db *gorm.DB) *gorm.DB { return db.Table(attemptsTable) }

// InsertAttempt writes an attempt ahead of the call.
func (tx *Tx) InsertAttempt(a *models.Attempt) error {
	now := tx.Now()
	a.CreatedAt, a.UpdatedAt = now, now
	if err := attempts(tx.db).Create(a).Error; err != nil {
		return translate(err, "insert attempt "+a.SenderBatchID)
	}
	return nil
}

// SaveAttempt updates an attempt inside the transaction that locked it
// (LockAttemptOf). A status change must be allowed by the attempt
// transition table (models.CheckAttemptTransition).
func (tx *Tx) SaveAttempt(a *models.Attempt) error {
	var old models.Attempt
	if err := attempts(tx.db).Select("status").Where("sender_batch_id = ?", a.SenderBatchID).Take(&old).Error; err != nil {
		return translate(err, "attempt "+a.SenderBatchID)
	}
	if err := models.CheckAttemptTransition(a.SenderBatchID, old.Status, a.Status); err != nil {
		return err
	}
	a.UpdatedAt = tx.Now()
	if err := attempts(tx.db).Where("sender_batch_id = ?", a.SenderBatchID).Select("*").Updates(a).Error; err != nil {
		return translate(err, "save attempt "+a.SenderBatchID)
	}
	return nil
}

// Attempt reads an attempt by sender batch id.
func (tx *Tx) Attempt(senderBatchID string) (models.Attempt, error) {
	var a models.Attempt
	if err := attempts(tx.db).Where("sender_batch_id = ?", senderBatchID).Take(&a).Error; err != nil {
		return models.Attempt{}, translate(err, "attempt "+senderBatchID)
	}
	return a, nil
}

// CurrentAttempt reads the award's attempt number n.
func (s *Store) CurrentAttempt(ctx context.Context, awardID string, n int) (models.Attempt, error) {
	var a models.Attempt
	if err := attempts(s.db.WithContext(ctx)).Where("award_id = ? AND attempt = ?", awardID, n).Take(&a).Error; err != nil {
		return models.Attempt{}, translate(err, fmt.Sprintf("attempt %d of award %s", n, awardID))
	}
	return a, nil
}

// AttemptsByStatus lists attempts in the given statuses, oldest first.
func (s *Store) AttemptsByStatus(ctx context.Context, limit int, statuses ...models.AttemptStatus) ([]models.Attempt, error) {
	var out []models.Attempt
	q := attempts(s.db.WithContext(ctx)).Where("status IN ?", statuses).Order("created_at, sender_batch_id")
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	return out, nil
}

// AttemptsForAward lists an award's attempts in order.
func (s *Store) AttemptsForAward(ctx context.Context, awardID string) ([]models.Attempt, error) {
	var out []models.Attempt
	if err := attempts(s.db.WithContext(ctx)).Where("award_id = ?", awardID).Order("attempt").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	return out, nil
}
