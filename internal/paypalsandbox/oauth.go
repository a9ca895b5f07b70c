package paypalsandbox

import (
	"context"
	"net/http"
	"strings"
	"time"
)

const payoutsScope = "https://uri.paypal.com/services/payments/futurepayments https://uri.paypal.com/services/payments/realtimepayment https://uri.paypal.com/services/payments/payment/authcapture openid https://uri.paypal.com/services/payments/refund https://uri.paypal.com/payments/payouts https://api.paypal.com/v1/vault/credit-card/.* https://uri.paypal.com/services/disputes/read-seller https://uri.paypal.com/services/payments/initiatepayment"

type token struct {
	value    string
	clientID string
	expires  time.Time
	revoked  bool
}

type debugIDKey struct{}

func withDebugID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, debugIDKey{}, id)
}

func debugIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(debugIDKey{}).(string)
	if id == "" {
		id = newDebugID()
	}
	return id
}

// handleToken is POST /v1/oauth2/token.
func (s *Sandbox) handleToken(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id == "" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client Authentication failed")
		return
	}
	if s.cfg.ClientID != "" || s.cfg.Secret != "" {
		if id != s.cfg.ClientID || secret != s.cfg.Secret {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client Authentication failed")
			return
		}
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") == "" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Grant Type is NULL")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Grant Type is not supported: "+gt)
		return
	}

	s.mu.Lock()
	now := s.nowLocked()
	// PayPal returns the same token while it is valid.
	var tok *token
	for _, t := range s.tokens {
		if t.clientID == id && !t.revoked && t.expires.After(now) && (tok == nil || t.expires.After(tok.expires)) {
			tok = t
		}
	}
	if tok == nil {
		tok = &token{value: "A21AA" + randomID(92, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
			clientID: id, expires: now.Add(s.cfg.TokenTTL)}
		s.tokens[tok.value] = tok
	}
	expiresIn := int64(tok.expires.Sub(now) / time.Second)
	s.mu.Unlock()

	writeJSON(w, http.StatusOK, map[string]any{
		"scope":        payoutsScope,
		"access_token": tok.value,
		"token_type":   "Bearer",
		"app_id":       "APP-80W284485P519543T",
		"expires_in":   expiresIn,
		"nonce":        ts(now) + randomID(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
	})
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authenticate checks the bearer token and returns the caller's client id.
// On failure it has written the 401.
func (s *Sandbox) authenticateLocked(w http.ResponseWriter, r *http.Request) (clientID string, ok bool) {
	if r.Header.Get("Authorization") == "" {
		writeJSON(w, http.StatusUnauthorized, apiError{
			Name:    "AUTHENTICATION_FAILURE",
			Message: "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
			DebugID: debugIDFrom(r.Context()),
			Links:   []link{{Href: "https://developer.paypal.com/docs/api/overview/#error", Rel: "information_link"}},
		})
		return "", false
	}
	t := s.tokens[bearer(r)]
	if t == nil || t.revoked || !t.expires.After(s.nowLocked()) {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_token", "Access Token not found in cache")
		return "", false
	}
	return t.clientID, true
}

// RevokeTokens revokes every access token, as if all expired: the next
// call with one answers 401 invalid_token, and the token endpoint issues a
// new one.
func (s *Sandbox) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.revoked = true
	}
}

// RevokeToken revokes one access token. It reports whether the token was
// known.
func (s *Sandbox) RevokeToken(accessToken string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[accessToken]
	if t == nil {
		return false
	}
	t.revoked = true
	return true
}
