package paypalsandbox

import "testing"

func TestAmounts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cur, v   string
		minor    int64
		ok       bool
		rendered string
	}{
		{"USD", "10.00", 1000, true, "10.00"},
		{"USD", "10.5", 1050, true, "10.50"},
		{"USD", "10", 1000, true, "10.00"},
		{"USD", "0.01", 1, true, "0.01"},
		{"USD", "007.00", 700, true, "7.00"},
		{"USD", "10.001", 0, false, ""},
		{"USD", ".5", 0, false, ""},
		{"USD", "5.", 0, false, ""},
		{"USD", "+5", 0, false, ""},
		{"USD", "1,000.00", 0, false, ""},
		{"USD", " 1.00", 0, false, ""},
		{"USD", "0", 0, false, ""},
		{"USD", "9999999999999999", 0, false, ""},
		{"JPY", "1500", 1500, true, "1500"},
		{"JPY", "1500.0", 0, false, ""},
		{"HUF", "1", 1, true, "1"},
		{"TWD", "3.00", 0, false, ""},
		{"EUR", "0.10", 10, true, "0.10"},
		{"XXX", "1.00", 0, false, ""},
	}
	for _, tc := range cases {
		minor, issue := parseAmount(tc.cur, tc.v)
		if (issue == "") != tc.ok || minor != tc.minor {
			t.Errorf("parseAmount(%s, %q) = %d, %q", tc.cur, tc.v, minor, issue)
			continue
		}
		if tc.ok && formatAmount(tc.cur, minor) != tc.rendered {
			t.Errorf("formatAmount(%s, %d) = %q, want %q", tc.cur, minor, formatAmount(tc.cur, minor), tc.rendered)
		}
	}
	if got := formatAmount("USD", 5); got != "0.05" {
		t.Errorf("formatAmount 5 cents = %q", got)
	}
	if got := formatAmount("USD", -150); got != "-1.50" {
		t.Errorf("formatAmount -150 = %q", got)
	}
}

func FuzzAmountRoundTrip(f *testing.F) {
	for _, s := range []string{"10.00", "0.01", "1", "1500", "1.5", "abc", "-1"} {
		f.Add("USD", s)
		f.Add("JPY", s)
	}
	f.Fuzz(func(t *testing.T, cur, v string) {
		minor, issue := parseAmount(cur, v)
		if issue != "" {
			return
		}
		if minor <= 0 {
			t.Fatalf("parseAmount(%s, %q) accepted %d", cur, v, minor)
		}
		again, issue := parseAmount(cur, formatAmount(cur, minor))
		if issue != "" || again != minor {
			t.Fatalf("round trip of %s %q: %d → %q → %d (%s)", cur, v, minor, formatAmount(cur, minor), again, issue)
		}
	})
}
