package policy

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

var update = flag.Bool("update", false, "rewrite testdata/policy-*.golden.txt")

func defaultPolicy(t testing.TB) *Policy {
	t.Helper()
	ps, err := Embedded()
	if err != nil {
		t.Fatalf("Embedded: %v", err)
	}
	if len(ps) == 0 {
		t.Fatal("no embedded policies")
	}
	return ps[0]
}

func approvedReport() models.Report {
	return models.Report{
		ID: "RPT-1", Title: "t", Category: models.CategoryRCE, Severity: models.SeverityCritical,
		Status: models.ReportApproved, Reproduced: true, ApprovedBy: "alice",
		ApprovedAt: time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC),
		Researcher: models.Researcher{ID: "r-1", Name: "Ada", Country: "GB"},
	}
}

func usd(minor int64) *models.Money { return &models.Money{Minor: minor, Currency: "USD"} }

func TestDefaultPolicy(t *testing.T) {
	p := defaultPolicy(t)
	if p.Version != "v1" || !p.EffectiveFrom.Equal(time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)) || !p.ReproductionRequired {
		t.Errorf("got %s %s %v", p.Version, p.EffectiveFrom, p.ReproductionRequired)
	}
	if len(p.Hash()) != 64 || !bytes.Contains(p.YAML(), []byte("version:")) {
		t.Error("hash or YAML missing")
	}
	qualifying := map[models.Category]bool{"rce": true, "privilege_escalation": true, "authentication": true, "xss": true, "csrf": true}
	for _, c := range models.AllCategories() {
		rule := p.Categories[c]
		if rule.Qualifies != qualifying[c] {
			t.Errorf("%s qualifies = %v", c, rule.Qualifies)
		}
		if !rule.Qualifies && rule.Reason == "" {
			t.Errorf("%s has no reason", c)
		}
		if rule.WithOverride != (c == models.CategoryOther) {
			t.Errorf("%s with_override = %v", c, rule.WithOverride)
		}
	}
	want := map[models.Severity]models.Reward{
		"critical": {Money: usd(500000), PlexPass: true},
		"high":     {Money: usd(200000), PlexPass: true},
		"medium":   {Money: usd(50000), PlexPass: true},
		"low":      {PlexPass: true},
		"none":     {},
	}
	for s, w := range want {
		got := p.Severities[s]
		if (got.Money == nil) != (w.Money == nil) || got.Money != nil && *got.Money != *w.Money || got.PlexPass != w.PlexPass || got.Other != w.Other {
			t.Errorf("%s: got %+v, want %+v", s, got, w)
		}
	}
}

func TestDecide(t *testing.T) {
	p := defaultPolicy(t)
	type award struct {
		kind   models.AwardKind
		amount models.Money
		desc   string
	}
	tests := []struct {
		name       string
		edit       func(r *models.Report)
		wantReason string // substring; rejected when wantAwards is empty
		wantAwards []award
		override   bool
	}{
		{name: "critical", wantReason: "policy v1: rce critical",
			wantAwards: []award{{models.AwardMoney, *usd(500000), ""}, {models.AwardPlexPass, models.Money{}, "lifetime Plex Pass"}}},
		{name: "high", edit: func(r *models.Report) { r.Severity = "high"; r.Category = "xss" },
			wantAwards: []award{{models.AwardMoney, *usd(200000), ""}, {models.AwardPlexPass, models.Money{}, "lifetime Plex Pass"}}},
		{name: "medium", edit: func(r *models.Report) { r.Severity = "medium"; r.Category = "csrf" },
			wantAwards: []award{{models.AwardMoney, *usd(50000), ""}, {models.AwardPlexPass, models.Money{}, "lifetime Plex Pass"}}},
		{name: "low: pass only", edit: func(r *models.Report) { r.Severity = "low"; r.Category = "authentication" },
			wantAwards: []award{{models.AwardPlexPass, models.Money{}, "lifetime Plex Pass"}}},
		{name: "privilege escalation qualifies", edit: func(r *models.Report) { r.Category = "privilege_escalation"; r.Severity = "low" },
			wantAwards: []award{{models.AwardPlexPass, models.Money{}, "lifetime Plex Pass"}}},
		{name: "severity none", edit: func(r *models.Report) { r.Severity = "none" }, wantReason: "severity none: the policy gives no reward"},
		{name: "not reproduced", edit: func(r *models.Report) { r.Reproduced = false }, wantReason: "not reproduced: engineers must be able to reproduce it"},
		{name: "status rejected", edit: func(r *models.Report) { r.Status = "rejected" }, wantReason: "status rejected: triage rejected"},
		{name: "duplicate", edit: func(r *models.Report) { r.Status = "duplicate"; r.DuplicateOf = "RPT-0" }, wantReason: "duplicate of RPT-0: only unknown issues are rewarded"},
		{name: "duplicate with override", edit: func(r *models.Report) {
			r.Status, r.DuplicateOf, r.Reward = "duplicate", "RPT-0", &models.Reward{Money: usd(100)}
		}, wantReason: "duplicate of RPT-0"},
		{name: "unknown status", edit: func(r *models.Report) { r.Status = "open" }, wantReason: `unknown report status "open"`},
		{name: "denial of service", edit: func(r *models.Report) { r.Category = "denial_of_service" }, wantReason: `category denial_of_service does not qualify: the policy lists "denial of service"`},
		{name: "malicious link", edit: func(r *models.Report) { r.Category = "malicious_link" }, wantReason: "sending malicious links to people you know"},
		{name: "third party", edit: func(r *models.Report) { r.Category = "third_party" }, wantReason: "third-party sites"},
		{name: "insecure cookie", edit: func(r *models.Report) { r.Category = "insecure_cookie" }, wantReason: "insecure cookie handling"},
		{name: "social engineering", edit: func(r *models.Report) { r.Category = "social_engineering" }, wantReason: "spam or social engineering"},
		{name: "pin bypass", edit: func(r *models.Report) { r.Category = "pin_bypass" }, wantReason: "4-digit PIN"},
		{name: "non-qualifying even with override", edit: func(r *models.Report) {
			r.Category, r.Reward = "pin_bypass", &models.Reward{Money: usd(100)}
		}, wantReason: "category pin_bypass does not qualify"},
		{name: "other without override", edit: func(r *models.Report) { r.Category = "other" }, wantReason: "category other does not qualify: not one of the policy's qualifying categories"},
		{name: "other with override", edit: func(r *models.Report) {
			r.Category, r.Reward = "other", &models.Reward{Other: "a hoodie"}
		}, override: true, wantReason: "reward set by triage", wantAwards: []award{{models.AwardOther, models.Money{}, "a hoodie"}}},
		{name: "override replaces table", edit: func(r *models.Report) {
			r.Reward = &models.Reward{Money: &models.Money{Minor: 150000, Currency: "EUR"}}
		}, override: true, wantAwards: []award{{models.AwardMoney, models.Money{Minor: 150000, Currency: "EUR"}, ""}}},
		{name: "override everything", edit: func(r *models.Report) {
			r.Severity, r.Reward = "low", &models.Reward{Money: usd(150000), PlexPass: true, Other: "swag"}
		}, override: true, wantAwards: []award{{models.AwardMoney, *usd(150000), ""}, {models.AwardPlexPass, models.Money{}, "lifetime Plex Pass"}, {models.AwardOther, models.Money{}, "swag"}}},
		{name: "override on severity none", edit: func(r *models.Report) {
			r.Severity, r.Reward = "none", &models.Reward{PlexPass: true}
		}, override: true, wantAwards: []award{{models.AwardPlexPass, models.Money{}, "lifetime Plex Pass"}}},
		{name: "empty override", edit: func(r *models.Report) { r.Reward = &models.Reward{} }, override: true, wantReason: "override gives nothing"},
		{name: "override still needs reproduction", edit: func(r *models.Report) {
			r.Reproduced, r.Reward = false, &models.Reward{PlexPass: true}
		}, wantReason: "not reproduced"},
		{name: "unknown category", edit: func(r *models.Report) { r.Category = "sqli" }, wantReason: `category "sqli" is not in policy v1`},
		{name: "unknown severity", edit: func(r *models.Report) { r.Severity = "urgent" }, wantReason: `severity "urgent" is not in policy v1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := approvedReport()
			if tc.edit != nil {
				tc.edit(&r)
			}
			d := p.Decide(r)
			if d.PolicyVersion != "v1" {
				t.Errorf("version %q", d.PolicyVersion)
			}
			if !strings.Contains(d.Reason, tc.wantReason) {
				t.Errorf("reason %q, want it to contain %q", d.Reason, tc.wantReason)
			}
			if d.Override != tc.override {
				t.Errorf("override %v", d.Override)
			}
			if len(tc.wantAwards) == 0 {
				if !d.Rejected || len(d.Awards) != 0 {
					t.Errorf("want rejection, got %+v", d)
				}
				return
			}
			if d.Rejected || len(d.Awards) != len(tc.wantAwards) {
				t.Fatalf("got %+v, want %d awards", d, len(tc.wantAwards))
			}
			for i, w := range tc.wantAwards {
				a := d.Awards[i]
				if a.Kind != w.kind || a.Amount != w.amount || a.Description != w.desc {
					t.Errorf("award %d: got %s %v %q, want %s %v %q", i, a.Kind, a.Amount, a.Description, w.kind, w.amount, w.desc)
				}
				if a.ID != models.AwardID(r.ID, w.kind) || a.ReportID != r.ID || a.ResearcherID != "r-1" ||
					a.State != models.StatePending || a.PolicyVersion != "v1" || a.Reason == "" {
					t.Errorf("award %d: %+v", i, a)
				}
			}
		})
	}
}

// policyYAML is a small valid policy to edit in tests.
const policyYAML = `version: "t1"
effective_from: 2026-01-01
reproduction_required: true
reasons: {rejected: r, duplicate: d, not_reproduced: n, no_reward: z}
categories:
  rce: {qualifies: true}
  privilege_escalation: {qualifies: true}
  authentication: {qualifies: true}
  xss: {qualifies: true}
  csrf: {qualifies: true}
  denial_of_service: {qualifies: false, reason: x}
  malicious_link: {qualifies: false, reason: x}
  third_party: {qualifies: false, reason: x}
  insecure_cookie: {qualifies: false, reason: x}
  social_engineering: {qualifies: false, reason: x}
  pin_bypass: {qualifies: false, reason: x}
  other: {qualifies: false, with_override: true, reason: x}
severities:
  critical: {money: {amount: "5000.00", currency: USD}, plex_pass: true}
  high: {money: {amount: "2000", currency: USD}}
  medium: {other: "a t-shirt"}
  low: {plex_pass: true}
  none:
`

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		old     string // replaced in policyYAML
		new     string
		wantErr string // substring; "" means valid
	}{
		{name: "valid"},
		{name: "unknown key", old: "reproduction_required: true", new: "reproduction_required: true\nreproducible: true", wantErr: "line 4: reproducible: unknown key"},
		{name: "unknown category key", old: "rce: {qualifies: true}", new: "rce: {qualifies: true, qualify: true}", wantErr: "line 6: categories.rce.qualify: unknown key"},
		{name: "unknown category", old: "  rce: {qualifies: true}", new: "  rce: {qualifies: true}\n  sqli: {qualifies: true}", wantErr: "line 7: categories.sqli: unknown category"},
		{name: "missing category", old: "  csrf: {qualifies: true}\n", new: "", wantErr: "no rule for category csrf"},
		{name: "unknown severity", old: "  low: {plex_pass: true}", new: "  low: {plex_pass: true}\n  urgent: {plex_pass: true}", wantErr: "line 23: severities.urgent: unknown severity"},
		{name: "missing severity", old: "  low: {plex_pass: true}\n", new: "", wantErr: "no reward for severity low"},
		{name: "unquoted amount", old: `amount: "5000.00"`, new: `amount: 5000.00`, wantErr: `line 19: severities.critical.money.amount: must be a quoted string, a decimal such as "5000.00"`},
		{name: "too many decimals", old: `"5000.00"`, new: `"5000.001"`, wantErr: `line 19: severities.critical.money.amount: "5000.001" is not a valid USD amount`},
		{name: "negative amount", old: `"5000.00"`, new: `"-5000.00"`, wantErr: "not a valid USD amount"},
		{name: "zero amount", old: `"5000.00"`, new: `"0"`, wantErr: "must be more than zero"},
		{name: "unknown currency", old: "currency: USD}, plex_pass", new: "currency: XXX}, plex_pass", wantErr: `line 19: severities.critical.money.currency: "XXX" is not an ISO 4217 currency`},
		{name: "missing currency", old: `{amount: "2000", currency: USD}`, new: `{amount: "2000"}`, wantErr: "severities.high.money.currency: required"},
		{name: "money key typo", old: `{amount: "2000", currency: USD}`, new: `{amount: "2000", currency: USD, cents: 1}`, wantErr: "severities.high.money.cents: unknown key"},
		{name: "qualifies not bool", old: "xss: {qualifies: true}", new: "xss: {qualifies: maybe}", wantErr: "line 9: categories.xss.qualifies: must be true or false"},
		{name: "qualifies missing", old: "xss: {qualifies: true}", new: "xss: {description: d}", wantErr: "categories.xss.qualifies: required"},
		{name: "reason missing", old: "pin_bypass: {qualifies: false, reason: x}", new: "pin_bypass: {qualifies: false}", wantErr: "categories.pin_bypass.reason: required"},
		{name: "override on qualifying", old: "xss: {qualifies: true}", new: "xss: {qualifies: true, with_override: true}", wantErr: "categories.xss.with_override: only for a category that does not qualify"},
		{name: "repeated key", old: "  rce: {qualifies: true}", new: "  rce: {qualifies: true}\n  rce: {qualifies: true}", wantErr: "categories.rce: appears more than once"},
		{name: "version missing", old: `version: "t1"` + "\n", new: "", wantErr: "version: required"},
		{name: "version with space", old: `version: "t1"`, new: `version: "t 1"`, wantErr: "line 1: version"},
		{name: "numeric version kept literally", old: `version: "t1"`, new: `version: 1.10`},
		{name: "bad date", old: "effective_from: 2026-01-01", new: "effective_from: 2026-13-01", wantErr: "line 2: effective_from"},
		{name: "rfc3339 date", old: "effective_from: 2026-01-01", new: "effective_from: 2026-01-01T12:00:00+02:00"},
		{name: "reason key missing", old: "no_reward: z}", new: "}", wantErr: "reasons.no_reward: required"},
		{name: "not yaml", old: "categories:", new: "categories: [", wantErr: "policy: yaml:"},
		{name: "not a mapping", old: policyYAML, new: "- a\n- b\n", wantErr: "the document must be a mapping"},
		{name: "empty", old: policyYAML, new: "", wantErr: "empty document"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := policyYAML
			if tc.old != "" {
				if !strings.Contains(src, tc.old) {
					t.Fatalf("%q not in the policy", tc.old)
				}
				src = strings.Replace(src, tc.old, tc.new, 1)
			}
			p, err := Load(strings.NewReader(src))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if tc.name == "numeric version kept literally" && p.Version != "1.10" {
					t.Errorf("version %q", p.Version)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.wantErr)
			}
			if !errors.Is(err, models.ErrInvalid) {
				t.Errorf("%v does not match ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoadCollectsAllErrors(t *testing.T) {
	src := strings.Replace(strings.Replace(policyYAML, `"5000.00"`, `5000`, 1), "xss: {qualifies: true}", "xss: {qualifies: 1}", 1)
	_, err := Load(strings.NewReader(src))
	if err == nil || !strings.Contains(err.Error(), "line 19") || !strings.Contains(err.Error(), "line 9") {
		t.Errorf("got %v", err)
	}
}

func mustPolicy(t testing.TB, version, from string) *Policy {
	t.Helper()
	src := strings.Replace(strings.Replace(policyYAML, `version: "t1"`, `version: "`+version+`"`, 1),
		"effective_from: 2026-01-01", "effective_from: "+from, 1)
	p, err := Load(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSet(t *testing.T) {
	a, b := mustPolicy(t, "a", "2025-01-01"), mustPolicy(t, "b", "2026-01-01")
	s, err := NewSet(b, a)
	if err != nil {
		t.Fatal(err)
	}
	at := func(ts string) string {
		p, err := s.At(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
		if ts != "" {
			tm, _ := time.Parse(time.RFC3339, ts)
			p, err = s.At(tm)
		}
		if err != nil {
			if !errors.Is(err, models.ErrNotFound) {
				t.Errorf("At(%s): %v", ts, err)
			}
			return "none"
		}
		return p.Version
	}
	for ts, want := range map[string]string{
		"":                          "none",
		"2024-12-31T23:59:59Z":      "none",
		"2025-01-01T00:00:00Z":      "a",
		"2025-12-31T23:59:59Z":      "a",
		"2026-01-01T01:00:00+02:00": "a", // 2025-12-31T23:00Z
		"2026-01-01T00:00:00Z":      "b",
		"2030-01-01T00:00:00Z":      "b",
	} {
		if got := at(ts); got != want {
			t.Errorf("At(%s) = %s, want %s", ts, got, want)
		}
	}
	if s.Latest().Version != "b" || len(s.Policies()) != 2 {
		t.Error("Latest or Policies")
	}
	if p, err := s.Version("a"); err != nil || p != a {
		t.Errorf("Version(a) = %v, %v", p, err)
	}
	if _, err := s.Version("z"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Version(z) = %v", err)
	}

	r := approvedReport()
	r.ApprovedAt = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	if d, err := s.Decide(r); err != nil || d.PolicyVersion != "a" {
		t.Errorf("Decide 2025: %+v %v", d, err)
	}
	r.ApprovedAt = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if d, err := s.Decide(r); err != nil || d.PolicyVersion != "b" || d.Rejected {
		t.Errorf("Decide 2026: %+v %v", d, err)
	}
	r.ApprovedAt = time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.Decide(r); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Decide 2020: %v", err)
	}
	r.ApprovedAt = time.Time{}
	if _, err := s.Decide(r); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("Decide approved without time: %v", err)
	}
	r.Status, r.DuplicateOf = models.ReportDuplicate, "RPT-0"
	if d, err := s.Decide(r); err != nil || !d.Rejected || d.PolicyVersion != "a" {
		t.Errorf("Decide duplicate without time: %+v %v", d, err)
	}

	if _, err := NewSet(); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("empty set: %v", err)
	}
	if _, err := NewSet(a, mustPolicy(t, "a", "2027-01-01")); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("repeated version: %v", err)
	}
	if _, err := NewSet(a, mustPolicy(t, "c", "2025-01-01")); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("same effective date: %v", err)
	}
	if _, err := Default(); err != nil {
		t.Errorf("Default: %v", err)
	}
}

func TestRender(t *testing.T) {
	p := defaultPolicy(t)
	var b bytes.Buffer
	if err := p.Render(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "policy-v1.golden.txt")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("render differs from %s (run with -update):\n%s", path, b.String())
	}
}
