package paypalsandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// EntitlementKindLifetimePass is the only kind of grant the fake
// entitlement service knows.
const EntitlementKindLifetimePass = "lifetime_plex_pass"

// Entitlement is a Plex Pass grant made through POST /sandbox/entitlements.
type Entitlement struct {
	ID             string    `json:"id"`
	Account        string    `json:"account"`
	GrantID        string    `json:"grant_id"`
	Kind           string    `json:"kind"`
	Status         string    `json:"status"` // "granted"
	IdempotencyKey string    `json:"idempotency_key"`
	CreatedAt      time.Time `json:"created_at"`
}

// SignEntitlement returns the X-Signature header value for body under
// secret: "sha256=" and the hex HMAC-SHA256 of the raw body.
func SignEntitlement(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Entitlements returns every grant made, in order. A grant id appearing
// twice means it was granted twice.
func (s *Sandbox) Entitlements() []Entitlement {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Entitlement{}, s.ents...)
}

// handleEntitlement is POST /sandbox/entitlements: a fake entitlement
// service with HMAC-signed requests and Idempotency-Key replay.
func (s *Sandbox) handleEntitlement(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	buf.ReadFrom(r.Body)
	body := buf.Bytes()

	sig := r.Header.Get("X-Signature")
	want := SignEntitlement(s.cfg.EntitlementSecret, body)
	if sig == "" || !hmac.Equal([]byte(sig), []byte(want)) {
		entError(w, http.StatusUnauthorized, "invalid_signature", "X-Signature must be sha256=<hex HMAC-SHA256 of the body>")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		entError(w, http.StatusBadRequest, "missing_idempotency_key", "Idempotency-Key header is required")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	hash := hashBody(body)
	if st := s.entKeys[key]; st != nil {
		if st.hash != hash {
			entError(w, http.StatusConflict, "idempotency_key_reused", "Idempotency-Key was used with a different body")
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		status := st.status
		if status == http.StatusCreated {
			status = http.StatusOK
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(st.body)
		return
	}
	rec := &respBuf{header: http.Header{}}
	s.grantLocked(rec, body, key)
	s.entKeys[key] = &storedResponse{hash: hash, status: rec.status, body: bytes.Clone(rec.body.Bytes()), storedAt: s.nowLocked()}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
}

func (s *Sandbox) grantLocked(w http.ResponseWriter, body []byte, key string) {
	var req struct {
		Account string `json:"account"`
		GrantID string `json:"grant_id"`
		Kind    string `json:"kind"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		entError(w, http.StatusBadRequest, "invalid_request", "body must be JSON: "+err.Error())
		return
	}
	switch {
	case req.Account == "" || req.GrantID == "":
		entError(w, http.StatusBadRequest, "invalid_request", "account and grant_id are required")
		return
	case req.Kind != EntitlementKindLifetimePass:
		entError(w, http.StatusBadRequest, "invalid_request", "kind must be "+EntitlementKindLifetimePass)
		return
	case strings.Contains(strings.ToLower(req.Account), "+fail"):
		entError(w, http.StatusUnprocessableEntity, "account_not_eligible", "the account cannot receive this entitlement")
		return
	}
	e := Entitlement{ID: "ENT-" + randomID(13, idAlphabet), Account: req.Account, GrantID: req.GrantID,
		Kind: req.Kind, Status: "granted", IdempotencyKey: key, CreatedAt: s.nowLocked()}
	s.ents = append(s.ents, e)
	writeJSON(w, http.StatusCreated, e)
}

func entError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"error": code, "message": msg})
}
