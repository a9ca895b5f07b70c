package compliance

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

func defaultJurisdictions(t testing.TB) *Jurisdictions {
	t.Helper()
	j, err := DefaultJurisdictions()
	if err != nil {
		t.Fatalf("DefaultJurisdictions: %v", err)
	}
	return j
}

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, err = time.Parse(time.DateOnly, s)
	}
	if err != nil {
		panic(err)
	}
	return t
}

func TestEvaluate(t *testing.T) {
	j := defaultJurisdictions(t)
	now := day("2026-09-01")
	tests := []struct {
		name     string
		s        JurisdictionSubject
		at       time.Time
		want     models.ScreeningDecision
		wantRule string
		wantIn   string // substring of the reason
	}{
		{name: "Germany", s: JurisdictionSubject{Country: "DE"}, want: models.DecisionClear, wantIn: "no jurisdiction rule applies"},
		{name: "Cuba", s: JurisdictionSubject{Country: "CU"}, want: models.DecisionBlocked, wantRule: "cuba", wantIn: "31 CFR 515"},
		{name: "Iran", s: JurisdictionSubject{Country: "IR", City: "Tehran"}, want: models.DecisionBlocked, wantRule: "iran"},
		{name: "North Korea", s: JurisdictionSubject{Country: "KP"}, want: models.DecisionBlocked, wantRule: "north-korea"},
		{name: "South Korea", s: JurisdictionSubject{Country: "KR"}, want: models.DecisionClear},
		{name: "lower-case country", s: JurisdictionSubject{Country: " cu "}, want: models.DecisionBlocked, wantRule: "cuba"},
		{name: "Syria before the end", s: JurisdictionSubject{Country: "SY"}, at: day("2025-06-30"), want: models.DecisionBlocked, wantRule: "syria"},
		{name: "Syria last minute", s: JurisdictionSubject{Country: "SY"}, at: day("2025-07-01T04:00:59Z"), want: models.DecisionBlocked, wantRule: "syria"},
		{name: "Syria at the end", s: JurisdictionSubject{Country: "SY"}, at: day("2025-07-01T04:01:00Z"), want: models.DecisionClear},
		{name: "Syria after the end", s: JurisdictionSubject{Country: "SY"}, at: day("2025-07-02"), want: models.DecisionClear},
		{name: "Syria now", s: JurisdictionSubject{Country: "SY"}, want: models.DecisionClear},
		{name: "Crimea", s: JurisdictionSubject{Country: "UA", Region: "UA-43", City: "Simferopol"}, want: models.DecisionBlocked, wantRule: "ua-crimea", wantIn: "EO 13685"},
		{name: "Crimea lower-case", s: JurisdictionSubject{Country: "ua", Region: "ua-43"}, want: models.DecisionBlocked, wantRule: "ua-crimea"},
		{name: "Crimea bare region", s: JurisdictionSubject{Country: "UA", Region: "43"}, want: models.DecisionBlocked, wantRule: "ua-crimea"},
		{name: "Crimea before EO 13685", s: JurisdictionSubject{Country: "UA", Region: "UA-43"}, at: day("2014-12-18"), want: models.DecisionClear},
		{name: "Sevastopol", s: JurisdictionSubject{Country: "UA", Region: "UA-40"}, want: models.DecisionBlocked, wantRule: "ua-sevastopol"},
		{name: "Kyiv", s: JurisdictionSubject{Country: "UA", Region: "UA-30", City: "Kyiv", PostalCode: "01001"}, want: models.DecisionClear},
		{name: "Lviv", s: JurisdictionSubject{Country: "UA", Region: "UA-46", City: "Lviv"}, want: models.DecisionClear},
		{name: "Ukraine without region", s: JurisdictionSubject{Country: "UA", City: "Kyiv"}, want: models.DecisionReview, wantRule: "ua-region-unknown", wantIn: "not sanctioned"},
		{name: "Ukraine without region, Donetsk city", s: JurisdictionSubject{Country: "UA", City: "Donetsk"}, want: models.DecisionReview, wantRule: "ua-region-unknown"},
		{name: "Donetsk city", s: JurisdictionSubject{Country: "UA", Region: "UA-14", City: "Donetsk"}, want: models.DecisionBlocked, wantRule: "ua-dnr", wantIn: `city "Donetsk" is in the covered area`},
		{name: "Donetsk city in Cyrillic", s: JurisdictionSubject{Country: "UA", Region: "UA-14", City: "м. Донецьк"}, want: models.DecisionBlocked, wantRule: "ua-dnr"},
		{name: "Donetsk city lower-case", s: JurisdictionSubject{Country: "ua", Region: "ua-14", City: "  donetsk "}, want: models.DecisionBlocked, wantRule: "ua-dnr"},
		{name: "Makiivka Russian spelling", s: JurisdictionSubject{Country: "UA", Region: "UA-14", City: "Makeyevka"}, want: models.DecisionBlocked, wantRule: "ua-dnr"},
		{name: "Horlivka", s: JurisdictionSubject{Country: "UA", Region: "UA-14", City: "Horlivka"}, want: models.DecisionBlocked, wantRule: "ua-dnr"},
		{name: "Donetsk postal code", s: JurisdictionSubject{Country: "UA", Region: "UA-14", PostalCode: "83 001"}, want: models.DecisionBlocked, wantRule: "ua-dnr", wantIn: "postal code 83001"},
		{name: "UA-14 unknown city", s: JurisdictionSubject{Country: "UA", Region: "UA-14", City: "Kramatorsk", PostalCode: "84300"}, want: models.DecisionReview, wantRule: "ua-dnr", wantIn: "only partly covered"},
		{name: "UA-14 no city", s: JurisdictionSubject{Country: "UA", Region: "UA-14"}, want: models.DecisionReview, wantRule: "ua-dnr"},
		{name: "Mariupol is review", s: JurisdictionSubject{Country: "UA", Region: "UA-14", City: "Mariupol"}, want: models.DecisionReview, wantRule: "ua-dnr"},
		{name: "Donetsk before EO 14065", s: JurisdictionSubject{Country: "UA", Region: "UA-14", City: "Donetsk"}, at: day("2022-02-20"), want: models.DecisionClear},
		{name: "Luhansk city", s: JurisdictionSubject{Country: "UA", Region: "UA-09", City: "Luhansk"}, want: models.DecisionBlocked, wantRule: "ua-lnr"},
		{name: "Alchevsk apostrophe", s: JurisdictionSubject{Country: "UA", Region: "UA-09", City: "Alchevs’k"}, want: models.DecisionBlocked, wantRule: "ua-lnr"},
		{name: "Krasnyi Luch hyphenated", s: JurisdictionSubject{Country: "UA", Region: "UA-09", City: "Krasnyi-Luch"}, want: models.DecisionBlocked, wantRule: "ua-lnr"},
		{name: "Sievierodonetsk is review", s: JurisdictionSubject{Country: "UA", Region: "UA-09", City: "Sievierodonetsk"}, want: models.DecisionReview, wantRule: "ua-lnr"},
		{name: "Luhansk postal alone is review", s: JurisdictionSubject{Country: "UA", Region: "UA-09", PostalCode: "91480"}, want: models.DecisionReview, wantRule: "ua-lnr"},
		{name: "Donetsk city in the Luhansk region is review", s: JurisdictionSubject{Country: "UA", Region: "UA-09", City: "Donetsk"}, want: models.DecisionReview, wantRule: "ua-lnr"},
		{name: "Russia, Simferopol", s: JurisdictionSubject{Country: "RU", City: "Симферополь"}, want: models.DecisionReview, wantRule: "ru-claimed-ukrainian-city"},
		{name: "Russia, Moscow", s: JurisdictionSubject{Country: "RU", City: "Moscow"}, want: models.DecisionClear},
		{name: "no country", s: JurisdictionSubject{City: "Havana"}, want: models.DecisionReview, wantRule: RuleCountryUnknown},
		{name: "country name instead of code", s: JurisdictionSubject{Country: "Cuba"}, want: models.DecisionReview, wantRule: RuleCountryInvalid},
		{name: "Crimea under another country", s: JurisdictionSubject{Country: "RU", Region: "UA-43"}, want: models.DecisionReview, wantRule: RuleRegionMismatch},
		{name: "no time", s: JurisdictionSubject{Country: "DE"}, at: time.Time{}, want: models.DecisionReview, wantRule: RuleNoTime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at.IsZero() && tc.wantRule != RuleNoTime {
				at = now
			}
			got := j.Evaluate(tc.s, at)
			if got.Decision != tc.want || got.RuleID != tc.wantRule || !strings.Contains(got.Reason, tc.wantIn) || got.Version != j.Version {
				t.Errorf("got %+v, want %s by %q with %q", got, tc.want, tc.wantRule, tc.wantIn)
			}
			if got.Reason == "" {
				t.Error("empty reason")
			}
		})
	}
}

func TestCheckResearcher(t *testing.T) {
	j := defaultJurisdictions(t)
	got := j.Check(models.Researcher{ID: "r", Name: "n", Country: "UA", Region: "UA-14", City: "Donetsk"}, day("2026-01-01"))
	if got.Decision != models.DecisionBlocked || got.RuleID != "ua-dnr" {
		t.Errorf("got %+v", got)
	}
}

func TestNormalizeCity(t *testing.T) {
	for in, want := range map[string]string{
		"Donetsk":         "donetsk",
		" м. Донецьк ":    "донецьк",
		"м.Донецьк":       "донецьк",
		"г. Луганск":      "луганск",
		"Alchevs'k":       "alchevsk",
		"Krasnyi-Luch":    "krasnyi luch",
		"Krasnyi   Luch":  "krasnyi luch",
		"Зимогір’я":       "зимогіря",
		"Зимогорьё":       "зимогорье",
		"St. Petersburg.": "st. petersburg",
		"city":            "city",
		"":                "",
	} {
		if got := normalizeJurisdictionCity(in); got != want {
			t.Errorf("normalizeJurisdictionCity(%q) = %q, want %q", in, got, want)
		}
	}
}

const jurisdictionsYAML = `version: "t1"
rules:
  - id: x
    country: XX
    decision: blocked
    effective_from: 2020-01-01
    reason: r
  - id: y
    country: UA
    regions: [UA-14]
    covered: {cities: [A], postal_prefixes: ["83"]}
    decision: blocked
    otherwise: review
    otherwise_reason: o
    effective_from: 2020-01-01
    effective_to: 2021-01-01
    reason: r
`

func TestLoadJurisdictionsErrors(t *testing.T) {
	tests := []struct {
		name, old, new, wantErr string
	}{
		{name: "valid"},
		{name: "unknown key", old: "    reason: r\n  - id: y", new: "    reason: r\n    reasn: r\n  - id: y", wantErr: "line 8: rules[0].reasn: unknown key"},
		{name: "repeated id", old: "id: y", new: "id: x", wantErr: `line 8: rules[1].id: "x" is already used on line 3`},
		{name: "bad id", old: "id: y", new: "id: Y Y", wantErr: "must be lower-case letters"},
		{name: "lower-case country", old: "country: XX", new: "country: xx", wantErr: `line 4: rules[0] (x).country: "xx" must be an upper-case ISO 3166-1`},
		{name: "region of another country", old: "[UA-14]", new: "[RU-14]", wantErr: `"RU-14" must be an upper-case ISO 3166-2 code of UA`},
		{name: "bad decision", old: "decision: blocked\n    effective_from: 2020-01-01\n    reason: r\n  - id", new: "decision: clear\n    effective_from: 2020-01-01\n    reason: r\n  - id", wantErr: `line 5: rules[0] (x).decision: "clear" must be blocked or review`},
		{name: "missing reason", old: "    reason: r\n  - id: y", new: "  - id: y", wantErr: "rules[0] (x).reason: required"},
		{name: "missing effective_from", old: "    effective_from: 2020-01-01\n    reason: r\n  - id", new: "    reason: r\n  - id", wantErr: "rules[0] (x).effective_from: required"},
		{name: "end before start", old: "effective_to: 2021-01-01", new: "effective_to: 2019-01-01", wantErr: "effective_to: must be after effective_from"},
		{name: "bad date", old: "effective_to: 2021-01-01", new: "effective_to: soon", wantErr: `line 16: rules[1] (y).effective_to: "soon" is not a date`},
		{name: "otherwise without covered", old: "    covered: {cities: [A], postal_prefixes: [\"83\"]}\n", new: "", wantErr: "otherwise: needs covered"},
		{name: "otherwise without reason", old: "    otherwise_reason: o\n", new: "", wantErr: "otherwise and otherwise_reason go together"},
		{name: "bad postal prefix", old: `["83"]`, new: `["8-3"]`, wantErr: `"8-3" must be upper-case letters and digits`},
		{name: "region_unknown with regions", old: "regions: [UA-14]", new: "regions: [UA-14]\n    region_unknown: true", wantErr: "cannot be combined with regions"},
		{name: "rules not a list", old: jurisdictionsYAML[len(`version: "t1"`)+1:], new: "rules: {}\n", wantErr: "rules: must be a list"},
		{name: "no version", old: `version: "t1"` + "\n", new: "", wantErr: "version: required"},
		{name: "top-level typo", old: "rules:", new: "rule:", wantErr: "rule: unknown key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := jurisdictionsYAML
			if tc.old != "" {
				if !strings.Contains(src, tc.old) {
					t.Fatalf("%q not in the rules", tc.old)
				}
				src = strings.Replace(src, tc.old, tc.new, 1)
			}
			j, err := LoadJurisdictions(strings.NewReader(src))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if j.Version != "t1" || len(j.Rules) != 2 || len(j.Hash()) != 64 {
					t.Errorf("got %+v", j)
				}
				return
			}
			if err == nil || !errors.Is(err, models.ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v\nwant ErrInvalid containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestDefaultJurisdictionsData(t *testing.T) {
	j := defaultJurisdictions(t)
	if j.Version == "" || !bytes.Contains(j.YAML(), []byte("rules:")) {
		t.Fatal("no version or YAML")
	}
	seen := map[string]bool{}
	for _, r := range j.Rules {
		if r.Name == "" || r.Reason == "" {
			t.Errorf("%s: no name or reason", r.ID)
		}
		if r.Decision == models.DecisionBlocked && r.Country == "UA" && len(r.Regions) == 0 {
			t.Errorf("%s blocks the whole of Ukraine", r.ID)
		}
		seen[r.ID] = true
	}
	for _, id := range []string{"cuba", "iran", "north-korea", "syria", "ua-crimea", "ua-sevastopol", "ua-dnr", "ua-lnr", "ua-region-unknown"} {
		if !seen[id] {
			t.Errorf("no rule %s", id)
		}
	}
	var b bytes.Buffer
	if err := j.Render(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "jurisdictions.golden.txt")
	if *updatePolicyGolden {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-policy)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("render differs from %s (run with -update-policy):\n%s", path, b.String())
	}
}
