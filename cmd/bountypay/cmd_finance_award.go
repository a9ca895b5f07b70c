package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/store"
)

func oneAward(fs interface {
	NArg() int
	Arg(int) string
}, what string) (string, error) {
	if fs.NArg() != 1 {
		return "", &exitError{2, fmt.Errorf("award %s needs one award id", what)}
	}
	return fs.Arg(0), nil
}

func awardCancel(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	by := a.byFlag(fs, "`name` of the person cancelling")
	reason := fs.String("reason", "", "why (required; recorded in the ledger)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	id, err := oneAward(fs, "cancel")
	if err != nil {
		return err
	}
	st, err := a.authorized(ctx, *by, models.ActCorrect)
	if err != nil {
		return err
	}
	aw, err := corrections(a, st).Cancel(ctx, id, *by, *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "cancelled %s by %s: %s\n", aw.ID, *by, *reason)
	return nil
}

func awardAdjust(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	amount := fs.String("amount", "", "the new `amount`, like \"1500.00 USD\" (same currency)")
	by := a.byFlag(fs, "`name` of the person adjusting")
	reason := fs.String("reason", "", "why (required; recorded in the ledger)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	id, err := oneAward(fs, "adjust")
	if err != nil {
		return err
	}
	f := strings.Fields(*amount)
	if len(f) != 2 {
		return &exitError{2, fmt.Errorf("--amount %q: want \"AMOUNT CURRENCY\", like \"1500.00 USD\": %w", *amount, models.ErrInvalid)}
	}
	m, err := models.ParseMoney(f[0], strings.ToUpper(f[1]))
	if err != nil {
		return &exitError{2, fmt.Errorf("--amount: %w", err)}
	}
	st, err := a.authorized(ctx, *by, models.ActCorrect)
	if err != nil {
		return err
	}
	aw, err := corrections(a, st).Adjust(ctx, id, m, *by, *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "adjusted %s to %s (%s); earlier approvals no longer count\n", aw.ID, aw.Amount, aw.State)
	return nil
}

func awardFulfil(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	by := a.byFlag(fs, "`name` of the person who handed the reward over")
	note := fs.String("note", "", "what was sent, tracking number (recorded in the ledger)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	id, err := oneAward(fs, "fulfil")
	if err != nil {
		return err
	}
	st, err := a.authorized(ctx, *by, models.ActCorrect)
	if err != nil {
		return err
	}
	aw, err := corrections(a, st).Fulfil(ctx, id, *by, *note)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "fulfilled %s by %s\n", aw.ID, *by)
	return nil
}

func taxformSet(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	form := fs.String("form", "", "form `type`: W-9, W-8BEN or W-8BEN-E")
	status := fs.String("status", models.FormReceived, "`status`: received, missing or invalid")
	by := a.byFlag(fs, "`name` of the person recording it")
	note := fs.String("note", "", "a note (never the tax id itself)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &exitError{2, errors.New("taxform set needs one researcher id")}
	}
	if _, _, err := store.ParseTaxForm(*form, *status); err != nil {
		return &exitError{2, err}
	}
	st, err := a.authorized(ctx, *by, models.ActTaxForm)
	if err != nil {
		return err
	}
	f, err := st.SetTaxForm(ctx, models.TaxForm{ResearcherID: fs.Arg(0), Form: *form, Status: *status, UpdatedBy: *by, Note: *note})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "tax form of %s: %s %s\n", f.ResearcherID, f.Form, f.Status)
	return nil
}

func taxformList(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	forms, err := st.TaxForms(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(forms))
	for id := range forms {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESEARCHER\tFORM\tSTATUS\tBY\tUPDATED")
	for _, id := range ids {
		f := forms[id]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.ResearcherID, f.Form, f.Status, f.UpdatedBy, f.UpdatedAt.Format("2006-01-02"))
	}
	return tw.Flush()
}

// corrections is the sender that applies finance's corrections of awards
// (no PayPal call is involved).
func corrections(a *app, st *store.Store) *payout.Sender {
	return payout.NewSender(payout.Config{Logger: a.log}, storeadapt.Payout(st), nil)
}
