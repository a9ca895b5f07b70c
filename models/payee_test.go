package models_test

import (
	"errors"
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

// What imported details are among a researcher's versions: the same
// details are the version they were, other details a new version, pending
// when a person must approve it.
func TestNextPayeeVersion(t *testing.T) {
	v1 := models.Researcher{ID: "r", Name: "Ada", Country: "GB", PayPalReceiver: "ada@example.com"}
	v2 := v1
	v2.PayPalReceiver = "m@example.com"
	versions := []models.PayeeVersion{
		{Researcher: v1, Version: 1, Hash: models.PayeeHash(v1), Status: models.PayeeActive},
		{Researcher: v2, Version: 2, Hash: models.PayeeHash(v2), Status: models.PayeePending},
	}
	for _, r := range []models.Researcher{v1, v2} {
		if got, ok := models.SamePayeeVersion(versions, r); !ok || got.Hash != models.PayeeHash(r) {
			t.Errorf("details of %s: SamePayeeVersion = v%d, %v", r.PayPalReceiver, got.Version, ok)
		}
	}
	rejected := append([]models.PayeeVersion(nil), versions...)
	rejected[1].Status = models.PayeeRejected
	if _, ok := models.SamePayeeVersion(rejected, v2); ok {
		t.Error("a rejected version's details came back as that version; they must be a new change")
	}
	email := v1
	email.Email = "ada@new.example"
	if v := models.NextPayeeVersion(versions, v1, email, false); v.Version != 3 || v.Status != models.PayeeActive || fmt.Sprint(v.Changed) != "[email]" {
		t.Errorf("new email: %+v", v)
	}
	if v := models.NextPayeeVersion(rejected, v1, v2, false); v.Version != 3 || v.Status != models.PayeePending || fmt.Sprint(v.NeedsRoles) != "[finance]" {
		t.Errorf("receiver again after a rejection: %+v", v)
	}
}

// Who may decide a pending payee change.
func TestCheckPayeeDecision(t *testing.T) {
	r := models.Researcher{ID: "r", Name: "Ada"}
	versions := []models.PayeeVersion{
		{Researcher: r, Version: 1, Status: models.PayeeActive},
		{Researcher: r, Version: 2, Status: models.PayeePending, CreatedBy: "ops", NeedsRoles: []models.Role{models.RoleFinance}},
		{Researcher: r, Version: 3, Status: models.PayeePending, CreatedBy: "ops", NeedsRoles: []models.Role{models.RoleCompliance}},
	}
	person := func(name string, roles ...models.Role) models.Identity {
		return models.Identity{Name: name, Kind: models.KindPerson, Roles: roles}
	}
	finance, compliance := person("ann", models.RoleFinance), person("cora", models.RoleCompliance)
	for _, tt := range []struct {
		name    string
		version int
		approve bool
		by      models.Identity
		want    error
	}{
		{"finance rejects a receiver change", 2, false, finance, nil},
		{"finance approves an older change while a newer is pending", 2, true, finance, models.ErrConflict},
		{"compliance approves the identity change", 3, true, compliance, nil},
		{"finance approves an identity change of a payee under review", 3, true, finance, models.ErrInvalid},
		{"compliance decides a receiver change", 2, false, compliance, models.ErrInvalid},
		{"the person who caused it", 3, true, person("OPS", models.RoleCompliance), models.ErrInvalid},
		{"a version in force", 1, true, finance, models.ErrConflict},
		{"no such version", 9, true, finance, models.ErrNotFound},
		{"a service", 2, false, models.Identity{Name: "bot", Kind: models.KindService, Roles: []models.Role{models.RoleFinance}}, models.ErrInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := models.CheckPayeeDecision(versions, tt.version, tt.approve, tt.by)
			if (tt.want == nil) != (err == nil) || !errors.Is(err, tt.want) {
				t.Errorf("CheckPayeeDecision = %v, want %v", err, tt.want)
			}
		})
	}
}

// What an identity may be stored as, and who may be the first.
func TestIdentityValidate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		id    models.Identity
		valid bool
	}{
		{"person with roles", models.Identity{Name: " ann ", Kind: models.KindPerson, Roles: []models.Role{models.RoleFinance, models.RoleAdmin, models.RoleFinance}}, true},
		{"empty name", models.Identity{Name: " ", Kind: models.KindPerson, Roles: []models.Role{models.RoleFinance}}, false},
		{"comma in name", models.Identity{Name: "a,b", Kind: models.KindPerson, Roles: []models.Role{models.RoleFinance}}, false},
		{"colon in name", models.Identity{Name: "a:b", Kind: models.KindPerson, Roles: []models.Role{models.RoleFinance}}, false},
		{"unknown kind", models.Identity{Name: "a", Kind: "robot", Roles: []models.Role{models.RoleFinance}}, false},
		{"no role", models.Identity{Name: "a", Kind: models.KindPerson}, false},
		{"unknown role", models.Identity{Name: "a", Kind: models.KindPerson, Roles: []models.Role{"cfo"}}, false},
	} {
		got, err := tt.id.Validate()
		if (err == nil) != tt.valid || (err != nil && !errors.Is(err, models.ErrInvalid)) {
			t.Errorf("%s: Validate = %v", tt.name, err)
		}
		if tt.valid && (got.Name != "ann" || fmt.Sprint(got.Roles) != "[admin finance]") {
			t.Errorf("%s: normalised to %+v", tt.name, got)
		}
	}
	if err := models.CheckFirstIdentity(models.Identity{Name: "bot", Kind: models.KindService, Roles: []models.Role{models.RoleAdmin}}); err == nil {
		t.Error("a service was accepted as the first identity")
	}
	if err := models.CheckFirstIdentity(models.Identity{Name: "ann", Kind: models.KindPerson, Roles: []models.Role{models.RoleFinance}}); err == nil {
		t.Error("a non-admin was accepted as the first identity")
	}
	if err := models.CheckFirstIdentity(models.Identity{Name: "ann", Kind: models.KindPerson, Roles: []models.Role{models.RoleAdmin}}); err != nil {
		t.Errorf("an admin person was refused as the first identity: %v", err)
	}
}
