package intake

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

var testNow = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

func testOpts() Options { return Options{NowFunc: func() time.Time { return testNow }} }

func parseFile(t testing.TB, path string) ([]models.Report, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Parse(filepath.Base(path), f, testOpts())
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestGoldenValid(t *testing.T) {
	var first []byte
	for _, name := range []string{"valid.jsonl", "valid.json", "valid.csv"} {
		t.Run(name, func(t *testing.T) {
			reports, err := parseFile(t, filepath.Join("testdata", name))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			type out struct {
				Report models.Report `json:"report"`
				Hash   string        `json:"content_hash"`
			}
			var outs []out
			for _, r := range reports {
				outs = append(outs, out{r, ContentHash(r)})
			}
			got, err := json.MarshalIndent(outs, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden(t, filepath.Join("testdata", "valid.golden.json"), got)
			if first == nil {
				first = got
			} else if !bytes.Equal(first, got) {
				t.Errorf("%s parses differently from valid.jsonl", name)
			}
		})
	}
}

func TestGoldenInvalid(t *testing.T) {
	for _, name := range []string{"invalid.jsonl", "invalid.json", "invalid.csv", "badheader.csv"} {
		t.Run(name, func(t *testing.T) {
			reports, err := parseFile(t, filepath.Join("testdata", name))
			if reports != nil {
				t.Errorf("got %d reports with errors, want none", len(reports))
			}
			var perrs ParseErrors
			if !errors.As(err, &perrs) {
				t.Fatalf("error %v is not ParseErrors", err)
			}
			if !errors.Is(err, models.ErrInvalid) {
				t.Error("ParseErrors does not match models.ErrInvalid")
			}
			var fe *models.FieldError
			if !errors.As(err, &fe) {
				t.Error("errors.As does not find a *models.FieldError")
			}
			var b strings.Builder
			for _, e := range perrs {
				fmt.Fprintln(&b, e)
			}
			golden(t, filepath.Join("testdata", strings.TrimSuffix(name, filepath.Ext(name))+"."+strings.TrimPrefix(filepath.Ext(name), ".")+".golden.txt"), []byte(b.String()))
		})
	}
}

// baseRecord is a valid approved report as flat dotted fields.
func baseRecord() map[string]any {
	return map[string]any{
		"id":                         "RPT-1",
		"title":                      "A finding",
		"category":                   "rce",
		"severity":                   "critical",
		"status":                     "approved",
		"reproduced":                 true,
		"approved_by":                "alice",
		"approved_at":                "2026-08-01T10:00:00Z",
		"researcher.id":              "r-1",
		"researcher.name":            "Ada Lovelace",
		"researcher.email":           "ada@example.com",
		"researcher.country":         "GB",
		"researcher.city":            "London",
		"researcher.postal_code":     "NW1 6XE",
		"researcher.paypal_receiver": "ada@example.com",
		"researcher.plex_account":    "ada",
		"researcher.date_of_birth":   "1990-12-10",
	}
}

// nest turns dotted fields into nested JSON objects.
func nest(flat map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range flat {
		parts := strings.Split(k, ".")
		m := out
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[p] = sub
			}
			m = sub
		}
		m[parts[len(parts)-1]] = v
	}
	return out
}

func toJSONL(t testing.TB, flat map[string]any) []byte {
	b, err := json.Marshal(nest(flat))
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// toCSV writes flat as a header and one row; ok is false when a value has
// no CSV form.
func toCSV(t testing.TB, flat map[string]any) (data []byte, ok bool) {
	keys := slices.Sorted(maps.Keys(flat))
	row := make([]string, len(keys))
	for i, k := range keys {
		switch v := flat[k].(type) {
		case string:
			row[i] = v
		case bool:
			row[i] = fmt.Sprint(v)
		default:
			return nil, false
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(keys)
	_ = w.Write(row)
	w.Flush()
	return b.Bytes(), true
}

func TestFieldRules(t *testing.T) {
	tests := []struct {
		name      string
		set       map[string]any // nil value deletes the field
		wantField string         // "" means valid
		wantIn    string         // substring of the reason
		check     func(t *testing.T, r models.Report)
		jsonOnly  bool
	}{
		{name: "valid", check: func(t *testing.T, r models.Report) {
			if r.ID != "RPT-1" || r.Category != models.CategoryRCE || !r.Reproduced || r.Researcher.Country != "GB" || r.Reward != nil {
				t.Errorf("got %+v", r)
			}
		}},
		// id
		{name: "id missing", set: map[string]any{"id": nil}, wantField: "id", wantIn: "required", jsonOnly: true},
		{name: "id empty", set: map[string]any{"id": "  "}, wantField: "id", wantIn: "required"},
		{name: "id 128 chars", set: map[string]any{"id": strings.Repeat("x", 128)}},
		{name: "id 129 chars", set: map[string]any{"id": strings.Repeat("x", 129)}, wantField: "id", wantIn: "longer than 128"},
		{name: "id control char", set: map[string]any{"id": "a\tb"}, wantField: "id", wantIn: "non-printable"},
		{name: "id trimmed", set: map[string]any{"id": "  RPT-9 "}, check: func(t *testing.T, r models.Report) {
			if r.ID != "RPT-9" {
				t.Errorf("id %q", r.ID)
			}
		}},
		{name: "id number", set: map[string]any{"id": 7}, wantField: "id", wantIn: "must be a JSON string", jsonOnly: true},
		// title
		{name: "title optional", set: map[string]any{"title": nil}},
		{name: "title too long", set: map[string]any{"title": strings.Repeat("t", 501)}, wantField: "title", wantIn: "longer than 500"},
		{name: "title newline", set: map[string]any{"title": "a\nb"}, wantField: "title", wantIn: "non-printable"},
		// category, severity, status
		{name: "category missing", set: map[string]any{"category": nil}, wantField: "category", wantIn: "required"},
		{name: "category unknown", set: map[string]any{"category": "sqli"}, wantField: "category", wantIn: "not one of rce, privilege_escalation"},
		{name: "category case", set: map[string]any{"category": "Privilege_Escalation"}, check: func(t *testing.T, r models.Report) {
			if r.Category != models.CategoryPrivilegeEscalation {
				t.Errorf("category %q", r.Category)
			}
		}},
		{name: "every category", set: map[string]any{"category": "pin_bypass"}},
		{name: "severity unknown", set: map[string]any{"severity": "urgent"}, wantField: "severity", wantIn: "not one of critical, high"},
		{name: "severity none", set: map[string]any{"severity": "none"}},
		{name: "severity missing", set: map[string]any{"severity": nil}, wantField: "severity", wantIn: "required"},
		{name: "status unknown", set: map[string]any{"status": "open"}, wantField: "status", wantIn: "not one of approved, rejected, duplicate"},
		{name: "status missing", set: map[string]any{"status": nil}, wantField: "status", wantIn: "required"},
		// duplicate_of
		{name: "duplicate needs duplicate_of", set: map[string]any{"status": "duplicate"}, wantField: "duplicate_of", wantIn: "required"},
		{name: "duplicate ok", set: map[string]any{"status": "duplicate", "duplicate_of": "RPT-0"}},
		{name: "duplicate of itself", set: map[string]any{"status": "duplicate", "duplicate_of": "RPT-1"}, wantField: "duplicate_of", wantIn: "itself"},
		{name: "duplicate_of on approved", set: map[string]any{"duplicate_of": "RPT-0"}, wantField: "duplicate_of", wantIn: "only allowed when status is duplicate"},
		// reproduced
		{name: "reproduced missing is false", set: map[string]any{"reproduced": nil}, check: func(t *testing.T, r models.Report) {
			if r.Reproduced {
				t.Error("reproduced")
			}
		}},
		{name: "reproduced string", set: map[string]any{"reproduced": "yes"}, wantField: "reproduced", wantIn: "true or false"},
		{name: "reproduced quoted true", set: map[string]any{"reproduced": "true"}, wantField: "reproduced", wantIn: "JSON boolean", jsonOnly: true},
		// approved_by, approved_at
		{name: "approved_by too long", set: map[string]any{"approved_by": strings.Repeat("a", 129)}, wantField: "approved_by", wantIn: "longer than 128"},
		{name: "approved_at missing on approved", set: map[string]any{"approved_at": nil}, wantField: "approved_at", wantIn: "required for approved"},
		{name: "approved_at optional on rejected", set: map[string]any{"approved_at": nil, "status": "rejected"}},
		{name: "approved_at date only", set: map[string]any{"approved_at": "2026-08-01"}, wantField: "approved_at", wantIn: "RFC 3339"},
		{name: "approved_at no zone", set: map[string]any{"approved_at": "2026-08-01T10:00:00"}, wantField: "approved_at", wantIn: "RFC 3339"},
		{name: "approved_at future", set: map[string]any{"approved_at": "2026-09-02T00:00:00Z"}, wantField: "approved_at", wantIn: "future"},
		{name: "approved_at nanoseconds", set: map[string]any{"approved_at": "2026-08-01T10:00:00.123456789Z"}, wantField: "approved_at", wantIn: "microseconds"},
		{name: "approved_at milliseconds", set: map[string]any{"approved_at": "2026-08-01T10:00:00.123Z"}},
		{name: "approved_at ancient", set: map[string]any{"approved_at": "1999-12-31T23:59:59Z"}, wantField: "approved_at", wantIn: "before 2000"},
		{name: "approved_at to UTC", set: map[string]any{"approved_at": "2026-08-01T12:00:00+02:00"}, check: func(t *testing.T, r models.Report) {
			if !r.ApprovedAt.Equal(time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)) || r.ApprovedAt.Location() != time.UTC {
				t.Errorf("approved_at %v", r.ApprovedAt)
			}
		}},
		// researcher id and name
		{name: "researcher.id missing", set: map[string]any{"researcher.id": nil}, wantField: "researcher.id", wantIn: "required"},
		{name: "researcher.name missing", set: map[string]any{"researcher.name": nil}, wantField: "researcher.name", wantIn: "required"},
		{name: "researcher.name unicode", set: map[string]any{"researcher.name": "Владимир Иванович-Петров"}},
		{name: "researcher.name too long", set: map[string]any{"researcher.name": strings.Repeat("n", 301)}, wantField: "researcher.name", wantIn: "longer than 300"},
		// email and paypal_receiver
		{name: "email optional", set: map[string]any{"researcher.email": nil}},
		{name: "email no at", set: map[string]any{"researcher.email": "ada.example.com"}, wantField: "researcher.email", wantIn: "not a valid email"},
		{name: "email display name", set: map[string]any{"researcher.email": "Ada <ada@example.com>"}, wantField: "researcher.email", wantIn: "not a valid email"},
		{name: "email no dot in domain", set: map[string]any{"researcher.email": "ada@localhost"}, wantField: "researcher.email", wantIn: "not a valid email"},
		{name: "email double dot", set: map[string]any{"researcher.email": "ada..l@example.com"}, wantField: "researcher.email", wantIn: "not a valid email"},
		{name: "email ip literal", set: map[string]any{"researcher.email": "ada@[10.0.0.1]"}, wantField: "researcher.email", wantIn: "not a valid email"},
		{name: "email numeric tld", set: map[string]any{"researcher.email": "ada@10.0.0.1"}, wantField: "researcher.email", wantIn: "not a valid email"},
		{name: "email plus tag", set: map[string]any{"researcher.email": "ada+bounty@mail.example.co.uk"}},
		{name: "email punycode", set: map[string]any{"researcher.email": "ada@xn--bcher-kva.xn--p1ai"}},
		{name: "paypal_receiver invalid", set: map[string]any{"researcher.paypal_receiver": "@example.com"}, wantField: "researcher.paypal_receiver", wantIn: "not a valid email"},
		{name: "paypal_receiver hyphen label", set: map[string]any{"researcher.paypal_receiver": "a@-example.com"}, wantField: "researcher.paypal_receiver", wantIn: "not a valid email"},
		// country and region
		{name: "country lower-case", set: map[string]any{"researcher.country": "de"}, check: func(t *testing.T, r models.Report) {
			if r.Researcher.Country != "DE" {
				t.Errorf("country %q", r.Researcher.Country)
			}
		}},
		{name: "country unknown", set: map[string]any{"researcher.country": "XX"}, wantField: "researcher.country", wantIn: "ISO 3166-1"},
		{name: "country kosovo user-assigned", set: map[string]any{"researcher.country": "XK"}, wantField: "researcher.country", wantIn: "ISO 3166-1"},
		{name: "country alpha-3", set: map[string]any{"researcher.country": "GBR"}, wantField: "researcher.country", wantIn: "ISO 3166-1"},
		{name: "country optional", set: map[string]any{"researcher.country": nil}},
		{name: "region ok", set: map[string]any{"researcher.country": "UA", "researcher.region": "ua-43"}, check: func(t *testing.T, r models.Report) {
			if r.Researcher.Region != "UA-43" {
				t.Errorf("region %q", r.Researcher.Region)
			}
		}},
		{name: "region other country", set: map[string]any{"researcher.country": "US", "researcher.region": "US-CA"}},
		{name: "region wrong country", set: map[string]any{"researcher.country": "UA", "researcher.region": "RU-MOW"}, wantField: "researcher.region", wantIn: "does not start with the country code UA"},
		{name: "region unknown in Ukraine", set: map[string]any{"researcher.country": "UA", "researcher.region": "UA-99"}, wantField: "researcher.region", wantIn: "not an ISO 3166-2 subdivision of Ukraine"},
		{name: "region bad form", set: map[string]any{"researcher.region": "GB_ENG"}, wantField: "researcher.region", wantIn: "not an ISO 3166-2"},
		{name: "region too long", set: map[string]any{"researcher.region": "GB-ENGL"}, wantField: "researcher.region", wantIn: "not an ISO 3166-2"},
		{name: "region without country", set: map[string]any{"researcher.country": nil, "researcher.region": "UA-43"}, wantField: "researcher.region", wantIn: "needs researcher.country"},
		// city, postal code, plex account
		{name: "city too long", set: map[string]any{"researcher.city": strings.Repeat("c", 129)}, wantField: "researcher.city", wantIn: "longer than 128"},
		{name: "postal code symbols", set: map[string]any{"researcher.postal_code": "NW1;6XE"}, wantField: "researcher.postal_code", wantIn: "only letters"},
		{name: "postal code too long", set: map[string]any{"researcher.postal_code": strings.Repeat("1", 17)}, wantField: "researcher.postal_code", wantIn: "longer than 16"},
		{name: "postal code upper-cased", set: map[string]any{"researcher.postal_code": "nw1 6xe"}, check: func(t *testing.T, r models.Report) {
			if r.Researcher.PostalCode != "NW1 6XE" {
				t.Errorf("postal code %q", r.Researcher.PostalCode)
			}
		}},
		{name: "plex_account control", set: map[string]any{"researcher.plex_account": "a\x00"}, wantField: "researcher.plex_account", wantIn: "non-printable"},
		// date of birth
		{name: "dob optional", set: map[string]any{"researcher.date_of_birth": nil}},
		{name: "dob bad day", set: map[string]any{"researcher.date_of_birth": "1990-02-30"}, wantField: "researcher.date_of_birth", wantIn: "YYYY-MM-DD"},
		{name: "dob unpadded", set: map[string]any{"researcher.date_of_birth": "1990-2-3"}, wantField: "researcher.date_of_birth", wantIn: "YYYY-MM-DD"},
		{name: "dob with time", set: map[string]any{"researcher.date_of_birth": "1990-02-03T00:00:00Z"}, wantField: "researcher.date_of_birth", wantIn: "YYYY-MM-DD"},
		{name: "dob future", set: map[string]any{"researcher.date_of_birth": "2027-01-01"}, wantField: "researcher.date_of_birth", wantIn: "plausible"},
		// reward
		{name: "reward money", set: map[string]any{"reward.money.amount": "1500.00", "reward.money.currency": "usd"}, check: func(t *testing.T, r models.Report) {
			if r.Reward == nil || r.Reward.Money == nil || *r.Reward.Money != (models.Money{Minor: 150000, Currency: "USD"}) || r.Reward.PlexPass {
				t.Errorf("reward %+v", r.Reward)
			}
		}},
		{name: "reward yen", set: map[string]any{"reward.money.amount": "1500", "reward.money.currency": "JPY"}, check: func(t *testing.T, r models.Report) {
			if *r.Reward.Money != (models.Money{Minor: 1500, Currency: "JPY"}) {
				t.Errorf("reward %+v", r.Reward.Money)
			}
		}},
		{name: "reward amount number", set: map[string]any{"reward.money.amount": 1500.5, "reward.money.currency": "USD"}, wantField: "reward.money.amount", wantIn: "quotes", jsonOnly: true},
		{name: "reward amount too precise", set: map[string]any{"reward.money.amount": "12.345", "reward.money.currency": "USD"}, wantField: "reward.money.amount", wantIn: "at most 2 decimal places"},
		{name: "reward amount separators", set: map[string]any{"reward.money.amount": "1,500.00", "reward.money.currency": "USD"}, wantField: "reward.money.amount", wantIn: "not a valid USD amount"},
		{name: "reward amount negative", set: map[string]any{"reward.money.amount": "-5", "reward.money.currency": "USD"}, wantField: "reward.money.amount", wantIn: "not a valid USD amount"},
		{name: "reward amount exponent", set: map[string]any{"reward.money.amount": "1e3", "reward.money.currency": "USD"}, wantField: "reward.money.amount", wantIn: "not a valid USD amount"},
		{name: "reward amount zero", set: map[string]any{"reward.money.amount": "0.00", "reward.money.currency": "USD"}, wantField: "reward.money.amount", wantIn: "more than zero"},
		{name: "reward amount huge", set: map[string]any{"reward.money.amount": "12345678901234567", "reward.money.currency": "USD"}, wantField: "reward.money.amount", wantIn: "not a valid"},
		{name: "reward currency unknown", set: map[string]any{"reward.money.amount": "10", "reward.money.currency": "XYZ"}, wantField: "reward.money.currency", wantIn: "not a currency"},
		{name: "reward currency missing", set: map[string]any{"reward.money.amount": "10"}, wantField: "reward.money.currency", wantIn: "required with reward.money.amount"},
		{name: "reward amount missing", set: map[string]any{"reward.money.currency": "USD"}, wantField: "reward.money.amount", wantIn: "required with reward.money.currency"},
		{name: "reward pass only", set: map[string]any{"reward.plex_pass": true}, check: func(t *testing.T, r models.Report) {
			if r.Reward == nil || !r.Reward.PlexPass || r.Reward.Money != nil {
				t.Errorf("reward %+v", r.Reward)
			}
		}},
		{name: "reward other only", set: map[string]any{"reward.other": "a hoodie"}, check: func(t *testing.T, r models.Report) {
			if r.Reward == nil || r.Reward.Other != "a hoodie" {
				t.Errorf("reward %+v", r.Reward)
			}
		}},
		{name: "reward empty", set: map[string]any{"reward.plex_pass": false}, wantField: "reward", wantIn: "empty override"},
		{name: "reward pass not bool", set: map[string]any{"reward.plex_pass": "yes"}, wantField: "reward.plex_pass", wantIn: "true or false"},
		{name: "reward other too long", set: map[string]any{"reward.other": strings.Repeat("o", 201)}, wantField: "reward.other", wantIn: "longer than 200"},
		{name: "reward on rejected", set: map[string]any{"status": "rejected", "reward.plex_pass": true}, wantField: "reward", wantIn: "only allowed on approved"},
		{name: "reward unknown field", set: map[string]any{"reward.cash": "1"}, wantField: "reward.cash", wantIn: "unknown field", jsonOnly: true},
		// unknown fields
		{name: "unknown top-level", set: map[string]any{"severty": "high"}, wantField: "severty", wantIn: "unknown field", jsonOnly: true},
		{name: "unknown researcher field", set: map[string]any{"researcher.nmae": "x"}, wantField: "researcher.nmae", wantIn: "unknown field", jsonOnly: true},
		{name: "researcher not object", set: map[string]any{"researcher": "r-1"}, wantField: "researcher", wantIn: "JSON object", jsonOnly: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			flat := baseRecord()
			for k, v := range tc.set {
				if v == nil {
					delete(flat, k)
				} else {
					flat[k] = v
				}
			}
			if _, ok := tc.set["researcher"]; ok {
				for k := range flat {
					if strings.HasPrefix(k, "researcher.") {
						delete(flat, k)
					}
				}
			}
			inputs := map[string][]byte{"jsonl": toJSONL(t, flat)}
			if !tc.jsonOnly {
				data, ok := toCSV(t, flat)
				if !ok {
					t.Fatal("case has no CSV form; mark it jsonOnly")
				}
				inputs["csv"] = data
			}
			for format, data := range inputs {
				reports, err := Parse("t", bytes.NewReader(data), testOpts())
				if tc.wantField == "" && tc.wantIn == "" {
					if err != nil {
						t.Fatalf("%s: %v", format, err)
					}
					if len(reports) != 1 {
						t.Fatalf("%s: %d reports", format, len(reports))
					}
					if tc.check != nil {
						tc.check(t, reports[0])
					}
					continue
				}
				var perrs ParseErrors
				if !errors.As(err, &perrs) {
					t.Fatalf("%s: got %v, want ParseErrors", format, err)
				}
				if reports != nil {
					t.Errorf("%s: reports returned with errors", format)
				}
				found := false
				for _, e := range perrs {
					if e.Field == tc.wantField && strings.Contains(e.Reason, tc.wantIn) {
						found = true
						if e.Line != 2 && format == "csv" || e.Line != 1 && format == "jsonl" {
							t.Errorf("%s: line %d", format, e.Line)
						}
					}
				}
				if !found {
					t.Errorf("%s: want %s: ...%s..., got %v", format, tc.wantField, tc.wantIn, []*models.FieldError(perrs))
				}
			}
		})
	}
}

func TestDottedKeyInJSON(t *testing.T) {
	in := `{"id": "RPT-1", "category": "rce", "severity": "low", "status": "rejected", "researcher": {"id": "r"}, "researcher.name": "Ada", "": 1}`
	_, err := Parse("d.jsonl", strings.NewReader(in), testOpts())
	var perrs ParseErrors
	if !errors.As(err, &perrs) {
		t.Fatalf("got %v", err)
	}
	got := map[string]bool{}
	for _, e := range perrs {
		got[e.Field] = strings.Contains(e.Reason, "unknown field")
	}
	if !got["researcher.name"] || !got[""] {
		t.Errorf("got %v", []*models.FieldError(perrs))
	}
}

func TestDuplicateIDs(t *testing.T) {
	line := string(toJSONL(t, baseRecord()))
	_, err := Parse("dup.jsonl", strings.NewReader(line+line+line), testOpts())
	var perrs ParseErrors
	if !errors.As(err, &perrs) || len(perrs) != 2 {
		t.Fatalf("got %v", err)
	}
	if perrs[0].Line != 2 || perrs[1].Line != 3 || !strings.Contains(perrs[1].Reason, "line 1") || perrs[0].Record != "RPT-1" {
		t.Errorf("got %v", []*models.FieldError(perrs))
	}
}

func TestFormats(t *testing.T) {
	rec := string(toJSONL(t, baseRecord()))
	tests := []struct {
		name   string
		input  string
		format Format
		want   int  // reports
		bad    bool // want ParseErrors
		line   int  // line of the first error
	}{
		{name: "empty", input: "", want: 0},
		{name: "blank", input: " \n\n", want: 0},
		{name: "empty array", input: " [ ] ", want: 0},
		{name: "header only csv", input: "id,category\n", want: 0},
		{name: "bom jsonl", input: "\xEF\xBB\xBF" + rec, want: 1},
		{name: "crlf jsonl", input: strings.ReplaceAll(rec, "\n", "\r\n") + "\r\n", want: 1},
		{name: "forced json on jsonl", input: rec, format: FormatJSON, bad: true, line: 1},
		{name: "forced csv on jsonl", input: rec, format: FormatCSV, bad: true, line: 1},
		{name: "forced jsonl", input: rec, format: FormatJSONL, want: 1},
		{name: "array trailing data", input: "[" + rec + "] x", bad: true, line: 2},
		{name: "array unterminated", input: "[\n" + rec, bad: true, line: 2},
		{name: "array element line", input: "[\n\n  1,\n" + rec + "]", bad: true, line: 3},
		{name: "invalid utf8", input: rec + "{\"id\": \"\xff\"}\n", bad: true, line: 2},
		{name: "csv bare quote", input: "id,title\nRPT-1,a \"b\" c\n", bad: true, line: 2},
		{name: "csv without id column", input: "title,category\nx,rce\n", bad: true, line: 1},
		{name: "too large", input: strings.Repeat(" ", DefaultMaxBytes+1), bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOpts()
			opts.Format = tc.format
			reports, err := Parse("f", strings.NewReader(tc.input), opts)
			if !tc.bad {
				if err != nil || len(reports) != tc.want {
					t.Fatalf("got %d reports, %v; want %d", len(reports), err, tc.want)
				}
				return
			}
			var perrs ParseErrors
			if !errors.As(err, &perrs) || !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("got %v, want ParseErrors", err)
			}
			if tc.line != 0 && perrs[0].Line != tc.line {
				t.Errorf("line %d, want %d: %v", perrs[0].Line, tc.line, perrs[0])
			}
		})
	}
}

func TestDetectFormat(t *testing.T) {
	for in, want := range map[string]Format{
		"":              FormatJSONL,
		"  \n[{}]":      FormatJSON,
		"\t{\"id\":1}":  FormatJSONL,
		"id,title":      FormatCSV,
		"\xEF\xBB\xBF[": FormatJSON,
	} {
		if got := DetectFormat([]byte(in)); got != want {
			t.Errorf("DetectFormat(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": FormatAuto, "auto": FormatAuto, "JSONL": FormatJSONL, "ndjson": FormatJSONL, "json": FormatJSON, "csv": FormatCSV} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("xml"); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("ParseFormat(xml) = %v", err)
	}
}

func TestCountryCodes(t *testing.T) {
	codes := CountryCodes()
	if len(codes) != 249 {
		t.Errorf("%d codes, want 249", len(codes))
	}
	if !slices.IsSorted(codes) {
		t.Error("codes not sorted")
	}
	for _, c := range codes {
		if !IsCountryCode(c) {
			t.Errorf("IsCountryCode(%q) = false", c)
		}
	}
	for _, c := range []string{"", "gb", "UK", "XK", "EU", "ZZ", "D E", "GBR", " G"} {
		if IsCountryCode(c) {
			t.Errorf("IsCountryCode(%q) = true", c)
		}
	}
	if n := len(strings.Fields(ukraineRegions)); n != 27 {
		t.Errorf("%d Ukrainian regions, want 27", n)
	}
}

func TestContentHash(t *testing.T) {
	reports, err := parseFile(t, filepath.Join("testdata", "valid.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	r := reports[1]
	h := ContentHash(r)
	if len(h) != 64 {
		t.Fatalf("hash %q", h)
	}
	same := r
	same.ApprovedAt = r.ApprovedAt.In(time.FixedZone("X", 3600))
	if ContentHash(same) != h {
		t.Error("hash depends on the time zone")
	}
	mutations := map[string]func(*models.Report){
		"title":     func(r *models.Report) { r.Title += "!" },
		"reproduce": func(r *models.Report) { r.Reproduced = !r.Reproduced },
		"time":      func(r *models.Report) { r.ApprovedAt = r.ApprovedAt.Add(time.Nanosecond) },
		"email":     func(r *models.Report) { r.Researcher.Email = "x@example.com" },
		"money": func(r *models.Report) {
			m := *r.Reward.Money
			m.Minor++
			r.Reward = &models.Reward{Money: &m, PlexPass: true, Other: "a hoodie"}
		},
		"no money":  func(r *models.Report) { r.Reward = &models.Reward{PlexPass: true, Other: "a hoodie"} },
		"no reward": func(r *models.Report) { r.Reward = nil },
		"empty rwd": func(r *models.Report) { r.Reward = &models.Reward{} },
		"shift": func(r *models.Report) {
			r.Researcher.City, r.Researcher.PostalCode = r.Researcher.PostalCode, r.Researcher.City
		},
	}
	seen := map[string]string{h: "original"}
	for name, mutate := range mutations {
		m := r
		mutate(&m)
		got := ContentHash(m)
		if prev, dup := seen[got]; dup {
			t.Errorf("%s: same hash as %s", name, prev)
		}
		seen[got] = name
	}
	if ContentHash(r) != h {
		t.Error("mutations changed the original")
	}
}
