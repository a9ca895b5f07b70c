package store_test

import (
	"context"
	"testing"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

// A tax form recorded twice keeps the latest status (one row a payee).
func TestTaxFormUpdates(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.ImportReports(ctx, "a", []models.ImportRecord{{Report: report("R-1"), ContentHash: "h"}}, "triage"); err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{models.FormMissing, models.FormReceived} {
			if _, err := s.SetTaxForm(ctx, models.TaxForm{ResearcherID: "r1", Form: "W-8BEN", Status: st, UpdatedBy: "ann"}); err != nil {
				t.Fatal(err)
			}
		}
		f, err := s.TaxForm(ctx, "r1")
		if err != nil || !f.OnFile() || f.Form != models.FormW8BEN {
			t.Fatalf("tax form: %+v %v", f, err)
		}
		all, err := s.TaxForms(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("tax forms: %v %v", all, err)
		}
	})
}
