package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plex/bountypay/finance"
	"github.com/plex/bountypay/ledger"
)

func reportJournal(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	fromS := fs.String("from", "", "first effective `date` (YYYY-MM-DD, YYYY-MM or RFC 3339)")
	toS := fs.String("to", "", "effective `date` before which the journal stops (exclusive)")
	format := fs.String("format", "csv", "`format`: csv (journal lines, schema "+ledger.CSVSchemaVersion+") or jsonl (entries with hashes)")
	out := fs.String("out", "", "write to this new `file` (default standard output)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	from, err := parseDay("from", *fromS)
	if err != nil {
		return err
	}
	to, err := parseDay("to", *toS)
	if err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	w, done, err := a.output(*out)
	if err != nil {
		return err
	}
	switch *format {
	case "csv":
		facts, ferr := st.AwardFacts(ctx)
		if ferr != nil {
			return ferr
		}
		cw, cerr := ledger.NewCSVWriter(w, func(id string) ledger.AwardFacts { return facts[id] })
		if cerr != nil {
			return cerr
		}
		err = st.EachEntryEffective(ctx, from, to, func(e ledger.Entry) error { return cw.Write(&e) })
		if err == nil {
			err = cw.Flush()
		}
	case "jsonl":
		err = st.EachEntryEffective(ctx, from, to, func(e ledger.Entry) error { return ledger.WriteJSONL(w, &e) })
	default:
		return &exitError{2, fmt.Errorf("--format %q: want csv or jsonl", *format)}
	}
	if cerr := done(); err == nil {
		err = cerr
	}
	return err
}

func reportTrialBalance(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	atS := fs.String("at", "", "balances of the entries effective before this `date` (default: all)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	at, err := parseDay("at", *atS)
	if err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	tb, err := finance.TrialBalance(ctx, st, at)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ACCOUNT\tASSET\tDEBIT\tCREDIT\t")
	for _, acct := range tb.Accounts() {
		assets := make([]string, 0, len(tb[acct]))
		for as := range tb[acct] {
			assets = append(assets, as)
		}
		sort.Strings(assets)
		for _, as := range assets {
			v := tb[acct][as]
			if v > 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t\t\n", acct, as, formatUnits(v, as))
			} else if v < 0 {
				fmt.Fprintf(tw, "%s\t%s\t\t%s\t\n", acct, as, formatUnits(-v, as))
			}
		}
	}
	for asset, t := range tb.Totals() {
		if t != 0 {
			fmt.Fprintf(tw, "UNBALANCED\t%s\t%s\t\t\n", asset, formatUnits(t, asset))
		}
	}
	return tw.Flush()
}

func reportPaid(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	by := fs.String("by", "month,currency", "group by a comma-separated `list` of researcher, month, currency, severity")
	fromS := fs.String("from", "", "first effective `date`")
	toS := fs.String("to", "", "effective `date` before which to stop (exclusive)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	from, err := parseDay("from", *fromS)
	if err != nil {
		return err
	}
	to, err := parseDay("to", *toS)
	if err != nil {
		return err
	}
	dims := strings.Split(*by, ",")
	for _, d := range dims {
		switch d {
		case "researcher", "month", "currency", "severity":
		default:
			return &exitError{2, fmt.Errorf("--by %q: want researcher, month, currency or severity", d)}
		}
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	lines, err := finance.PaidLines(ctx, st, from, to)
	if err != nil {
		return err
	}
	type agg struct {
		key      []string
		asset    string
		n        int
		sum, fee int64
	}
	groups := map[string]*agg{}
	var order []string
	for _, l := range lines {
		var key []string
		for _, d := range dims {
			switch d {
			case "researcher":
				key = append(key, l.ResearcherID)
			case "month":
				key = append(key, l.At.Format("2006-01"))
			case "currency":
				key = append(key, l.Asset)
			case "severity":
				key = append(key, cmp.Or(l.Severity, "-"))
			}
		}
		k := strings.Join(key, "\x00") + "\x00" + l.Asset // amounts never mix assets
		g := groups[k]
		if g == nil {
			g = &agg{key: key, asset: l.Asset}
			groups[k] = g
			order = append(order, k)
		}
		g.n++
		g.sum += l.Amount
		g.fee += l.Fee
	}
	sort.Strings(order)
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(dims, "\t"))+"\tASSET\tCOUNT\tTOTAL\tFEES")
	for _, k := range order {
		g := groups[k]
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", strings.Join(g.key, "\t"), g.asset, g.n, formatUnits(g.sum, g.asset), formatUnits(g.fee, g.asset))
	}
	return tw.Flush()
}

func reportAgeing(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	atS := fs.String("at", "", "age as of this `date` (default now)")
	list := fs.Bool("list", false, "list every award, not only the buckets")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	at, err := parseDay("at", *atS)
	if err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	at = cmp.Or(at, st.Now())
	unpaid, unclaimed, err := finance.Ageing(ctx, st, at)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	for _, part := range []struct {
		name  string
		lines []ledger.AgeingLine
	}{{"decided, not paid (age since decision)", unpaid}, {"unclaimed at PayPal (age since unclaimed; PayPal returns after 30 days)", unclaimed}} {
		fmt.Fprintf(tw, "%s\n", part.name)
		type cell struct {
			n   int
			sum int64
		}
		cells := map[[2]string]*cell{}
		var assets []string
		for _, l := range part.lines {
			k := [2]string{ageingBucket(l.Days), l.Award.Asset()}
			if cells[k] == nil {
				cells[k] = &cell{}
				if !contains(assets, l.Award.Asset()) {
					assets = append(assets, l.Award.Asset())
				}
			}
			cells[k].n++
			cells[k].sum += unitsOf(l.Award)
		}
		sort.Strings(assets)
		fmt.Fprintln(tw, "  BUCKET (DAYS)\tASSET\tCOUNT\tTOTAL")
		for _, b := range ledger.AgeingBuckets {
			for _, as := range assets {
				if c := cells[[2]string{b.Name, as}]; c != nil {
					fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", b.Name, as, c.n, formatUnits(c.sum, as))
				}
			}
		}
		if *list {
			for _, l := range part.lines {
				fmt.Fprintf(tw, "  %s\t%s\t%d days\t%s %s\t%s\n", l.Award.ID, l.Award.State, l.Days,
					formatUnits(unitsOf(l.Award), l.Award.Asset()), l.Award.Asset(), l.Award.Reason)
			}
		}
	}
	return tw.Flush()
}

func ageingBucket(days int) string { return ledger.Bucket(days) }

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func reportTax(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	year := fs.Int("year", 0, "calendar `year` of payment (default: this year)")
	asCSV := fs.Bool("csv", false, "write CSV")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	fmv := a.cfg.passValue
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	y := cmp.Or(*year, st.Now().Year())
	lines, err := finance.TaxYear(ctx, st, y, fmv.Minor)
	if err != nil {
		return err
	}
	th, indexed := ledger.Form1099Threshold(y)
	note := ""
	if indexed {
		note = " (inflation-indexed from 2027: confirm the figure with the tax adviser)"
	}
	header := []string{"researcher", "year", "usd_paid", "passes", "pass_value_usd", "total_usd", "threshold_usd", "reportable", "form", "form_status", "flag", "other_currencies"}
	rows := [][]string{}
	for _, l := range lines {
		flag := ""
		switch {
		case l.Reportable && !l.Form.OnFile():
			flag = "REPORTABLE, NO VALID FORM"
		case l.Reportable:
			flag = "reportable"
		case !l.Form.OnFile() && l.Total > 0:
			flag = "no valid form"
		}
		var other []string
		for cur, v := range l.Other {
			other = append(other, formatUnits(v, cur)+" "+cur)
		}
		sort.Strings(other)
		rows = append(rows, []string{l.ResearcherID, fmt.Sprint(l.Year), formatUnits(l.USD, "USD"), fmt.Sprint(l.Passes),
			formatUnits(l.PassValue, "USD"), formatUnits(l.Total, "USD"), formatUnits(l.Threshold, "USD"),
			fmt.Sprint(l.Reportable), cmp.Or(l.Form.Form, "-"), l.Form.Status, flag, strings.Join(other, "; ")})
	}
	if *asCSV {
		cw := csv.NewWriter(a.stdout)
		_ = cw.Write(header)
		_ = cw.WriteAll(rows)
		return cw.Error()
	}
	fmt.Fprintf(a.stdout, "payments in %d; 1099 threshold $%s%s; passes at $%s each; other currencies are listed, not converted\n",
		y, formatUnits(th, "USD"), note, fmv.Decimal())
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(header, "\t")))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func reportBlocked(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	lines, err := finance.Blocked(ctx, st)
	if err != nil {
		return err
	}
	now := st.Now()
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AWARD\tRESEARCHER\tAMOUNT\tBLOCKED\tREPORT TO OFAC BY\tDUE\tENTRY\tREASON")
	for _, l := range lines {
		due := fmt.Sprintf("%d days", int(l.Deadline.Sub(now).Hours()/24))
		if now.After(l.Deadline.Add(24 * time.Hour)) {
			due = "OVERDUE"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\t%s\t%d\t%s\n", l.Award.ID, l.Award.ResearcherID,
			formatUnits(unitsOf(l.Award), l.Award.Asset()), l.Award.Asset(), l.BlockedAt.Format("2006-01-02"),
			l.Deadline.Format("2006-01-02"), due, l.Seq, l.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "blocked property is reported to OFAC within 10 business days of blocking (31 CFR 501.603); keep the records 10 years")
	return nil
}

func reportReconcile(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	live := fs.Bool("live", false, "also read every accepted attempt's batch from PayPal and compare it with what was recorded (needs PAYPAL_API_BASE, PAYPAL_CLIENT_ID, PAYPAL_SECRET)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	var liveProblems int
	if *live {
		snd, _, err := a.payoutSender(ctx)
		if err != nil {
			return err
		}
		audit, err := snd.Audit(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "PayPal: %d attempts read back (every attempt ever made)", audit.Checked)
		if len(audit.Mismatches) == 0 {
			fmt.Fprintln(a.stdout, ", all agree with what was recorded")
		} else {
			fmt.Fprintf(a.stdout, ", %d mismatch(es):\n", len(audit.Mismatches))
			tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "AWARD\tATTEMPT\tSENDER BATCH\tPAYPAL BATCH\tKIND\tMISMATCH")
			for _, m := range audit.Mismatches {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", m.AwardID, m.Attempt, m.SenderBatchID, cmpDash(m.PayoutBatchID), m.Kind, m.Problem)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		liveProblems = len(audit.Mismatches)
	}
	ms, n, err := finance.CheckLedgerAgainstAttempts(ctx, st)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		fmt.Fprintf(a.stdout, "reconciled: %d money awards, the ledger agrees with the PayPal attempts\n", n)
		if liveProblems > 0 {
			return &exitError{1, fmt.Errorf("%d mismatches between PayPal and the recorded attempts", liveProblems)}
		}
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AWARD\tSTATE\tMISMATCH")
	for _, m := range ms {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.AwardID, m.State, m.Problem)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return &exitError{1, fmt.Errorf("%d mismatches between the ledger and PayPal attempts", len(ms))}
}
