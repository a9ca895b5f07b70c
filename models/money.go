package models

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an amount in integer minor units of an ISO 4217 currency:
// Money{Minor: 150000, Currency: "USD"} is 1,500.00 US dollars, and
// Money{Minor: 1500, Currency: "JPY"} is 1,500 yen. It is never a float.
type Money struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

// iso4217Exponents gives the minor-unit exponent of the currencies bountypay
// accepts. Currencies absent here are refused.
var iso4217Exponents = map[string]int{
	"AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2,
	"EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "ILS": 2, "INR": 2, "JPY": 0,
	"KRW": 0, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "PHP": 2, "PLN": 2,
	"RUB": 2, "SEK": 2, "SGD": 2, "THB": 2, "TWD": 2, "USD": 2, "ZAR": 2,
	"BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3, "CLP": 0, "ISK": 0,
	"VND": 0, "UGX": 0, "IDR": 2, "TRY": 2, "AED": 2, "SAR": 2, "UAH": 2,
	"RON": 2, "BGN": 2, "COP": 2, "ARS": 2, "PEN": 2, "EGP": 2, "NGN": 2,
	"KES": 2, "PKR": 2, "BDT": 2, "LKR": 2, "GEL": 2, "AMD": 2, "KZT": 2,
}

// CurrencyExponent returns the ISO 4217 minor-unit exponent of code
// (2 for USD, 0 for JPY). ok is false for a currency bountypay does not know.
func CurrencyExponent(code string) (exp int, ok bool) {
	exp, ok = iso4217Exponents[code]
	return exp, ok
}

// NewMoney returns minor units of currency, checking the currency.
func NewMoney(minor int64, currency string) (Money, error) {
	if _, ok := iso4217Exponents[currency]; !ok {
		return Money{}, fmt.Errorf("currency %q: unknown ISO 4217 code: %w", currency, ErrInvalid)
	}
	return Money{Minor: minor, Currency: currency}, nil
}

// ParseMoney parses a decimal string such as "1500.00" or "1500" in the
// given currency. More fraction digits than the currency has, signs,
// exponents, thousands separators and overflow are errors wrapping
// ErrInvalid.
func ParseMoney(amount, currency string) (Money, error) {
	exp, ok := iso4217Exponents[currency]
	if !ok {
		return Money{}, fmt.Errorf("currency %q: unknown ISO 4217 code: %w", currency, ErrInvalid)
	}
	minor, err := parseDecimal(amount, exp)
	if err != nil {
		return Money{}, fmt.Errorf("amount %q: %w", amount, err)
	}
	return Money{Minor: minor, Currency: currency}, nil
}

// parseDecimal turns "123.45" into 12345 for exp 2. Only digits and one dot.
func parseDecimal(s string, exp int) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty: %w", ErrInvalid)
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") {
		return 0, fmt.Errorf("not a decimal number: %w", ErrInvalid)
	}
	if len(frac) > exp {
		// Allow trailing zeros beyond the exponent ("1500.000" for USD).
		if strings.Trim(frac[exp:], "0") != "" {
			return 0, fmt.Errorf("more than %d decimal places: %w", exp, ErrInvalid)
		}
		frac = frac[:exp]
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("not a decimal number: %w", ErrInvalid)
		}
	}
	frac += strings.Repeat("0", exp-len(frac))
	v, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil || len(intPart) > 15 {
		return 0, fmt.Errorf("too large: %w", ErrInvalid)
	}
	return v, nil
}

// Decimal renders the amount with the currency's ISO 4217 exponent
// ("1500.00" for USD, "1500" for JPY).
func (m Money) Decimal() string {
	return FormatMinor(m.Minor, iso4217Exponents[m.Currency])
}

// FormatMinor renders minor units with exp fraction digits.
func FormatMinor(minor int64, exp int) string {
	neg := minor < 0
	var u uint64
	if neg {
		u = uint64(-(minor + 1)) + 1 // safe for math.MinInt64
	} else {
		u = uint64(minor)
	}
	s := strconv.FormatUint(u, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String renders "1500.00 USD".
func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Minor == 0 }

// Add returns m+o. Different currencies or overflow are ErrInvalid.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("add %s to %s: %w", o.Currency, m.Currency, ErrInvalid)
	}
	if (o.Minor > 0 && m.Minor > math.MaxInt64-o.Minor) || (o.Minor < 0 && m.Minor < math.MinInt64-o.Minor) {
		return Money{}, fmt.Errorf("add %s to %s: overflow: %w", o, m, ErrInvalid)
	}
	return Money{Minor: m.Minor + o.Minor, Currency: m.Currency}, nil
}
