package ofac_test

import (
	"reflect"
	"testing"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/compliance/ofac"
)

func TestToCompliance(t *testing.T) {
	l, err := ofac.LoadDir("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	c := l.ToCompliance()
	if c.Version != l.SHA256 || len(c.Entries) != len(l.Entries) {
		t.Fatalf("list: version %s, %d entries; want %s, %d", c.Version, len(c.Entries), l.SHA256, len(l.Entries))
	}
	for i := range l.Entries {
		o, e := &l.Entries[i], &c.Entries[i]
		if e.Source != o.Source || e.ID != o.ID || string(e.Type) != o.Type || e.ContentHash != o.ContentHash() ||
			!reflect.DeepEqual(e.Programs, o.Programs) || len(e.DatesOfBirth) != len(o.DatesOfBirth) {
			t.Errorf("entry %d: %+v from %+v", o.ID, e, o)
		}
		if len(e.Names) != 1+len(o.Aliases) || e.Primary() != o.Name || e.Names[0].Kind != compliance.NamePrimary {
			t.Errorf("entry %d names %+v", o.ID, e.Names)
		}
	}
	byID := map[int]compliance.Entry{}
	for _, e := range c.Entries {
		byID[e.ID] = e
	}
	doe := byID[101]
	wantNames := []compliance.Name{
		{Name: "DOE, John Quincy", Kind: compliance.NamePrimary},
		{Name: "DOE, Johnny", Kind: compliance.NameAlias, Label: "aka"},
		{Name: "SMITH, John", Kind: compliance.NameAlias, Label: "fka"},
		{Name: "ABU-'UMAR", Kind: compliance.NameWeak, Label: "aka (from remarks)"},
		{Name: "JD", Kind: compliance.NameWeak, Label: "aka (from remarks)"},
	}
	if !reflect.DeepEqual(doe.Names, wantNames) {
		t.Errorf("names\n got %+v\nwant %+v", doe.Names, wantNames)
	}
	wantCountries := []compliance.Country{
		{Kind: compliance.CountryNationality, Name: "Afghanistan"},
		{Kind: compliance.CountryCitizenship, Name: "Pakistan"},
		{Kind: compliance.CountryAddress, Name: "Afghanistan"},
		{Kind: compliance.CountryBirth, Name: "Kabul, Afghanistan"},
	}
	if !reflect.DeepEqual(doe.Countries, wantCountries) {
		t.Errorf("countries\n got %+v\nwant %+v", doe.Countries, wantCountries)
	}
	if want := (compliance.DOB{Year: 1962, Circa: true, Text: "circa 1962"}); doe.Type != compliance.TypeIndividual || doe.DatesOfBirth[1] != want {
		t.Errorf("type %s, DOB %+v", doe.Type, doe.DatesOfBirth)
	}
	co := byID[102]
	if want := []compliance.Country{{Kind: compliance.CountryAddress, Name: "Cuba"}, {Kind: compliance.CountryAddress, Name: "Spain"}}; co.Type != compliance.TypeEntity || !reflect.DeepEqual(co.Countries, want) {
		t.Errorf("entity: type %s, countries %+v", co.Type, co.Countries)
	}
	if byID[103].Type != compliance.TypeVessel || byID[104].Type != compliance.TypeAircraft || byID[9001].Source != ofac.SourceCONS {
		t.Errorf("types or source: %s %s %s", byID[103].Type, byID[104].Type, byID[9001].Source)
	}
	if _, err := compliance.NewScreener(c, compliance.ScreenConfig{}); err != nil {
		t.Errorf("NewScreener: %v", err)
	}
}
