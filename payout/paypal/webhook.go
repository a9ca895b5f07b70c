package paypal

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plex/bountypay/models"
)

// Webhook signature headers (PayPal's "Verify webhook signature").
const (
	HeaderAuthAlgo         = "Paypal-Auth-Algo"
	HeaderCertURL          = "Paypal-Cert-Url"
	HeaderTransmissionID   = "Paypal-Transmission-Id"
	HeaderTransmissionSig  = "Paypal-Transmission-Sig"
	HeaderTransmissionTime = "Paypal-Transmission-Time"
)

const (
	maxCertBytes   = 1 << 20
	maxCachedCerts = 64
)

// Event is a verified PayPal webhook event. Events are hints: dedupe them
// by ID, match exact ids, then GET the batch or item for the truth: a
// webhook is a hint, never the record.
type Event struct {
	// ID is the event id ("WH-…"); PayPal redelivers with the same id.
	ID string
	// EventType is e.g. PAYMENT.PAYOUTS-ITEM.SUCCEEDED or
	// PAYMENT.PAYOUTSBATCH.SUCCESS.
	EventType string
	// ResourceType is "payouts_item" or "payouts".
	ResourceType string
	CreateTime   time.Time
	Resource     EventResource
	// TransmissionID identifies this delivery (differs per retry).
	TransmissionID string
	// RawResource is the resource object as received.
	RawResource json.RawMessage
}

// EventResource holds the ids and statuses of an event's resource. For
// item events the item fields are set; for batch events PayoutBatchID,
// SenderBatchID and BatchStatus.
type EventResource struct {
	PayoutItemID      string
	PayoutBatchID     string
	SenderBatchID     string
	SenderItemID      string
	TransactionID     string
	TransactionStatus string
	BatchStatus       string
	ErrorName         string
}

// VerifyWebhook verifies a PayPal webhook delivery offline and decodes its
// event. It checks the signature over the raw body exactly as received
// (sign input transmission_id|transmission_time|webhook_id|crc32(body),
// SHA256withRSA) with the certificate at PAYPAL-CERT-URL, which is fetched
// only from an allowed host (Config.CertHosts), must be currently valid and
// is cached. Errors:
//
//   - ErrWebhookSignature (models.ErrInvalid): missing headers, unsupported
//     algorithm, tampered body, wrong certificate or webhook id; answer the
//     delivery with 4xx or 2xx and do nothing.
//   - ErrWebhookCert (models.ErrInvalid): certificate URL not allowed, or
//     the certificate is expired, not yet valid, not RSA or not PEM.
//   - models.ErrTransient: the certificate could not be fetched (network,
//     5xx); answer 5xx so that PayPal redelivers.
//   - models.ErrInvalid: no WebhookID configured, or the signed body is not
//     an event.
func (c *Client) VerifyWebhook(ctx context.Context, header http.Header, rawBody []byte) (Event, error) {
	if c.webhookID == "" {
		return Event{}, fmt.Errorf("verify webhook: no webhook id configured: %w", models.ErrInvalid)
	}
	tid := headerValue(header, HeaderTransmissionID)
	ttime := headerValue(header, HeaderTransmissionTime)
	sigB64 := headerValue(header, HeaderTransmissionSig)
	certURL := headerValue(header, HeaderCertURL)
	algo := headerValue(header, HeaderAuthAlgo)
	op := "verify webhook " + tid
	if tid == "" || ttime == "" || sigB64 == "" || certURL == "" || algo == "" {
		return Event{}, fmt.Errorf("%s: missing PAYPAL-* signature headers: %w", op, ErrWebhookSignature)
	}
	if !strings.EqualFold(algo, "SHA256withRSA") {
		return Event{}, fmt.Errorf("%s: unsupported auth algo %q: %w", op, algo, ErrWebhookSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sigB64))
	if err != nil {
		return Event{}, fmt.Errorf("%s: signature not base64: %w", op, ErrWebhookSignature)
	}
	cert, err := c.webhookCert(ctx, certURL)
	if err != nil {
		return Event{}, fmt.Errorf("%s: %w", op, err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return Event{}, fmt.Errorf("%s: certificate key is not RSA: %w", op, ErrWebhookCert)
	}
	digest := sha256.Sum256([]byte(signInput(tid, ttime, c.webhookID, rawBody)))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		return Event{}, fmt.Errorf("%s: %w", op, ErrWebhookSignature)
	}

	var w wireEvent
	if err := decodeStrict(rawBody, &w); err != nil {
		return Event{}, fmt.Errorf("%s: signed body is not a JSON event: %v: %w", op, err, models.ErrInvalid)
	}
	if w.ID == "" || w.EventType == "" {
		return Event{}, fmt.Errorf("%s: event without id or event_type: %w", op, models.ErrInvalid)
	}
	ev := Event{
		ID:             w.ID,
		EventType:      w.EventType,
		ResourceType:   w.ResourceType,
		CreateTime:     parseTime(w.CreateTime),
		TransmissionID: tid,
		RawResource:    w.Resource,
	}
	if len(w.Resource) > 0 {
		var r wireEventResource
		if err := json.Unmarshal(w.Resource, &r); err != nil {
			return Event{}, fmt.Errorf("%s: event %s resource: %v: %w", op, w.ID, err, models.ErrInvalid)
		}
		ev.Resource = EventResource{
			PayoutItemID:      r.PayoutItemID,
			PayoutBatchID:     cmpOr(r.PayoutBatchID, r.BatchHeader.PayoutBatchID),
			SenderBatchID:     cmpOr(r.SenderBatchID, r.BatchHeader.SenderBatchHeader.SenderBatchID),
			SenderItemID:      r.PayoutItem.SenderItemID,
			TransactionID:     r.TransactionID,
			TransactionStatus: r.TransactionStatus,
			BatchStatus:       r.BatchHeader.BatchStatus,
		}
		if len(r.Errors) > 0 {
			var e struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(r.Errors, &e) == nil {
				ev.Resource.ErrorName = e.Name
			}
		}
	}
	c.log.DebugContext(ctx, "paypal webhook verified",
		slog.String("event_id", ev.ID), slog.String("event_type", ev.EventType),
		slog.String("transmission_id", tid))
	return ev, nil
}

// headerValue is header.Get, falling back to a case-insensitive scan for
// maps built without canonical keys (proxies, serverless adapters).
func headerValue(h http.Header, key string) string {
	if v := h.Get(key); v != "" {
		return v
	}
	for k, vs := range h {
		if strings.EqualFold(k, key) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// signInput is what PayPal signs: transmission id, time, webhook id and the
// CRC-32 (IEEE) of the raw body as an unsigned decimal, joined by "|".
func signInput(transmissionID, transmissionTime, webhookID string, rawBody []byte) string {
	crc := strconv.FormatUint(uint64(crc32.ChecksumIEEE(rawBody)), 10)
	return transmissionID + "|" + transmissionTime + "|" + webhookID + "|" + crc
}

type wireEvent struct {
	ID           string          `json:"id"`
	EventType    string          `json:"event_type"`
	ResourceType string          `json:"resource_type"`
	CreateTime   string          `json:"create_time"`
	Resource     json.RawMessage `json:"resource"`
}

type wireEventResource struct {
	PayoutItemID      string `json:"payout_item_id"`
	PayoutBatchID     string `json:"payout_batch_id"`
	SenderBatchID     string `json:"sender_batch_id"`
	TransactionID     string `json:"transaction_id"`
	TransactionStatus string `json:"transaction_status"`
	PayoutItem        struct {
		SenderItemID string `json:"sender_item_id"`
	} `json:"payout_item"`
	BatchHeader struct {
		PayoutBatchID     string `json:"payout_batch_id"`
		BatchStatus       string `json:"batch_status"`
		SenderBatchHeader struct {
			SenderBatchID string `json:"sender_batch_id"`
		} `json:"sender_batch_header"`
	} `json:"batch_header"`
	Errors json.RawMessage `json:"errors"`
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// certHosts is the parsed allow-list for certificate URLs.
type certHosts struct {
	https map[string]bool // "host" (port 443) or "host:port"
	http  map[string]bool // "host:port", plain http explicitly allowed
}

func parseCertHosts(entries []string) (certHosts, error) {
	if len(entries) == 0 {
		entries = DefaultCertHosts()
	}
	h := certHosts{https: map[string]bool{}, http: map[string]bool{}}
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		plain := strings.HasPrefix(e, "http://")
		e = strings.TrimPrefix(strings.TrimPrefix(e, "http://"), "https://")
		e = strings.TrimRight(e, "/")
		if e == "" || strings.ContainsAny(e, "/@?# ") {
			return certHosts{}, fmt.Errorf("cert host %q: want host, host:port or http://host:port: %w", e, models.ErrInvalid)
		}
		if plain {
			h.http[e] = true
		} else {
			h.https[strings.TrimSuffix(e, ":443")] = true
		}
	}
	return h, nil
}

// allowed reports whether certificates may be fetched from u.
func (h certHosts) allowed(u *url.URL) bool {
	if u.User != nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	host := strings.ToLower(u.Host)
	switch u.Scheme {
	case "https":
		if hn, port, err := net.SplitHostPort(host); err == nil && port == "443" {
			host = hn
		}
		return h.https[host]
	case "http":
		return h.http[host]
	}
	return false
}

type cachedCert struct {
	cert *x509.Certificate
}

// webhookCert returns the (cached) certificate at rawURL after checking the
// allow-list and its validity dates.
func (c *Client) webhookCert(ctx context.Context, rawURL string) (*x509.Certificate, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !c.certHosts.allowed(u) {
		return nil, fmt.Errorf("certificate URL host not allowed: %w", ErrWebhookCert)
	}
	key := u.String()
	now := c.now()

	c.certMu.Lock()
	cc := c.certCache[key]
	c.certMu.Unlock()
	if cc != nil {
		if err := checkValidity(cc.cert, now); err != nil {
			c.certMu.Lock()
			delete(c.certCache, key)
			c.certMu.Unlock()
			return nil, err
		}
		return cc.cert, nil
	}

	cert, err := c.fetchCert(ctx, key)
	if err != nil {
		return nil, err
	}
	if err := checkValidity(cert, now); err != nil {
		return nil, err
	}
	c.certMu.Lock()
	if len(c.certCache) >= maxCachedCerts {
		clear(c.certCache)
	}
	c.certCache[key] = &cachedCert{cert: cert}
	c.certMu.Unlock()
	return cert, nil
}

func checkValidity(cert *x509.Certificate, now time.Time) error {
	if now.Before(cert.NotBefore) {
		return fmt.Errorf("certificate not valid before %s: %w", cert.NotBefore.UTC().Format(time.RFC3339), ErrWebhookCert)
	}
	if now.After(cert.NotAfter) {
		return fmt.Errorf("certificate expired %s: %w", cert.NotAfter.UTC().Format(time.RFC3339), ErrWebhookCert)
	}
	return nil
}

// fetchCert downloads and parses the first certificate of a PEM chain. It
// sends no credentials.
func (c *Client) fetchCert(ctx context.Context, certURL string) (*x509.Certificate, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, certURL, nil)
	if err != nil {
		return nil, fmt.Errorf("certificate URL: %v: %w", err, ErrWebhookCert)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch certificate: %w: %w", models.ErrTransient, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCertBytes))
	if err != nil {
		return nil, fmt.Errorf("fetch certificate: %w: %w", models.ErrTransient, err)
	}
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("fetch certificate: HTTP %d: %w", resp.StatusCode, models.ErrTransient)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("fetch certificate: HTTP %d: %w", resp.StatusCode, ErrWebhookCert)
	}
	for rest := body; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("no PEM certificate at URL: %w", ErrWebhookCert)
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %v: %w", err, ErrWebhookCert)
		}
		return cert, nil
	}
}
