package compliance

import (
	"strings"
	"unicode"
)

// Transliteration into lower-case Latin, with deterministic tables (no
// language detection service). Covered: Cyrillic (Russian, Ukrainian,
// Belarusian, plus look-alike folding inside Latin words), Greek, Arabic
// and Persian/Urdu letters, Hebrew, Armenian, Georgian, the Brahmic
// scripts laid out like ISCII (Devanagari, Bengali, Gurmukhi, Gujarati,
// Oriya, Tamil, Telugu, Kannada, Malayalam), Hangul and Japanese kana.
// Han (a compact table, translit_han.go), Khmer and Myanmar; Thai is
// left as it is.

// transliterateWord maps one whitespace-free word (already lower-cased and
// NFC) into Latin. It returns the standard reading and, for Hangul and
// kana, a loanword reading ("" when there is none) that undoes the vowel
// insertions those scripts use for foreign names.
func transliterateWord(w string) (std, loan string) {
	rs := []rune(w)
	scripts := scriptsOf(rs)
	switch {
	case scripts&scriptCyrillic != 0 && scripts&scriptLatin != 0:
		// Mixed: fold look-alike letters into Latin (Cyrillic "а" in "Puтin").
		return foldHomoglyphs(rs), ""
	case scripts&scriptGreek != 0 && scripts&scriptLatin != 0:
		return foldHomoglyphs(rs), ""
	case scripts&scriptCyrillic != 0:
		return cyrillicToLatin(rs), ""
	case scripts&scriptGreek != 0:
		return greekToLatin(rs), ""
	case scripts&scriptArabic != 0:
		return arabicToLatin(rs), ""
	case scripts&scriptHebrew != 0:
		return hebrewToLatin(rs), ""
	case scripts&scriptHangul != 0:
		return hangulToLatin(rs, false), hangulToLatin(rs, true)
	case scripts&scriptKana != 0:
		s := kanaToLatin(rs)
		return s, kanaLoan(s)
	case scripts&scriptHan != 0:
		return hanToLatin(rs)
	}
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r >= 0x0531 && r <= 0x058F:
			b.WriteString(armenianToLatin(rs, &i))
		case r >= 0x10A0 && r <= 0x10FF || r >= 0x1C90 && r <= 0x1CBF:
			b.WriteString(georgian[georgianIndex(r)])
		case r >= 0x0900 && r <= 0x0D7F:
			b.WriteString(brahmicToLatin(rs, &i))
		case isKhmer(r) || isMyanmar(r):
			b.WriteString(khmerMyanmarToLatin(rs, &i))
		default:
			b.WriteString(latinLetter(r))
		}
	}
	return b.String(), ""
}

const (
	scriptLatin = 1 << iota
	scriptCyrillic
	scriptGreek
	scriptArabic
	scriptHebrew
	scriptHangul
	scriptKana
	scriptHan
	scriptOther
)

func scriptsOf(rs []rune) int {
	s := 0
	for _, r := range rs {
		switch {
		case r < 0x80 && unicode.IsLetter(r), r >= 0xC0 && r <= 0x24F:
			s |= scriptLatin
		case r >= 0x0400 && r <= 0x052F:
			s |= scriptCyrillic
		case r >= 0x0370 && r <= 0x03FF || r >= 0x1F00 && r <= 0x1FFF:
			s |= scriptGreek
		case r >= 0x0600 && r <= 0x06FF || r >= 0x0750 && r <= 0x077F || r >= 0xFB50 && r <= 0xFEFF:
			s |= scriptArabic
		case r >= 0x0590 && r <= 0x05FF:
			s |= scriptHebrew
		case r >= 0xAC00 && r <= 0xD7A3 || r >= 0x1100 && r <= 0x11FF || r >= 0x3130 && r <= 0x318F:
			s |= scriptHangul
		case r >= 0x3040 && r <= 0x30FF:
			s |= scriptKana
		case isHan(r):
			s |= scriptHan
		case unicode.IsLetter(r):
			s |= scriptOther
		}
	}
	return s
}

// latinLetter folds Latin letters that NFD does not decompose, and
// letters whose diacritic changes the sound in transliterated names
// (č, š, ž as in Czech, Croatian, Latvian and Lithuanian transliterations
// of Russian). Everything else is returned unchanged.
func latinLetter(r rune) string {
	switch r {
	case 'č', 'ć', 'ç':
		return "ch"
	case 'š', 'ś', 'ş', 'ș':
		return "sh"
	case 'ž', 'ź', 'ż':
		return "zh"
	case 'ß':
		return "ss"
	case 'æ':
		return "ae"
	case 'œ':
		return "oe"
	case 'ø':
		return "o"
	case 'ł':
		return "l"
	case 'đ', 'ð':
		return "d"
	case 'þ':
		return "th"
	case 'ı':
		return "i"
	case 'ŋ':
		return "ng"
	case 'ħ':
		return "h"
	case 'ſ':
		return "s"
	}
	return string(r)
}

// Cyrillic.

var cyr = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "yo", 'ж': "zh", 'з': "z",
	'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
	'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	// Ukrainian, Belarusian, others.
	'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g", 'ў': "u", 'ђ': "dj", 'ј': "j", 'љ': "lj", 'њ': "nj",
	'ћ': "c", 'џ': "dz", 'ѓ': "g", 'ќ': "k", 'ѕ': "dz", 'ә': "a", 'ғ': "gh", 'қ': "q", 'ң': "ng",
	'ө': "o", 'ұ': "u", 'ү': "u", 'һ': "h",
}

func cyrillicToLatin(rs []rune) string {
	// Ukrainian and Belarusian write г for /h/.
	ukr := false
	for _, r := range rs {
		if r == 'і' || r == 'ї' || r == 'є' || r == 'ў' {
			ukr = true
		}
	}
	var b strings.Builder
	for i, r := range rs {
		if r >= 0x0300 && r <= 0x036F { // stress marks
			continue
		}
		if r == 'г' && ukr {
			b.WriteString("h")
			continue
		}
		if r == 'и' && ukr {
			// Ukrainian и is /y/ (Володимир → Volodymyr).
			b.WriteString("y")
			continue
		}
		if r == 'е' && i == 0 {
			b.WriteString("e")
			continue
		}
		if s, ok := cyr[r]; ok {
			b.WriteString(s)
			continue
		}
		b.WriteString(latinLetter(r))
	}
	return b.String()
}

// homoglyphs maps Cyrillic and Greek letters that look like Latin ones.
var homoglyphs = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p',
	'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ј': 'j', 'ѕ': 's', 'һ': 'h', 'ԁ': 'd',
	'α': 'a', 'β': 'b', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'ζ': 'z', 'η': 'n', 'μ': 'u',
}

func foldHomoglyphs(rs []rune) string {
	var b strings.Builder
	for _, r := range rs {
		if h, ok := homoglyphs[r]; ok {
			b.WriteRune(h)
			continue
		}
		if s, ok := cyr[r]; ok {
			b.WriteString(s)
			continue
		}
		if s, ok := greekLetters[r]; ok {
			b.WriteString(s)
			continue
		}
		b.WriteString(latinLetter(r))
	}
	return b.String()
}

// Greek (modern pronunciation; ντ and μπ as d and b, which is how foreign
// names are written).

var greekLetters = map[rune]string{
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th", 'ι': "i",
	'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p", 'ρ': "r", 'σ': "s",
	'ς': "s", 'τ': "t", 'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
}

var greekPairs = map[string]string{
	"ντ": "d", "μπ": "b", "ου": "u", "αι": "e", "ει": "i", "οι": "i", "γγ": "ng", "γκ": "g", "τσ": "ts", "τζ": "dz",
}

func greekToLatin(rs []rune) string {
	// Drop tonos and other marks: decompose letter by letter.
	clean := make([]rune, 0, len(rs))
	for _, r := range rs {
		clean = append(clean, stripGreekAccent(r))
	}
	var b strings.Builder
	for i := 0; i < len(clean); i++ {
		if i+1 < len(clean) {
			if s, ok := greekPairs[string(clean[i:i+2])]; ok {
				b.WriteString(s)
				i++
				continue
			}
		}
		if s, ok := greekLetters[clean[i]]; ok {
			b.WriteString(s)
		} else if !unicode.Is(unicode.Mn, clean[i]) {
			b.WriteString(latinLetter(clean[i]))
		}
	}
	return b.String()
}

func stripGreekAccent(r rune) rune {
	switch r {
	case 'ά':
		return 'α'
	case 'έ':
		return 'ε'
	case 'ή':
		return 'η'
	case 'ί', 'ϊ', 'ΐ':
		return 'ι'
	case 'ό':
		return 'ο'
	case 'ύ', 'ϋ', 'ΰ':
		return 'υ'
	case 'ώ':
		return 'ω'
	}
	return r
}

// Arabic, Persian and Urdu. Short vowels are not written, so common name
// words are looked up whole first.

var arabicWords = map[string]string{
	"محمد": "muhammad", "احمد": "ahmad", "علي": "ali", "حسن": "hasan", "حسين": "husayn", "عبد": "abd",
	"الله": "allah", "عبدالله": "abdallah", "بن": "bin", "ابن": "bin", "بنت": "bint", "ابو": "abu", "عمر": "umar",
	"عثمان": "uthman", "خالد": "khalid", "يوسف": "yusuf", "ابراهيم": "ibrahim", "اسامة": "usama",
	"مصطفى": "mustafa", "محمود": "mahmud", "سعيد": "said", "صالح": "salih", "ناصر": "nasir",
	"بشار": "bashar", "الاسد": "al asad", "اسد": "asad", "عبدالرحمن": "abd al rahman", "الرحمن": "al rahman",
	"رحمن": "rahman", "فاطمة": "fatima", "عائشة": "aisha", "يحيى": "yahya", "موسى": "musa", "عيسى": "isa",
	"جمال": "jamal", "كمال": "kamal", "سليمان": "sulayman", "قاسم": "qasim", "حمزة": "hamza",
	"لادن": "ladin", "القذافي": "al qadhafi", "قذافي": "qadhafi", "معمر": "muammar", "صدام": "saddam",
	"نصر": "nasr", "الله،": "allah",
}

var arabicLetters = map[rune]string{
	'ا': "a", 'أ': "a", 'إ': "i", 'آ': "a", 'ٱ': "a", 'ب': "b", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "h",
	'خ': "kh", 'د': "d", 'ذ': "dh", 'ر': "r", 'ز': "z", 'س': "s", 'ش': "sh", 'ص': "s", 'ض': "d",
	'ط': "t", 'ظ': "z", 'ع': "", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k", 'ل': "l", 'م': "m", 'ن': "n",
	'ه': "h", 'ة': "a", 'ى': "a", 'ء': "", 'ؤ': "u", 'ئ': "y",
	// Persian and Urdu.
	'پ': "p", 'چ': "ch", 'ژ': "zh", 'گ': "g", 'ک': "k", 'ٹ': "t", 'ڈ': "d", 'ڑ': "r", 'ں': "n",
	'ہ': "h", 'ھ': "h", 'ے': "e", 'ۃ': "a",
}

func arabicToLatin(rs []rune) string {
	// Normalise alef forms and drop harakat and tatweel.
	var clean []rune
	for _, r := range rs {
		switch {
		case r >= 0x064B && r <= 0x065F, r == 0x0670, r == 0x0640:
			continue
		case r == 'أ' || r == 'إ' || r == 'آ' || r == 'ٱ':
			clean = append(clean, 'ا')
		case r == 'ی' || r == 'ێ':
			clean = append(clean, 'ي')
		case r == 'ک':
			clean = append(clean, 'ك')
		default:
			clean = append(clean, r)
		}
	}
	w := string(clean)
	if s, ok := arabicWords[w]; ok {
		return s
	}
	prefix := ""
	if strings.HasPrefix(w, "ال") && len(clean) > 3 {
		prefix = "al "
		clean = clean[2:]
		if s, ok := arabicWords[string(clean)]; ok {
			return prefix + s
		}
	}
	var b strings.Builder
	b.WriteString(prefix)
	for i, r := range clean {
		switch r {
		case 'و':
			if i == 0 || (i > 0 && clean[i-1] == 'و') || (i+1 < len(clean) && isArabicLongVowel(clean[i+1])) {
				b.WriteString("w")
			} else {
				b.WriteString("u")
			}
		case 'ي':
			if i == 0 || (i+1 < len(clean) && isArabicLongVowel(clean[i+1])) {
				b.WriteString("y")
			} else {
				b.WriteString("i")
			}
		default:
			if s, ok := arabicLetters[r]; ok {
				b.WriteString(s)
			} else {
				b.WriteString(latinLetter(r))
			}
		}
	}
	return b.String()
}

func isArabicLongVowel(r rune) bool { return r == 'ا' || r == 'و' || r == 'ي' }

// Hebrew.

var hebrewLetters = map[rune]string{
	'א': "a", 'ב': "b", 'ג': "g", 'ד': "d", 'ה': "h", 'ז': "z", 'ח': "kh", 'ט': "t", 'י': "i",
	'כ': "k", 'ך': "kh", 'ל': "l", 'מ': "m", 'ם': "m", 'נ': "n", 'ן': "n", 'ס': "s", 'ע': "",
	'פ': "f", 'ף': "f", 'צ': "ts", 'ץ': "ts", 'ק': "k", 'ר': "r", 'ש': "sh", 'ת': "t",
}

func hebrewToLatin(rs []rune) string {
	var b strings.Builder
	for i, r := range rs {
		switch {
		case r >= 0x0591 && r <= 0x05C7: // points
			continue
		case r == 'ו':
			if i == 0 {
				b.WriteString("v")
			} else if i+1 < len(rs) && rs[i+1] == 'ו' {
				b.WriteString("v")
			} else if i > 0 && rs[i-1] == 'ו' {
				continue
			} else {
				b.WriteString("u")
			}
		case r == 'פ' && i == 0:
			b.WriteString("p")
		case r == 'ב' && i > 0:
			b.WriteString("v")
		case r == 'י' && i == 0:
			b.WriteString("y")
		default:
			if s, ok := hebrewLetters[r]; ok {
				b.WriteString(s)
			} else {
				b.WriteString(latinLetter(r))
			}
		}
	}
	return b.String()
}

// Armenian.

var armenian = map[rune]string{
	'ա': "a", 'բ': "b", 'գ': "g", 'դ': "d", 'ե': "e", 'զ': "z", 'է': "e", 'ը': "e", 'թ': "t",
	'ժ': "zh", 'ի': "i", 'լ': "l", 'խ': "kh", 'ծ': "ts", 'կ': "k", 'հ': "h", 'ձ': "dz", 'ղ': "gh",
	'ճ': "ch", 'մ': "m", 'յ': "y", 'ն': "n", 'շ': "sh", 'ո': "o", 'չ': "ch", 'պ': "p", 'ջ': "j",
	'ռ': "r", 'ս': "s", 'վ': "v", 'տ': "t", 'ր': "r", 'ց': "ts", 'ւ': "v", 'փ': "p", 'ք': "k",
	'օ': "o", 'ֆ': "f", 'և': "ev",
}

func armenianToLatin(rs []rune, i *int) string {
	r := unicode.ToLower(rs[*i])
	if r == 'ո' && *i+1 < len(rs) && unicode.ToLower(rs[*i+1]) == 'ւ' {
		*i++
		return "u"
	}
	return armenian[r]
}

// Georgian (Mkhedruli; Mtavruli capitals folded).

var georgian = [...]string{
	"a", "b", "g", "d", "e", "v", "z", "t", "i", "k", "l", "m", "n", "o", "p", "zh", "r", "s", "t", "u",
	"p", "k", "gh", "q", "sh", "ch", "ts", "dz", "ts", "ch", "kh", "j", "h", "e", "y", "u", "q", "o", "f",
}

func georgianIndex(r rune) int {
	switch {
	case r >= 0x1C90 && r <= 0x1CBF:
		r = r - 0x1C90 + 0x10D0
	case r >= 0x10A0 && r <= 0x10C5:
		r = r - 0x10A0 + 0x10D0
	}
	i := int(r - 0x10D0)
	if i < 0 || i >= len(georgian) {
		return 0
	}
	return i
}

// Brahmic scripts share the ISCII layout, so one table by offset within
// the 128-code-point block serves Devanagari, Bengali, Gurmukhi, Gujarati,
// Oriya, Tamil, Telugu, Kannada and Malayalam.

var brahmicVowels = map[int]string{
	0x05: "a", 0x06: "a", 0x07: "i", 0x08: "i", 0x09: "u", 0x0A: "u", 0x0B: "ri", 0x0E: "e", 0x0F: "e",
	0x10: "ai", 0x12: "o", 0x13: "o", 0x14: "au",
}

var brahmicConsonants = map[int]string{
	0x15: "k", 0x16: "kh", 0x17: "g", 0x18: "gh", 0x19: "n", 0x1A: "ch", 0x1B: "chh", 0x1C: "j", 0x1D: "jh",
	0x1E: "n", 0x1F: "t", 0x20: "th", 0x21: "d", 0x22: "dh", 0x23: "n", 0x24: "t", 0x25: "th", 0x26: "d",
	0x27: "dh", 0x28: "n", 0x29: "n", 0x2A: "p", 0x2B: "ph", 0x2C: "b", 0x2D: "bh", 0x2E: "m", 0x2F: "y",
	0x30: "r", 0x31: "r", 0x32: "l", 0x33: "l", 0x34: "l", 0x35: "v", 0x36: "sh", 0x37: "sh", 0x38: "s", 0x39: "h",
}

var brahmicSigns = map[int]string{
	0x3E: "a", 0x3F: "i", 0x40: "i", 0x41: "u", 0x42: "u", 0x43: "ri", 0x46: "e", 0x47: "e", 0x48: "ai",
	0x4A: "o", 0x4B: "o", 0x4C: "au",
}

func brahmicToLatin(rs []rune, i *int) string {
	r := rs[*i]
	off := int(r-0x0900) % 0x80
	if s, ok := brahmicVowels[off]; ok {
		return s
	}
	switch off {
	case 0x01, 0x02: // candrabindu, anusvara
		return "n"
	case 0x03: // visarga
		return "h"
	}
	c, ok := brahmicConsonants[off]
	if !ok {
		return ""
	}
	// Look at what follows the consonant (skipping a nukta).
	j := *i + 1
	if j < len(rs) && isBrahmic(rs[j]) && int(rs[j]-0x0900)%0x80 == 0x3C {
		j++
	}
	if j < len(rs) && isBrahmic(rs[j]) {
		next := int(rs[j]-0x0900) % 0x80
		if next == 0x4D { // virama: no vowel
			*i = j
			return c
		}
		if v, ok := brahmicSigns[next]; ok {
			*i = j
			return c + v
		}
		if next == 0x01 || next == 0x02 {
			return c + "a"
		}
		if _, ok := brahmicConsonants[next]; ok {
			return c + "a"
		}
	}
	// Word-final inherent vowel is usually silent in names.
	return c
}

func isBrahmic(r rune) bool { return r >= 0x0900 && r <= 0x0D7F }

// Hangul, Revised Romanization, with an optional loanword reading.

var (
	hangulL = [...]string{"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"}
	hangulV = [...]string{"a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"}
	hangulT = [...]string{"", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "p", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"}
)

func hangulToLatin(rs []rune, loan bool) string {
	var b strings.Builder
	prevFinalL := false
	for _, r := range rs {
		if r < 0xAC00 || r > 0xD7A3 {
			b.WriteString(latinLetter(r))
			prevFinalL = false
			continue
		}
		s := int(r - 0xAC00)
		l, v, t := s/(21*28), (s%(21*28))/28, s%28
		lead, vow, tail := hangulL[l], hangulV[v], hangulT[t]
		if lead == "r" && prevFinalL {
			lead = "" // ㄹㄹ is one l
		}
		if loan {
			if vow == "eu" { // inserted vowel in foreign words: 블 = bl, 르 = r
				vow = ""
			}
		}
		b.WriteString(lead + vow + tail)
		prevFinalL = tail == "l"
	}
	return b.String()
}

// Japanese kana (Hepburn), katakana folded onto hiragana.

var kana = map[rune]string{
	'あ': "a", 'い': "i", 'う': "u", 'え': "e", 'お': "o", 'か': "ka", 'き': "ki", 'く': "ku", 'け': "ke", 'こ': "ko",
	'が': "ga", 'ぎ': "gi", 'ぐ': "gu", 'げ': "ge", 'ご': "go", 'さ': "sa", 'し': "shi", 'す': "su", 'せ': "se", 'そ': "so",
	'ざ': "za", 'じ': "ji", 'ず': "zu", 'ぜ': "ze", 'ぞ': "zo", 'た': "ta", 'ち': "chi", 'つ': "tsu", 'て': "te", 'と': "to",
	'だ': "da", 'ぢ': "ji", 'づ': "zu", 'で': "de", 'ど': "do", 'な': "na", 'に': "ni", 'ぬ': "nu", 'ね': "ne", 'の': "no",
	'は': "ha", 'ひ': "hi", 'ふ': "fu", 'へ': "he", 'ほ': "ho", 'ば': "ba", 'び': "bi", 'ぶ': "bu", 'べ': "be", 'ぼ': "bo",
	'ぱ': "pa", 'ぴ': "pi", 'ぷ': "pu", 'ぺ': "pe", 'ぽ': "po", 'ま': "ma", 'み': "mi", 'む': "mu", 'め': "me", 'も': "mo",
	'や': "ya", 'ゆ': "yu", 'よ': "yo", 'ら': "ra", 'り': "ri", 'る': "ru", 'れ': "re", 'ろ': "ro", 'わ': "wa", 'ゐ': "wi",
	'ゑ': "we", 'を': "o", 'ん': "n", 'ゔ': "vu",
}

var smallKana = map[rune]string{'ぁ': "a", 'ぃ': "i", 'ぅ': "u", 'ぇ': "e", 'ぉ': "o", 'ゃ': "ya", 'ゅ': "yu", 'ょ': "yo", 'ゎ': "wa"}

func kanaToLatin(rs []rune) string {
	var out []string
	double := false
	for _, r := range rs {
		if r >= 0x30A1 && r <= 0x30F6 {
			r -= 0x60
		}
		switch {
		case r == 'っ':
			double = true
			continue
		case r == 'ー' || r == '・':
			continue
		}
		if s, ok := smallKana[r]; ok && len(out) > 0 {
			prev := out[len(out)-1]
			if s[0] == 'y' && strings.HasSuffix(prev, "i") && len(prev) > 1 {
				base := prev[:len(prev)-1]
				if base == "sh" || base == "ch" || base == "j" {
					out[len(out)-1] = base + s[1:]
				} else {
					out[len(out)-1] = base + s
				}
			} else {
				out[len(out)-1] = strings.TrimRight(prev, "aeiou") + s
			}
			continue
		}
		s, ok := kana[r]
		if !ok {
			s = latinLetter(r)
		}
		if double && s != "" {
			s = s[:1] + s
		}
		double = false
		out = append(out, s)
	}
	return strings.Join(out, "")
}

// kanaLoan undoes the usual katakana spelling of foreign names: r for l,
// ji for di, chi for ti, and a final inserted u or o after a consonant.
func kanaLoan(s string) string {
	s = strings.ReplaceAll(s, "chi", "ti")
	s = strings.ReplaceAll(s, "ji", "di")
	s = strings.ReplaceAll(s, "r", "l")
	if n := len(s); n > 2 && (s[n-1] == 'u' || s[n-1] == 'o') && !strings.ContainsRune("aeiou", rune(s[n-2])) {
		s = s[:n-1]
	}
	return s
}
