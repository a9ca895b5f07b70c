package compliance

import (
	"strings"
	"sync"
)

// Name matching: a query name against one listed name.
//
// Both names are lists of normalised words. Query "units" are its words
// plus every compound of 2–3 adjacent words (so "bin laden" meets
// "binladen"); listed names carry the same compounds. Every pair of a
// query unit and a listed unit gets a similarity (tokenSim; initials match
// words with the same first letter; particles and legal forms match only
// themselves). Pairs are then aligned greedily, best first, each word used
// once, in any order. The score is
//
//	Σ c·sim / (Σ c + λq·(weight of unmatched query words) + λn·(weight of unmatched listed words))
//
// where c is the mean weight of the pair's words. Weights come from word
// frequency in the list (generic words such as "company", "trading" or
// "muhammad" weigh less), so an exact match scores 1.0 whatever the words,
// a missing middle name costs little (λn), an extra given name in the query
// costs more (λq), and a single rare word never makes a full match of a
// longer listed name. A name scores 0 unless at least one pair of ordinary
// words (not particles, legal forms or initials) matches.

const (
	lambdaQuery  = 0.35 // unmatched query words
	lambdaListed = 0.5  // unmatched listed words
	lambdaMiddle = 0.2  // unmatched listed middle names and patronymics
	initialSim   = 0.9  // "v" against "vladimir"
	particleW    = 0.25 // weight factor of particles
	legalW       = 0.1  // weight of legal forms
	initialW     = 0.3  // weight of initials
	unknownW     = 1.0  // weight of a query word the list does not know
	maxQueryToks = 16
	// compoundMinSim is the least similarity at which joined words count
	// ("binladen" for "bin laden"); below it they would add noise.
	compoundMinSim = 0.95
)

// sameWords reports whether query and name have the same words (any
// order); names made only of initials, particles or legal words match
// this way.
func sameWords(p *prepared, n *nameRec) bool {
	if len(p.units) == 0 || len(p.toks) != len(n.toks) {
		return false
	}
	var used uint32
	for i := range p.toks {
		id := p.units[i].exactID
		found := false
		for j, nid := range n.toks {
			if used&(1<<j) == 0 && nid == id {
				used |= 1 << j
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// qUnit is a query word or compound.
type qUnit struct {
	s       string
	key     string
	ascii   bool
	kind    tokKind
	mask    uint32 // query words covered
	exactID int32  // vocabulary id of s, or -1
	comp    bool
	// known: the word is itself a listed word, so a different listed
	// word near it is less likely a typo of it.
	known bool
	// alt is the spelling before variant folding ("mohamed" for
	// "muhammad"), matched as well; "" when the same.
	alt      string
	altKey   string
	altASCII bool
}

// prepared is one reading of a query, ready to match.
type prepared struct {
	toks       []string
	kinds      []tokKind
	w          []float32 // weight per word
	units      []qUnit
	uw         []float32 // weight per unit (sum over its words)
	hasInitial bool      // a word is an initial, particle or legal form
	titled     bool      // a title was dropped from the query
	nameWords  int       // ordinary words (not particles, legal forms, initials)
	script     bool      // the query was written in another script than Latin
}

func (ix *index) prepare(n normName) *prepared {
	p := &prepared{toks: n.toks, kinds: n.kinds, titled: n.titled, script: n.script}
	if len(p.toks) > maxQueryToks {
		p.toks, p.kinds = p.toks[:maxQueryToks], p.kinds[:maxQueryToks]
	}
	p.w = make([]float32, len(p.toks))
	for i, t := range p.toks {
		id, ok := ix.byStr[t]
		w := float32(unknownW) * lengthFactor(len(t))
		if ok && ix.df[id] > 0 {
			w = ix.weight[id]
		}
		p.w[i] = kindWeight(p.kinds[i], w)
		u := qUnit{s: t, key: phoneticKey(t), ascii: isASCII(t), kind: p.kinds[i], mask: 1 << i, exactID: -1}
		if ok {
			u.exactID = id
			u.known = ix.df[id] > 0
		}
		if i < len(n.alts) && n.alts[i] != "" {
			u.alt, u.altKey, u.altASCII = n.alts[i], phoneticKey(n.alts[i]), isASCII(n.alts[i])
		} else if a := baltic(t); a != "" && u.kind == kindName {
			u.alt, u.altKey, u.altASCII = a, phoneticKey(a), true
		}
		p.units = append(p.units, u)
	}
	for start := range p.toks {
		s := p.toks[start]
		for l := 2; l <= maxCompound && start+l <= len(p.toks); l++ {
			if p.kinds[start+l-1] == kindLegal || p.kinds[start] == kindLegal {
				break
			}
			s += p.toks[start+l-1]
			u := qUnit{s: s, key: phoneticKey(s), ascii: isASCII(s), kind: kindName, exactID: -1, comp: true}
			for k := start; k < start+l; k++ {
				u.mask |= 1 << k
			}
			if id, ok := ix.byStr[s]; ok {
				u.exactID = id
			}
			p.units = append(p.units, u)
		}
	}
	p.uw = make([]float32, len(p.units))
	for ui, u := range p.units {
		for k := range p.toks {
			if u.mask&(1<<k) != 0 {
				p.uw[ui] += p.w[k]
			}
		}
	}
	for _, k := range p.kinds {
		if k != kindName {
			p.hasInitial = true
		} else {
			p.nameWords++
		}
	}
	return p
}

func kindWeight(k tokKind, w float32) float32 {
	switch k {
	case kindParticle:
		return w * particleW
	case kindLegal:
		return legalW
	case kindInitial:
		return initialW
	}
	return w
}

// retrievable reports whether a unit is looked up in the index. Particles,
// legal forms and initials only ever add to a name found through another
// word (a name matched only by them scores 0).
func (u *qUnit) retrievable() bool { return u.kind == kindName }

// simSource gives the similarities of all query units to listed word id:
// from the per-query table filled by the index lookups (or the full
// scan), or computed directly (full, for explanations).
type simSource struct {
	ix   *index
	sc   *scratch
	p    *prepared
	full bool
	tmp  []float32
}

// row returns the similarities of every unit to id, or nil when none.
func (s *simSource) row(id int32) []float32 {
	if s.full {
		// A fresh row each time: nameScore holds a word's row while it
		// asks for its alternative spelling's.
		s.tmp = nil
		any := false
		for ui := range s.p.units {
			q := &s.p.units[ui]
			v := float32(0)
			if q.retrievable() {
				v = float32(s.ix.sim(q.s, q.key, q.comp, id))
				if q.alt != "" {
					v = max(v, float32(s.ix.sim(q.alt, q.altKey, false, id)))
				}
			}
			any = any || v > 0
			s.tmp = append(s.tmp, v)
		}
		if !any {
			return nil
		}
		return s.tmp
	}
	slot := s.sc.mark[id]
	if slot == 0 {
		return nil
	}
	n := len(s.p.units)
	return s.sc.rows[int(slot-1)*n : int(slot)*n]
}

// pair is a candidate alignment of a query unit and a listed unit.
type pair struct {
	sim   float32
	c     float32
	qmask uint32
	nmask uint32
	u     int16   // query unit
	v     int16   // listed unit: word index, or -1-compound index
	extra float32 // added to the denominator when chosen (initials)
}

// nameScore scores prepared query p against listed name n. When detail is
// non-nil it receives the chosen pairs.
func (ix *index) nameScore(p *prepared, n *nameRec, src *simSource, buf []pair, detail *[]pair) (float64, []pair) {
	pairs := buf[:0]
	anchor := false
	var altRow []float32
	for j, id := range n.toks {
		nk := n.kinds[j]
		bw := n.w[j]
		if nk == kindName {
			row := src.row(id)
			if alt := n.alts[j]; alt >= 0 {
				if ar := src.row(alt); ar != nil {
					if row == nil {
						row = ar
					} else {
						altRow = append(altRow[:0], row...)
						for k, v := range ar {
							altRow[k] = max(altRow[k], v)
						}
						row = altRow
					}
				}
			}
			if row != nil {
				for ui, s := range row {
					u := &p.units[ui]
					if s <= 0 || u.kind != kindName {
						continue
					}
					if u.comp && s < compoundMinSim {
						continue
					}
					if s < 1 && !u.comp {
						s = calibrate(s, u, ix.strs[id], ix.keys[id], p.script)
					}
					anchor = true
					pairs = append(pairs, pair{sim: s, c: (p.uw[ui] + bw) / 2, qmask: u.mask, nmask: 1 << j, u: int16(ui), v: int16(j)})
				}
			}
			if !p.hasInitial {
				continue
			}
		}
		for ui := range p.units {
			u := &p.units[ui]
			if u.comp {
				continue
			}
			uw := p.uw[ui]
			switch {
			case u.kind == kindLegal || nk == kindLegal, u.kind == kindParticle || nk == kindParticle:
				if u.exactID == id && (u.kind == nk || u.kind != kindLegal && nk != kindLegal) {
					pairs = append(pairs, pair{sim: 1, c: (uw + bw) / 2, qmask: u.mask, nmask: 1 << j, u: int16(ui), v: int16(j)})
				}
			case u.kind == kindInitial || nk == kindInitial:
				ns := ix.strs[id]
				if u.s == ns {
					pairs = append(pairs, pair{sim: 1, c: (uw + bw) / 2, qmask: u.mask, nmask: 1 << j, u: int16(ui), v: int16(j)})
				} else if u.s[0] == ns[0] {
					// An initial stands for a word but proves little: the
					// pair weighs as an initial, and the rest of the full
					// word's weight counts as unmatched.
					var extra float32
					if u.kind != kindInitial && uw > initialW {
						extra = lambdaQuery * (uw - initialW)
					}
					if nk != kindInitial && bw > initialW {
						extra = lambdaListed * (bw - initialW)
					}
					pairs = append(pairs, pair{sim: initialSim, c: initialW, qmask: u.mask, nmask: 1 << j, u: int16(ui), v: int16(j), extra: extra})
				}
			}
		}
	}
	for ci, c := range n.comps {
		row := src.row(c.id)
		if row == nil {
			continue
		}
		for ui, s := range row {
			u := &p.units[ui]
			if s < compoundMinSim || u.comp || u.kind != kindName {
				continue
			}
			anchor = true
			pairs = append(pairs, pair{sim: s, c: (p.uw[ui] + c.w) / 2, qmask: u.mask, nmask: c.mask, u: int16(ui), v: int16(-1 - ci)})
		}
	}
	if !anchor && !sameWords(p, n) {
		return 0, pairs
	}
	// Greedy alignment: best similarity first; on ties, pairs covering
	// fewer words first (plain words before compounds).
	for i := 1; i < len(pairs); i++ {
		for j := i; j > 0 && better(&pairs[j], &pairs[j-1]); j-- {
			pairs[j], pairs[j-1] = pairs[j-1], pairs[j]
		}
	}
	var qused, nused uint32
	var num, den float32
	for i := range pairs {
		pr := &pairs[i]
		if pr.qmask&qused != 0 || pr.nmask&nused != 0 {
			continue
		}
		qused |= pr.qmask
		nused |= pr.nmask
		num += pr.c * pr.sim
		den += pr.c + pr.extra
		if detail != nil {
			*detail = append(*detail, *pr)
		}
	}
	if num == 0 {
		return 0, pairs
	}
	for k := range p.toks {
		if qused&(1<<k) == 0 {
			den += lambdaQuery * p.w[k]
		}
	}
	// A title and a single name word ("President Putin") refer to a
	// person by surname: the given names it leaves out cost like middle
	// names.
	titled := p.titled && p.nameWords == 1
	surMatched := nused&n.surnames != 0
	for j, id := range n.toks {
		if nused&(1<<j) == 0 {
			l := float32(lambdaListed)
			if n.middle&(1<<j) != 0 || titled || (surMatched && n.surnames&(1<<j) != 0) {
				l = lambdaMiddle
			}
			den += l * kindWeight(n.kinds[j], ix.weight[id])
		}
	}
	score := float64(num / den)
	if score > 0.99999 {
		score = 1
	}
	return score, pairs
}

func better(a, b *pair) bool {
	if a.sim != b.sim {
		return a.sim > b.sim
	}
	return popcount(a.qmask)+popcount(a.nmask) < popcount(b.qmask)+popcount(b.nmask)
}

func popcount(x uint32) int {
	n := 0
	for x != 0 {
		x &= x - 1
		n++
	}
	return n
}

// scratch is per-query working memory, pooled.
type scratch struct {
	mark    []int32 // word id → slot+1 in rows
	touched []int32
	rows    []float32
	counts  []uint8 // bigram counts per word id
	cTouch  []int32
	seen    []uint32 // name id → epoch
	epoch   uint32
	cands   []int32
	pairs   []pair
	gbuf    []uint32
	// per-entry best candidate (Screener.candidates)
	entSeen  []uint32
	entIdx   []int32
	entEpoch uint32
}

func newScratchPool(ix *index) *sync.Pool {
	return &sync.Pool{New: func() any {
		return &scratch{
			mark:   make([]int32, len(ix.strs)),
			counts: make([]uint8, len(ix.strs)),
			seen:   make([]uint32, len(ix.names)),
		}
	}}
}

// lookup fills sc with the similarity of every query unit to every listed
// word or compound it can match, and returns the candidate names.
func (ix *index) lookup(p *prepared, sc *scratch) []int32 {
	stride := len(p.units)
	sc.rows = sc.rows[:0]
	sc.touched = sc.touched[:0]
	record := func(ui int, id int32, s float32) {
		slot := sc.mark[id]
		if slot == 0 {
			sc.touched = append(sc.touched, id)
			for k := 0; k < stride; k++ {
				sc.rows = append(sc.rows, 0)
			}
			slot = int32(len(sc.touched))
			sc.mark[id] = slot
		}
		if r := &sc.rows[int(slot-1)*stride+ui]; s > *r {
			*r = s
		}
	}
	for ui := range p.units {
		u := &p.units[ui]
		if !u.retrievable() {
			continue
		}
		rec := func(id int32) {
			if s := ix.sim(u.s, u.key, u.comp, id); s > 0 {
				record(ui, id, float32(s))
			}
		}
		if u.exactID >= 0 {
			record(ui, u.exactID, 1)
		}
		if !u.comp && u.key != "" {
			for _, id := range ix.byKey[u.key] {
				rec(id)
			}
		}
		if u.ascii {
			ix.fuzzy(u.s, !u.comp, sc, rec)
		}
		if u.alt != "" {
			recAlt := func(id int32) {
				if s := ix.sim(u.alt, u.altKey, false, id); s > 0 {
					record(ui, id, float32(s))
				}
			}
			if id, ok := ix.byStr[u.alt]; ok {
				record(ui, id, 1)
			}
			if u.altKey != "" {
				for _, id := range ix.byKey[u.altKey] {
					recAlt(id)
				}
			}
			if u.altASCII {
				ix.fuzzy(u.alt, true, sc, recAlt)
			}
		}
	}
	// Candidate names: every name holding a matched word or compound.
	sc.epoch++
	if sc.epoch == 0 {
		clear(sc.seen)
		sc.epoch = 1
	}
	sc.cands = sc.cands[:0]
	if !hasRetrievable(p.kinds) {
		for _, ni := range ix.exact[strings.Join(p.toks, " ")] {
			if sc.seen[ni] != sc.epoch {
				sc.seen[ni] = sc.epoch
				sc.cands = append(sc.cands, ni)
			}
		}
	}
	for _, id := range sc.touched {
		for _, ni := range ix.post[id] {
			if sc.seen[ni] != sc.epoch {
				sc.seen[ni] = sc.epoch
				sc.cands = append(sc.cands, ni)
			}
		}
	}
	return sc.cands
}

// release clears the per-query marks.
func (sc *scratch) release() {
	for _, id := range sc.touched {
		sc.mark[id] = 0
	}
	sc.touched = sc.touched[:0]
}

// fuzzy calls fn for every listed word that may be within editBudget
// edits of w; fn verifies. Pairs within one edit are found through the
// deletion keys; pairs within two edits (both words of 6+ letters, one of
// 8+; not for compounds) through the bigram lists: an OSA edit changes at
// most 3 padded bigrams, so such words share at least max(len)-5.
func (ix *index) fuzzy(w string, twoEdits bool, sc *scratch, fn func(id int32)) {
	lq := len(w)
	if lq > maxFuzzyLen || lq < minFuzzyLen {
		return
	}
	sc.cTouch = sc.cTouch[:0]
	check := func(id int32) {
		if sc.counts[id] != 0 {
			return
		}
		sc.counts[id] = 255
		sc.cTouch = append(sc.cTouch, id)
		fn(id)
	}
	ix.deletionCandidates(w, check)
	if twoEdits && lq >= 6 {
		lvMin, lvMax := max(6, lq-2), lq+2
		if lq < 8 {
			lvMin = max(lvMin, 8)
		}
		if lvMin <= lvMax {
			sc.gbuf = bigrams(w, sc.gbuf[:0])
			start := len(sc.cTouch)
			for _, g := range sc.gbuf {
				list := ix.grams[g]
				lo := searchLen(ix, list, lvMin)
				for _, id := range list[lo:] {
					if len(ix.strs[id]) > lvMax {
						break
					}
					c := sc.counts[id]
					if c == 255 {
						continue // already checked
					}
					if c == 0 {
						sc.cTouch = append(sc.cTouch, id)
					}
					sc.counts[id] = c + 1
				}
			}
			for _, id := range sc.cTouch[start:] {
				if int(sc.counts[id]) >= max(lq, len(ix.strs[id]))-5 {
					fn(id)
				}
			}
		}
	}
	for _, id := range sc.cTouch {
		sc.counts[id] = 0
	}
}

// deletionCandidates calls fn for every listed word that shares a
// deletion key with w: w itself or w with one letter deleted, against the
// listed words and their one-letter deletions. Every pair within one OSA
// edit shares a key (a substitution or transposition deletes to the same
// string, an insertion deletes to the other word). Hash collisions only add
// candidates, which the caller verifies.
func (ix *index) deletionCandidates(w string, fn func(id int32)) {
	look := func(h uint64) {
		b := h >> (64 - delBits)
		for i, end := ix.delDir[b], ix.delDir[b+1]; i < end; i++ {
			if ix.dels[i].key == h {
				fn(ix.dels[i].id)
			}
		}
	}
	look(hashSkip(w, -1))
	for i := 0; i < len(w); i++ {
		look(hashSkip(w, i))
	}
}

// hashSkip is FNV-1a of s without the byte at skip (-1: all of s).
func hashSkip(s string, skip int) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		if i == skip {
			continue
		}
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func searchLen(ix *index, list []int32, n int) int {
	lo, hi := 0, len(list)
	for lo < hi {
		m := (lo + hi) / 2
		if len(ix.strs[list[m]]) < n {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// Calibration of word similarity (see calibrate); measured with
// TestRecallVariants and TestCommonNames. Variables so that a test can
// sweep them.
var (
	knownPenalty  = float32(1.5) // query word is a listed word, same consonants
	knownStrong   = float32(4)   // query word is a listed word, other consonants
	shortPenalty  = float32(1.0) // a word of 3 letters or fewer
	short4Penalty = float32(1.5) // a word of 4 letters
)

// calibrate lowers the similarity of two different words when the
// difference says more than a typo would: the query word is itself a
// listed name word (Hanan is a name, not a typo of Hasan), more so when
// the consonants differ; or the words are short (Wei and Wen are
// different names) and do not sound alike.
func calibrate(s float32, u *qUnit, w, key string, script bool) float32 {
	k := float32(1)
	if u.known {
		if sameSkeleton(u.s, w) {
			k *= knownPenalty
		} else {
			k *= knownStrong
		}
	}
	switch m := min(len(u.s), len(w)); {
	case script && u.key != "" && u.key == key:
		// Sound-alikes read from another script (Arabic "butn" for
		// Putin: short vowels are not written) are not other names.
	case m <= 3:
		k *= shortPenalty
	case m == 4:
		k *= short4Penalty
	}
	if k == 1 {
		return s
	}
	return max(0.01, 1-k*(1-s))
}

// sameSkeleton reports whether a and b have the same consonants in the
// same order (vowels and h ignored, doubled letters once, c/k/q/g,
// b/p, f/v/w and d/t each one sound): spellings of one name (Yassin,
// Yasin, Yaseen; Caro, Karo), not different names (Hanan, Hasan).
func sameSkeleton(a, b string) bool {
	i, j := 0, 0
	var pa, pb byte
	for {
		for i < len(a) && (skel[a[i]] == 0 || skel[a[i]] == pa) {
			if skel[a[i]] != 0 {
				pa = skel[a[i]]
			}
			i++
		}
		for j < len(b) && (skel[b[j]] == 0 || skel[b[j]] == pb) {
			if skel[b[j]] != 0 {
				pb = skel[b[j]]
			}
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if skel[a[i]] != skel[b[j]] {
			return false
		}
		pa, pb = skel[a[i]], skel[b[j]]
		i++
		j++
	}
}

// skel maps a letter to its consonant class, 0 for letters ignored.
var skel = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		t[c] = byte(c)
	}
	for _, c := range "aeiouh" {
		t[c] = 0
	}
	for _, g := range []string{"ckqg", "bp", "fvw", "dt"} {
		for i := range g {
			t[g[i]] = g[0]
		}
	}
	return t
}()

// baltic returns a name word without the Lithuanian nominative ending
// -as that Lithuanian adds to foreign names ("Vladimiras Putinas"), or "".
func baltic(t string) string {
	if len(t) >= 7 && strings.HasSuffix(t, "as") && isASCII(t) {
		return t[:len(t)-2]
	}
	return ""
}
