package models_test

import (
	"fmt"
	"testing"

	"github.com/plex/bountypay/models"
)

// Who must approve a payee change, by what changed.
func TestPayeeChangeNeeds(t *testing.T) {
	base := models.Researcher{ID: "r", Name: "Ada", Country: "GB", PayPalReceiver: "ada@example.com", PlexAccount: "ada"}
	for _, tt := range []struct {
		name        string
		change      func(r *models.Researcher)
		underReview bool
		want        []models.Role
	}{
		{"email only", func(r *models.Researcher) { r.Email = "new@example.com" }, false, nil},
		{"new PayPal receiver", func(r *models.Researcher) { r.PayPalReceiver = "m@example.com" }, false, []models.Role{models.RoleFinance}},
		{"new Plex account", func(r *models.Researcher) { r.PlexAccount = "m" }, false, []models.Role{models.RoleFinance}},
		{"new name, not under review", func(r *models.Researcher) { r.Name = "Ada L." }, false, nil},
		{"new name under review", func(r *models.Researcher) { r.Name = "Ada L." }, true, []models.Role{models.RoleCompliance}},
		{"new country and receiver under review", func(r *models.Researcher) { r.Country, r.PayPalReceiver = "IR", "m@example.com" }, true,
			[]models.Role{models.RoleFinance, models.RoleCompliance}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := base
			tt.change(&n)
			if got := models.PayeeChangeNeeds(base, n, tt.underReview); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("PayeeChangeNeeds = %v, want %v", got, tt.want)
			}
		})
	}
}
