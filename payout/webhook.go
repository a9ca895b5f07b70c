package payout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/paypal"
)

// WebhookClient is what the webhook handler needs from PayPal: the
// signature check and the GETs that give the truth (paypal.Client).
type WebhookClient interface {
	VerifyWebhook(ctx context.Context, header http.Header, rawBody []byte) (paypal.Event, error)
	GetItem(ctx context.Context, itemID string) (paypal.ItemStatus, error)
	GetBatch(ctx context.Context, batchID string) (paypal.BatchStatus, error)
}

var _ WebhookClient = (*paypal.Client)(nil)

// Webhook limits.
const (
	// MaxWebhookBody bounds a webhook request body.
	MaxWebhookBody = 1 << 20
	// webhookTimeout bounds the processing of one delivery.
	webhookTimeout = 30 * time.Second
	// staleSlack: an event created this long before the attempt it names
	// cannot be about that attempt.
	staleSlack = time.Hour
)

// WebhookHandler receives PayPal's payout webhooks. Events
// are hints: it verifies the signature over the raw body, drops
// redeliveries by event id, ignores events of other or superseded
// attempts and stale ones, then reads the item or batch from PayPal and
// applies what the GET says through the same code as polling. An attempt
// whose answer was lost (or that waits for manual reconciliation) is
// adopted when an event names its batch and the batch matches the frozen
// request.
//
// Answers: 200 when the event was applied, ignored or already seen; 400
// when the signature or body is refused (nothing done); 503 when the
// signature could not be checked or the truth could not be read (PayPal
// redelivers).
type WebhookHandler struct {
	s   *Sender
	c   WebhookClient
	log *slog.Logger
}

// NewWebhookHandler returns the handler. Mount it on the URL registered
// with PayPal for the webhook whose id the client was configured with
// (PAYPAL_WEBHOOK_ID).
func NewWebhookHandler(s *Sender, c WebhookClient, log *slog.Logger) *WebhookHandler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &WebhookHandler{s: s, c: c, log: log}
}

// ServeHTTP handles one delivery.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	if err != nil {
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), webhookTimeout)
	defer cancel()
	ev, err := h.c.VerifyWebhook(ctx, r.Header, body)
	if err != nil {
		tid := r.Header.Get(paypal.HeaderTransmissionID)
		if errors.Is(err, models.ErrTransient) {
			h.log.WarnContext(ctx, "webhook signature not checked", slog.String("transmission_id", tid), slog.Any("err", err))
			http.Error(w, "cannot verify now", http.StatusServiceUnavailable)
			return
		}
		h.log.WarnContext(ctx, "webhook refused", slog.String("transmission_id", tid), slog.Any("err", err))
		http.Error(w, "signature does not verify", http.StatusBadRequest)
		return
	}
	outcome, err := h.Handle(ctx, ev)
	if err != nil {
		h.log.ErrorContext(ctx, "webhook not applied", slog.String("event_id", ev.ID),
			slog.String("event_type", ev.EventType), slog.Any("err", err))
		http.Error(w, "not applied, redeliver", http.StatusServiceUnavailable)
		return
	}
	h.log.DebugContext(ctx, "webhook handled", slog.String("event_id", ev.ID),
		slog.String("event_type", ev.EventType), slog.String("outcome", outcome))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"event_id": ev.ID, "outcome": outcome})
}

// Handle processes a verified event: dedupe by id, match, GET, apply. It
// returns what was done; an error means "redeliver".
func (h *WebhookHandler) Handle(ctx context.Context, ev paypal.Event) (string, error) {
	var ct *time.Time
	if !ev.CreateTime.IsZero() {
		t := ev.CreateTime.UTC()
		ct = &t
	}
	res := ev.Resource
	rec, _, err := h.s.store.RecordWebhookEvent(ctx, models.WebhookEvent{
		EventID: ev.ID, EventType: ev.EventType, ResourceID: cmpOr(res.PayoutItemID, res.PayoutBatchID),
		SenderBatchID: res.SenderBatchID, TransmissionID: ev.TransmissionID, CreateTime: ct,
	})
	if err != nil {
		return "", err
	}
	if rec.ProcessedAt != nil {
		return "duplicate of event already handled (" + rec.Outcome + ")", nil
	}
	outcome, err := h.apply(ctx, ev)
	if err != nil {
		return "", err
	}
	if err := h.s.store.FinishWebhookEvent(ctx, ev.ID, outcome); err != nil {
		return "", err
	}
	return outcome, nil
}

func (h *WebhookHandler) apply(ctx context.Context, ev paypal.Event) (string, error) {
	isItem := strings.HasPrefix(ev.EventType, "PAYMENT.PAYOUTS-ITEM.")
	isBatch := strings.HasPrefix(ev.EventType, "PAYMENT.PAYOUTSBATCH.")
	if !isItem && !isBatch {
		return "ignored: not a payout event", nil
	}
	res := ev.Resource
	att, err := h.findAttempt(ctx, res)
	if errors.Is(err, models.ErrNotFound) {
		return "ignored: no attempt of ours", nil
	}
	if err != nil {
		return "", err
	}
	a, err := h.s.store.Award(ctx, att.AwardID)
	if err != nil {
		return "", err
	}
	switch {
	case a.Attempt != att.Attempt:
		return fmt.Sprintf("ignored: attempt %d superseded by attempt %d", att.Attempt, a.Attempt), nil
	case att.Channel != ChannelPayPal:
		return "ignored: not a PayPal attempt", nil
	case res.SenderBatchID != "" && res.SenderBatchID != att.SenderBatchID:
		return "ignored: event of another sender_batch_id", nil
	case att.PayoutBatchID != "" && res.PayoutBatchID != "" && res.PayoutBatchID != att.PayoutBatchID:
		return "ignored: event of another batch", nil
	case !ev.CreateTime.IsZero() && ev.CreateTime.Before(att.CreatedAt.Add(-staleSlack)):
		return "ignored: stale event, older than the attempt", nil
	}
	if att.PayoutBatchID == "" {
		// The answer to our create was lost (or the attempt waits for a
		// person); the event names the batch: adopt it if it is ours.
		if res.PayoutBatchID == "" || (!att.Status.Open() && att.Status != models.AttemptManual) {
			return "ignored: attempt not bound to a batch and the event names none", nil
		}
		var batch paypal.Batch
		if err := json.Unmarshal([]byte(att.Request), &batch); err != nil {
			return "", fmt.Errorf("attempt %s: frozen request unreadable: %w", att.SenderBatchID, err)
		}
		bs, err := h.c.GetBatch(ctx, res.PayoutBatchID)
		if err != nil {
			return "", err
		}
		if err := bs.Matches(batch); err != nil {
			h.log.ErrorContext(ctx, "webhook names a batch that does not match the attempt", slog.String("award_id", att.AwardID),
				slog.String("sender_batch_id", att.SenderBatchID), slog.String("payout_batch_id", res.PayoutBatchID))
			return "ignored: batch does not match the attempt", nil
		}
		if _, err := h.s.accept(ctx, att, res.PayoutBatchID, "adopted through webhook "+ev.ID); err != nil {
			return "", err
		}
		if att, err = h.s.store.Attempt(ctx, att.SenderBatchID); err != nil {
			return "", err
		}
	}
	if isItem && res.PayoutItemID != "" {
		it, err := h.c.GetItem(ctx, res.PayoutItemID)
		if err != nil {
			return "", err
		}
		if it.SenderBatchID != "" && it.SenderBatchID != att.SenderBatchID {
			return "ignored: item belongs to another sender_batch_id", nil
		}
		if it.PayoutBatchID == "" {
			it.PayoutBatchID = res.PayoutBatchID
		}
		from, to, err := h.s.applyItem(ctx, att, it, h.s.now())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("applied %s: %s -> %s", it.TransactionStatus, from, to), nil
	}
	from, to, err := h.s.Poll(ctx, att)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("reconciled batch: %s -> %s", from, to), nil
}

// findAttempt finds the attempt an event is about: by sender_batch_id,
// else by payout_item_id, else by payout_batch_id.
func (h *WebhookHandler) findAttempt(ctx context.Context, res paypal.EventResource) (models.Attempt, error) {
	if res.SenderBatchID != "" {
		att, err := h.s.store.Attempt(ctx, res.SenderBatchID)
		if !errors.Is(err, models.ErrNotFound) {
			return att, err
		}
	}
	if res.PayoutItemID != "" {
		att, err := h.s.store.AttemptByPayoutItem(ctx, res.PayoutItemID)
		if !errors.Is(err, models.ErrNotFound) {
			return att, err
		}
	}
	if res.PayoutBatchID != "" {
		return h.s.store.AttemptByPayoutBatch(ctx, res.PayoutBatchID)
	}
	return models.Attempt{}, fmt.Errorf("event names no batch or item: %w", models.ErrNotFound)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
