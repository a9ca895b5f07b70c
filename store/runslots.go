package store

import (
	"context"
	"fmt"
	"time"
)

const slotFormat = "2006-01-02T15:04:05Z"

// ClaimRunSlot claims one scheduled run of job for owner. Of several
// replicas running the same schedule, exactly one claims each slot; the
// others get false and skip it.
func (s *Store) ClaimRunSlot(ctx context.Context, job string, slot time.Time, owner string) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`INSERT INTO run_slots (job, slot, owner, claimed_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (job, slot) DO NOTHING`, job, slot.UTC().Format(slotFormat), owner, s.now())
	if res.Error != nil {
		return false, fmt.Errorf("claim run slot %s %s: %w", job, slot.UTC().Format(slotFormat), res.Error)
	}
	return res.RowsAffected == 1, nil
}

// FinishRunSlot records how a claimed run ended.
func (s *Store) FinishRunSlot(ctx context.Context, job string, slot time.Time, outcome string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE run_slots SET finished_at = ?, outcome = ? WHERE job = ? AND slot = ?`,
		s.now(), outcome, job, slot.UTC().Format(slotFormat)).Error
	if err != nil {
		return fmt.Errorf("finish run slot: %w", err)
	}
	return nil
}

// RunSlotClaimed reports whether a slot of job was claimed.
func (s *Store) RunSlotClaimed(ctx context.Context, job string, slot time.Time) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM run_slots WHERE job = ? AND slot = ?`,
		job, slot.UTC().Format(slotFormat)).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("run slot: %w", err)
	}
	return n > 0, nil
}
