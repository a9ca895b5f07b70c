package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

func cmdStatus(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	return printStatus(ctx, a.stdout, st)
}

// printStatus prints every report with its decision and every award with
// its state, amount and reason.
func printStatus(ctx context.Context, w io.Writer, st *store.Store) error {
	reps, err := st.Reports(ctx)
	if err != nil {
		return err
	}
	awards, err := st.Awards(ctx, models.AwardFilter{})
	if err != nil {
		return err
	}
	byReport := map[string][]models.Award{}
	for _, aw := range awards {
		byReport[aw.ReportID] = append(byReport[aw.ReportID], aw)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPORT\tSEVERITY\tDECISION\tAWARD\tSTATE\tAMOUNT\tREASON")
	for _, r := range reps {
		decision := r.Decision
		if decision == "" {
			decision = "undecided"
		}
		aws := byReport[r.ID]
		if len(aws) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\t%s\n", r.ID, r.Severity, decision, clip(r.DecisionReason, 90))
			continue
		}
		for _, aw := range aws {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Severity, decision, aw.Kind, aw.State, amountOf(aw), clip(aw.Reason, 90))
		}
	}
	return tw.Flush()
}

func amountOf(aw models.Award) string {
	switch aw.Kind {
	case models.AwardMoney:
		return aw.Amount.String()
	case models.AwardPlexPass:
		return "1 PASS"
	}
	return clip(aw.Description, 24)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
