package compliance

import (
	"fmt"
	"strconv"
	"strings"
)

// Qualifiers: evidence besides the name that raises or lowers a match's
// score, each with a stated reason. They only apply when both the query
// and the listed entry say something.
const (
	dobDayMatch      = +0.10 // same full date of birth
	dobYearMatch     = +0.05 // same year (or month-year), within a listed range or circa ±1
	dobDayMismatch   = -0.05 // same year, different day
	dobYearMismatch  = -0.15 // no listed date within a year (two for circa)
	countryMatch     = +0.05 // query country among nationality, citizenship, address or birth countries
	countryMismatch  = -0.05 // none of them
	typeMismatch     = -0.15 // person against entity, vessel or aircraft, or the reverse
	maxBonus         = dobDayMatch + countryMatch
	circaTolerance   = 2
	yearTolerance    = 1
	queryTypePerson  = "individual"
	queryTypeCompany = "entity"
)

// queryInfo is what the qualifiers read from a query.
type queryInfo struct {
	year, month, day int
	country          string
	typ              string // "individual", "entity" or ""
	typWhy           string
}

func parseQueryInfo(q Query, n normName) queryInfo {
	qi := queryInfo{country: strings.ToUpper(strings.TrimSpace(q.Country))}
	if d := strings.TrimSpace(q.DateOfBirth); d != "" {
		f := strings.Split(d, "-")
		if len(f) >= 1 {
			qi.year, _ = strconv.Atoi(f[0])
		}
		if len(f) >= 2 {
			qi.month, _ = strconv.Atoi(f[1])
		}
		if len(f) >= 3 {
			qi.day, _ = strconv.Atoi(f[2])
		}
		if qi.year < 1000 {
			qi.year, qi.month, qi.day = 0, 0, 0
		}
	}
	switch strings.ToLower(strings.TrimSpace(q.Type)) {
	case "individual", "person":
		qi.typ, qi.typWhy = queryTypePerson, "query is an individual"
	case "entity", "organization", "organisation", "company", "business":
		qi.typ, qi.typWhy = queryTypeCompany, "query is an entity"
	default:
		for _, k := range n.kinds {
			if k == kindLegal {
				qi.typ, qi.typWhy = queryTypeCompany, "query name has a legal form"
			}
		}
	}
	return qi
}

// qualify applies the qualifiers to a name score and returns the final
// score (clamped to [0, 1]) with one reason per qualifier that applied.
func (s *Screener) qualify(qi queryInfo, e *Entry, m *entryMeta, score float64) (float64, []string) {
	var reasons []string
	adj := func(d float64, why string) {
		score += d
		reasons = append(reasons, fmt.Sprintf("%s (%+.2f)", why, d))
	}
	// Type.
	if qi.typ != "" {
		listedPerson := e.Type == TypeIndividual
		if (qi.typ == queryTypePerson) != listedPerson {
			adj(typeMismatch, fmt.Sprintf("type: %s, listed %s", qi.typWhy, e.Type))
		}
	}
	// Date of birth.
	if qi.year > 0 && len(e.DatesOfBirth) > 0 {
		d, why := dobEvidence(qi, e.DatesOfBirth)
		adj(d, why)
	}
	// Country.
	if qi.country != "" && len(m.countries) > 0 {
		if how, ok := m.countries[qi.country]; ok {
			adj(countryMatch, fmt.Sprintf("country %s matches listed %s", qi.country, how))
		} else {
			var list []string
			for _, how := range m.countries {
				list = append(list, how)
			}
			sortStrings(list)
			adj(countryMismatch, fmt.Sprintf("country %s not among listed %s", qi.country, strings.Join(list, "; ")))
		}
	}
	return min(1, max(0, score)), reasons
}

// dobEvidence compares the query's date of birth with every listed one and
// returns the strongest evidence.
func dobEvidence(qi queryInfo, dobs []DOB) (float64, string) {
	q := fmt.Sprintf("%04d", qi.year)
	if qi.month > 0 && qi.day > 0 {
		q = fmt.Sprintf("%04d-%02d-%02d", qi.year, qi.month, qi.day)
	}
	best, bestWhy := dobYearMismatch, ""
	var texts []string
	for _, d := range dobs {
		texts = append(texts, d.Text)
		var v float64
		var why string
		switch {
		case d.ToYear > 0: // range
			lo, hi := d.Year, d.ToYear
			if d.Circa {
				lo, hi = lo-circaTolerance, hi+circaTolerance
			}
			if qi.year >= lo && qi.year <= hi {
				v, why = dobYearMatch, fmt.Sprintf("date of birth %s within listed %q", q, d.Text)
			} else {
				v = dobYearMismatch
			}
		case d.Circa:
			if abs(qi.year-d.Year) <= circaTolerance {
				v, why = dobYearMatch, fmt.Sprintf("date of birth %s near listed %q", q, d.Text)
			} else {
				v = dobYearMismatch
			}
		case d.Day > 0 && qi.day > 0:
			switch {
			case qi.year == d.Year && qi.month == d.Month && qi.day == d.Day:
				v, why = dobDayMatch, fmt.Sprintf("date of birth %s equals listed %q", q, d.Text)
			case abs(qi.year-d.Year) <= yearTolerance:
				v, why = dobDayMismatch, fmt.Sprintf("date of birth %s differs from listed %q in month or day", q, d.Text)
			default:
				v = dobYearMismatch
			}
		default: // year-only or month-year listed (or query without day)
			switch {
			case qi.year == d.Year && (d.Month == 0 || qi.month == 0 || qi.month == d.Month):
				v, why = dobYearMatch, fmt.Sprintf("date of birth %s in listed %q", q, d.Text)
			case abs(qi.year-d.Year) <= yearTolerance:
				v, why = 0, fmt.Sprintf("date of birth %s within a year of listed %q", q, d.Text)
			default:
				v = dobYearMismatch
			}
		}
		if why != "" && (bestWhy == "" || v > best) {
			best, bestWhy = v, why
		}
	}
	if bestWhy == "" {
		bestWhy = fmt.Sprintf("date of birth %s far from every listed date (%s)", q, strings.Join(texts, "; "))
	}
	return best, bestWhy
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
