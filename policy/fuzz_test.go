package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/plex/bountypay/models"
)

// FuzzLoad checks that Load never panics, that every error
// matches models.ErrInvalid, and that an accepted policy is complete and
// decides without panicking.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(policyYAML))
	f.Add(defaultPolicySource(f))
	f.Add([]byte("version: x\nseverities: {critical: {money: {amount: 1, currency: USD}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Load(strings.NewReader(string(data)))
		if err != nil {
			if !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		if len(p.Categories) != len(models.AllCategories()) || len(p.Severities) != len(models.AllSeverities()) {
			t.Fatalf("incomplete policy accepted: %+v", p)
		}
		for _, c := range models.AllCategories() {
			for _, s := range models.AllSeverities() {
				r := approvedReport()
				r.Category, r.Severity = c, s
				d := p.Decide(r)
				if d.Rejected == (len(d.Awards) > 0) || d.Reason == "" {
					t.Fatalf("inconsistent decision %+v", d)
				}
				for _, a := range d.Awards {
					if a.Kind == models.AwardMoney && a.Amount.Minor <= 0 {
						t.Fatalf("non-positive money award %+v", a)
					}
				}
			}
		}
	})
}

func defaultPolicySource(t testing.TB) []byte {
	data, err := policyFiles.ReadFile("rules/policy-v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}
