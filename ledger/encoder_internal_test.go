package ledger

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The hand-written time encoding must equal the layout it replaces.
func TestEncoderTimeMatchesLayout(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		tm := time.Unix(r.Int64N(253402300799), r.Int64N(1e9)).In(time.FixedZone("z", int(r.Int64N(50000))-25000))
		var a, b encoder
		a.time(tm)
		b.str(tm.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z"))
		if string(a.buf) != string(b.buf) {
			t.Fatalf("%v: %q != %q", tm, a.buf, b.buf)
		}
	}
}
