package ledger

import "time"

// US federal holidays and business days, for the OFAC blocked-property
// report deadline (10 business days from the blocking, 31 CFR 501.603).

// USFederalHoliday reports whether d (a date, UTC) is a US federal holiday
// as observed: a holiday on Saturday is observed on Friday, on Sunday on
// Monday.
func USFederalHoliday(d time.Time) bool {
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	for _, y := range []int{d.Year() - 1, d.Year(), d.Year() + 1} {
		for _, h := range federalHolidays(y) {
			if observed(h).Equal(d) {
				return true
			}
		}
	}
	return false
}

func federalHolidays(y int) []time.Time {
	date := func(m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	nth := func(m time.Month, wd time.Weekday, n int) time.Time {
		t := date(m, 1)
		for t.Weekday() != wd {
			t = t.AddDate(0, 0, 1)
		}
		return t.AddDate(0, 0, 7*(n-1))
	}
	last := func(m time.Month, wd time.Weekday) time.Time {
		t := date(m+1, 1).AddDate(0, 0, -1)
		for t.Weekday() != wd {
			t = t.AddDate(0, 0, -1)
		}
		return t
	}
	hs := []time.Time{
		date(time.January, 1),
		nth(time.January, time.Monday, 3),    // Martin Luther King Jr. Day
		nth(time.February, time.Monday, 3),   // Washington's Birthday
		last(time.May, time.Monday),          // Memorial Day
		date(time.July, 4),                   // Independence Day
		nth(time.September, time.Monday, 1),  // Labor Day
		nth(time.October, time.Monday, 2),    // Columbus Day
		date(time.November, 11),              // Veterans Day
		nth(time.November, time.Thursday, 4), // Thanksgiving
		date(time.December, 25),
	}
	if y >= 2021 {
		hs = append(hs, date(time.June, 19)) // Juneteenth
	}
	return hs
}

func observed(h time.Time) time.Time {
	switch h.Weekday() {
	case time.Saturday:
		return h.AddDate(0, 0, -1)
	case time.Sunday:
		return h.AddDate(0, 0, 1)
	}
	return h
}

// BusinessDay reports whether d is a US business day.
func BusinessDay(d time.Time) bool {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday && !USFederalHoliday(d)
}

// AddBusinessDays returns the date n US business days after t's date.
func AddBusinessDays(t time.Time, n int) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if BusinessDay(d) {
			n--
		}
	}
	return d
}

// Form1099Threshold is the US 1099-NEC/MISC reporting threshold in USD
// cents for payments made in year: $600 through 2025, $2,000 for payments
// after 2025-12-31 (OBBBA §70433). From 2027 it is inflation-indexed;
// until the indexed figure is published the table keeps $2,000 and
// indexed is true (confirm with the tax adviser).
func Form1099Threshold(year int) (cents int64, indexed bool) {
	switch {
	case year <= 2025:
		return 60000, false
	case year == 2026:
		return 200000, false
	}
	return 200000, true
}
