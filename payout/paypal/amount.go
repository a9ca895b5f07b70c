package paypal

import (
	"fmt"
	"strings"

	"github.com/plex/bountypay/models"
)

// paypalExponents is PayPal's own decimal table for Payouts (its
// currency codes reference). It
// differs from ISO 4217: HUF and TWD take integers at PayPal although ISO
// gives them two decimals ("Decimal amounts will throw an error").
var paypalExponents = map[string]int{
	"HUF": 0, "JPY": 0, "TWD": 0,
	"AUD": 2, "BRL": 2, "CAD": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2,
	"HKD": 2, "ILS": 2, "INR": 2, "MYR": 2, "MXN": 2, "NOK": 2, "NZD": 2,
	"PHP": 2, "PLN": 2, "GBP": 2, "RUB": 2, "SGD": 2, "SEK": 2, "CHF": 2,
	"THB": 2, "USD": 2,
}

// SupportedCurrency reports whether PayPal Payouts accepts code (an
// upper-case ISO 4217 code) and bountypay knows its exponent. BRL, CNY, INR
// and MYR are listed by PayPal as in-country only; whether a given account
// can send them is decided by PayPal (NON_HOLDING_CURRENCY).
func SupportedCurrency(code string) bool {
	_, ok := paypalExponents[code]
	if !ok {
		return false
	}
	_, ok = models.CurrencyExponent(code)
	return ok
}

// FormatAmount renders m as the decimal string PayPal expects, with
// PayPal's exponent for the currency: 1500.00 USD is "1500.00", 1500 JPY is
// "1500", and 1500.00 HUF (Minor 150000 under ISO's two decimals) is
// "1500". Amounts that PayPal's exponent cannot represent exactly (150050
// HUF minor units), negative amounts and unsupported currencies are errors
// matching models.ErrInvalid. The result is deterministic, so a retry sends
// the identical body.
func FormatAmount(m models.Money) (string, error) {
	ppExp, ok := paypalExponents[m.Currency]
	if !ok {
		return "", fmt.Errorf("amount %s: currency not supported by PayPal Payouts: %w", m.Currency, models.ErrInvalid)
	}
	isoExp, ok := models.CurrencyExponent(m.Currency)
	if !ok {
		return "", fmt.Errorf("amount %s: unknown ISO 4217 currency: %w", m.Currency, models.ErrInvalid)
	}
	if m.Minor < 0 {
		return "", fmt.Errorf("amount %s: negative: %w", m, models.ErrInvalid)
	}
	minor := m.Minor
	switch {
	case isoExp > ppExp:
		f := pow10(isoExp - ppExp)
		if minor%f != 0 {
			return "", fmt.Errorf("amount %s: PayPal takes %d decimals for %s, cannot send exactly: %w",
				m, ppExp, m.Currency, models.ErrInvalid)
		}
		minor /= f
	case isoExp < ppExp:
		f := pow10(ppExp - isoExp)
		if minor > (1<<63-1)/f {
			return "", fmt.Errorf("amount %s: too large: %w", m, models.ErrInvalid)
		}
		minor *= f
	}
	return models.FormatMinor(minor, ppExp), nil
}

// parseAmount turns PayPal's {currency, value} into Money in ISO minor
// units. An absent amount (both empty) is the zero Money.
func parseAmount(value, currency string) (models.Money, error) {
	if value == "" && currency == "" {
		return models.Money{}, nil
	}
	neg := strings.HasPrefix(value, "-")
	m, err := models.ParseMoney(strings.TrimPrefix(value, "-"), currency)
	if err != nil {
		return models.Money{}, fmt.Errorf("amount %q %s: %w", value, currency, err)
	}
	if neg {
		m.Minor = -m.Minor
	}
	return m, nil
}

func pow10(n int) int64 {
	v := int64(1)
	for range n {
		v *= 10
	}
	return v
}
