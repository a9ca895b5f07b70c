package main

import (
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/web"
	"github.com/plex/bountypay/worker"
)

// A group names a set of settings. A command takes the settings of the
// groups it lists (see command), and every command takes inCommon.
type group uint

const (
	inCommon   group = 1 << iota // every command: data, database, logs, who acts
	inRun                        // the worker's screening and sending (run, serve, demo, web, review)
	inApproval                   // maker-checker (the run commands and approve)
	inPayPal                     // PayPal and the Plex account service (commands that pay or read PayPal)
	inServe                      // serve
	inWebhook                    // webhook serve
	inWeb                        // web
	inScreen                     // screen
	inTax                        // report tax

	inAll = ^group(0)
)

// A setting is one configuration value of the CLI: its flag, its
// environment variable, its default, how its text parses and whether it is
// a secret. The flag of a setting is --NAME unless a command renames it
// (see command.rename); a setting without a flag is named after its
// environment variable.
type setting struct {
	name    string
	env     string // environment variable; "" when only the flag sets it
	envOnly bool   // no flag: secrets and what belongs to the environment
	def     string // default, as text; "" is unset
	secret  bool   // never printed; see show
	in      group
	usage   string // flag help; a `word` in backquotes names the value
	parse   parser
	// show prints a secret's value for config check with the secret
	// parts masked; nil prints only whether it is set.
	show func(string) string
}

// A parser checks a setting's text and sets the value it stands for.
type parser struct {
	set    func(text string) error
	isBool bool // the flag needs no value: --kill-switch means true
}

// Defaults that have no home in another package.
const (
	defaultMaxItem     = "20000.00 USD"
	defaultRunCap      = "100000.00 USD"
	defaultPassValue   = "119.99 USD"
	defaultWebAddr     = "127.0.0.1:8080"
	defaultWebhookAddr = "127.0.0.1:8090"
	defaultPayPalWait  = 30 * time.Second

	// defaultApprovalThresholds: from these amounts (per researcher
	// within the window) an award needs approvals. Roughly USD 2,000 in
	// each currency PayPal pays in most; a currency not listed always
	// needs approvals.
	defaultApprovalThresholds = "2000.00 USD, 1800.00 EUR, 1600.00 GBP, 2700.00 CAD, 3000.00 AUD, 3300.00 NZD, 1800.00 CHF, 300000 JPY"
)

// settings is the table of every setting, bound to the fields of c that
// hold their values.
func (c *config) settings() []setting {
	return []setting{
		// Every command.
		{name: "data", env: "BOUNTYPAY_DATA", def: store.DefaultDataDir, in: inCommon,
			usage: "data `directory` of the embedded SQLite database; ignored when DATABASE_URL is set", parse: text(&c.dataDir)},
		{name: "DATABASE_URL", env: "DATABASE_URL", envOnly: true, secret: true, show: redactDatabaseURL, in: inCommon,
			usage: "postgres://… selects PostgreSQL; unset means SQLite in --data", parse: text(&c.databaseURL)},
		{name: "log-level", env: "BOUNTYPAY_LOG_LEVEL", def: "warn", in: inCommon,
			usage: "log `level`: debug, info, warn or error", parse: logLevel(&c.logLevel)},
		{name: "log-json", env: "BOUNTYPAY_LOG_JSON", def: "false", in: inCommon,
			usage: "log JSON lines instead of text", parse: boolean(&c.logJSON)},
		{name: "USER", env: "USER", envOnly: true, in: inCommon,
			usage: "who acts when a command's --by is not given", parse: text(&c.user)},

		// The worker: screening and sending.
		{name: "dry-run", def: "false", in: inRun,
			usage: "show what would be sent; change and send nothing", parse: boolean(&c.dryRun)},
		{name: "kill-switch", env: "BOUNTYPAY_KILL_SWITCH", def: "false", in: inRun,
			usage: "send nothing (decide, screen and reconcile still run)", parse: boolean(&c.killSwitch)},
		{name: "max-list-age", env: "BOUNTYPAY_MAX_LIST_AGE", def: formatDuration(worker.DefaultMaxListAge), in: inRun,
			usage: "hold every payout when the sanctions list is older than this `duration`", parse: positive(&c.maxListAge)},
		{name: "max-item", env: "BOUNTYPAY_MAX_ITEM", def: defaultMaxItem, in: inRun,
			usage: "per-payment maximum, `list` of \"AMOUNT CUR\" separated by commas", parse: amounts(&c.maxItem, parseCaps)},
		{name: "run-cap", env: "BOUNTYPAY_RUN_CAP", def: defaultRunCap, in: inRun,
			usage: "total sent per run and currency, `list` of \"AMOUNT CUR\"", parse: amounts(&c.runCap, parseCaps)},
		{name: "review-threshold", env: "BOUNTYPAY_REVIEW_THRESHOLD", def: formatScore(compliance.DefaultReviewThreshold), in: inRun | inScreen,
			usage: "sanctions match `score` from which a person must review", parse: score(&c.reviewThreshold)},
		{name: "reviewers-required", env: "BOUNTYPAY_REVIEWERS_REQUIRED", def: "2", in: inRun,
			usage: "distinct compliance reviewers `n`eeded to clear a jurisdiction hold or a match at or above --two-reviewer-score", parse: whole(&c.reviewersRequired, 1)},
		{name: "two-reviewer-score", env: "BOUNTYPAY_TWO_REVIEWER_SCORE", def: formatScore(compliance.DefaultTwoReviewerScore), in: inRun,
			usage: "match `score` from which clearing a hold takes --reviewers-required reviewers", parse: score(&c.twoReviewerScore)},

		// Maker-checker.
		{name: "approval-threshold", env: "BOUNTYPAY_APPROVAL_THRESHOLDS", def: defaultApprovalThresholds, in: inApproval,
			usage: "awards from this amount (per researcher within the window) need approvals: `list` of \"AMOUNT CUR\" (also \"N PASS\", \"N OTHER\"); currencies not listed always need approvals",
			parse: amounts(&c.approvalThresholds, parseThresholds)},
		{name: "approvals-required", env: "BOUNTYPAY_APPROVALS_REQUIRED", def: strconv.Itoa(worker.DefaultApprovalsRequired), in: inApproval,
			usage: "distinct approvers `n`eeded", parse: whole(&c.approvalsRequired, 1)},
		{name: "approval-window", env: "BOUNTYPAY_APPROVAL_WINDOW", def: formatDuration(worker.DefaultApprovalWindow), in: inApproval,
			usage: "awards to one researcher within this `duration` count together", parse: positive(&c.approvalWindow)},
		{name: "approval-valid-for", env: "BOUNTYPAY_APPROVAL_VALID_FOR", def: formatDuration(worker.DefaultApprovalValidFor), in: inApproval,
			usage: "an approval counts for this `duration`; an award waiting longer needs fresh approvals", parse: positive(&c.approvalValidFor)},
		{name: "hold-without-tax-form", env: "BOUNTYPAY_HOLD_WITHOUT_TAX_FORM", def: "false", in: inApproval,
			usage: "hold money awards until a tax form is on file", parse: boolean(&c.holdWithoutTaxForm)},

		// PayPal and the Plex account service: environment only.
		{name: "PAYPAL_API_BASE", env: "PAYPAL_API_BASE", envOnly: true, in: inPayPal,
			usage: "PayPal API base URL; unset: money awards wait, passes are still granted", parse: httpURL(&c.paypalAPIBase)},
		{name: "PAYPAL_CLIENT_ID", env: "PAYPAL_CLIENT_ID", envOnly: true, in: inPayPal,
			usage: "PayPal REST app client id (required with PAYPAL_API_BASE)", parse: text(&c.paypalClientID)},
		{name: "PAYPAL_SECRET", env: "PAYPAL_SECRET", envOnly: true, secret: true, in: inPayPal,
			usage: "PayPal REST app secret (required with PAYPAL_API_BASE)", parse: text(&c.paypalSecret)},
		{name: "PAYPAL_WEBHOOK_ID", env: "PAYPAL_WEBHOOK_ID", envOnly: true, in: inPayPal,
			usage: "id PayPal gave the webhook registered for this URL (signature checks)", parse: text(&c.paypalWebhookID)},
		{name: "PAYPAL_TIMEOUT", env: "PAYPAL_TIMEOUT", envOnly: true, def: formatDuration(defaultPayPalWait), in: inPayPal,
			usage: "timeout of every PayPal HTTP call", parse: positive(&c.paypalTimeout)},
		{name: "PLEX_ENTITLEMENT_URL", env: "PLEX_ENTITLEMENT_URL", envOnly: true, in: inPayPal,
			usage: "grant passes through the Plex account service instead of the code pool", parse: httpURL(&c.entitlementURL)},
		{name: "PLEX_ENTITLEMENT_SECRET", env: "PLEX_ENTITLEMENT_SECRET", envOnly: true, secret: true, in: inPayPal,
			usage: "HMAC key of the Plex account service", parse: text(&c.entitlementSecret)},

		// serve, webhooks and the web pages.
		{name: "schedule", env: "BOUNTYPAY_SCHEDULE", def: worker.DefaultSchedule, in: inServe,
			usage: "cron `spec` in UTC (five fields or @hourly, @every 10m)", parse: cronSpec(&c.schedule)},
		{name: "webhook-addr", env: "BOUNTYPAY_WEBHOOK_ADDR", in: inServe | inWebhook,
			usage: "receive PayPal webhooks at this `address` HOST:PORT, path " + DefaultWebhookPath + " (serve: unset receives none; webhook serve: unset is " + defaultWebhookAddr + ")",
			parse: address(&c.webhookAddr, false)},
		{name: "web-addr", env: "BOUNTYPAY_WEB_ADDR", def: defaultWebAddr, in: inWeb,
			usage: "listen `address` HOST:PORT of bountypay web", parse: address(&c.webAddr, true)},
		{name: "insecure-local", def: "false", in: inWeb,
			usage: "without BOUNTYPAY_WEB_TOKENS, serve a loopback address with no login, every request acting as --local-user", parse: boolean(&c.insecureLocal)},
		{name: "local-user", env: "USER", in: inWeb,
			usage: "`name` recorded for decisions with --insecure-local", parse: text(&c.localUser)},
		{name: "BOUNTYPAY_WEB_TOKENS", env: "BOUNTYPAY_WEB_TOKENS", envOnly: true, secret: true, show: tokenNames, in: inWeb,
			usage: "name:token,… who may log in to bountypay web", parse: tokens(&c.webUsers)},

		// report tax.
		{name: "pass-value", env: "BOUNTYPAY_PASS_FMV", def: defaultPassValue, in: inTax,
			usage: "fair-market `value` of one lifetime Plex Pass, \"AMOUNT USD\", for tax totals", parse: usd(&c.passValue)},
	}
}

// config is the effective configuration of one invocation: the value of
// every setting from its flag, else its environment variable, else its
// default.
type config struct {
	dataDir     string
	databaseURL string
	logLevel    slog.Level
	logJSON     bool
	user        string

	dryRun            bool
	killSwitch        bool
	maxListAge        time.Duration
	maxItem, runCap   map[string]int64
	reviewThreshold   float64
	reviewersRequired int
	twoReviewerScore  float64

	approvalThresholds map[string]int64
	approvalsRequired  int
	approvalWindow     time.Duration
	approvalValidFor   time.Duration
	holdWithoutTaxForm bool

	paypalAPIBase, paypalClientID, paypalSecret, paypalWebhookID string
	paypalTimeout                                                time.Duration
	entitlementURL, entitlementSecret                            string

	schedule      string
	webhookAddr   string
	webAddr       string
	insecureLocal bool
	localUser     string
	webUsers      []web.User

	passValue models.Money

	env   map[string]string    // text of each setting's environment variable, by setting name
	given map[string]flagValue // text of each setting's flag, by setting name
}

// flagValue is a setting's flag as given on the command line.
type flagValue struct{ flag, text string }

// newConfig reads the environment variable of every setting. It is the
// only place that reads the environment; an empty variable is unset.
func newConfig(getenv func(string) string) *config {
	c := &config{env: map[string]string{}, given: map[string]flagValue{}}
	for _, s := range c.settings() {
		if s.env == "" {
			continue
		}
		if v := getenv(s.env); v != "" {
			c.env[s.name] = v
		}
	}
	return c
}

// origin is where a setting's text comes from.
type origin struct {
	text  string
	from  string // "flag", "env" or "default"
	where string // the flag (--addr) or the environment variable; "" for the default
}

// origin returns a setting's text: its flag wins over its environment
// variable, which wins over its default.
func (c *config) origin(s setting) origin {
	if g, ok := c.given[s.name]; ok {
		return origin{text: g.text, from: "flag", where: g.flag}
	}
	if v, ok := c.env[s.name]; ok {
		return origin{text: v, from: "env", where: s.env}
	}
	return origin{text: s.def, from: "default"}
}

// resolve sets the value of every setting of the groups and returns the
// malformed ones, each naming the setting and where its text came from.
func (c *config) resolve(in group) []*settingError {
	var errs []*settingError
	for _, s := range c.settings() {
		if s.in&in == 0 {
			continue
		}
		o := c.origin(s)
		if err := s.parse.set(o.text); err != nil {
			errs = append(errs, &settingError{setting: s, origin: o, err: err})
		}
	}
	if in&inPayPal != 0 && c.paypalAPIBase != "" && (c.paypalClientID == "" || c.paypalSecret == "") {
		s := c.setting("PAYPAL_API_BASE")
		errs = append(errs, &settingError{setting: s, origin: c.origin(s),
			err: fmt.Errorf("set without PAYPAL_CLIENT_ID or PAYPAL_SECRET: %w", models.ErrInvalid)})
	}
	return errs
}

// setting returns the setting of that name (a bare one if the table has
// none).
func (c *config) setting(name string) setting {
	for _, s := range c.settings() {
		if s.name == name {
			return s
		}
	}
	return setting{name: name}
}

// approval is the maker-checker configuration of the worker.
func (c *config) approval() worker.ApprovalConfig {
	return worker.ApprovalConfig{Thresholds: c.approvalThresholds, Required: c.approvalsRequired,
		Window: c.approvalWindow, ValidFor: c.approvalValidFor, HoldWithoutTaxForm: c.holdWithoutTaxForm}
}

// A settingError is a malformed setting. Its message names the setting,
// where its text came from and (unless it is a secret) the text.
type settingError struct {
	setting setting
	origin  origin
	err     error
}

func (e *settingError) Error() string {
	o, s := e.origin, e.setting
	where := o.where
	if o.from == "default" {
		where = "default of " + s.name
	}
	value := fmt.Sprintf("=%q", o.text)
	if s.secret {
		value = " (value not shown)"
	}
	named := ""
	if o.from == "env" && !s.envOnly {
		named = " (setting --" + s.name + ")"
	}
	return where + value + named + ": " + e.err.Error()
}

func (e *settingError) Unwrap() error { return e.err }

// settingErrors are the malformed settings of one invocation, on one line.
type settingErrors []*settingError

func (es settingErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (es settingErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// settingFlag is the flag of a setting: it records the text given, which
// resolve parses with the environment and the defaults.
type settingFlag struct {
	cfg    *config
	name   string // the setting
	flag   string // the flag, "--addr"
	def    string
	isBool bool
}

func (f *settingFlag) String() string { return f.def }

func (f *settingFlag) Set(text string) error {
	f.cfg.given[f.name] = flagValue{flag: f.flag, text: text}
	return nil
}

func (f *settingFlag) IsBoolFlag() bool { return f.isBool }

// The parsers. Each rejects what it cannot read exactly: no silent
// defaults, no trailing garbage.

func want(format string, args ...any) error {
	return fmt.Errorf("want "+format+": %w", append(args, models.ErrInvalid)...)
}

func text(p *string) parser {
	return parser{set: func(s string) error { *p = s; return nil }}
}

// boolean parses as strconv.ParseBool does: 1, t, T, TRUE, true, True, 0,
// f, F, FALSE, false, False.
func boolean(p *bool) parser {
	return parser{isBool: true, set: func(s string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return want("a boolean (true, false, 1, 0, t, f, TRUE, FALSE)")
		}
		*p = b
		return nil
	}}
}

// whole parses a decimal whole number of at least min.
func whole(p *int, min int) parser {
	return parser{set: func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < min {
			return want("a whole number, at least %d", min)
		}
		*p = n
		return nil
	}}
}

// score parses a number in (0, 1].
func score(p *float64) parser {
	return parser{set: func(s string) error {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || f <= 0 || f > 1 {
			return want("a score in (0, 1], like 0.80")
		}
		*p = f
		return nil
	}}
}

// positive parses a positive duration.
func positive(p *time.Duration) parser {
	return parser{set: func(s string) error {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil || d <= 0 {
			return want("a positive duration, like 48h or 30s")
		}
		*p = d
		return nil
	}}
}

func logLevel(p *slog.Level) parser {
	return parser{set: func(s string) error {
		if err := p.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
			return want("debug, info, warn or error")
		}
		return nil
	}}
}

// amounts parses a list of amounts per asset with parse.
func amounts(p *map[string]int64, parse func(string) (map[string]int64, error)) parser {
	return parser{set: func(s string) error {
		m, err := parse(s)
		if err != nil {
			return err
		}
		*p = m
		return nil
	}}
}

// httpURL parses an absolute http or https URL; "" is unset.
func httpURL(p *string) parser {
	return parser{set: func(s string) error {
		if s != "" {
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return want("an absolute http or https URL")
			}
		}
		*p = s
		return nil
	}}
}

// address parses HOST:PORT; "" is unset unless required.
func address(p *string, required bool) parser {
	return parser{set: func(s string) error {
		if s != "" || required {
			if _, _, err := net.SplitHostPort(s); err != nil {
				return want("HOST:PORT, like 127.0.0.1:8080")
			}
		}
		*p = s
		return nil
	}}
}

func cronSpec(p *string) parser {
	return parser{set: func(s string) error {
		if _, err := cron.ParseStandard(s); err != nil {
			return want("a cron spec (five fields, @hourly or @every 30m): %v", err)
		}
		*p = s
		return nil
	}}
}

func tokens(p *[]web.User) parser {
	return parser{set: func(s string) error {
		users, err := web.ParseTokens(s)
		if err != nil {
			return err
		}
		*p = users
		return nil
	}}
}

// usd parses "AMOUNT USD".
func usd(p *models.Money) parser {
	return parser{set: func(s string) error {
		f := strings.Fields(s)
		if len(f) != 2 || strings.ToUpper(f[1]) != "USD" {
			return want("\"AMOUNT USD\", like \"119.99 USD\"")
		}
		m, err := models.ParseMoney(f[0], "USD")
		if err != nil {
			return err
		}
		*p = m
		return nil
	}}
}

// parseCaps parses "20000.00 USD, 2000000 JPY"; "none" entries are
// skipped.
func parseCaps(s string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" || part == "none" {
			continue
		}
		f := strings.Fields(part)
		if len(f) != 2 {
			return nil, want("\"AMOUNT CURRENCY\" in %q", part)
		}
		m, err := models.ParseMoney(f[0], strings.ToUpper(f[1]))
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		out[m.Currency] = m.Minor
	}
	return out, nil
}

// parseThresholds parses "2000.00 USD, 1800.00 EUR, 3 PASS".
func parseThresholds(s string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, want("\"AMOUNT CURRENCY\" in %q", strings.TrimSpace(part))
		}
		asset := strings.ToUpper(f[1])
		if asset == models.AssetPass || asset == models.AssetOther {
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil || n < 1 {
				return nil, want("a whole number of %s in %q", asset, strings.TrimSpace(part))
			}
			out[asset] = n
			continue
		}
		m, err := models.ParseMoney(f[0], asset)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", strings.TrimSpace(part), err)
		}
		out[asset] = m.Minor
	}
	return out, nil
}

// formatDuration writes a default duration the way a person types it:
// 48h, not 48h0m0s.
func formatDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

func formatScore(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// redactDatabaseURL shows a database URL with its password masked; a
// connection string that is not a URL is not shown at all.
func redactDatabaseURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "(set, not a URL: not shown)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// tokenNames shows who may log in to the web pages, never a token.
func tokenNames(s string) string {
	users, err := web.ParseTokens(s)
	if err != nil {
		return "(set, malformed: not shown)"
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Name + ":xxxxx"
	}
	return strings.Join(names, ",")
}
