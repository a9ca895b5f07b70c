package paypalsandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Batch statuses (spec batch_enum).
const (
	BatchPending    = "PENDING"
	BatchProcessing = "PROCESSING"
	BatchSuccess    = "SUCCESS"
	BatchDenied     = "DENIED"
)

// Item statuses (spec transaction_enum).
const (
	ItemPending   = "PENDING"
	ItemSuccess   = "SUCCESS"
	ItemFailed    = "FAILED"
	ItemUnclaimed = "UNCLAIMED"
	ItemReturned  = "RETURNED"
	ItemOnHold    = "ONHOLD"
	ItemBlocked   = "BLOCKED"
	ItemRefunded  = "REFUNDED"
	ItemReversed  = "REVERSED"
)

const maxItems = 15000

type batch struct {
	id            string
	account       string
	senderBatchID string // "" when none was sent
	header        reqHeader
	status        string
	created       time.Time
	processingAt  time.Time
	completed     time.Time
	decided       bool
	currency      string
	items         []*item
}

type item struct {
	id           string
	batch        *batch
	recipient    string // resolved recipient_type
	receiver     string
	currency     string
	amount       int64
	note         string
	senderItemID string
	wallet       string
	purpose      string
	status       string
	fee          int64
	txnID        string
	activityID   string
	processed    time.Time
	errName      string
	errMessage   string
	returnAt     time.Time
	cancelled    bool
}

type createRequest struct {
	SenderBatchHeader *reqHeader      `json:"sender_batch_header"`
	Items             json.RawMessage `json:"items"`
}

type reqHeader struct {
	SenderBatchID string `json:"sender_batch_id,omitempty"`
	RecipientType string `json:"recipient_type,omitempty"`
	EmailSubject  string `json:"email_subject,omitempty"`
	EmailMessage  string `json:"email_message,omitempty"`
	Note          string `json:"note,omitempty"`
}

type reqItem struct {
	RecipientType        string          `json:"recipient_type"`
	Amount               *reqAmount      `json:"amount"`
	Note                 string          `json:"note"`
	Receiver             *string         `json:"receiver"`
	SenderItemID         string          `json:"sender_item_id"`
	RecipientWallet      string          `json:"recipient_wallet"`
	NotificationLanguage string          `json:"notification_language"`
	Purpose              string          `json:"purpose"`
	AlternateNotify      json.RawMessage `json:"alternate_notification_method"`
	ApplicationContext   json.RawMessage `json:"application_context"`
}

type reqAmount struct {
	Currency *string         `json:"currency"`
	Value    json.RawMessage `json:"value"`
}

var (
	emailRE    = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	paypalIDRE = regexp.MustCompile(`^[A-Z0-9]{13}$`)
	phoneRE    = regexp.MustCompile(`^\+?[0-9][0-9 \-]{3,30}$`)
	languageRE = regexp.MustCompile(`^[a-z]{2}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}))?$`)
	purposes   = []string{"AWARDS", "PRIZES", "DONATIONS", "GOODS", "SERVICES", "REBATES", "CASHBACK", "DISCOUNTS", "NON_GOODS_OR_SERVICES"}
	recipients = []string{"EMAIL", "PHONE", "PAYPAL_ID", "USER_HANDLE"}
	wallets    = []string{"PAYPAL", "VENMO", "RECIPIENT_SELECTED"}
)

// testValues are PayPal's create test values in items[0].note
// (https://developer.paypal.com/api/payouts/test-values).
var testValues = map[string]struct {
	status  int
	name    string
	message string
}{
	"ERRPYO001": {403, "SENDER_RESTRICTED", "Sender is restricted from making payouts."},
	"ERRPYO002": {403, "SENDER_EMAIL_UNCONFIRMED", "Sender's email is unconfirmed."},
	"ERRPYO003": {403, "AUTHORIZATION_ERROR", "Authorization error occurred."},
	"ERRPYO005": {422, "INSUFFICIENT_FUNDS", "Sender does not have sufficient funds. Please add funds and retry."},
	"ERRPYO006": {500, "INTERNAL_ERROR", "An internal service error has occurred."},
	"ERRPYO010": {400, "VALIDATION_ERROR", "Invalid request - see details."},
	"ERRPYO011": {403, "REQUIRED_SCOPE_MISSING", "Access token does not have required scope."},
	"ERRPYO012": {403, "SENDER_LOCKED", "Sender's account is locked or inactive."},
	"ERRPYO014": {400, "USER_BUSINESS_ERROR", "User business error."},
	"ERRPYO035": {429, "RATE_LIMIT_VALIDATION", "Too many requests: rate limit validation failed."},
	"ERRPYO036": {504, "REQUEST_TIMEOUT_EXCEEDED", "The request timed out."},
	"ERRPYO038": {400, "NON_HOLDING_CURRENCY", "Sender does not hold the currency of the payout."},
	"ERRPYO039": {409, "PREVIOUS_REQUEST_IN_PROGRESS", "A previous request with the same PayPal-Request-Id is in progress."},
	"ERRPYO040": {403, "CIP_NOT_VERIFIED", "Sender's identity is not verified."},
}

// reqState lets a handler run code after the middleware sent the answer.
type reqState struct{ after []func() }

type reqStateKey struct{}

func stateFrom(ctx context.Context) *reqState {
	st, _ := ctx.Value(reqStateKey{}).(*reqState)
	return st
}

// handleCreate is POST /v1/payments/payouts.
func (s *Sandbox) handleCreate(w http.ResponseWriter, r *http.Request) {
	var raw bytes.Buffer
	raw.ReadFrom(r.Body)
	body := raw.Bytes()

	s.mu.Lock()
	defer s.mu.Unlock()
	acct, ok := s.authenticateLocked(w, r)
	if !ok {
		return
	}

	// PayPal-Request-Id, documented mode only.
	if rid := r.Header.Get("PayPal-Request-Id"); rid != "" && s.cfg.RequestIDMode == RequestIDDocumented {
		key := acct + "\x00" + rid
		now := s.nowLocked()
		if st := s.requestIDs[key]; st != nil && now.Sub(st.storedAt) < DefaultRequestIDWindow {
			if st.pending {
				writeError(w, r, http.StatusConflict, "PREVIOUS_REQUEST_IN_PROGRESS",
					"A previous request with the same PayPal-Request-Id is still in progress.")
				return
			}
			for k, v := range st.header {
				w.Header()[k] = v
			}
			w.WriteHeader(st.status)
			w.Write(st.body)
			return
		}
		st := &storedResponse{pending: true, storedAt: now}
		s.requestIDs[key] = st
		rec := &respBuf{header: http.Header{}}
		out := w
		defer func() {
			st.status, st.body = rec.status, bytes.Clone(rec.body.Bytes())
			st.header = rec.header.Clone()
			for k, v := range rec.header {
				out.Header()[k] = v
			}
			out.WriteHeader(rec.status)
			out.Write(rec.body.Bytes())
			if rs := stateFrom(r.Context()); rs != nil {
				rs.after = append(rs.after, func() { st.pending = false })
			} else {
				st.pending = false
			}
		}()
		w = rec
	}
	s.createLocked(w, r, acct, body)
}

func (s *Sandbox) createLocked(w http.ResponseWriter, r *http.Request, acct string, body []byte) {
	var req createRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		writeError(w, r, http.StatusBadRequest, "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.",
			errDetail{Location: "body", Issue: "MALFORMED_REQUEST_JSON", Description: err.Error()})
		return
	}
	var items []reqItem
	var details []errDetail
	bad := func(field, issue string) {
		details = append(details, errDetail{Field: field, Location: "body", Issue: issue})
	}
	if req.SenderBatchHeader == nil {
		bad("sender_batch_header", "Required field is missing")
		req.SenderBatchHeader = &reqHeader{}
	}
	h := req.SenderBatchHeader
	switch {
	case len(req.Items) == 0 || string(req.Items) == "null":
		bad("items", "Required field is missing")
	default:
		if err := json.Unmarshal(req.Items, &items); err != nil {
			writeError(w, r, http.StatusBadRequest, "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.",
				errDetail{Field: "items", Location: "body", Issue: "MALFORMED_REQUEST_JSON", Description: err.Error()})
			return
		}
		if len(items) == 0 {
			bad("items", "Items array must contain at least 1 item")
		} else if len(items) > maxItems {
			bad("items", "Number of items must be at most 15000")
		}
	}
	checkLen := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			bad(field, fmt.Sprintf("Length must be at most %d", max))
		}
	}
	checkLen("sender_batch_header.sender_batch_id", h.SenderBatchID, 256)
	checkLen("sender_batch_header.recipient_type", h.RecipientType, 13)
	checkLen("sender_batch_header.email_subject", h.EmailSubject, 255)
	checkLen("sender_batch_header.email_message", h.EmailMessage, 1000)
	checkLen("sender_batch_header.note", h.Note, 1000)
	if h.RecipientType != "" && !slices.Contains(recipients, h.RecipientType) {
		bad("sender_batch_header.recipient_type", "Recipient type is invalid")
	}

	type parsed struct {
		recipient, currency string
		minor               int64
	}
	ps := make([]parsed, len(items))
	seen := map[string]int{}
	var dupDetails []errDetail
	for i, it := range items {
		p := fmt.Sprintf("items[%d].", i)
		rt := it.RecipientType
		if rt == "" {
			rt = h.RecipientType
		}
		switch {
		case rt == "":
			bad(p+"recipient_type", "Recipient type is required in the item or in sender_batch_header")
		case !slices.Contains(recipients, rt):
			bad(p+"recipient_type", "Recipient type is invalid")
		}
		ps[i].recipient = rt
		switch {
		case it.Receiver == nil || *it.Receiver == "":
			bad(p+"receiver", "Required field is missing")
		case utf8.RuneCountInString(*it.Receiver) > 127:
			bad(p+"receiver", "Length must be at most 127")
		case rt == "EMAIL" && !emailRE.MatchString(*it.Receiver):
			bad(p+"receiver", "Receiver is invalid or does not match with type")
		case rt == "PAYPAL_ID" && !paypalIDRE.MatchString(*it.Receiver):
			bad(p+"receiver", "Receiver is invalid or does not match with type")
		case rt == "PHONE" && !phoneRE.MatchString(*it.Receiver):
			bad(p+"receiver", "Receiver is invalid or does not match with type")
		}
		if it.Amount == nil {
			bad(p+"amount", "Required field is missing")
		} else {
			cur := ""
			if it.Amount.Currency == nil || *it.Amount.Currency == "" {
				bad(p+"amount.currency", "Required field is missing")
			} else if cur = *it.Amount.Currency; !knownCurrency(cur) {
				bad(p+"amount.currency", "Currency code is invalid or is not currently supported")
				cur = ""
			}
			var v string
			if len(it.Amount.Value) == 0 || string(it.Amount.Value) == "null" {
				bad(p+"amount.value", "Required field is missing")
			} else if err := json.Unmarshal(it.Amount.Value, &v); err != nil {
				bad(p+"amount.value", "Value must be a string")
			} else if cur != "" {
				minor, issue := parseAmount(cur, v)
				switch {
				case issue != "":
					bad(p+"amount.value", issue)
				case minor > s.maxItem[cur]:
					bad(p+"amount.value", fmt.Sprintf("Amount exceeds the maximum of %s %s per item", formatAmount(cur, s.maxItem[cur]), cur))
				default:
					ps[i].currency, ps[i].minor = cur, minor
				}
			}
		}
		if !utf8.ValidString(it.Note) {
			bad(p+"note", "Note must be valid UTF-8")
		} else if isASCII(it.Note) {
			checkLen(p+"note", it.Note, 4000)
		} else {
			checkLen(p+"note", it.Note, 1000)
		}
		checkLen(p+"sender_item_id", it.SenderItemID, 63)
		if it.RecipientWallet != "" && !slices.Contains(wallets, it.RecipientWallet) {
			bad(p+"recipient_wallet", "Recipient wallet is invalid")
		}
		if it.Purpose != "" && !slices.Contains(purposes, it.Purpose) {
			bad(p+"purpose", "Purpose is invalid")
		}
		if it.NotificationLanguage != "" && !languageRE.MatchString(it.NotificationLanguage) {
			bad(p+"notification_language", "Language is invalid")
		}
		if it.SenderItemID != "" {
			if j, ok := seen[it.SenderItemID]; ok {
				dupDetails = append(dupDetails, errDetail{Field: p + "sender_item_id", Location: "body",
					Issue: fmt.Sprintf("Duplicate sender_item_id: same as items[%d].sender_item_id", j)})
			} else {
				seen[it.SenderItemID] = i
			}
		}
	}
	if len(details) > 0 {
		writeError(w, r, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid request - see details.", details...)
		return
	}
	if len(dupDetails) > 0 {
		writeError(w, r, http.StatusBadRequest, "DUPLICATE_ITEM", "Duplicate item in the batch.", dupDetails...)
		return
	}

	if tv, ok := testValues[items[0].Note]; ok {
		writeError(w, r, tv.status, tv.name, tv.message)
		return
	}

	now := s.nowLocked()
	a := s.accountLocked(acct)
	if h.SenderBatchID != "" {
		if prev := a.senderIDs[h.SenderBatchID]; prev != nil && now.Sub(prev.created) < s.cfg.DedupeWindow {
			s.writeDuplicateLocked(w, r, prev)
			return
		}
	}

	need := map[string]int64{}
	fees := make([]int64, len(items))
	for i, p := range ps {
		if _, holds := s.balances[p.currency]; !holds {
			writeError(w, r, http.StatusBadRequest, "NON_HOLDING_CURRENCY", "Sender does not hold the currency of the payout.",
				errDetail{Field: fmt.Sprintf("items[%d].amount.currency", i), Location: "body",
					Issue: "Sender does not have a balance in " + p.currency})
			return
		}
		fees[i] = s.feeLocked(p.currency, p.minor)
		need[p.currency] += p.minor + fees[i]
	}
	funded := true
	for cur, n := range need {
		if s.balances[cur] < n {
			funded = false
		}
	}

	b := &batch{
		id: s.uniqueIDLocked(), account: acct, senderBatchID: h.SenderBatchID,
		header: *h, status: BatchPending, created: now, currency: ps[0].currency,
	}
	b.header.Note = "" // the response header has no note
	for i, it := range items {
		wallet := it.RecipientWallet
		if wallet == "" {
			wallet = "PAYPAL"
		}
		im := &item{
			id: s.uniqueIDLocked(), batch: b, recipient: ps[i].recipient, receiver: *it.Receiver,
			currency: ps[i].currency, amount: ps[i].minor, note: it.Note, senderItemID: it.SenderItemID,
			wallet: wallet, purpose: it.Purpose, status: ItemPending, fee: fees[i],
		}
		b.items = append(b.items, im)
		s.items[im.id] = im
	}
	if !funded {
		if s.cfg.InsufficientFundsConsumesID && h.SenderBatchID != "" {
			b.status, b.completed, b.decided = BatchDenied, now, true
			for _, im := range b.items {
				im.status, im.fee, im.processed = ItemFailed, 0, now
				im.errName, im.errMessage = "INSUFFICIENT_FUNDS", "Sender does not have sufficient funds."
			}
			s.storeBatchLocked(a, b)
		} else {
			for _, im := range b.items {
				delete(s.items, im.id)
			}
		}
		writeError(w, r, http.StatusUnprocessableEntity, "INSUFFICIENT_FUNDS",
			"Sender does not have sufficient funds. Please add funds and retry.")
		return
	}
	for cur, n := range need {
		s.balances[cur] -= n
	}
	s.storeBatchLocked(a, b)
	s.active = append(s.active, b)

	base := s.requestBase(r)
	writeJSON(w, http.StatusCreated, map[string]any{
		"batch_header": map[string]any{
			"payout_batch_id":     b.id,
			"batch_status":        b.status,
			"time_created":        ts(b.created),
			"sender_batch_header": b.header,
		},
		"links": []link{{Href: base + "/v1/payments/payouts/" + b.id, Rel: "self", Method: "GET", EncType: "application/json"}},
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func knownCurrency(c string) bool { _, ok := currencies[c]; return ok }

func (s *Sandbox) accountLocked(id string) *account {
	a := s.accounts[id]
	if a == nil {
		a = &account{senderIDs: map[string]*batch{}}
		s.accounts[id] = a
	}
	return a
}

func (s *Sandbox) storeBatchLocked(a *account, b *batch) {
	s.batches[b.id] = b
	s.batchList = append(s.batchList, b)
	if b.senderBatchID != "" {
		a.senderIDs[b.senderBatchID] = b
	}
}

// feeLocked is the fee for minor units of currency: FeeBasisPoints of the
// amount, rounded half up, capped.
func (s *Sandbox) feeLocked(currency string, minor int64) int64 {
	if s.feeBP == 0 {
		return 0
	}
	fee := (minor*s.feeBP + 5000) / 10000
	if c, ok := s.feeCaps[currency]; ok && c > 0 && fee > c {
		fee = c
	}
	return fee
}

func (s *Sandbox) writeDuplicateLocked(w http.ResponseWriter, r *http.Request, prev *batch) {
	noLink := s.cfg.DuplicateWithoutLink || s.takeFaultLocked(EndpointCreate, FaultDuplicateNoLink) != nil
	d := errDetail{Field: "SENDER_BATCH_ID", Location: "body", Issue: "Batch with given sender_batch_id already exists",
		Link: []link{{Href: s.requestBase(r) + "/v1/payments/payouts/" + prev.id, Rel: "self", Method: "GET", EncType: "application/json"}}}
	if noLink {
		d = errDetail{Field: "SENDER_BATCH_ID", Issue: "Duplicate batch request"}
	}
	writeError(w, r, http.StatusBadRequest, "USER_BUSINESS_ERROR", "User business error.", d)
}

// handleGetBatch is GET /v1/payments/payouts/{id}.
func (s *Sandbox) handleGetBatch(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.authenticateLocked(w, r); !ok {
		return
	}
	b := s.batches[r.PathValue("id")]
	if b == nil {
		s.writeNotFound(w, r, "payout_batch_id")
		return
	}
	q := r.URL.Query()
	var details []errDetail
	intParam := func(name string, def, min, max int) int {
		v := q.Get(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			details = append(details, errDetail{Field: name, Value: v, Location: "query",
				Issue: fmt.Sprintf("Value must be an integer between %d and %d", min, max)})
			return def
		}
		return n
	}
	page := intParam("page", 1, 1, 1000)
	size := intParam("page_size", DefaultPageSize, 1, 1000)
	total := false
	switch v := q.Get("total_required"); v {
	case "", "false":
	case "true":
		total = true
	default:
		details = append(details, errDetail{Field: "total_required", Value: v, Location: "query", Issue: "Value must be true or false"})
	}
	fields := q.Get("fields")
	if fields != "" && fields != "batch_header" && fields != "items" {
		details = append(details, errDetail{Field: "fields", Value: fields, Location: "query", Issue: "Value must be batch_header"})
	}
	if len(details) > 0 {
		writeError(w, r, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid request - see details.", details...)
		return
	}
	writeJSON(w, http.StatusOK, s.batchJSONLocked(b, s.requestBase(r), page, size, total, fields != "batch_header"))
}

func (s *Sandbox) batchHeaderLocked(b *batch) map[string]any {
	var amount, fees int64
	for _, it := range b.items {
		if it.currency == b.currency {
			amount += it.amount
			fees += it.fee
		}
	}
	if b.status == BatchPending {
		fees = 0
	}
	h := map[string]any{
		"payout_batch_id":     b.id,
		"batch_status":        b.status,
		"time_created":        ts(b.created),
		"sender_batch_header": b.header,
		"funding_source":      "BALANCE",
		"amount":              Amount{Currency: b.currency, Value: formatAmount(b.currency, amount)},
		"fees":                Amount{Currency: b.currency, Value: formatAmount(b.currency, fees)},
	}
	if !b.completed.IsZero() {
		h["time_completed"] = ts(b.completed)
		h["time_closed"] = ts(b.completed)
	}
	return h
}

func (s *Sandbox) batchJSONLocked(b *batch, base string, page, size int, total, withItems bool) map[string]any {
	out := map[string]any{"batch_header": s.batchHeaderLocked(b)}
	pages := (len(b.items) + size - 1) / size
	pageURL := func(p int) string {
		return fmt.Sprintf("%s/v1/payments/payouts/%s?page_size=%d&page=%d", base, b.id, size, p)
	}
	links := []link{{Href: pageURL(page), Rel: "self", Method: "GET", EncType: "application/json"}}
	if withItems {
		lo := min((page-1)*size, len(b.items))
		hi := min(lo+size, len(b.items))
		items := make([]map[string]any, 0, hi-lo)
		for _, it := range b.items[lo:hi] {
			items = append(items, s.itemJSONLocked(it, base, false))
		}
		out["items"] = items
		if page > 1 {
			links = append(links, link{Href: pageURL(page - 1), Rel: "previous", Method: "GET", EncType: "application/json"})
		}
		if page < pages {
			links = append(links, link{Href: pageURL(page + 1), Rel: "next", Method: "GET", EncType: "application/json"})
		}
	}
	if total {
		out["total_items"] = len(b.items)
		out["total_pages"] = pages
	}
	out["links"] = links
	return out
}

// itemJSONLocked renders an item: payout_batch_items, or payout_item-2
// (with sender_batch_id and self/batch links) when single is true.
func (s *Sandbox) itemJSONLocked(it *item, base string, single bool) map[string]any {
	m := map[string]any{
		"payout_item_id":     it.id,
		"transaction_status": it.status,
		"payout_batch_id":    it.batch.id,
	}
	if it.txnID != "" {
		m["transaction_id"] = it.txnID
		m["activity_id"] = it.activityID
	}
	if it.batch.status != BatchPending {
		m["payout_item_fee"] = Amount{Currency: it.currency, Value: formatAmount(it.currency, it.fee)}
	}
	pi := map[string]any{
		"recipient_type":   it.recipient,
		"amount":           Amount{Currency: it.currency, Value: formatAmount(it.currency, it.amount)},
		"receiver":         it.receiver,
		"recipient_wallet": it.wallet,
	}
	if it.note != "" {
		pi["note"] = it.note
	}
	if it.senderItemID != "" {
		pi["sender_item_id"] = it.senderItemID
	}
	if it.purpose != "" {
		pi["purpose"] = it.purpose
	}
	m["payout_item"] = pi
	if !it.processed.IsZero() {
		m["time_processed"] = ts(it.processed)
	}
	if it.errName != "" {
		// Observed shape of item errors: no debug_id, empty details.
		m["errors"] = map[string]any{
			"name": it.errName, "message": it.errMessage,
			"information_link": infoLink, "details": []errDetail{}, "links": []link{},
		}
	}
	itemURL := base + "/v1/payments/payouts-item/" + it.id
	if single {
		if it.batch.senderBatchID != "" {
			m["sender_batch_id"] = it.batch.senderBatchID
		}
		m["links"] = []link{
			{Href: itemURL, Rel: "self", Method: "GET", EncType: "application/json"},
			{Href: base + "/v1/payments/payouts/" + it.batch.id, Rel: "batch", Method: "GET", EncType: "application/json"},
		}
	} else {
		m["links"] = []link{{Href: itemURL, Rel: "item", Method: "GET", EncType: "application/json"}}
	}
	return m
}

// handleGetItem is GET /v1/payments/payouts-item/{id}.
func (s *Sandbox) handleGetItem(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.authenticateLocked(w, r); !ok {
		return
	}
	it := s.items[r.PathValue("id")]
	if it == nil || s.batches[it.batch.id] == nil {
		s.writeNotFound(w, r, "payout_item_id")
		return
	}
	writeJSON(w, http.StatusOK, s.itemJSONLocked(it, s.requestBase(r), true))
}

// handleCancel is POST /v1/payments/payouts-item/{id}/cancel.
func (s *Sandbox) handleCancel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.authenticateLocked(w, r); !ok {
		return
	}
	it := s.items[r.PathValue("id")]
	if it == nil || s.batches[it.batch.id] == nil {
		s.writeNotFound(w, r, "payout_item_id")
		return
	}
	if err := s.cancelLocked(it); err != nil {
		if errors.Is(err, ErrAlreadyCancelled) {
			writeError(w, r, http.StatusBadRequest, "ITEM_ALREADY_CANCELLED", "Item has already been cancelled.")
			return
		}
		writeError(w, r, http.StatusBadRequest, "ITEM_INCORRECT_STATUS",
			"Item cannot be cancelled: only an UNCLAIMED item of a processed batch can be cancelled.")
		return
	}
	writeJSON(w, http.StatusOK, s.itemJSONLocked(it, s.requestBase(r), true))
}

// hashBody is the idempotency fingerprint of a request body.
func hashBody(b []byte) [32]byte { return sha256.Sum256(b) }
