package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// ParseTaxForm checks a form type and status (models.ParseTaxForm).
func ParseTaxForm(form, status string) (string, string, error) {
	return models.ParseTaxForm(form, status)
}

// taxForms starts a query on the tax_forms table.
func taxForms(db *gorm.DB) *gorm.DB { return db.Table("tax_forms") }

// SetTaxForm records a payee's tax form status and a ledger entry (kind
// tax_form, no postings) with who changed it. Errors: models.ErrInvalid
// for a bad form or status or an empty actor, models.ErrNotFound for an
// unknown researcher.
func (s *Store) SetTaxForm(ctx context.Context, f models.TaxForm) (models.TaxForm, error) {
	form, status, err := ParseTaxForm(f.Form, f.Status)
	if err != nil {
		return models.TaxForm{}, err
	}
	if strings.TrimSpace(f.UpdatedBy) == "" {
		return models.TaxForm{}, fmt.Errorf("tax form: who records it (--by) is required: %w", models.ErrInvalid)
	}
	f.Form, f.Status = form, status
	err = s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Researcher(f.ResearcherID); err != nil {
			return err
		}
		now := tx.Now()
		f.UpdatedAt = now
		if err := taxForms(tx.db).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "researcher_id"}}, UpdateAll: true}).
			Create(&f).Error; err != nil {
			return translate(err, "save tax form")
		}
		_, _, err := tx.Append(ledger.Draft{
			IdempotencyKey: fmt.Sprintf("taxform/%s/%d", f.ResearcherID, now.UnixNano()),
			Kind:           ledger.KindTaxForm, Actor: f.UpdatedBy, EffectiveAt: now,
			Data: map[string]string{"researcher_id": f.ResearcherID, "form": f.Form, "status": f.Status, "note": f.Note},
		})
		return err
	})
	return f, err
}

// TaxForm reads a payee's tax form; models.ErrNotFound when none is on
// record.
func (tx *Tx) TaxForm(researcherID string) (models.TaxForm, error) {
	return taxForm(tx.db, researcherID)
}

// TaxForm reads a payee's tax form outside a transaction.
func (s *Store) TaxForm(ctx context.Context, researcherID string) (models.TaxForm, error) {
	return taxForm(s.db.WithContext(ctx), researcherID)
}

func taxForm(db *gorm.DB, id string) (models.TaxForm, error) {
	var f models.TaxForm
	err := taxForms(db).Where("researcher_id = ?", id).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.TaxForm{ResearcherID: id, Status: models.FormMissing}, fmt.Errorf("tax form of %s: %w", id, models.ErrNotFound)
	}
	if err != nil {
		return models.TaxForm{}, fmt.Errorf("tax form of %s: %w", id, err)
	}
	f.UpdatedAt = f.UpdatedAt.UTC()
	return f, nil
}

// TaxForms lists every tax form on record.
func (s *Store) TaxForms(ctx context.Context) (map[string]models.TaxForm, error) {
	var fs []models.TaxForm
	if err := taxForms(s.db.WithContext(ctx)).Order("researcher_id").Find(&fs).Error; err != nil {
		return nil, fmt.Errorf("tax forms: %w", err)
	}
	out := make(map[string]models.TaxForm, len(fs))
	for _, f := range fs {
		f.UpdatedAt = f.UpdatedAt.UTC()
		out[f.ResearcherID] = f
	}
	return out, nil
}
