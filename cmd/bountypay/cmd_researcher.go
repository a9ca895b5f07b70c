package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

// cmdResearcher is researcher list, show, set-receiver, approve and
// reject.
func cmdResearcher(ctx context.Context, a *app, args []string) error {
	sub := a.cmd.name
	fs := a.flags()
	by := a.byFlag(fs, "`name` of the person acting")
	reason := fs.String("reason", "", "why, and for approve: how the change was verified out of band (recorded in the ledger)")
	plex := fs.String("plex-account", "", "set-receiver: also change the Plex `account` passes go to")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		return researcherList(ctx, a, st)
	case "show":
		if fs.NArg() != 1 {
			return &exitError{2, errors.New("researcher show needs one ID")}
		}
		return researcherShow(ctx, a, st, fs.Arg(0))
	case "set-receiver":
		if fs.NArg() != 2 {
			return &exitError{2, errors.New("researcher set-receiver needs ID and EMAIL")}
		}
		v, err := st.SetReceiver(ctx, fs.Arg(0), fs.Arg(1), *plex, *by, *reason)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "payee %s version %d is %s: another finance person approves it with bountypay researcher approve %s %d --by NAME --reason TEXT\n",
			v.ID, v.Version, v.Status, v.ID, v.Version)
		return nil
	case "approve", "reject":
		if fs.NArg() != 2 {
			return &exitError{2, fmt.Errorf("researcher %s needs ID and VERSION", sub)}
		}
		n, err := strconv.Atoi(fs.Arg(1))
		if err != nil || n < 1 {
			return &exitError{2, fmt.Errorf("researcher %s: VERSION %q: want a version number: %w", sub, fs.Arg(1), models.ErrInvalid)}
		}
		v, err := st.DecidePayeeChange(ctx, fs.Arg(0), n, sub == "approve", *by, *reason)
		if err != nil {
			return err
		}
		if v.Status == models.PayeeActive {
			fmt.Fprintf(a.stdout, "payee %s version %d is in force; its unsent awards are screened again at the next run\n", v.ID, v.Version)
		} else {
			fmt.Fprintf(a.stdout, "payee %s version %d is %s\n", v.ID, v.Version, v.Status)
		}
		return nil
	}
	return &exitError{2, fmt.Errorf("researcher: unknown subcommand %q", sub)}
}

func researcherList(ctx context.Context, a *app, st *store.Store) error {
	rs, err := st.Researchers(ctx)
	if err != nil {
		return err
	}
	pending, err := st.PendingPayeeChanges(ctx)
	if err != nil {
		return err
	}
	waiting := map[string]int{}
	for _, p := range pending {
		waiting[p.ID] = p.Version
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESEARCHER\tNAME\tCOUNTRY\tVERSIONS\tPENDING CHANGE")
	for _, r := range rs {
		vs, err := st.PayeeVersions(ctx, r.ID)
		if err != nil {
			return err
		}
		p := "-"
		if n, ok := waiting[r.ID]; ok {
			p = fmt.Sprintf("version %d", n)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", r.ID, r.Name, r.Country, len(vs), p)
	}
	return tw.Flush()
}

func researcherShow(ctx context.Context, a *app, st *store.Store, id string) error {
	vs, err := st.PayeeVersions(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "researcher %s\n\nversions:\n", id)
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  VERSION\tSTATUS\tNAME\tCOUNTRY\tPAYPAL\tPLEX\tCHANGED\tBY\tDECIDED BY\tSOURCE")
	for _, v := range vs {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Version, v.Status, v.Name, cmpDash(v.Country),
			cmpDash(v.PayPalReceiver), cmpDash(v.PlexAccount), cmpDash(strings.Join(v.Changed, ",")), v.CreatedBy,
			cmpDash(v.DecidedBy), v.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	awards, err := st.Awards(ctx, models.AwardFilter{ResearcherID: id})
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "\nawards:")
	tw = tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  AWARD\tAMOUNT\tSTATE\tPAYEE VERSION\tREASON")
	for _, aw := range awards {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\n", aw.ID, amountOf(aw), aw.State, aw.PayeeVersion, aw.Reason)
	}
	return tw.Flush()
}

func cmpDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
