package compliance

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// tokKind classifies a normalised word.
type tokKind uint8

const (
	kindName     tokKind = iota // an ordinary name word
	kindParticle                // al, bin, van, de, …: kept, weighs little
	kindLegal                   // canonical legal form (llc, ltd, jsc, co)
	kindInitial                 // a single letter
)

// normName is one reading of a normalised name.
type normName struct {
	toks   []string
	alts   []string // spelling before variant folding, "" when the same
	kinds  []tokKind
	origin []int // index of the input word a token came from
	// surname is the number of input words before the first comma
	// ("SURNAME, Given Middle"), 0 when there is no comma.
	surname int
	// titled reports that a title was dropped ("President Putin").
	titled bool
	// script reports a name written (partly) in another script than Latin.
	script bool
}

// NormalizeName returns the canonical words of name as the screener
// compares them: Unicode NFKC, transliterated into Latin, diacritics and
// punctuation removed, lower-case, honorifics dropped, legal forms and
// name variants folded to one spelling. It is exported for diagnostics and
// for the README's examples; matching uses the same function.
func NormalizeName(name string) []string {
	rs := normalizeReadings(name)
	if len(rs) == 0 {
		return nil
	}
	return rs[0].toks
}

// normalizeReadings returns one normalised reading of name, or two when a
// script has a separate loanword reading (Hangul, kana).
func normalizeReadings(name string) []normName {
	return normalizeWith(name, nil)
}

// normalizeWith is normalizeReadings for a query: known reports whether a
// word is a listed word; query words that are not, within one edit of a
// legal-form word, are read as that word ("OJINT STOCI COMPAYN" is a
// joint stock company).
func normalizeWith(name string, known func(string) bool) []normName {
	lower := strings.ToLower(norm.NFKC.String(name))
	words := splitWords(lower)
	if len(words) == 0 {
		return nil
	}
	protect := 0
	if i := strings.IndexAny(lower, ",،"); i >= 0 {
		protect = len(splitWords(lower[:i]))
	}
	std := make([]string, 0, len(words))
	var loan []string
	hasLoan := false
	for i, w := range words {
		s, l := transliterateWord(w)
		std = append(std, s)
		if l != "" {
			if !hasLoan {
				loan = append([]string(nil), std[:i]...)
				hasLoan = true
			}
			loan = append(loan, l)
		} else if hasLoan {
			loan = append(loan, s)
		}
	}
	out := []normName{finishTokens(std, protect, known)}
	if hasLoan {
		if n := finishTokens(loan, protect, known); strings.Join(n.toks, " ") != strings.Join(out[0].toks, " ") {
			out = append(out, n)
		}
	}
	if len(out[0].toks) == 0 {
		return nil
	}
	if scriptsOf([]rune(lower))&^scriptLatin != 0 {
		for i := range out {
			out[i].script = true
		}
	}
	return out
}

// splitWords splits on anything that is not a letter, digit or mark.
// Apostrophes inside words are dropped (O'Brien → obrien, Qa'ida → qaida).
func splitWords(s string) []string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			cur.WriteRune(r)
		case r == '\'' || r == '’' || r == 'ʼ' || r == 'ʻ' || r == '`' || r == '´' || r == '‘' || r == 'ʿ' || r == 'ʾ':
		default:
			flush()
		}
	}
	flush()
	return words
}

// asciiFold removes diacritics (NFD, drop marks) and folds special Latin
// letters; other scripts' letters are kept.
func asciiFold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		b.WriteString(latinLetter(unicode.ToLower(r)))
	}
	return b.String()
}

// finishTokens applies the word-level rules to transliterated words. The
// first protect words (the surname before the comma of "SURNAME, Given")
// are never dropped as honorifics.
func finishTokens(words []string, protect int, known func(string) bool) normName {
	var toks []string
	var origin []int
	for wi, w := range words {
		for _, t := range strings.Fields(asciiFold(w)) {
			t = strings.Map(func(r rune) rune {
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					return r
				}
				return -1
			}, t)
			if t != "" {
				toks = append(toks, t)
				origin = append(origin, wi)
			}
		}
	}
	if known != nil && len(toks) > 1 {
		for i, t := range toks {
			if len(t) >= 4 && !known(t) {
				if l := legalTypo(t); l != "" {
					toks[i] = l
				}
			}
		}
	}
	if n := len(toks); n > 0 {
		j := joinTrailingInitials(toks)
		if len(j) < n {
			origin = append(origin[:len(j)-1], origin[n-1])
		}
		toks = j
	}
	out := normName{surname: protect}
	// Legal phrases first (longest), then word by word.
	for i := 0; i < len(toks); {
		if canon, n := matchLegalPhrase(toks[i:]); n > 0 && len(toks) > n {
			for _, c := range strings.Fields(canon) {
				k := kindName
				if _, ok := legalForms[c]; ok {
					k = kindLegal
				}
				out.add(c, "", k, origin[i])
			}
			i += n
			continue
		}
		out.add(toks[i], "", kindName, origin[i])
		i++
	}
	// Honorifics: drop when something else remains, except in the surname
	// part and right after a particle (AL-SHAYKH is a family name).
	// Leading titles of the given-name part go ("MAHMUD, Mawlawi
	// Fariduddin", "Dr. Ahmed Sheikh" keeps its surname Sheikh); pure
	// titles (President, Mr, Dr, elnök, …) go anywhere but in the surname
	// part ("Putyin elnök"). A title that is the only given name of
	// "SURNAME, Given" stays, light ("KUBURA, Amir": Amir is a name too),
	// as does a title inside a name ("Ivan Shaykh Muhammad …").
	drop := make([]bool, len(out.toks))
	light := make([]bool, len(out.toks))
	keep := 0
	leading := true
	given := 0 // given-part words that are not titles
	pure := false
	for i, t := range out.toks {
		if i > 0 && protect > 0 && out.origin[i-1] < protect && out.origin[i] >= protect {
			leading = true // start of the given-name part
		}
		title := honorifics[t] && out.kinds[i] == kindName && out.origin[i] >= protect
		if title && (leading || pureTitles[t]) {
			drop[i] = true
			pure = pure || pureTitles[t]
			continue
		}
		if title && i < len(out.toks)-1 && out.kinds[i+1] == kindName && (i == 0 || !particles[out.toks[i-1]]) {
			light[i] = true
		}
		if out.origin[i] >= protect {
			leading = false
			given++
		}
		keep++
	}
	if protect > 0 && given == 0 {
		// "KUBURA, Amir": keep the given-part titles, light.
		for i := range out.toks {
			if drop[i] && out.origin[i] >= protect && !pureTitles[out.toks[i]] {
				drop[i], light[i] = false, true
				keep++
			}
		}
	}
	if keep > 0 && keep < len(out.toks) {
		o := normName{surname: protect, titled: pure}
		var l []bool
		for i := range out.toks {
			if !drop[i] {
				o.add(out.toks[i], out.alts[i], out.kinds[i], out.origin[i])
				l = append(l, light[i])
			}
		}
		out, light = o, l
	}
	multi := len(out.toks) > 1
	for i, t := range out.toks {
		if out.kinds[i] != kindName {
			continue
		}
		if light[i] && multi {
			out.kinds[i] = kindParticle
			continue
		}
		if c, ok := legalWord(t); ok && multi {
			out.toks[i], out.kinds[i] = c, kindLegal
			continue
		}
		orig := t
		if c, ok := particleCanon[t]; ok {
			t = c
		}
		if c, ok := variants[t]; ok {
			t = c
		}
		t = foldPatronymic(t)
		out.toks[i] = t
		if t != orig {
			out.alts[i] = orig
		}
		switch {
		case particles[t] && multi:
			out.kinds[i] = kindParticle
		case len(t) == 1 && t[0] >= 'a' && t[0] <= 'z':
			out.kinds[i] = kindInitial
		}
	}
	return out
}

func (n *normName) add(tok, alt string, k tokKind, origin int) {
	n.toks = append(n.toks, tok)
	n.alts = append(n.alts, alt)
	n.kinds = append(n.kinds, k)
	n.origin = append(n.origin, origin)
}

// legalWord reports whether t is a word of a legal-entity form, also with
// one typo for words of 5+ letters ("compnay"), and returns its canonical
// form.
func legalWord(t string) (string, bool) {
	if c, ok := legalForms[t]; ok {
		return c, true
	}
	if len(t) < 5 || len(t) > 16 {
		return "", false
	}
	if c, ok := legalDeletes[t]; ok {
		return c, true
	}
	// One deletion from t, or t with one deletion, or a substitution or
	// transposition (both with one deletion at the same place or adjacent).
	for i := 0; i < len(t); i++ {
		d := t[:i] + t[i+1:]
		if c, ok := legalForms[d]; ok && len(d) >= 5 {
			return c, true
		}
		if c, ok := legalDeletes[d]; ok {
			return c, true
		}
	}
	return "", false
}

// joinTrailingInitials joins a trailing run of single letters when the
// result is a legal form: "s a" → "sa", "l l c" → "llc".
func joinTrailingInitials(toks []string) []string {
	j := len(toks)
	for j > 0 && len(toks[j-1]) == 1 {
		j--
	}
	if len(toks)-j >= 2 && j > 0 {
		joined := strings.Join(toks[j:], "")
		if _, ok := legalForms[joined]; ok {
			return append(toks[:j:j], joined)
		}
	}
	return toks
}

func matchLegalPhrase(toks []string) (string, int) {
	for _, p := range legalPhrases {
		if len(p.words) > len(toks) {
			continue
		}
		ok := true
		for k, w := range p.words {
			if toks[k] != w {
				ok = false
				break
			}
		}
		if ok {
			return p.canon, len(p.words)
		}
	}
	return "", 0
}

func foldPatronymic(t string) string {
	if len(t) < 7 {
		return t
	}
	for _, s := range patronymicSuffixes {
		if strings.HasSuffix(t, s.from) && len(t)-len(s.from) >= 3 {
			t = t[:len(t)-len(s.from)] + s.to
			if c, ok := variants[t]; ok {
				return c
			}
			return t
		}
	}
	return t
}

// legalTypo returns the legal-form word t is one edit away from ("ojint"
// → "joint", "gmhb" → "gmbh"), or "". Only words of 5+ letters and a few
// distinctive abbreviations qualify; the caller makes sure t is not a
// listed word.
func legalTypo(t string) string {
	if !isASCII(t) || len(t) > 17 {
		return ""
	}
	for _, l := range legalTypoWords {
		if abs(len(l)-len(t)) <= 1 && osaDistance(t, l, 1) <= 1 {
			return l
		}
	}
	return ""
}

var legalTypoWords = func() []string {
	var out []string
	for w := range legalForms {
		if len(w) >= 5 {
			out = append(out, w)
		}
	}
	out = append(out, "gmbh", "ltda", "fzco", "pjsc", "ojsc", "cjsc", "jscb", "corp")
	sortStrings(out)
	return out
}()
