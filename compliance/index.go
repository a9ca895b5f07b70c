package compliance

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"
)

// The index finds, for each query word, every listed word (and every
// listed compound of 2–3 adjacent words) whose tokenSim with it is above
// zero, and from those every listed name that can score above zero. It
// never prunes on score: a name is scored whenever one of its words can
// match, so the index returns exactly what a full scan would (proved by
// TestIndexMatchesFullScan). tokenSim is above zero only when the words
// are equal, share a phonetic key, or are within editBudget edits; the
// three lookups below cover those three cases:
//
//   - equal: a map from word to id;
//   - phonetic: a map from phonetic key to ids;
//   - edits: padded bigrams. An OSA edit changes at most 3 padded bigrams
//     (a substitution or indel 2, an adjacent transposition 3), so two
//     words within k edits share at least max(len)+1-3k bigrams (counted
//     as a multiset); every word passing this count filter is checked with
//     the real edit distance.

// nameRec is one listed name (primary or alias) in normalised form.
type nameRec struct {
	entry int32
	name  int16 // index into Entry.Names
	weak  bool
	toks  []int32
	alts  []int32 // spelling before variant folding, -1 when the same
	kinds []tokKind
	comps []compound
	// middle marks words that are middle names or patronymics (after the
	// first given name of "SURNAME, Given Middle"); leaving them out of a
	// query costs less.
	middle uint32
	// surnames marks the words of a surname of two or more words
	// ("ALTAMIRANO LOPEZ, Hector"); when one of them matches, leaving
	// the other out costs like a middle name.
	surnames uint32
	w        []float32 // weight per word (kind and frequency)
}

// compound is the concatenation of 2 or 3 adjacent words of a name.
type compound struct {
	id    int32
	start uint8
	n     uint8
	mask  uint32  // words covered
	w     float32 // their weight
}

type index struct {
	strs   []string
	keys   []string
	ascii  []bool
	weight []float32 // IDF weight of a word, 0.15..1
	df     []int32   // names holding the word
	// compOnly marks ids used only as compounds (never as a word of a
	// name); they match through strictSim.
	compOnly []bool
	post     [][]int32 // word or compound id → names
	byStr    map[string]int32
	byKey    map[string][]int32
	grams    [][]int32 // bigram key → word ids with 6+ letters, sorted by length
	dels     []delKey  // deletion keys of every fuzzy-comparable word, sorted
	delDir   []uint32  // bucket (top delBits of the key) → first index in dels
	names    []nameRec
	exact    map[string][]int32 // joined words → names (for names of initials only)
	// entryNames[e] lists the names of entry e.
	entryNames [][]int32
}

const maxCompound = 3

func buildIndex(entries []Entry) *index {
	ix := &index{byStr: map[string]int32{}, byKey: map[string][]int32{}, exact: map[string][]int32{}}
	ix.entryNames = make([][]int32, len(entries))
	intern := func(s string) int32 {
		if id, ok := ix.byStr[s]; ok {
			return id
		}
		id := int32(len(ix.strs))
		ix.strs = append(ix.strs, s)
		ix.byStr[s] = id
		return id
	}
	var df []int32
	for ei := range entries {
		e := &entries[ei]
		seen := map[string]bool{}
		add := func(name string, pos int, weak bool) {
			rs := normalizeReadings(name)
			if len(rs) == 0 {
				return
			}
			n := rs[0]
			if len(n.toks) > 32 {
				n.toks, n.kinds, n.alts = n.toks[:32], n.kinds[:32], n.alts[:32]
			}
			key := strings.Join(n.toks, " ")
			if seen[key] || (weak && seen["!"+key]) {
				return
			}
			seen[key] = true
			if !weak {
				seen["!"+key] = true
			}
			rec := nameRec{entry: int32(ei), name: int16(pos), weak: weak, kinds: n.kinds}
			if e.Type == TypeIndividual && n.surname > 0 {
				var sur uint32
				nsur := 0
				for i, o := range n.origin {
					if o > n.surname {
						rec.middle |= 1 << i
					}
					if o < n.surname && n.kinds[i] == kindName {
						sur |= 1 << i
						nsur++
					}
				}
				if nsur >= 2 {
					rec.surnames = sur
				}
			}
			for i, t := range n.toks {
				rec.toks = append(rec.toks, intern(t))
				alt := int32(-1)
				if n.alts[i] != "" {
					alt = intern(n.alts[i])
				}
				rec.alts = append(rec.alts, alt)
			}
			for start := 0; start < len(n.toks); start++ {
				for l := 2; l <= maxCompound && start+l <= len(n.toks); l++ {
					ok := true
					for k := start; k < start+l; k++ {
						if n.kinds[k] == kindLegal {
							ok = false
						}
					}
					if !ok {
						break
					}
					s := strings.Join(n.toks[start:start+l], "")
					rec.comps = append(rec.comps, compound{id: intern(s), start: uint8(start), n: uint8(l)})
				}
			}
			ni := int32(len(ix.names))
			ix.names = append(ix.names, rec)
			if !hasRetrievable(n.kinds) {
				ix.exact[key] = append(ix.exact[key], ni)
			}
			ix.entryNames[ei] = append(ix.entryNames[ei], ni)
		}
		// Primary name, then aliases, then weak aliases: a name listed
		// twice keeps its strongest kind.
		for _, kind := range [...]NameKind{NamePrimary, NameAlias, NameWeak} {
			for i, nm := range e.Names {
				if nm.Kind == kind {
					add(nm.Name, i, kind == NameWeak)
				}
			}
		}
	}
	nv := len(ix.strs)
	df = make([]int32, nv)
	ix.post = make([][]int32, nv)
	last := make([]int32, nv)
	for i := range last {
		last[i] = -1
	}
	for ni := range ix.names {
		n := &ix.names[ni]
		for _, id := range n.toks {
			if last[id] != int32(ni) {
				last[id] = int32(ni)
				df[id]++
				ix.post[id] = append(ix.post[id], int32(ni))
			}
		}
		for _, id := range n.alts {
			if id >= 0 && last[id] != int32(ni) {
				last[id] = int32(ni)
				ix.post[id] = append(ix.post[id], int32(ni))
			}
		}
		for _, c := range n.comps {
			if last[c.id] != int32(ni) {
				last[c.id] = int32(ni)
				ix.post[c.id] = append(ix.post[c.id], int32(ni))
			}
		}
	}
	// Trim posting capacity.
	for i, p := range ix.post {
		ix.post[i] = p[:len(p):len(p)]
	}
	ix.df = df
	ix.weight = make([]float32, nv)
	total := float64(len(ix.names) + 1)
	for i := range ix.weight {
		ix.weight[i] = idfWeight(int(df[i]), total) * lengthFactor(len(ix.strs[i]))
	}
	ix.compOnly = make([]bool, nv)
	for i := range ix.compOnly {
		ix.compOnly[i] = true
	}
	for _, n := range ix.names {
		for _, id := range n.toks {
			ix.compOnly[id] = false
		}
		for _, id := range n.alts {
			if id >= 0 {
				ix.compOnly[id] = false
			}
		}
	}
	for ni := range ix.names {
		n := &ix.names[ni]
		n.w = make([]float32, len(n.toks))
		for j, id := range n.toks {
			n.w[j] = kindWeight(n.kinds[j], ix.weight[id])
		}
		for ci := range n.comps {
			c := &n.comps[ci]
			for k := int(c.start); k < int(c.start+c.n); k++ {
				c.mask |= 1 << k
				c.w += n.w[k]
			}
		}
	}
	ix.keys = make([]string, nv)
	ix.ascii = make([]bool, nv)
	order := make([]int32, nv)
	for i, s := range ix.strs {
		ix.ascii[i] = isASCII(s)
		if k := phoneticKey(s); k != "" && !ix.compOnly[i] {
			ix.keys[i] = k
			ix.byKey[k] = append(ix.byKey[k], int32(i))
		}
		order[i] = int32(i)
	}
	sort.SliceStable(order, func(a, b int) bool { return len(ix.strs[order[a]]) < len(ix.strs[order[b]]) })
	ix.grams = make([][]int32, gramKeys)
	var buf []uint32
	for _, id := range order {
		s := ix.strs[id]
		if len(s) < minFuzzyLen || !ix.ascii[id] || len(s) > maxFuzzyLen {
			continue
		}
		for i := -1; i < len(s); i++ {
			ix.dels = append(ix.dels, delKey{key: hashSkip(s, i), id: id})
		}
		if len(s) < 6 || ix.compOnly[id] {
			continue
		}
		buf = bigrams(s, buf[:0])
		for _, g := range buf {
			ix.grams[g] = append(ix.grams[g], id)
		}
	}
	slices.SortFunc(ix.dels, func(a, b delKey) int { return cmp.Compare(a.key, b.key) })
	ix.delDir = make([]uint32, 1<<delBits+1)
	b := 0
	for i, d := range ix.dels {
		for bk := int(d.key >> (64 - delBits)); b <= bk; b++ {
			ix.delDir[b] = uint32(i)
		}
	}
	for ; b <= 1<<delBits; b++ {
		ix.delDir[b] = uint32(len(ix.dels))
	}
	return ix
}

const delBits = 20

// known reports whether w is a word of a listed name.
func (ix *index) known(w string) bool {
	id, ok := ix.byStr[w]
	return ok && ix.df[id] > 0
}

// sim is the similarity of a query word or compound with listed id, as
// both the index and the full scan define it.
func (ix *index) sim(w, key string, comp bool, id int32) float64 {
	if comp || ix.compOnly[id] {
		return strictSim(w, ix.strs[id])
	}
	if !ix.ascii[id] || !isASCII(w) {
		if w == ix.strs[id] {
			return 1
		}
		return 0
	}
	return tokenSim(w, ix.strs[id], key, ix.keys[id])
}

// delKey maps a deletion key (hashSkip) to a word.
type delKey struct {
	key uint64
	id  int32
}

// idfWeight maps document frequency to a weight in [0.15, 1]: a word in
// one name weighs 1, a word in every name 0.15.
func idfWeight(df int, total float64) float32 {
	w := math.Log(total/float64(df+1)) / math.Log(total)
	return float32(min(1, max(0.15, w)))
}

// lengthFactor lowers the weight of two-letter words, which carry less
// evidence ("li", "ma", "al").
func lengthFactor(n int) float32 {
	if n <= 2 {
		return 0.7
	}
	return 1
}

// hasRetrievable reports whether a name has a word the index looks up;
// names without one (all initials, particles or legal words) are found by
// their exact spelling only.
func hasRetrievable(kinds []tokKind) bool {
	for _, k := range kinds {
		if k == kindName {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

const gramAlphabet = 37 // pad, a-z, 0-9

const gramKeys = gramAlphabet * gramAlphabet * 8

func gramCode(c byte) uint32 {
	switch {
	case c >= 'a' && c <= 'z':
		return uint32(c-'a') + 1
	case c >= '0' && c <= '9':
		return uint32(c-'0') + 27
	}
	return 0
}

// bigrams appends the padded bigram keys of s, each numbered by its
// occurrence (up to 8) so that counting shared keys counts the multiset
// intersection.
func bigrams(s string, out []uint32) []uint32 {
	var seen [gramAlphabet * gramAlphabet]uint8
	prev := uint32(0)
	for i := 0; i <= len(s); i++ {
		cur := uint32(0)
		if i < len(s) {
			cur = gramCode(s[i])
		}
		g := prev*gramAlphabet + cur
		occ := seen[g]
		if occ < 7 {
			seen[g]++
		}
		out = append(out, g*8+uint32(occ))
		prev = cur
	}
	return out
}
