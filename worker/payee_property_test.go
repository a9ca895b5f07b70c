package worker_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/compliance/ofac"
	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/policy"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/worker"
)

// The property of who gets paid: random sequences of imports (with
// changed researcher details), list loads, review decisions, approvals,
// payee-change decisions, cancellations, retries and runs; then every
// PayPal item and every granted pass went to a payee version that had a
// clear screening on the list current at that moment, with the approvals
// required for exactly that version and amount, and nothing of a payee
// with a confirmed match left after the confirmation.
func TestPayeePropertyWhoGetsPaid(t *testing.T) {
	lists := demoLists(t)
	seeds := []uint64{1, 2, 3, 4}
	if testing.Short() {
		seeds = seeds[:1]
	}
	engines(t, func(t *testing.T, engine string) {
		for _, seed := range seeds {
			t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
				payeeProperty(t, engine, seed, lists)
			})
		}
	})
}

// demoLists returns two versions of the demo sanctions list: as bundled,
// and without one entry (Maduro), so loads change what matches.
func demoLists(t *testing.T) []map[string][]byte {
	t.Helper()
	dir := filepath.Join("..", "cmd", "bountypay", "demodata")
	full := map[string][]byte{}
	for _, n := range []string{ofac.FileSDN, ofac.FileAlt, ofac.FileAdd} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		full[n] = b
	}
	less := map[string][]byte{}
	for n, b := range full {
		var keep []string
		for _, l := range strings.SplitAfter(string(b), "\n") {
			if !strings.HasPrefix(l, "22790,") {
				keep = append(keep, l)
			}
		}
		less[n] = []byte(strings.Join(keep, ""))
	}
	return []map[string][]byte{full, less}
}

func realListBuilder(files map[string][]byte) (worker.NameScreener, error) {
	l, err := ofac.Build(files)
	if err != nil {
		return nil, err
	}
	return compliance.NewScreener(l.ToCompliance(), compliance.ScreenConfig{})
}

// propPayees are the researchers of the property test and the details
// an import may bring for each.
var propPayees = []struct {
	id       string
	variants []models.Researcher
}{
	{"p-grace", []models.Researcher{
		{Name: "Grace Hopper", Country: "GB", PayPalReceiver: "grace@example.com", PlexAccount: "grace"},
		{Name: "Grace Hopper", Country: "GB", PayPalReceiver: "mallory@example.com", PlexAccount: "grace"},
		{Name: "Grace Hopper", Country: "IR", City: "Tehran", PayPalReceiver: "grace@example.com", PlexAccount: "grace"},
	}},
	{"p-nico", []models.Researcher{
		{Name: "Nicolás Maduro Moros", Country: "ES", City: "Madrid", PayPalReceiver: "nico@example.com", PlexAccount: "nico"},
		{Name: "MADURO MOROS, Nicolas", Country: "VE", DateOfBirth: "1962-11-23", PayPalReceiver: "nico@example.com", PlexAccount: "nico"},
	}},
	{"p-ada", []models.Researcher{
		{Name: "Ada Lovelace", Country: "UA", Region: "UA-46", City: "Lviv", PayPalReceiver: "ada@example.com", PlexAccount: "ada"},
		{Name: "Ada Lovelace", Country: "UA", Region: "UA-46", City: "Simferopol", PostalCode: "95000", PayPalReceiver: "ada@example.com", PlexAccount: "ada"},
		{Name: "Ada Lovelace", Country: "UA", Region: "UA-46", City: "Lviv", PayPalReceiver: "ada+fail@example.com", PlexAccount: "ada"},
	}},
	// Two ids, one receiver: counted together by maker-checker.
	{"p-twin", []models.Researcher{
		{Name: "Ada Lovelace", Country: "UA", Region: "UA-46", City: "Lviv", PayPalReceiver: "ada@example.com", PlexAccount: "ada2"},
	}},
}

var (
	propFinance    = []string{"carol", "dave", "erin", "triage", "cora"}
	propCompliance = []string{"cora", "colin", "triage", "carol"}
)

func payeeProperty(t *testing.T, engine string, seed uint64, lists []map[string][]byte) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 99))
	st := newDB(t, engine).open(t)
	sb, base := startSandbox(t, paypalsandbox.Config{})
	sb.SetReceiver("ada+fail@example.com", paypalsandbox.BehaviourFail)
	pp := newPayPal(t, sb, base, time.Second)
	decider, err := policy.Default()
	if err != nil {
		t.Fatal(err)
	}
	juris, err := compliance.DefaultJurisdictions()
	if err != nil {
		t.Fatal(err)
	}
	sender := payout.NewSender(payout.Config{LeaseFor: 3 * time.Second, Logger: testLogger(t)}, storeadapt.Payout(st), pp)
	sc := worker.NewScreening(worker.ScreeningConfig{}, storeadapt.Worker(st), juris, realListBuilder)
	r := worker.NewRunner(worker.Config{PayPalConfigured: true, Logger: testLogger(t)}, storeadapt.Worker(st), decider, sc, sender)
	// Runs with the kill switch on decide and screen but send nothing, so
	// cleared awards wait across list loads and payee changes.
	paused := worker.NewRunner(worker.Config{PayPalConfigured: true, KillSwitch: true, Logger: testLogger(t)}, storeadapt.Worker(st), decider, sc,
		payout.NewSender(payout.Config{LeaseFor: 3 * time.Second, Logger: testLogger(t)}, storeadapt.Payout(st), pp))
	loadVariant := func(i int) {
		l, err := ofac.Build(lists[i])
		if err != nil {
			t.Fatal(err)
		}
		var files []models.ListFile
		for _, fi := range l.Files {
			files = append(files, models.ListFile{Name: fi.Name, SHA256: fi.SHA256, Size: int64(fi.Bytes), Content: lists[i][fi.Name]})
		}
		if _, err := st.SaveList(ctx, models.ListVersion{SHA256: l.SHA256, Source: fmt.Sprint("variant ", i), Entries: l.Counts.Entries}, files, "cora"); err != nil {
			t.Fatal(err)
		}
	}
	loadVariant(0)
	codes := make([]string, 40)
	for i := range codes {
		codes[i] = fmt.Sprintf("PROP-CODE-%03d", i)
	}
	if _, err := st.ImportPassCodes(ctx, "codes", codes, "admin"); err != nil {
		t.Fatal(err)
	}
	n := 0
	awardsIn := func(states ...models.AwardState) []models.Award {
		as, err := st.Awards(ctx, models.AwardFilter{States: states})
		if err != nil {
			t.Fatal(err)
		}
		return as
	}
	pick := func(as []models.Award) (models.Award, bool) {
		if len(as) == 0 {
			return models.Award{}, false
		}
		return as[rng.IntN(len(as))], true
	}
	for step := 0; step < 150; step++ {
		switch k := rng.IntN(10); {
		case k < 3: // import a report
			p := propPayees[rng.IntN(len(propPayees))]
			d := p.variants[rng.IntN(len(p.variants))]
			d.ID = p.id
			n++
			rep := models.Report{ID: fmt.Sprintf("PR-%d", n), Title: "t", Category: models.CategoryXSS, Severity: models.SeverityMedium,
				Status: models.ReportApproved, Reproduced: true, ApprovedBy: "lead", ApprovedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
				Researcher: d}
			switch rng.IntN(3) {
			case 0:
				rep.Reward = &models.Reward{Money: &models.Money{Minor: 250000, Currency: "USD"}} // above the policy's 500.00
			case 1:
				rep.Severity = models.SeverityHigh // 2,000.00 USD and a pass
			}
			if _, err := st.ImportReports(ctx, "prop.jsonl", []models.ImportRecord{{Report: rep, ContentHash: "h" + rep.ID, Line: 1}}, "triage"); err != nil {
				t.Fatal(err)
			}
		case k < 5: // a run, sometimes with the kill switch on
			run := r
			if rng.IntN(2) == 0 {
				run = paused
			}
			if _, err := run.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			sb.Advance(2 * time.Second)
		case k == 5:
			// A list load rescreens, unless another process loaded it.
			loadVariant(rng.IntN(len(lists)))
			if rng.IntN(2) == 0 {
				if _, err := r.Rescreen(ctx); err != nil {
					t.Fatal(err)
				}
			}
		case k == 6: // compliance decides a hold
			for _, a := range awardsIn(models.StateHeld) {
				if rng.IntN(2) == 0 {
					_, _ = sc.Decide(ctx, a.ID, rng.IntN(6) == 0, propCompliance[rng.IntN(len(propCompliance))], "property")
				}
			}
		case k == 7: // finance approves
			for _, a := range awardsIn(models.StateAwaitingApproval) {
				if rng.IntN(2) == 0 {
					_, _ = worker.Approve(ctx, storeadapt.Worker(st), worker.ApprovalConfig{}, "", a.ID, propFinance[rng.IntN(len(propFinance))], "property")
				}
			}
		case k == 8: // a payee change is decided
			ps, err := st.PendingPayeeChanges(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) > 0 {
				p := ps[rng.IntN(len(ps))]
				_, _ = st.DecidePayeeChange(ctx, p.ID, p.Version, rng.IntN(2) == 0, propFinance[rng.IntN(len(propFinance))], "property")
			}
		default: // a correction: retry what failed, or cancel something unsent
			if a, ok := pick(awardsIn(models.StateFailed, models.StateReturned)); ok && rng.IntN(2) == 0 {
				_, _ = sender.Retry(ctx, a.ID, payout.RetryOptions{By: "carol", Reason: "property"})
			} else if a, ok := pick(awardsIn(models.StateAwaitingApproval, models.StateHeld)); ok && rng.IntN(3) == 0 {
				_, _ = sender.Cancel(ctx, a.ID, "dave", "property")
			}
		}
	}
	for range 4 {
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		sb.Advance(2 * time.Second)
	}
	checkWhoWasPaid(t, st, sb.Items())
	if _, err := st.VerifyLedger(ctx); err != nil {
		t.Fatal(err)
	}
}

// checkWhoWasPaid replays the ledger and checks the property at every
// send and grant.
func checkWhoWasPaid(t *testing.T, st *store.Store, items []paypalsandbox.Item) {
	t.Helper()
	ctx := context.Background()
	type verdict struct {
		decision string
		list     string
		version  string
	}
	var currentList string
	payeeVersion := map[string]string{} // award → payee version it names
	last := map[string]verdict{}        // award → latest screening outcome
	confirmed := map[string]bool{}      // researcher → compliance confirmed a match
	approvals := map[string][]ledger.Entry{}
	sent := 0
	check := func(e ledger.Entry, what string) {
		sent++
		a, err := st.Award(ctx, e.AwardID)
		if err != nil {
			t.Fatal(err)
		}
		v := last[e.AwardID]
		if v.decision != string(models.DecisionClear) || v.version != payeeVersion[e.AwardID] || v.list != currentList {
			t.Errorf("entry %d: %s of %s for payee version %s, last screening %+v, current list %.8s", e.Seq, what, e.AwardID,
				payeeVersion[e.AwardID], v, currentList)
		}
		if confirmed[a.ResearcherID] {
			t.Errorf("entry %d: %s of %s after compliance confirmed a match of %s", e.Seq, what, e.AwardID, a.ResearcherID)
		}
		if a.Kind == models.AwardMoney && (a.AbovePolicy || a.Amount.Minor >= 200000) {
			// The approvals required for exactly this version and amount.
			vs, err := st.PayeeVersions(ctx, a.ResearcherID)
			if err != nil {
				t.Fatal(err)
			}
			var hash string
			for _, pv := range vs {
				if fmt.Sprint(pv.Version) == payeeVersion[e.AwardID] {
					hash = pv.Hash
				}
			}
			aa := a
			fmt.Sscan(payeeVersion[e.AwardID], &aa.PayeeVersion)
			want := worker.ContentHash(&aa, hash)
			var who []string
			for _, ap := range approvals[e.AwardID] {
				if ap.Data[ledger.ApprovalContentHash] == want && !slices.Contains(who, ap.Actor) {
					who = append(who, ap.Actor)
				}
			}
			if len(who) < 2 || slices.Contains(who, "triage") {
				t.Errorf("entry %d: %s of %s (%s) with approvals %v for its content", e.Seq, what, e.AwardID, a.Amount, who)
			}
		}
	}
	err := st.EachLedgerEntry(ctx, 0, func(e ledger.Entry, decodeErr error) error {
		if decodeErr != nil {
			return decodeErr
		}
		switch e.Kind {
		case ledger.KindListLoaded:
			currentList = e.Data["sha256"]
		case ledger.KindAwardDecided:
			payeeVersion[e.AwardID] = e.Data["payee_version"]
		case ledger.KindPayeeRebound:
			payeeVersion[e.AwardID] = e.Data["payee_version"]
			delete(last, e.AwardID)
		case ledger.KindScreened, ledger.KindBlocked:
			if e.Data["decision"] != "" {
				last[e.AwardID] = verdict{e.Data["decision"], e.Data["list_sha256"], e.Data["payee_version"]}
			}
		case ledger.KindReviewDecision:
			switch e.Data["decision"] {
			case "cleared":
				last[e.AwardID] = verdict{string(models.DecisionClear), e.Data["list_sha256"], e.Data["payee_version"]}
			case "confirmed":
				a, err := st.Award(ctx, e.AwardID)
				if err != nil {
					return err
				}
				confirmed[a.ResearcherID] = true
			}
		case ledger.KindApproval:
			approvals[e.AwardID] = append(approvals[e.AwardID], e)
		case ledger.KindSendStarted:
			check(e, "send")
		case ledger.KindGranted:
			check(e, "grant")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every PayPal item went to the receiver of the payee version its
	// attempt was for.
	for _, it := range items {
		atts, err := st.AttemptsByStatus(ctx, 0, models.AttemptPending, models.AttemptUnknown, models.AttemptDeferred,
			models.AttemptAccepted, models.AttemptSettled, models.AttemptRejected, models.AttemptManual)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range atts {
			if at.SenderBatchID != it.SenderBatchID {
				continue
			}
			vs, err := st.PayeeVersions(ctx, researcherOfAward(t, st, at.AwardID))
			if err != nil {
				t.Fatal(err)
			}
			for _, pv := range vs {
				if pv.Version == at.PayeeVersion && !strings.EqualFold(pv.PayPalReceiver, it.Receiver) {
					t.Errorf("item of %s paid to %s, payee version %d has %s", at.AwardID, it.Receiver, pv.Version, pv.PayPalReceiver)
				}
			}
		}
	}
	t.Logf("%d sends and grants checked, %d PayPal items", sent, len(items))
}

func researcherOfAward(t *testing.T, st *store.Store, id string) string {
	t.Helper()
	a, err := st.Award(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.ResearcherID
}
