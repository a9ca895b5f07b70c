package paypalsandbox

import (
	"fmt"
	"strconv"
	"strings"
)

// currencyInfo is what the sandbox knows about a currency PayPal Payouts
// supports: its decimals as PayPal uses them (HUF, JPY and TWD take
// integers, unlike ISO 4217 for HUF and TWD) and a rough equivalent of
// USD 20,000 in major units, used for the default per-item maximum and,
// divided by 20,000, for the default fee cap (USD 1.00 or its equivalent).
type currencyInfo struct {
	decimals int
	usd20k   int64
}

// currencies is PayPal's Payouts currency table (its currency codes
// reference).
var currencies = map[string]currencyInfo{
	"AUD": {2, 30_000}, "BRL": {2, 100_000}, "CAD": {2, 27_500},
	"CNY": {2, 145_000}, "CZK": {2, 460_000}, "DKK": {2, 138_000},
	"EUR": {2, 18_500}, "HKD": {2, 156_000}, "HUF": {0, 7_200_000},
	"ILS": {2, 74_000}, "INR": {2, 1_670_000}, "JPY": {0, 3_000_000},
	"MYR": {2, 94_000}, "MXN": {2, 340_000}, "NOK": {2, 215_000},
	"NZD": {2, 33_000}, "PHP": {2, 1_120_000}, "PLN": {2, 80_000},
	"GBP": {2, 16_000}, "RUB": {2, 1_800_000}, "SGD": {2, 27_000},
	"SEK": {2, 215_000}, "CHF": {2, 18_000}, "THB": {2, 720_000},
	"TWD": {0, 640_000}, "USD": {2, 20_000},
}

// Decimals returns the number of decimals PayPal Payouts uses for currency
// (0 for HUF, JPY and TWD, 2 for the others) and whether PayPal Payouts
// supports the currency at all.
func Decimals(currency string) (int, bool) {
	ci, ok := currencies[currency]
	return ci.decimals, ok
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// defaultMaxItem is the default per-item maximum in minor units.
func defaultMaxItem(currency string) (int64, bool) {
	ci, ok := currencies[currency]
	if !ok {
		return 0, false
	}
	return ci.usd20k * pow10(ci.decimals), true
}

// defaultFeeCap is the default fee cap in minor units: USD 1.00 or its
// rough equivalent.
func defaultFeeCap(currency string) (int64, bool) {
	ci, ok := currencies[currency]
	if !ok {
		return 0, false
	}
	return ci.usd20k * pow10(ci.decimals) / 20_000, true
}

// parseAmount parses a PayPal amount value ("10.00", "10.5", "1000" for
// JPY) into minor units. It accepts at most the currency's decimals, no
// sign, no exponent and no separators. The returned issue is empty on
// success and says what is wrong otherwise.
func parseAmount(currency, value string) (minor int64, issue string) {
	dec, ok := Decimals(currency)
	if !ok {
		return 0, "Currency code is invalid or is not currently supported"
	}
	if value == "" {
		return 0, "Value is required"
	}
	intPart, frac, hasDot := strings.Cut(value, ".")
	if hasDot && dec == 0 {
		return 0, fmt.Sprintf("Currency %s does not support decimals", currency)
	}
	if intPart == "" || (hasDot && frac == "") || len(frac) > dec {
		return 0, "Value is invalid: it must be a decimal number with at most " + strconv.Itoa(dec) + " decimal places"
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return 0, "Value is invalid: it must be a decimal number with at most " + strconv.Itoa(dec) + " decimal places"
		}
	}
	if len(intPart) > 15 {
		return 0, "Value is too large"
	}
	frac += strings.Repeat("0", dec-len(frac))
	n, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return 0, "Value is invalid"
	}
	if n <= 0 {
		return 0, "Value must be greater than zero"
	}
	return n, ""
}

// parseConfigAmount parses an amount from a Config, which may be zero.
func parseConfigAmount(currency, value string) (int64, error) {
	if value == "0" || value == "0.00" || value == "0.0" {
		return 0, nil
	}
	n, issue := parseAmount(currency, value)
	if issue != "" {
		return 0, fmt.Errorf("amount %s %q: %s", currency, value, issue)
	}
	return n, nil
}

// formatAmount renders minor units with the currency's decimals.
func formatAmount(currency string, minor int64) string {
	dec, _ := Decimals(currency)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if dec > 0 {
		if len(s) <= dec {
			s = strings.Repeat("0", dec-len(s)+1) + s
		}
		s = s[:len(s)-dec] + "." + s[len(s)-dec:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
