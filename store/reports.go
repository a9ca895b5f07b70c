package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

type reportRow struct {
	ID             string `gorm:"primaryKey"`
	ContentHash    string
	ResearcherID   string
	Payload        string
	Status         string
	Category       string
	Severity       string
	ImportedAt     time.Time
	ImportedBy     string
	SourceFile     string
	Decision       string
	DecisionReason string
	PolicyVersion  string
	PayeeVersion   int
	DecidedAt      *time.Time
}

func (reportRow) TableName() string { return "reports" }

func (r reportRow) stored() (models.StoredReport, error) {
	var rep models.Report
	if err := json.Unmarshal([]byte(r.Payload), &rep); err != nil {
		return models.StoredReport{}, fmt.Errorf("report %s payload: %w", r.ID, err)
	}
	return models.StoredReport{Report: rep, ContentHash: r.ContentHash, ImportedAt: r.ImportedAt.UTC(),
		ImportedBy: r.ImportedBy, SourceFile: r.SourceFile, Decision: r.Decision,
		DecisionReason: r.DecisionReason, PolicyVersion: r.PolicyVersion, PayeeVersion: r.PayeeVersion}, nil
}

// ImportReports stores a whole file of reports in one transaction. An
// identical re-import of a report is a no-op; the same id with other
// content is a conflict, reported as a *models.FieldError per record, and
// nothing is stored.
func (s *Store) ImportReports(ctx context.Context, file string, recs []models.ImportRecord, importer string) (models.ImportResult, error) {
	var res models.ImportResult
	err := s.InTx(ctx, func(tx *Tx) error {
		res = models.ImportResult{}
		var conflicts []error
		now := tx.Now()
		for _, rec := range recs {
			var existing reportRow
			err := tx.db.Select("id, content_hash").Where("id = ?", rec.Report.ID).Take(&existing).Error
			switch {
			case err == nil:
				if err := rec.Reimport(file, existing.ContentHash); err != nil {
					conflicts = append(conflicts, err)
				} else {
					res.Unchanged++
				}
				continue
			case !errors.Is(err, gorm.ErrRecordNotFound):
				return fmt.Errorf("look up report %s: %w", rec.Report.ID, err)
			}
			if len(conflicts) > 0 {
				continue // still collect every conflict, store nothing
			}
			pv, err := tx.RecordPayee(rec.Report.Researcher, importer, "report "+rec.Report.ID, "")
			if err != nil {
				return fmt.Errorf("report %s: %w", rec.Report.ID, err)
			}
			if pv.Version > 1 && pv.CreatedAt.Equal(now) {
				res.PayeeChanges = append(res.PayeeChanges, pv)
			}
			payload, err := json.Marshal(rec.Report)
			if err != nil {
				return err
			}
			row := reportRow{ID: rec.Report.ID, ContentHash: rec.ContentHash, ResearcherID: rec.Report.Researcher.ID,
				Payload: string(payload), Status: string(rec.Report.Status), Category: string(rec.Report.Category),
				Severity: string(rec.Report.Severity), ImportedAt: now, ImportedBy: importer, SourceFile: file,
				PayeeVersion: pv.Version}
			if err := tx.db.Create(&row).Error; err != nil {
				return translate(err, "insert report "+row.ID)
			}
			if _, _, err := tx.Append(ledger.Draft{
				IdempotencyKey: "report/" + row.ID + "/imported",
				Kind:           ledger.KindReportImported,
				Actor:          importer,
				EffectiveAt:    now,
				Data: map[string]string{"report_id": row.ID, "content_hash": row.ContentHash,
					"researcher_id": row.ResearcherID, "source_file": file, "status": row.Status,
					"payee_version": fmt.Sprint(pv.Version), "payee_hash": pv.Hash},
			}); err != nil {
				return err
			}
			res.New++
		}
		if len(conflicts) > 0 {
			return fmt.Errorf("import %s: %d conflicting record(s), nothing imported: %w: %w", file, len(conflicts), models.ErrConflict, errors.Join(conflicts...))
		}
		return nil
	})
	return res, err
}

// UndecidedReports lists reports the policy has not decided yet.
func (s *Store) UndecidedReports(ctx context.Context, limit int) ([]models.StoredReport, error) {
	var rows []reportRow
	q := s.db.WithContext(ctx).Where("decision = ''").Order("imported_at, id")
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("undecided reports: %w", err)
	}
	return storedAll(rows)
}

// Reports lists every report, in import order.
func (s *Store) Reports(ctx context.Context) ([]models.StoredReport, error) {
	var rows []reportRow
	if err := s.db.WithContext(ctx).Order("imported_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	return storedAll(rows)
}

func storedAll(rows []reportRow) ([]models.StoredReport, error) {
	out := make([]models.StoredReport, 0, len(rows))
	for _, r := range rows {
		sr, err := r.stored()
		if err != nil {
			return nil, err
		}
		out = append(out, sr)
	}
	return out, nil
}

// MarkDecided records the policy's decision on a report inside the
// transaction. It fails with models.ErrConflict when another worker decided
// it first.
func (tx *Tx) MarkDecided(reportID, decision, reason, policyVersion string) error {
	now := tx.Now()
	res := tx.db.Model(&reportRow{}).Where("id = ? AND decision = ''", reportID).
		Updates(map[string]any{"decision": decision, "decision_reason": reason,
			"policy_version": policyVersion, "decided_at": now})
	if res.Error != nil {
		return translate(res.Error, "decide report "+reportID)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("report %s already decided: %w", reportID, models.ErrConflict)
	}
	return nil
}
