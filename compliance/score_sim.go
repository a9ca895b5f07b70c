package compliance

// Token similarity: Jaro-Winkler, optimal-string-alignment edit distance
// and a phonetic key, all implemented here on the normalised (ASCII) words.

// jaroWinkler returns the Jaro-Winkler similarity of a and b (prefix scale
// 0.1, up to 4 characters) in [0, 1].
func jaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	if la > lb {
		a, b, la, lb = b, a, lb, la
	}
	window := lb/2 - 1
	if window < 0 {
		window = 0
	}
	var ma, mb [64]bool
	if lb > 64 {
		return jaroWinklerSlow(a, b)
	}
	m := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-window), min(lb-1, i+window)
		for j := lo; j <= hi; j++ {
			if !mb[j] && a[i] == b[j] {
				ma[i], mb[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	t, j := 0, 0
	for i := 0; i < la; i++ {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if a[i] != b[j] {
			t++
		}
		j++
	}
	fm := float64(m)
	jaro := (fm/float64(la) + fm/float64(lb) + (fm-float64(t)/2)/fm) / 3
	p := 0
	for p < 4 && p < la && a[p] == b[p] {
		p++
	}
	return jaro + float64(p)*0.1*(1-jaro)
}

func jaroWinklerSlow(a, b string) float64 {
	// Names longer than 64 bytes: compare their first 64 bytes; such
	// "tokens" are compounds or codes and only matter when nearly equal.
	return jaroWinkler(a[:min(64, len(a))], b[:min(64, len(b))])
}

// osaDistance returns the optimal-string-alignment distance (Levenshtein
// plus adjacent transpositions) of a and b, or k+1 when it exceeds k.
func osaDistance(a, b string, k int) int {
	la, lb := len(a), len(b)
	if abs(la-lb) > k {
		return k + 1
	}
	if la == 0 || lb == 0 {
		return max(la, lb)
	}
	const maxLen = 64
	if la >= maxLen || lb >= maxLen {
		if a == b {
			return 0
		}
		return k + 1
	}
	var rows [3][maxLen + 1]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= lb; j++ {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > k {
			return k + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if prev[lb] > k {
		return k + 1
	}
	return prev[lb]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// editBudget is the largest edit distance at which two words are still
// compared by spelling: 1, or 2 when the longer has 8+ letters and the
// shorter 6+.
func editBudget(minLen, maxLen int) int {
	if maxLen >= 8 && minLen >= 6 {
		return 2
	}
	return 1
}

// minFuzzyLen is the shortest word compared by spelling; shorter words
// match exactly, phonetically (3+) or as initials.
const minFuzzyLen = 3

// maxFuzzyLen is the longest word compared by spelling.
const maxFuzzyLen = 40

// phoneticFloor is the similarity given to two words with the same
// phonetic key whatever their spelling distance.
const phoneticFloor = 0.80

// phoneticKey is a consonant skeleton tuned for names transliterated from
// many scripts: vowels dropped (an initial vowel is kept as "A"), h silent,
// b/p, f/v/w, d/t, c/k/q/g, s/z/ts and the sh/ch/zh families merged, and
// repeated codes collapsed. "Vladimir", "Wladimir" and Arabic "Fladimir"
// give FLTMR; "Putin", "Poutine" and Arabic "Butin" give PTN. Words shorter
// than 3 letters or with non-ASCII letters have no key.
func phoneticKey(t string) string {
	n := len(t)
	if n < 3 {
		return ""
	}
	for i := 0; i < n; i++ {
		c := t[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return ""
		}
	}
	out := make([]byte, 0, n)
	var prev byte
	emit := func(c byte) {
		if c != prev {
			out = append(out, c)
		}
		prev = c
	}
	at := func(i int) byte {
		if i < n {
			return t[i]
		}
		return 0
	}
	i := 0
	if isVowel(t[0]) {
		emit('A')
		for i < n && isVowel(t[i]) {
			i++
		}
	}
	for i < n {
		c := t[i]
		switch c {
		case 'a', 'e', 'i', 'o', 'u', 'y':
			prev = 0
		case 'h':
			// silent
		case 'b':
			emit('P')
		case 'p':
			if at(i+1) == 'h' {
				emit('F')
				i++
			} else {
				emit('P')
			}
		case 'f', 'v', 'w':
			emit('F')
		case 'd':
			if at(i+1) == 'j' || (at(i+1) == 'z' && at(i+2) == 'h') {
				emit('J')
				i++
				if t[i] == 'z' {
					i++
				}
			} else {
				emit('T')
			}
		case 't':
			switch {
			case at(i+1) == 's' && at(i+2) == 'c' && at(i+3) == 'h':
				emit('X')
				i += 3
			case at(i+1) == 'c' && at(i+2) == 'h':
				emit('X')
				i += 2
			case at(i+1) == 's' || at(i+1) == 'z':
				emit('S')
				i++
			case at(i+1) == 'h':
				emit('T')
				i++
			default:
				emit('T')
			}
		case 'c':
			switch nx := at(i + 1); {
			case nx == 'h', nx == 'z', nx == 's':
				emit('X')
				i++
			case nx == 'k':
				emit('K')
				i++
			case nx == 'e' || nx == 'i' || nx == 'y':
				emit('S')
			default:
				emit('K')
			}
		case 's':
			switch {
			case at(i+1) == 'c' && at(i+2) == 'h':
				emit('X')
				i += 2
			case at(i+1) == 'h' || at(i+1) == 'z':
				emit('X')
				i++
			default:
				emit('S')
			}
		case 'z':
			if at(i+1) == 'h' {
				emit('J')
				i++
			} else {
				emit('S')
			}
		case 'j':
			emit('J')
		case 'g':
			if at(i+1) == 'h' {
				i++
			}
			emit('K')
		case 'k', 'q':
			if at(i+1) == 'h' {
				i++
			}
			emit('K')
		case 'x':
			emit('K')
			emit('S')
		case 'l':
			emit('L')
		case 'r':
			emit('R')
		case 'm':
			emit('M')
		case 'n':
			emit('N')
		default: // digits
			emit(c)
		}
		i++
	}
	if len(out) < 3 {
		return "" // too short to mean anything ("AL", "KN")
	}
	return string(out)
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// tokenSim is the similarity of two normalised words in [0, 1]:
// 1 when equal; otherwise Jaro-Winkler, but only when the words are
// within editBudget edits of each other (both at least minFuzzyLen long)
// or share a phonetic key, in which case it is at least phoneticFloor.
// Everything else is 0. The index relies on exactly these conditions to
// find every pair with a similarity above 0 (see index.go).
func tokenSim(a, b string, keyA, keyB string) float64 {
	if a == b {
		return 1
	}
	la, lb := len(a), len(b)
	phon := keyA != "" && keyA == keyB
	fuzzy := false
	if min(la, lb) >= minFuzzyLen && max(la, lb) <= maxFuzzyLen && isASCII(a) && isASCII(b) {
		k := editBudget(min(la, lb), max(la, lb))
		fuzzy = osaDistance(a, b, k) <= k
	}
	if !fuzzy && !phon {
		return 0
	}
	j := jaroWinkler(a, b)
	if phon && j < phoneticFloor {
		j = phoneticFloor
	}
	return j
}

// strictSim is tokenSim for joined words (compounds on either side): equal,
// or within one edit; no phonetic match and no second edit. Compounds are
// long and would otherwise meet many unrelated words.
func strictSim(a, b string) float64 {
	if a == b {
		return 1
	}
	if min(len(a), len(b)) < minFuzzyLen || max(len(a), len(b)) > maxFuzzyLen || !isASCII(a) || !isASCII(b) {
		return 0
	}
	if osaDistance(a, b, 1) > 1 {
		return 0
	}
	return jaroWinkler(a, b)
}
