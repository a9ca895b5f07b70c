package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// A command is one node of the command tree: a leaf with run, or a group
// of subcommands.
type command struct {
	name    string
	aliases []string
	args    string // positional arguments, for the usage line; "" when it takes none
	summary string
	flags   group             // settings it takes as flags (and from the environment)
	reads   group             // settings it reads from the environment only
	rename  map[string]string // setting name → its flag here, when they differ
	run     func(ctx context.Context, a *app, args []string) error
	subs    []command
}

// commands is the command tree.
func commands() []command {
	const worker = inRun | inApproval | inPayPal
	return []command{
		{name: "demo", summary: "run the whole job end to end on sample data against a local PayPal", flags: worker, run: cmdDemo},
		{name: "import", args: "FILE|-", summary: "import approved reports (JSON Lines, JSON array or CSV)", run: cmdImport},
		{name: "run", summary: "one full pass: decide, approve, screen, send, reconcile", flags: worker, run: cmdRun},
		{name: "serve", summary: "run passes on a cron schedule until SIGINT/SIGTERM", flags: worker | inServe, run: cmdServe},
		{name: "status", summary: "every report and award with its state and reason", run: cmdStatus},
		{name: "screen", args: "[NAME ...]", summary: "screen names with the worker's one verdict", flags: inScreen, run: cmdScreen},
		{name: "sanctions", summary: "load and list OFAC sanctions list versions", subs: []command{
			{name: "load", args: "[DIR]", summary: "load a list version from DIR or --url BASE, make it current and rescreen", reads: worker, run: sanctionsLoad},
			{name: "list", summary: "every stored list version", run: sanctionsList},
		}},
		{name: "review", summary: "compliance review of held awards", subs: []command{
			{name: "list", summary: "awards held for compliance, with the matches and reasons", flags: inRun | inApproval, run: cmdReview},
			{name: "clear", args: "ID", summary: "a false positive: the award goes on", flags: inRun | inApproval, run: cmdReview},
			{name: "confirm", args: "ID", summary: "a true match: every unsent award of the payee is blocked", flags: inRun | inApproval, run: cmdReview},
		}},
		{name: "passes", summary: "manage the Plex Pass gift-code pool", subs: []command{
			{name: "import", args: "FILE|-", summary: "add gift codes to the pool (one per line; # comments)", run: passesImport},
			{name: "status", summary: "free and granted codes", run: passesStatus},
		}},
		{name: "policy", summary: "the program policy", subs: []command{
			{name: "show", summary: "the program policy in effect, and every version", run: policyShow},
		}},
		{name: "ledger", summary: "read, verify, seal and export the audit ledger", subs: []command{
			{name: "list", summary: "the journal", run: ledgerList},
			{name: "verify", summary: "recompute the chain, balances, head anchor and seals", run: ledgerVerify},
			{name: "seal", args: "YYYY-MM", summary: "close a month", run: ledgerSeal},
			{name: "seals", summary: "every sealed month", run: ledgerSeals},
			{name: "export", summary: "export the journal (JSON Lines with hashes, or CSV)", run: ledgerExport},
		}},
		{name: "approve", args: "[ID]", summary: "maker-checker: approve large awards (distinct people, not the importer)", flags: inApproval, run: cmdApprove},
		{name: "award", summary: "finance corrections: cancel, adjust the amount, hand over other rewards", subs: []command{
			{name: "cancel", args: "ID", summary: "cancel an award (what is payable goes back to expense)", run: awardCancel},
			{name: "adjust", args: "ID", summary: "change a money award's amount before it is sent", run: awardAdjust},
			{name: "fulfil", aliases: []string{"fulfill"}, args: "ID", summary: "record that an other reward (swag) was handed over", run: awardFulfil},
		}},
		{name: "taxform", summary: "payees' W-9/W-8BEN tax form status", subs: []command{
			{name: "set", args: "RESEARCHER", summary: "record a payee's tax form status", run: taxformSet},
			{name: "list", summary: "every payee's tax form status", run: taxformList},
		}},
		{name: "report", summary: "finance reports and journal exports", subs: []command{
			{name: "journal", summary: "journal lines by effective date (CSV or JSON Lines)", run: reportJournal},
			{name: "trial-balance", summary: "debit and credit per account and asset", run: reportTrialBalance},
			{name: "paid", summary: "money paid, passes granted and rewards fulfilled", run: reportPaid},
			{name: "ageing", aliases: []string{"aging"}, summary: "decided-but-unpaid and unclaimed awards by age", run: reportAgeing},
			{name: "tax", summary: "per payee and calendar year, against the 1099 threshold", flags: inTax, run: reportTax},
			{name: "blocked", summary: "awards blocked by sanctions with the OFAC report deadline", run: reportBlocked},
			{name: "reconcile", summary: "the ledger against the PayPal attempts (--live: and PayPal itself)", flags: inPayPal, run: reportReconcile},
		}},
		{name: "paypal-sandbox", summary: "serve a local PayPal Payouts API for tests and demos", run: cmdSandbox},
		{name: "payout", summary: "PayPal payouts by hand: inspect, retry, cancel unclaimed, resolve, reconcile", subs: []command{
			{name: "show", args: "AWARD", summary: "an award with every send attempt", flags: inPayPal, run: cmdPayout},
			{name: "retry", args: "AWARD", summary: "failed or returned: allow a new attempt", flags: inPayPal, run: cmdPayout},
			{name: "cancel", args: "AWARD", summary: "cancel an unclaimed PayPal payment (the money returns)", flags: inPayPal, run: cmdPayout},
			{name: "resolve", args: "AWARD", summary: "settle an attempt no machine could (needs_reconciliation)", flags: inPayPal, run: cmdPayout},
			{name: "reconcile", summary: "poll PayPal now, without sending", flags: inPayPal, run: cmdPayout},
		}},
		{name: "webhook", summary: "receive PayPal payout webhooks", subs: []command{
			{name: "serve", summary: "receive PayPal payout webhooks on their own", flags: inWebhook | inPayPal,
				rename: map[string]string{"webhook-addr": "addr"}, run: webhookServe},
		}},
		{name: "researcher", summary: "payees: versions, awards, audited receiver changes and their approval", subs: []command{
			{name: "list", summary: "every payee", run: cmdResearcher},
			{name: "show", args: "ID", summary: "every payee version and every award of a payee", run: cmdResearcher},
			{name: "set-receiver", args: "ID EMAIL", summary: "the audited receiver change: a pending payee version", run: cmdResearcher},
			{name: "approve", args: "ID VERSION", summary: "approve a pending payee change", run: cmdResearcher},
			{name: "reject", args: "ID VERSION", summary: "reject a pending payee change", run: cmdResearcher},
		}},
		{name: "identity", summary: "configured people and services with their roles", subs: []command{
			{name: "add", args: "NAME", summary: "add or change an identity and its roles", run: cmdIdentity},
			{name: "list", summary: "every identity", run: cmdIdentity},
			{name: "disable", args: "NAME", summary: "disable an identity", run: cmdIdentity},
		}},
		{name: "web", summary: "finance and compliance web pages and JSON API (tokens in BOUNTYPAY_WEB_TOKENS)", flags: inRun | inApproval | inWeb,
			rename: map[string]string{"web-addr": "addr"}, run: cmdWeb},
		{name: "config", summary: "the effective configuration", subs: []command{
			{name: "check", summary: "print every setting with its value and where it came from; non-zero exit naming every malformed one", flags: inAll, run: configCheck},
		}},
	}
}

// find returns the subcommand called name.
func (c *command) find(name string) *command {
	for i := range c.subs {
		s := &c.subs[i]
		if s.name == name {
			return s
		}
		for _, al := range s.aliases {
			if al == name {
				return s
			}
		}
	}
	return nil
}

// flagName is the flag of a setting in this command.
func (c *command) flagName(setting string) string {
	if n, ok := c.rename[setting]; ok {
		return n
	}
	return setting
}

// isHelp reports whether an argument asks for help.
func isHelp(s string) bool { return s == "-h" || s == "-help" || s == "--help" || s == "help" }

// usageError is a usage error (exit status 2) of the command at path
// ("ledger verify"; "" for bountypay itself).
func usageError(path, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if path == "" {
		return &exitError{2, fmt.Errorf("%s (see bountypay help)", msg)}
	}
	return &exitError{2, fmt.Errorf("%s: %s (see bountypay %s --help)", path, msg, path)}
}

// exec runs args against the command c at path ("ledger"; "" for
// bountypay itself): a leaf runs, a group picks its subcommand. Help goes
// to stdout and exits 0; usage errors exit 2.
func (a *app) exec(ctx context.Context, c *command, path string, args []string) error {
	if c.run != nil {
		a.cmd, a.path = c, path
		return c.run(ctx, a, args)
	}
	word := "subcommand"
	if path == "" {
		word = "command"
	}
	switch {
	case len(args) == 0:
		return usageError(path, "want a %s: %s", word, subNames(c))
	case args[0] == "help" && len(args) > 1:
		// "help ledger verify" is "ledger verify --help".
		return a.exec(ctx, c, path, append(args[1:len(args):len(args)], "--help"))
	case isHelp(args[0]):
		groupUsage(a.stdout, c, path)
		return nil
	}
	sub := c.find(args[0])
	if sub == nil {
		if strings.HasPrefix(args[0], "-") {
			return usageError(path, "flag %s before the %s: want one of %s", args[0], word, subNames(c))
		}
		return usageError(path, "unknown %s %q: want one of %s", word, args[0], subNames(c))
	}
	return a.exec(ctx, sub, strings.TrimSpace(path+" "+sub.name), args[1:])
}

func subNames(c *command) string {
	names := make([]string, len(c.subs))
	for i, s := range c.subs {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// groupUsage prints a group's usage and its subcommands.
func groupUsage(w io.Writer, c *command, path string) {
	word, name := "SUBCOMMAND", "bountypay "+path
	if path == "" {
		word, name = "COMMAND", "bountypay"
		fmt.Fprintf(w, "bountypay: %s\n\n", c.summary)
	}
	fmt.Fprintf(w, "usage: %s %s [flags] [args]\n\n", name, word)
	if path != "" {
		fmt.Fprintf(w, "%s\n\n", c.summary)
	}
	fmt.Fprintf(w, "%ss:\n", strings.ToLower(word))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, s := range c.subs {
		fmt.Fprintf(tw, "  %s\t%s\n", s.name, s.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nEvery %s answers --help. Configuration: bountypay config check, and README.md.\n", strings.ToLower(word))
}

// flags returns the flag set of the running leaf with the flags of every
// setting it takes; the leaf adds its own flags and then calls parse.
func (a *app) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("bountypay "+a.path, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors, and help goes to stdout
	fs.Usage = func() {}
	for _, s := range a.cfg.settings() {
		if s.envOnly || s.in&(inCommon|a.cmd.flags) == 0 {
			continue
		}
		name := a.cmd.flagName(s.name)
		usage := s.usage
		if s.env != "" {
			usage += " (env " + s.env + ")"
		}
		fs.Var(&settingFlag{cfg: a.cfg, name: s.name, flag: "--" + name, def: s.def, isBool: s.parse.isBool}, name, usage)
	}
	return fs
}

// byFlag adds --by: who acts, by default the USER setting.
func (a *app) byFlag(fs *flag.FlagSet, usage string) *string {
	return fs.String("by", a.cfg.origin(a.cfg.setting("USER")).text, usage+" (env USER)")
}

// parse parses a leaf's arguments, flags and positional arguments in any
// order ("--" ends the flags), then every setting the leaf takes, then sets
// up logging. Afterwards fs.Args() are the positional arguments. It
// returns flag.ErrHelp, after printing the usage to stdout, for --help,
// -h or a first argument "help"; usage errors and malformed settings
// exit 2.
func (a *app) parse(fs *flag.FlagSet, args []string) error {
	if err := a.parseArgs(fs, args); err != nil {
		return err
	}
	if errs := a.cfg.resolve(inCommon | a.cmd.flags | a.cmd.reads); len(errs) > 0 {
		return &exitError{2, settingErrors(errs)}
	}
	a.setLogger()
	return nil
}

// parseArgs is parse without the settings: the flags and positional
// arguments only.
func (a *app) parseArgs(fs *flag.FlagSet, args []string) error {
	if len(args) > 0 && args[0] == "help" {
		a.leafUsage(fs)
		return flag.ErrHelp
	}
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			a.leafUsage(fs)
			return err
		}
		if err != nil {
			return usageError(a.path, "%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) > 0 && a.cmd.args == "" {
		return usageError(a.path, "takes no arguments, got %q", pos[0])
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// leafUsage prints a leaf's usage and flags to stdout.
func (a *app) leafUsage(fs *flag.FlagSet) {
	line := "bountypay " + a.path + " [flags]"
	if a.cmd.args != "" {
		line += " " + a.cmd.args
	}
	fmt.Fprintf(a.stdout, "usage: %s\n\n%s\n\nflags:\n", line, a.cmd.summary)
	fs.SetOutput(a.stdout)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	var env []setting
	for _, s := range a.cfg.settings() {
		if s.envOnly && s.in&(inCommon|a.cmd.flags|a.cmd.reads) != 0 {
			env = append(env, s)
		}
	}
	fmt.Fprintln(a.stdout, "\nenvironment (no flags):")
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	for _, s := range env {
		fmt.Fprintf(tw, "  %s\t%s\n", s.env, s.usage)
	}
	tw.Flush()
}
