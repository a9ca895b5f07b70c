package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plex/bountypay/ledger"
)

// ListVersion describes one loaded sanctions list.
type ListVersion struct {
	ID          int64  `gorm:"primaryKey"`
	SHA256      string `gorm:"column:sha256"`
	Source      string
	LoadedAt    time.Time
	PublishedAt *time.Time
	Entries     int
	Aliases     int
	Addresses   int
	Counts      string // JSON
	IsCurrent   bool
}

func (ListVersion) TableName() string { return "sanctions_lists" }

// ListFile is one file of a list version, stored verbatim.
type ListFile struct {
	ListID  int64  `gorm:"primaryKey"`
	Name    string `gorm:"primaryKey"`
	SHA256  string `gorm:"column:sha256"`
	Size    int64
	Content []byte
}

func (ListFile) TableName() string { return "sanctions_list_files" }

// SaveList stores a list version with its files and makes it current. A
// version with the same sha256 already stored becomes current again
// without a second copy. The ledger records the change.
func (s *Store) SaveList(ctx context.Context, v ListVersion, files []ListFile, actor string) (ListVersion, error) {
	err := s.InTx(ctx, func(tx *Tx) error {
		var existing ListVersion
		err := tx.db.Where("sha256 = ?", v.SHA256).Take(&existing).Error
		switch {
		case err == nil:
			v = existing
		case errors.Is(err, gorm.ErrRecordNotFound):
			v.ID = 0
			v.LoadedAt = tx.Now()
			v.IsCurrent = false
			if err := tx.db.Create(&v).Error; err != nil {
				return translate(err, "insert list version")
			}
			for i := range files {
				files[i].ListID = v.ID
				if err := tx.db.Create(&files[i]).Error; err != nil {
					return translate(err, "insert list file "+files[i].Name)
				}
			}
		default:
			return err
		}
		if err := tx.db.Model(&ListVersion{}).Where("is_current = ?", true).Update("is_current", false).Error; err != nil {
			return err
		}
		if err := tx.db.Model(&ListVersion{}).Where("id = ?", v.ID).Update("is_current", true).Error; err != nil {
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
func (s *Store) CurrentList(ctx context.Context) (ListVersion, error) {
	var v ListVersion
	if err := s.db.WithContext(ctx).Where("is_current = ?", true).Take(&v).Error; err != nil {
		return ListVersion{}, translate(err, "current sanctions list")
	}
	v.LoadedAt = v.LoadedAt.UTC()
	return v, nil
}

// CurrentList returns the list version in use inside the transaction, or
// models.ErrNotFound.
func (tx *Tx) CurrentList() (ListVersion, error) {
	var v ListVersion
	if err := tx.db.Where("is_current = ?", true).Take(&v).Error; err != nil {
		return ListVersion{}, translate(err, "current sanctions list")
	}
	v.LoadedAt = v.LoadedAt.UTC()
	return v, nil
}

// ListVersions returns every stored list version, newest first.
func (s *Store) ListVersions(ctx context.Context) ([]ListVersion, error) {
	var out []ListVersion
	if err := s.db.WithContext(ctx).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	return out, nil
}

// ListFiles returns the files of a list version.
func (s *Store) ListFiles(ctx context.Context, listID int64) ([]ListFile, error) {
	var out []ListFile
	if err := s.db.WithContext(ctx).Where("list_id = ?", listID).Order("name").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	return out, nil
}

// Screening is one stored screening of an award's payee.
type Screening struct {
	ID           int64 `gorm:"primaryKey"`
	AwardID      string
	ResearcherID string
	ListSHA256   string `gorm:"column:list_sha256"`
	Decision     string
	Score        float64
	Result       string // compliance.Result as JSON
	ScreenedAt   time.Time
	// PayeeVersion, ListSHA256 and RulesVersion are what was screened:
	// a clear screening counts only for exactly these.
	PayeeVersion int
	RulesVersion string
	// Advisory marks a screening at decision time, before approvals: it
	// never clears an award for sending.
	Advisory bool
}

func (Screening) TableName() string { return "screenings" }

// InsertScreening stores a screening inside the transaction.
func (tx *Tx) InsertScreening(sc *Screening) error {
	sc.ScreenedAt = tx.Now()
	return translate(tx.db.Create(sc).Error, "insert screening")
}

// LatestScreening returns an award's most recent screening.
func (s *Store) LatestScreening(ctx context.Context, awardID string) (Screening, error) {
	var sc Screening
	if err := s.db.WithContext(ctx).Where("award_id = ?", awardID).Order("id DESC").Take(&sc).Error; err != nil {
		return Screening{}, translate(err, "screening of "+awardID)
	}
	return sc, nil
}

// Disposition is compliance's decision on one (payee, screened identity,
// listed entry, entry content) match: "cleared" (false positive) or
// "confirmed". A clearance is void when the payee's identity (name, date
// of birth, country: models.IdentityHash) or the entry changes.
type Disposition struct {
	ResearcherID string `gorm:"primaryKey"`
	IdentityHash string `gorm:"primaryKey"`
	Source       string `gorm:"primaryKey"`
	EntNum       int    `gorm:"primaryKey"`
	ContentHash  string `gorm:"primaryKey"`
	Decision     string
	DecidedBy    string
	Reason       string
	DecidedAt    time.Time
}

func (Disposition) TableName() string { return "review_decisions" }

// SaveDisposition records a decision inside the transaction.
func (tx *Tx) SaveDisposition(d *Disposition) error {
	d.DecidedAt = tx.Now()
	return translate(tx.db.Save(d).Error, "save disposition")
}

// Dispositions returns every decision about a researcher.
func (tx *Tx) Dispositions(researcherID string) ([]Disposition, error) {
	var out []Disposition
	if err := tx.db.Where("researcher_id = ?", researcherID).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("dispositions: %w", err)
	}
	return out, nil
}

// LatestScreening returns an award's most recent screening inside the
// transaction.
func (tx *Tx) LatestScreening(awardID string) (Screening, error) {
	var sc Screening
	if err := tx.db.Where("award_id = ?", awardID).Order("id DESC").Take(&sc).Error; err != nil {
		return Screening{}, translate(err, "screening of "+awardID)
	}
	return sc, nil
}

// LatestBindingScreening returns an award's most recent screening that
// can clear it for sending (not an advisory one), inside the transaction.
func (tx *Tx) LatestBindingScreening(awardID string) (Screening, error) {
	var sc Screening
	if err := tx.db.Where("award_id = ? AND advisory = ?", awardID, false).Order("id DESC").Take(&sc).Error; err != nil {
		return Screening{}, translate(err, "screening of "+awardID)
	}
	return sc, nil
}

// LatestBindingScreenings returns, for each award in ids that was ever
// screened, its most recent screening that is not advisory (without the
// result body).
func (s *Store) LatestBindingScreenings(ctx context.Context, ids []string) (map[string]Screening, error) {
	out := make(map[string]Screening, len(ids))
	const chunk = 500
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		var rows []Screening
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
