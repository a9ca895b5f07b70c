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

// Tax form types and statuses (see models).
const (
	FormW9       = models.FormW9
	FormW8BEN    = models.FormW8BEN
	FormW8BENE   = models.FormW8BENE
	FormReceived = models.FormReceived
	FormMissing  = models.FormMissing
	FormInvalid  = models.FormInvalid
)

// TaxForm is the tax form status of a payee (models.TaxForm).
type TaxForm = models.TaxForm

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
func (s *Store) SetTaxForm(ctx context.Context, f TaxForm) (TaxForm, error) {
	form, status, err := ParseTaxForm(f.Form, f.Status)
	if err != nil {
		return TaxForm{}, err
	}
	if strings.TrimSpace(f.UpdatedBy) == "" {
		return TaxForm{}, fmt.Errorf("tax form: who records it (--by) is required: %w", models.ErrInvalid)
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
func (tx *Tx) TaxForm(researcherID string) (TaxForm, error) { return taxForm(tx.db, researcherID) }

// TaxForm reads a payee's tax form outside a transaction.
func (s *Store) TaxForm(ctx context.Context, researcherID string) (TaxForm, error) {
	return taxForm(s.db.WithContext(ctx), researcherID)
}

func taxForm(db *gorm.DB, id string) (TaxForm, error) {
	var f TaxForm
	err := taxForms(db).Where("researcher_id = ?", id).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return TaxForm{ResearcherID: id, Status: FormMissing}, fmt.Errorf("tax form of %s: %w", id, models.ErrNotFound)
	}
	if err != nil {
		return TaxForm{}, fmt.Errorf("tax form of %s: %w", id, err)
	}
	f.UpdatedAt = f.UpdatedAt.UTC()
	return f, nil
}

// TaxForms lists every tax form on record.
func (s *Store) TaxForms(ctx context.Context) (map[string]TaxForm, error) {
	var fs []TaxForm
	if err := taxForms(s.db.WithContext(ctx)).Order("researcher_id").Find(&fs).Error; err != nil {
		return nil, fmt.Errorf("tax forms: %w", err)
	}
	out := make(map[string]TaxForm, len(fs))
	for _, f := range fs {
		f.UpdatedAt = f.UpdatedAt.UTC()
		out[f.ResearcherID] = f
	}
	return out, nil
}
