package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/worker"
)

// cmdReview is review list, clear and confirm.
func cmdReview(ctx context.Context, a *app, args []string) error {
	sub := a.cmd.name
	fs := a.flags()
	by := fs.String("by", "", "`name` of the compliance officer deciding (required for clear and confirm)")
	reason := fs.String("reason", "", "why (required for clear and confirm)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	id := fs.Arg(0)
	if sub != "list" && fs.NArg() != 1 {
		return &exitError{2, fmt.Errorf("review %s needs one award ID", sub)}
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	sc := a.screening(st)
	switch sub {
	case "list":
		held, err := sc.HeldAwards(ctx)
		if err != nil {
			return err
		}
		if len(held) == 0 {
			fmt.Fprintln(a.stdout, "no awards held for review")
			return nil
		}
		for _, h := range held {
			fmt.Fprintf(a.stdout, "%s  %s  payee %s (%s, %s)\n  reason: %s\n", h.Award.ID, amountOf(h.Award), h.Payee.Name, h.Payee.ID, h.Payee.Country, h.Award.Reason)
			if h.Screening.ListSHA256 != "" {
				fmt.Fprintf(a.stdout, "  screened %s against list %.12s…, score %.2f\n", h.Screening.ScreenedAt.Format("2006-01-02 15:04"), h.Screening.ListSHA256, h.Screening.Score)
			}
			if len(h.ClearVotes) > 0 {
				fmt.Fprintf(a.stdout, "  cleared so far by %s: another compliance reviewer decides\n", strings.Join(h.ClearVotes, ", "))
			}
			for _, m := range h.Result.Matches {
				fmt.Fprintf(a.stdout, "    %-4s %-6d %.2f  %s [%s]", m.Source, m.ID, m.Score, m.Name, strings.Join(m.Programs, ", "))
				if len(m.Reasons) > 0 {
					fmt.Fprintf(a.stdout, "  (%s)", strings.Join(m.Reasons, "; "))
				}
				fmt.Fprintln(a.stdout)
			}
		}
		return nil
	case "clear", "confirm":
		aw, err := sc.Decide(ctx, id, sub == "confirm", *by, *reason)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s is now %s\n", aw.ID, aw.State)
		return nil
	}
	return &exitError{2, fmt.Errorf("review: unknown subcommand %q", sub)}
}

// screening builds the screening service (for review and rescreen).
func (a *app) screening(st *store.Store) *worker.Screening {
	c := a.cfg
	juris, _ := newJurisdictions()
	return worker.NewScreening(worker.ScreeningConfig{MaxListAge: c.maxListAge, ReviewThreshold: c.reviewThreshold,
		TwoReviewerScore: c.twoReviewerScore, ReviewersRequired: c.reviewersRequired}, storeadapt.Worker(st), juris, newListBuilder(c.reviewThreshold))
}

func rescreenAfterLoad(ctx context.Context, a *app) (worker.RescreenReport, error) {
	r, _, err := a.runner(ctx)
	if err != nil {
		return worker.RescreenReport{}, err
	}
	return r.Rescreen(ctx)
}

func printRescreen(a *app, rep worker.RescreenReport) {
	fmt.Fprintf(a.stdout, "rescreened %d award(s) against the new list\n", rep.Screened)
	for _, s := range rep.NowHeld {
		fmt.Fprintln(a.stdout, "  now held:", s)
	}
	for _, s := range rep.NowBlocked {
		fmt.Fprintln(a.stdout, "  now blocked:", s)
	}
	for _, s := range rep.PaidMatches {
		fmt.Fprintln(a.stdout, "  ALREADY SENT/PAID, payee now matches:", s)
	}
}
