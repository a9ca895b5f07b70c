package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

// command is one subcommand.
type command struct {
	name    string
	args    string // usage after the name
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "[flags]", "run the whole job end to end on sample data against a local PayPal", cmdDemo},
		{"import", "[flags] FILE|-", "import approved reports (JSON Lines, JSON array or CSV)", cmdImport},
		{"run", "[flags]", "one full pass: decide, approve, screen, send, reconcile", cmdRun},
		{"serve", "[flags]", "run passes on a cron schedule until SIGINT/SIGTERM", cmdServe},
		{"status", "[flags]", "every report and award with its state and reason", cmdStatus},
		{"screen", "[flags] [NAME ...]", "screen names against the sanctions list", cmdScreen},
		{"sanctions", "load DIR | load --url BASE | list", "load and list OFAC sanctions list versions", cmdSanctions},
		{"review", "list | clear ID | confirm ID", "compliance review of held awards", cmdReview},
		{"passes", "import FILE | status", "manage the Plex Pass gift-code pool", cmdPasses},
		{"policy", "show", "show the program policy in effect", cmdPolicy},
		{"ledger", "list | verify | seal MONTH | seals | export", "read, verify, seal and export the audit ledger", cmdLedger},
		{"approve", "ID --by NAME | --list", "maker-checker: approve large awards (distinct people, not the importer)", cmdApprove},
		{"award", "cancel|adjust|fulfil ID --by NAME", "finance corrections: cancel, adjust the amount, hand over other rewards", cmdAward},
		{"taxform", "set RESEARCHER --form F --status S | list", "record payees' W-9/W-8BEN tax form status", cmdTaxForm},
		{"report", "journal|trial-balance|paid|ageing|tax|blocked|reconcile", "finance reports and journal exports", cmdReport},
		{"paypal-sandbox", "[--addr HOST:PORT]", "serve a local PayPal Payouts API for tests and demos", cmdSandbox},
		{"payout", "show|retry|cancel|resolve AWARD | reconcile", "PayPal payouts by hand: inspect, retry, cancel unclaimed, resolve, reconcile", cmdPayout},
		{"webhook", "serve [--addr HOST:PORT]", "receive PayPal payout webhooks", cmdWebhook},
		{"researcher", "list | show ID | set-receiver ID EMAIL | approve|reject ID VERSION", "payees: versions, awards, audited receiver changes and their approval", cmdResearcher},
		{"identity", "add NAME --role R | list | disable NAME", "configured people and services with their roles", cmdIdentity},
		{"web", "[--addr HOST:PORT]", "finance and compliance web pages and JSON API (tokens in BOUNTYPAY_WEB_TOKENS)", cmdWeb},
	}
}

// exitError carries an exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 1
}

func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " (…)"
	}
	return s
}

// app holds what every command shares.
type app struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	opts   globalOpts
	st     *store.Store
}

// globalOpts are the flags every command takes.
type globalOpts struct {
	dataDir  string
	logLevel string
	logJSON  bool
}

func (a *app) flags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("bountypay "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.StringVar(&a.opts.dataDir, "data", cmp.Or(a.getenv("BOUNTYPAY_DATA"), store.DefaultDataDir), "data `directory` of the embedded SQLite database (env BOUNTYPAY_DATA); ignored when DATABASE_URL is set")
	fs.StringVar(&a.opts.logLevel, "log-level", cmp.Or(a.getenv("BOUNTYPAY_LOG_LEVEL"), "warn"), "log `level`: debug, info, warn, error (env BOUNTYPAY_LOG_LEVEL)")
	fs.BoolVar(&a.opts.logJSON, "log-json", a.getenv("BOUNTYPAY_LOG_JSON") == "true", "log JSON lines instead of text (env BOUNTYPAY_LOG_JSON=true)")
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "usage: bountypay %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and sets up logging.
func (a *app) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(a.opts.logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: %w", a.opts.logLevel, models.ErrInvalid)
	}
	hopts := &slog.HandlerOptions{Level: lvl}
	if a.opts.logJSON {
		a.log = slog.New(slog.NewJSONHandler(a.stderr, hopts))
	} else {
		a.log = slog.New(slog.NewTextHandler(a.stderr, hopts))
	}
	return nil
}

// store opens the database once.
func (a *app) store(ctx context.Context) (*store.Store, error) {
	if a.st != nil {
		return a.st, nil
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: a.getenv("DATABASE_URL"), DataDir: a.opts.dataDir, Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.st = st
	return st, nil
}

func (a *app) close() {
	if a.st != nil {
		_ = a.st.Close()
	}
}

// run is the whole program: main only calls it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	a := &app{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	defer a.close()
	if len(args) < 2 || args[1] == "help" || args[1] == "-h" || args[1] == "--help" {
		usage(stdout)
		if len(args) < 2 {
			return &exitError{2, errors.New("no command given")}
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[1] {
			err := c.run(ctx, a, args[2:])
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}
	usage(stderr)
	return &exitError{2, fmt.Errorf("unknown command %q", args[1])}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "bountypay: reward payout and compliance worker of the Plex security bug-bounty program")
	fmt.Fprintln(w, "\nusage: bountypay COMMAND [flags] [args]\n\ncommands:")
	cs := commands()
	sort.SliceStable(cs, func(i, j int) bool { return false })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"bountypay COMMAND --help\" for a command's flags. Configuration: see README.md.")
}

// durationEnv parses a duration setting.
func durationEnv(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration like 48h: %w", name, v, models.ErrInvalid)
	}
	return d, nil
}

// envDuration reads a duration setting, falling back to def when unset or
// malformed (flag parsing then reports the flag's value).
func envDuration(getenv func(string) string, name string, def time.Duration) time.Duration {
	d, err := durationEnv(getenv, name, def)
	if err != nil {
		return def
	}
	return d
}

func envFloat(getenv func(string) string, name string, def float64) float64 {
	var f float64
	if _, err := fmt.Sscanf(getenv(name), "%g", &f); err != nil || f <= 0 {
		return def
	}
	return f
}

func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "-help" || s == "help" }

// subcommandHelp answers a command that needs a subcommand: usage on
// --help (exit 0), a usage error otherwise.
func subcommandHelp(a *app, args []string, msg string) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(a.stdout, msg)
		return nil
	}
	return &exitError{2, errors.New(msg)}
}
