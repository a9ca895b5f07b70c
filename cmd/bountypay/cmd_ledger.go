package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

func cmdLedger(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		return subcommandHelp(a, args, "ledger needs a subcommand: list or verify")
	}
	switch args[0] {
	case "list":
		return ledgerList(ctx, a, args[1:])
	case "verify":
		return ledgerVerify(ctx, a, args[1:])
	}
	return &exitError{2, fmt.Errorf("ledger: unknown subcommand %q (want list or verify)", args[0])}
}

func ledgerList(ctx context.Context, a *app, args []string) error {
	fs := a.flags("ledger list", "[flags]")
	award := fs.String("award", "", "only entries of this award `id`")
	from := fs.Int64("from", 1, "first sequence `number`")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tEFFECTIVE\tKIND\tAWARD\tACTOR\tPOSTINGS\tHASH")
	print := func(e ledger.Entry) {
		var ps []string
		for _, p := range e.Postings {
			ps = append(ps, fmt.Sprintf("%s %s → %s", formatUnits(p.Amount, p.Asset), p.Credit, p.Debit))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%.12s\n", e.Seq, e.EffectiveAt.Format("2006-01-02 15:04:05"),
			e.Kind, e.AwardID, e.Actor, strings.Join(ps, "; "), e.Hash)
	}
	if *award != "" {
		es, err := st.LedgerEntriesForAward(ctx, *award)
		if err != nil {
			return err
		}
		for _, e := range es {
			print(e)
		}
		return tw.Flush()
	}
	err = st.EachLedgerEntry(ctx, *from, func(e ledger.Entry, derr error) error {
		print(e)
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Flush()
}

func ledgerVerify(ctx context.Context, a *app, args []string) error {
	fs := a.flags("ledger verify", "[flags]")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	v, err := st.VerifyLedger(ctx)
	if err != nil {
		return &exitError{1, fmt.Errorf("ledger verify FAILED: %w", err)}
	}
	seq, head := v.Head()
	fmt.Fprintf(a.stdout, "ledger OK: %d entries, chain verified to entry %d (head %s)\n", v.Count, seq, head)
	printBalances(a, v.Balances)
	return nil
}

func printBalances(a *app, b ledger.Balances) {
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ACCOUNT\tASSET\tDEBIT−CREDIT\t")
	for _, acct := range b.Accounts() {
		assets := make([]string, 0, len(b[acct]))
		for as := range b[acct] {
			assets = append(assets, as)
		}
		sort.Strings(assets)
		for _, as := range assets {
			if v := b[acct][as]; v != 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t\n", acct, as, formatUnits(v, as))
			}
		}
	}
	tw.Flush()
}

// formatUnits renders minor units of an asset.
func formatUnits(v int64, asset string) string {
	if exp, ok := models.CurrencyExponent(asset); ok {
		return models.FormatMinor(v, exp)
	}
	return fmt.Sprint(v)
}
