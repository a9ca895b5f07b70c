package store

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plex/bountypay/models"
)

func webhookEvents(db *gorm.DB) *gorm.DB { return db.Table("webhook_events") }

// RecordWebhookEvent stores a received event, or counts one more delivery
// of a known one. It returns the stored event and whether it is new.
func (s *Store) RecordWebhookEvent(ctx context.Context, e models.WebhookEvent) (models.WebhookEvent, bool, error) {
	var out models.WebhookEvent
	var isNew bool
	err := s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		e.ReceivedAt = s.now()
		e.Deliveries = 1
		e.ProcessedAt = nil
		res := webhookEvents(db).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_id"}}, DoNothing: true}).Create(&e)
		if res.Error != nil {
			return res.Error
		}
		isNew = res.RowsAffected == 1
		if !isNew {
			if err := webhookEvents(db).Where("event_id = ?", e.EventID).
				UpdateColumn("deliveries", gorm.Expr("deliveries + 1")).Error; err != nil {
				return err
			}
		}
		return webhookEvents(db).Where("event_id = ?", e.EventID).Take(&out).Error
	})
	if err != nil {
		return models.WebhookEvent{}, false, translate(err, "record webhook event "+e.EventID)
	}
	return out, isNew, nil
}

// FinishWebhookEvent marks an event processed with its outcome.
func (s *Store) FinishWebhookEvent(ctx context.Context, eventID, outcome string) error {
	now := s.now()
	err := webhookEvents(s.db.WithContext(ctx)).Where("event_id = ?", eventID).
		UpdateColumns(map[string]any{"processed_at": now, "outcome": outcome}).Error
	return translate(err, "finish webhook event "+eventID)
}

// WebhookEventByID reads a stored event. Errors: models.ErrNotFound.
func (s *Store) WebhookEventByID(ctx context.Context, eventID string) (models.WebhookEvent, error) {
	var out models.WebhookEvent
	err := webhookEvents(s.db.WithContext(ctx)).Where("event_id = ?", eventID).Take(&out).Error
	return out, translate(err, "webhook event "+eventID)
}
