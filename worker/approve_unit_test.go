package worker_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/worker"
)

// approvalTx is an in-memory worker.Tx with what maker-checker reads; the
// rest of the interface is left nil (a test that reaches it fails loudly).
type approvalTx struct {
	worker.Tx
	now        time.Time
	payee      models.PayeeState
	versions   []models.PayeeVersion
	sharing    []string
	totals     map[string]int64 // researcher → money in the window
	makers     models.Makers
	approvals  []models.Approval
	identities map[string]models.Identity
	taxForm    *models.TaxForm
}

func (tx *approvalTx) Now() time.Time { return tx.now }
func (tx *approvalTx) Payee(string) (models.PayeeState, error) {
	return tx.payee, nil
}
func (tx *approvalTx) PayeeVersions(string) ([]models.PayeeVersion, error) { return tx.versions, nil }
func (tx *approvalTx) ResearchersSharing(string, models.Researcher) ([]string, error) {
	return tx.sharing, nil
}
func (tx *approvalTx) WindowTotal(ids []string, _ models.AwardKind, _ string, _, _ time.Time) (int64, []string, error) {
	var total int64
	var related []string
	for _, id := range ids {
		if n, ok := tx.totals[id]; ok {
			total += n
			related = append(related, "award-of-"+id)
		}
	}
	return total, related, nil
}
func (tx *approvalTx) AwardMakers(*models.Award) (models.Makers, error) { return tx.makers, nil }
func (tx *approvalTx) Approvals(string) ([]models.Approval, error)      { return tx.approvals, nil }
func (tx *approvalTx) TaxForm(id string) (models.TaxForm, error) {
	if tx.taxForm == nil {
		return models.TaxForm{}, fmt.Errorf("tax form of %s: %w", id, models.ErrNotFound)
	}
	return *tx.taxForm, nil
}
func (tx *approvalTx) Authorize(by string, act models.Action) (models.Identity, error) {
	id, ok := tx.identities[models.NormalizeActor(by)]
	if !ok {
		return id, fmt.Errorf("%q is not a configured identity: %w", by, models.ErrNotFound)
	}
	return id, id.Can(act)
}

// The maker-checker rules, each case on its own in-memory transaction.
func TestUnitCheckApproval(t *testing.T) {
	now := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	payee := models.PayeeVersion{Researcher: models.Researcher{ID: "r-1", Name: "Ada", Country: "GB", PayPalReceiver: "ada@example.com"},
		Version: 1, Status: models.PayeeActive, Hash: "h1", CreatedBy: "triage"}
	person := func(name string, roles ...models.Role) models.Identity {
		return models.Identity{Name: name, Kind: models.KindPerson, Roles: roles}
	}
	base := func(amount int64) (*approvalTx, *models.Award) {
		a := &models.Award{ID: "R-1/money", ReportID: "R-1", ResearcherID: "r-1", Kind: models.AwardMoney,
			Amount: models.Money{Minor: amount, Currency: "USD"}, PayeeVersion: 1, PolicyVersion: "v1", CreatedAt: now}
		tx := &approvalTx{now: now, payee: models.PayeeState{Active: payee}, versions: []models.PayeeVersion{payee},
			totals: map[string]int64{"r-1": amount}, makers: models.Makers{ImportedBy: "triage", TriagedBy: "lead"},
			identities: map[string]models.Identity{
				"carol": person("carol", models.RoleFinance), "dave": person("dave", models.RoleFinance),
				"vic": person("vic", models.RoleViewer), "lead": person("lead", models.RoleFinance),
				"bot": {Name: "bot", Kind: models.KindService, Roles: []models.Role{models.RoleFinance}},
			}}
		return tx, a
	}
	approve := func(tx *approvalTx, a *models.Award, who string, at time.Time) {
		tx.approvals = append(tx.approvals, models.Approval{AwardID: a.ID, Approver: who,
			ContentHash: worker.ContentHash(a, payee.Hash), At: at})
	}
	for _, tt := range []struct {
		name    string
		setup   func(tx *approvalTx, a *models.Award)
		cfg     worker.ApprovalConfig
		ready   bool
		why     string
		ignored string
	}{
		{name: "below the threshold", setup: func(*approvalTx, *models.Award) {}, ready: true},
		{name: "above the threshold", setup: func(tx *approvalTx, a *models.Award) { a.Amount.Minor, tx.totals["r-1"] = 250000, 250000 },
			why: "needs 2 approvals, has 0"},
		{name: "two finance people", setup: func(tx *approvalTx, a *models.Award) {
			a.Amount.Minor, tx.totals["r-1"] = 250000, 250000
			approve(tx, a, "carol", now)
			approve(tx, a, "dave", now)
		}, ready: true},
		{name: "one person twice", setup: func(tx *approvalTx, a *models.Award) {
			a.Amount.Minor, tx.totals["r-1"] = 250000, 250000
			approve(tx, a, "carol", now)
			approve(tx, a, "Carol ", now)
		}, why: "has 1", ignored: "already counted"},
		{name: "the triage approver, a viewer, a service", setup: func(tx *approvalTx, a *models.Award) {
			a.Amount.Minor, tx.totals["r-1"] = 250000, 250000
			approve(tx, a, "lead", now)
			approve(tx, a, "vic", now)
			approve(tx, a, "bot", now)
		}, why: "has 0", ignored: "approved the report in triage"},
		{name: "approval of other content", setup: func(tx *approvalTx, a *models.Award) {
			a.Amount.Minor, tx.totals["r-1"] = 250000, 250000
			approve(tx, a, "carol", now)
			approve(tx, a, "dave", now)
			a.Amount.Minor = 260000 // changed since
		}, why: "has 0", ignored: "approved other content"},
		{name: "expired approvals", setup: func(tx *approvalTx, a *models.Award) {
			a.Amount.Minor, tx.totals["r-1"] = 250000, 250000
			approve(tx, a, "carol", now.Add(-40*24*time.Hour))
			approve(tx, a, "dave", now.Add(-40*24*time.Hour))
		}, why: "has 0", ignored: "expired"},
		{name: "one receiver under two researcher ids", setup: func(tx *approvalTx, a *models.Award) {
			a.Amount.Minor, tx.totals["r-1"] = 199999, 199999
			tx.sharing, tx.totals["r-2"] = []string{"r-2"}, 199999
		}, why: "researchers sharing its receiver or identity (r-2)"},
		{name: "override above the policy", setup: func(tx *approvalTx, a *models.Award) { a.AbovePolicy = true },
			why: "above the policy's amount"},
		{name: "pending payee change", setup: func(tx *approvalTx, a *models.Award) {
			p := payee
			p.Version, p.Status, p.Changed, p.NeedsRoles = 2, models.PayeePending, []string{"paypal_receiver"}, []models.Role{models.RoleFinance}
			tx.payee.Pending = &p
		}, why: "payee change to version 2 (paypal_receiver) awaits approval by finance"},
		{name: "no tax form with the hold on", setup: func(*approvalTx, *models.Award) {},
			cfg: worker.ApprovalConfig{HoldWithoutTaxForm: true}, why: "no tax form on file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tx, a := base(50000)
			tt.setup(tx, a)
			st, err := worker.CheckApproval(tx, tt.cfg, "bountypay", a)
			if err != nil {
				t.Fatal(err)
			}
			if st.Ready() != tt.ready || !strings.Contains(st.Why, tt.why) {
				t.Errorf("ready %v why %q, want ready %v why containing %q", st.Ready(), st.Why, tt.ready, tt.why)
			}
			if tt.ignored != "" && !slices.ContainsFunc(st.Ignored, func(s string) bool { return strings.Contains(s, tt.ignored) }) {
				t.Errorf("ignored %q, want one containing %q", st.Ignored, tt.ignored)
			}
		})
	}
}
