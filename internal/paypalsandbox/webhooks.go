package paypalsandbox

import (
	"bytes"
	"container/heap"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"hash/crc32"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AuthAlgo is the PAYPAL-AUTH-ALGO of every webhook the sandbox sends.
const AuthAlgo = "SHA256withRSA"

// Webhook is a registered webhook listener.
type Webhook struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// Event is a webhook event the sandbox emitted. Body is the exact JSON
// every delivery of it carries.
type Event struct {
	ID            string          `json:"id"`
	EventType     string          `json:"event_type"`
	ResourceType  string          `json:"resource_type"` // "payouts" or "payouts_item"
	CreateTime    time.Time       `json:"create_time"`   // sandbox clock, the transition's time
	PayoutBatchID string          `json:"payout_batch_id"`
	PayoutItemID  string          `json:"payout_item_id,omitempty"`
	Body          json.RawMessage `json:"body"`
}

// Delivery is one attempt to deliver an event to a listener.
type Delivery struct {
	EventID        string    `json:"event_id"`
	EventType      string    `json:"event_type"`
	WebhookID      string    `json:"webhook_id"`
	URL            string    `json:"url"`
	TransmissionID string    `json:"transmission_id"`
	Attempt        int       `json:"attempt"` // 1 for the first try
	Kind           string    `json:"kind"`    // "event", "duplicate", "stale" or "redeliver"
	Status         int       `json:"status"`  // 0 when the request failed
	Error          string    `json:"error,omitempty"`
	Time           time.Time `json:"time"` // real time
}

type delivery struct {
	ev      *Event
	hook    Webhook
	attempt int
	kind    string
	due     time.Time
	seq     int64
}

// processKey is the signing key of sandboxes without Config.SigningKey,
// generated once per process: tests start many sandboxes, and each still
// gets its own certificate and cert id.
var processKey = sync.OnceValue(func() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("paypalsandbox: generate RSA key: " + err.Error())
	}
	return key
})

func (s *Sandbox) initSigning(key *rsa.PrivateKey) {
	if key == nil {
		key = processKey()
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{CommonName: "messageverificationcerts.sandbox.paypal.com",
			Organization: []string{"bountypay paypal-sandbox (not PayPal)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic("paypalsandbox: create certificate: " + err.Error())
	}
	s.key = key
	s.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	s.certID = "CERT-360caa42-fca2a594-" + randomID(8, "0123456789abcdef")
}

// CertPEM returns the PEM certificate whose key signs webhooks; it is also
// served at CertURL.
func (s *Sandbox) CertPEM() []byte { return bytes.Clone(s.certPEM) }

// CertURL returns the PAYPAL-CERT-URL of the sandbox's webhooks:
// <base>/v1/notifications/certs/CERT-….
func (s *Sandbox) CertURL() string { return s.BaseURL() + "/v1/notifications/certs/" + s.certID }

// WebhookID returns Config.WebhookID (default DefaultWebhookID), the id the
// Config.WebhookURL listener (or the first AddWebhook) is signed for.
func (s *Sandbox) WebhookID() string { return s.cfg.WebhookID }

// AddWebhook registers a listener URL and returns it with its webhook id:
// Config.WebhookID if no listener has it yet, otherwise a new id. Every
// event from now on is delivered to it.
func (s *Sandbox) AddWebhook(url string) Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.cfg.WebhookID
	for _, h := range s.webhooks {
		if h.ID == id {
			id = randomID(17, idAlphabet)
			break
		}
	}
	h := Webhook{ID: id, URL: url}
	s.webhooks = append(s.webhooks, h)
	return h
}

// RemoveWebhook unregisters a listener by webhook id. It reports whether
// one was removed.
func (s *Sandbox) RemoveWebhook(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, h := range s.webhooks {
		if h.ID == id {
			s.webhooks = append(s.webhooks[:i:i], s.webhooks[i+1:]...)
			return true
		}
	}
	return false
}

// Webhooks returns the registered listeners.
func (s *Sandbox) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Webhook(nil), s.webhooks...)
}

// WebhookOptions are the delivery knobs of Config that can change at run
// time (see Config for their meaning).
type WebhookOptions struct {
	Duplicates          bool `json:"duplicates"`
	Reorder             bool `json:"reorder"`
	ReorderWindowMillis int  `json:"reorder_window_ms,omitempty"`
	StaleAfterMillis    int  `json:"stale_after_ms,omitempty"`
}

// SetWebhookOptions changes the delivery knobs for events emitted from now
// on. A zero ReorderWindowMillis keeps the current window.
func (s *Sandbox) SetWebhookOptions(o WebhookOptions) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.WebhookDuplicates = o.Duplicates
	s.cfg.WebhookReorder = o.Reorder
	if o.ReorderWindowMillis > 0 {
		s.cfg.WebhookReorderWindow = time.Duration(o.ReorderWindowMillis) * time.Millisecond
	}
	s.cfg.WebhookStaleAfter = time.Duration(max(o.StaleAfterMillis, 0)) * time.Millisecond
	s.wakeLocked()
}

// WebhookOptionsNow returns the current delivery knobs.
func (s *Sandbox) WebhookOptionsNow() WebhookOptions {
	s.mu.Lock()
	defer s.mu.Unlock()
	return WebhookOptions{Duplicates: s.cfg.WebhookDuplicates, Reorder: s.cfg.WebhookReorder,
		ReorderWindowMillis: int(s.cfg.WebhookReorderWindow / time.Millisecond),
		StaleAfterMillis:    int(s.cfg.WebhookStaleAfter / time.Millisecond)}
}

// Events returns every event emitted, in order.
func (s *Sandbox) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked()
	out := make([]Event, len(s.events))
	for i, e := range s.events {
		out[i] = *e
	}
	return out
}

// Deliveries returns every delivery attempt made so far.
func (s *Sandbox) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Redeliver sends an emitted event again to every listener, as a late or
// duplicate delivery. Errors: ErrNotFound.
func (s *Sandbox) Redeliver(eventID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev := s.eventByID[eventID]
	if ev == nil {
		return fmt.Errorf("event %s: %w", eventID, ErrNotFound)
	}
	for _, h := range s.webhooks {
		s.enqueueLocked(&delivery{ev: ev, hook: h, kind: "redeliver", due: time.Now()})
	}
	return nil
}

// WaitIdle waits until no webhook delivery is queued or in flight (late
// stale copies from Config.WebhookStaleAfter excepted) or ctx is done.
func (s *Sandbox) WaitIdle(ctx context.Context) error {
	for {
		s.mu.Lock()
		s.advanceLocked()
		busy := s.inFlight > 0
		for _, d := range s.queue {
			if d.kind != "stale" {
				busy = true
			}
		}
		s.mu.Unlock()
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

var eventSummaries = map[string]string{
	"PAYMENT.PAYOUTSBATCH.PROCESSING": "Payouts batch is being processed.",
	"PAYMENT.PAYOUTSBATCH.SUCCESS":    "Payouts batch completed successfully.",
	"PAYMENT.PAYOUTSBATCH.DENIED":     "Payouts batch got denied.",
	"PAYMENT.PAYOUTS-ITEM.SUCCEEDED":  "Payouts item succeeded.",
	"PAYMENT.PAYOUTS-ITEM.UNCLAIMED":  "A payout item is unclaimed.",
	"PAYMENT.PAYOUTS-ITEM.FAILED":     "Payouts item failed.",
	"PAYMENT.PAYOUTS-ITEM.HELD":       "Payouts item is held.",
	"PAYMENT.PAYOUTS-ITEM.BLOCKED":    "Payouts item was blocked.",
	"PAYMENT.PAYOUTS-ITEM.RETURNED":   "Payouts item was returned.",
	"PAYMENT.PAYOUTS-ITEM.CANCELED":   "Payouts item was canceled.",
	"PAYMENT.PAYOUTS-ITEM.REFUNDED":   "Payouts item was refunded.",
	"PAYMENT.PAYOUTS-ITEM.DENIED":     "Payouts item was denied.",
}

func (s *Sandbox) emitBatchLocked(b *batch, eventType string, at time.Time) {
	base := s.baseLocked()
	res := map[string]any{
		"batch_header": s.batchHeaderLocked(b),
		"links": []link{{Href: base + "/v1/payments/payouts/" + b.id, Rel: "self", Method: "GET",
			EncType: "application/json"}},
	}
	s.emitLocked(eventType, "payouts", res, b.id, "", at)
}

func (s *Sandbox) emitItemLocked(it *item, eventType string, at time.Time) {
	res := s.itemJSONLocked(it, s.baseLocked(), true)
	s.emitLocked(eventType, "payouts_item", res, it.batch.id, it.id, at)
}

func (s *Sandbox) emitLocked(eventType, resourceType string, resource any, batchID, itemID string, at time.Time) {
	base := s.baseLocked()
	id := "WH-" + randomID(17, idAlphabet) + "-" + randomID(17, idAlphabet)
	env := map[string]any{
		"id":            id,
		"event_version": "1.0",
		"create_time":   ts(at),
		"resource_type": resourceType,
		"event_type":    eventType,
		"summary":       eventSummaries[eventType],
		"resource":      resource,
		"links": []link{
			{Href: base + "/v1/notifications/webhooks-events/" + id, Rel: "self", Method: "GET", EncType: "application/json"},
			{Href: base + "/v1/notifications/webhooks-events/" + id + "/resend", Rel: "resend", Method: "POST", EncType: "application/json"},
		},
	}
	body, err := json.Marshal(env)
	if err != nil {
		panic(err) // only our own types are encoded
	}
	ev := &Event{ID: id, EventType: eventType, ResourceType: resourceType, CreateTime: at,
		PayoutBatchID: batchID, PayoutItemID: itemID, Body: body}
	s.events = append(s.events, ev)
	s.eventByID[id] = ev
	now := time.Now()
	due := now
	if s.cfg.WebhookReorder {
		s.lastEmit = now
	}
	for _, h := range s.webhooks {
		s.enqueueLocked(&delivery{ev: ev, hook: h, kind: "event", due: due})
		if s.cfg.WebhookDuplicates {
			s.enqueueLocked(&delivery{ev: ev, hook: h, kind: "duplicate", due: due})
		}
		if s.cfg.WebhookStaleAfter > 0 {
			s.enqueueLocked(&delivery{ev: ev, hook: h, kind: "stale", due: now.Add(s.cfg.WebhookStaleAfter)})
		}
	}
}

func (s *Sandbox) enqueueLocked(d *delivery) {
	s.seq++
	d.seq = s.seq
	heap.Push(&s.queue, d)
	s.wakeLocked()
}

func (s *Sandbox) wakeLocked() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// nextDeliveryLocked removes and returns the delivery to send now, or
// returns how long to wait for the next one (0: nothing queued).
func (s *Sandbox) nextDeliveryLocked(now time.Time) (*delivery, time.Duration) {
	if !s.cfg.WebhookReorder {
		if len(s.queue) == 0 {
			return nil, 0
		}
		if d := s.queue[0]; d.due.After(now) {
			return nil, d.due.Sub(now)
		}
		return heap.Pop(&s.queue).(*delivery), 0
	}
	best := -1
	var wait time.Duration
	// In reorder mode first deliveries wait until no event was emitted for
	// the reorder window, then go out newest first.
	held := s.cfg.WebhookReorder && now.Sub(s.lastEmit) < s.cfg.WebhookReorderWindow
	for i, d := range s.queue {
		if held && d.attempt == 0 && (d.kind == "event" || d.kind == "duplicate") {
			if w := s.cfg.WebhookReorderWindow - now.Sub(s.lastEmit); wait == 0 || w < wait {
				wait = max(w, time.Millisecond)
			}
			continue
		}
		if d.due.After(now) {
			if w := d.due.Sub(now); wait == 0 || w < wait {
				wait = w
			}
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b := s.queue[best]
		if s.cfg.WebhookReorder && d.attempt == 0 && b.attempt == 0 {
			if d.seq > b.seq {
				best = i
			}
		} else if d.due.Before(b.due) || (d.due.Equal(b.due) && d.seq < b.seq) {
			best = i
		}
	}
	if best < 0 {
		return nil, wait
	}
	return heap.Remove(&s.queue, best).(*delivery), 0
}

// deliveryQueue is a min-heap of deliveries by due time, then sequence.
type deliveryQueue []*delivery

func (q deliveryQueue) Len() int { return len(q) }
func (q deliveryQueue) Less(i, j int) bool {
	if !q[i].due.Equal(q[j].due) {
		return q[i].due.Before(q[j].due)
	}
	return q[i].seq < q[j].seq
}
func (q deliveryQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *deliveryQueue) Push(x any)   { *q = append(*q, x.(*delivery)) }
func (q *deliveryQueue) Pop() any {
	old := *q
	d := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return d
}

func (s *Sandbox) deliveryLoop() {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.stop
		cancel()
	}()
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		d, wait := s.nextDeliveryLocked(time.Now())
		if d == nil {
			s.mu.Unlock()
			var timer *time.Timer
			var fire <-chan time.Time
			if wait > 0 {
				timer = time.NewTimer(wait)
				fire = timer.C
			}
			select {
			case <-s.stop:
			case <-s.wake:
			case <-fire:
			}
			if timer != nil {
				timer.Stop()
			}
			continue
		}
		s.inFlight++
		d.attempt++
		tid := newTransmissionID()
		ttime := ts(s.nowLocked())
		certURL := s.baseLocked() + "/v1/notifications/certs/" + s.certID
		s.mu.Unlock()

		status, err := s.send(ctx, d, tid, ttime, certURL)

		s.mu.Lock()
		s.inFlight--
		rec := Delivery{EventID: d.ev.ID, EventType: d.ev.EventType, WebhookID: d.hook.ID, URL: d.hook.URL,
			TransmissionID: tid, Attempt: d.attempt, Kind: d.kind, Status: status, Time: time.Now()}
		if err != nil {
			rec.Error = err.Error()
		}
		s.deliveries = append(s.deliveries, rec)
		if (err != nil || status < 200 || status > 299) && d.attempt <= s.cfg.WebhookRetries && !s.closed {
			backoff := s.cfg.WebhookRetryBase << min(d.attempt-1, 30)
			if backoff > s.cfg.WebhookRetryMax || backoff <= 0 {
				backoff = s.cfg.WebhookRetryMax
			}
			d.due = time.Now().Add(backoff)
			s.enqueueLocked(d)
		}
		s.mu.Unlock()
	}
}

func newTransmissionID() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// SignatureInput is the string PayPal signs for a webhook:
// transmission_id|transmission_time|webhook_id|crc32(body), the CRC-32
// (IEEE) of the raw body as an unsigned decimal.
func SignatureInput(transmissionID, transmissionTime, webhookID string, body []byte) string {
	return transmissionID + "|" + transmissionTime + "|" + webhookID + "|" +
		strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
}

func (s *Sandbox) sign(input string) string {
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
	if err != nil {
		panic("paypalsandbox: sign: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func (s *Sandbox) send(ctx context.Context, d *delivery, tid, ttime, certURL string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.hook.URL, bytes.NewReader(d.ev.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "PayPal/AUHD-214.0-58190789 (bountypay paypal-sandbox)")
	req.Header.Set("PAYPAL-AUTH-ALGO", AuthAlgo)
	req.Header.Set("PAYPAL-AUTH-VERSION", "v2")
	req.Header.Set("PAYPAL-CERT-URL", certURL)
	req.Header.Set("PAYPAL-TRANSMISSION-ID", tid)
	req.Header.Set("PAYPAL-TRANSMISSION-TIME", ttime)
	req.Header.Set("PAYPAL-TRANSMISSION-SIG", s.sign(SignatureInput(tid, ttime, d.hook.ID, d.ev.Body)))
	resp, err := s.webhookCli.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// handleCert is GET /v1/notifications/certs/{id}.
func (s *Sandbox) handleCert(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != s.certID {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Write(s.certPEM)
}

// handleVerifyWebhook is POST /v1/notifications/verify-webhook-signature.
func (s *Sandbox) handleVerifyWebhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	_, ok := s.authenticateLocked(w, r)
	hooks := append([]Webhook(nil), s.webhooks...)
	s.mu.Unlock()
	if !ok {
		return
	}
	var req struct {
		AuthAlgo         string          `json:"auth_algo"`
		CertURL          string          `json:"cert_url"`
		TransmissionID   string          `json:"transmission_id"`
		TransmissionSig  string          `json:"transmission_sig"`
		TransmissionTime string          `json:"transmission_time"`
		WebhookID        string          `json:"webhook_id"`
		WebhookEvent     json.RawMessage `json:"webhook_event"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, r, http.StatusBadRequest, "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.",
			errDetail{Location: "body", Issue: "MALFORMED_REQUEST_JSON", Description: err.Error()})
		return
	}
	var details []errDetail
	for _, f := range []struct{ name, v string }{
		{"auth_algo", req.AuthAlgo}, {"cert_url", req.CertURL}, {"transmission_id", req.TransmissionID},
		{"transmission_sig", req.TransmissionSig}, {"transmission_time", req.TransmissionTime},
		{"webhook_id", req.WebhookID}, {"webhook_event", string(req.WebhookEvent)},
	} {
		if f.v == "" || f.v == "null" {
			details = append(details, errDetail{Field: f.name, Location: "body", Issue: "MISSING_REQUIRED_PARAMETER",
				Description: "A required field / parameter is missing."})
		}
	}
	if len(details) > 0 {
		writeError(w, r, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid data provided", details...)
		return
	}
	status := "FAILURE"
	known := false
	for _, h := range hooks {
		known = known || h.ID == req.WebhookID
	}
	if known && req.AuthAlgo == AuthAlgo && strings.HasSuffix(req.CertURL, "/v1/notifications/certs/"+s.certID) &&
		verifySig(&s.key.PublicKey, SignatureInput(req.TransmissionID, req.TransmissionTime, req.WebhookID, req.WebhookEvent), req.TransmissionSig) {
		status = "SUCCESS"
	}
	writeJSON(w, http.StatusOK, map[string]string{"verification_status": status})
}

func verifySig(pub *rsa.PublicKey, input, sigB64 string) bool {
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(input))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil
}

// VerifyWebhook checks a received webhook offline, as a listener does with
// PayPal's certificate: the headers' signature over
// SignatureInput(transmission id, time, webhookID, body) against the
// sandbox's key. It reports whether the signature is valid.
func (s *Sandbox) VerifyWebhook(header http.Header, body []byte, webhookID string) bool {
	if header.Get("PAYPAL-AUTH-ALGO") != AuthAlgo {
		return false
	}
	return verifySig(&s.key.PublicKey, SignatureInput(header.Get("PAYPAL-TRANSMISSION-ID"),
		header.Get("PAYPAL-TRANSMISSION-TIME"), webhookID, body), header.Get("PAYPAL-TRANSMISSION-SIG"))
}
