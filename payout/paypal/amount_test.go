package paypal

import (
	"errors"
	"testing"

	"github.com/plex/bountypay/models"
)

func TestFormatAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		money models.Money
		want  string // "" means an error matching models.ErrInvalid
	}{
		{"USD", models.Money{Minor: 150000, Currency: "USD"}, "1500.00"},
		{"USD one cent", models.Money{Minor: 1, Currency: "USD"}, "0.01"},
		{"USD 20k", models.Money{Minor: 2000000, Currency: "USD"}, "20000.00"},
		{"EUR", models.Money{Minor: 1999, Currency: "EUR"}, "19.99"},
		{"GBP pence", models.Money{Minor: 5, Currency: "GBP"}, "0.05"},
		{"JPY (ISO 0, PayPal 0)", models.Money{Minor: 1500, Currency: "JPY"}, "1500"},
		{"HUF whole forints (ISO 2, PayPal 0)", models.Money{Minor: 150000, Currency: "HUF"}, "1500"},
		{"HUF fillér refused", models.Money{Minor: 150050, Currency: "HUF"}, ""},
		{"HUF one fillér refused", models.Money{Minor: 1, Currency: "HUF"}, ""},
		{"TWD whole dollars (ISO 2, PayPal 0)", models.Money{Minor: 100, Currency: "TWD"}, "1"},
		{"TWD cents refused", models.Money{Minor: 150, Currency: "TWD"}, ""},
		{"zero", models.Money{Minor: 0, Currency: "USD"}, "0.00"},
		{"negative", models.Money{Minor: -100, Currency: "USD"}, ""},
		{"KRW known to ISO, not to PayPal", models.Money{Minor: 1000, Currency: "KRW"}, ""},
		{"BHD 3 decimals, not PayPal", models.Money{Minor: 1000, Currency: "BHD"}, ""},
		{"unknown code", models.Money{Minor: 1000, Currency: "XXX"}, ""},
		{"lower case", models.Money{Minor: 1000, Currency: "usd"}, ""},
		{"empty currency", models.Money{Minor: 1000}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FormatAmount(tt.money)
			if tt.want == "" {
				if !errors.Is(err, models.ErrInvalid) {
					t.Fatalf("FormatAmount(%+v) = %q, %v; want ErrInvalid", tt.money, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("FormatAmount(%+v) = %q, %v; want %q", tt.money, got, err, tt.want)
			}
			// PayPal's string parses back to the same Money.
			back, err := parseAmount(got, tt.money.Currency)
			if err != nil || back != tt.money {
				t.Errorf("round trip %q = %+v, %v", got, back, err)
			}
		})
	}
}

func TestSupportedCurrency(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{
		"USD": true, "EUR": true, "JPY": true, "HUF": true, "TWD": true, "GBP": true, "CHF": true,
		"BRL": true, "KRW": false, "ZAR": false, "XXX": false, "usd": false, "": false,
	} {
		if got := SupportedCurrency(code); got != want {
			t.Errorf("SupportedCurrency(%q) = %v, want %v", code, got, want)
		}
	}
	for code := range paypalExponents {
		if _, ok := models.CurrencyExponent(code); !ok {
			t.Errorf("PayPal currency %s unknown to models", code)
		}
	}
}

func TestParseAmount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value, cur string
		want       models.Money
		ok         bool
	}{
		{"1500", "HUF", models.Money{Minor: 150000, Currency: "HUF"}, true},
		{"1500.00", "HUF", models.Money{Minor: 150000, Currency: "HUF"}, true},
		{"10.00", "JPY", models.Money{Minor: 10, Currency: "JPY"}, true},
		{"-0.25", "USD", models.Money{Minor: -25, Currency: "USD"}, true},
		{"", "", models.Money{}, true},
		{"1.234", "USD", models.Money{}, false},
		{"abc", "USD", models.Money{}, false},
		{"1", "XXX", models.Money{}, false},
	} {
		got, err := parseAmount(tt.value, tt.cur)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseAmount(%q, %q) = %+v, %v", tt.value, tt.cur, got, err)
		}
	}
}
