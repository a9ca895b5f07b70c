package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/worker"
)

// approvalOpts are the maker-checker settings. run, serve and demo should
// take them too (see approvalFlags) so the worker and the approve command
// agree.
type approvalOpts struct {
	thresholds string
	required   int
	window     time.Duration
	validFor   time.Duration
	holdNoForm bool
}

// approvalFlags registers the maker-checker flags on fs.
func (a *app) approvalFlags(fs *flag.FlagSet) *approvalOpts {
	o := &approvalOpts{}
	req, _ := strconv.Atoi(a.getenv("BOUNTYPAY_APPROVALS_REQUIRED"))
	fs.StringVar(&o.thresholds, "approval-threshold", cmp.Or(a.getenv("BOUNTYPAY_APPROVAL_THRESHOLDS"), defaultApprovalThresholds),
		"awards from this amount (per researcher within the window) need approvals: `list` of \"AMOUNT CUR\" (also \"N PASS\", \"N OTHER\"); currencies not listed always need approvals (env BOUNTYPAY_APPROVAL_THRESHOLDS)")
	fs.IntVar(&o.required, "approvals-required", cmp.Or(req, worker.DefaultApprovalsRequired), "distinct approvers `n`eeded (env BOUNTYPAY_APPROVALS_REQUIRED)")
	fs.DurationVar(&o.window, "approval-window", envDuration(a.getenv, "BOUNTYPAY_APPROVAL_WINDOW", worker.DefaultApprovalWindow),
		"awards to one researcher within this `duration` count together (env BOUNTYPAY_APPROVAL_WINDOW)")
	fs.DurationVar(&o.validFor, "approval-valid-for", envDuration(a.getenv, "BOUNTYPAY_APPROVAL_VALID_FOR", worker.DefaultApprovalValidFor),
		"an approval counts for this `duration`; an award waiting longer needs fresh approvals (env BOUNTYPAY_APPROVAL_VALID_FOR)")
	fs.BoolVar(&o.holdNoForm, "hold-without-tax-form", a.getenv("BOUNTYPAY_HOLD_WITHOUT_TAX_FORM") == "true",
		"hold money awards until a tax form is on file (env BOUNTYPAY_HOLD_WITHOUT_TAX_FORM=true)")
	return o
}

// defaultApprovalThresholds: from these amounts (per researcher within
// the window) an award needs approvals. Roughly USD 2,000 in each currency
// PayPal pays in most; a currency not listed always needs approvals.
const defaultApprovalThresholds = "2000.00 USD, 1800.00 EUR, 1600.00 GBP, 2700.00 CAD, 3000.00 AUD, 3300.00 NZD, 1800.00 CHF, 300000 JPY"

// config turns the flags into a worker.ApprovalConfig.
func (o *approvalOpts) config() (worker.ApprovalConfig, error) {
	th, err := parseThresholds(o.thresholds)
	if err != nil {
		return worker.ApprovalConfig{}, err
	}
	if o.required < 1 {
		return worker.ApprovalConfig{}, fmt.Errorf("--approvals-required %d: want at least 1: %w", o.required, models.ErrInvalid)
	}
	return worker.ApprovalConfig{Thresholds: th, Required: o.required, Window: o.window, ValidFor: o.validFor, HoldWithoutTaxForm: o.holdNoForm}, nil
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
			return nil, fmt.Errorf("--approval-threshold %q: want \"AMOUNT CURRENCY\": %w", part, models.ErrInvalid)
		}
		asset := strings.ToUpper(f[1])
		if asset == models.AssetPass || asset == models.AssetOther {
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("--approval-threshold %q: want a whole number of %s: %w", part, asset, models.ErrInvalid)
			}
			out[asset] = n
			continue
		}
		m, err := models.ParseMoney(f[0], asset)
		if err != nil {
			return nil, fmt.Errorf("--approval-threshold %q: %w", part, err)
		}
		out[asset] = m.Minor
	}
	return out, nil
}

func cmdApprove(ctx context.Context, a *app, args []string) error {
	fs := a.flags("approve", "ID --by NAME [--reason TEXT] | --list")
	by := fs.String("by", a.getenv("USER"), "`name` of the approver: a person, not the importer, the triage approver or a service (env USER)")
	reason := fs.String("reason", "", "why you approve (recorded in the ledger)")
	list := fs.Bool("list", false, "list awards awaiting approval, with their approvals")
	ao := a.approvalFlags(fs)
	if err := a.parseMixed(fs, args); err != nil {
		return err
	}
	cfg, err := ao.config()
	if err != nil {
		return &exitError{2, err}
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	if *list {
		if fs.NArg() != 0 {
			return &exitError{2, errors.New("approve --list takes no award id")}
		}
		return approveList(ctx, a, st, cfg)
	}
	if fs.NArg() != 1 {
		return &exitError{2, errors.New("approve needs one award id (or --list)")}
	}
	status, err := worker.Approve(ctx, st, cfg, "", fs.Arg(0), *by, *reason)
	if err != nil {
		return err
	}
	switch {
	case status.Ready():
		fmt.Fprintf(a.stdout, "approved %s by %s: %s; it goes on to screening\n", status.AwardID, *by, approvalSummary(status))
	default:
		fmt.Fprintf(a.stdout, "approval of %s by %s recorded: %s; still waiting: %s\n", status.AwardID, *by, approvalSummary(status), status.Why)
	}
	return nil
}

func approvalSummary(s worker.ApprovalStatus) string {
	if !s.Needed {
		return "no approval required"
	}
	return fmt.Sprintf("%d of %d approvals (%s)", len(s.Approvers), s.Required, strings.Join(s.Approvers, ", "))
}

func approveList(ctx context.Context, a *app, st *store.Store, cfg worker.ApprovalConfig) error {
	as, err := st.Awards(ctx, store.AwardFilter{States: []models.AwardState{models.StateAwaitingApproval}})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AWARD\tRESEARCHER\tAMOUNT\tAPPROVALS\tCONTENT\tWAITING FOR")
	for _, aw := range as {
		var status worker.ApprovalStatus
		err := st.InTx(ctx, func(tx *store.Tx) error {
			var err error
			status, err = worker.CheckApproval(tx, cfg, "", &aw)
			return err
		})
		if err != nil {
			return err
		}
		amount := ledger.FormatUnits(unitsOf(aw), aw.Asset()) + " " + aw.Asset()
		who := "-"
		if len(status.Approvers) > 0 {
			who = strings.Join(status.Approvers, ", ")
		}
		why := cmp.Or(status.Why, "ready: moves on at the next run")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d %s\t%.12s\t%s\n", aw.ID, aw.ResearcherID, amount, len(status.Approvers), status.Required, who, status.ContentHash, why)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(as) == 0 {
		fmt.Fprintln(a.stdout, "no awards await approval")
	}
	return nil
}

func unitsOf(a models.Award) int64 {
	if a.Kind == models.AwardMoney {
		return a.Amount.Minor
	}
	return 1
}

// parseMixed parses flags given before or after the positional arguments
// ("approve ID --by NAME" as well as "approve --by NAME ID"); "--" ends
// the flags.
func (a *app) parseMixed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := a.parse(fs, args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}
