package compliance

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

var update = flag.Bool("update", false, "rewrite testdata/jurisdictions.golden.txt")

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

func TestJurisdictionsEvaluate(t *testing.T) {
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
		{name: "Russia, Simferopol", s: JurisdictionSubject{Country: "RU", City: "Симферополь"}, want: models.DecisionBlocked, wantRule: "ua-crimea", wantIn: "city Симферополь is in Crimea"},
		{name: "Russia, Donetsk", s: JurisdictionSubject{Country: "RU", City: "Donetsk"}, want: models.DecisionReview, wantRule: "ru-claimed-ukrainian-city"},
		{name: "Russia, Moscow", s: JurisdictionSubject{Country: "RU", City: "Moscow"}, want: models.DecisionClear},
		{name: "no country", s: JurisdictionSubject{City: "Havana"}, want: models.DecisionReview, wantRule: RuleCountryUnknown},
		{name: "country name instead of code", s: JurisdictionSubject{Country: "Cuba"}, want: models.DecisionReview, wantRule: RuleCountryInvalid},
		{name: "Crimea under Russia", s: JurisdictionSubject{Country: "RU", Region: "UA-43"}, want: models.DecisionBlocked, wantRule: "ua-crimea", wantIn: "region UA-43 is Crimea"},
		{name: "Crimea under another country", s: JurisdictionSubject{Country: "US", Region: "UA-43"}, want: models.DecisionReview, wantRule: RuleRegionMismatch},
		{name: "Kyiv region under Russia", s: JurisdictionSubject{Country: "RU", Region: "UA-30", City: "Kyiv"}, want: models.DecisionReview, wantRule: RuleRegionMismatch},
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

// TestJurisdictionsCrimeaEvidence covers Crimea and Sevastopol found by
// city, postal code and Russia's claim codes, whatever region was given.
func TestJurisdictionsCrimeaEvidence(t *testing.T) {
	j := defaultJurisdictions(t)
	now := day("2026-12-02")
	tests := []struct {
		name     string
		s        JurisdictionSubject
		want     models.ScreeningDecision
		wantRule string
		wantIn   []string  // substrings of the reason
		at       time.Time // zero means 2026-12-02
	}{
		{name: "UA, wrong region, Simferopol, 95000",
			s:    JurisdictionSubject{Country: "UA", Region: "UA-46", City: "Simferopol", PostalCode: "95000"},
			want: models.DecisionBlocked, wantRule: "ua-crimea",
			wantIn: []string{"city Simferopol is in Crimea", "postal code 95000 is in Crimea (Ukrainian 95–98)", "although the region given is UA-46", "EO 13685"}},
		{name: "UA, no region, Simferopol, 95000",
			s:    JurisdictionSubject{Country: "UA", City: "Simferopol", PostalCode: "95000"},
			want: models.DecisionBlocked, wantRule: "ua-crimea", wantIn: []string{"city Simferopol is in Crimea"}},
		{name: "UA, wrong region, city only",
			s:    JurisdictionSubject{Country: "UA", Region: "UA-46", City: "Simferopol"},
			want: models.DecisionBlocked, wantRule: "ua-crimea", wantIn: []string{"city Simferopol is in Crimea"}},
		{name: "UA, wrong region, postal only",
			s:    JurisdictionSubject{Country: "UA", Region: "UA-46", City: "Lviv", PostalCode: "98 600"},
			want: models.DecisionBlocked, wantRule: "ua-crimea", wantIn: []string{"postal code 98600 is in Crimea"}},
		{name: "Ukrainian Cyrillic", s: JurisdictionSubject{Country: "UA", Region: "UA-46", City: "м. Сімферополь"},
			want: models.DecisionBlocked, wantRule: "ua-crimea", wantIn: []string{"city м. Сімферополь is in Crimea"}},
		{name: "Russian Cyrillic", s: JurisdictionSubject{Country: "UA", City: "г. Симферополь"},
			want: models.DecisionBlocked, wantRule: "ua-crimea"},
		{name: "Russian Cyrillic with ё", s: JurisdictionSubject{Country: "RU", City: "Щёлкино"},
			want: models.DecisionBlocked, wantRule: "ua-crimea"},
		{name: "RU-CR, Bakhchysarai", s: JurisdictionSubject{Country: "RU", Region: "RU-CR", City: "Bakhchysarai"},
			want: models.DecisionBlocked, wantRule: "ua-crimea",
			wantIn: []string{"region RU-CR is Russia's claim to Crimea", "city Bakhchysarai is in Crimea"}},
		{name: "RU-CR alone", s: JurisdictionSubject{Country: "RU", Region: "RU-CR"},
			want: models.DecisionBlocked, wantRule: "ua-crimea", wantIn: []string{"region RU-CR is Russia's claim to Crimea"}},
		{name: "bare CR", s: JurisdictionSubject{Country: "ru", Region: "cr"},
			want: models.DecisionBlocked, wantRule: "ua-crimea"},
		{name: "Russian region number 91", s: JurisdictionSubject{Country: "RU", Region: "91"},
			want: models.DecisionBlocked, wantRule: "ua-crimea"},
		{name: "RU-CR given with Ukraine", s: JurisdictionSubject{Country: "UA", Region: "RU-CR"},
			want: models.DecisionBlocked, wantRule: "ua-crimea"},
		{name: "RU-SEV", s: JurisdictionSubject{Country: "RU", Region: "RU-SEV"},
			want: models.DecisionBlocked, wantRule: "ua-sevastopol", wantIn: []string{"region RU-SEV is Russia's claim to Sevastopol"}},
		{name: "Russian region number 92", s: JurisdictionSubject{Country: "RU", Region: "RU-92"},
			want: models.DecisionBlocked, wantRule: "ua-sevastopol"},
		{name: "UA, no region, postal 99011", s: JurisdictionSubject{Country: "UA", PostalCode: "99011"},
			want: models.DecisionBlocked, wantRule: "ua-sevastopol", wantIn: []string{"postal code 99011 is in Sevastopol", "Ukrainian 99"}},
		{name: "UA-40 Sevastopol", s: JurisdictionSubject{Country: "UA", Region: "UA-40", City: "Sevastopol", PostalCode: "99011"},
			want: models.DecisionBlocked, wantRule: "ua-sevastopol", wantIn: []string{"region UA-40 is Sevastopol", "EO 13685"}},
		{name: "Balaklava under Kyiv", s: JurisdictionSubject{Country: "UA", Region: "UA-30", City: "Balaklava"},
			want: models.DecisionBlocked, wantRule: "ua-sevastopol"},
		{name: "RU, postal 295000", s: JurisdictionSubject{Country: "RU", PostalCode: "295000"},
			want: models.DecisionBlocked, wantRule: "ua-crimea", wantIn: []string{"postal code 295000 is in Crimea (Russian-assigned 295–298)"}},
		{name: "RU, Moscow region, postal 295000", s: JurisdictionSubject{Country: "RU", Region: "RU-MOW", City: "Moscow", PostalCode: "295000"},
			want: models.DecisionBlocked, wantRule: "ua-crimea", wantIn: []string{"although the region given is RU-MOW"}},
		{name: "RU, postal 299011", s: JurisdictionSubject{Country: "RU", PostalCode: "299011"},
			want: models.DecisionBlocked, wantRule: "ua-sevastopol"},
		{name: "RU, Moscow", s: JurisdictionSubject{Country: "RU", Region: "RU-MOW", City: "Moscow", PostalCode: "101000"},
			want: models.DecisionClear},
		{name: "US ZIP 95000", s: JurisdictionSubject{Country: "US", Region: "US-CA", City: "San Jose", PostalCode: "95000"},
			want: models.DecisionClear},
		{name: "US ZIP 99011", s: JurisdictionSubject{Country: "US", PostalCode: "99011"}, want: models.DecisionClear},
		{name: "RU with a Ukrainian-style code", s: JurisdictionSubject{Country: "RU", PostalCode: "95000"}, want: models.DecisionClear},
		{name: "Lviv", s: JurisdictionSubject{Country: "UA", Region: "UA-46", City: "Lviv", PostalCode: "79000"}, want: models.DecisionClear},
		{name: "US, Simferopol", s: JurisdictionSubject{Country: "US", City: "Simferopol"},
			want: models.DecisionReview, wantRule: "ua-crimea",
			wantIn: []string{"city Simferopol is in Crimea but the country given is US", "a person must check"}},
		{name: "US, Crimean region and city", s: JurisdictionSubject{Country: "US", Region: "UA-43", City: "Simferopol"},
			want: models.DecisionReview, wantRule: "ua-crimea", wantIn: []string{"the country given is US"}},
		{name: "DE, Sevastopol", s: JurisdictionSubject{Country: "DE", City: "Севастополь"},
			want: models.DecisionReview, wantRule: "ua-sevastopol"},
		{name: "Belogorsk alone is review", s: JurisdictionSubject{Country: "RU", City: "Belogorsk"},
			want: models.DecisionReview, wantRule: "ua-crimea", wantIn: []string{"and of places elsewhere"}},
		{name: "Belogorsk with a Crimean postal code", s: JurisdictionSubject{Country: "RU", City: "Белогорск", PostalCode: "297600"},
			want: models.DecisionBlocked, wantRule: "ua-crimea"},
		{name: "Bilohirsk", s: JurisdictionSubject{Country: "UA", Region: "UA-43", City: "Білогірськ"},
			want: models.DecisionBlocked, wantRule: "ua-crimea"},
		// Yalta is also a village in Donetsk oblast: the stricter place,
		// Crimea, decides over the DNR rule's review.
		{name: "Yalta in Donetsk oblast", s: JurisdictionSubject{Country: "UA", Region: "UA-14", City: "Yalta"},
			want: models.DecisionBlocked, wantRule: "ua-crimea"},
		{name: "Crimea before EO 13685, by city", s: JurisdictionSubject{Country: "UA", Region: "UA-46", City: "Simferopol"},
			at: day("2014-12-18"), want: models.DecisionClear},
		{name: "Donetsk still blocked", s: JurisdictionSubject{Country: "UA", Region: "UA-14", City: "Donetsk"},
			want: models.DecisionBlocked, wantRule: "ua-dnr", wantIn: []string{`city "Donetsk" is in the covered area`}},
		{name: "Kramatorsk still review", s: JurisdictionSubject{Country: "UA", Region: "UA-14", City: "Kramatorsk", PostalCode: "84300"},
			want: models.DecisionReview, wantRule: "ua-dnr", wantIn: []string{"only partly covered"}},
		{name: "Luhansk still blocked", s: JurisdictionSubject{Country: "UA", Region: "UA-09", City: "Luhansk"},
			want: models.DecisionBlocked, wantRule: "ua-lnr"},
		{name: "Ukraine without region still review", s: JurisdictionSubject{Country: "UA", City: "Kyiv", PostalCode: "01001"},
			want: models.DecisionReview, wantRule: "ua-region-unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at.IsZero() {
				at = now
			}
			got := j.Evaluate(tc.s, at)
			if got.Decision != tc.want || got.RuleID != tc.wantRule || got.Version != j.Version || got.Reason == "" {
				t.Errorf("got %+v, want %s by %q", got, tc.want, tc.wantRule)
			}
			for _, w := range tc.wantIn {
				if !strings.Contains(got.Reason, w) {
					t.Errorf("reason %q does not contain %q", got.Reason, w)
				}
			}
		})
	}
}

// crimeanCities returns every city spelling of the rules that name Crimea
// or Sevastopol by city.
func crimeanCities(t testing.TB, j *Jurisdictions) []string {
	t.Helper()
	var out []string
	for _, r := range j.Rules {
		if r.ID == "ua-crimea" || r.ID == "ua-sevastopol" {
			out = append(out, r.Cities...)
			out = append(out, r.ReviewCities...)
		}
	}
	if len(out) < 40 {
		t.Fatalf("only %d Crimean city spellings", len(out))
	}
	return out
}

// TestJurisdictionsCrimeanCityNeverClear checks that a listed Crimean city
// given with Ukraine or Russia is never clear, whatever the other fields.
func TestJurisdictionsCrimeanCityNeverClear(t *testing.T) {
	j := defaultJurisdictions(t)
	regions := []string{"", "UA-43", "UA-40", "UA-46", "UA-30", "UA-14", "UA-09", "RU-MOW", "RU-CR", "RU-SEV", "46", "XX", "US-CA"}
	postals := []string{"", "79000", "01001", "83001", "95000", "295000", "101000", "10001", "junk"}
	at := day("2026-12-02")
	for _, c := range crimeanCities(t, j) {
		for _, country := range []string{"UA", "RU", "ua", " ru "} {
			for _, city := range []string{c, strings.ToUpper(c), "  " + strings.ToLower(c) + " ", "м. " + c} {
				for _, region := range regions {
					for _, postal := range postals {
						s := JurisdictionSubject{Country: country, Region: region, City: city, PostalCode: postal}
						if got := j.Evaluate(s, at); got.Decision == models.DecisionClear {
							t.Fatalf("%+v: clear (%+v)", s, got)
						}
					}
				}
			}
		}
	}
}

// FuzzJurisdictionsCrimeanCity checks the same property on arbitrary
// regions, postal codes and times after the Crimea embargo began.
func FuzzJurisdictionsCrimeanCity(f *testing.F) {
	j := defaultJurisdictions(f)
	cities := crimeanCities(f, j)
	f.Add(uint(0), false, "UA-46", "79000", int64(0))
	f.Add(uint(7), true, "RU-MOW", "101000", int64(1<<40))
	f.Add(uint(11), false, "", "", int64(12345))
	f.Fuzz(func(t *testing.T, i uint, russia bool, region, postal string, secs int64) {
		country := "UA"
		if russia {
			country = "RU"
		}
		if secs < 0 {
			secs = -secs
		}
		at := day("2014-12-19").Add(time.Duration(secs%(50*365*24*3600)) * time.Second)
		s := JurisdictionSubject{Country: country, Region: region, City: cities[i%uint(len(cities))], PostalCode: postal}
		if got := j.Evaluate(s, at); got.Decision == models.DecisionClear || got.Reason == "" {
			t.Fatalf("%+v at %s: %+v", s, at, got)
		}
	})
}

func TestJurisdictionsCheckResearcher(t *testing.T) {
	j := defaultJurisdictions(t)
	got := j.Check(models.Researcher{ID: "r", Name: "n", Country: "UA", Region: "UA-14", City: "Donetsk"}, day("2026-01-01"))
	if got.Decision != models.DecisionBlocked || got.RuleID != "ua-dnr" {
		t.Errorf("got %+v", got)
	}
}

func TestNormalizeJurisdictionCity(t *testing.T) {
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
  - id: z
    name: Z
    place: Zland
    country: UA
    regions: [UA-43]
    claims:
      - {country: RU, claimant: Russia, regions: [RU-CR]}
    cities: [Zcity]
    review_cities: [Zville]
    postal_prefixes:
      - {country: UA, prefixes: ["95"], note: "Ukrainian 95"}
      - {country: RU, prefixes: ["295"], note: "Russian-assigned 295"}
    decision: blocked
    effective_from: 2020-01-01
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
		{name: "unknown claim key", old: "claimant: Russia", new: "claimer: Russia", wantErr: "line 24: rules[2] (z).claims[0].claimer: unknown key"},
		{name: "claim without claimant", old: "claimant: Russia, ", new: "", wantErr: "rules[2] (z).claims[0].claimant: required"},
		{name: "claim of the rule's country", old: "{country: RU, claimant", new: "{country: UA, claimant", wantErr: "UA is the rule's own country"},
		{name: "claim region of another country", old: "[RU-CR]", new: "[BY-CR]", wantErr: `"BY-CR" does not start with RU-`},
		{name: "claim region already a region", old: "[RU-CR]", new: "[RU-CR]}\n      - {country: BY, claimant: B, regions: [UA-43]", wantErr: `"UA-43" is also in regions`},
		{name: "claims without regions", old: "    regions: [UA-43]\n    claims", new: "    claims", wantErr: "claims: needs regions"},
		{name: "unknown postal key", old: `note: "Ukrainian 95"`, new: `notes: "Ukrainian 95"`, wantErr: "line 28: rules[2] (z).postal_prefixes[0].notes: unknown key"},
		{name: "postal without note", old: `, note: "Ukrainian 95"`, new: "", wantErr: "postal_prefixes[0].note: required"},
		{name: "postal of an unrelated country", old: `{country: RU, prefixes: ["295"]`, new: `{country: US, prefixes: ["295"]`, wantErr: "US is neither the rule's country nor a claimant"},
		{name: "postal country twice", old: `{country: RU, prefixes: ["295"]`, new: `{country: UA, prefixes: ["295"]`, wantErr: "UA is listed twice"},
		{name: "bad postal prefix anywhere", old: `["295"]`, new: `["29 5"]`, wantErr: `"29 5" must be upper-case letters and digits`},
		{name: "postal not a list", old: "    postal_prefixes:\n      - {country: UA, prefixes: [\"95\"], note: \"Ukrainian 95\"}\n      - {country: RU, prefixes: [\"295\"], note: \"Russian-assigned 295\"}\n", new: "    postal_prefixes: {UA: [\"95\"]}\n", wantErr: "postal_prefixes: must be a list"},
		{name: "city in both lists", old: "[Zville]", new: "[Z-CITY, ZCITY]", wantErr: `"zcity" is also in cities`},
		{name: "evidence without place", old: "    place: Zland\n", new: "", wantErr: "rules[2] (z).place: required with claims"},
		{name: "cities with region_unknown", old: "    regions: [UA-43]\n    claims:\n      - {country: RU, claimant: Russia, regions: [RU-CR]}\n", new: "    region_unknown: true\n", wantErr: "region_unknown: cannot be combined with claims, cities"},
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
				if j.Version != "t1" || len(j.Rules) != 3 || len(j.Hash()) != 64 {
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

// TestJurisdictionsEvidenceSchema checks the evidence fields on small
// rules, apart from the embedded data.
func TestJurisdictionsEvidenceSchema(t *testing.T) {
	j, err := LoadJurisdictions(strings.NewReader(jurisdictionsYAML))
	if err != nil {
		t.Fatal(err)
	}
	z := j.Rules[2]
	if z.Place != "Zland" || len(z.Claims) != 1 || z.Claims[0].Claimant != "Russia" || len(z.Cities) != 1 ||
		len(z.ReviewCities) != 1 || len(z.PostalPrefixes) != 2 || z.PostalPrefixes[1].Note != "Russian-assigned 295" {
		t.Fatalf("rule z read as %+v", z)
	}
	at := day("2026-01-01")
	for _, tc := range []struct {
		s        JurisdictionSubject
		want     models.ScreeningDecision
		wantRule string
		wantIn   string
	}{
		{JurisdictionSubject{Country: "UA", Region: "UA-43"}, models.DecisionBlocked, "z", "region UA-43 is Zland: r"},
		{JurisdictionSubject{Country: "RU", Region: "RU-CR"}, models.DecisionBlocked, "z", "region RU-CR is Russia's claim to Zland: r"},
		{JurisdictionSubject{Country: "BY", Region: "RU-CR"}, models.DecisionReview, RuleRegionMismatch, "does not belong"},
		{JurisdictionSubject{Country: "UA", Region: "UA-30", City: "zcity"}, models.DecisionBlocked, "z", "city zcity is in Zland, although the region given is UA-30: r"},
		{JurisdictionSubject{Country: "RU", City: "Zcity"}, models.DecisionBlocked, "z", "city Zcity is in Zland: r"},
		{JurisdictionSubject{Country: "FR", City: "Zcity"}, models.DecisionReview, "z", "city Zcity is in Zland but the country given is FR: a person must check the address (r)"},
		{JurisdictionSubject{Country: "UA", Region: "UA-30", City: "Zville"}, models.DecisionReview, "z", "city Zville is the name of a town in Zland and of places elsewhere"},
		{JurisdictionSubject{Country: "UA", Region: "UA-30", PostalCode: "95123"}, models.DecisionBlocked, "z", "postal code 95123 is in Zland (Ukrainian 95)"},
		{JurisdictionSubject{Country: "RU", PostalCode: "295123"}, models.DecisionBlocked, "z", "(Russian-assigned 295)"},
		{JurisdictionSubject{Country: "RU", PostalCode: "95123"}, models.DecisionClear, "", ""},
		{JurisdictionSubject{Country: "FR", PostalCode: "95123"}, models.DecisionClear, "", ""},
		{JurisdictionSubject{Country: "UA", Region: "UA-30", City: "Kyiv", PostalCode: "01001"}, models.DecisionClear, "", ""},
	} {
		got := j.Evaluate(tc.s, at)
		if got.Decision != tc.want || got.RuleID != tc.wantRule || !strings.Contains(got.Reason, tc.wantIn) || got.Version != "t1" {
			t.Errorf("%+v: got %+v, want %s by %q with %q", tc.s, got, tc.want, tc.wantRule, tc.wantIn)
		}
	}
}

// TestDefaultJurisdictionsNewest checks that the newest embedded file is
// used, so screenings record the rules that know Crimea by every field,
// and that earlier files still load.
func TestDefaultJurisdictionsNewest(t *testing.T) {
	j := defaultJurisdictions(t)
	old, err := jurisdictionFiles.ReadFile("rules/jurisdictions-2026-08-21.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prev, err := LoadJurisdictions(bytes.NewReader(old))
	if err != nil {
		t.Fatalf("earlier rules no longer load: %v", err)
	}
	if j.Version <= prev.Version || j.Hash() == prev.Hash() {
		t.Errorf("default rules %s (%s) are not newer than %s (%s)", j.Version, j.Hash(), prev.Version, prev.Hash())
	}
	for _, r := range j.Rules {
		if (r.ID == "ua-crimea" || r.ID == "ua-sevastopol") && (len(r.Cities) == 0 || len(r.Claims) == 0 || len(r.PostalPrefixes) != 2) {
			t.Errorf("%s lacks city, claim or postal evidence", r.ID)
		}
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
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("render differs from %s (run with -update):\n%s", path, b.String())
	}
}
