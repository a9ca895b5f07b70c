package models

import (
	"fmt"
	"strings"
	"time"
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
	ResearcherID string
	Form         string
	Status       string
	UpdatedBy    string
	Note         string
	UpdatedAt    time.Time
}

// OnFile reports whether a valid form was received.
func (f TaxForm) OnFile() bool { return f.Status == FormReceived }

// ParseTaxForm checks a form type and status and returns them in their
// canonical spelling. Errors wrap ErrInvalid.
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
		return "", "", fmt.Errorf("tax form %q: want W-9, W-8BEN or W-8BEN-E: %w", form, ErrInvalid)
	}
	switch status {
	case FormReceived, FormMissing, FormInvalid:
	default:
		return "", "", fmt.Errorf("tax form status %q: want received, missing or invalid: %w", status, ErrInvalid)
	}
	return f, status, nil
}
