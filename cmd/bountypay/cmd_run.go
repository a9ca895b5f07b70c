package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/worker"
)

// paypalClient builds the PayPal client from the settings; nil when
// PAYPAL_API_BASE is unset.
func (a *app) paypalClient() (*paypal.Client, error) {
	c := a.cfg
	if c.paypalAPIBase == "" {
		return nil, nil
	}
	return paypal.NewClient(paypal.Config{
		ClientID:   c.paypalClientID,
		Secret:     c.paypalSecret,
		APIBase:    c.paypalAPIBase,
		WebhookID:  c.paypalWebhookID,
		Timeout:    c.paypalTimeout,
		Logger:     a.log,
		HTTPClient: &http.Client{},
	})
}

// runner wires a worker.Runner from the settings.
func (a *app) runner(ctx context.Context) (*worker.Runner, *store.Store, error) {
	st, err := a.store(ctx)
	if err != nil {
		return nil, nil, err
	}
	c := a.cfg
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
	sc := a.screening(st)
	r := worker.NewRunner(worker.Config{DryRun: c.dryRun, KillSwitch: c.killSwitch, MaxListAge: c.maxListAge,
		MaxItem: c.maxItem, RunCap: c.runCap, Logger: a.log, PayPalConfigured: sender.PayPalConfigured(), Approval: c.approval()},
		storeadapt.Worker(st), decider, sc, sender)
	return r, st, nil
}

func cmdRun(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	if err := a.parse(fs, args); err != nil {
		return err
	}
	r, _, err := a.runner(ctx)
	if err != nil {
		return err
	}
	res, err := r.RunOnce(ctx)
	if err != nil {
		return err
	}
	printResult(a, res, a.cfg.dryRun)
	return nil
}

func cmdServe(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	now := fs.Bool("now", false, "also run once at start")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	r, st, err := a.runner(ctx)
	if err != nil {
		return err
	}
	spec, hookAddr := a.cfg.schedule, a.cfg.webhookAddr
	if hookAddr != "" {
		h, err := a.webhookHandler(ctx)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("POST "+DefaultWebhookPath, h)
		ln, err := net.Listen("tcp", hookAddr)
		if err != nil {
			return fmt.Errorf("--webhook-addr %s: %w", hookAddr, err)
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
	s, err := worker.NewScheduler(spec, r.RunOnce, a.log)
	if err != nil {
		return fmt.Errorf("--schedule: %w", err)
	}
	s.RunOnStart = *now
	// Replicas share the schedule: each slot runs on one of them, and the
	// latest slot missed while none ran is caught up at start.
	host, _ := os.Hostname()
	s.Slots, s.Owner = st, fmt.Sprintf("%s/%d", host, os.Getpid())
	fmt.Fprintf(a.stdout, "bountypay serving: schedule %q (UTC); SIGINT/SIGTERM stops after the run in progress\n", spec)
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
