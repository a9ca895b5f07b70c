package paypalsandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"time"
)

// sandboxRoutes registers the sandbox's own endpoints under /sandbox/.
// They need no authentication.
func (s *Sandbox) sandboxRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /sandbox", s.handleInfo)
	m.HandleFunc("GET /sandbox/items", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Items())
	})
	m.HandleFunc("GET /sandbox/batches", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Batches())
	})
	m.HandleFunc("POST /sandbox/items/{id}/{action}", s.handleItemAction)
	m.HandleFunc("POST /sandbox/advance", s.handleAdvance)
	m.HandleFunc("GET /sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Faults())
	})
	m.HandleFunc("POST /sandbox/faults", s.handleFaults)
	m.HandleFunc("DELETE /sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /sandbox/receivers", s.handleReceiver)
	m.HandleFunc("GET /sandbox/requests", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Requests())
	})
	m.HandleFunc("GET /sandbox/events", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Events())
	})
	m.HandleFunc("GET /sandbox/deliveries", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Deliveries())
	})
	m.HandleFunc("GET /sandbox/webhooks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Webhooks())
	})
	m.HandleFunc("POST /sandbox/webhooks", s.handleAddWebhook)
	m.HandleFunc("DELETE /sandbox/webhooks/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !s.RemoveWebhook(r.PathValue("id")) {
			sandboxError(w, http.StatusNotFound, "webhook not found")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /sandbox/webhooks/redeliver", s.handleRedeliver)
	m.HandleFunc("GET /sandbox/webhooks/options", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.WebhookOptionsNow())
	})
	m.HandleFunc("POST /sandbox/webhooks/options", func(w http.ResponseWriter, r *http.Request) {
		var o WebhookOptions
		if err := decodeStrict(r, &o); err != nil {
			sandboxError(w, http.StatusBadRequest, "body must be {\"duplicates\":bool,\"reorder\":bool,\"reorder_window_ms\":N,\"stale_after_ms\":N}")
			return
		}
		s.SetWebhookOptions(o)
		writeJSON(w, http.StatusOK, s.WebhookOptionsNow())
	})
	m.HandleFunc("POST /sandbox/tokens/revoke", func(w http.ResponseWriter, r *http.Request) {
		s.RevokeTokens()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /sandbox/balances", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Balances())
	})
	m.HandleFunc("POST /sandbox/balances", s.handleSetBalance)
	m.HandleFunc("GET /sandbox/entitlements", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Entitlements())
	})
}

func sandboxError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// decodeStrict decodes a small JSON control body.
func decodeStrict(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func (s *Sandbox) handleInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"base_url":   s.BaseURL(),
		"cert_url":   s.CertURL(),
		"webhook_id": s.WebhookID(),
		"webhooks":   s.Webhooks(),
		"now":        ts(s.Now()),
	})
}

func (s *Sandbox) handleAdvance(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Seconds float64 `json:"seconds"`
	}
	if err := decodeStrict(r, &req); err != nil {
		sandboxError(w, http.StatusBadRequest, "body must be {\"seconds\": N}: "+err.Error())
		return
	}
	if req.Seconds < 0 || req.Seconds > 10*365*86400 || math.IsNaN(req.Seconds) {
		sandboxError(w, http.StatusBadRequest, "seconds must be between 0 and 10 years")
		return
	}
	s.Advance(time.Duration(req.Seconds * float64(time.Second)))
	writeJSON(w, http.StatusOK, map[string]string{"now": s.Now().Format(time.RFC3339Nano)})
}

func (s *Sandbox) handleFaults(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, 1<<20)); err != nil {
		sandboxError(w, http.StatusBadRequest, err.Error())
		return
	}
	var faults []Fault
	body := bytes.TrimSpace(buf.Bytes())
	if len(body) > 0 && body[0] == '[' {
		if err := json.Unmarshal(body, &faults); err != nil {
			sandboxError(w, http.StatusBadRequest, "body must be a fault or an array of faults: "+err.Error())
			return
		}
	} else {
		var f Fault
		if err := json.Unmarshal(body, &f); err != nil {
			sandboxError(w, http.StatusBadRequest, "body must be a fault or an array of faults: "+err.Error())
			return
		}
		faults = []Fault{f}
	}
	if err := s.InjectFault(faults...); err != nil {
		sandboxError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, s.Faults())
}

func (s *Sandbox) handleReceiver(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Receiver  string    `json:"receiver"`
		Behaviour Behaviour `json:"behaviour"`
	}
	if err := decodeStrict(r, &req); err != nil || req.Receiver == "" {
		sandboxError(w, http.StatusBadRequest, "body must be {\"receiver\": \"...\", \"behaviour\": \"...\"}")
		return
	}
	if err := s.SetReceiver(req.Receiver, req.Behaviour); err != nil {
		sandboxError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, req)
}

func (s *Sandbox) handleItemAction(w http.ResponseWriter, r *http.Request) {
	actions := map[string]func(string) error{
		"claim": s.Claim, "release": s.ReleaseHold, "fail": s.FailHold, "return": s.Return,
		"refund": s.Refund, "reverse": s.Reverse, "cancel": s.Cancel,
	}
	act := actions[r.PathValue("action")]
	if act == nil {
		sandboxError(w, http.StatusNotFound, "unknown action: want claim, release, fail, return, refund, reverse or cancel")
		return
	}
	id := r.PathValue("id")
	if err := act(id); err != nil {
		status := http.StatusConflict
		if errors.Is(err, ErrNotFound) {
			status = http.StatusNotFound
		}
		sandboxError(w, status, err.Error())
		return
	}
	for _, it := range s.Items() {
		if it.PayoutItemID == id {
			writeJSON(w, http.StatusOK, it)
			return
		}
	}
}

func (s *Sandbox) handleAddWebhook(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL string `json:"url"`
	}
	if err := decodeStrict(r, &req); err != nil || req.URL == "" {
		sandboxError(w, http.StatusBadRequest, "body must be {\"url\": \"...\"}")
		return
	}
	writeJSON(w, http.StatusCreated, s.AddWebhook(req.URL))
}

func (s *Sandbox) handleRedeliver(w http.ResponseWriter, r *http.Request) {
	var req struct {
		EventID string `json:"event_id"`
	}
	if err := decodeStrict(r, &req); err != nil {
		sandboxError(w, http.StatusBadRequest, "body must be {\"event_id\": \"...\"}")
		return
	}
	if err := s.Redeliver(req.EventID); err != nil {
		sandboxError(w, http.StatusNotFound, err.Error())
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Sandbox) handleSetBalance(w http.ResponseWriter, r *http.Request) {
	var req Amount
	if err := decodeStrict(r, &req); err != nil {
		sandboxError(w, http.StatusBadRequest, "body must be {\"currency\": \"USD\", \"value\": \"100.00\"}")
		return
	}
	if err := s.SetBalance(req.Currency, req.Value); err != nil {
		sandboxError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.Balances())
}
