package compliance

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

// FuzzLoadPolicy checks that LoadPolicy never panics, that every error
// matches models.ErrInvalid, and that an accepted policy is complete and
// decides without panicking.
func FuzzLoadPolicy(f *testing.F) {
	f.Add([]byte(policyYAML))
	f.Add(defaultPolicySource(f))
	f.Add([]byte("version: x\nseverities: {critical: {money: {amount: 1, currency: USD}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := LoadPolicy(strings.NewReader(string(data)))
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

func defaultPolicySource(t testing.TB) []byte {
	data, err := policyFiles.ReadFile("rules/policy-v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return data
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
