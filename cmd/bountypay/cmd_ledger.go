package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

func ledgerList(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
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

// parseAnchor parses "SEQ:HASH".
func parseAnchor(s string) (int64, string, error) {
	seqS, h, ok := strings.Cut(s, ":")
	seq, err := strconv.ParseInt(seqS, 10, 64)
	if !ok || err != nil || seq < 1 || len(h) != 64 {
		return 0, "", fmt.Errorf("--head %q: want SEQ:HASH (a 64-hex-digit hash): %w", s, models.ErrInvalid)
	}
	return seq, strings.ToLower(h), nil
}

func ledgerVerify(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	file := fs.String("file", "", "verify an exported JSON Lines `file` (\"-\" for standard input) instead of the database; no database access needed")
	var heads []string
	fs.Func("head", "a `SEQ:HASH` published earlier (a seal, an earlier verify) that the chain must contain; repeatable", func(s string) error {
		heads = append(heads, s)
		return nil
	})
	quiet := fs.Bool("quiet", false, "print only the result line, not the balances")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	anchors := map[int64]string{}
	for _, h := range heads {
		seq, hash, err := parseAnchor(h)
		if err != nil {
			return &exitError{2, err}
		}
		anchors[seq] = hash
	}
	start := time.Now()
	var v *ledger.Verifier
	var err error
	where := ""
	if *file != "" {
		v, err = verifyFile(ctx, a, *file, anchors)
		where = *file
	} else {
		st, oerr := a.store(ctx)
		if oerr != nil {
			return oerr
		}
		v, err = st.VerifyLedgerWith(ctx, store.VerifyOptions{Anchors: anchors})
		where = st.Where
	}
	if err != nil {
		var ve *ledger.VerifyError
		if errors.As(err, &ve) {
			return &exitError{1, fmt.Errorf("ledger verify FAILED (%s): %w", where, err)}
		}
		return err
	}
	seq, head := v.Head()
	took := time.Since(start)
	rate := ""
	if took > 0 && v.Count > 0 {
		rate = fmt.Sprintf(", %.0f entries/s", float64(v.Count)/took.Seconds())
	}
	fmt.Fprintf(a.stdout, "ledger OK (%s): %d entries, chain verified to entry %d, head %d:%s (%s%s)\n",
		where, v.Count, seq, seq, head, took.Round(time.Millisecond), rate)
	if v.Partial {
		fmt.Fprintf(a.stdout, "partial export from entry %d: its previous hash is trusted; balances and seal trial balances were not recomputed\n", v.FirstSeq)
	}
	for _, s := range v.Seals {
		how := "trial balance recomputed"
		if !s.Recomputed {
			how = "trial balance not recomputed (partial)"
		}
		fmt.Fprintf(a.stdout, "seal %s at entry %d: head %d:%.16s…, %d trial-balance lines, %s\n",
			s.Period, s.Seq, s.LastSeq, s.HeadHash, len(flatten(s.TrialBalance)), how)
	}
	if !*quiet && !v.Partial {
		printBalances(a, v.Balances)
	}
	return nil
}

func verifyFile(ctx context.Context, a *app, name string, anchors map[int64]string) (*ledger.Verifier, error) {
	var r io.Reader = a.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	v := ledger.NewVerifier()
	v.AllowPartial = true
	for seq, h := range anchors {
		v.Expect(seq, h)
	}
	if err := ledger.VerifyJSONL(ctx, bufio.NewReaderSize(r, 1<<20), v); err != nil {
		return v, err
	}
	return v, v.Finish()
}

func flatten(b ledger.Balances) []string {
	var out []string
	for acct, m := range b {
		for asset, v := range m {
			if v != 0 {
				out = append(out, acct+" "+asset)
			}
		}
	}
	return out
}

func ledgerSeal(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	by := a.byFlag(fs, "`name` of the person sealing the month")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &exitError{2, errors.New("ledger seal needs one month, like 2026-11")}
	}
	p, err := ledger.ParsePeriod(fs.Arg(0))
	if err != nil {
		return &exitError{2, err}
	}
	st, err := a.authorized(ctx, *by, models.ActSeal)
	if err != nil {
		return err
	}
	e, err := st.SealPeriod(ctx, p, *by)
	if err != nil {
		return err
	}
	info, err := ledger.ParseSeal(&e)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "sealed %s at entry %d (hash %s): %d trial-balance lines as of %s, after entry %d (%s)\n",
		p, e.Seq, e.Hash, len(flatten(info.TrialBalance)), p.End().Format(time.RFC3339), info.LastSeq, info.HeadHash)
	fmt.Fprintf(a.stdout, "publish this head so the month can be checked later: bountypay ledger verify --head %d:%s\n", e.Seq, e.Hash)
	printBalances(a, info.TrialBalance)
	return nil
}

func ledgerSeals(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	infos, es, err := st.Seals(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PERIOD\tSEAL ENTRY\tBY\tRECORDED\tLAST SEQ\tLINES\tSEAL HASH")
	for i, in := range infos {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t%s\n", in.Period, es[i].Seq, es[i].Actor,
			es[i].RecordedAt.Format(time.RFC3339), in.LastSeq, len(flatten(in.TrialBalance)), es[i].Hash)
	}
	return tw.Flush()
}

// parseDay parses a --from/--to bound: YYYY-MM-DD, YYYY-MM (first day) or
// RFC 3339; "" is open.
func parseDay(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, &exitError{2, fmt.Errorf("--%s %q: want YYYY-MM-DD, YYYY-MM or RFC 3339: %w", flagName, s, models.ErrInvalid)}
}

// output opens --out (standard output for "" or "-").
func (a *app) output(name string) (io.Writer, func() error, error) {
	if name == "" || name == "-" {
		return a.stdout, func() error { return nil }, nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	return bw, func() error {
		if err := bw.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}, nil
}

func ledgerExport(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	format := fs.String("format", "jsonl", "`format`: jsonl (every entry with its hashes; verify with ledger verify --file) or csv (journal lines, schema "+ledger.CSVSchemaVersion+")")
	fromS := fs.String("from", "", "first `date` recorded (YYYY-MM-DD, YYYY-MM or RFC 3339; default: the first entry)")
	toS := fs.String("to", "", "`date` recorded before which the export stops (exclusive; default: the head)")
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
	if *format != "jsonl" && *format != "csv" {
		return &exitError{2, fmt.Errorf("--format %q: want jsonl or csv", *format)}
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	first, last, ok, err := st.SeqRange(ctx, from, to)
	if err != nil {
		return err
	}
	w, done, err := a.output(*out)
	if err != nil {
		return err
	}
	n := 0
	var write func(e *ledger.Entry) error
	var flush func() error = func() error { return nil }
	if *format == "csv" {
		facts, err := st.AwardFacts(ctx)
		if err != nil {
			return err
		}
		cw, err := ledger.NewCSVWriter(w, func(id string) ledger.AwardFacts { return facts[id] })
		if err != nil {
			return err
		}
		write, flush = cw.Write, cw.Flush
	} else {
		write = func(e *ledger.Entry) error { return ledger.WriteJSONL(w, e) }
	}
	if ok {
		// Entries first..last are contiguous in the chain, so the export
		// verifies on its own (from its first entry's previous hash).
		err = st.EachEntrySeq(ctx, first, last, func(e ledger.Entry) error {
			n++
			return write(&e)
		})
	}
	if err == nil {
		err = flush()
	}
	if cerr := done(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if *out != "" && *out != "-" {
		fmt.Fprintf(a.stdout, "exported %d entries (%d..%d) to %s\n", n, first, last, *out)
	}
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
func formatUnits(v int64, asset string) string { return ledger.FormatUnits(v, asset) }
