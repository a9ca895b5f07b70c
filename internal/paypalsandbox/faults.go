package paypalsandbox

import (
	"fmt"
	"slices"
)

// Endpoint names a group of routes a Fault can target.
type Endpoint string

// Endpoints a Fault can target.
const (
	EndpointAny           Endpoint = "any"            // every endpoint below
	EndpointToken         Endpoint = "token"          // POST /v1/oauth2/token
	EndpointCreate        Endpoint = "create"         // POST /v1/payments/payouts
	EndpointGetBatch      Endpoint = "get_batch"      // GET /v1/payments/payouts/{id}
	EndpointGetItem       Endpoint = "get_item"       // GET /v1/payments/payouts-item/{id}
	EndpointCancel        Endpoint = "cancel"         // POST /v1/payments/payouts-item/{id}/cancel
	EndpointVerifyWebhook Endpoint = "verify_webhook" // POST /v1/notifications/verify-webhook-signature
	EndpointEntitlement   Endpoint = "entitlement"    // POST /sandbox/entitlements
)

var endpoints = []Endpoint{EndpointAny, EndpointToken, EndpointCreate, EndpointGetBatch,
	EndpointGetItem, EndpointCancel, EndpointVerifyWebhook, EndpointEntitlement}

// FaultKind is what an injected fault does.
type FaultKind string

// Fault kinds. "Before" means the request is not processed (nothing is
// stored); "after" means it is processed and committed first, and only the
// answer is broken.
const (
	// FaultError500 answers 500 INTERNAL_SERVER_ERROR (JSON). Default
	// stage before; stage "after" commits first.
	FaultError500 FaultKind = "error_500"
	// FaultHTML502 and FaultHTML503 answer 502/503 with an HTML body, as a
	// gateway does. Default stage before.
	FaultHTML502 FaultKind = "html_502"
	FaultHTML503 FaultKind = "html_503"
	// FaultRateLimit answers 429 RATE_LIMIT_REACHED with Retry-After
	// (RetryAfterSeconds, default 1). Always before.
	FaultRateLimit FaultKind = "rate_limit_429"
	// FaultHang holds the request until the client gives up, the sandbox
	// closes, or HangMillis pass (then the real answer is sent; 0 means
	// Config.MaxHang). Default stage after.
	FaultHang FaultKind = "hang"
	// FaultReset closes the TCP connection with a reset, without an
	// answer. Default stage after.
	FaultReset FaultKind = "reset"
	// FaultTruncate sends the real status and headers with the body cut in
	// half (for create: a 201 with truncated JSON). Always after.
	FaultTruncate FaultKind = "truncate"
	// FaultTokenRevoked revokes the caller's access token and answers 401
	// invalid_token, as an expiry mid-run does. Always before.
	FaultTokenRevoked FaultKind = "token_revoked"
	// FaultDuplicateNoLink makes the next duplicate sender_batch_id answer
	// use the link-less body. Only for create; consumed only by a
	// duplicate answer.
	FaultDuplicateNoLink FaultKind = "duplicate_no_link"
)

var faultKinds = []FaultKind{FaultError500, FaultHTML502, FaultHTML503, FaultRateLimit,
	FaultHang, FaultReset, FaultTruncate, FaultTokenRevoked, FaultDuplicateNoLink}

// Fault stages.
const (
	StageBefore = "before"
	StageAfter  = "after"
)

// Fault is one scripted failure. Its JSON form is what POST /sandbox/faults
// takes, for example
//
//	{"endpoint":"create","kind":"reset","stage":"after","count":1}
//	{"endpoint":"any","kind":"rate_limit_429","retry_after_seconds":2,"count":3}
//	{"endpoint":"create","kind":"hang","hang_ms":1500}
type Fault struct {
	// Endpoint is the target; default "create".
	Endpoint Endpoint `json:"endpoint,omitempty"`
	// Kind is required.
	Kind FaultKind `json:"kind"`
	// Stage is "before" or "after"; empty means the kind's default.
	Stage string `json:"stage,omitempty"`
	// Count is how many matching calls it affects: 0 means 1, negative
	// means every call until cleared. Faults apply in the order injected.
	Count int `json:"count,omitempty"`
	// RetryAfterSeconds is the Retry-After of a 429 (default 1).
	RetryAfterSeconds int `json:"retry_after_seconds,omitempty"`
	// HangMillis bounds a hang; 0 means until the client gives up (at most
	// Config.MaxHang).
	HangMillis int `json:"hang_ms,omitempty"`
}

func (f *Fault) normalise() error {
	if f.Endpoint == "" {
		f.Endpoint = EndpointCreate
	}
	if !slices.Contains(endpoints, f.Endpoint) {
		return fmt.Errorf("fault endpoint %q: want one of %v", f.Endpoint, endpoints)
	}
	if !slices.Contains(faultKinds, f.Kind) {
		return fmt.Errorf("fault kind %q: want one of %v", f.Kind, faultKinds)
	}
	switch f.Kind {
	case FaultRateLimit, FaultTokenRevoked:
		if f.Stage == StageAfter {
			return fmt.Errorf("fault kind %q: only stage %q", f.Kind, StageBefore)
		}
		f.Stage = StageBefore
	case FaultTruncate:
		if f.Stage == StageBefore {
			return fmt.Errorf("fault kind %q: only stage %q", f.Kind, StageAfter)
		}
		f.Stage = StageAfter
	case FaultHang, FaultReset:
		if f.Stage == "" {
			f.Stage = StageAfter
		}
	case FaultDuplicateNoLink:
		if f.Endpoint != EndpointCreate {
			return fmt.Errorf("fault kind %q: only endpoint %q", f.Kind, EndpointCreate)
		}
	default:
		if f.Stage == "" {
			f.Stage = StageBefore
		}
	}
	if f.Stage != StageBefore && f.Stage != StageAfter && f.Kind != FaultDuplicateNoLink {
		return fmt.Errorf("fault stage %q: want %q or %q", f.Stage, StageBefore, StageAfter)
	}
	if f.Count == 0 {
		f.Count = 1
	}
	if f.RetryAfterSeconds <= 0 {
		f.RetryAfterSeconds = 1
	}
	if f.HangMillis < 0 {
		return fmt.Errorf("fault hang_ms %d: negative", f.HangMillis)
	}
	return nil
}

// InjectFault queues faults; each affects the next Count matching calls.
// It returns an error, and queues none, if a fault is malformed.
func (s *Sandbox) InjectFault(faults ...Fault) error {
	norm := make([]*Fault, 0, len(faults))
	for _, f := range faults {
		if err := f.normalise(); err != nil {
			return err
		}
		norm = append(norm, &f)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, norm...)
	return nil
}

// ClearFaults removes every queued fault.
func (s *Sandbox) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Faults returns the queued faults with their remaining counts.
func (s *Sandbox) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, 0, len(s.faults))
	for _, f := range s.faults {
		out = append(out, *f)
	}
	return out
}

// takeFaultLocked returns and consumes the first fault for ep. kinds, if
// given, restricts the match; otherwise FaultDuplicateNoLink never matches.
func (s *Sandbox) takeFaultLocked(ep Endpoint, kinds ...FaultKind) *Fault {
	for i, f := range s.faults {
		if f.Endpoint != ep && f.Endpoint != EndpointAny {
			continue
		}
		if len(kinds) > 0 {
			if !slices.Contains(kinds, f.Kind) {
				continue
			}
		} else if f.Kind == FaultDuplicateNoLink {
			continue
		}
		got := *f
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return &got
	}
	return nil
}
