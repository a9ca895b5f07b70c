package compliance

import "math/bits"

// fullScan is the reference the index is proved against: it compares
// every retrievable query word with every listed word and compound by the
// definition (ix.sim), without the index's structures (deletion keys,
// bigram lists, phonetic map). To stay fast it skips, with exact
// arithmetic bounds only, words that cannot be similar: a different
// string, a different phonetic key, and either a length difference above
// 2 or more than 4 differing letters (two words within k ≤ 2 edits differ
// in at most 2k distinct letters). A bug in either side shows up as a
// difference in TestIndexMatchesFullScan.
type fullScan struct {
	ix      *index
	lens    []uint8
	ascii   []bool
	letters []uint64
	strH    []uint64
	keyH    []uint64
}

func newFullScan(ix *index) *fullScan {
	n := len(ix.strs)
	f := &fullScan{ix: ix, lens: make([]uint8, n), ascii: ix.ascii, letters: make([]uint64, n),
		strH: make([]uint64, n), keyH: make([]uint64, n)}
	for i, s := range ix.strs {
		f.lens[i] = uint8(min(255, len(s)))
		f.letters[i] = letterSet(s)
		f.strH[i] = hashSkip(s, -1)
		if ix.keys[i] != "" {
			f.keyH[i] = hashSkip(ix.keys[i], -1)
		}
	}
	return f
}

type scanWord struct {
	ui      int
	w, key  string
	comp    bool
	ascii   bool
	wh, kh  uint64
	letters uint64
	n       int
}

// lookup fills sc like index.lookup, from a scan of the whole vocabulary,
// and returns every listed name.
func (f *fullScan) lookup(p *prepared, sc *scratch) []int32 {
	ix := f.ix
	stride := len(p.units)
	sc.rows = sc.rows[:0]
	sc.touched = sc.touched[:0]
	var ws []scanWord
	add := func(ui int, w, key string, comp, ascii bool) {
		sw := scanWord{ui: ui, w: w, key: key, comp: comp, ascii: ascii, wh: hashSkip(w, -1), letters: letterSet(w), n: len(w)}
		if key != "" && !comp {
			sw.kh = hashSkip(key, -1)
		}
		ws = append(ws, sw)
	}
	for ui := range p.units {
		u := &p.units[ui]
		if !u.retrievable() {
			continue
		}
		add(ui, u.s, u.key, u.comp, u.ascii)
		if u.alt != "" {
			add(ui, u.alt, u.altKey, false, u.altASCII)
		}
	}
	f.scan(ws, sc, stride)
	all := make([]int32, len(ix.names))
	for i := range all {
		all[i] = int32(i)
	}
	return all
}

// scan is the hot loop of the full scan. It only reads the immutable
// index and writes the caller's own scratch, so it is excluded from race
// instrumentation (which slows it thirty-fold) to keep the proof fast
// under go test -race.
//
//go:norace
func (f *fullScan) scan(ws []scanWord, sc *scratch, stride int) {
	ix := f.ix
	for id := range ix.strs {
		for k := range ws {
			sw := &ws[k]
			if f.strH[id] != sw.wh && (sw.kh == 0 || f.keyH[id] != sw.kh) {
				if !sw.ascii || !f.ascii[id] || abs(int(f.lens[id])-sw.n) > 2 || bits.OnesCount64(sw.letters^f.letters[id]) > 4 {
					continue
				}
			}
			v := ix.sim(sw.w, sw.key, sw.comp, int32(id))
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
			if r := &sc.rows[int(slot-1)*stride+sw.ui]; float32(v) > *r {
				*r = float32(v)
			}
		}
	}
}

func letterSet(s string) uint64 {
	var m uint64
	for i := 0; i < len(s); i++ {
		m |= 1 << (gramCode(s[i]) & 63)
	}
	return m
}
