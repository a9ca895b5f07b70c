package compliance

import (
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"PUTIN, Vladimir Vladimirovich", "putin vladimir vladimirovich"},
		{"Владимир Путин", "vladimir putin"},
		{"Путін Володимир Володимирович", "putin vladimir vladimirovich"},
		{"Уладзімір Пуцін", "vladimir putsin"},
		{"Βλαντίμιρ Πούτιν", "vladimir putin"},
		{"فلاديمير بوتين", "fladimir butin"},
		{"ولادیمیر پوتین", "vladimir putin"},
		{"Վլադիմիր Պուտին", "vladimir putin"},
		{"ვლადიმერ პუტინი", "vladimir putini"},
		{"व्लादिमीर पुतिन", "vladimir putin"},
		{"블라디미르 푸틴", "beuladimireu putin"},
		{"ウラジーミル・プーチン", "urajimiru puchin"},
		{"Vladímír Pútín", "vladimir putin"},
		{"Vladimir Vladimirovič Putin", "vladimir vladimirovich putin"},
		{"Wladimir Wladimirowitsch Putin", "vladimir vladimirovich putin"},
		{"Puтin", "putin"}, // Cyrillic т inside a Latin word
		{"Mr. Mohammed Al-Qadhafi", "muhammad al qadhafi"},
		{"Moammar GADDAFI", "muammar qadhafi"},
		{"Osama bin Laden", "usama bin laden"},
		{"O'BRIEN", "obrien"},
		{"AL-SHAYKH, Muhammad", "al shaykh muhammad"},    // family name, not a title
		{"SHEIKH, Ahmed", "sheikh ahmad"},                // surname part is kept
		{"Dr. Ahmed Sheikh", "ahmad sheikh"},             // the title goes, the surname stays
		{"Alexander LUKASHENKO", "aleksandr lukashenka"}, //
		{"SUEX OTC, S.R.O.", "suex otc llc"},
		{"OOO Газпром", "llc gazprom"},
		{"ООО Газпром", "llc gazprom"},
		{"Open Joint Stock Company Rosneft", "jsc rosneft"},
		{"ROSNEFT OAO", "rosneft jsc"},
		{"HACIENDA, S.A. DE C.V.", "hacienda jsc"},
		{"GLOBAL TRADING COMPNAY LIMITED", "global trading co ltd"},
		{"ＡＢＣ Ｌｔｄ", "abc ltd"}, // fullwidth (NFKC)
		{"Präsident Putin", "putin"},
		{"MAHMUD, Mawlawi Fariduddin", "mahmud fariduddin"},
		{"MEHMOOD, Dr. Bashir Uddin", "mahmud bashir uddin"},
	}
	for _, tt := range tests {
		if got := strings.Join(NormalizeName(tt.in), " "); got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Loanword readings of Hangul and kana.
	for in, want := range map[string]string{"블라디미르 푸틴": "bladimir putin", "ウラジーミル・プーチン": "uladimil putin"} {
		rs := normalizeReadings(in)
		if len(rs) != 2 || strings.Join(rs[1].toks, " ") != want {
			t.Errorf("loan reading of %q = %v, want %q", in, rs, want)
		}
	}
}

func TestTokenSim(t *testing.T) {
	tests := []struct {
		a, b string
		min  float64 // inclusive
		max  float64
	}{
		{"putin", "putin", 1, 1},
		{"vladimir", "wladimir", 0.9, 0.99}, // no first-letter gate
		{"vladimir", "vladimr", 0.95, 0.99},
		{"putin", "poutine", 0.8, 0.95},     // phonetic
		{"fladimir", "vladimir", 0.9, 0.99}, // Arabic f for v
		{"butn", "putin", 0.8, 0.9},         // vowelless, phonetic floor
		{"smith", "jones", 0, 0},
		{"ali", "al", 0, 0}, // too short to compare by spelling
	}
	for _, tt := range tests {
		got := tokenSim(tt.a, tt.b, phoneticKey(tt.a), phoneticKey(tt.b))
		if got < tt.min || got > tt.max {
			t.Errorf("tokenSim(%q, %q) = %.3f, want in [%.2f, %.2f]", tt.a, tt.b, got, tt.min, tt.max)
		}
	}
	for _, p := range [][2]string{{"vladimir", "wladimir"}, {"putin", "poutine"}, {"fladimir", "vladimir"}, {"butin", "putin"}} {
		if phoneticKey(p[0]) != phoneticKey(p[1]) {
			t.Errorf("phoneticKey(%q)=%q != phoneticKey(%q)=%q", p[0], phoneticKey(p[0]), p[1], phoneticKey(p[1]))
		}
	}
	if d := osaDistance("abcd", "acbd", 2); d != 1 {
		t.Errorf("transposition distance %d", d)
	}
	if d := osaDistance("kitten", "sitting", 5); d != 3 {
		t.Errorf("kitten/sitting %d", d)
	}
}

func TestCountryCode(t *testing.T) {
	for in, want := range map[string]string{
		"Russia": "RU", "Korea, North": "KP", "Burma": "MM", "Congo, Democratic Republic of the": "CD",
		"Region: Crimea": "UA", "Cote d Ivoire": "CI", "Bahamas, The": "BS", "undetermined": "",
	} {
		if got := countryCode(in); got != want {
			t.Errorf("countryCode(%q) = %q, want %q", in, got, want)
		}
	}
	if got := countryOfPlace("Tehran, Iran"); got != "IR" {
		t.Errorf("countryOfPlace = %q", got)
	}
}
