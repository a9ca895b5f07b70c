package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/worker"
)

// runOpts are the flags of run, serve and demo.
type runOpts struct {
	dryRun     bool
	killSwitch bool
	maxListAge time.Duration
	maxItem    string
	runCap     string
	threshold  float64
	approval   *approvalOpts
	// reviewers and twoReviewerScore: how many compliance reviewers clear
	// a jurisdiction hold or a strong match, and from which score.
	reviewers        int
	twoReviewerScore float64
	// envErr is a malformed environment setting of these flags.
	envErr error
}

func (a *app) runFlags(fs *flag.FlagSet) *runOpts {
	o := &runOpts{}
	fs.BoolVar(&o.dryRun, "dry-run", false, "show what would be sent; change and send nothing")
	fs.BoolVar(&o.killSwitch, "kill-switch", a.getenv("BOUNTYPAY_KILL_SWITCH") == "true", "send nothing (decide, screen and reconcile still run) (env BOUNTYPAY_KILL_SWITCH=true)")
	fs.DurationVar(&o.maxListAge, "max-list-age", envDuration(a.getenv, "BOUNTYPAY_MAX_LIST_AGE", worker.DefaultMaxListAge), "hold every payout when the sanctions list is older than this `duration` (env BOUNTYPAY_MAX_LIST_AGE)")
	fs.StringVar(&o.maxItem, "max-item", cmp.Or(a.getenv("BOUNTYPAY_MAX_ITEM"), "20000.00 USD"), "per-payment maximum, `list` of \"AMOUNT CUR\" separated by commas (env BOUNTYPAY_MAX_ITEM)")
	fs.StringVar(&o.runCap, "run-cap", cmp.Or(a.getenv("BOUNTYPAY_RUN_CAP"), "100000.00 USD"), "total sent per run and currency, `list` of \"AMOUNT CUR\" (env BOUNTYPAY_RUN_CAP)")
	o.approval = a.approvalFlags(fs)
	fs.Float64Var(&o.threshold, "review-threshold", envFloat(a.getenv, "BOUNTYPAY_REVIEW_THRESHOLD", defaultReviewThreshold), "sanctions match `score` from which a person must review (env BOUNTYPAY_REVIEW_THRESHOLD)")
	reviewers, err1 := strictIntEnv(a.getenv, "BOUNTYPAY_REVIEWERS_REQUIRED", 2)
	two, err2 := strictFloatEnv(a.getenv, "BOUNTYPAY_TWO_REVIEWER_SCORE", compliance.DefaultTwoReviewerScore)
	o.envErr = errors.Join(err1, err2)
	fs.IntVar(&o.reviewers, "reviewers-required", reviewers, "distinct compliance reviewers `n`eeded to clear a jurisdiction hold or a match at or above --two-reviewer-score (env BOUNTYPAY_REVIEWERS_REQUIRED)")
	fs.Float64Var(&o.twoReviewerScore, "two-reviewer-score", two, "match `score` from which clearing a hold takes --reviewers-required reviewers (env BOUNTYPAY_TWO_REVIEWER_SCORE)")
	return o
}

// validate reports a malformed setting of the run flags, naming it.
func (o *runOpts) validate() error {
	if o.envErr != nil {
		return o.envErr
	}
	if o.reviewers < 1 {
		return fmt.Errorf("--reviewers-required %d: want at least 1: %w", o.reviewers, models.ErrInvalid)
	}
	if o.twoReviewerScore <= 0 || o.twoReviewerScore > 1 {
		return fmt.Errorf("--two-reviewer-score %g: want a score in (0, 1]: %w", o.twoReviewerScore, models.ErrInvalid)
	}
	return nil
}

// strictIntEnv reads an integer setting; a malformed one is an error
// naming it, never a silent default.
func strictIntEnv(getenv func(string) string, name string, def int) (int, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def, fmt.Errorf("%s=%q: want a whole number: %w", name, v, models.ErrInvalid)
	}
	return n, nil
}

// strictFloatEnv reads a number setting; a malformed one is an error
// naming it.
func strictFloatEnv(getenv func(string) string, name string, def float64) (float64, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return def, fmt.Errorf("%s=%q: want a number: %w", name, v, models.ErrInvalid)
	}
	return f, nil
}

// parseCaps parses "20000.00 USD, 2000000 JPY".
func parseCaps(flagName, s string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" || part == "none" {
			continue
		}
		f := strings.Fields(part)
		if len(f) != 2 {
			return nil, fmt.Errorf("--%s %q: want \"AMOUNT CURRENCY\": %w", flagName, part, models.ErrInvalid)
		}
		m, err := models.ParseMoney(f[0], strings.ToUpper(f[1]))
		if err != nil {
			return nil, fmt.Errorf("--%s %q: %w", flagName, part, err)
		}
		out[m.Currency] = m.Minor
	}
	return out, nil
}

// paypalClient builds the PayPal client from the environment; nil when
// PAYPAL_API_BASE is unset.
func (a *app) paypalClient() (*paypal.Client, error) {
	base := a.getenv("PAYPAL_API_BASE")
	if base == "" {
		return nil, nil
	}
	return paypal.NewClient(paypal.Config{
		ClientID:   a.getenv("PAYPAL_CLIENT_ID"),
		Secret:     a.getenv("PAYPAL_SECRET"),
		APIBase:    base,
		WebhookID:  a.getenv("PAYPAL_WEBHOOK_ID"),
		Timeout:    envDuration(a.getenv, "PAYPAL_TIMEOUT", 30*time.Second),
		Logger:     a.log,
		HTTPClient: &http.Client{},
	})
}

// runner wires a worker.Runner from the flags and environment.
func (a *app) runner(ctx context.Context, o *runOpts) (*worker.Runner, *store.Store, error) {
	if err := a.checkEnv(); err != nil {
		return nil, nil, err
	}
	st, err := a.store(ctx)
	if err != nil {
		return nil, nil, err
	}
	if o.threshold <= 0 || o.threshold > 1 {
		return nil, nil, fmt.Errorf("--review-threshold %g: want a score in (0, 1]: %w", o.threshold, models.ErrInvalid)
	}
	if err := o.validate(); err != nil {
		return nil, nil, err
	}
	maxItem, err := parseCaps("max-item", o.maxItem)
	if err != nil {
		return nil, nil, err
	}
	runCap, err := parseCaps("run-cap", o.runCap)
	if err != nil {
		return nil, nil, err
	}
	approval, err := o.approval.config()
	if err != nil {
		return nil, nil, err
	}
	decider, err := newDecider()
	if err != nil {
		return nil, nil, err
	}
	if _, err := newJurisdictions(); err != nil {
		return nil, nil, err
	}
	sender, _, err := a.payoutSender(ctx)
	if err != nil {
		return nil, nil, err
	}
	sc := a.screening(st, o)
	r := worker.NewRunner(worker.Config{DryRun: o.dryRun, KillSwitch: o.killSwitch, MaxListAge: o.maxListAge,
		MaxItem: maxItem, RunCap: runCap, Logger: a.log, PayPalConfigured: sender.PayPalConfigured(), Approval: approval},
		st, decider, sc, sender)
	return r, st, nil
}

func cmdRun(ctx context.Context, a *app, args []string) error {
	fs := a.flags("run", "[flags]")
	o := a.runFlags(fs)
	if err := a.parse(fs, args); err != nil {
		return err
	}
	r, _, err := a.runner(ctx, o)
	if err != nil {
		return err
	}
	res, err := r.RunOnce(ctx)
	if err != nil {
		return err
	}
	printResult(a, res, o.dryRun)
	return nil
}

func cmdServe(ctx context.Context, a *app, args []string) error {
	fs := a.flags("serve", "[flags]")
	o := a.runFlags(fs)
	spec := fs.String("schedule", cmp.Or(a.getenv("BOUNTYPAY_SCHEDULE"), worker.DefaultSchedule), "cron `spec` in UTC (five fields or @hourly, @every 10m) (env BOUNTYPAY_SCHEDULE)")
	now := fs.Bool("now", false, "also run once at start")
	hookAddr := fs.String("webhook-addr", a.getenv("BOUNTYPAY_WEBHOOK_ADDR"), "also serve PayPal webhooks on this `address` at "+DefaultWebhookPath+" (env BOUNTYPAY_WEBHOOK_ADDR; needs PAYPAL_WEBHOOK_ID)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	r, st, err := a.runner(ctx, o)
	if err != nil {
		return err
	}
	if *hookAddr != "" {
		h, err := a.webhookHandler(ctx)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("POST "+DefaultWebhookPath, h)
		ln, err := net.Listen("tcp", *hookAddr)
		if err != nil {
			return fmt.Errorf("--webhook-addr %s: %w", *hookAddr, err)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.log.Error("webhook server stopped", slog.Any("err", err))
			}
		}()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		fmt.Fprintf(a.stdout, "PayPal webhooks: POST http://%s%s\n", ln.Addr(), DefaultWebhookPath)
	}
	s, err := worker.NewScheduler(*spec, r.RunOnce, a.log)
	if err != nil {
		return fmt.Errorf("--schedule: %w", err)
	}
	s.RunOnStart = *now
	// Replicas share the schedule: each slot runs on one of them, and the
	// latest slot missed while none ran is caught up at start.
	host, _ := os.Hostname()
	s.Slots, s.Owner = st, fmt.Sprintf("%s/%d", host, os.Getpid())
	fmt.Fprintf(a.stdout, "bountypay serving: schedule %q (UTC); SIGINT/SIGTERM stops after the run in progress\n", *spec)
	return s.Run(ctx)
}

func printResult(a *app, res worker.Result, dry bool) {
	w := a.stdout
	if dry {
		fmt.Fprintln(w, "DRY RUN: nothing was decided, screened or sent")
		if res.ListProblem != "" {
			fmt.Fprintln(w, "payouts held:", res.ListProblem)
		}
		for _, aw := range res.WouldSend {
			what := string(aw.Kind)
			if aw.Kind == models.AwardMoney {
				what = aw.Amount.String()
			}
			fmt.Fprintf(w, "would send %-28s %s\n", aw.ID, what)
		}
		for _, s := range res.Waiting {
			fmt.Fprintln(w, "waiting:", s)
		}
		return
	}
	fmt.Fprintf(w, "run: %d report(s) decided (%d rejected), %d award(s) created\n", res.ReportsDecided, res.ReportsRejected, res.AwardsCreated)
	if res.ListProblem != "" {
		fmt.Fprintln(w, "     PAYOUTS HELD (fail closed):", res.ListProblem)
	}
	fmt.Fprintf(w, "     screened %d: %d cleared, %d held for review, %d blocked\n", res.Screened, res.Cleared, res.Held, res.Blocked)
	fmt.Fprintf(w, "     PayPal: %d accepted, %d unknown (will resend), %d deferred, %d refused, %d to reconcile by hand\n", res.Sent, res.Unknown, res.Deferred, res.SendFailed, res.Manual)
	fmt.Fprintf(w, "     Plex Pass: %d granted", res.Granted)
	if res.NoPassCodes > 0 {
		fmt.Fprintf(w, ", %d waiting for codes", res.NoPassCodes)
	}
	fmt.Fprintln(w)
	if len(res.Reconciled) > 0 {
		var parts []string
		for s, n := range res.Reconciled {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
		sort.Strings(parts)
		fmt.Fprintln(w, "     reconciled:", strings.Join(parts, ", "))
	}
	for _, s := range res.Waiting {
		fmt.Fprintln(w, "     waiting:", s)
	}
	if res.Errors > 0 {
		fmt.Fprintf(w, "     %d error(s): see the log\n", res.Errors)
	}
}

// checkEnv refuses malformed settings that flag defaults would otherwise
// hide.
func (a *app) checkEnv() error {
	for _, name := range []string{"BOUNTYPAY_MAX_LIST_AGE", "PAYPAL_TIMEOUT", "BOUNTYPAY_APPROVAL_WINDOW", "BOUNTYPAY_APPROVAL_VALID_FOR"} {
		if _, err := durationEnv(a.getenv, name, time.Second); err != nil {
			return err
		}
	}
	if v := a.getenv("BOUNTYPAY_REVIEW_THRESHOLD"); v != "" {
		var f float64
		if _, err := fmt.Sscanf(v, "%g", &f); err != nil || f <= 0 || f > 1 {
			return fmt.Errorf("BOUNTYPAY_REVIEW_THRESHOLD=%q: want a score in (0, 1]: %w", v, models.ErrInvalid)
		}
	}
	for _, name := range []string{"BOUNTYPAY_KILL_SWITCH", "BOUNTYPAY_LOG_JSON"} {
		if v := a.getenv(name); v != "" && v != "true" && v != "false" {
			return fmt.Errorf("%s=%q: want true or false: %w", name, v, models.ErrInvalid)
		}
	}
	if a.getenv("PAYPAL_API_BASE") != "" && (a.getenv("PAYPAL_CLIENT_ID") == "" || a.getenv("PAYPAL_SECRET") == "") {
		return fmt.Errorf("PAYPAL_API_BASE is set but PAYPAL_CLIENT_ID or PAYPAL_SECRET is not: %w", models.ErrInvalid)
	}
	return nil
}
