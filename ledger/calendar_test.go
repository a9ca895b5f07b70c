package ledger_test

import (
	"testing"
	"time"

	"github.com/plex/bountypay/ledger"
)

func day(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }

func TestBusinessDays(t *testing.T) {
	cases := []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-20", 10, "2026-12-07"}, // over Thanksgiving (Nov 26)
		{"2026-07-01", 2, "2026-07-06"},  // July 4 is a Saturday: observed Friday July 3
		{"2026-12-24", 1, "2026-12-28"},  // Christmas Friday
		{"2027-01-15", 1, "2027-01-19"},  // MLK day Jan 18
		{"2026-06-18", 1, "2026-06-22"},  // Juneteenth Friday June 19
	}
	for _, c := range cases {
		if got := ledger.AddBusinessDays(day(c.from), c.n).Format("2006-01-02"); got != c.want {
			t.Errorf("%s + %d business days = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

func TestForm1099Threshold(t *testing.T) {
	for y, want := range map[int]int64{2024: 60000, 2025: 60000, 2026: 200000, 2027: 200000} {
		if got, _ := ledger.Form1099Threshold(y); got != want {
			t.Errorf("%d: %d", y, got)
		}
	}
	if _, indexed := ledger.Form1099Threshold(2027); !indexed {
		t.Error("2027 is indexed")
	}
}
