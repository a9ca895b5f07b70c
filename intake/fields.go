package intake

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/plex/bountypay/models"
)

// Field limits.
const (
	maxIDLen    = 128
	maxTextLen  = 500
	maxNameLen  = 300
	maxShortLen = 128
	maxOtherLen = 200
	maxPostal   = 16
	maxEmailLen = 254
)

// kind is the JSON type a leaf field takes.
type kind int

const (
	kindString kind = iota
	kindBool
)

// fieldSpec is one leaf field of a record, by dotted name.
type fieldSpec struct {
	name string
	kind kind
}

// fieldSpecs lists every leaf field in canonical order; CSV headers use
// these names. Read-only.
var fieldSpecs = [...]fieldSpec{
	{"id", kindString},
	{"title", kindString},
	{"category", kindString},
	{"severity", kindString},
	{"status", kindString},
	{"duplicate_of", kindString},
	{"reproduced", kindBool},
	{"approved_by", kindString},
	{"approved_at", kindString},
	{"researcher.id", kindString},
	{"researcher.name", kindString},
	{"researcher.email", kindString},
	{"researcher.country", kindString},
	{"researcher.region", kindString},
	{"researcher.city", kindString},
	{"researcher.postal_code", kindString},
	{"researcher.paypal_receiver", kindString},
	{"researcher.plex_account", kindString},
	{"researcher.date_of_birth", kindString},
	{"reward.money.amount", kindString},
	{"reward.money.currency", kindString},
	{"reward.plex_pass", kindBool},
	{"reward.other", kindString},
}

func schema() []fieldSpec { return fieldSpecs[:] }

// Columns returns the field names a CSV header may use, in canonical
// order.
func Columns() []string {
	s := schema()
	names := make([]string, len(s))
	for i, f := range s {
		names[i] = f.name
	}
	return names
}

func lookupField(name string) (fieldSpec, bool) {
	for _, f := range schema() {
		if f.name == name {
			return f, true
		}
	}
	return fieldSpec{}, false
}

// isObject reports whether the dotted path names a nested object.
func isObject(path string) bool {
	return path == "researcher" || path == "reward" || path == "reward.money"
}

// rawRecord is one record as read, before validation: leaf values by
// dotted name (trimmed; booleans as "true"/"false"), absent when null or
// an empty CSV cell.
type rawRecord struct {
	line      int
	vals      map[string]string
	rewardSet bool                 // a reward object, or a non-empty reward.* cell
	broken    bool                 // not a record at all: report only errs
	errs      []*models.FieldError // problems found while reading
}

// builder validates raw records into reports.
type builder struct {
	file string
	now  time.Time
}

// check collects the field errors of one record.
type check struct {
	file string
	line int
	errs []*models.FieldError
}

func (c *check) fail(field, format string, args ...any) {
	c.errs = append(c.errs, &models.FieldError{File: c.file, Line: c.line, Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (b builder) build(rec rawRecord) (models.Report, []*models.FieldError) {
	c := &check{file: b.file, line: rec.line, errs: append([]*models.FieldError(nil), rec.errs...)}
	if rec.broken {
		return models.Report{}, c.errs
	}
	v := rec.vals
	var r models.Report

	r.ID = c.identifier("id", v["id"], true)
	r.Title = c.text("title", v["title"], maxTextLen)
	r.Category = models.Category(c.enum("category", v["category"], enumStrings(models.AllCategories())))
	r.Severity = models.Severity(c.enum("severity", v["severity"], enumStrings(models.AllSeverities())))
	r.Status = models.ReportStatus(c.enum("status", v["status"], enumStrings(models.AllReportStatuses())))
	r.DuplicateOf = c.identifier("duplicate_of", v["duplicate_of"], r.Status == models.ReportDuplicate)
	if r.DuplicateOf != "" && r.Status != "" && r.Status != models.ReportDuplicate {
		c.fail("duplicate_of", "only allowed when status is duplicate (status is %s)", r.Status)
	}
	if r.DuplicateOf != "" && r.DuplicateOf == r.ID {
		c.fail("duplicate_of", "a report cannot be a duplicate of itself")
	}
	r.Reproduced = v["reproduced"] == "true"
	r.ApprovedBy = c.identifier("approved_by", v["approved_by"], false)
	r.ApprovedAt = c.timestamp("approved_at", v["approved_at"], r.Status == models.ReportApproved, b.now)

	rs := &r.Researcher
	rs.ID = c.identifier("researcher.id", v["researcher.id"], true)
	rs.Name = c.required("researcher.name", c.text("researcher.name", v["researcher.name"], maxNameLen))
	rs.Email = c.email("researcher.email", v["researcher.email"])
	rs.Country = c.country("researcher.country", v["researcher.country"])
	rs.Region = c.region("researcher.region", v["researcher.region"], rs.Country, v["researcher.country"])
	rs.City = c.text("researcher.city", v["researcher.city"], maxShortLen)
	rs.PostalCode = c.postalCode("researcher.postal_code", v["researcher.postal_code"])
	rs.PayPalReceiver = c.email("researcher.paypal_receiver", v["researcher.paypal_receiver"])
	rs.PlexAccount = c.identifier("researcher.plex_account", v["researcher.plex_account"], false)
	rs.DateOfBirth = c.date("researcher.date_of_birth", v["researcher.date_of_birth"], b.now)

	if rec.rewardSet {
		r.Reward = c.reward(v, r.Status)
	}

	// Name the record in every error once its id is known to be good.
	if r.ID != "" {
		for _, e := range c.errs {
			e.Record = r.ID
		}
	}
	return r, c.errs
}

func enumStrings[T ~string](vals []T) []string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = string(v)
	}
	return s
}

func (c *check) required(field, v string) string {
	if v == "" && !c.failed(field) {
		c.fail(field, "required")
	}
	return v
}

// failed reports whether field, or an object containing it, already has
// an error.
func (c *check) failed(field string) bool {
	for _, e := range c.errs {
		if e.Field == field || (e.Field != "" && strings.HasPrefix(field, e.Field+".")) {
			return true
		}
	}
	return false
}

// identifier checks an id-like value: at most 128 printable characters.
func (c *check) identifier(field, v string, required bool) string {
	if v == "" {
		if required && !c.failed(field) {
			c.fail(field, "required")
		}
		return ""
	}
	if n := utf8.RuneCountInString(v); n > maxIDLen {
		c.fail(field, "longer than %d characters (%d)", maxIDLen, n)
		return ""
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			c.fail(field, "contains the non-printable character %U", r)
			return ""
		}
	}
	return v
}

// text checks free text: at most max graphic characters (letters, marks,
// numbers, punctuation, symbols, spaces; no control characters).
func (c *check) text(field, v string, max int) string {
	if v == "" {
		return ""
	}
	if n := utf8.RuneCountInString(v); n > max {
		c.fail(field, "longer than %d characters (%d)", max, n)
		return ""
	}
	for _, r := range v {
		if !unicode.IsGraphic(r) {
			c.fail(field, "contains the non-printable character %U", r)
			return ""
		}
	}
	return v
}

// enum checks a required value against its allowed set, ignoring case.
func (c *check) enum(field, v string, allowed []string) string {
	if v == "" {
		if !c.failed(field) {
			c.fail(field, "required (one of %s)", strings.Join(allowed, ", "))
		}
		return ""
	}
	lv := strings.ToLower(v)
	for _, a := range allowed {
		if lv == a {
			return a
		}
	}
	c.fail(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return ""
}

func (c *check) timestamp(field, v string, required bool, now time.Time) time.Time {
	if v == "" {
		if required && !c.failed(field) {
			c.fail(field, "required for approved reports (RFC 3339, e.g. 2026-01-31T12:00:00Z)")
		}
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		c.fail(field, "%q is not an RFC 3339 time such as 2026-01-31T12:00:00Z", v)
		return time.Time{}
	}
	if t.Nanosecond()%int(time.Microsecond) != 0 {
		c.fail(field, "%q is more precise than microseconds (databases keep microseconds)", v)
		return time.Time{}
	}
	if t.Year() < 2000 {
		c.fail(field, "%q is before 2000", v)
		return time.Time{}
	}
	if t.After(now.Add(time.Hour)) {
		c.fail(field, "%q is in the future", v)
		return time.Time{}
	}
	return t.UTC()
}

func (c *check) date(field, v string, now time.Time) string {
	if v == "" {
		return ""
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil || len(v) != len(time.DateOnly) {
		c.fail(field, "%q is not a date in the form YYYY-MM-DD", v)
		return ""
	}
	if t.Year() < 1900 || t.After(now) {
		c.fail(field, "%q is not a plausible date of birth", v)
		return ""
	}
	return v
}

func (c *check) email(field, v string) string {
	if v == "" {
		return ""
	}
	if !validEmail(v) {
		c.fail(field, "%q is not a valid email address", v)
		return ""
	}
	return v
}

// validEmail accepts a plain addr-spec: a dot-atom local part of at most
// 64 ASCII characters, "@", and a domain of at least two DNS labels
// (internationalised domains in their xn-- form). Display names, quoted
// local parts and IP-literal domains are refused.
func validEmail(s string) bool {
	if len(s) > maxEmailLen {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		ch := local[i]
		if !isAlnum(ch) && !strings.ContainsRune("!#$%&'*+/=?^_`{|}~-.", rune(ch)) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 || len(domain) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return false
	}
	if !strings.HasPrefix(strings.ToLower(tld), "xn--") {
		for i := 0; i < len(tld); i++ {
			if isDigit(tld[i]) || tld[i] == '-' {
				return false
			}
		}
	}
	return true
}

func isAlnum(ch byte) bool {
	return isDigit(ch) || ('a' <= ch && ch <= 'z') || ('A' <= ch && ch <= 'Z')
}

func isDigit(ch byte) bool { return '0' <= ch && ch <= '9' }

func (c *check) country(field, v string) string {
	if v == "" {
		return ""
	}
	u := strings.ToUpper(v)
	if !IsCountryCode(u) {
		c.fail(field, "%q is not an ISO 3166-1 alpha-2 country code", v)
		return ""
	}
	return u
}

// region checks an ISO 3166-2 code ("UA-43"): the country code, a hyphen
// and one to three letters or digits; Ukrainian codes are checked against
// the full list because jurisdiction rules depend on them.
func (c *check) region(field, v, country, rawCountry string) string {
	if v == "" {
		return ""
	}
	u := strings.ToUpper(v)
	cc, sub, ok := strings.Cut(u, "-")
	if !ok || len(cc) != 2 || len(sub) < 1 || len(sub) > 3 || !isUpperAlpha(cc) || !isUpperAlnum(sub) {
		c.fail(field, "%q is not an ISO 3166-2 subdivision code such as UA-43", v)
		return ""
	}
	if rawCountry == "" {
		c.fail(field, "needs researcher.country")
		return ""
	}
	if country == "" {
		return "" // the country is already reported
	}
	if cc != country {
		c.fail(field, "%q does not start with the country code %s", v, country)
		return ""
	}
	if cc == "UA" && !isUkrainianRegion(u) {
		c.fail(field, "%q is not an ISO 3166-2 subdivision of Ukraine", v)
		return ""
	}
	return u
}

func isUpperAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && (s[i] < 'A' || s[i] > 'Z') {
			return false
		}
	}
	return true
}

func (c *check) postalCode(field, v string) string {
	if v == "" {
		return ""
	}
	if len(v) > maxPostal {
		c.fail(field, "longer than %d characters", maxPostal)
		return ""
	}
	for i := 0; i < len(v); i++ {
		if !isAlnum(v[i]) && v[i] != ' ' && v[i] != '-' {
			c.fail(field, "%q may contain only letters, digits, spaces and hyphens", v)
			return ""
		}
	}
	return strings.ToUpper(v)
}

// reward checks the reward override.
func (c *check) reward(v map[string]string, status models.ReportStatus) *models.Reward {
	rw := &models.Reward{PlexPass: v["reward.plex_pass"] == "true"}
	amount, currency := v["reward.money.amount"], v["reward.money.currency"]
	switch {
	case amount == "" && currency == "":
	case amount == "":
		if !c.failed("reward.money.amount") {
			c.fail("reward.money.amount", "required with reward.money.currency")
		}
	case currency == "":
		if !c.failed("reward.money.currency") {
			c.fail("reward.money.currency", "required with reward.money.amount")
		}
	default:
		m, err := models.ParseMoney(amount, strings.ToUpper(currency))
		switch {
		case err != nil:
			if _, ok := models.CurrencyExponent(strings.ToUpper(currency)); !ok {
				c.fail("reward.money.currency", "%q is not a currency bountypay pays in (ISO 4217)", currency)
			} else {
				c.fail("reward.money.amount", "%s", moneyProblem(amount, strings.ToUpper(currency)))
			}
		case m.Minor <= 0:
			c.fail("reward.money.amount", "must be more than zero; omit reward.money to give no money")
		default:
			rw.Money = &m
		}
	}
	rw.Other = c.text("reward.other", v["reward.other"], maxOtherLen)
	if amount == "" && currency == "" && !rw.PlexPass && v["reward.other"] == "" && !c.failed("reward") {
		c.fail("reward", "empty override: give money, plex_pass or other, or omit reward to use the policy table")
	}
	if status != "" && status != models.ReportApproved {
		c.fail("reward", "an override is only allowed on approved reports (status is %s)", status)
	}
	return rw
}

// moneyProblem explains why amount is not a valid amount of currency.
func moneyProblem(amount, currency string) string {
	exp, _ := models.CurrencyExponent(currency)
	example := models.FormatMinor(150000, exp)
	if exp == 0 {
		example = "1500"
	}
	return fmt.Sprintf("%q is not a valid %s amount: digits with at most %d decimal places and no signs, separators or exponents, at most 15 integer digits (e.g. %q)",
		amount, currency, exp, example)
}
