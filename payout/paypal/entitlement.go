package paypal

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/plex/bountypay/models"
)

// KindLifetimePlexPass is the only entitlement kind bountypay grants.
const KindLifetimePlexPass = "lifetime_plex_pass"

// EntitlementClient grants Plex Pass entitlements through the account
// service's HTTP endpoint. Grants are idempotent per GrantID: the same
// GrantID is sent as Idempotency-Key on every retry. The zero HTTPClient
// means a client with DefaultTimeout. It is safe for concurrent use.
type EntitlementClient struct {
	// BaseURL of the account service; requests go to
	// BaseURL + "/sandbox/entitlements".
	BaseURL string
	// Secret keys the HMAC-SHA256 request signature; never logged.
	Secret     string
	HTTPClient *http.Client
}

// GrantRequest asks for one entitlement.
type GrantRequest struct {
	// Account is the Plex account to credit; never logged.
	Account string
	// GrantID is the idempotency key, e.g. derived from the award id.
	GrantID string
	// Kind defaults to KindLifetimePlexPass.
	Kind string
}

// GrantResult is a successful grant.
type GrantResult struct {
	GrantID string
	// StatusCode is 201 for a new grant and 200 for a replay of an earlier
	// one, as the service reports it.
	StatusCode int
	// EntitlementID is the service's id for the grant when it returns one.
	EntitlementID string
	// Status is the service's status field when present.
	Status string
}

// LogValue keeps the secret out of logs.
func (e EntitlementClient) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", e.BaseURL))
}

// Grant posts {"account","grant_id","kind"} with headers Idempotency-Key
// (the grant id) and X-Signature (sha256=<hex HMAC-SHA256 of the body>).
// 200 and 201 mean granted. Errors: 409 ⇒ models.ErrConflict (the grant id
// was used with other content); other 4xx and bad input ⇒
// models.ErrInvalid (nothing granted); timeouts, resets, 408, 429, 5xx,
// other 2xx/3xx and unreadable replies ⇒ models.ErrTransient (outcome
// unknown: retry with the same GrantID).
func (e *EntitlementClient) Grant(ctx context.Context, g GrantRequest) (GrantResult, error) {
	op := "grant entitlement " + g.GrantID
	if g.Kind == "" {
		g.Kind = KindLifetimePlexPass
	}
	switch {
	case e.BaseURL == "" || e.Secret == "":
		return GrantResult{}, fmt.Errorf("%s: base url and secret are required: %w", op, models.ErrInvalid)
	case g.Account == "" || g.GrantID == "":
		return GrantResult{}, fmt.Errorf("%s: account and grant id are required: %w", op, models.ErrInvalid)
	case g.Kind != KindLifetimePlexPass:
		return GrantResult{}, fmt.Errorf("%s: unknown kind %q: %w", op, g.Kind, models.ErrInvalid)
	case !printableASCII(g.GrantID):
		return GrantResult{}, fmt.Errorf("%s: grant id must be printable ASCII: %w", op, models.ErrInvalid)
	}
	body, err := json.Marshal(struct {
		Account string `json:"account"`
		GrantID string `json:"grant_id"`
		Kind    string `json:"kind"`
	}{g.Account, g.GrantID, g.Kind})
	if err != nil {
		return GrantResult{}, fmt.Errorf("%s: %v: %w", op, err, models.ErrInvalid)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		strings.TrimRight(e.BaseURL, "/")+"/sandbox/entitlements", bytes.NewReader(body))
	if err != nil {
		return GrantResult{}, fmt.Errorf("%s: %v: %w", op, err, models.ErrInvalid)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Idempotency-Key", g.GrantID)
	req.Header.Set("X-Signature", SignEntitlementBody(e.Secret, body))

	hc := e.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return GrantResult{}, fmt.Errorf("%s: outcome unknown: %w: %w", op, models.ErrTransient, err)
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))

	switch code := resp.StatusCode; {
	case code == http.StatusOK || code == http.StatusCreated:
		res := GrantResult{GrantID: g.GrantID, StatusCode: code}
		if readErr != nil {
			// The grant happened; only the details are lost.
			return res, nil
		}
		var w struct {
			ID            string `json:"id"`
			EntitlementID string `json:"entitlement_id"`
			Status        string `json:"status"`
		}
		if json.Unmarshal(data, &w) == nil {
			res.EntitlementID = cmpOr(w.EntitlementID, w.ID)
			res.Status = w.Status
		}
		return res, nil
	case code == http.StatusConflict:
		return GrantResult{}, fmt.Errorf("%s: HTTP 409%s: %w", op, errorSummary(data), models.ErrConflict)
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return GrantResult{}, fmt.Errorf("%s: HTTP %d%s, outcome unknown: %w", op, code, errorSummary(data), models.ErrTransient)
	case code >= 400:
		return GrantResult{}, fmt.Errorf("%s: HTTP %d%s: %w", op, code, errorSummary(data), models.ErrInvalid)
	default:
		return GrantResult{}, fmt.Errorf("%s: unexpected HTTP %d, outcome unknown: %w", op, code, models.ErrTransient)
	}
}

// SignEntitlementBody returns the X-Signature value for body:
// "sha256=" + hex(HMAC-SHA256(secret, body)).
func SignEntitlementBody(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// errorSummary returns ": <error code>" from a JSON error body, if any. It
// keeps only short machine-readable codes (never echoes the account).
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
