package compliance

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/plex/bountypay/models"
)

// Algorithm names the matching algorithm and its version; it is recorded
// in every Result. Change the version whenever scores can change.
const Algorithm = "bountypay-names/2"

// Defaults of ScreenConfig, chosen from the measurements in the README (Screening).
const (
	DefaultReviewThreshold = 0.80
	DefaultMinScore        = 0.60
	DefaultMaxMatches      = 5
	DefaultWeakAliasFactor = 0.90
)

// ScreenConfig configures a Screener. Zero fields take the defaults.
type ScreenConfig struct {
	// ReviewThreshold is the score (after qualifiers) at or above which a
	// query goes to review. Default DefaultReviewThreshold.
	ReviewThreshold float64
	// MinScore is the lowest score listed in Result.Matches. Default
	// DefaultMinScore.
	MinScore float64
	// MaxMatches is how many matches a Result lists at most. Default 5.
	MaxMatches int
	// WeakAliasFactor multiplies the name score of weak aliases
	// (NameWeak, such as OFAC's "a.k.a. '…'" in the remarks). Default
	// 0.90.
	WeakAliasFactor float64
	// Workers bounds ScreenBatch's parallelism. Default GOMAXPROCS.
	Workers int
	// NowFunc stamps Result.ScreenedAt. Default time.Now (UTC).
	NowFunc func() time.Time
}

// withDefaults returns cfg with zero fields set to their defaults.
func (cfg ScreenConfig) withDefaults() ScreenConfig {
	cfg.ReviewThreshold = cmp.Or(cfg.ReviewThreshold, DefaultReviewThreshold)
	cfg.MinScore = cmp.Or(cfg.MinScore, DefaultMinScore)
	cfg.MaxMatches = cmp.Or(cfg.MaxMatches, DefaultMaxMatches)
	cfg.WeakAliasFactor = cmp.Or(cfg.WeakAliasFactor, DefaultWeakAliasFactor)
	cfg.Workers = cmp.Or(cfg.Workers, runtime.GOMAXPROCS(0))
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	return cfg
}

// Validate reports a configuration that cannot screen sensibly. It returns
// an error wrapping models.ErrInvalid.
func (cfg ScreenConfig) Validate() error {
	c := cfg.withDefaults()
	var errs []error
	if c.ReviewThreshold <= 0 || c.ReviewThreshold > 1 {
		errs = append(errs, fmt.Errorf("review threshold %v not in (0, 1]", c.ReviewThreshold))
	}
	if c.MinScore <= 0 || c.MinScore > c.ReviewThreshold {
		errs = append(errs, fmt.Errorf("min score %v not in (0, review threshold %v]", c.MinScore, c.ReviewThreshold))
	}
	if c.MaxMatches < 1 || c.MaxMatches > 100 {
		errs = append(errs, fmt.Errorf("max matches %d not in [1, 100]", c.MaxMatches))
	}
	if c.WeakAliasFactor <= 0 || c.WeakAliasFactor > 1 {
		errs = append(errs, fmt.Errorf("weak alias factor %v not in (0, 1]", c.WeakAliasFactor))
	}
	if c.Workers < 1 {
		errs = append(errs, fmt.Errorf("workers %d < 1", c.Workers))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("screen config: %w: %w", models.ErrInvalid, err)
	}
	return nil
}

// Screener screens names against one loaded list. It is safe for
// concurrent use.
type Screener struct {
	cfg  ScreenConfig
	list *List
	ix   *index
	meta []entryMeta
	pool *sync.Pool
}

// entryMeta is what the qualifiers need about an entry.
type entryMeta struct {
	countries map[string]string // ISO code → how the list says it ("nationality Russia")
}

// NewScreener indexes list for screening with cfg; list must not change
// afterwards. A source's mapper makes the list (ofac.List.ToCompliance).
// It returns an error wrapping models.ErrInvalid for a bad cfg, an empty
// list or an entry whose first name is not its only primary name.
func NewScreener(list *List, cfg ScreenConfig) (*Screener, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if list == nil || len(list.Entries) == 0 {
		return nil, fmt.Errorf("new screener: empty list: %w", models.ErrInvalid)
	}
	if err := list.validate(); err != nil {
		return nil, fmt.Errorf("new screener: %w", err)
	}
	s := &Screener{cfg: cfg.withDefaults(), list: list}
	s.ix = buildIndex(list.Entries)
	s.pool = newScratchPool(s.ix)
	s.meta = make([]entryMeta, len(list.Entries))
	for i := range list.Entries {
		s.meta[i] = newEntryMeta(&list.Entries[i])
	}
	return s, nil
}

func newEntryMeta(e *Entry) entryMeta {
	m := entryMeta{}
	add := func(code, how string) {
		if code == "" {
			return
		}
		if m.countries == nil {
			m.countries = map[string]string{}
		}
		if _, ok := m.countries[code]; !ok {
			m.countries[code] = how
		}
	}
	// By kind, in order of preference: the first kind naming a country
	// is the one reasons cite.
	for _, kind := range [...]CountryKind{CountryNationality, CountryCitizenship, CountryAddress, CountryBirth} {
		for _, c := range e.Countries {
			if c.Kind != kind {
				continue
			}
			switch kind {
			case CountryNationality:
				add(countryCode(c.Name), "nationality "+c.Name)
			case CountryCitizenship:
				add(countryCode(c.Name), "citizenship "+c.Name)
			case CountryAddress:
				add(countryCode(c.Name), "address in "+c.Name)
			case CountryBirth:
				add(countryOfPlace(c.Name), "born in "+c.Name)
			}
		}
	}
	return m
}

// List returns the list the screener screens against.
func (s *Screener) List() *List { return s.list }

// Config returns the effective configuration (defaults applied).
func (s *Screener) Config() ScreenConfig { return s.cfg }

// candidate is one entry's best name match for a query.
type candidate struct {
	entry     int32
	name      int32   // best name id
	nameScore float64 // after the weak-alias factor
	raw       float64 // before it
	reading   int
}

// Screen screens one query. A query without a usable name is cleared with
// a reason (the jurisdiction rules and compliance decide the rest).
func (s *Screener) Screen(q Query) Result {
	res := Result{
		Query: q.Name, Decision: models.DecisionClear, Reasons: []string{}, Matches: []Match{},
		ListVersion: s.list.Version, Algorithm: Algorithm, ScreenedAt: s.cfg.NowFunc().UTC(),
		Threshold: s.cfg.ReviewThreshold,
	}
	readings := normalizeWith(q.Name, s.ix.known)
	if len(readings) == 0 {
		res.Reasons = append(res.Reasons, "name has no letters to screen")
		return res
	}
	sc := s.pool.Get().(*scratch)
	defer s.pool.Put(sc)
	best := s.candidates(readings, sc, nil)

	qi := parseQueryInfo(q, readings[0])
	type scored struct {
		c       candidate
		final   float64
		reasons []string
		exact   bool
	}
	var all []scored
	for _, c := range best {
		if c.nameScore+maxBonus < s.cfg.MinScore {
			continue
		}
		e := &s.list.Entries[c.entry]
		final, reasons := s.qualify(qi, e, &s.meta[c.entry], c.nameScore)
		exact := c.raw >= 1 && !s.ix.names[c.name].weak
		if exact && final < s.cfg.ReviewThreshold {
			reasons = append(reasons, fmt.Sprintf("exact name match: held for review whatever the other evidence (score raised to %.2f)", s.cfg.ReviewThreshold))
			final = s.cfg.ReviewThreshold
		}
		if final < s.cfg.MinScore {
			continue
		}
		all = append(all, scored{c: c, final: final, reasons: reasons, exact: exact})
	}
	slices.SortFunc(all, func(a, b scored) int {
		if c := cmp.Compare(b.final, a.final); c != 0 {
			return c
		}
		if c := cmp.Compare(b.c.nameScore, a.c.nameScore); c != 0 {
			return c
		}
		return cmp.Compare(s.list.Entries[a.c.entry].ID, s.list.Entries[b.c.entry].ID)
	})
	if len(all) > s.cfg.MaxMatches {
		all = all[:s.cfg.MaxMatches]
	}
	for _, a := range all {
		e := &s.list.Entries[a.c.entry]
		n := &s.ix.names[a.c.name]
		nm := e.Names[n.name]
		matched := nm.Name
		reasons := []string{s.explain(readings[a.c.reading], n, a.c.raw, nameLabel(nm), matched)}
		if n.weak {
			reasons = append(reasons, fmt.Sprintf("weak alias: name score ×%.2f", s.cfg.WeakAliasFactor))
		}
		reasons = append(reasons, a.reasons...)
		res.Matches = append(res.Matches, Match{
			ID: e.ID, Source: e.Source, Name: e.Primary(), Matched: matched, Score: round3(a.final),
			Programs: append([]string{}, e.Programs...), Reasons: reasons, ContentHash: e.ContentHash,
		})
	}
	if len(res.Matches) > 0 {
		res.Score = res.Matches[0].Score
	}
	top := "no listed name resembles it"
	if len(res.Matches) > 0 {
		m := res.Matches[0]
		top = fmt.Sprintf("best match %s %d %q at %.2f", m.Source, m.ID, m.Matched, m.Score)
	}
	if res.Score >= s.cfg.ReviewThreshold {
		res.Decision = models.DecisionReview
		res.Reasons = append(res.Reasons, fmt.Sprintf("possible sanctions match: %s (review threshold %.2f)", top, s.cfg.ReviewThreshold))
	} else {
		res.Reasons = append(res.Reasons, fmt.Sprintf("no listed name scored at least %.2f; %s", s.cfg.ReviewThreshold, top))
	}
	return res
}

// nameLabel says in match reasons what kind of name matched: "primary
// name", the source's label of an alias ("aka"), or "weak" and the label
// of a weak alias.
func nameLabel(n Name) string {
	switch n.Kind {
	case NamePrimary:
		return "primary name"
	case NameWeak:
		return "weak " + cmp.Or(n.Label, "alias")
	}
	return cmp.Or(n.Label, "alias")
}

// candidates returns, per entry, the best-scoring name over all readings.
// With full (see fullScan) a scan of everything replaces the index lookup (the reference the
// index is proved against).
func (s *Screener) candidates(readings []normName, sc *scratch, full nameLookup) []candidate {
	sc.entEpoch++
	if sc.entEpoch == 0 {
		clear(sc.entSeen)
		sc.entEpoch = 1
	}
	if len(sc.entSeen) < len(s.ix.entryNames) {
		sc.entSeen = make([]uint32, len(s.ix.entryNames))
		sc.entIdx = make([]int32, len(s.ix.entryNames))
	}
	var out []candidate
	for ri, r := range readings {
		p := s.ix.prepare(r)
		src := &simSource{ix: s.ix, sc: sc, p: p}
		var names []int32
		if full != nil {
			names = full.lookup(p, sc)
		} else {
			names = s.ix.lookup(p, sc)
		}
		for _, ni := range names {
			n := &s.ix.names[ni]
			raw, buf := s.ix.nameScore(p, n, src, sc.pairs, nil)
			sc.pairs = buf
			if raw <= 0 {
				continue
			}
			score := raw
			if n.weak {
				score *= s.cfg.WeakAliasFactor
			}
			if sc.entSeen[n.entry] == sc.entEpoch {
				i := sc.entIdx[n.entry]
				if score > out[i].nameScore || (score == out[i].nameScore && ni < out[i].name) {
					out[i] = candidate{entry: n.entry, name: ni, nameScore: score, raw: raw, reading: ri}
				}
				continue
			}
			sc.entSeen[n.entry] = sc.entEpoch
			sc.entIdx[n.entry] = int32(len(out))
			out = append(out, candidate{entry: n.entry, name: ni, nameScore: score, raw: raw, reading: ri})
		}
		sc.release()
	}
	return out
}

// explain describes how the query's words met the listed name's.
func (s *Screener) explain(r normName, n *nameRec, raw float64, kind, matched string) string {
	p := s.ix.prepare(r)
	src := &simSource{ix: s.ix, p: p, full: true}
	var detail []pair
	s.ix.nameScore(p, n, src, nil, &detail)
	var parts []string
	for _, d := range detail {
		q := p.units[d.u].s
		var l string
		if d.v >= 0 {
			l = s.ix.strs[n.toks[d.v]]
		} else {
			l = s.ix.strs[n.comps[-1-d.v].id]
		}
		if d.sim >= 1 {
			parts = append(parts, q+"="+l)
		} else {
			parts = append(parts, fmt.Sprintf("%s~%s %.2f", q, l, d.sim))
		}
	}
	label := "name"
	if raw >= 1 {
		label = "exact name"
	}
	return fmt.Sprintf("%s %.2f against %s %q (%s)", label, raw, kind, matched, strings.Join(parts, ", "))
}

// ScreenBatch screens qs using all cores and returns the results in order.
func (s *Screener) ScreenBatch(qs []Query) []Result {
	out := make([]Result, len(qs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(s.cfg.Workers, max(1, len(qs))); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = s.Screen(qs[i])
			}
		}()
	}
	for i := range qs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

func round3(x float64) float64 {
	return float64(int64(x*1000+0.5)) / 1000
}
