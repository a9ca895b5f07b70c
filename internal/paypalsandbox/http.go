package paypalsandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

const (
	infoLink     = "https://developer.paypal.com/docs/api/payments.payouts-batch/#errors"
	maxBodyBytes = 64 << 20
)

// LoggedRequest is one request to a PayPal endpoint or to
// POST /sandbox/entitlements, as the sandbox received it.
type LoggedRequest struct {
	Time      time.Time   `json:"time"` // sandbox clock
	Endpoint  Endpoint    `json:"endpoint"`
	Method    string      `json:"method"`
	Path      string      `json:"path"`
	Query     string      `json:"query,omitempty"`
	RequestID string      `json:"paypal_request_id,omitempty"` // PayPal-Request-Id
	Header    http.Header `json:"header"`
	Body      []byte      `json:"-"`
	Status    int         `json:"status"` // 0 if the connection was reset or the client left
	Fault     FaultKind   `json:"fault,omitempty"`
}

// MarshalJSON renders Body as a string.
func (l LoggedRequest) MarshalJSON() ([]byte, error) {
	type plain LoggedRequest
	return json.Marshal(struct {
		plain
		Body string `json:"body"`
	}{plain(l), string(l.Body)})
}

// Requests returns the request log: every call to a PayPal endpoint and to
// POST /sandbox/entitlements, in arrival order.
func (s *Sandbox) Requests() []LoggedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]LoggedRequest, len(s.reqLog))
	copy(out, s.reqLog)
	return out
}

func (s *Sandbox) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("POST /v1/oauth2/token", s.api(EndpointToken, s.handleToken))
	m.Handle("POST /v1/payments/payouts", s.api(EndpointCreate, s.handleCreate))
	m.Handle("GET /v1/payments/payouts/{id}", s.api(EndpointGetBatch, s.handleGetBatch))
	m.Handle("GET /v1/payments/payouts-item/{id}", s.api(EndpointGetItem, s.handleGetItem))
	m.Handle("POST /v1/payments/payouts-item/{id}/cancel", s.api(EndpointCancel, s.handleCancel))
	m.Handle("POST /v1/notifications/verify-webhook-signature", s.api(EndpointVerifyWebhook, s.handleVerifyWebhook))
	m.HandleFunc("GET /v1/notifications/certs/{id}", s.handleCert)
	m.Handle("POST /sandbox/entitlements", s.api(EndpointEntitlement, s.handleEntitlement))
	s.sandboxRoutes(m)
	return m
}

// respBuf buffers a handler's answer so faults can replace or break it.
type respBuf struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *respBuf) Header() http.Header { return b.header }
func (b *respBuf) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *respBuf) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// api wraps a PayPal endpoint: it logs the request, applies faults and
// sends the buffered answer.
func (s *Sandbox) api(ep Endpoint, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))

		s.mu.Lock()
		if s.cfg.BaseURL == "" && r.Host != "" {
			s.seenBase = "http://" + r.Host
		}
		s.advanceLocked()
		if len(s.reqLog) >= s.cfg.RequestLogLimit {
			drop := max(len(s.reqLog)-s.cfg.RequestLogLimit+1, s.cfg.RequestLogLimit/10)
			s.reqLog = append(s.reqLog[:0:0], s.reqLog[drop:]...)
			s.reqDropped += drop
		}
		seq := s.reqDropped + len(s.reqLog)
		s.reqLog = append(s.reqLog, LoggedRequest{
			Time: s.nowLocked(), Endpoint: ep, Method: r.Method, Path: r.URL.Path,
			Query: r.URL.RawQuery, RequestID: r.Header.Get("PayPal-Request-Id"),
			Header: r.Header.Clone(), Body: body,
		})
		f := s.takeFaultLocked(ep)
		if f != nil {
			s.reqLog[len(s.reqLog)-1].Fault = f.Kind
		}
		s.mu.Unlock()

		debugID := newDebugID()
		status := s.serve(w, r, h, f, debugID)
		s.mu.Lock()
		if i := seq - s.reqDropped; i >= 0 {
			s.reqLog[i].Status = status
		}
		s.mu.Unlock()
	})
}

// serve runs h and the fault f, and returns the status sent (0 if none).
func (s *Sandbox) serve(w http.ResponseWriter, r *http.Request, h http.HandlerFunc, f *Fault, debugID string) int {
	if f != nil && f.Stage == StageBefore {
		return s.applyFault(w, r, f, nil, debugID)
	}
	buf := &respBuf{header: http.Header{}}
	buf.header.Set("Paypal-Debug-Id", debugID)
	st := &reqState{}
	ctx := context.WithValue(withDebugID(r.Context(), debugID), reqStateKey{}, st)
	h(buf, r.WithContext(ctx))
	if buf.status == 0 {
		buf.status = http.StatusOK
	}
	defer func() {
		if len(st.after) > 0 {
			s.mu.Lock()
			for _, f := range st.after {
				f()
			}
			s.mu.Unlock()
		}
	}()
	if f != nil {
		return s.applyFault(w, r, f, buf, debugID)
	}
	return flush(w, buf)
}

func flush(w http.ResponseWriter, buf *respBuf) int {
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(buf.body.Len()))
	w.WriteHeader(buf.status)
	w.Write(buf.body.Bytes())
	return buf.status
}

// applyFault breaks the answer. buf is the real answer (stage after) or nil.
func (s *Sandbox) applyFault(w http.ResponseWriter, r *http.Request, f *Fault, buf *respBuf, debugID string) int {
	w.Header().Set("Paypal-Debug-Id", debugID)
	switch f.Kind {
	case FaultError500:
		writeJSON(w, http.StatusInternalServerError, apiError{
			Name: "INTERNAL_SERVER_ERROR", Message: "An internal server error occurred.",
			DebugID: debugID, InformationLink: infoLink, Links: []link{},
		})
		return http.StatusInternalServerError
	case FaultHTML502, FaultHTML503:
		code, text := http.StatusBadGateway, "502 Bad Gateway"
		if f.Kind == FaultHTML503 {
			code, text = http.StatusServiceUnavailable, "503 Service Temporarily Unavailable"
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n</body>\r\n</html>\r\n", text, text)
		return code
	case FaultRateLimit:
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
		writeJSON(w, http.StatusTooManyRequests, apiError{
			Name: "RATE_LIMIT_REACHED", Message: "Too many requests. Blocked due to rate limiting.",
			DebugID: debugID, InformationLink: "https://developer.paypal.com/api/rest/reference/rate-limiting/",
			Details: []errDetail{}, Links: []link{},
		})
		return http.StatusTooManyRequests
	case FaultTokenRevoked:
		if tok := bearer(r); tok != "" {
			s.mu.Lock()
			if t := s.tokens[tok]; t != nil {
				t.revoked = true
			}
			s.mu.Unlock()
		}
		if r.URL.Path == "/v1/oauth2/token" {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client Authentication failed")
		} else {
			writeOAuthError(w, http.StatusUnauthorized, "invalid_token", "Access Token not found in cache")
		}
		return http.StatusUnauthorized
	case FaultHang:
		d := s.cfg.MaxHang
		if f.HangMillis > 0 {
			d = time.Duration(f.HangMillis) * time.Millisecond
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return 0
		case <-s.stop:
			return 0
		case <-t.C:
		}
		if buf == nil { // hang before: give up without an answer
			return s.reset(w)
		}
		return flush(w, buf)
	case FaultReset:
		return s.reset(w)
	case FaultTruncate:
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		body := buf.body.Bytes()
		cut := body[:len(body)/2]
		w.Header().Set("Content-Length", strconv.Itoa(len(cut)))
		w.WriteHeader(buf.status)
		w.Write(cut)
		return buf.status
	}
	if buf != nil {
		return flush(w, buf)
	}
	return 0
}

// reset closes the client connection with a TCP reset.
func (s *Sandbox) reset(w http.ResponseWriter) int {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
	return 0
}

// apiError is PayPal's error body (spec "error").
type apiError struct {
	Name            string      `json:"name"`
	Message         string      `json:"message"`
	DebugID         string      `json:"debug_id,omitempty"`
	InformationLink string      `json:"information_link,omitempty"`
	Details         []errDetail `json:"details,omitempty"`
	Links           []link      `json:"links"`
}

type errDetail struct {
	Field       string `json:"field,omitempty"`
	Value       string `json:"value,omitempty"`
	Location    string `json:"location,omitempty"`
	Issue       string `json:"issue"`
	Description string `json:"description,omitempty"`
	Link        []link `json:"link,omitempty"`
}

type link struct {
	Href    string `json:"href"`
	Rel     string `json:"rel"`
	Method  string `json:"method,omitempty"`
	EncType string `json:"encType,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own types are encoded
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// writeError sends a PayPal error body with the request's debug id.
func writeError(w http.ResponseWriter, r *http.Request, status int, name, message string, details ...errDetail) {
	e := apiError{
		Name: name, Message: message, DebugID: debugIDFrom(r.Context()),
		InformationLink: infoLink, Details: details, Links: []link{},
	}
	writeJSON(w, status, e)
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (s *Sandbox) writeNotFound(w http.ResponseWriter, r *http.Request, what string) {
	if s.cfg.NotFoundName == "RESOURCE_NOT_FOUND" {
		writeError(w, r, http.StatusNotFound, "RESOURCE_NOT_FOUND", "The specified resource does not exist.",
			errDetail{Field: what, Location: "path", Issue: "INVALID_RESOURCE_ID", Description: "Specified resource ID does not exist. Please check the resource ID and try again."})
		return
	}
	writeError(w, r, http.StatusNotFound, "INVALID_RESOURCE_ID", "Requested resource ID was not found.")
}
