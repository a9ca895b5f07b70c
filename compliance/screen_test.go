package compliance

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/plex/bountypay/models"
)

// tinyList is a small hand-written list covering the qualifiers.
func tinyList(t testing.TB) *List {
	t.Helper()
	sdn := strings.Join([]string{
		`1,"PUTIN, Vladimir Vladimirovich","individual","RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 07 Oct 1952; POB Leningrad, Russia; nationality Russia; Gender Male."`,
		`2,"QADHAFI, Muammar","individual","LIBYA2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB circa 1942; nationality Libya; a.k.a. 'BROTHER LEADER'."`,
		`3,"ROSNEFT OIL COMPANY",-0- ,"UKRAINE-EO13662",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- `,
		`4,"KIM, Jong Un","individual","DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 08 Jan 1984; nationality Korea, North."`,
		`5,"MADURO MOROS, Nicolas","individual","VENEZUELA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 23 Nov 1962; nationality Venezuela."`,
	}, "\r\n") + "\r\n"
	alt := `1,11,"aka","PUTIN, Vladimir",-0- ` + "\r\n" + `2,21,"aka","GADDAFI, Moammar",-0- ` + "\r\n" + `3,31,"aka","OAO ROSNEFT",-0- ` + "\r\n"
	l, err := LoadOFAC(fstest.MapFS{"sdn.csv": {Data: []byte(sdn)}, "alt.csv": {Data: []byte(alt)}})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestScreenConfigValidate(t *testing.T) {
	if err := (ScreenConfig{}).Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	for _, c := range []ScreenConfig{
		{ReviewThreshold: 1.5}, {ReviewThreshold: 0.5, MinScore: 0.7}, {MaxMatches: 1000}, {WeakAliasFactor: 2}, {Workers: -1},
	} {
		if err := c.Validate(); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid", c, err)
		}
	}
	if _, err := NewScreener(nil, ScreenConfig{}); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("nil list: %v", err)
	}
	for name, names := range map[string][]Name{
		"no names":        nil,
		"alias first":     {{Name: "A", Kind: NameAlias}, {Name: "B", Kind: NamePrimary}},
		"two primaries":   {{Name: "A", Kind: NamePrimary}, {Name: "B", Kind: NamePrimary}},
		"kind not listed": {{Name: "A", Kind: NamePrimary}, {Name: "B", Kind: "nickname"}},
	} {
		l := &List{Entries: []Entry{{Source: "T", ID: 1, Type: TypeIndividual, Names: names}}}
		if _, err := NewScreener(l, ScreenConfig{}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestScreen(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s, err := NewScreener(tinyList(t), ScreenConfig{NowFunc: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		q        Query
		decision models.ScreeningDecision
		id       int     // top match, 0 for none
		min, max float64 // top score
		reason   string  // in the top match's reasons
	}{
		{"exact alias", Query{Name: "Vladimir Putin"}, models.DecisionReview, 1, 1, 1, "exact name"},
		{"cyrillic", Query{Name: "Владимир Путин"}, models.DecisionReview, 1, 1, 1, "exact name"},
		{"typo", Query{Name: "Vladimr Putni"}, models.DecisionReview, 1, 0.9, 0.99, "putni~putin"},
		{"dob equal", Query{Name: "Vladimr Putni", DateOfBirth: "1952-10-07"}, models.DecisionReview, 1, 1, 1, "equals listed"},
		{"dob far", Query{Name: "Vladimr Putni", DateOfBirth: "1990-01-01"}, models.DecisionReview, 1, 0.75, 0.85, "far from every listed date"},
		{"country match", Query{Name: "Vladimr Putni", Country: "RU"}, models.DecisionReview, 1, 0.95, 1, "country RU matches listed nationality Russia"},
		{"country mismatch", Query{Name: "Vladimr Putni", Country: "FR"}, models.DecisionReview, 1, 0.85, 0.95, "country FR not among listed"},
		{"type mismatch", Query{Name: "Vladimr Putni", Type: "entity"}, models.DecisionReview, 1, 0.8, 0.83, "type: query is an entity, listed individual"},
		{"exact but wrong dob stays review", Query{Name: "Vladimir Putin", DateOfBirth: "1990-01-01", Country: "FR"}, models.DecisionReview, 1, DefaultReviewThreshold, DefaultReviewThreshold, "held for review"},
		{"circa", Query{Name: "Muammar Qadhafi", DateOfBirth: "1943-05-01"}, models.DecisionReview, 2, 1, 1, "near listed"},
		{"variant spelling", Query{Name: "Moammar Gadafy"}, models.DecisionReview, 2, 0.85, 1, ""},
		{"weak alias", Query{Name: "Brother Leader"}, models.DecisionReview, 2, 0.9, 0.9, "weak alias"},
		{"legal form", Query{Name: "Rosneft Oil Co."}, models.DecisionReview, 3, 1, 1, ""},
		{"legal form cyrillic", Query{Name: "ОАО Роснефть"}, models.DecisionReview, 3, 0.9, 1, ""},
		{"dropped surname", Query{Name: "Nicolas Maduro"}, models.DecisionReview, 5, 0.85, 0.95, ""},
		{"title and surname", Query{Name: "President Putin"}, models.DecisionReview, 1, 0.8, 0.95, ""},
		{"legal words with typos", Query{Name: "Rosneft Oil Compnay"}, models.DecisionReview, 3, 0.95, 1, ""},
		{"ordinary", Query{Name: "Jane Doe"}, models.DecisionClear, 0, 0, 0, ""},
		{"empty", Query{Name: " ,. "}, models.DecisionClear, 0, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Screen(tt.q)
			if r.Decision != tt.decision {
				t.Errorf("decision %s, want %s (%+v)", r.Decision, tt.decision, r)
			}
			if r.ListVersion != s.List().Version || r.Algorithm != Algorithm || !r.ScreenedAt.Equal(now) || r.Query != tt.q.Name {
				t.Errorf("result metadata %+v", r)
			}
			if len(r.Reasons) == 0 {
				t.Error("no reasons")
			}
			if tt.id == 0 {
				if len(r.Matches) > 0 && r.Matches[0].Score >= DefaultReviewThreshold {
					t.Errorf("unexpected match %+v", r.Matches[0])
				}
				return
			}
			if len(r.Matches) == 0 {
				t.Fatalf("no matches: %+v", r)
			}
			m := r.Matches[0]
			if m.ID != tt.id || m.Score < tt.min-1e-9 || m.Score > tt.max+1e-9 || r.Score != m.Score {
				t.Errorf("top match %d %.3f (result %.3f), want %d in [%.2f, %.2f]; reasons %q", m.ID, m.Score, r.Score, tt.id, tt.min, tt.max, m.Reasons)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(m.Reasons, " | "), tt.reason) {
				t.Errorf("reasons %q lack %q", m.Reasons, tt.reason)
			}
			if len(m.ContentHash) != 64 || m.Source != "SDN" || len(m.Programs) == 0 || m.Matched == "" {
				t.Errorf("match fields %+v", m)
			}
		})
	}
}

func TestScreenBatchConcurrent(t *testing.T) {
	s, err := NewScreener(tinyList(t), ScreenConfig{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"Vladimir Putin", "Jane Doe", "Moammar Gadafy", "Kim Jong Un", "ОАО Роснефть", "Nicolas Maduro"}
	var qs []Query
	for i := 0; i < 60; i++ {
		qs = append(qs, Query{Name: names[i%len(names)]})
	}
	want := make([]Result, len(names))
	for i, n := range names {
		want[i] = s.Screen(Query{Name: n})
	}
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, r := range s.ScreenBatch(qs) {
				w := want[i%len(names)]
				if r.Query != qs[i].Name || r.Decision != w.Decision || r.Score != w.Score || len(r.Matches) != len(w.Matches) {
					t.Errorf("batch result %d differs: %+v vs %+v", i, r, w)
					return
				}
			}
		}()
	}
	wg.Wait()
}
