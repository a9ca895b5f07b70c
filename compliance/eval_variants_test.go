package compliance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// Variant generators for the recall proof. All are deterministic.

// rng is a tiny deterministic generator (xorshift).
type rng uint64

func (r *rng) next() uint64 {
	x := uint64(*r)
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	*r = rng(x)
	return x
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// words splits a listed name into words, dropping the comma.
func words(name string) []string {
	return strings.Fields(strings.ReplaceAll(name, ",", " "))
}

// naturalOrder turns "SURNAME, Given Names" into "Given Names SURNAME".
func naturalOrder(name string) string {
	sur, given, ok := strings.Cut(name, ",")
	if !ok {
		return name
	}
	return strings.TrimSpace(given) + " " + strings.TrimSpace(sur)
}

// reordered returns the name's words in another order: individuals in
// natural order with the family name first moved last, others rotated.
func reordered(e *Entry) string {
	w := words(e.Primary())
	if len(w) < 2 {
		return ""
	}
	if e.Type == TypeIndividual && strings.Contains(e.Primary(), ",") {
		return naturalOrder(e.Primary())
	}
	return strings.Join(append(w[1:], w[0]), " ")
}

const typoLetters = "aeioustnrlkmdbgh"

// typoWord makes one typo (substitution, deletion, insertion or adjacent
// transposition, at any position including the first letter) in a word of
// 4+ letters; shorter words are returned unchanged.
func typoWord(w string, r *rng) string {
	b := []byte(w)
	if len(b) < 4 {
		return w
	}
	for i := range b {
		if b[i] >= 0x80 {
			return w
		}
	}
	pos := r.intn(len(b))
	c := typoLetters[r.intn(len(typoLetters))]
	switch r.intn(4) {
	case 0: // substitution
		if unicode.ToLower(rune(b[pos])) == rune(c) {
			c = 'y'
		}
		if unicode.IsUpper(rune(b[pos])) {
			c = byte(unicode.ToUpper(rune(c)))
		}
		b[pos] = c
	case 1: // deletion
		b = append(b[:pos:pos], b[pos+1:]...)
	case 2: // insertion
		b = append(b[:pos:pos], append([]byte{c}, b[pos:]...)...)
	default: // transposition
		if pos == len(b)-1 {
			pos--
		}
		b[pos], b[pos+1] = b[pos+1], b[pos]
	}
	return string(b)
}

// typoName puts one typo into every run of 4+ ASCII letters.
func typoName(name string, seed int) string {
	r := rng(uint64(seed)*2654435761 + 88172645463325252)
	w := words(name)
	for i := range w {
		var b strings.Builder
		run := 0
		flush := func(end int) {
			if run > 0 {
				b.WriteString(typoWord(w[i][end-run:end], &r))
				run = 0
			}
		}
		for k := 0; k < len(w[i]); k++ {
			c := w[i][k]
			if c < 0x80 && unicode.IsLetter(rune(c)) {
				run++
				continue
			}
			flush(k)
			b.WriteByte(c)
		}
		flush(len(w[i]))
		w[i] = b.String()
	}
	return strings.Join(w, " ")
}

var extraGiven = []string{"John", "Maria", "Ahmed", "Peter", "Anna", "Jose", "Ali", "Olga", "David", "Fatima", "Ivan", "Li"}

// addedGiven adds a given name to an individual's name.
func addedGiven(e *Entry, i int) string {
	if e.Type != TypeIndividual {
		return ""
	}
	return extraGiven[i%len(extraGiven)] + " " + naturalOrder(e.Primary())
}

// droppedMiddle drops one middle word from an individual's natural-order
// name of 3+ words (a payee who gives fewer names than the list).
func droppedMiddle(e *Entry, i int) string {
	if e.Type != TypeIndividual {
		return ""
	}
	w := words(naturalOrder(e.Primary()))
	if len(w) < 3 {
		return ""
	}
	k := 1 + i%(len(w)-2)
	return strings.Join(append(append([]string{}, w[:k]...), w[k+1:]...), " ")
}

var accents = map[rune][]rune{
	'a': {'á', 'à', 'â', 'ä', 'ã'}, 'e': {'é', 'è', 'ê', 'ë'}, 'i': {'í', 'ì', 'î', 'ï'},
	'o': {'ó', 'ò', 'ô', 'ö', 'õ'}, 'u': {'ú', 'ù', 'û', 'ü'}, 'n': {'ñ'}, 'y': {'ý'},
}

// diacritics adds accents to about every other vowel (and some n, y).
func diacritics(name string, seed int) string {
	r := rng(uint64(seed)*0x9E3779B97F4A7C15 + 1)
	var b strings.Builder
	changed := false
	for _, c := range name {
		lower := unicode.ToLower(c)
		if alts, ok := accents[lower]; ok && r.intn(2) == 0 {
			a := alts[r.intn(len(alts))]
			if unicode.IsUpper(c) {
				a = unicode.ToUpper(a)
			}
			b.WriteRune(a)
			changed = true
			continue
		}
		b.WriteRune(c)
	}
	if !changed {
		return ""
	}
	return b.String()
}

// spellingRules are transliteration differences seen across lists,
// applied when a name has no word from the variant dictionary.
var spellingRules = [][2]string{
	{"kh", "h"}, {"ou", "u"}, {"yev", "ev"}, {"ya", "ia"}, {"yu", "iu"}, {"iy", "i"}, {"ey", "ei"},
	{"sh", "sch"}, {"ch", "tch"}, {"ee", "i"}, {"oo", "u"}, {"q", "k"}, {"j", "dj"}, {"ph", "f"}, {"w", "v"},
	{"dh", "d"}, {"th", "t"}, {"aa", "a"}, {"x", "ks"}, {"c", "k"},
}

// translitVariant rewrites one word with another spelling of the same name
// from the variant dictionary (Mohammed → Muhammad, Qadhafi → Gaddafi), or
// else applies one common transliteration difference.
func translitVariant(name string, seed int) string {
	w := words(name)
	byCanon := map[string][]string{}
	for v, c := range variants {
		byCanon[c] = append(byCanon[c], v)
	}
	for _, alts := range byCanon {
		sortStrings(alts)
	}
	for i, x := range w {
		c, ok := variants[strings.ToLower(x)]
		if !ok {
			if _, isCanon := byCanon[strings.ToLower(x)]; isCanon {
				c, ok = strings.ToLower(x), true
			}
		}
		if !ok {
			continue
		}
		alts := append([]string{c}, byCanon[c]...)
		for k := 0; k < len(alts); k++ {
			alt := alts[(seed+k)%len(alts)]
			if alt != strings.ToLower(x) {
				w[i] = strings.ToUpper(alt[:1]) + alt[1:]
				return strings.Join(w, " ")
			}
		}
	}
	// Legal-form words (LLC, OOO, JSC, EOOD, S.A. DE C.V.) are not
	// transliterated names: "OOO" is never written "UO", nor "LLC" "LLK".
	lw := strings.Fields(strings.ToLower(name))
	for k := range spellingRules {
		rule := spellingRules[(seed+k)%len(spellingRules)]
		for i, x := range lw {
			if isLegalFormWord(x) || !strings.Contains(x, rule[0]) {
				continue
			}
			lw[i] = strings.Replace(x, rule[0], rule[1], 1)
			return strings.Join(lw, " ")
		}
	}
	return ""
}

// isLegalFormWord reports a word of a legal form ("llc", "s.a.", "c.v.",
// "dooel", "de" inside "S.A. DE C.V.").
func isLegalFormWord(w string) bool {
	w = strings.Trim(strings.ReplaceAll(w, ".", ""), ",;:-&()")
	if _, ok := legalForms[w]; ok {
		return true
	}
	switch w {
	case "eood", "ood", "dooel", "ead", "doo", "de", "cv", "rl", "s", "a", "c", "v", "r", "l":
		return true
	}
	return false
}

// personOrder is the natural order of an individual's "SURNAME, Given"
// name; other names are kept as written ("X, S.A. DE C.V." is not
// reordered).
func personOrder(e *Entry) string {
	if e.Type == TypeIndividual {
		return naturalOrder(e.Primary())
	}
	return e.Primary()
}

// latinToCyrillic writes a Russian name given in Latin transliteration in
// Cyrillic (the reverse of BGN/PCGN, roughly).
func latinToCyrillic(name string) string {
	rules := []struct{ lat, cyr string }{
		{"shch", "щ"}, {"zh", "ж"}, {"kh", "х"}, {"ts", "ц"}, {"ch", "ч"}, {"sh", "ш"}, {"yu", "ю"}, {"ya", "я"},
		{"yo", "ё"}, {"ye", "е"}, {"iy", "ий"}, {"yy", "ый"}, {"ay", "ай"}, {"oy", "ой"}, {"ey", "ей"}, {"uy", "уй"},
		{"a", "а"}, {"b", "б"}, {"v", "в"}, {"g", "г"}, {"d", "д"}, {"e", "е"}, {"z", "з"}, {"i", "и"}, {"y", "ы"},
		{"k", "к"}, {"l", "л"}, {"m", "м"}, {"n", "н"}, {"o", "о"}, {"p", "п"}, {"r", "р"}, {"s", "с"}, {"t", "т"},
		{"u", "у"}, {"f", "ф"}, {"c", "к"}, {"h", "х"}, {"j", "й"}, {"w", "в"}, {"x", "кс"}, {"q", "к"},
	}
	var out []string
	for _, w := range words(naturalOrder(name)) {
		lw := strings.ToLower(w)
		var b strings.Builder
		for i := 0; i < len(lw); {
			matched := false
			for _, r := range rules {
				if strings.HasPrefix(lw[i:], r.lat) {
					b.WriteString(r.cyr)
					i += len(r.lat)
					matched = true
					break
				}
			}
			if !matched {
				b.WriteByte(lw[i])
				i++
			}
		}
		s := []rune(b.String())
		if len(s) > 0 && unicode.IsUpper(rune(w[0])) {
			s[0] = unicode.ToUpper(s[0])
		}
		out = append(out, string(s))
	}
	return strings.Join(out, " ")
}

// isRussian reports an entry whose name is a Russian transliteration.
func isRussian(e *Entry) bool {
	if e.Type != TypeIndividual {
		return false
	}
	for _, c := range e.Countries {
		if (c.Kind == CountryNationality || c.Kind == CountryCitizenship) && (c.Name == "Russia" || c.Name == "Belarus" || c.Name == "Ukraine") {
			return true
		}
	}
	for _, p := range e.Programs {
		if strings.HasPrefix(p, "RUSSIA") || strings.HasPrefix(p, "BELARUS") {
			return true
		}
	}
	return false
}

// legalVariants swaps a legal form for an equivalent one, or adds one.
var legalSwaps = [][2]string{
	{" LIMITED LIABILITY COMPANY", " OOO"}, {" LLC", " LIMITED LIABILITY COMPANY"}, {"LLC ", "OOO "},
	{" JOINT STOCK COMPANY", " AO"}, {"JOINT STOCK COMPANY ", "AO "}, {" JSC", " JOINT STOCK COMPANY"}, {"JSC ", "AO "},
	{" LTD.", " LIMITED"}, {" LTD", " LIMITED"}, {" LIMITED", " LTD."}, {" CO.", " COMPANY"}, {" COMPANY", " CO"},
	{" S.A.", " SA"}, {" SA", " S.A."}, {" GMBH", " G.M.B.H."}, {" INC.", " INCORPORATED"}, {" CORP.", " CORPORATION"},
	{"OOO ", "ООО "}, {" OAO", " ОАО"}, {"ZAO ", "ЗАО "}, {" PJSC", " PAO"}, {"PJSC ", "PUBLIC JOINT STOCK COMPANY "},
}

func legalVariant(e *Entry, seed int) string {
	if e.Type != TypeEntity {
		return ""
	}
	up := " " + strings.ToUpper(e.Primary()) + " "
	for k := range legalSwaps {
		s := legalSwaps[(seed+k)%len(legalSwaps)]
		if strings.Contains(up, s[0]+" ") || strings.Contains(up, s[0]) && strings.HasSuffix(strings.TrimSpace(up), strings.TrimSpace(s[0])) {
			return strings.TrimSpace(strings.Replace(up, s[0], s[1], 1))
		}
	}
	forms := []string{" LLC", " LTD", " JSC", " S.A.", " GMBH"}
	return e.Primary() + forms[seed%len(forms)]
}

// commonNames reads testdata/common_names.txt: ordinary names from many
// cultures written for this test, none contained in a listed name.
func commonNames(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "common_names.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}
