package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/plex/bountypay/compliance/ofac"
	"github.com/plex/bountypay/intake"
	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/worker"
)

//go:embed demodata
var demoData embed.FS

func demoFile(name string) []byte {
	b, err := demoData.ReadFile(path.Join("demodata", name))
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}

func cmdDemo(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	w := a.stdout
	fmt.Fprintf(w, "bountypay demo: database %s\n\n", st.Where)

	// 1. The local PayPal.
	// Its state lives beside the database, so a second demo finds the
	// batches of the first (an unclaimed payment is still PayPal's).
	sb := paypalsandbox.New(paypalsandbox.Config{Logger: a.log})
	defer sb.Close()
	if err := os.MkdirAll(a.cfg.dataDir, 0o700); err != nil {
		return err
	}
	statePath := filepath.Join(a.cfg.dataDir, "paypal-sandbox.json")
	if err := sb.LoadStateFile(statePath); err != nil {
		return fmt.Errorf("demo: %s: %w", statePath, err)
	}
	defer func() {
		if err := sb.SaveStateFile(statePath); err != nil {
			a.log.Error("demo: save sandbox state", slog.Any("err", err))
		}
	}()
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "1. local PayPal sandbox on %s (state in %s)\n", base, statePath)

	// The demo's people and services (see the README, Roles).
	if err := demoIdentities(ctx, st); err != nil {
		return err
	}

	// 2. The bundled sample sanctions list.
	files := map[string][]byte{}
	for _, n := range []string{ofac.FileSDN, ofac.FileAlt, ofac.FileAdd} {
		files[n] = demoFile(n)
	}
	list, err := ofac.Build(files)
	if err != nil {
		return fmt.Errorf("demo list: %w", err)
	}
	cur, err := st.CurrentList(ctx)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	if err != nil || cur.SHA256 != list.SHA256 || time.Since(cur.LoadedAt) > time.Hour {
		if _, err := saveList(ctx, st, list, files, "bountypay demo sample list", true, "demo"); err != nil {
			return err
		}
		fmt.Fprintf(w, "2. loaded the sample sanctions list: %d entries, %d aliases (sha256 %.12s…)\n", list.Counts.Entries, list.Counts.Aliases, list.SHA256)
	} else {
		fmt.Fprintf(w, "2. sample sanctions list already current (sha256 %.12s…)\n", list.SHA256)
	}

	// 3. Plex Pass codes and reports.
	codes, err := readCodes("demodata/passes.txt", bytes.NewReader(demoFile("passes.txt")))
	if err != nil {
		return err
	}
	pr, err := st.ImportPassCodes(ctx, "demodata/passes.txt", codes, "demo")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "3. Plex Pass code pool: %d new code(s), %d already there\n", pr.New, pr.Duplicate)
	ir, err := importReports(ctx, a, "demodata/reports.jsonl", bytes.NewReader(demoFile("reports.jsonl")), intake.FormatAuto, "demo-triage")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "4. imported sample reports: %d new, %d unchanged\n", ir.New, ir.Unchanged)

	// 4. Run against the local PayPal, then reconcile until PayPal has
	// processed what was sent.
	a.cfg.paypalAPIBase, a.cfg.paypalClientID, a.cfg.paypalSecret = base, "demo-client", "demo-secret"
	r, _, err := a.runner(ctx)
	if err != nil {
		return err
	}
	before, err := settledCount(ctx, st)
	if err != nil {
		return err
	}
	res, err := r.RunOnce(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "5. one run:")
	printResult(a, res, false)

	// 5. Finance approves what needs four eyes (two distinct people, neither
	// the importer), then the next runs screen, send and reconcile.
	apCfg := a.cfg.approval()
	waiting, err := st.Awards(ctx, models.AwardFilter{States: []models.AwardState{models.StateAwaitingApproval}})
	if err != nil {
		return err
	}
	for _, aw := range waiting {
		for _, who := range []string{"dana", "eli"} {
			if _, err := worker.Approve(ctx, storeadapt.Worker(st), apCfg, "", aw.ID, who, "demo: severity and amount checked"); err != nil {
				return fmt.Errorf("demo approval of %s: %w", aw.ID, err)
			}
		}
	}
	if len(waiting) > 0 {
		fmt.Fprintf(w, "6. finance approved %d award(s) at or above the approval threshold (dana and eli, four eyes)\n", len(waiting))
		if _, err := r.RunOnce(ctx); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(w, "6. no award waits for approval")
	}
	deadline := time.Now().Add(15 * time.Second)
	for pending(ctx, st) && time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		if _, err := r.RunOnce(ctx); err != nil {
			return err
		}
	}
	fmt.Fprint(w, "7. reconciled with PayPal\n\n")
	if err := printStatus(ctx, w, st); err != nil {
		return err
	}
	after, err := settledCount(ctx, st)
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	if after == before {
		fmt.Fprintf(w, "nothing new to pay: the %d settled award(s) were settled by an earlier run\n", after)
	} else {
		fmt.Fprintf(w, "%d award(s) settled in this run\n", after-before)
	}
	v, err := st.VerifyLedger(ctx)
	if err != nil {
		return &exitError{1, fmt.Errorf("ledger verify FAILED: %w", err)}
	}
	seq, head := v.Head()
	fmt.Fprintf(w, "ledger verified: %d entries, balanced per asset, head %d %.16s…\n", v.Count, seq, head)
	fmt.Fprintf(w, "PayPal sandbox items: %s\n", sandboxSummary(sb))
	return nil
}

// settledCount counts awards whose value has left (or is done).
func settledCount(ctx context.Context, st *store.Store) (int, error) {
	counts, err := st.CountAwardsByState(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range []models.AwardState{models.StatePaid, models.StateGranted, models.StateFulfilled, models.StateUnclaimed} {
		n += counts[s]
	}
	return n, nil
}

// pending reports whether PayPal still has items in flight.
func pending(ctx context.Context, st *store.Store) bool {
	counts, err := st.CountAwardsByState(ctx)
	if err != nil {
		return false
	}
	return counts[models.StateSent]+counts[models.StateSending] > 0
}

func sandboxSummary(sb *paypalsandbox.Sandbox) string {
	by := map[string]int{}
	for _, it := range sb.Items() {
		by[it.TransactionStatus]++
	}
	if len(by) == 0 {
		return "none this run"
	}
	var parts []string
	for s, n := range by {
		parts = append(parts, fmt.Sprintf("%d %s", n, s))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// demoIdentities configures, once, the identities the demo acts as: an
// administrator, the triage integration (a service that imports), two
// finance people who approve, and two compliance reviewers.
func demoIdentities(ctx context.Context, st *store.Store) error {
	ids := []models.Identity{
		{Name: "demo-admin", Kind: models.KindPerson, Roles: []models.Role{models.RoleAdmin}},
		{Name: "demo-triage", Kind: models.KindService, Roles: []models.Role{models.RoleImporter}},
		{Name: "dana", Kind: models.KindPerson, Roles: []models.Role{models.RoleFinance}},
		{Name: "eli", Kind: models.KindPerson, Roles: []models.Role{models.RoleFinance, models.RoleFinanceAdmin}},
		{Name: "carol", Kind: models.KindPerson, Roles: []models.Role{models.RoleCompliance}},
		{Name: "colin", Kind: models.KindPerson, Roles: []models.Role{models.RoleCompliance}},
	}
	for _, id := range ids {
		if _, err := st.Identity(ctx, id.Name); err == nil {
			continue
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if err := st.PutIdentity(ctx, id, "demo-admin"); err != nil {
			return fmt.Errorf("demo identity %s: %w", id.Name, err)
		}
	}
	return nil
}
