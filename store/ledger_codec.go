package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/plex/bountypay/ledger"
)

// Fast decoding of the ledger's JSON columns for verify and reports. The
// columns are written by encoding/json; the fast path accepts exactly the
// shapes it writes for plain strings (no escapes, valid UTF-8) and falls
// back to encoding/json for anything else, so both always agree.

var errSlow = errors.New("not on the fast path")

// decodePostings decodes the postings column.
func decodePostings(s string) ([]ledger.Posting, error) {
	if s == "[]" {
		return nil, nil
	}
	ps, err := fastPostings(s)
	if err == nil {
		return ps, nil
	}
	var out []ledger.Posting
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// decodeData decodes the data column.
func decodeData(s string) (map[string]string, error) {
	if s == "{}" {
		return nil, nil
	}
	m, err := fastData(s)
	if err == nil {
		return m, nil
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

type scanner struct {
	s string
	i int
}

func (p *scanner) lit(l string) bool {
	if len(p.s)-p.i >= len(l) && p.s[p.i:p.i+len(l)] == l {
		p.i += len(l)
		return true
	}
	return false
}

// str reads a JSON string without escapes.
func (p *scanner) str() (string, bool) {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", false
	}
	start := p.i + 1
	for j := start; j < len(p.s); j++ {
		c := p.s[j]
		switch {
		case c == '"':
			v := p.s[start:j]
			p.i = j + 1
			if !utf8.ValidString(v) {
				return "", false
			}
			return v, true
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

// num reads a non-negative JSON integer without leading zeros.
func (p *scanner) num() (int64, bool) {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	d := p.s[start:p.i]
	if d == "" || len(d) > 18 || (len(d) > 1 && d[0] == '0') {
		return 0, false
	}
	v, err := strconv.ParseInt(d, 10, 64)
	return v, err == nil
}

func fastPostings(s string) ([]ledger.Posting, error) {
	p := &scanner{s: s}
	if !p.lit("[") {
		return nil, errSlow
	}
	var out []ledger.Posting
	for {
		var ps ledger.Posting
		var ok1, ok2, ok3, ok4 bool
		if !p.lit(`{"debit":`) {
			return nil, errSlow
		}
		ps.Debit, ok1 = p.str()
		if !p.lit(`,"credit":`) {
			return nil, errSlow
		}
		ps.Credit, ok2 = p.str()
		if !p.lit(`,"asset":`) {
			return nil, errSlow
		}
		ps.Asset, ok3 = p.str()
		if !p.lit(`,"amount":`) {
			return nil, errSlow
		}
		ps.Amount, ok4 = p.num()
		if !(ok1 && ok2 && ok3 && ok4) || !p.lit("}") {
			return nil, errSlow
		}
		if out == nil {
			out = make([]ledger.Posting, 0, 2)
		}
		out = append(out, ps)
		if p.lit("]") {
			if p.i != len(s) {
				return nil, errSlow
			}
			return out, nil
		}
		if !p.lit(",") {
			return nil, errSlow
		}
	}
}

func fastData(s string) (map[string]string, error) {
	p := &scanner{s: s}
	if !p.lit("{") {
		return nil, errSlow
	}
	out := make(map[string]string, 8)
	for {
		k, ok := p.str()
		if !ok || !p.lit(":") {
			return nil, errSlow
		}
		v, ok := p.str()
		if !ok {
			return nil, errSlow
		}
		out[k] = v
		if p.lit("}") {
			if p.i != len(s) {
				return nil, errSlow
			}
			return out, nil
		}
		if !p.lit(",") {
			return nil, errSlow
		}
	}
}

// parseLedgerTime parses ledgerTimeFormat ("2006-01-02T15:04:05.000000Z")
// quickly, falling back to time.Parse for anything unusual.
func parseLedgerTime(s string) (time.Time, error) {
	if len(s) == 27 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[26] == 'Z' {
		d := func(a, b int) (int, bool) {
			v := 0
			for i := a; i < b; i++ {
				c := s[i]
				if c < '0' || c > '9' {
					return 0, false
				}
				v = v*10 + int(c-'0')
			}
			return v, true
		}
		y, ok1 := d(0, 4)
		mo, ok2 := d(5, 7)
		dd, ok3 := d(8, 10)
		h, ok4 := d(11, 13)
		mi, ok5 := d(14, 16)
		se, ok6 := d(17, 19)
		us, ok7 := d(20, 26)
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31 && h < 24 && mi < 60 && se < 60 {
			t := time.Date(y, time.Month(mo), dd, h, mi, se, us*1000, time.UTC)
			if t.Day() == dd { // not normalised (e.g. 31 November)
				return t, nil
			}
		}
	}
	t, err := time.Parse(ledgerTimeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: %w", s, err)
	}
	return t, nil
}
