package ofac

import (
	"strconv"
	"strings"
)

// parseRemarks fills the facts of e that live in e.Remarks: weak aliases,
// dates and places of birth, nationality, citizenship, gender and digital
// currency addresses.
func parseRemarks(e *Entry) {
	rem := e.Remarks
	e.Aliases = append(e.Aliases, weakAliases(rem)...)
	for _, part := range splitRemarks(rem) {
		p := strings.TrimSpace(part)
		p = strings.TrimPrefix(p, "alt. ")
		switch {
		case strings.HasPrefix(p, "DOB "):
			if d, ok := ParseDOB(strings.TrimPrefix(p, "DOB ")); ok {
				e.DatesOfBirth = append(e.DatesOfBirth, d)
			}
		case strings.HasPrefix(p, "POB "):
			e.PlacesOfBirth = appendUniq(e.PlacesOfBirth, cleanFact(strings.TrimPrefix(p, "POB ")))
		case strings.HasPrefix(p, "nationality "):
			e.Nationalities = appendUniq(e.Nationalities, cleanFact(strings.TrimPrefix(p, "nationality ")))
		case strings.HasPrefix(p, "citizen "):
			e.Citizenships = appendUniq(e.Citizenships, cleanFact(strings.TrimPrefix(p, "citizen ")))
		case strings.HasPrefix(p, "Gender "):
			g := strings.ToLower(cleanFact(strings.TrimPrefix(p, "Gender ")))
			if g == "male" || g == "female" {
				e.Gender = g
			}
		case strings.HasPrefix(p, "Digital Currency Address - "):
			f := strings.Fields(strings.TrimPrefix(p, "Digital Currency Address - "))
			if len(f) >= 2 {
				e.CryptoAddresses = append(e.CryptoAddresses, CryptoAddress{Currency: f[0], Address: strings.TrimRight(f[1], ".")})
			}
		}
	}
}

// splitRemarks splits remarks on ";" outside the quotes of an a.k.a.
func splitRemarks(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ';' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func cleanFact(s string) string {
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), "."))
}

func appendUniq(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// weakAliases extracts "a.k.a. 'NAME'" (and f.k.a., n.k.a.) from remarks.
// A name may itself contain an apostrophe ('ABU-'UMAR'); it ends at a quote
// followed by ";", by "." at the end, or by the end of the text.
func weakAliases(rem string) []Alias {
	var out []Alias
	for _, m := range []struct{ marker, kind string }{
		{"a.k.a. '", AliasAKA}, {"f.k.a. '", AliasFKA}, {"n.k.a. '", AliasNKA},
	} {
		rest := rem
		for {
			i := strings.Index(rest, m.marker)
			if i < 0 {
				break
			}
			rest = rest[i+len(m.marker):]
			end := weakEnd(rest)
			name := strings.TrimSpace(rest[:end])
			if name != "" {
				out = append(out, Alias{Name: name, Kind: m.kind, Weak: true})
			}
			rest = rest[end:]
		}
	}
	return out
}

func weakEnd(s string) int {
	for j := 0; j < len(s); j++ {
		if s[j] != '\'' {
			continue
		}
		after := strings.TrimLeft(s[j+1:], " ")
		if after == "" || after[0] == ';' || after == "." || strings.HasPrefix(after, ".;") {
			return j
		}
	}
	// Unterminated: up to the next ";".
	if k := strings.IndexByte(s, ';'); k >= 0 {
		return k
	}
	return len(s)
}

var months = map[string]int{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

// ParseDOB parses the text after "DOB " in OFAC remarks: "02 Jan 2006",
// "Jan 2006", "2006", with an optional "circa" and ranges written
// "1955 to 1960", "01 Jan 1960 to 31 Dec 1962" or "1960-1962". It reports
// false when the text is not a date.
func ParseDOB(s string) (DOB, bool) {
	s = cleanFact(s)
	d := DOB{Text: s}
	low := strings.ToLower(s)
	if strings.HasPrefix(low, "circa ") {
		d.Circa = true
		low = strings.TrimSpace(low[len("circa "):])
	}
	from, to := low, ""
	if i := strings.Index(low, " to "); i >= 0 {
		from, to = low[:i], low[i+4:]
	} else if i := strings.IndexByte(low, '-'); i > 0 {
		from, to = low[:i], low[i+1:]
	}
	var ok bool
	if d.Year, d.Month, d.Day, ok = parseDate(strings.TrimSpace(from)); !ok {
		return DOB{}, false
	}
	if to != "" {
		if d.ToYear, d.ToMonth, d.ToDay, ok = parseDate(strings.TrimSpace(to)); !ok {
			return DOB{}, false
		}
	}
	return d, true
}

func parseDate(s string) (y, m, d int, ok bool) {
	f := strings.Fields(s)
	num := func(x string) (int, bool) {
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	switch len(f) {
	case 1:
		y, ok = num(f[0])
		return y, 0, 0, ok && y > 1000 && y < 3000
	case 2:
		m, ok = months[f[0][:min(3, len(f[0]))]]
		if !ok {
			return 0, 0, 0, false
		}
		y, ok = num(f[1])
		return y, m, 0, ok && y > 1000 && y < 3000
	case 3:
		if d, ok = num(f[0]); !ok || d < 1 || d > 31 {
			return 0, 0, 0, false
		}
		if m, ok = months[f[1][:min(3, len(f[1]))]]; !ok {
			return 0, 0, 0, false
		}
		y, ok = num(f[2])
		return y, m, d, ok && y > 1000 && y < 3000
	}
	return 0, 0, 0, false
}
