package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

type passCodeRow struct {
	ID         int64 `gorm:"primaryKey"`
	CodeHash   string
	Code       string
	Source     string
	ImportedAt time.Time
	AwardID    *string
	AssignedAt *time.Time
}

func (passCodeRow) TableName() string { return "pass_codes" }

func codeHash(code string) string {
	h := sha256.Sum256([]byte(code))
	return hex.EncodeToString(h[:])
}

// PassImportResult counts a pass-code import.
type PassImportResult struct {
	New, Duplicate int
}

// ImportPassCodes adds gift codes to the pool in one transaction; codes
// already in the pool are skipped. The ledger records how many arrived
// (never the codes).
func (s *Store) ImportPassCodes(ctx context.Context, source string, codes []string, actor string) (PassImportResult, error) {
	var res PassImportResult
	err := s.InTx(ctx, func(tx *Tx) error {
		res = PassImportResult{}
		now := tx.Now()
		for _, c := range codes {
			h := codeHash(c)
			var n int64
			if err := tx.db.Model(&passCodeRow{}).Where("code_hash = ?", h).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				res.Duplicate++
				continue
			}
			if err := tx.db.Create(&passCodeRow{CodeHash: h, Code: c, Source: source, ImportedAt: now}).Error; err != nil {
				return translate(err, "insert pass code")
			}
			res.New++
		}
		if res.New == 0 {
			return nil
		}
		_, _, err := tx.Append(ledger.Draft{
			IdempotencyKey: "passes/" + now.Format("20060102T150405.000000") + "/" + fmt.Sprint(res.New),
			Kind:           ledger.KindPassCodesLoaded, Actor: actor, EffectiveAt: now,
			Data: map[string]string{"source": source, "new": fmt.Sprint(res.New), "duplicate": fmt.Sprint(res.Duplicate)},
		})
		return err
	})
	return res, err
}

// AssignPassCode gives the award one free code, atomically: a code is
// never given twice, and an award that already has one gets the same one
// back. It returns the code's id (never log the code itself) and
// models.ErrNotFound when the pool is empty.
func (tx *Tx) AssignPassCode(awardID string) (id int64, code string, err error) {
	// Lock the award first: two transactions for one award then run one
	// after the other, and the second finds the first one's code.
	if _, err := tx.Award(awardID); err != nil {
		return 0, "", err
	}
	var mine passCodeRow
	err = tx.db.Where("award_id = ?", awardID).Take(&mine).Error
	if err == nil {
		return mine.ID, mine.Code, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, "", err
	}
	for range 20 {
		var free passCodeRow
		q := tx.db.Where("award_id IS NULL").Order("id")
		if tx.s.dialect == Postgres {
			q = q.Clauses(forUpdate())
		}
		err := q.Take(&free).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			// Under PostgreSQL a row taken while we waited for it drops out
			// of a locking read; only an unlocked count says "empty".
			var n int64
			if err := tx.db.Model(&passCodeRow{}).Where("award_id IS NULL").Count(&n).Error; err != nil {
				return 0, "", err
			}
			if n == 0 {
				return 0, "", fmt.Errorf("pass code pool is empty: %w", models.ErrNotFound)
			}
			continue
		}
		if err != nil {
			return 0, "", err
		}
		now := tx.Now()
		res := tx.db.Model(&passCodeRow{}).Where("id = ? AND award_id IS NULL", free.ID).
			Updates(map[string]any{"award_id": awardID, "assigned_at": now})
		if res.Error != nil {
			return 0, "", translate(res.Error, "assign pass code")
		}
		if res.RowsAffected == 1 {
			return free.ID, free.Code, nil
		}
	}
	return 0, "", fmt.Errorf("assign pass code: contention: %w", models.ErrTransient)
}

// PassCodeFor returns the code given to an award.
func (s *Store) PassCodeFor(ctx context.Context, awardID string) (id int64, code string, err error) {
	var r passCodeRow
	if err := s.db.WithContext(ctx).Where("award_id = ?", awardID).Take(&r).Error; err != nil {
		return 0, "", translate(err, "pass code of "+awardID)
	}
	return r.ID, r.Code, nil
}

// PassCodeCounts returns how many codes are free and assigned.
func (s *Store) PassCodeCounts(ctx context.Context) (free, assigned int64, err error) {
	db := s.db.WithContext(ctx).Model(&passCodeRow{})
	if err = db.Where("award_id IS NULL").Count(&free).Error; err != nil {
		return
	}
	err = s.db.WithContext(ctx).Model(&passCodeRow{}).Where("award_id IS NOT NULL").Count(&assigned).Error
	return
}
