package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/worker"
)

func cmdApprove(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	by := a.byFlag(fs, "`name` of the approver: a person, not the importer, the triage approver or a service")
	reason := fs.String("reason", "", "why you approve (recorded in the ledger)")
	list := fs.Bool("list", false, "list awards awaiting approval, with their approvals")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	cfg := a.cfg.approval()
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
	status, err := worker.Approve(ctx, storeadapt.Worker(st), cfg, "", fs.Arg(0), *by, *reason)
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
	as, err := st.Awards(ctx, models.AwardFilter{States: []models.AwardState{models.StateAwaitingApproval}})
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
