package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// Tax form types and statuses. Persisted; append-only.
const (
	FormW9     = "W-9"      // US person
	FormW8BEN  = "W-8BEN"   // foreign individual
	FormW8BENE = "W-8BEN-E" // foreign entity

	FormReceived = "received"
	FormMissing  = "missing"
	FormInvalid  = "invalid"
)

// TaxForm is the tax form status of a payee.
type TaxForm struct {
	ResearcherID string `gorm:"primaryKey"`
	Form         string
	Status       string
	UpdatedBy    string
	Note         string
	UpdatedAt    time.Time
}

func (TaxForm) TableName() string { return "tax_forms" }

// OnFile reports whether a valid form was received.
func (f TaxForm) OnFile() bool { return f.Status == FormReceived }

// ParseTaxForm checks a form type and status.
func ParseTaxForm(form, status string) (string, string, error) {
	var f string
	switch strings.ToUpper(form) {
	case "W-9", "W9":
		f = FormW9
	case "W-8BEN", "W8BEN":
		f = FormW8BEN
	case "W-8BEN-E", "W8BENE", "W8BEN-E":
		f = FormW8BENE
	default:
		return "", "", fmt.Errorf("tax form %q: want W-9, W-8BEN or W-8BEN-E: %w", form, models.ErrInvalid)
	}
	switch status {
	case FormReceived, FormMissing, FormInvalid:
	default:
		return "", "", fmt.Errorf("tax form status %q: want received, missing or invalid: %w", status, models.ErrInvalid)
	}
	return f, status, nil
}

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
		if err := tx.db.Save(&f).Error; err != nil {
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
	err := db.Where("researcher_id = ?", id).Take(&f).Error
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
	if err := s.db.WithContext(ctx).Order("researcher_id").Find(&fs).Error; err != nil {
		return nil, fmt.Errorf("tax forms: %w", err)
	}
	out := make(map[string]TaxForm, len(fs))
	for _, f := range fs {
		f.UpdatedAt = f.UpdatedAt.UTC()
		out[f.ResearcherID] = f
	}
	return out, nil
}
