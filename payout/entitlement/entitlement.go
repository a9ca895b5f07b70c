// Package entitlement grants lifetime Plex Pass entitlements through the
// Plex account service's HTTP endpoint, exactly once per grant id.
//
// A grant is idempotent per GrantID: the id is sent in the body and as the
// Idempotency-Key header on every retry, and the service answers a replay
// with the original grant. The body is signed with HMAC-SHA256 (header
// X-Signature: sha256=<hex>). Outcomes are classified at this boundary:
//
//   - 200/201: granted (201 new, 200 a replay).
//   - timeouts, resets, 408, 429, 5xx, other statuses, unreadable bodies:
//     models.ErrTransient; the outcome is unknown, send the identical
//     request again with the same GrantID.
//   - 409: models.ErrConflict; the grant id was used with other content;
//     a person must look.
//   - other 4xx and bad input: models.ErrInvalid; nothing was granted.
//
// bountypay's payout.Sender writes every grant ahead as an attempt (channel
// "entitlement") with a deterministic grant id, as it does for PayPal.
package entitlement

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/plex/bountypay/models"
)

// KindLifetimePlexPass is the only entitlement kind bountypay grants.
const KindLifetimePlexPass = "lifetime_plex_pass"

// DefaultTimeout bounds one grant call.
const DefaultTimeout = 30 * time.Second

// Config configures a Client.
type Config struct {
	// URL is the grant endpoint, e.g. https://accounts.example/entitlements
	// (the local sandbox: <base>/sandbox/entitlements). Required.
	URL string
	// Secret keys the HMAC-SHA256 request signature; never logged. Required.
	Secret string
	// Timeout bounds each call. Default DefaultTimeout.
	Timeout time.Duration
	// HTTPClient is copied; its Transport is used. Default http.DefaultTransport.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Validate reports a missing or malformed setting (models.ErrInvalid).
func (c Config) Validate() error {
	if c.URL == "" || c.Secret == "" {
		return fmt.Errorf("entitlement config: url and secret are required: %w", models.ErrInvalid)
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("entitlement config: url %q is not an http(s) URL: %w", c.URL, models.ErrInvalid)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("entitlement config: negative timeout: %w", models.ErrInvalid)
	}
	return nil
}

// String keeps the secret out of %v.
func (c Config) String() string { return "entitlement.Config{URL:" + c.URL + " Secret:<redacted>}" }

// LogValue keeps the secret out of logs.
func (c Config) LogValue() slog.Value { return slog.GroupValue(slog.String("url", c.URL)) }

// Client grants entitlements. It is safe for concurrent use.
type Client struct {
	url    string
	secret string
	http   *http.Client
	log    *slog.Logger
}

// New returns a client for cfg. Errors match models.ErrInvalid.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.Timeout = cmp.Or(cfg.Timeout, hc.Timeout, DefaultTimeout)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{url: cfg.URL, secret: cfg.Secret, http: &hc, log: log}, nil
}

// Request asks for one entitlement.
type Request struct {
	// Account is the Plex account to credit; never logged.
	Account string `json:"account"`
	// GrantID is the idempotency key: deterministic per attempt.
	GrantID string `json:"grant_id"`
	// Kind defaults to KindLifetimePlexPass.
	Kind string `json:"kind"`
}

// Result is a successful grant.
type Result struct {
	GrantID string
	// StatusCode is 201 for a new grant and 200 for a replay.
	StatusCode int
	// EntitlementID is the service's id of the grant, when it returns one.
	EntitlementID string
	Status        string
}

// Body returns the exact request body for g (kind defaulted): the same
// bytes on every retry.
func Body(g Request) ([]byte, error) {
	if g.Kind == "" {
		g.Kind = KindLifetimePlexPass
	}
	return json.Marshal(g)
}

// Sign returns the X-Signature value for body: "sha256=" + hex HMAC.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Grant posts the grant. See the package documentation for the errors.
func (c *Client) Grant(ctx context.Context, g Request) (Result, error) {
	op := "grant entitlement " + g.GrantID
	if g.Kind == "" {
		g.Kind = KindLifetimePlexPass
	}
	switch {
	case g.Account == "" || g.GrantID == "":
		return Result{}, fmt.Errorf("%s: account and grant id are required: %w", op, models.ErrInvalid)
	case g.Kind != KindLifetimePlexPass:
		return Result{}, fmt.Errorf("%s: unknown kind %q: %w", op, g.Kind, models.ErrInvalid)
	case !printableASCII(g.GrantID) || len(g.GrantID) > 255:
		return Result{}, fmt.Errorf("%s: grant id must be 1..255 printable ASCII characters: %w", op, models.ErrInvalid)
	}
	body, err := Body(g)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %v: %w", op, err, models.ErrInvalid)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Result{}, fmt.Errorf("%s: %v: %w", op, err, models.ErrInvalid)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Idempotency-Key", g.GrantID)
	req.Header.Set("X-Signature", Sign(c.secret, body))
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("%s: outcome unknown: %w: %w", op, models.ErrTransient, err)
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	c.log.DebugContext(ctx, "entitlement call", slog.String("grant_id", g.GrantID),
		slog.Int("status", resp.StatusCode), slog.Duration("elapsed", time.Since(start)))

	switch code := resp.StatusCode; {
	case code == http.StatusOK || code == http.StatusCreated:
		res := Result{GrantID: g.GrantID, StatusCode: code}
		if readErr != nil {
			return res, nil // granted; only the details are lost
		}
		var w struct {
			ID            string `json:"id"`
			EntitlementID string `json:"entitlement_id"`
			GrantID       string `json:"grant_id"`
			Status        string `json:"status"`
		}
		if json.Unmarshal(data, &w) == nil {
			if w.GrantID != "" && w.GrantID != g.GrantID {
				return Result{}, fmt.Errorf("%s: service answered for grant %s: %w", op, w.GrantID, models.ErrConflict)
			}
			res.EntitlementID = cmp.Or(w.EntitlementID, w.ID)
			res.Status = w.Status
		}
		return res, nil
	case code == http.StatusConflict:
		return Result{}, fmt.Errorf("%s: HTTP 409%s: %w", op, errorSummary(data), models.ErrConflict)
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return Result{}, fmt.Errorf("%s: HTTP %d%s, outcome unknown: %w", op, code, errorSummary(data), models.ErrTransient)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		// Our signature or credentials are refused: nothing granted, but
		// the fix is an operator's; the same grant can be retried.
		return Result{}, fmt.Errorf("%s: HTTP %d%s, nothing granted: %w", op, code, errorSummary(data), ErrRefused)
	case code >= 400:
		return Result{}, fmt.Errorf("%s: HTTP %d%s: %w", op, code, errorSummary(data), models.ErrInvalid)
	default:
		return Result{}, fmt.Errorf("%s: unexpected HTTP %d, outcome unknown: %w", op, code, models.ErrTransient)
	}
}

// ErrRefused: the service refused our credentials (401/403); nothing was
// granted; retry the same grant after an operator fixed the secret.
// Matches models.ErrTransient.
var ErrRefused = fmt.Errorf("entitlement service refused the credentials: %w", models.ErrTransient)

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

// errorSummary returns ": <code>" from a JSON error body: short codes only,
// never the account.
func errorSummary(data []byte) string {
	var w struct {
		Error any    `json:"error"`
		Code  string `json:"code"`
	}
	if json.Unmarshal(data, &w) != nil {
		return ""
	}
	code := w.Code
	if s, ok := w.Error.(string); ok && code == "" {
		code = s
	}
	if m, ok := w.Error.(map[string]any); ok && code == "" {
		code, _ = m["code"].(string)
	}
	if code == "" || len(code) > 64 || !printableASCII(code) {
		return ""
	}
	return ": " + code
}
