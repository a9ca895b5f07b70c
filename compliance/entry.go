package compliance

import (
	"fmt"

	"github.com/plex/bountypay/models"
)

// The screener's listed-entry model. It is source-neutral: each list
// source has one mapper into it (compliance/ofac for OFAC's SDN and
// Consolidated lists), and the name engine sees nothing else.

// EntryType is what a listed entry is.
type EntryType string

// Entry types.
const (
	TypeIndividual EntryType = "individual"
	TypeEntity     EntryType = "entity"
	TypeVessel     EntryType = "vessel"
	TypeAircraft   EntryType = "aircraft"
)

// NameKind says how a listed name identifies its entry.
type NameKind string

// Name kinds.
const (
	// NamePrimary is the name the entry is listed under.
	NamePrimary NameKind = "primary"
	// NameAlias is another name the source gives for the entry.
	NameAlias NameKind = "alias"
	// NameWeak is an alias the source itself calls weak or low quality
	// (OFAC's "a.k.a. '…'" in the remarks); its name score is multiplied
	// by ScreenConfig.WeakAliasFactor.
	NameWeak NameKind = "weak"
)

// Name is one listed name of an Entry.
type Name struct {
	Name string // as listed
	Kind NameKind
	// Label is the source's own word for an alias ("aka", "fka",
	// "aka (from remarks)"), used in match reasons; optional.
	Label string
}

// CountryKind says how a listed country relates to its entry.
type CountryKind string

// Country kinds, in the order the qualifiers prefer them when two kinds
// name the same country.
const (
	CountryNationality CountryKind = "nationality"
	CountryCitizenship CountryKind = "citizenship"
	CountryAddress     CountryKind = "address"
	CountryBirth       CountryKind = "birth"
)

// Country is one country a listed entry is linked to.
type Country struct {
	Kind CountryKind
	// Name is the country as the source writes it ("Korea, North"); for
	// CountryBirth it is the place of birth ("Leningrad, Russia").
	Name string
}

// DOB is one listed date of birth. Fields the source does not give are
// zero: a year-only date has Month and Day 0 (a year, not 1 January). A
// range ("1955 to 1960") sets the To fields; Circa marks "circa".
type DOB struct {
	Year, Month, Day       int
	ToYear, ToMonth, ToDay int
	Circa                  bool
	Text                   string // as written, e.g. "circa 1962"
}

// Entry is one listed person, entity, vessel or aircraft, as the name
// engine sees it.
type Entry struct {
	// Source is the list the entry is on ("SDN", "CONS"); it is
	// Match.Source.
	Source string
	// ID is the entry's number in its source (OFAC's ent_num); it is
	// Match.ID.
	ID   int
	Type EntryType
	// Names holds the primary name first, then the aliases in the
	// source's order.
	Names        []Name
	Programs     []string
	DatesOfBirth []DOB
	Countries    []Country
	// ContentHash identifies everything the source says about the entry,
	// not only the fields above; it changes whenever the source changes
	// the entry. It is Match.ContentHash, which remembered compliance
	// decisions are keyed on.
	ContentHash string
}

// Primary returns the name the entry is listed under.
func (e *Entry) Primary() string { return e.Names[0].Name }

// List is one version of the listed entries a Screener screens against.
type List struct {
	Entries []Entry
	// Version identifies the list's data (for OFAC, the SHA-256 of its
	// files); it is Result.ListVersion.
	Version string
}

// validate checks what the screener relies on: every entry has exactly
// one primary name, listed first. It returns an error wrapping
// models.ErrInvalid.
func (l *List) validate() error {
	for i := range l.Entries {
		e := &l.Entries[i]
		if len(e.Names) == 0 || e.Names[0].Kind != NamePrimary {
			return fmt.Errorf("entry %s %d: first name is not the primary name: %w", e.Source, e.ID, models.ErrInvalid)
		}
		for j, n := range e.Names[1:] {
			if n.Kind != NameAlias && n.Kind != NameWeak {
				return fmt.Errorf("entry %s %d: name %d has kind %q, want alias or weak: %w", e.Source, e.ID, j+1, n.Kind, models.ErrInvalid)
			}
		}
	}
	return nil
}
