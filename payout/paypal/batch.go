package paypal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	pp "github.com/plutov/paypal/v4"

	"github.com/plex/bountypay/models"
)

// MaxItems is the most items PayPal accepts in one create request
// (PayPal's Payouts API reference: 15,000).
const MaxItems = 15000

// Recipient types for Item.RecipientType.
const (
	RecipientEmail    = "EMAIL"
	RecipientPayPalID = "PAYPAL_ID"
)

// Other limits PayPal documents for a create request (Payouts API
// reference, "Create batch payout").
const (
	maxSenderBatchID = 256
	maxSenderItemID  = 63
	maxReceiver      = 127
	maxEmailSubject  = 255
	maxEmailMessage  = 1000
	maxNoteASCII     = 4000
	maxNoteNonASCII  = 1000
)

var recipientTypes = map[string]bool{
	RecipientEmail: true, "PHONE": true, RecipientPayPalID: true, "USER_HANDLE": true,
}

// Batch is one payout request. bountypay sends one award per batch, so
// that one award's problem never holds another (see the README, "Why one
// award per batch").
type Batch struct {
	// SenderBatchID is PayPal's only deduplication key (30 days). It is
	// required and also sent as the PayPal-Request-Id header. Reuse it,
	// with an identical Batch, on every retry of the same attempt.
	SenderBatchID string
	// EmailSubject and EmailMessage default to DefaultEmailSubject and
	// DefaultEmailMessage (plutov would send "").
	EmailSubject string
	EmailMessage string
	Items        []Item
}

// Item is one payment of a Batch.
type Item struct {
	// SenderItemID correlates the item with the award (required, ≤63).
	SenderItemID string
	// Receiver is the recipient's email (or PayPal id); never logged.
	Receiver string
	// RecipientType is EMAIL (default), PHONE, PAYPAL_ID or USER_HANDLE.
	RecipientType string
	// Amount must be positive and representable with PayPal's decimals
	// (see FormatAmount).
	Amount models.Money
	Note   string
}

// Created is the outcome of CreateBatch: the batch PayPal holds for the
// sender_batch_id.
type Created struct {
	BatchID       string
	SenderBatchID string
	// Status is the batch_status of a fresh batch (PENDING); empty for a
	// duplicate.
	Status string
	// Duplicate is true when PayPal answered that the sender_batch_id was
	// already used and linked the existing batch. Adopt it only after
	// GetBatch shows the intended receiver, amount and sender_item_id.
	Duplicate bool
	// DebugID is PayPal's Paypal-Debug-Id of the response.
	DebugID string
}

// BatchStatus is a batch as GetBatch reads it, with all its items.
type BatchStatus struct {
	BatchID       string
	SenderBatchID string
	// Status is the batch_status (PENDING, PROCESSING, SUCCESS, DENIED,
	// CANCELED, or values unknown to us: treat those as non-terminal).
	Status string
	// Amount and Fees are the batch totals; Fees are zero until
	// PROCESSING. Zero Money when PayPal omits them.
	Amount        models.Money
	Fees          models.Money
	TimeCreated   time.Time
	TimeCompleted time.Time
	// Items holds every item across all pages.
	Items []ItemStatus
}

// ItemStatus is one payout item as PayPal reports it.
type ItemStatus struct {
	PayoutItemID  string
	PayoutBatchID string
	// SenderBatchID is only set by GetItem (PayPal's batch listing omits
	// it per item).
	SenderBatchID string
	TransactionID string // absent for denied/failed items
	// TransactionStatus: SUCCESS, FAILED, PENDING, UNCLAIMED, RETURNED,
	// ONHOLD, BLOCKED, REFUNDED, REVERSED (and DENIED in some docs).
	TransactionStatus string
	SenderItemID      string
	Receiver          string // never log it
	RecipientType     string
	Amount            models.Money
	Fee               models.Money // zero until processed
	TimeProcessed     time.Time    // zero when absent or unparsable
	// ErrorName is the item's error name (RECEIVER_UNREGISTERED, …), and
	// ErrorMessage its message.
	ErrorName    string
	ErrorMessage string
}

// CreateBatch submits b. It returns Created for a new batch and for a
// duplicate sender_batch_id whose error links the existing batch
// (Created.Duplicate). Errors:
//
//   - matching models.ErrInvalid: b breaks a rule checked locally (nothing
//     sent) or PayPal refused it (VALIDATION_ERROR, DUPLICATE_ITEM, other
//     400s); nothing was created.
//   - *APIError with OperatorProblem: 403 sender problems, 422
//     (INSUFFICIENT_FUNDS, …), NON_HOLDING_CURRENCY; nothing was paid;
//     also matches models.ErrTransient: retry later with the same b.
//   - matching models.ErrTransient: the outcome is unknown (timeout,
//     reset, 5xx, 429, non-JSON body, unreadable 2xx, 401 after a refresh);
//     re-send the identical b.
//   - matching ErrDuplicateNoLink (and models.ErrConflict): the id was
//     used but PayPal did not say for which batch.
//   - matching models.ErrConflict otherwise: USER_BUSINESS_ERROR we do not
//     recognise; treat as "a batch may exist", reconcile by hand.
func (c *Client) CreateBatch(ctx context.Context, b Batch) (Created, error) {
	op := "create batch " + b.SenderBatchID
	payload, err := buildPayout(b)
	if err != nil {
		return Created{}, fmt.Errorf("%s: %w", op, err)
	}
	hdr := http.Header{}
	hdr.Set("PayPal-Request-Id", b.SenderBatchID)
	r, err := c.call(ctx, op, http.MethodPost, "/v1/payments/payouts", nil, payload, hdr)
	if err != nil {
		return Created{}, err
	}
	debugID := r.header.Get("Paypal-Debug-Id")
	if r.status >= 200 && r.status <= 299 {
		var w wireBatch
		if err := decodeStrict(r.body, &w); err != nil || w.BatchHeader.PayoutBatchID == "" {
			if err == nil {
				err = fmt.Errorf("no payout_batch_id")
			}
			return Created{}, fmt.Errorf("%s: HTTP %d undecodable, outcome unknown (debug_id %s): %w: %w",
				op, r.status, debugID, models.ErrTransient, err)
		}
		if echoed := w.BatchHeader.SenderBatchHeader.SenderBatchID; echoed != "" && echoed != b.SenderBatchID {
			return Created{}, fmt.Errorf("%s: PayPal answered for sender_batch_id %s (batch %s, debug_id %s): %w",
				op, echoed, w.BatchHeader.PayoutBatchID, debugID, models.ErrConflict)
		}
		c.log.DebugContext(ctx, "paypal batch created",
			slog.String("sender_batch_id", b.SenderBatchID),
			slog.String("payout_batch_id", w.BatchHeader.PayoutBatchID),
			slog.String("debug_id", debugID))
		return Created{
			BatchID:       w.BatchHeader.PayoutBatchID,
			SenderBatchID: b.SenderBatchID,
			Status:        w.BatchHeader.BatchStatus,
			DebugID:       debugID,
		}, nil
	}

	ae := parseAPIError(op, r.status, r.header, r.body)
	if dup, id := duplicateBatch(ae); dup {
		if id != "" {
			c.log.DebugContext(ctx, "paypal duplicate sender_batch_id",
				slog.String("sender_batch_id", b.SenderBatchID),
				slog.String("payout_batch_id", id), slog.String("debug_id", ae.DebugID))
			return Created{BatchID: id, SenderBatchID: b.SenderBatchID, Duplicate: true, DebugID: ae.DebugID}, nil
		}
		ae.kind, ae.nothingCreated = ErrDuplicateNoLink, false
		return Created{}, ae
	}
	if ae.Name == "USER_BUSINESS_ERROR" && ae.kind == models.ErrInvalid {
		// Most likely a duplicate in a shape we do not know. Never let the
		// caller conclude that nothing exists.
		ae.kind, ae.nothingCreated = models.ErrConflict, false
	}
	return Created{}, ae
}

// buildPayout validates b and turns it into plutov's request type.
func buildPayout(b Batch) (*pp.Payout, error) {
	switch {
	case b.SenderBatchID == "":
		return nil, fmt.Errorf("sender_batch_id is required: %w", models.ErrInvalid)
	case len(b.SenderBatchID) > maxSenderBatchID || !printableASCII(b.SenderBatchID):
		return nil, fmt.Errorf("sender_batch_id must be 1..%d printable ASCII characters: %w", maxSenderBatchID, models.ErrInvalid)
	case len(b.Items) == 0 || len(b.Items) > MaxItems:
		return nil, fmt.Errorf("%d items, want 1..%d: %w", len(b.Items), MaxItems, models.ErrInvalid)
	}
	subject := b.EmailSubject
	if subject == "" {
		subject = DefaultEmailSubject
	}
	message := b.EmailMessage
	if message == "" {
		message = DefaultEmailMessage
	}
	if utf8.RuneCountInString(subject) > maxEmailSubject || utf8.RuneCountInString(message) > maxEmailMessage {
		return nil, fmt.Errorf("email subject/message too long: %w", models.ErrInvalid)
	}
	p := &pp.Payout{
		SenderBatchHeader: &pp.SenderBatchHeader{
			SenderBatchID: b.SenderBatchID,
			EmailSubject:  subject,
			EmailMessage:  message,
		},
		Items: make([]pp.PayoutItem, 0, len(b.Items)),
	}
	seen := make(map[string]bool, len(b.Items))
	for i, it := range b.Items {
		rt := it.RecipientType
		if rt == "" {
			rt = RecipientEmail
		}
		switch {
		case it.SenderItemID == "" || len(it.SenderItemID) > maxSenderItemID || !printableASCII(it.SenderItemID):
			return nil, fmt.Errorf("items[%d].sender_item_id must be 1..%d printable ASCII characters: %w", i, maxSenderItemID, models.ErrInvalid)
		case seen[it.SenderItemID]:
			return nil, fmt.Errorf("items[%d].sender_item_id %s repeated: %w", i, it.SenderItemID, models.ErrInvalid)
		case it.Receiver == "" || utf8.RuneCountInString(it.Receiver) > maxReceiver:
			return nil, fmt.Errorf("items[%d].receiver must be 1..%d characters: %w", i, maxReceiver, models.ErrInvalid)
		case !recipientTypes[rt]:
			return nil, fmt.Errorf("items[%d].recipient_type %q unknown: %w", i, rt, models.ErrInvalid)
		case it.Amount.Minor <= 0:
			return nil, fmt.Errorf("items[%d].amount must be positive: %w", i, models.ErrInvalid)
		case !noteFits(it.Note):
			return nil, fmt.Errorf("items[%d].note too long: %w", i, models.ErrInvalid)
		}
		seen[it.SenderItemID] = true
		value, err := FormatAmount(it.Amount)
		if err != nil {
			return nil, fmt.Errorf("items[%d]: %w", i, err)
		}
		p.Items = append(p.Items, pp.PayoutItem{
			RecipientType:   rt,
			RecipientWallet: pp.PaypalRecipientWallet,
			Receiver:        it.Receiver,
			Amount:          &pp.AmountPayout{Currency: it.Amount.Currency, Value: value},
			Note:            it.Note,
			SenderItemID:    it.SenderItemID,
		})
	}
	return p, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func noteFits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return utf8.RuneCountInString(s) <= maxNoteNonASCII
		}
	}
	return len(s) <= maxNoteASCII
}

// GetBatch reads the batch header and every item, following pages
// (page_size Config.PageSize, total_required=true). The header is the one
// of the first page, so it is never newer than the items. Errors: unknown
// batch ⇒ models.ErrNotFound; timeouts, 5xx, undecodable or inconsistent
// pages ⇒ models.ErrTransient.
func (c *Client) GetBatch(ctx context.Context, batchID string) (BatchStatus, error) {
	op := "get batch " + batchID
	if !batchIDPattern.MatchString(batchID) {
		return BatchStatus{}, fmt.Errorf("%s: malformed batch id: %w", op, models.ErrInvalid)
	}
	path := "/v1/payments/payouts/" + url.PathEscape(batchID)
	var (
		out   BatchStatus
		seen  = map[string]bool{}
		total = -1
	)
pages:
	for page := 1; page <= 1000; page++ {
		q := url.Values{}
		q.Set("page", strconv.Itoa(page))
		q.Set("page_size", strconv.Itoa(c.pageSize))
		q.Set("total_required", "true")
		r, err := c.call(ctx, op, http.MethodGet, path, q, nil, nil)
		if err != nil {
			return BatchStatus{}, err
		}
		if r.status < 200 || r.status > 299 {
			return BatchStatus{}, parseAPIError(op, r.status, r.header, r.body)
		}
		var w wireBatch
		if err := decodeStrict(r.body, &w); err != nil {
			return BatchStatus{}, fmt.Errorf("%s: page %d undecodable: %w: %w", op, page, models.ErrTransient, err)
		}
		if page == 1 {
			if out, err = w.BatchHeader.status(); err != nil {
				return BatchStatus{}, fmt.Errorf("%s: %w: %w", op, models.ErrTransient, err)
			}
			if out.BatchID == "" {
				out.BatchID = batchID
			}
			if w.TotalItems != nil {
				total = *w.TotalItems
			}
		}
		added := 0
		for _, wi := range w.Items {
			it, err := wi.status()
			if err != nil {
				return BatchStatus{}, fmt.Errorf("%s: item %s: %w: %w", op, wi.PayoutItemID, models.ErrTransient, err)
			}
			if it.PayoutItemID != "" && seen[it.PayoutItemID] {
				continue
			}
			seen[it.PayoutItemID] = true
			if it.PayoutBatchID == "" {
				it.PayoutBatchID = out.BatchID
			}
			out.Items = append(out.Items, it)
			added++
		}
		switch {
		case total >= 0 && len(out.Items) >= total:
		case w.TotalPages != nil && page >= *w.TotalPages:
		case total < 0 && w.TotalPages == nil && len(w.Items) < c.pageSize:
		case added == 0:
			// A server that ignores paging would loop forever.
		default:
			continue
		}
		break pages
	}
	if total >= 0 && len(out.Items) != total {
		return BatchStatus{}, fmt.Errorf("%s: read %d items, PayPal reports %d: %w",
			op, len(out.Items), total, models.ErrTransient)
	}
	return out, nil
}

// GetItem reads one payout item. Errors: unknown item ⇒
// models.ErrNotFound; timeouts, 5xx, undecodable bodies ⇒
// models.ErrTransient.
func (c *Client) GetItem(ctx context.Context, itemID string) (ItemStatus, error) {
	op := "get item " + itemID
	return c.itemCall(ctx, op, http.MethodGet, itemID, "")
}

// CancelItem cancels an UNCLAIMED item; PayPal returns it as RETURNED and
// the money goes back to the sender. Errors: ErrItemIncorrectStatus (not
// UNCLAIMED, or the batch still processing) and ErrItemAlreadyCancelled,
// both matching models.ErrConflict; unknown item ⇒ models.ErrNotFound;
// timeouts, 5xx, ITEM_CANCELLATION_FAILED ⇒ models.ErrTransient (GET the
// item to learn the outcome).
func (c *Client) CancelItem(ctx context.Context, itemID string) (ItemStatus, error) {
	op := "cancel item " + itemID
	return c.itemCall(ctx, op, http.MethodPost, itemID, "/cancel")
}

func (c *Client) itemCall(ctx context.Context, op, method, itemID, suffix string) (ItemStatus, error) {
	if !batchIDPattern.MatchString(itemID) {
		return ItemStatus{}, fmt.Errorf("%s: malformed item id: %w", op, models.ErrInvalid)
	}
	r, err := c.call(ctx, op, method, "/v1/payments/payouts-item/"+url.PathEscape(itemID)+suffix, nil, nil, nil)
	if err != nil {
		return ItemStatus{}, err
	}
	if r.status < 200 || r.status > 299 {
		ae := parseAPIError(op, r.status, r.header, r.body)
		switch ae.Name {
		case "ITEM_INCORRECT_STATUS":
			ae.kind = ErrItemIncorrectStatus
		case "ITEM_ALREADY_CANCELLED", "ITEM_ALREADY_CANCELED":
			ae.kind = ErrItemAlreadyCancelled
		}
		return ItemStatus{}, ae
	}
	var w wireItem
	if err := decodeStrict(r.body, &w); err != nil {
		return ItemStatus{}, fmt.Errorf("%s: HTTP %d undecodable: %w: %w", op, r.status, models.ErrTransient, err)
	}
	it, err := w.status()
	if err != nil {
		return ItemStatus{}, fmt.Errorf("%s: %w: %w", op, models.ErrTransient, err)
	}
	return it, nil
}

// Wire types: lenient about times (strings, parsed best-effort) so that a
// timestamp format never turns a created batch into an error (a 201 whose
// body does not decode still means the batch exists).

type wireAmount struct {
	Currency string `json:"currency"`
	Value    string `json:"value"`
}

func (a *wireAmount) money() (models.Money, error) {
	if a == nil {
		return models.Money{}, nil
	}
	return parseAmount(a.Value, a.Currency)
}

type wireBatch struct {
	BatchHeader wireBatchHeader `json:"batch_header"`
	Items       []wireItem      `json:"items"`
	TotalItems  *int            `json:"total_items"`
	TotalPages  *int            `json:"total_pages"`
}

type wireBatchHeader struct {
	PayoutBatchID     string      `json:"payout_batch_id"`
	BatchStatus       string      `json:"batch_status"`
	TimeCreated       string      `json:"time_created"`
	TimeCompleted     string      `json:"time_completed"`
	Amount            *wireAmount `json:"amount"`
	Fees              *wireAmount `json:"fees"`
	SenderBatchHeader struct {
		SenderBatchID string `json:"sender_batch_id"`
	} `json:"sender_batch_header"`
}

func (h wireBatchHeader) status() (BatchStatus, error) {
	amount, err := h.Amount.money()
	if err != nil {
		return BatchStatus{}, fmt.Errorf("batch amount: %w", err)
	}
	fees, err := h.Fees.money()
	if err != nil {
		return BatchStatus{}, fmt.Errorf("batch fees: %w", err)
	}
	return BatchStatus{
		BatchID:       h.PayoutBatchID,
		SenderBatchID: h.SenderBatchHeader.SenderBatchID,
		Status:        h.BatchStatus,
		Amount:        amount,
		Fees:          fees,
		TimeCreated:   parseTime(h.TimeCreated),
		TimeCompleted: parseTime(h.TimeCompleted),
	}, nil
}

type wireItem struct {
	PayoutItemID      string      `json:"payout_item_id"`
	TransactionID     string      `json:"transaction_id"`
	TransactionStatus string      `json:"transaction_status"`
	PayoutBatchID     string      `json:"payout_batch_id"`
	SenderBatchID     string      `json:"sender_batch_id"`
	PayoutItemFee     *wireAmount `json:"payout_item_fee"`
	PayoutItem        struct {
		RecipientType string      `json:"recipient_type"`
		Receiver      string      `json:"receiver"`
		Amount        *wireAmount `json:"amount"`
		SenderItemID  string      `json:"sender_item_id"`
	} `json:"payout_item"`
	TimeProcessed string `json:"time_processed"`
	// errors is an object for payout items; tolerate anything else.
	Errors json.RawMessage `json:"errors"`
}

func (w wireItem) status() (ItemStatus, error) {
	amount, err := w.PayoutItem.Amount.money()
	if err != nil {
		return ItemStatus{}, fmt.Errorf("item amount: %w", err)
	}
	fee, err := w.PayoutItemFee.money()
	if err != nil {
		return ItemStatus{}, fmt.Errorf("item fee: %w", err)
	}
	it := ItemStatus{
		PayoutItemID:      w.PayoutItemID,
		PayoutBatchID:     w.PayoutBatchID,
		SenderBatchID:     w.SenderBatchID,
		TransactionID:     w.TransactionID,
		TransactionStatus: w.TransactionStatus,
		SenderItemID:      w.PayoutItem.SenderItemID,
		Receiver:          w.PayoutItem.Receiver,
		RecipientType:     w.PayoutItem.RecipientType,
		Amount:            amount,
		Fee:               fee,
		TimeProcessed:     parseTime(w.TimeProcessed),
	}
	if len(w.Errors) > 0 {
		var e struct {
			Name    string `json:"name"`
			Message string `json:"message"`
		}
		if json.Unmarshal(w.Errors, &e) == nil {
			it.ErrorName, it.ErrorMessage = e.Name, e.Message
		}
	}
	return it, nil
}

// decodeStrict decodes exactly one JSON value (trailing garbage is an
// error: a truncated or concatenated body must not pass).
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if len(bytes.TrimSpace(b[dec.InputOffset():])) > 0 {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"}

// parseTime parses PayPal's timestamps; unknown formats give the zero time.
func parseTime(s string) time.Time {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// Matches reports whether the batch PayPal holds is the one intended by b:
// same sender_batch_id (when PayPal reports it), the same number of items,
// and for each intended item one item with its sender_item_id, receiver
// (e-mail compared case-insensitively) and amount. Adopt a duplicate only
// when Matches returns nil: a duplicate answer proves a batch exists, not
// that it is ours as frozen. The error matches models.ErrConflict
// and names the differing fields, never their values.
func (s BatchStatus) Matches(b Batch) error {
	var diffs []string
	if s.SenderBatchID != "" && s.SenderBatchID != b.SenderBatchID {
		diffs = append(diffs, "sender_batch_id")
	}
	if len(s.Items) != len(b.Items) {
		diffs = append(diffs, fmt.Sprintf("item count %d, want %d", len(s.Items), len(b.Items)))
	}
	bySender := make(map[string]ItemStatus, len(s.Items))
	for _, it := range s.Items {
		bySender[it.SenderItemID] = it
	}
	for _, want := range b.Items {
		got, ok := bySender[want.SenderItemID]
		switch {
		case !ok:
			diffs = append(diffs, "item "+want.SenderItemID+" missing")
			continue
		case !sameReceiver(want, got):
			diffs = append(diffs, "item "+want.SenderItemID+" receiver")
		}
		if got.Amount != want.Amount {
			diffs = append(diffs, "item "+want.SenderItemID+" amount")
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("batch %s does not match sender_batch_id %s: %s: %w",
			s.BatchID, b.SenderBatchID, strings.Join(diffs, ", "), models.ErrConflict)
	}
	return nil
}

func sameReceiver(want Item, got ItemStatus) bool {
	rt := want.RecipientType
	if rt == "" || rt == RecipientEmail {
		return strings.EqualFold(strings.TrimSpace(want.Receiver), strings.TrimSpace(got.Receiver))
	}
	return want.Receiver == got.Receiver
}
