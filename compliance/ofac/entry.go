package ofac

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Sources of an Entry.
const (
	SourceSDN  = "SDN"  // Specially Designated Nationals list
	SourceCONS = "CONS" // Consolidated (non-SDN) list
)

// Entry types. OFAC writes "-0-" for entities; it is mapped to TypeEntity.
const (
	TypeIndividual = "individual"
	TypeEntity     = "entity"
	TypeVessel     = "vessel"
	TypeAircraft   = "aircraft"
)

// Alias kinds. Weak aliases come from "a.k.a. '…'" in the remarks.
const (
	AliasAKA = "aka"
	AliasFKA = "fka"
	AliasNKA = "nka"
)

// Entry is one listed person, entity, vessel or aircraft with everything
// the files say about it.
type Entry struct {
	ID       int    // OFAC ent_num
	Source   string // SourceSDN or SourceCONS
	Name     string // primary name as listed ("SURNAME, Given" for individuals)
	Type     string // TypeIndividual, TypeEntity, TypeVessel or TypeAircraft
	Programs []string
	Title    string

	CallSign    string
	VesselType  string
	Tonnage     string
	GRT         string
	VesselFlag  string
	VesselOwner string

	// Remarks is the full remarks text, including the spill-over from the
	// comments file.
	Remarks string

	Aliases   []Alias
	Addresses []Address

	// Facts parsed from Remarks.
	DatesOfBirth     []DOB
	PlacesOfBirth    []string
	Nationalities    []string // OFAC country names as written
	Citizenships     []string // OFAC country names as written
	AddressCountries []string // distinct countries of Addresses, as written
	Gender           string   // "male", "female" or ""
	CryptoAddresses  []CryptoAddress
}

// Alias is another name of an Entry.
type Alias struct {
	ID      int    // alt_num; 0 for weak aliases from remarks
	Name    string //
	Kind    string // AliasAKA, AliasFKA or AliasNKA
	Weak    bool   // from "a.k.a. '…'" in remarks; weaker evidence than alt.csv
	Remarks string
}

// Address is one address row of an Entry. Any field may be empty.
type Address struct {
	ID           int
	Address      string
	CityStateZip string
	Country      string
	Remarks      string
}

// DOB is one date of birth from the remarks. Fields that the list does not
// give are zero: a year-only DOB has Month and Day 0 (it is a year, not
// 1 January). A range ("1955 to 1960", "circa 1960-1962") sets the To
// fields; Circa marks "circa".
type DOB struct {
	Year, Month, Day       int
	ToYear, ToMonth, ToDay int
	Circa                  bool
	Text                   string // as written, e.g. "circa 1962"
}

// CryptoAddress is a digital-currency address from the remarks.
type CryptoAddress struct {
	Currency string // e.g. XBT, ETH, USDT
	Address  string
}

// Names returns the primary name followed by every alias name.
func (e *Entry) Names() []string {
	out := make([]string, 0, 1+len(e.Aliases))
	out = append(out, e.Name)
	for _, a := range e.Aliases {
		out = append(out, a.Name)
	}
	return out
}

// ContentHash returns a stable SHA-256 (hex) over the entry's listed
// content: id, source, names, type, programs, title, vessel fields,
// remarks, aliases and addresses, in a canonical length-prefixed encoding.
// It changes whenever OFAC changes anything about the entry.
func (e *Entry) ContentHash() string {
	h := sha256.New()
	w := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(strconv.Itoa(len(p))))
			h.Write([]byte{':'})
			h.Write([]byte(p))
		}
		h.Write([]byte{'\n'})
	}
	w("entry/v1", strconv.Itoa(e.ID), e.Source, e.Name, e.Type, strings.Join(e.Programs, "] ["), e.Title,
		e.CallSign, e.VesselType, e.Tonnage, e.GRT, e.VesselFlag, e.VesselOwner, e.Remarks)
	for _, a := range e.Aliases {
		w("alias", strconv.Itoa(a.ID), a.Name, a.Kind, strconv.FormatBool(a.Weak), a.Remarks)
	}
	for _, a := range e.Addresses {
		w("address", strconv.Itoa(a.ID), a.Address, a.CityStateZip, a.Country, a.Remarks)
	}
	return hex.EncodeToString(h.Sum(nil))
}
