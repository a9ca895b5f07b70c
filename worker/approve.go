package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
)

// Maker-checker defaults.
const (
	DefaultApprovalsRequired = 2
	DefaultApprovalWindow    = 30 * 24 * time.Hour
	DefaultApprovalValidFor  = 30 * 24 * time.Hour
)

// DefaultApprovalThresholds are the amounts from which awards need
// approvals: USD 2,000.00.
func DefaultApprovalThresholds() map[string]int64 { return map[string]int64{"USD": 200000} }

// AnyCurrency is the Thresholds key for currencies not listed.
const AnyCurrency = "*"

// ApprovalConfig configures maker-checker (four eyes).
type ApprovalConfig struct {
	// Thresholds maps an asset (currency code, PASS, OTHER) to an amount in
	// minor units (units for PASS and OTHER). An award needs approvals when
	// its researcher's awards in that asset created within Window of it,
	// itself included, add up to at least the threshold, so splitting an
	// award does not dodge it. The key "*" covers currencies not listed.
	// Money in a currency with neither its own threshold nor "*" always
	// needs approvals (fail closed); passes and other rewards only when
	// their asset is listed. Default: DefaultApprovalThresholds.
	Thresholds map[string]int64
	// Required is how many distinct people must approve (default 2).
	Required int
	// Window is how far apart awards to one researcher count together
	// (default 30 days).
	Window time.Duration
	// ValidFor is how long an approval counts (default 30 days): an award
	// that waits longer, before value leaves, needs fresh approvals.
	ValidFor time.Duration
	// HoldWithoutTaxForm keeps money awards in awaiting_approval until a
	// tax form (W-9, W-8BEN, W-8BEN-E) is on file as received.
	HoldWithoutTaxForm bool
	// ServiceActors can never approve, besides the worker's own actor and
	// the built-in service identities.
	ServiceActors []string
}

// serviceActors are identities of machines, never of a person.
var serviceActors = []string{payout.DefaultActor, "policy", "system", "import", "worker", "root", "service"}

func (c ApprovalConfig) withDefaults(actor string) ApprovalConfig {
	if c.Thresholds == nil {
		c.Thresholds = DefaultApprovalThresholds()
	}
	if c.Required <= 0 {
		c.Required = DefaultApprovalsRequired
	}
	if c.Window <= 0 {
		c.Window = DefaultApprovalWindow
	}
	if c.ValidFor <= 0 {
		c.ValidFor = DefaultApprovalValidFor
	}
	c.ServiceActors = append(slices.Clone(c.ServiceActors), serviceActors...)
	if actor != "" {
		c.ServiceActors = append(c.ServiceActors, actor)
	}
	return c
}

// threshold returns the threshold of an asset and whether one applies.
func (c ApprovalConfig) threshold(a *models.Award) (int64, bool) {
	if t, ok := c.Thresholds[a.Asset()]; ok {
		return t, true
	}
	if a.Kind != models.AwardMoney {
		return 0, false
	}
	if t, ok := c.Thresholds[AnyCurrency]; ok {
		return t, true
	}
	return 0, true // no threshold for this currency: fail closed
}

// normName is how approvers are compared: case and surrounding space do
// not make another person.
func normName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ApprovalStatus is what an award needs before it may be screened.
type ApprovalStatus struct {
	AwardID     string
	ContentHash string
	// Needed: the award (with its researcher's others in the window)
	// reaches the threshold.
	Needed    bool
	Required  int
	Asset     string
	Total     int64    // the researcher's total in the window, minor units
	Threshold int64    // the threshold that applied
	Related   []string // the awards counted in Total
	// Approvers are the distinct people whose approval of the current
	// content counts.
	Approvers []string
	// Ignored explains approvals that do not count (stale content, a
	// maker, a service identity, a repeat).
	Ignored []string
	// TaxFormMissing: money held until a tax form is on file.
	TaxFormMissing bool
	// sharedWith are other researcher ids counted in Total.
	sharedWith []string
	// Why the award waits; "" when it may go on.
	Why string
}

// Ready reports whether nothing holds the award.
func (s ApprovalStatus) Ready() bool { return s.Why == "" }

// CheckApproval works out what an award needs, inside tx.
func CheckApproval(tx Tx, cfg ApprovalConfig, actor string, a *models.Award) (ApprovalStatus, error) {
	cfg = cfg.withDefaults(actor)
	st := ApprovalStatus{AwardID: a.ID, Required: cfg.Required, Asset: a.Asset()}
	ps, err := tx.Payee(a.ResearcherID)
	if err != nil {
		return st, err
	}
	// The award is almost always for the version in force or the pending
	// one, which Payee already read.
	payee := ps.Active
	switch {
	case a.PayeeVersion == ps.Active.Version:
	case ps.Pending != nil && a.PayeeVersion == ps.Pending.Version:
		payee = *ps.Pending
	default:
		if payee, err = boundPayee(tx, a); err != nil {
			return st, err
		}
	}
	st.ContentHash = ContentHash(a, payee.Hash)
	var holds []string
	switch {
	case ps.Pending != nil:
		holds = append(holds, fmt.Sprintf("payee change to version %d (%s) awaits approval by %s (bountypay researcher approve %s %d)",
			ps.Pending.Version, strings.Join(ps.Pending.Changed, ", "), joinRoles(ps.Pending.NeedsRoles), a.ResearcherID, ps.Pending.Version))
	case a.PayeeVersion != ps.Active.Version:
		holds = append(holds, fmt.Sprintf("award is for payee version %d, not the version in force (%d)", a.PayeeVersion, ps.Active.Version))
	}
	if t, applies := cfg.threshold(a); applies || a.AbovePolicy {
		// One person's awards count together however many researcher ids
		// they come under: the window spans every researcher that shares
		// a PayPal receiver or a screened identity with this payee.
		ids, err := tx.ResearchersSharing(a.ResearcherID, payee.Researcher)
		if err != nil {
			return st, err
		}
		ids = append([]string{a.ResearcherID}, ids...)
		total, related, err := tx.WindowTotal(ids, a.Kind, a.Amount.Currency,
			a.CreatedAt.Add(-cfg.Window), a.CreatedAt.Add(cfg.Window))
		if err != nil {
			return st, err
		}
		if !slices.Contains(related, a.ID) { // cancelled or rejected awards are not counted, but this one is
			total += unitsOf(a)
			related = append(related, a.ID)
		}
		st.Total, st.Threshold, st.Related = total, t, related
		st.Needed = (applies && total >= t) || a.AbovePolicy
		st.sharedWith = ids[1:]
	}
	if st.Needed {
		makers, err := tx.AwardMakers(a)
		if err != nil {
			return st, err
		}
		aps, err := tx.Approvals(a.ID)
		if err != nil {
			return st, err
		}
		seen := map[string]bool{}
		for _, ap := range aps {
			who := normName(ap.Approver)
			switch {
			case ap.ContentHash != st.ContentHash:
				st.Ignored = append(st.Ignored, ap.Approver+": approved other content (the award or its payee changed since)")
			case tx.Now().Sub(ap.At) > cfg.ValidFor:
				st.Ignored = append(st.Ignored, ap.Approver+": approval expired (given "+ap.At.Format(time.DateOnly)+", valid "+fmtDays(cfg.ValidFor)+")")
			case whyNotApprover(tx, cfg, makers, payee, who) != "":
				st.Ignored = append(st.Ignored, ap.Approver+": "+whyNotApprover(tx, cfg, makers, payee, who))
			case seen[who]:
				st.Ignored = append(st.Ignored, ap.Approver+": already counted")
			default:
				seen[who] = true
				st.Approvers = append(st.Approvers, ap.Approver)
			}
		}
		if len(st.Approvers) < cfg.Required {
			var why string
			switch {
			case a.AbovePolicy:
				why = "triage's reward override is above the policy's amount for this severity"
			case st.Threshold == 0:
				why = "no approval threshold is configured for " + st.Asset
			default:
				who := a.ResearcherID
				if len(st.sharedWith) > 0 {
					who += " and researchers sharing its receiver or identity (" + strings.Join(st.sharedWith, ", ") + ")"
				}
				why = fmt.Sprintf("%s to %s within %s is at or above %s", ledger.FormatUnits(st.Total, st.Asset)+" "+st.Asset,
					who, fmtDays(cfg.Window), ledger.FormatUnits(st.Threshold, st.Asset)+" "+st.Asset)
			}
			holds = append(holds, fmt.Sprintf("needs %d approvals, has %d: %s", cfg.Required, len(st.Approvers), why))
		}
	}
	if cfg.HoldWithoutTaxForm && a.Kind == models.AwardMoney {
		f, err := tx.TaxForm(a.ResearcherID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return st, err
		}
		if !f.OnFile() {
			st.TaxFormMissing = true
			holds = append(holds, "no tax form on file")
		}
	}
	st.Why = strings.Join(holds, "; ")
	return st, nil
}

func joinRoles(rs []models.Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, " and ")
}

func unitsOf(a *models.Award) int64 {
	if a.Kind == models.AwardMoney {
		return a.Amount.Minor
	}
	return 1
}

func fmtDays(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// whyNotApprover says why who may not approve ("" when they may): they
// must be a configured person with a finance role who neither imported
// nor triaged the report nor caused its payee version.
func whyNotApprover(tx Tx, cfg ApprovalConfig, m models.Makers, p models.PayeeVersion, who string) string {
	if who == "" {
		return "no name"
	}
	if why := whyMaker(m, p, who); why != "" {
		return why + " (the maker cannot check)"
	}
	for _, s := range cfg.ServiceActors {
		if who == normName(s) {
			return "is a service identity, not a person"
		}
	}
	if _, err := tx.Authorize(who, models.ActApprove); err != nil {
		return err.Error()
	}
	return ""
}

// Approve records approver's approval of an award's current content and,
// once enough distinct people approved, moves it from awaiting_approval
// to ready_to_screen, in one transaction. Errors: models.ErrInvalid when
// approver may not approve (importer, triage approver, service identity,
// no name); models.ErrConflict when they already approved this content or
// the award is not waiting for approval.
func Approve(ctx context.Context, st Store, cfg ApprovalConfig, actor, awardID, approver, reason string) (ApprovalStatus, error) {
	cfg = cfg.withDefaults(actor)
	approver = strings.TrimSpace(approver)
	var out ApprovalStatus
	err := st.InTx(ctx, func(tx Tx) error {
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if a.State != models.StateAwaitingApproval && a.State != models.StatePending {
			return fmt.Errorf("award %s is %s, not awaiting approval: %w", a.ID, a.State, models.ErrConflict)
		}
		makers, err := tx.AwardMakers(&a)
		if err != nil {
			return err
		}
		payee, err := boundPayee(tx, &a)
		if err != nil {
			return err
		}
		if why := whyNotApprover(tx, cfg, makers, payee, normName(approver)); why != "" {
			return fmt.Errorf("%q may not approve award %s: %s: %w", approver, a.ID, why, models.ErrInvalid)
		}
		before, err := CheckApproval(tx, cfg, actor, &a)
		if err != nil {
			return err
		}
		for _, who := range before.Approvers {
			if normName(who) == normName(approver) {
				return fmt.Errorf("%s already approved award %s as it is now: a second approval must come from someone else: %w", approver, a.ID, models.ErrConflict)
			}
		}
		if err := recordApproval(tx, &a, before.ContentHash, approver, reason); err != nil {
			return err
		}
		out, err = CheckApproval(tx, cfg, actor, &a)
		if err != nil {
			return err
		}
		if out.Ready() && a.State == models.StateAwaitingApproval {
			return tx.Transition(&a, models.StateReadyToScreen, approvedReason(out), ledger.Draft{
				IdempotencyKey: fmt.Sprintf("award/%s/approved/%d", a.ID, a.Version), Actor: approver, EffectiveAt: tx.Now(),
				Data: map[string]string{ledger.ApprovalContentHash: out.ContentHash, "approvers": strings.Join(out.Approvers, ",")},
			}, nil)
		}
		return nil
	})
	return out, err
}

func approvedReason(s ApprovalStatus) string {
	if s.Needed {
		return "approved by " + strings.Join(s.Approvers, ", ")
	}
	return "no approval required"
}

// approve is the run's maker-checker step. Pending awards go to
// ready_to_screen, or to awaiting_approval when they need approvals (or a
// tax form); awaiting ones move on once approved. Awards already past
// approval (ready_to_screen, cleared) are checked again, so an award whose
// content changed, or that reached the state any other way without valid
// approvals, goes back to awaiting_approval before it can be sent. It
// walks the awards a batch at a time.
func (r *Runner) approve(ctx context.Context) error {
	next := r.awardsIn(models.StatePending, models.StateAwaitingApproval, models.StateReadyToScreen, models.StateCleared)
	return inBatches(ctx, r, next, r.approveBatch)
}

func (r *Runner) approveBatch(ctx context.Context, awards []models.Award) error {
	cfg := r.cfg.Approval
	for _, a := range awards {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := r.store.InTx(ctx, func(tx Tx) error {
			cur, err := tx.Award(a.ID)
			if err != nil {
				return err
			}
			st, err := CheckApproval(tx, cfg, r.cfg.Actor, &cur)
			if err != nil {
				return err
			}
			key := fmt.Sprintf("award/%s/approval-check/%d", cur.ID, cur.Version)
			data := map[string]string{ledger.ApprovalContentHash: st.ContentHash}
			if st.Needed {
				data["approvers"] = strings.Join(st.Approvers, ",")
				data["window_total"] = fmt.Sprint(st.Total)
				data["threshold"] = fmt.Sprint(st.Threshold)
			}
			d := ledger.Draft{IdempotencyKey: key, Actor: r.cfg.Actor, EffectiveAt: tx.Now(), Data: data}
			switch {
			case cur.State == models.StatePending && st.Ready():
				return tx.Transition(&cur, models.StateReadyToScreen, approvedReason(st), d, nil)
			case cur.State == models.StatePending:
				return tx.Transition(&cur, models.StateAwaitingApproval, st.Why, d, nil)
			case cur.State == models.StateAwaitingApproval && st.Ready():
				return tx.Transition(&cur, models.StateReadyToScreen, approvedReason(st), d, nil)
			case (cur.State == models.StateReadyToScreen || cur.State == models.StateCleared) && !st.Ready():
				r.log.WarnContext(ctx, "award lost its approvals", slog.String("award_id", cur.ID))
				return tx.Transition(&cur, models.StateAwaitingApproval, st.Why, d, nil)
			}
			return nil
		})
		if err != nil && !errors.Is(err, models.ErrConflict) {
			return err
		}
	}
	return nil
}

// ContentHash is the hash of what an approval approves: the award's
// payee version (its number and the hash of its details, receiver
// included), kind, asset, amount, description, report and policy version.
// Any change gives another hash, so approvals of the old content no longer
// count.
func ContentHash(a *models.Award, payeeHash string) string {
	var b strings.Builder
	b.WriteString("award-content-v3\n")
	for _, f := range []string{a.ID, a.ReportID, a.ResearcherID, strconv.Itoa(a.PayeeVersion), payeeHash,
		string(a.Kind), a.Asset(), strconv.FormatInt(unitsOf(a), 10), a.Description, a.PolicyVersion} {
		b.WriteString(strconv.Quote(f))
		b.WriteByte('\n')
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// recordApproval writes one approval of the award's current content: a
// ledger entry of kind approval whose actor is the approver, bound to the
// content hash. The same person approving the same content again (an
// earlier approval expired) is a new event with a key of its own.
func recordApproval(tx Tx, a *models.Award, contentHash, approver, reason string) error {
	aps, err := tx.Approvals(a.ID)
	if err != nil {
		return err
	}
	key := "approval/" + a.ID + "/" + contentHash[:16] + "/" + approver
	n := 0
	for _, ap := range aps {
		if ap.ContentHash == contentHash && ap.Approver == approver {
			n++
		}
	}
	if n > 0 {
		key += fmt.Sprintf("/%d", n+1)
	}
	_, _, err = tx.Append(ledger.Draft{IdempotencyKey: key, Kind: ledger.KindApproval, AwardID: a.ID, Actor: approver,
		EffectiveAt: tx.Now(), Data: map[string]string{ledger.ApprovalContentHash: contentHash, ledger.ApprovalReason: reason}})
	return err
}
