package payout

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/entitlement"
	"github.com/plex/bountypay/payout/paypal"
)

// PayPal is what the sender needs from PayPal Payouts.
type PayPal interface {
	CreateBatch(ctx context.Context, b paypal.Batch) (paypal.Created, error)
	GetBatch(ctx context.Context, batchID string) (paypal.BatchStatus, error)
	GetItem(ctx context.Context, itemID string) (paypal.ItemStatus, error)
	CancelItem(ctx context.Context, itemID string) (paypal.ItemStatus, error)
}

var _ PayPal = (*paypal.Client)(nil)

// Granter grants Plex Pass entitlements (entitlement.Client).
type Granter interface {
	Grant(ctx context.Context, g entitlement.Request) (entitlement.Result, error)
}

var _ Granter = (*entitlement.Client)(nil)

// Attempt channels.
const (
	ChannelPayPal      = "paypal"
	ChannelPassCode    = "pass_code"
	ChannelEntitlement = "entitlement"
)

// Defaults.
const (
	// DefaultResendHorizon is how long after the first submission an
	// attempt whose outcome is open may still be re-sent automatically;
	// PayPal deduplicates sender_batch_id for 30 days.
	DefaultResendHorizon = 20 * 24 * time.Hour
	// DefaultLeaseFor is how long one submission holds its attempt against
	// other workers. It must exceed the PayPal client's timeout; a worker
	// that dies holding it delays the resend by at most this.
	DefaultLeaseFor = 2 * time.Minute
	// DefaultWatchPaidFor, DefaultWatchPaidEvery and DefaultWatchPaidLimit
	// shape the slow sweep of paid items for refunds and reversals.
	DefaultWatchPaidFor   = 180 * 24 * time.Hour
	DefaultWatchPaidEvery = 24 * time.Hour
	DefaultWatchPaidLimit = 200
	// DefaultActor is the ledger actor of the worker's own entries.
	DefaultActor = "bountypay"
	// UnclaimedReturnAfter is when PayPal returns an unclaimed item.
	UnclaimedReturnAfter = 30 * 24 * time.Hour
)

// Config configures a Sender.
type Config struct {
	Actor         string
	ResendHorizon time.Duration
	LeaseFor      time.Duration
	EmailSubject  string
	EmailMessage  string
	// Granter, when set, grants passes through the entitlement service;
	// otherwise passes come from the gift-code pool.
	Granter Granter
	// PollEvery: an accepted attempt is polled again only when its last
	// poll is older than this. Default 0: every run.
	PollEvery time.Duration
	// WatchPaidFor is how long a paid item is still polled for REFUNDED or
	// REVERSED. Default DefaultWatchPaidFor (180 days); negative disables.
	WatchPaidFor time.Duration
	// WatchPaidEvery is the minimum interval between two polls of one paid
	// item. Default DefaultWatchPaidEvery (24 h).
	WatchPaidEvery time.Duration
	// WatchPaidLimit bounds the paid items polled per run. Default
	// DefaultWatchPaidLimit.
	WatchPaidLimit int
	NowFunc        func() time.Time
	Logger         *slog.Logger
}

// Sender sends awards and reconciles attempts. It is safe for concurrent
// use; any number of senders (processes) may share one database.
type Sender struct {
	cfg   Config
	store Store
	pp    PayPal
	log   *slog.Logger
	now   func() time.Time

	gate GateFunc

	mu           sync.Mutex
	backoffUntil time.Time
}

// GateFunc is the last check before value leaves, run inside the
// transaction that writes an attempt ahead or grants a pass; an error
// stops the send (see worker.Runner.Gate).
type GateFunc func(tx Tx, a *models.Award) error

// SetGate installs the check every send and grant must pass. Call it
// before sending starts.
func (s *Sender) SetGate(g GateFunc) { s.gate = g }

// payeeFor returns the payee details value may leave for: those of the
// award's payee version, which must be the one in force with no payee
// change pending, after the gate. Errors wrap models.ErrInvalid.
func (s *Sender) payeeFor(tx Tx, a *models.Award) (models.Researcher, error) {
	ps, err := tx.Payee(a.ResearcherID)
	if err != nil {
		return models.Researcher{}, err
	}
	switch {
	case ps.Pending != nil:
		return models.Researcher{}, fmt.Errorf("award %s: payee change to version %d awaits approval: %w", a.ID, ps.Pending.Version, models.ErrInvalid)
	case a.PayeeVersion != ps.Active.Version:
		return models.Researcher{}, fmt.Errorf("award %s is for payee version %d, not the version in force (%d): %w", a.ID, a.PayeeVersion, ps.Active.Version, models.ErrInvalid)
	}
	if s.gate != nil {
		if err := s.gate(tx, a); err != nil {
			return models.Researcher{}, err
		}
	}
	return ps.Active.Researcher, nil
}

// NewSender returns a sender. pp may be nil when only passes are granted.
func NewSender(cfg Config, st Store, pp PayPal) *Sender {
	cfg.Actor = cmp.Or(cfg.Actor, DefaultActor)
	cfg.ResendHorizon = cmp.Or(cfg.ResendHorizon, DefaultResendHorizon)
	cfg.LeaseFor = cmp.Or(cfg.LeaseFor, DefaultLeaseFor)
	cfg.WatchPaidFor = cmp.Or(cfg.WatchPaidFor, DefaultWatchPaidFor)
	cfg.WatchPaidEvery = cmp.Or(cfg.WatchPaidEvery, DefaultWatchPaidEvery)
	cfg.WatchPaidLimit = cmp.Or(cfg.WatchPaidLimit, DefaultWatchPaidLimit)
	cfg.EmailSubject = cmp.Or(cfg.EmailSubject, "Your Plex security bounty")
	cfg.EmailMessage = cmp.Or(cfg.EmailMessage, "Thank you for helping keep Plex secure.")
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.NowFunc
	if now == nil {
		now = time.Now
	}
	return &Sender{cfg: cfg, store: st, pp: pp, log: log, now: func() time.Time { return now().UTC() }}
}

// PayPalConfigured reports whether the sender has a PayPal client.
func (s *Sender) PayPalConfigured() bool { return s.pp != nil }

// GrantsByEntitlement reports whether passes go through the entitlement
// service rather than the code pool.
func (s *Sender) GrantsByEntitlement() bool { return s.cfg.Granter != nil }

// Backoff returns how long PayPal asked us to wait (Retry-After of a 429)
// from now, or zero.
func (s *Sender) Backoff() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.backoffUntil.Sub(s.now()); d > 0 {
		return d
	}
	return 0
}

func (s *Sender) noteRetryAfter(err error) {
	if d, ok := paypal.RetryAfter(err); ok {
		s.mu.Lock()
		if until := s.now().Add(d); until.After(s.backoffUntil) {
			s.backoffUntil = until
		}
		s.mu.Unlock()
	}
}

// SenderBatchID is the deterministic PayPal sender_batch_id of an award's
// attempt n: the same on every retry of that attempt, different for the
// next attempt.
func SenderBatchID(awardID string, n int) string {
	return fmt.Sprintf("bp-%s-a%d", shortID(awardID, 200), n)
}

// GrantID is the deterministic entitlement grant id (idempotency key) of
// an award's attempt n.
func GrantID(awardID string, n int) string {
	return fmt.Sprintf("bp-grant-%s-a%d", shortID(awardID, 200), n)
}

// SenderItemID is the award's PayPal sender_item_id (at most 63 bytes).
func SenderItemID(awardID string) string { return shortID(awardID, 63) }

// shortID keeps readable ids that fit; longer or unusual ones become a hash.
func shortID(id string, max int) string {
	ok := len(id) <= max
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./", r)) {
			ok = false
			break
		}
	}
	if ok {
		return id
	}
	h := sha256.Sum256([]byte(id))
	return "h" + hex.EncodeToString(h[:])[:40]
}

// Outcome says what happened to one award in a send or reconcile step.
type Outcome string

// The outcomes.
const (
	OutcomeAccepted Outcome = "accepted" // PayPal holds the batch
	OutcomeUnknown  Outcome = "unknown"  // answer lost; will resend identically
	OutcomeDeferred Outcome = "deferred" // refused for an operator reason; retry later
	OutcomeFailed   Outcome = "failed"   // PayPal confirmed nothing was created
	OutcomeManual   Outcome = "manual"   // finance must reconcile
	OutcomeGranted  Outcome = "granted"
	OutcomeNoStock  Outcome = "no_stock" // no pass code left
	OutcomeSkipped  Outcome = "skipped"  // nothing to do (already resolved)
	OutcomeBusy     Outcome = "busy"     // another worker is submitting it
)

// CheckSendable reports why a money award cannot be sent through PayPal
// as it is (unsupported currency, amount PayPal cannot represent), or nil.
// The error matches models.ErrInvalid.
func CheckSendable(a models.Award) error {
	if a.Kind != models.AwardMoney {
		return nil
	}
	if !paypal.SupportedCurrency(a.Amount.Currency) {
		return fmt.Errorf("currency %s is not supported by PayPal Payouts: %w", a.Amount.Currency, models.ErrInvalid)
	}
	if a.Amount.Minor <= 0 {
		return fmt.Errorf("amount %s is not positive: %w", a.Amount, models.ErrInvalid)
	}
	if _, err := paypal.FormatAmount(a.Amount); err != nil {
		return err
	}
	return nil
}

// StartMoney writes an attempt ahead for a cleared money award: the
// attempt row with its frozen request, the award moved to sending, and the
// ledger entry moving the amount from payable to in flight, in one
// transaction. It returns the attempt to submit. Errors: models.ErrConflict
// when the award is no longer cleared (another worker took it),
// models.ErrInvalid when it cannot be sent as it is.
func (s *Sender) StartMoney(ctx context.Context, awardID string) (models.Attempt, error) {
	return s.startMoney(ctx, awardID, false)
}

func (s *Sender) startMoney(ctx context.Context, awardID string, claim bool) (models.Attempt, error) {
	var att models.Attempt
	err := s.store.InTx(ctx, func(tx Tx) error {
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if a.Kind != models.AwardMoney {
			return fmt.Errorf("award %s is %s, not money: %w", a.ID, a.Kind, models.ErrInvalid)
		}
		if a.State != models.StateCleared {
			return fmt.Errorf("award %s is %s, not cleared: %w", a.ID, a.State, models.ErrConflict)
		}
		if err := CheckSendable(a); err != nil {
			return fmt.Errorf("award %s: %w", a.ID, err)
		}
		r, err := s.payeeFor(tx, &a)
		if err != nil {
			return err
		}
		if r.PayPalReceiver == "" {
			return fmt.Errorf("award %s: researcher %s has no PayPal receiver: %w", a.ID, r.ID, models.ErrInvalid)
		}
		n := a.Attempt + 1
		batch := paypal.Batch{
			SenderBatchID: SenderBatchID(a.ID, n),
			EmailSubject:  s.cfg.EmailSubject,
			EmailMessage:  s.cfg.EmailMessage,
			Items: []paypal.Item{{
				SenderItemID:  SenderItemID(a.ID),
				Receiver:      r.PayPalReceiver,
				RecipientType: paypal.RecipientEmail,
				Amount:        a.Amount,
				Note:          "Plex security bounty " + shortID(a.ReportID, 60),
			}},
		}
		req, err := json.Marshal(batch)
		if err != nil {
			return err
		}
		att = models.Attempt{
			SenderBatchID: batch.SenderBatchID, AwardID: a.ID, Attempt: n, Channel: ChannelPayPal,
			SenderItemID: batch.Items[0].SenderItemID, Receiver: r.PayPalReceiver, PayeeVersion: a.PayeeVersion,
			AmountMinor: a.Amount.Minor, Currency: a.Amount.Currency, Request: string(req),
			Status: models.AttemptPending,
		}
		now := s.now()
		if claim {
			// The first submission, recorded before the call.
			att.FirstSubmittedAt, att.LastSubmittedAt, att.Submissions = &now, &now, 1
		}
		if err := tx.InsertAttempt(&att); err != nil {
			return err
		}
		if claim {
			if err := tx.SetAttemptLease(att.SenderBatchID, now.Add(s.cfg.LeaseFor)); err != nil {
				return err
			}
		}
		return tx.Transition(&a, models.StateSending, "", ledger.Draft{
			IdempotencyKey: "award/" + a.ID + "/send/" + batch.SenderBatchID,
			Kind:           ledger.KindSendStarted,
			Actor:          s.cfg.Actor,
			EffectiveAt:    tx.Now(),
			Data:           map[string]string{"sender_batch_id": batch.SenderBatchID, "attempt": fmt.Sprint(n)},
		}, func(a *models.Award) { a.Attempt = n })
	})
	return att, err
}

// claim records one submission of an open attempt before the call: the
// submission count and times, and a lease that keeps other workers off it
// for LeaseFor. ok is false (with the outcome to report) when the attempt
// must not be sent now: already resolved, leased by another worker, or
// beyond the resend horizon (then it goes to manual reconciliation).
func (s *Sender) claim(ctx context.Context, att models.Attempt) (cur models.Attempt, ok bool, out Outcome, err error) {
	senderBatchID := att.SenderBatchID
	out = OutcomeSkipped
	err = s.store.InTx(ctx, func(tx Tx) error {
		var a models.Award
		var err error
		cur, a, err = tx.LockAttemptOf(att.AwardID, senderBatchID)
		if err != nil {
			return err
		}
		if !cur.Status.Open() {
			return nil
		}
		if a.Attempt != cur.Attempt || a.State != models.StateSending {
			s.log.ErrorContext(ctx, "open attempt of an award that moved on", slog.String("award_id", a.ID),
				slog.String("sender_batch_id", cur.SenderBatchID), slog.String("state", string(a.State)))
			return nil
		}
		now := s.now()
		times, err := tx.AttemptTimes(senderBatchID)
		if err != nil {
			return err
		}
		if times.LeaseUntil != nil && times.LeaseUntil.After(now) {
			out = OutcomeBusy
			return nil
		}
		if cur.FirstSubmittedAt != nil && now.Sub(*cur.FirstSubmittedAt) > s.cfg.ResendHorizon {
			why := fmt.Sprintf("outcome open since %s, beyond the %s automatic resend horizon: reconcile with PayPal by hand",
				cur.FirstSubmittedAt.Format(time.RFC3339), s.cfg.ResendHorizon)
			out = OutcomeManual
			return s.manualTx(tx, &cur, &a, why)
		}
		if cur.FirstSubmittedAt == nil {
			cur.FirstSubmittedAt = &now
		}
		cur.LastSubmittedAt = &now
		cur.Submissions++
		if err := tx.SaveAttempt(&cur); err != nil {
			return err
		}
		if err := tx.SetAttemptLease(senderBatchID, now.Add(s.cfg.LeaseFor)); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if err != nil {
		return cur, false, OutcomeSkipped, err
	}
	if out == OutcomeManual {
		s.log.ErrorContext(ctx, "payout needs manual reconciliation", slog.String("award_id", cur.AwardID),
			slog.String("sender_batch_id", cur.SenderBatchID), slog.String("why", "resend horizon"))
	}
	return cur, ok, out, nil
}

// Submit sends an open attempt's frozen request and records what the
// answer proves. It is safe to call any number of times, from any number
// of workers, for one attempt: the submission is recorded before the call,
// only one worker at a time holds the attempt, and PayPal deduplicates the
// sender_batch_id. An attempt that is no longer open is left alone
// (OutcomeSkipped).
func (s *Sender) Submit(ctx context.Context, att models.Attempt) (Outcome, error) {
	switch att.Channel {
	case ChannelEntitlement:
		return s.submitGrant(ctx, att)
	case ChannelPayPal:
	default:
		return OutcomeSkipped, fmt.Errorf("attempt %s: channel %q cannot be submitted: %w", att.SenderBatchID, att.Channel, models.ErrInvalid)
	}
	if s.pp == nil {
		return OutcomeSkipped, errors.New("payout: no PayPal client configured")
	}
	cur, ok, out, err := s.claim(ctx, att)
	if !ok {
		return out, err
	}
	return s.create(ctx, cur)
}

// ErrNotStarted wraps the errors of Send that come before any attempt was
// written (the award is not cleared any more, or cannot be sent as it is).
var ErrNotStarted = errors.New("payout not started")

// Send starts a new attempt for a cleared money award and submits it:
// StartMoney and the first submission's record (count, times, lease) in
// one transaction, then the call. Errors as StartMoney.
func (s *Sender) Send(ctx context.Context, awardID string) (Outcome, error) {
	if s.pp == nil {
		return OutcomeSkipped, errors.New("payout: no PayPal client configured")
	}
	att, err := s.startMoney(ctx, awardID, true)
	if err != nil {
		return OutcomeSkipped, fmt.Errorf("%w: %w", ErrNotStarted, err)
	}
	return s.create(ctx, att)
}

// create makes the create call of a claimed attempt and records what the
// answer proves.
func (s *Sender) create(ctx context.Context, cur models.Attempt) (Outcome, error) {
	var batch paypal.Batch
	if err := json.Unmarshal([]byte(cur.Request), &batch); err != nil {
		return s.manual(ctx, cur, "frozen request unreadable: "+err.Error())
	}
	created, err := s.pp.CreateBatch(ctx, batch)
	var apiErr *paypal.APIError
	switch {
	case err == nil && !created.Duplicate:
		return s.accept(ctx, cur, created.BatchID, "")
	case err == nil && created.Duplicate:
		return s.adopt(ctx, cur, batch, created.BatchID)
	case errors.Is(err, paypal.ErrDuplicateNoLink):
		return s.manual(ctx, cur, "PayPal says the sender_batch_id was used but gives no link to the batch: find it by hand (Transaction Search)")
	case errors.Is(err, models.ErrConflict):
		// An unrecognised USER_BUSINESS_ERROR or an answer about another
		// batch: a batch may exist. Never resend blindly, never a new id.
		return s.manual(ctx, cur, "PayPal answered with a conflict we do not recognise: "+errText(err))
	case errors.As(err, &apiErr) && apiErr.OperatorProblem():
		s.log.WarnContext(ctx, "payout deferred", slog.String("award_id", cur.AwardID),
			slog.String("sender_batch_id", cur.SenderBatchID), slog.String("paypal_error", apiErr.Name))
		return s.reopen(ctx, cur, models.AttemptDeferred, OutcomeDeferred, errText(err))
	case errors.Is(err, models.ErrInvalid):
		return s.rejected(ctx, cur, errText(err))
	default:
		s.noteRetryAfter(err)
		s.log.WarnContext(ctx, "payout outcome unknown", slog.String("award_id", cur.AwardID),
			slog.String("sender_batch_id", cur.SenderBatchID), slog.Int("submissions", cur.Submissions))
		return s.reopen(ctx, cur, models.AttemptUnknown, OutcomeUnknown, errText(err))
	}
}

// reopen records an answer that leaves the attempt open (unknown or
// deferred), unless it was resolved meanwhile, and releases the lease.
func (s *Sender) reopen(ctx context.Context, att models.Attempt, status models.AttemptStatus, out Outcome, why string) (Outcome, error) {
	err := s.store.InTx(ctx, func(tx Tx) error {
		cur, _, err := tx.LockAttemptOf(att.AwardID, att.SenderBatchID)
		if err != nil {
			return err
		}
		if !cur.Status.Open() {
			out = OutcomeSkipped // resolved by another worker or a webhook
			return nil
		}
		cur.Status, cur.LastError = status, why
		if err := tx.SaveAttempt(&cur); err != nil {
			return err
		}
		return tx.SetAttemptLease(cur.SenderBatchID, time.Time{})
	})
	if err != nil {
		return OutcomeSkipped, err
	}
	return out, nil
}

// adopt accepts a batch a duplicate answer points to, once its items are
// exactly the attempt's.
func (s *Sender) adopt(ctx context.Context, att models.Attempt, batch paypal.Batch, batchID string) (Outcome, error) {
	bs, err := s.pp.GetBatch(ctx, batchID)
	if err != nil {
		s.noteRetryAfter(err)
		return s.reopen(ctx, att, models.AttemptUnknown, OutcomeUnknown, "duplicate answer; linked batch unreadable: "+errText(err))
	}
	if err := bs.Matches(batch); err != nil {
		return s.manual(ctx, att, "duplicate answer links a batch that does not match the attempt: "+err.Error())
	}
	return s.accept(ctx, att, batchID, "adopted through duplicate answer")
}

// accept binds the attempt to PayPal's batch and moves the award to sent.
// It also applies to attempts in manual reconciliation whose batch a
// person or a webhook identified.
func (s *Sender) accept(ctx context.Context, att models.Attempt, batchID, note string) (Outcome, error) {
	out := OutcomeAccepted
	err := s.store.InTx(ctx, func(tx Tx) error {
		cur, a, err := tx.LockAttemptOf(att.AwardID, att.SenderBatchID)
		if err != nil {
			return err
		}
		if cur.PayoutBatchID != "" && cur.PayoutBatchID != batchID {
			return fmt.Errorf("attempt %s already bound to batch %s, PayPal now says %s: %w", cur.SenderBatchID, cur.PayoutBatchID, batchID, models.ErrConflict)
		}
		if !cur.Status.Open() && cur.Status != models.AttemptManual {
			out = OutcomeSkipped // already accepted or settled
			return nil
		}
		cur.Status, cur.PayoutBatchID, cur.LastError = models.AttemptAccepted, batchID, ""
		if err := tx.SaveAttempt(&cur); err != nil {
			return err
		}
		if err := tx.SetAttemptLease(cur.SenderBatchID, time.Time{}); err != nil {
			return err
		}
		if a.Attempt != cur.Attempt || (a.State != models.StateSending && a.State != models.StateNeedsReconciliation) {
			return nil
		}
		return tx.Transition(&a, models.StateSent, note, ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/sent/%s/v%d", a.ID, cur.SenderBatchID, a.Version),
			Actor:          s.cfg.Actor, EffectiveAt: tx.Now(),
			Data: map[string]string{"sender_batch_id": cur.SenderBatchID, "payout_batch_id": batchID},
		}, nil)
	})
	if err != nil {
		return OutcomeSkipped, err
	}
	if out == OutcomeAccepted {
		s.log.InfoContext(ctx, "payout accepted", slog.String("award_id", att.AwardID),
			slog.String("sender_batch_id", att.SenderBatchID), slog.String("payout_batch_id", batchID))
	}
	return out, nil
}

// rejected records PayPal's definitive refusal: nothing was created, the
// money returns to payable and the award is failed for finance to fix and
// retry (bountypay payout retry) or cancel.
func (s *Sender) rejected(ctx context.Context, att models.Attempt, why string) (Outcome, error) {
	out := OutcomeFailed
	err := s.store.InTx(ctx, func(tx Tx) error {
		cur, a, err := tx.LockAttemptOf(att.AwardID, att.SenderBatchID)
		if err != nil {
			return err
		}
		if !cur.Status.Open() {
			out = OutcomeSkipped
			return nil
		}
		cur.Status, cur.LastError = models.AttemptRejected, why
		if err := tx.SaveAttempt(&cur); err != nil {
			return err
		}
		if err := tx.SetAttemptLease(cur.SenderBatchID, time.Time{}); err != nil {
			return err
		}
		if a.State != models.StateSending || a.Attempt != cur.Attempt {
			return nil
		}
		d := ledger.Draft{
			IdempotencyKey: "award/" + a.ID + "/void/" + cur.SenderBatchID,
			Kind:           ledger.KindSendVoided, Actor: s.cfg.Actor, EffectiveAt: tx.Now(),
			Data: map[string]string{"sender_batch_id": cur.SenderBatchID, "channel": cur.Channel},
		}
		if cur.Channel == ChannelEntitlement {
			d.Kind = ledger.KindStateChanged // a pass stays payable while it is being granted
		}
		return tx.Transition(&a, models.StateFailed, "refused: "+why, d, nil)
	})
	if err != nil {
		return OutcomeSkipped, err
	}
	return out, nil
}

// manual hands the attempt to finance: the award waits in
// needs_reconciliation and is never re-sent automatically.
func (s *Sender) manual(ctx context.Context, att models.Attempt, why string) (Outcome, error) {
	out := OutcomeManual
	err := s.store.InTx(ctx, func(tx Tx) error {
		cur, a, err := tx.LockAttemptOf(att.AwardID, att.SenderBatchID)
		if err != nil {
			return err
		}
		if !cur.Status.Open() {
			out = OutcomeSkipped
			return nil
		}
		return s.manualTx(tx, &cur, &a, why)
	})
	if err != nil {
		return OutcomeSkipped, err
	}
	if out == OutcomeManual {
		s.log.ErrorContext(ctx, "payout needs manual reconciliation", slog.String("award_id", att.AwardID),
			slog.String("sender_batch_id", att.SenderBatchID))
	}
	return out, nil
}

func (s *Sender) manualTx(tx Tx, cur *models.Attempt, a *models.Award, why string) error {
	cur.Status, cur.LastError = models.AttemptManual, why
	if err := tx.SaveAttempt(cur); err != nil {
		return err
	}
	if err := tx.SetAttemptLease(cur.SenderBatchID, time.Time{}); err != nil {
		return err
	}
	if a.Attempt != cur.Attempt || !models.CanTransition(a.State, models.StateNeedsReconciliation) {
		return nil
	}
	return tx.Transition(a, models.StateNeedsReconciliation, why, ledger.Draft{
		IdempotencyKey: fmt.Sprintf("award/%s/manual/%s/v%d", a.ID, cur.SenderBatchID, a.Version),
		Actor:          s.cfg.Actor, EffectiveAt: tx.Now(),
		Data: map[string]string{"sender_batch_id": cur.SenderBatchID},
	}, nil)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
