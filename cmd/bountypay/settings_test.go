package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

// TestSettingsTable checks the table itself: unique names, secrets
// environment only, every default valid, every setting taken by a command
// and documented in the README.
func TestSettingsTable(t *testing.T) {
	c := newConfig(func(string) string { return "" })
	if errs := c.resolve(inAll); len(errs) > 0 {
		t.Fatalf("defaults do not parse: %v", settingErrors(errs))
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range c.settings() {
		if seen[s.name] {
			t.Errorf("%s: two settings of that name", s.name)
		}
		seen[s.name] = true
		if s.secret && !s.envOnly {
			t.Errorf("%s: a secret must be environment only", s.name)
		}
		if s.envOnly && (s.env == "" || s.name != s.env) {
			t.Errorf("%s: a setting without a flag is named after its environment variable", s.name)
		}
		if s.in == 0 || s.usage == "" || s.parse.set == nil {
			t.Errorf("%s: needs a group, a usage and a parser", s.name)
		}
		if !s.envOnly && !s.parse.isBool && !strings.Contains(s.usage, "`") {
			t.Errorf("%s: the usage names its value in `backquotes`", s.name)
		}
		taken := false
		walk(commands(), nil, func(_ []string, cmd *command) {
			if cmd.run != nil && cmd.flags != inAll && (inCommon|cmd.flags|cmd.reads)&s.in != 0 {
				taken = true
			}
		})
		if !taken {
			t.Errorf("%s: no command takes it", s.name)
		}
		if s.env != "" && !strings.Contains(string(readme), "`"+s.env+"`") {
			t.Errorf("%s: README.md does not document %s", s.name, s.env)
		}
		if !s.envOnly && !strings.Contains(string(readme), "`--"+s.name) {
			t.Errorf("%s: README.md does not document --%s", s.name, s.name)
		}
	}
}

// TestSettingsParseStrictly: booleans parse as strconv.ParseBool does,
// numbers and durations exactly, and anything else is an error naming the
// setting; flags win over the environment.
func TestSettingsParseStrictly(t *testing.T) {
	for _, tt := range []struct {
		name  string
		env   map[string]string
		flags map[string]string
		check func(c *config) bool
		bad   string // the setting named in the error; "" for none
	}{
		{"1 is true", map[string]string{"BOUNTYPAY_HOLD_WITHOUT_TAX_FORM": "1"}, nil, func(c *config) bool { return c.holdWithoutTaxForm }, ""},
		{"t is true", map[string]string{"BOUNTYPAY_KILL_SWITCH": "t"}, nil, func(c *config) bool { return c.killSwitch }, ""},
		{"TRUE is true", map[string]string{"BOUNTYPAY_LOG_JSON": "TRUE"}, nil, func(c *config) bool { return c.logJSON }, ""},
		{"0 is false", map[string]string{"BOUNTYPAY_KILL_SWITCH": "0"}, nil, func(c *config) bool { return !c.killSwitch }, ""},
		{"F is false", map[string]string{"BOUNTYPAY_HOLD_WITHOUT_TAX_FORM": "F"}, nil, func(c *config) bool { return !c.holdWithoutTaxForm }, ""},
		{"yes is no boolean", map[string]string{"BOUNTYPAY_HOLD_WITHOUT_TAX_FORM": "yes"}, nil, nil, "hold-without-tax-form"},
		{"on is no boolean", nil, map[string]string{"kill-switch": "on"}, nil, "kill-switch"},
		{"two is no number", map[string]string{"BOUNTYPAY_APPROVALS_REQUIRED": "two"}, nil, nil, "approvals-required"},
		{"zero approvers", nil, map[string]string{"approvals-required": "0"}, nil, "approvals-required"},
		{"3.5 approvers", map[string]string{"BOUNTYPAY_REVIEWERS_REQUIRED": "3.5"}, nil, nil, "reviewers-required"},
		{"0.8abc is no score", map[string]string{"BOUNTYPAY_REVIEW_THRESHOLD": "0.8abc"}, nil, nil, "review-threshold"},
		{"NaN is no score", map[string]string{"BOUNTYPAY_TWO_REVIEWER_SCORE": "NaN"}, nil, nil, "two-reviewer-score"},
		{"1.5 is no score", nil, map[string]string{"review-threshold": "1.5"}, nil, "review-threshold"},
		{"0.85 is a score", map[string]string{"BOUNTYPAY_REVIEW_THRESHOLD": "0.85"}, nil, func(c *config) bool { return c.reviewThreshold == 0.85 }, ""},
		{"30d is no duration", map[string]string{"BOUNTYPAY_APPROVAL_WINDOW": "30d"}, nil, nil, "approval-window"},
		{"negative duration", nil, map[string]string{"max-list-age": "-1h"}, nil, "max-list-age"},
		{"PayPal timeout", map[string]string{"PAYPAL_TIMEOUT": "soon"}, nil, nil, "PAYPAL_TIMEOUT"},
		{"cap without currency", map[string]string{"BOUNTYPAY_MAX_ITEM": "20000.00"}, nil, nil, "max-item"},
		{"threshold list", map[string]string{"BOUNTYPAY_APPROVAL_THRESHOLDS": "2000.00 USD, 3 PASS"}, nil,
			func(c *config) bool {
				return c.approvalThresholds["USD"] == 200000 && c.approvalThresholds["PASS"] == 3
			}, ""},
		{"schedule", map[string]string{"BOUNTYPAY_SCHEDULE": "every hour"}, nil, nil, "schedule"},
		{"log level", map[string]string{"BOUNTYPAY_LOG_LEVEL": "loud"}, nil, nil, "log-level"},
		{"pass value in euros", map[string]string{"BOUNTYPAY_PASS_FMV": "119.99 EUR"}, nil, nil, "pass-value"},
		{"PayPal base not a URL", map[string]string{"PAYPAL_API_BASE": "api-m.paypal.com", "PAYPAL_CLIENT_ID": "i", "PAYPAL_SECRET": "s"}, nil, nil, "PAYPAL_API_BASE"},
		{"PayPal base without secret", map[string]string{"PAYPAL_API_BASE": "https://api-m.paypal.com", "PAYPAL_CLIENT_ID": "i"}, nil, nil, "PAYPAL_API_BASE"},
		{"web address", nil, map[string]string{"web-addr": "8080"}, nil, "web-addr"},
		{"flag wins", map[string]string{"BOUNTYPAY_APPROVALS_REQUIRED": "3"}, map[string]string{"approvals-required": "4"},
			func(c *config) bool { return c.approvalsRequired == 4 }, ""},
		{"flag wins over a malformed variable", map[string]string{"BOUNTYPAY_MAX_LIST_AGE": "2 days"}, map[string]string{"max-list-age": "36h"},
			func(c *config) bool { return c.maxListAge == 36*time.Hour }, ""},
		{"environment over default", map[string]string{"BOUNTYPAY_APPROVAL_VALID_FOR": "24h"}, nil,
			func(c *config) bool { return c.approvalValidFor == 24*time.Hour }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newConfig(func(k string) string { return tt.env[k] })
			for name, v := range tt.flags {
				c.given[name] = flagValue{flag: "--" + name, text: v}
			}
			errs := c.resolve(inAll)
			switch {
			case tt.bad == "" && len(errs) > 0:
				t.Fatalf("unexpected error: %v", settingErrors(errs))
			case tt.bad != "" && (len(errs) != 1 || errs[0].setting.name != tt.bad):
				t.Fatalf("want one error naming %s, got %v", tt.bad, settingErrors(errs))
			case tt.bad != "" && !errors.Is(errs[0], models.ErrInvalid):
				t.Fatalf("%v is not models.ErrInvalid", errs[0])
			case tt.check != nil && !tt.check(c):
				t.Fatalf("wrong value: %+v", c)
			}
		})
	}
}

// TestMalformedSettingsStopCommands: through run(), a malformed setting
// from the environment or a flag stops the command before it does
// anything, with exit 2 and one line naming the setting and where it came
// from. Before, BOUNTYPAY_APPROVALS_REQUIRED=two was ignored, 0.8abc was a
// threshold and BOUNTYPAY_HOLD_WITHOUT_TAX_FORM=1 was false.
func TestMalformedSettingsStopCommands(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		args []string
		want []string
	}{
		{map[string]string{"BOUNTYPAY_APPROVALS_REQUIRED": "two"}, []string{"approve", "--list"}, []string{`BOUNTYPAY_APPROVALS_REQUIRED="two"`, "--approvals-required", "whole number"}},
		{nil, []string{"approve", "--list", "--approvals-required", "two"}, []string{`--approvals-required="two"`}},
		{map[string]string{"BOUNTYPAY_APPROVALS_REQUIRED": "two"}, []string{"sanctions", "load", "demodata"}, []string{"BOUNTYPAY_APPROVALS_REQUIRED"}},
		{map[string]string{"BOUNTYPAY_REVIEW_THRESHOLD": "0.8abc"}, []string{"run"}, []string{`BOUNTYPAY_REVIEW_THRESHOLD="0.8abc"`, "--review-threshold"}},
		{nil, []string{"screen", "--lists", "demodata", "--review-threshold", "0.8abc", "Jane Doe"}, []string{`--review-threshold="0.8abc"`}},
		{map[string]string{"BOUNTYPAY_HOLD_WITHOUT_TAX_FORM": "yes"}, []string{"run"}, []string{"BOUNTYPAY_HOLD_WITHOUT_TAX_FORM", "boolean"}},
		{nil, []string{"run", "--kill-switch=on"}, []string{`--kill-switch="on"`}},
		{map[string]string{"BOUNTYPAY_LOG_JSON": "yes"}, []string{"status"}, []string{"BOUNTYPAY_LOG_JSON"}},
		{map[string]string{"BOUNTYPAY_PASS_FMV": "119.99"}, []string{"report", "tax"}, []string{"BOUNTYPAY_PASS_FMV", "--pass-value"}},
		{map[string]string{"PAYPAL_TIMEOUT": "soon"}, []string{"payout", "reconcile"}, []string{`PAYPAL_TIMEOUT="soon"`}},
		{map[string]string{"BOUNTYPAY_SCHEDULE": "hourly"}, []string{"serve"}, []string{"BOUNTYPAY_SCHEDULE"}},
		{nil, []string{"web", "--addr", "8080"}, []string{`--addr="8080"`}},
		{map[string]string{"BOUNTYPAY_APPROVALS_REQUIRED": "two", "BOUNTYPAY_MAX_ITEM": "lots"}, []string{"run"}, []string{"BOUNTYPAY_APPROVALS_REQUIRED", "BOUNTYPAY_MAX_ITEM"}},
	} {
		name := strings.Join(tt.args, " ")
		t.Run(name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			env := map[string]string{"BOUNTYPAY_DATA": data}
			for k, v := range tt.env {
				env[k] = v
			}
			_, _, err := runArgs(env, tt.args...)
			if exitCode(err) != 2 || strings.Contains(err.Error(), "\n") {
				t.Fatalf("want exit 2 with one line, got exit %d: %v", exitCode(err), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
			noData(t, data)
		})
	}
}

// TestHoldWithoutTaxFormOne: BOUNTYPAY_HOLD_WITHOUT_TAX_FORM=1 holds a
// money award until a tax form is on file (it used to mean false).
func TestHoldWithoutTaxFormOne(t *testing.T) {
	c := &cli{t: t, env: map[string]string{"BOUNTYPAY_DATA": t.TempDir(), "BOUNTYPAY_HOLD_WITHOUT_TAX_FORM": "1"}}
	// 50.00 USD: below the maker-checker threshold, so only the tax form
	// rule holds it.
	c.importLines("ops", report("T-1", "xss", "high", researcherJSON{ID: "r-t", Name: "Grace Hopper", Country: "US", PayPal: "grace@example.com"}, "50.00 USD"))
	c.must("run")
	if out := c.must("approve", "--list"); !strings.Contains(out, "T-1/money") || !strings.Contains(out, "no tax form on file") {
		t.Fatalf("with BOUNTYPAY_HOLD_WITHOUT_TAX_FORM=1 the award must wait for a tax form:\n%s", out)
	}
}

// TestConfigCheck: config check prints every setting with its value and
// origin, never a secret, and exits 2 naming every malformed setting.
func TestConfigCheck(t *testing.T) {
	secrets := []string{"hunter2", "paypal-secret-value", "carol-token-0123456789", "entitlement-key"}
	env := map[string]string{
		"BOUNTYPAY_DATA":                  t.TempDir(),
		"DATABASE_URL":                    "postgres://bp:hunter2@db.internal:5432/bounty?sslmode=require",
		"PAYPAL_API_BASE":                 "https://api-m.sandbox.paypal.com",
		"PAYPAL_CLIENT_ID":                "client-1",
		"PAYPAL_SECRET":                   "paypal-secret-value",
		"PLEX_ENTITLEMENT_URL":            "https://plex.example/entitlements",
		"PLEX_ENTITLEMENT_SECRET":         "entitlement-key",
		"BOUNTYPAY_WEB_TOKENS":            "carol:carol-token-0123456789",
		"BOUNTYPAY_HOLD_WITHOUT_TAX_FORM": "1",
		"BOUNTYPAY_APPROVALS_REQUIRED":    "3",
	}
	out, errOut, err := runArgs(env, "config", "check", "--approvals-required", "4", "--kill-switch")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, row := range [][]string{
		{"--approvals-required", "BOUNTYPAY_APPROVALS_REQUIRED", "flag", "4"},
		{"--kill-switch", "BOUNTYPAY_KILL_SWITCH", "flag", "true"},
		{"--hold-without-tax-form", "BOUNTYPAY_HOLD_WITHOUT_TAX_FORM", "env", `true ("1")`},
		{"--max-list-age", "BOUNTYPAY_MAX_LIST_AGE", "default", "48h"},
		{"DATABASE_URL", "DATABASE_URL", "env", "postgres://bp:xxxxx@db.internal:5432/bounty?sslmode=require"},
		{"PAYPAL_SECRET", "PAYPAL_SECRET", "env", "(set, not shown)"},
		{"BOUNTYPAY_WEB_TOKENS", "BOUNTYPAY_WEB_TOKENS", "env", "carol:xxxxx"},
		{"PAYPAL_WEBHOOK_ID", "PAYPAL_WEBHOOK_ID", "default", "(unset)"},
	} {
		if !hasRow(out, row) {
			t.Errorf("no row %q in:\n%s", row, out)
		}
	}
	c := newConfig(func(string) string { return "" })
	if got, want := strings.Count(out, "\n"), len(c.settings())+1; got != want {
		t.Errorf("%d lines, want a header and one per setting (%d):\n%s", got, want, out)
	}
	for _, s := range secrets {
		if strings.Contains(out+errOut, s) {
			t.Errorf("config check shows the secret %q:\n%s", s, out)
		}
	}

	// A connection string that is not a URL is not shown at all; a secret
	// has no flag.
	out, _, err = runArgs(map[string]string{"DATABASE_URL": "host=db password=hunter2"}, "config", "check")
	if err != nil || strings.Contains(out, "hunter2") {
		t.Errorf("key=value DATABASE_URL: %v\n%s", err, out)
	}
	for _, flag := range []string{"--PAYPAL_SECRET=x", "--paypal-secret=x", "--DATABASE_URL=x", "--BOUNTYPAY_WEB_TOKENS=x"} {
		if _, _, err := runArgs(nil, "config", "check", flag); exitCode(err) != 2 {
			t.Errorf("config check %s: secrets are environment only, want an unknown flag, got %v", flag, err)
		}
	}

	// Every malformed setting is named, and the table still printed.
	bad := map[string]string{
		"BOUNTYPAY_APPROVALS_REQUIRED":    "two",
		"BOUNTYPAY_HOLD_WITHOUT_TAX_FORM": "yes",
		"BOUNTYPAY_WEB_TOKENS":            "carol:short-secret",
	}
	out, errOut, err = runArgs(bad, "config", "check", "--review-threshold", "0.8abc")
	if exitCode(err) != 2 {
		t.Fatalf("want exit 2, got %v", err)
	}
	for _, name := range []string{"approvals-required", "hold-without-tax-form", "review-threshold", "BOUNTYPAY_WEB_TOKENS"} {
		if !strings.Contains(err.Error(), name) || !strings.Contains(errOut, name) {
			t.Errorf("%s not named: %v\n%s", name, err, errOut)
		}
	}
	if strings.Count(out, "MALFORMED") != 4 || strings.Contains(out+errOut+err.Error(), "short-secret") {
		t.Errorf("want four MALFORMED rows and no token:\n%s\n%s", out, errOut)
	}
}

// hasRow reports whether a line of out has exactly these fields, the last
// one being the rest of the line.
func hasRow(out string, row []string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < len(row) {
			continue
		}
		head := f[:len(row)-1]
		rest := strings.Join(f[len(row)-1:], " ")
		if strings.Join(head, " ") == strings.Join(row[:len(row)-1], " ") && rest == row[len(row)-1] {
			return true
		}
	}
	return false
}
