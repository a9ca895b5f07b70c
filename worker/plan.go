package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
)

// SendAction is what the send step does with one open attempt or one
// cleared award.
type SendAction string

// The send actions.
const (
	// SendResend submits an open attempt's frozen request again,
	// identically (PayPal deduplicates its sender_batch_id).
	SendResend SendAction = "resend"
	// SendNew writes a new PayPal attempt ahead, then submits it.
	SendNew SendAction = "send"
	// SendGrant grants a Plex Pass.
	SendGrant SendAction = "grant"
	// SendWait leaves the attempt or award for a later run; the step says
	// why.
	SendWait SendAction = "wait"
)

// SendStep is what the send step does with one open attempt or one cleared
// award, and why. The real send carries it out; the dry run reports it.
type SendStep struct {
	Action  SendAction
	AwardID string
	// Award is the cleared award (for a resend, the dry run reads it).
	Award models.Award
	// Attempt is the open attempt, for steps about one.
	Attempt *models.Attempt
	// Rescreen says why the award is screened again right before value
	// leaves: its latest screening is not clear for exactly its payee
	// version, the current list and the rules in force. "" when it is.
	Rescreen string
	// Why the step waits; in a dry run also what the payee gate or the
	// screening would hold.
	Why string
}

// String is the step as Result.Waiting shows it: "award: why".
func (s SendStep) String() string {
	switch {
	case s.Action == SendResend:
		return fmt.Sprintf("%s: would resend attempt %d (%s, %s) identically", s.AwardID, s.Attempt.Attempt, s.Attempt.SenderBatchID, s.Attempt.Status)
	case s.Action == SendWait && s.Rescreen != "":
		return fmt.Sprintf("%s: %s (would screen again first: %s)", s.AwardID, s.Why, s.Rescreen)
	case s.Action == SendWait:
		return s.AwardID + ": " + s.Why
	case s.Rescreen != "":
		return fmt.Sprintf("%s: would screen again first (%s), then %s", s.AwardID, s.Rescreen, s.Action)
	}
	return fmt.Sprintf("%s: would %s", s.AwardID, s.Action)
}

// sendPlan decides what the send step does with each open attempt and each
// cleared award, in the order the step meets them, within the run's safety
// switches: the kill switch stops every send and grant; without PayPal
// money waits; the per-item maximum keeps large awards for finance; the
// per-run cap bounds what is submitted per currency in the run
// (resubmissions included). It is one plan for the real send, which
// carries its steps out, and for the dry run, which reports them. Not safe
// for concurrent use.
type sendPlan struct {
	killSwitch  bool
	payPal      bool // a PayPal API is configured
	entitlement bool // passes are granted through the entitlement service
	maxItem     map[string]int64
	runCap      map[string]int64
	spent       map[string]int64 // submitted per currency in this run (take)
}

func (r *Runner) newPlan() *sendPlan {
	return &sendPlan{killSwitch: r.cfg.KillSwitch, payPal: r.cfg.PayPalConfigured,
		entitlement: r.sender != nil && r.sender.GrantsByEntitlement(),
		maxItem:     r.cfg.MaxItem, runCap: r.cfg.RunCap, spent: map[string]int64{}}
}

// attempt plans an open attempt: resend it, or wait.
func (p *sendPlan) attempt(att models.Attempt) SendStep {
	s := SendStep{Action: SendResend, AwardID: att.AwardID, Attempt: &att}
	if why := p.blocked(att.Channel); why != "" {
		return s.wait(why)
	}
	if att.Channel == payout.ChannelPayPal {
		if why := p.overRunCap(att.Currency, att.AmountMinor); why != "" {
			return s.wait(why)
		}
	}
	return s
}

// award plans a cleared award: send it, grant it, or wait. sc is its
// latest binding screening (zero if none), list and rules the sanctions
// list and the rules version in force.
func (p *sendPlan) award(a models.Award, sc models.Screening, list, rules string) SendStep {
	s := SendStep{AwardID: a.ID, Award: a}
	if a.Kind != models.AwardOther {
		s.Rescreen = bindingWhy(sc, a, list, rules)
	}
	switch a.Kind {
	case models.AwardPlexPass:
		if p.killSwitch {
			return s.wait("kill switch on")
		}
		s.Action = SendGrant
	case models.AwardOther:
		return s.wait("awaiting hand-over by the program team (bountypay award fulfil)")
	case models.AwardMoney:
		if why := p.blocked(payout.ChannelPayPal); why != "" {
			return s.wait(why)
		}
		if err := payout.CheckSendable(a); err != nil {
			return s.wait("refused before sending: " + err.Error())
		}
		if why := p.capped(a); why != "" {
			return s.wait(why)
		}
		s.Action = SendNew
	default:
		return s.wait(fmt.Sprintf("award kind %q cannot be sent", a.Kind))
	}
	return s
}

// take counts a resend or a new send against the run cap: the step is
// carried out (or, in a dry run, would be).
func (p *sendPlan) take(s SendStep) {
	switch {
	case s.Action == SendResend && s.Attempt.Channel == payout.ChannelPayPal:
		p.spent[s.Attempt.Currency] += s.Attempt.AmountMinor
	case s.Action == SendNew:
		p.spent[s.Award.Amount.Currency] += s.Award.Amount.Minor
	}
}

func (s SendStep) wait(why string) SendStep {
	s.Action, s.Why = SendWait, why
	return s
}

// blocked says why nothing may be sent on channel now, or "".
func (p *sendPlan) blocked(channel string) string {
	switch {
	case p.killSwitch:
		return "kill switch on"
	case channel == payout.ChannelPayPal && !p.payPal:
		return noPayPal
	case channel == payout.ChannelEntitlement && !p.entitlement:
		return "entitlement grant in progress but no entitlement service is configured (PLEX_ENTITLEMENT_URL)"
	case channel != payout.ChannelPayPal && channel != payout.ChannelEntitlement:
		return "attempt on channel " + channel + " cannot be resumed"
	}
	return ""
}

// capped says why a money award may not be sent in this run, or "".
func (p *sendPlan) capped(a models.Award) string {
	if max, ok := p.maxItem[a.Amount.Currency]; ok && a.Amount.Minor > max {
		return fmt.Sprintf("%s is above the per-item maximum of %s: finance decides", a.Amount, models.Money{Minor: max, Currency: a.Amount.Currency})
	}
	return p.overRunCap(a.Amount.Currency, a.Amount.Minor)
}

// overRunCap says why minor more units of currency would exceed the run
// cap, or "".
func (p *sendPlan) overRunCap(currency string, minor int64) string {
	if max, ok := p.runCap[currency]; ok && p.spent[currency]+minor > max {
		return fmt.Sprintf("per-run cap of %s reached; sent next run", models.Money{Minor: max, Currency: currency})
	}
	return ""
}

// bindingWhy says why screening sc does not clear award a for sending, or
// "" when it does: clear, and for exactly the award's payee version, the
// list and the rules version.
func bindingWhy(sc models.Screening, a models.Award, list, rules string) string {
	switch {
	case sc.ID == 0:
		return "not screened yet"
	case sc.Advisory:
		return "only screened at decision time"
	case sc.Decision != string(models.DecisionClear):
		return "latest screening is " + sc.Decision
	case sc.PayeeVersion != a.PayeeVersion:
		return fmt.Sprintf("payee version changed: screened version %d, the award is for %d", sc.PayeeVersion, a.PayeeVersion)
	case sc.ListSHA256 != list:
		return fmt.Sprintf("sanctions list changed: screened against %.12s, now %.12s", sc.ListSHA256, list)
	case sc.RulesVersion != rules:
		return fmt.Sprintf("jurisdiction rules changed: screened under %q, now %q", sc.RulesVersion, rules)
	}
	return ""
}

// screeningBinds reports whether a screening clears award a for sending:
// clear, and for exactly the award's payee version, the list and the
// rules version.
func screeningBinds(sc models.Screening, a models.Award, list, rules string) bool {
	return bindingWhy(sc, a, list, rules) == ""
}

// errReadOnly rolls back the dry run's transactions: they only read.
var errReadOnly = errors.New("dry run: read only")

// dryRun reports what a run's send step would do, changing and sending
// nothing: the same plan as the send (open attempts resent first, then
// cleared awards within the safety switches), and for each award that
// would be sent what the screening binding and the payee gate would hold.
// Everything held back is listed in Waiting with why, everything that
// would go in WouldSend, every step in Plan.
func (r *Runner) dryRun(ctx context.Context, res Result) (Result, error) {
	names, list, listErr := r.screener.Current(ctx)
	if listErr != nil {
		if !errors.Is(listErr, ErrListUnusable) {
			return res, listErr
		}
		// Nothing new would leave; written-ahead attempts are still resent.
		res.ListProblem = listErr.Error()
	}
	plan := r.newPlan()
	err := inBatches(ctx, r, r.openAttempts(), func(ctx context.Context, open []models.Attempt) error {
		for _, att := range open {
			s := plan.attempt(att)
			if s.Action == SendResend {
				a, err := r.store.Award(ctx, att.AwardID)
				if err != nil {
					return err
				}
				s.Award = a
				plan.take(s)
				res.WouldSend = append(res.WouldSend, a)
			}
			res.Plan = append(res.Plan, s)
			res.Waiting = append(res.Waiting, s.String())
		}
		return nil
	})
	if err != nil || listErr != nil {
		return res, err
	}
	rules := r.screener.RulesVersion()
	err = inBatches(ctx, r, r.awardsIn(models.StateCleared), func(ctx context.Context, awards []models.Award) error {
		latest, err := r.store.LatestBindingScreenings(ctx, awardIDs(awards))
		if err != nil {
			return err
		}
		for _, a := range awards {
			s, err := r.preview(ctx, plan.award(a, latest[a.ID], list.SHA256, rules), names, list)
			if err != nil {
				return err
			}
			res.Plan = append(res.Plan, s)
			if s.Action != SendWait {
				plan.take(s)
				res.WouldSend = append(res.WouldSend, a)
				if s.Rescreen == "" {
					continue
				}
			}
			res.Waiting = append(res.Waiting, s.String())
		}
		return nil
	})
	return res, err
}

// preview works out, without writing anything, what the send's last
// checks would make of a planned step: the screening again first, when
// the award's latest screening does not bind (its verdict against the
// current list), then the payee gate (Gate) of a send or grant.
func (r *Runner) preview(ctx context.Context, s SendStep, names NameScreener, list models.ListVersion) (SendStep, error) {
	if s.Rescreen == "" && s.Action == SendWait {
		return s, nil
	}
	err := r.store.InTx(ctx, func(tx Tx) error {
		a := s.Award
		if s.Rescreen != "" {
			p, err := boundPayee(tx, &a)
			if err != nil {
				return err
			}
			v, err := r.screener.Screen(tx, names, list, p)
			if err != nil {
				return err
			}
			switch v.Decision {
			case models.DecisionClear:
			case models.DecisionBlocked:
				s = s.wait("would be blocked by screening: " + v.Reason)
				return errReadOnly
			default:
				s = s.wait("would be held for review by screening: " + v.Reason)
				return errReadOnly
			}
		}
		if s.Action == SendWait {
			return errReadOnly
		}
		// A screening again first that clears binds by construction.
		if err := r.gate(tx, &a, s.Rescreen == ""); err != nil {
			if !errors.Is(err, models.ErrInvalid) {
				return err
			}
			s = s.wait("the payee gate would stop it: " + err.Error())
		}
		return errReadOnly
	})
	if err != nil && !errors.Is(err, errReadOnly) {
		return s, fmt.Errorf("award %s: %w", s.AwardID, err)
	}
	return s, nil
}

// openAttempts lists the attempts whose outcome is open and that no
// worker holds now, oldest first (loaded once, walked in batches).
func (r *Runner) openAttempts() batchSource[models.Attempt] {
	return loaded(func(ctx context.Context) ([]models.Attempt, error) {
		return r.store.OpenAttempts(ctx, r.now(), 0)
	})
}

func awardIDs(awards []models.Award) []string {
	ids := make([]string, len(awards))
	for i, a := range awards {
		ids[i] = a.ID
	}
	return ids
}
