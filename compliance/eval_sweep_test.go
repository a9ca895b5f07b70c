package compliance

import (
	"fmt"
	"os"
	"testing"
)

func TestSweep(t *testing.T) {
	if os.Getenv("SWEEP") == "" {
		t.Skip()
	}
	s := fullScreener(t)
	vs := variantSet(t, s, 400)
	qs := make([]Query, len(vs))
	for i, v := range vs {
		qs[i] = v.q
	}
	cn := commonNames(t)
	cq := make([]Query, len(cn))
	for i, n := range cn {
		cq[i] = Query{Name: n}
	}
	for _, kp := range []float32{1.5, 2} {
		for _, sp := range []float32{3, 4} {
			for _, s4 := range []float32{1, 1.5} {
				knownPenalty, knownStrong, short4Penalty = kp, sp, s4
				res := s.ScreenBatch(qs)
				perClass := map[string][2]int{}
				hit := 0
				for i, v := range vs {
					c := perClass[v.class]
					c[1]++
					if targetScore(res[i], v.target) >= 0.8 {
						hit++
						c[0]++
					}
					perClass[v.class] = c
				}
				fp := 0
				for _, r := range s.ScreenBatch(cq) {
					if r.Score >= 0.8 {
						fp++
					}
				}
				line := fmt.Sprintf("kp=%.1f sp=%.1f s4=%.1f recall=%.2f%% fp=%d", kp, sp, s4, 100*float64(hit)/float64(len(vs)), fp)
				for _, c := range []string{"typo-every-word", "translit-variant", "dropped-middle-name", "reordered"} {
					line += fmt.Sprintf(" %s=%d", c[:5], perClass[c][1]-perClass[c][0])
				}
				t.Log(line)
			}
		}
	}
}
