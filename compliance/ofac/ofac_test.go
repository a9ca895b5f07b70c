package ofac_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/plex/bountypay/compliance/ofac"
	"github.com/plex/bountypay/internal/shareddata"
)

// sharedDir returns ../shared/testdata/ofac/<sub> (see shareddata.Dir).
func sharedDir(t testing.TB, sub string) string {
	t.Helper()
	return shareddata.Dir(t, "ofac", sub)
}

func TestLoadTiny(t *testing.T) {
	l, err := ofac.LoadDir("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	want := ofac.Counts{Entries: 5, SDN: 4, CONS: 1, Aliases: 7, WeakAliases: 4, Addresses: 4, Comments: 1,
		Orphans: 3, OrphanAliases: 1, OrphanAddresses: 1, OrphanComments: 1}
	if l.Counts != want {
		t.Errorf("counts\n got %+v\nwant %+v", l.Counts, want)
	}
	byID := map[int]ofac.Entry{}
	for _, e := range l.Entries {
		byID[e.ID] = e
	}
	doe := byID[101]
	if doe.Name != "DOE, John Quincy" || doe.Type != ofac.TypeIndividual || doe.Title != "General" || doe.Source != ofac.SourceSDN {
		t.Errorf("doe = %+v", doe)
	}
	if !reflect.DeepEqual(doe.Programs, []string{"SDGT", "IFSR"}) {
		t.Errorf("programs = %q", doe.Programs)
	}
	wantDOB := []ofac.DOB{
		{Year: 1960, Month: 1, Day: 2, Text: "02 Jan 1960"},
		{Year: 1962, Circa: true, Text: "circa 1962"},
		{Year: 1961, Month: 3, Text: "Mar 1961"},
		{Year: 1955, ToYear: 1957, Text: "1955 to 1957"},
	}
	if !reflect.DeepEqual(doe.DatesOfBirth, wantDOB) {
		t.Errorf("DOBs\n got %+v\nwant %+v", doe.DatesOfBirth, wantDOB)
	}
	if doe.Gender != "male" || !reflect.DeepEqual(doe.Nationalities, []string{"Afghanistan"}) ||
		!reflect.DeepEqual(doe.Citizenships, []string{"Pakistan"}) || !reflect.DeepEqual(doe.PlacesOfBirth, []string{"Kabul, Afghanistan"}) {
		t.Errorf("facts: %q %q %q %q", doe.Gender, doe.Nationalities, doe.Citizenships, doe.PlacesOfBirth)
	}
	var names []string
	for _, a := range doe.Aliases {
		names = append(names, a.Kind+":"+a.Name+":"+map[bool]string{true: "weak", false: "alt"}[a.Weak])
	}
	if want := []string{"aka:DOE, Johnny:alt", "fka:SMITH, John:alt", "aka:ABU-'UMAR:weak", "aka:JD:weak"}; !reflect.DeepEqual(names, want) {
		t.Errorf("aliases %q, want %q", names, want)
	}
	co := byID[102]
	if co.Type != ofac.TypeEntity || co.Title != "" {
		t.Errorf("entity: %+v", co)
	}
	if want := []ofac.CryptoAddress{{"XBT", "1ExampleAddr"}, {"ETH", "0xabc"}}; !reflect.DeepEqual(co.CryptoAddresses, want) {
		t.Errorf("crypto %+v", co.CryptoAddresses)
	}
	if !reflect.DeepEqual(co.AddressCountries, []string{"Cuba", "Spain"}) {
		t.Errorf("address countries %q", co.AddressCountries)
	}
	if len(co.Aliases) != 1 || co.Aliases[0].Kind != ofac.AliasFKA || co.Aliases[0].Name != "OLD EXAMPLE" {
		t.Errorf("fka %+v", co.Aliases)
	}
	v := byID[103]
	if v.Type != ofac.TypeVessel || v.CallSign != "ABCD1" || v.VesselType != "Crude Oil Tanker" || v.Tonnage != "1000" ||
		v.GRT != "900" || v.VesselFlag != "Panama" || v.VesselOwner != "OWNER LTD." {
		t.Errorf("vessel %+v", v)
	}
	// Spill-over: joined without a separator, mid-word.
	if !strings.HasSuffix(v.Remarks, "Long remarks cut here; DOB 1970; nationality Panama") {
		t.Errorf("spill-over remarks %q", v.Remarks)
	}
	if len(v.DatesOfBirth) != 1 || v.DatesOfBirth[0].Year != 1970 {
		t.Errorf("DOB from spill-over: %+v", v.DatesOfBirth)
	}
	if a := byID[104]; a.Type != ofac.TypeAircraft || a.Remarks != "" {
		t.Errorf("aircraft %+v", a)
	}
	c := byID[9001]
	if c.Source != ofac.SourceCONS || len(c.Aliases) != 2 || !reflect.DeepEqual(c.Programs, []string{"UKRAINE-EO13662", "RUSSIA-EO14024"}) {
		t.Errorf("cons %+v", c)
	}
	for _, f := range l.Files {
		if f.Name == ofac.FileSDN && (!f.Terminated || f.Rows != 4) {
			t.Errorf("sdn file info %+v", f)
		}
		if f.Name == ofac.FileComments && f.Terminated {
			t.Errorf("comments file info %+v", f)
		}
	}
	l2, err := ofac.LoadDir("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	if l.SHA256 != l2.SHA256 || len(l.SHA256) != 64 {
		t.Errorf("set hash not deterministic: %s %s", l.SHA256, l2.SHA256)
	}
	if doe.ContentHash() != l2.Entries[0].ContentHash() {
		t.Error("content hash not stable")
	}
	mod := doe
	mod.Remarks += "x"
	if mod.ContentHash() == doe.ContentHash() {
		t.Error("content hash ignores remarks")
	}
}

func TestMalformed(t *testing.T) {
	good := "1,\"A, B\",\"individual\",\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
	tests := []struct {
		name, file, data, reason string
		line                     int
	}{
		{"field count", ofac.FileSDN, good + "2,\"C\",-0- ,\"X\"\r\n", "4 fields, want 12", 2},
		{"bad quote", ofac.FileSDN, good + "2,\"C\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n" + "3,\"C\"x\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", "bad quoting", 3},
		{"bare quote", ofac.FileSDN, "4,C \"D\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", "bad quoting", 1},
		{"ent_num", ofac.FileSDN, "x,\"C\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", "bad ent_num", 1},
		{"duplicate", ofac.FileSDN, good + good, "duplicate ent_num 1", 2},
		{"ctrl-z inside", ofac.FileSDN, good + "\x1a" + good, "0x1A", 2},
		{"alt fields", ofac.FileAlt, "1,2,\"aka\",\"N\"\r\n", "4 fields, want 5", 1},
		{"alt type", ofac.FileAlt, "1,2,\"zzz\",\"N\",-0- \r\n", "unknown alt_type", 1},
		{"add fields", ofac.FileAdd, "1,2,-0- ,-0- ,-0- ,-0- ,-0- \r\n", "7 fields, want 6", 1},
		{"comments fields", ofac.FileComments, "1\r\n", "1 fields, want 2", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string][]byte{ofac.FileSDN: []byte(good)}
			if tt.file == ofac.FileSDN {
				files[ofac.FileSDN] = []byte(tt.data)
			} else {
				files[tt.file] = []byte(tt.data)
			}
			_, err := ofac.Build(files)
			var pe *ofac.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			if pe.File != tt.file || pe.Line != tt.line || !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("got %v (file %s line %d), want %s line %d containing %q", err, pe.File, pe.Line, tt.file, tt.line, tt.reason)
			}
		})
	}
	if _, err := ofac.Build(map[string][]byte{ofac.FileAlt: nil}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing sdn.csv: %v", err)
	}
}

func TestParseDOB(t *testing.T) {
	tests := []struct {
		in   string
		want ofac.DOB
		ok   bool
	}{
		{"23 Nov 1962", ofac.DOB{Year: 1962, Month: 11, Day: 23}, true},
		{"Nov 1962", ofac.DOB{Year: 1962, Month: 11}, true},
		{"1962", ofac.DOB{Year: 1962}, true},
		{"1962.", ofac.DOB{Year: 1962}, true},
		{"circa 1962", ofac.DOB{Year: 1962, Circa: true}, true},
		{"circa 1960-1962", ofac.DOB{Year: 1960, ToYear: 1962, Circa: true}, true},
		{"1955 to 1960", ofac.DOB{Year: 1955, ToYear: 1960}, true},
		{"01 Jan 1960 to 31 Dec 1962", ofac.DOB{Year: 1960, Month: 1, Day: 1, ToYear: 1962, ToMonth: 12, ToDay: 31}, true},
		{"Jan 1960 to Dec 1961", ofac.DOB{Year: 1960, Month: 1, ToYear: 1961, ToMonth: 12}, true},
		{"unknown", ofac.DOB{}, false},
		{"32 Jan 1960", ofac.DOB{}, false},
	}
	for _, tt := range tests {
		got, ok := ofac.ParseDOB(tt.in)
		got.Text = ""
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseDOB(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCheckReplacement(t *testing.T) {
	cur := ofac.Counts{Entries: 1000, SDN: 950, CONS: 50, Aliases: 2000}
	if err := ofac.CheckReplacement(cur, ofac.Counts{Entries: 990, SDN: 940, Aliases: 1990}); err != nil {
		t.Errorf("small shrink refused: %v", err)
	}
	err := ofac.CheckReplacement(cur, ofac.Counts{Entries: 500, SDN: 480, Aliases: 1000})
	if !errors.Is(err, ofac.ErrShrunk) || !strings.Contains(err.Error(), "500 entries, current has 1000") {
		t.Errorf("big shrink: %v", err)
	}
	if err := ofac.CheckReplacementRatio(cur, ofac.Counts{Entries: 500, SDN: 480, Aliases: 1000}, 0.4); err != nil {
		t.Errorf("configured ratio: %v", err)
	}
	if err := ofac.CheckReplacement(ofac.Counts{}, ofac.Counts{}); !errors.Is(err, ofac.ErrShrunk) {
		t.Errorf("empty list accepted: %v", err)
	}
	if err := ofac.CheckReplacement(ofac.Counts{}, ofac.Counts{Entries: 1, SDN: 1}); err != nil {
		t.Errorf("first list refused: %v", err)
	}
}

// TestFetch serves files like OFAC's service: a redirect to a dated folder
// (S3), upper-case names, and 404 for the Consolidated files.
func TestFetch(t *testing.T) {
	dir := "testdata/tiny"
	mux := http.NewServeMux()
	mux.HandleFunc("/api/PublicationPreview/exports/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/api/PublicationPreview/exports/")
		http.Redirect(w, r, "/s3/2025-12-24/"+name, http.StatusFound)
	})
	mux.HandleFunc("/s3/2025-12-24/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.ToLower(strings.TrimPrefix(r.URL.Path, "/s3/2025-12-24/"))
		if strings.HasPrefix(name, "cons_") {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join(dir, name))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	l, err := ofac.Fetch(context.Background(), srv.Client(), srv.URL+"/api/PublicationPreview/exports/")
	if err != nil {
		t.Fatal(err)
	}
	if l.Counts.SDN != 4 || l.Counts.CONS != 0 || len(l.Files) != 4 {
		t.Errorf("counts %+v files %d", l.Counts, len(l.Files))
	}
	if got := l.Published.Format("2006-01-02"); got != "2025-12-24" {
		t.Errorf("published %s", got)
	}
	local, err := ofac.LoadFS(fstest.MapFS{
		"SDN.CSV": mustRead(t, dir, "sdn.csv"), "alt.csv": mustRead(t, dir, "alt.csv"),
		"add.csv": mustRead(t, dir, "add.csv"), "sdn_comments.csv": mustRead(t, dir, "sdn_comments.csv"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if local.SHA256 != l.SHA256 {
		t.Errorf("fetched set hash %s != local %s", l.SHA256, local.SHA256)
	}

	srv2 := httptest.NewServer(http.NotFoundHandler())
	defer srv2.Close()
	if _, err := ofac.Fetch(context.Background(), srv2.Client(), srv2.URL); err == nil {
		t.Error("missing SDN.CSV accepted")
	}
	srv3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	defer srv3.Close()
	if _, err := ofac.Fetch(context.Background(), srv3.Client(), srv3.URL); err == nil || !strings.Contains(err.Error(), "HTTP 502") {
		t.Errorf("502: %v", err)
	}
}

func mustRead(t testing.TB, dir, name string) *fstest.MapFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return &fstest.MapFile{Data: b}
}

// TestRealFiles loads every shared native file set and checks the counts
// SOURCE.md gives.
func TestRealFiles(t *testing.T) {
	tests := []struct {
		dir              string
		entries, orphans int
		terminated       bool
	}{
		{"fixtures_tiny_2025-05-16", 17, 9, false},
		{"sdn_complete_2021-07-07", 8976, 0, true},
		{"sdn_full_2024-05-03", 14965, 0, true},
	}
	for _, tt := range tests {
		l, err := ofac.LoadDir(sharedDir(t, tt.dir))
		if err != nil {
			t.Fatalf("%s: %v", tt.dir, err)
		}
		if l.Counts.Entries != tt.entries || l.Counts.Orphans != tt.orphans || l.Files[0].Terminated != tt.terminated {
			t.Errorf("%s: %+v %+v", tt.dir, l.Counts, l.Files[0])
		}
		t.Logf("%s: %+v", tt.dir, l.Counts)
	}
	// The realistic pairing: 2024 sdn.csv with the 2025-12 alt/add/comments.
	l := LoadFull(t)
	if l.Counts.SDN != 14965 || l.Counts.OrphanAliases == 0 || l.Counts.OrphanAddresses == 0 {
		t.Errorf("full: %+v", l.Counts)
	}
	t.Logf("full: %+v", l.Counts)
	// Consolidated list next to a tiny SDN list.
	cons := sharedDir(t, "consolidated_2025-12-19")
	tiny := sharedDir(t, "fixtures_tiny_2025-05-16")
	m := fstest.MapFS{"sdn.csv": mustRead(t, tiny, "sdn.csv")}
	for _, f := range []string{"cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv"} {
		m[f] = mustRead(t, cons, f)
	}
	lc, err := ofac.LoadFS(m)
	if err != nil {
		t.Fatal(err)
	}
	if lc.Counts.CONS != 442 || lc.Counts.Orphans != 0 {
		t.Errorf("cons: %+v", lc.Counts)
	}
	progs := map[string]int{}
	for _, e := range lc.Entries {
		if e.Source == ofac.SourceCONS {
			for _, p := range e.Programs {
				progs[p]++
			}
		}
	}
	if progs["UKRAINE-EO13662"] != 286 || progs["CMIC-EO13959"] != 68 {
		t.Errorf("cons programs %v", progs)
	}
	// Every remarks field at the 1,000-character limit of the 2021 set is
	// continued by its comments file.
	ls, _ := ofac.LoadDir(sharedDir(t, "sdn_complete_2021-07-07"))
	dobs, alts, weak := 0, 0, 0
	for _, e := range ls.Entries {
		dobs += len(e.DatesOfBirth)
		for _, a := range e.Aliases {
			if a.Weak {
				weak++
			} else {
				alts++
			}
		}
	}
	if alts != 11910 || weak == 0 || dobs < 4000 {
		t.Errorf("2021: alts %d weak %d dobs %d", alts, weak, dobs)
	}
}

// LoadFull loads sdn_full_2024-05-03/sdn.csv with the alt, add and comments
// files of sdn_partial_2025-12-24.
func LoadFull(t testing.TB) *ofac.List {
	t.Helper()
	full := sharedDir(t, "sdn_full_2024-05-03")
	part := sharedDir(t, "sdn_partial_2025-12-24")
	l, err := ofac.LoadFS(fstest.MapFS{
		"sdn.csv": mustRead(t, full, "sdn.csv"), "alt.csv": mustRead(t, part, "alt.csv"),
		"add.csv": mustRead(t, part, "add.csv"), "sdn_comments.csv": mustRead(t, part, "sdn_comments.csv"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func BenchmarkLoadFull(b *testing.B) {
	full := sharedDir(b, "sdn_full_2024-05-03")
	part := sharedDir(b, "sdn_partial_2025-12-24")
	m := fstest.MapFS{
		"sdn.csv": mustRead(b, full, "sdn.csv"), "alt.csv": mustRead(b, part, "alt.csv"),
		"add.csv": mustRead(b, part, "add.csv"), "sdn_comments.csv": mustRead(b, part, "sdn_comments.csv"),
	}
	for b.Loop() {
		if _, err := ofac.LoadFS(m); err != nil {
			b.Fatal(err)
		}
	}
}
