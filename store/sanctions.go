package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

func lists(db *gorm.DB) *gorm.DB        { return db.Table("sanctions_lists") }
func listFiles(db *gorm.DB) *gorm.DB    { return db.Table("sanctions_list_files") }
func screenings(db *gorm.DB) *gorm.DB   { return db.Table("screenings") }
func dispositions(db *gorm.DB) *gorm.DB { return db.Table("review_decisions") }

// SaveList stores a list version with its files and makes it current. A
// version with the same sha256 already stored becomes current again
// without a second copy. The ledger records the change.
func (s *Store) SaveList(ctx context.Context, v models.ListVersion, files []models.ListFile, actor string) (models.ListVersion, error) {
	err := s.InTx(ctx, func(tx *Tx) error {
		var existing models.ListVersion
		err := lists(tx.db).Where("sha256 = ?", v.SHA256).Take(&existing).Error
		switch {
		case err == nil:
			v = existing
		case errors.Is(err, gorm.ErrRecordNotFound):
			v.ID = 0
			v.LoadedAt = tx.Now()
			v.IsCurrent = false
			if err := lists(tx.db).Create(&v).Error; err != nil {
				return translate(err, "insert list version")
			}
			for i := range files {
				files[i].ListID = v.ID
				if err := listFiles(tx.db).Create(&files[i]).Error; err != nil {
					return translate(err, "insert list file "+files[i].Name)
				}
			}
		default:
			return err
		}
		if err := lists(tx.db).Where("is_current = ?", true).Update("is_current", false).Error; err != nil {
			return err
		}
		if err := lists(tx.db).Where("id = ?", v.ID).Update("is_current", true).Error; err != nil {
			return err
		}
		v.IsCurrent = true
		now := tx.Now()
		_, _, err = tx.Append(ledger.Draft{
			IdempotencyKey: fmt.Sprintf("list/%s/current/%s", v.SHA256, now.Format("20060102T150405.000000")),
			Kind:           ledger.KindListLoaded, Actor: actor, EffectiveAt: now,
			Data: map[string]string{"sha256": v.SHA256, "source": v.Source, "entries": fmt.Sprint(v.Entries),
				"aliases": fmt.Sprint(v.Aliases), "addresses": fmt.Sprint(v.Addresses)},
		})
		return err
	})
	return v, err
}

// CurrentList returns the list version in use, or models.ErrNotFound.
func (s *Store) CurrentList(ctx context.Context) (models.ListVersion, error) {
	var v models.ListVersion
	if err := lists(s.db.WithContext(ctx)).Where("is_current = ?", true).Take(&v).Error; err != nil {
		return models.ListVersion{}, translate(err, "current sanctions list")
	}
	v.LoadedAt = v.LoadedAt.UTC()
	return v, nil
}

// CurrentList returns the list version in use inside the transaction, or
// models.ErrNotFound.
func (tx *Tx) CurrentList() (models.ListVersion, error) {
	var v models.ListVersion
	if err := lists(tx.db).Where("is_current = ?", true).Take(&v).Error; err != nil {
		return models.ListVersion{}, translate(err, "current sanctions list")
	}
	v.LoadedAt = v.LoadedAt.UTC()
	return v, nil
}

// ListVersions returns every stored list version, newest first.
func (s *Store) ListVersions(ctx context.Context) ([]models.ListVersion, error) {
	var out []models.ListVersion
	if err := lists(s.db.WithContext(ctx)).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	return out, nil
}

// ListFiles returns the files of a list version.
func (s *Store) ListFiles(ctx context.Context, listID int64) ([]models.ListFile, error) {
	var out []models.ListFile
	if err := listFiles(s.db.WithContext(ctx)).Where("list_id = ?", listID).Order("name").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	return out, nil
}

// InsertScreening stores a screening inside the transaction.
func (tx *Tx) InsertScreening(sc *models.Screening) error {
	sc.ScreenedAt = tx.Now()
	return translate(screenings(tx.db).Create(sc).Error, "insert screening")
}

// LatestScreening returns an award's most recent screening.
func (s *Store) LatestScreening(ctx context.Context, awardID string) (models.Screening, error) {
	var sc models.Screening
	if err := screenings(s.db.WithContext(ctx)).Where("award_id = ?", awardID).Order("id DESC").Take(&sc).Error; err != nil {
		return models.Screening{}, translate(err, "screening of "+awardID)
	}
	return sc, nil
}

// SaveDisposition records a decision inside the transaction.
func (tx *Tx) SaveDisposition(d *models.Disposition) error {
	d.DecidedAt = tx.Now()
	return translate(dispositions(tx.db).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "researcher_id"}, {Name: "identity_hash"}, {Name: "source"}, {Name: "ent_num"}, {Name: "content_hash"}},
		DoUpdates: clause.AssignmentColumns([]string{"decision", "decided_by", "reason", "decided_at"}),
	}).Create(d).Error, "save disposition")
}

// Dispositions returns every decision about a researcher.
func (tx *Tx) Dispositions(researcherID string) ([]models.Disposition, error) {
	var out []models.Disposition
	if err := dispositions(tx.db).Where("researcher_id = ?", researcherID).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("dispositions: %w", err)
	}
	return out, nil
}

// LatestScreening returns an award's most recent screening inside the
// transaction.
func (tx *Tx) LatestScreening(awardID string) (models.Screening, error) {
	var sc models.Screening
	if err := screenings(tx.db).Where("award_id = ?", awardID).Order("id DESC").Take(&sc).Error; err != nil {
		return models.Screening{}, translate(err, "screening of "+awardID)
	}
	return sc, nil
}

// LatestBindingScreening returns an award's most recent screening that
// can clear it for sending (not an advisory one), inside the transaction.
func (tx *Tx) LatestBindingScreening(awardID string) (models.Screening, error) {
	var sc models.Screening
	if err := screenings(tx.db).Where("award_id = ? AND advisory = ?", awardID, false).Order("id DESC").Take(&sc).Error; err != nil {
		return models.Screening{}, translate(err, "screening of "+awardID)
	}
	return sc, nil
}

// LatestBindingScreenings returns, for each award in ids that was ever
// screened, its most recent screening that is not advisory (without the
// result body).
func (s *Store) LatestBindingScreenings(ctx context.Context, ids []string) (map[string]models.Screening, error) {
	out := make(map[string]models.Screening, len(ids))
	const chunk = 500
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		var rows []models.Screening
		err := s.db.WithContext(ctx).Raw(`SELECT id, award_id, researcher_id, list_sha256, decision, score, payee_version, rules_version, advisory, screened_at
  FROM screenings WHERE id IN (SELECT MAX(id) FROM screenings WHERE award_id IN ? AND advisory = ? GROUP BY award_id)`, ids[:n], false).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("latest screenings: %w", err)
		}
		for _, r := range rows {
			out[r.AwardID] = r
		}
		ids = ids[n:]
	}
	return out, nil
}
