package compliance

// fullScanLookup is the reference the index is proved against: it fills sc
// by computing tokenSim of every retrievable query unit with every listed
// word and compound (no index), and returns every listed name as a
// candidate. The only shortcut is a letter-set bound (two words within k
// edits differ in at most 2k distinct letters), which is independent of
// the index's bigram filter; a bug in either shows as a difference.
func (ix *index) fullScanLookup(p *prepared, sc *scratch, letterSets []uint64) []int32 {
	stride := len(p.units)
	sc.rows = sc.rows[:0]
	sc.touched = sc.touched[:0]
	for ui := range p.units {
		u := &p.units[ui]
		if !u.retrievable() {
			continue
		}
		ix.fullScanWord(ui, u.s, u.key, u.ascii, sc, stride, letterSets)
		if u.alt != "" {
			ix.fullScanWord(ui, u.alt, u.altKey, u.altASCII, sc, stride, letterSets)
		}
	}
	all := make([]int32, len(ix.names))
	for i := range all {
		all[i] = int32(i)
	}
	return all
}

func (ix *index) fullScanWord(ui int, w, key string, ascii bool, sc *scratch, stride int, letterSets []uint64) {
	{
		um := letterSet(w)
		for id := range ix.strs {
			s := ix.strs[id]
			if w != s && (key == "" || key != ix.keys[id]) {
				// Only spelling can make them similar.
				if !ascii || !ix.ascii[id] || abs(len(s)-len(w)) > 2 || min(len(s), len(w)) < minFuzzyLen {
					continue
				}
				if popcount64(um^letterSets[id]) > 2*editBudget(min(len(s), len(w)), max(len(s), len(w))) {
					continue
				}
			}
			var v float64
			if !ascii || !ix.ascii[id] {
				if w == s {
					v = 1
				}
			} else {
				v = tokenSim(w, s, key, ix.keys[id])
			}
			if v <= 0 {
				continue
			}
			slot := sc.mark[id]
			if slot == 0 {
				sc.touched = append(sc.touched, int32(id))
				for k := 0; k < stride; k++ {
					sc.rows = append(sc.rows, 0)
				}
				slot = int32(len(sc.touched))
				sc.mark[id] = slot
			}
			if r := &sc.rows[int(slot-1)*stride+ui]; float32(v) > *r {
				*r = float32(v)
			}
		}
	}
}

// letterSets returns a bit set of the letters and digits of every word.
func (ix *index) letterSets() []uint64 {
	out := make([]uint64, len(ix.strs))
	for i, s := range ix.strs {
		out[i] = letterSet(s)
	}
	return out
}

func letterSet(s string) uint64 {
	var m uint64
	for i := 0; i < len(s); i++ {
		m |= 1 << (gramCode(s[i]) & 63)
	}
	return m
}

func popcount64(x uint64) int {
	n := 0
	for x != 0 {
		x &= x - 1
		n++
	}
	return n
}
