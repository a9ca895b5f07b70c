package intake

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/plex/bountypay/models"
)

// fuzzParse checks the invariants of Parse on any input: it never panics,
// returns either reports or ParseErrors matching models.ErrInvalid with a
// reason each, and every report it returns re-validates.
func fuzzParse(t *testing.T, data []byte, format Format) {
	opts := testOpts()
	opts.Format = format
	reports, err := Parse("fuzz", bytes.NewReader(data), opts)
	if err != nil {
		if reports != nil {
			t.Fatal("reports returned with an error")
		}
		var perrs ParseErrors
		if !errors.As(err, &perrs) || !errors.Is(err, models.ErrInvalid) || len(perrs) == 0 {
			t.Fatalf("error %v is not a non-empty ParseErrors", err)
		}
		for _, e := range perrs {
			if e.Reason == "" || e.File != "fuzz" || e.Line < 0 {
				t.Fatalf("bad field error %#v", e)
			}
		}
		return
	}
	ids := map[string]bool{}
	for _, r := range reports {
		if r.ID == "" || r.Researcher.ID == "" || r.Researcher.Name == "" || ids[r.ID] {
			t.Fatalf("invalid report accepted: %+v", r)
		}
		ids[r.ID] = true
		if r.Reward != nil && r.Reward.Money != nil && r.Reward.Money.Minor <= 0 {
			t.Fatalf("non-positive money accepted: %+v", r.Reward.Money)
		}
		if r.Status == models.ReportApproved && r.ApprovedAt.IsZero() {
			t.Fatalf("approved without approved_at: %+v", r)
		}
		if len(ContentHash(r)) != 64 {
			t.Fatal("bad hash")
		}
	}
}

func addSeeds(f *testing.F, names ...string) {
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzParseJSONL(f *testing.F) {
	addSeeds(f, "valid.jsonl", "invalid.jsonl")
	f.Add([]byte(`{"id":"a","reward":{"money":{"amount":1}}}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, FormatJSONL) })
}

func FuzzParseJSON(f *testing.F) {
	addSeeds(f, "valid.json", "invalid.json")
	f.Add([]byte(`[{"id":"a"},`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, FormatJSON) })
}

func FuzzParseCSV(f *testing.F) {
	addSeeds(f, "valid.csv", "invalid.csv", "badheader.csv")
	f.Add([]byte("id,reward.plex_pass\nx,true\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, FormatCSV) })
}

// FuzzParse lets Parse detect the format.
func FuzzParse(f *testing.F) {
	addSeeds(f, "valid.jsonl", "valid.json", "valid.csv")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, FormatAuto) })
}
