package paypal

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/plex/bountypay/models"
)

// Sentinel errors. Each also matches the models kind named in its comment.
var (
	// ErrDuplicateNoLink: PayPal says the sender_batch_id was already used
	// but gives no link to the batch. The batch exists; find it by hand
	// (Transaction Search), never retry with a new id. Matches
	// models.ErrConflict.
	ErrDuplicateNoLink = fmt.Errorf("paypal: sender_batch_id already used, no link to the batch: %w", models.ErrConflict)
	// ErrItemIncorrectStatus: the item cannot be cancelled in its current
	// status (only UNCLAIMED items can). Matches models.ErrConflict.
	ErrItemIncorrectStatus = fmt.Errorf("paypal: item status does not allow cancel: %w", models.ErrConflict)
	// ErrItemAlreadyCancelled: the item was cancelled before. Matches
	// models.ErrConflict.
	ErrItemAlreadyCancelled = fmt.Errorf("paypal: item already cancelled: %w", models.ErrConflict)
	// ErrWebhookSignature: a webhook's signature does not verify (tampered
	// body, wrong certificate, wrong webhook id). Matches models.ErrInvalid.
	ErrWebhookSignature = fmt.Errorf("paypal: webhook signature does not verify: %w", models.ErrInvalid)
	// ErrWebhookCert: a webhook's certificate URL is not allowed or its
	// certificate is unusable (expired, not RSA, not PEM). Matches
	// models.ErrInvalid.
	ErrWebhookCert = fmt.Errorf("paypal: webhook certificate refused: %w", models.ErrInvalid)
)

// Detail is one entry of a PayPal error's details. Values of the offending
// fields are deliberately not kept: they may hold receivers.
type Detail struct {
	Field       string
	Location    string
	Issue       string
	Description string
	// Links are the hrefs of the detail's link list (for a duplicate
	// sender_batch_id: the existing batch).
	Links []string
}

// APIError is an error response from PayPal (or an HTTP error from
// something in front of it). Test the outcome with errors.Is against the
// models kinds, and with NothingCreated and OperatorProblem.
type APIError struct {
	// Op names the operation, e.g. "create batch b-1".
	Op         string
	StatusCode int
	// Name is PayPal's error name (VALIDATION_ERROR, …) or, for OAuth
	// errors, the "error" field (invalid_token, invalid_client).
	Name    string
	Message string
	DebugID string
	Details []Detail
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Duration

	kind           error // the models kind or sentinel this error matches
	nothingCreated bool
	operator       bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: paypal HTTP %d", e.Op, e.StatusCode)
	if e.Name != "" {
		b.WriteString(" " + e.Name)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, d := range e.Details {
		if d.Field != "" || d.Issue != "" {
			fmt.Fprintf(&b, " [%s: %s]", d.Field, d.Issue)
		}
	}
	if e.DebugID != "" {
		b.WriteString(" (debug_id " + e.DebugID + ")")
	}
	switch {
	case e.operator:
		b.WriteString("; operator problem, nothing paid, retry later with the same id")
	case e.kind == models.ErrTransient && e.nothingCreated:
		b.WriteString("; nothing created, retry with the same id")
	case e.kind == models.ErrTransient:
		b.WriteString("; outcome unknown, retry with the same id")
	case e.kind == models.ErrConflict:
		b.WriteString("; a batch may exist, reconcile by hand, never use a new id")
	case e.kind == models.ErrInvalid, e.kind == models.ErrNotFound:
		b.WriteString("; " + e.kind.Error() + ", nothing created")
	case e.kind != nil:
		b.WriteString("; " + e.kind.Error())
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; retry after %s", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns the models kind (or package sentinel) the error matches.
func (e *APIError) Unwrap() error { return e.kind }

// NothingCreated reports whether PayPal definitively refused the request,
// so nothing was created or paid by it.
func (e *APIError) NothingCreated() bool { return e.nothingCreated }

// OperatorProblem reports whether the refusal is about the sending account
// (restricted, unconfirmed, insufficient funds, currency not held, bad
// credentials): nothing was paid; hold the award, alert an operator, and
// retry later with the same sender_batch_id and an unchanged body. Such
// errors also match models.ErrTransient.
func (e *APIError) OperatorProblem() bool { return e.operator }

// Transient reports whether the error matches models.ErrTransient.
func (e *APIError) Transient() bool { return errors.Is(e.kind, models.ErrTransient) }

// RetryAfter returns the Retry-After carried by err, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return ae.RetryAfter, true
	}
	return 0, false
}

// wireError is PayPal's error body, in both shapes: the API's
// {name,message,…} and OAuth's {error,error_description}.
type wireError struct {
	Name             string       `json:"name"`
	Message          string       `json:"message"`
	DebugID          string       `json:"debug_id"`
	Details          []wireDetail `json:"details"`
	Error            string       `json:"error"`
	ErrorDescription string       `json:"error_description"`
}

type wireDetail struct {
	Field       string     `json:"field"`
	Location    string     `json:"location"`
	Issue       string     `json:"issue"`
	Description string     `json:"description"`
	Link        []wireLink `json:"link"`  // what PayPal sends (singular "link")
	Links       []wireLink `json:"links"` // tolerated
}

type wireLink struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
}

// parseAPIError builds an APIError from a non-2xx response and gives it the
// generic classification: transient for 5xx, 408, 429, 401, non-JSON
// bodies and names that mean "try again"; not found for 404; conflict for
// 409; operator problem (transient, nothing created) for 403, 422 and the
// sender-account names; invalid for other 4xx. Callers refine it per
// operation.
func parseAPIError(op string, status int, header http.Header, body []byte) *APIError {
	ae := &APIError{Op: op, StatusCode: status, DebugID: header.Get("Paypal-Debug-Id")}
	ae.RetryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())

	var w wireError
	jsonOK := json.Unmarshal(body, &w) == nil && (w.Name != "" || w.Error != "" || w.Message != "")
	if jsonOK {
		ae.Name = cmp.Or(w.Name, w.Error)
		ae.Message = cmp.Or(w.Message, w.ErrorDescription)
		ae.DebugID = cmp.Or(w.DebugID, ae.DebugID)
		for _, d := range w.Details {
			det := Detail{Field: d.Field, Location: d.Location, Issue: d.Issue, Description: d.Description}
			for _, l := range append(d.Link, d.Links...) {
				if l.Href != "" {
					det.Links = append(det.Links, l.Href)
				}
			}
			ae.Details = append(ae.Details, det)
		}
	}

	switch {
	case status >= 500, status == http.StatusRequestTimeout, status == http.StatusTooManyRequests:
		ae.kind = models.ErrTransient
	case !jsonOK:
		// HTML from a proxy, an empty body: we cannot tell what happened.
		ae.kind = models.ErrTransient
		if ae.Message == "" {
			ae.Message = "non-JSON error body"
		}
	case transientNames[ae.Name]:
		ae.kind = models.ErrTransient
	case status == http.StatusUnauthorized:
		// Only reached after the one refresh; the request was not
		// processed.
		ae.kind = models.ErrTransient
		ae.nothingCreated = true
	case status == http.StatusNotFound:
		ae.kind = models.ErrNotFound
		ae.nothingCreated = true
	case status == http.StatusConflict:
		ae.kind = models.ErrConflict
	case status == http.StatusForbidden || status == http.StatusUnprocessableEntity || operatorNames[ae.Name]:
		// The sending account cannot do this now: nothing happened; an
		// operator must act, then the same request can be retried.
		ae.kind = models.ErrTransient
		ae.nothingCreated = true
		ae.operator = true
	default:
		ae.kind = models.ErrInvalid
		ae.nothingCreated = true
	}
	return ae
}

// transientNames are error names that mean "not now" whatever the status.
var transientNames = map[string]bool{
	"INTERNAL_ERROR":                 true,
	"INTERNAL_SERVER_ERROR":          true,
	"SERVICE_UNAVAILABLE":            true,
	"REQUEST_TIMEOUT_EXCEEDED":       true,
	"RATE_LIMIT_REACHED":             true,
	"RATE_LIMIT_VALIDATION":          true,
	"RATE_LIMIT_VALIDATION_FAILURES": true,
	"PREVIOUS_REQUEST_IN_PROGRESS":   true,
	"ITEM_CANCELLATION_FAILED":       true,
}

// operatorNames are 4xx names about the sending account, not the request.
var operatorNames = map[string]bool{
	"INSUFFICIENT_FUNDS":       true,
	"NON_HOLDING_CURRENCY":     true,
	"SENDER_RESTRICTED":        true,
	"SENDER_EMAIL_UNCONFIRMED": true,
	"AUTHORIZATION_ERROR":      true,
	"REQUIRED_SCOPE_MISSING":   true,
	"SENDER_LOCKED":            true,
	"SENDER_ACCOUNT_LOCKED":    true,
	"CIP_NOT_VERIFIED":         true,
	"SPENDING_LIMIT_EXCEEDED":  true,
	"CLOSED_MARKET":            true,
	"USER_COUNTRY_NOT_ALLOWED": true,
}

// batchIDPattern is what we accept as a payout_batch_id taken from a link.
var batchIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// duplicateBatch reports whether ae is PayPal's "sender_batch_id already
// exists" error and, if its detail links the batch, that batch's id.
func duplicateBatch(ae *APIError) (isDup bool, batchID string) {
	if ae.StatusCode != http.StatusBadRequest || ae.Name != "USER_BUSINESS_ERROR" {
		return false, ""
	}
	for _, d := range ae.Details {
		if !strings.EqualFold(d.Field, "SENDER_BATCH_ID") {
			continue
		}
		isDup = true
		for _, href := range d.Links {
			if id := batchIDFromHref(href); id != "" {
				return true, id
			}
		}
	}
	return isDup, ""
}

// batchIDFromHref returns the last path segment of a
// …/v1/payments/payouts/{id} link, or "".
func batchIDFromHref(href string) string {
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	p := strings.TrimRight(u.Path, "/")
	i := strings.LastIndex(p, "/")
	if i < 0 || !strings.HasSuffix(p[:i], "/payments/payouts") {
		return ""
	}
	id, err := url.PathUnescape(p[i+1:])
	if err != nil || !batchIDPattern.MatchString(id) {
		return ""
	}
	return id
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
