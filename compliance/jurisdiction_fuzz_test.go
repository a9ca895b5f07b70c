package compliance

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

// FuzzLoadJurisdictions checks that LoadJurisdictions never panics, that
// every error matches models.ErrInvalid, and that Evaluate on accepted
// rules always gives a known decision with a reason.
func FuzzLoadJurisdictions(f *testing.F) {
	f.Add([]byte(jurisdictionsYAML), "UA", "UA-14", "A", "83001")
	f.Add(defaultJurisdictionSource(f), "ua", "43", "Донецьк", "")
	f.Fuzz(func(t *testing.T, data []byte, country, region, city, postal string) {
		j, err := LoadJurisdictions(strings.NewReader(string(data)))
		if err != nil {
			if !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		res := j.Evaluate(JurisdictionSubject{country, region, city, postal}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if decisionRank(res.Decision) == 0 && res.Decision != models.DecisionClear || res.Reason == "" || res.Version != j.Version {
			t.Fatalf("bad result %+v", res)
		}
	})
}

func defaultJurisdictionSource(t testing.TB) []byte {
	data, err := jurisdictionFiles.ReadFile("rules/jurisdictions-2026-08-21.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestEvaluateUkraineNeverBlockedWithoutRegion checks the 2022 lesson on
// every city spelling the rules know: without a region, a Ukrainian payee
// is held for review, never blocked.
func TestEvaluateUkraineNeverBlockedWithoutRegion(t *testing.T) {
	j := defaultJurisdictions(t)
	for _, r := range j.Rules {
		for _, c := range r.CoveredCities {
			for _, pc := range append([]string{""}, r.CoveredPostalPrefixes...) {
				got := j.Evaluate(JurisdictionSubject{Country: "UA", City: c, PostalCode: pc + "001"}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
				if got.Decision != models.DecisionReview {
					t.Errorf("UA, no region, city %q, postal %q: %+v", c, pc, got)
				}
			}
		}
	}
}
