package ofac

import (
	"slices"

	"github.com/plex/bountypay/compliance"
)

// ToCompliance maps the list to the source-neutral model the screener
// indexes (compliance.NewScreener), entry for entry in the same order;
// the list's Version is SHA256.
func (l *List) ToCompliance() *compliance.List {
	out := &compliance.List{Entries: make([]compliance.Entry, len(l.Entries)), Version: l.SHA256}
	for i := range l.Entries {
		out.Entries[i] = l.Entries[i].ToCompliance()
	}
	return out
}

// ToCompliance maps one entry to the source-neutral model: its primary
// name, then its aliases in file order (weak aliases from the remarks as
// compliance.NameWeak); its nationalities, citizenships, address
// countries and places of birth as countries of those kinds; and its
// ContentHash.
func (e *Entry) ToCompliance() compliance.Entry {
	c := compliance.Entry{
		Source:      e.Source,
		ID:          e.ID,
		Type:        complianceType(e.Type),
		Names:       make([]compliance.Name, 0, 1+len(e.Aliases)),
		Programs:    slices.Clone(e.Programs),
		ContentHash: e.ContentHash(),
	}
	c.Names = append(c.Names, compliance.Name{Name: e.Name, Kind: compliance.NamePrimary})
	for _, a := range e.Aliases {
		n := compliance.Name{Name: a.Name, Kind: compliance.NameAlias, Label: a.Kind}
		if a.Weak {
			n.Kind, n.Label = compliance.NameWeak, a.Kind+" (from remarks)"
		}
		c.Names = append(c.Names, n)
	}
	for _, d := range e.DatesOfBirth {
		c.DatesOfBirth = append(c.DatesOfBirth, compliance.DOB(d))
	}
	for _, s := range []struct {
		kind  compliance.CountryKind
		names []string
	}{
		{compliance.CountryNationality, e.Nationalities},
		{compliance.CountryCitizenship, e.Citizenships},
		{compliance.CountryAddress, e.AddressCountries},
		{compliance.CountryBirth, e.PlacesOfBirth},
	} {
		for _, n := range s.names {
			c.Countries = append(c.Countries, compliance.Country{Kind: s.kind, Name: n})
		}
	}
	return c
}

func complianceType(t string) compliance.EntryType {
	switch t {
	case TypeIndividual:
		return compliance.TypeIndividual
	case TypeVessel:
		return compliance.TypeVessel
	case TypeAircraft:
		return compliance.TypeAircraft
	}
	return compliance.TypeEntity
}
