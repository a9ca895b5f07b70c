package paypal

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	pp "github.com/plutov/paypal/v4"

	"github.com/plex/bountypay/models"
)

// Defaults applied by NewClient.
const (
	// DefaultTimeout bounds every HTTP call (token, API, certificate).
	DefaultTimeout = 30 * time.Second
	// DefaultPageSize is the page size GetBatch asks for (PayPal's maximum).
	DefaultPageSize = 1000
	// DefaultEmailSubject is sent when a Batch has no EmailSubject.
	DefaultEmailSubject = "You have a reward payout"
	// DefaultEmailMessage is sent when a Batch has no EmailMessage.
	DefaultEmailMessage = "You have received a reward payout from the bug bounty program. Thank you for your report."
)

// PayPal API base URLs.
const (
	APIBaseSandbox = "https://api-m.sandbox.paypal.com"
	APIBaseLive    = "https://api-m.paypal.com"
)

// DefaultCertHosts returns the hosts PayPal serves webhook signing
// certificates from; only https URLs on these hosts are fetched unless
// Config.CertHosts says otherwise.
func DefaultCertHosts() []string {
	return []string{
		"api.paypal.com",
		"api-m.paypal.com",
		"api.sandbox.paypal.com",
		"api-m.sandbox.paypal.com",
	}
}

// maxBody bounds every response body the client reads.
const maxBody = 8 << 20

// Config configures a Client. ClientID, Secret and APIBase are required.
type Config struct {
	ClientID string
	Secret   string
	// APIBase is PayPal's base URL (APIBaseSandbox, APIBaseLive) or a local
	// sandbox, without a trailing path.
	APIBase string
	// Timeout bounds each HTTP call, including reading the body.
	// Default DefaultTimeout.
	Timeout time.Duration
	// HTTPClient is copied; its Transport (default http.DefaultTransport)
	// is used. Its Timeout is used when Timeout is zero.
	HTTPClient *http.Client
	// Logger receives debug records of each exchange (ids only). Default:
	// discard.
	Logger *slog.Logger
	// WebhookID is the id of the webhook registered with PayPal; required
	// by VerifyWebhook.
	WebhookID string
	// CertHosts is the allow-list of hosts webhook certificates may be
	// fetched from. An entry "host" or "host:port" allows https only; an
	// entry "http://host:port" also allows plain http to exactly that host
	// (tests and the local sandbox). Default DefaultCertHosts().
	CertHosts []string
	// PageSize is the page size GetBatch requests, 1..1000. Default
	// DefaultPageSize.
	PageSize int
	// NowFunc is the clock (token expiry, certificate validity). Default
	// time.Now.
	NowFunc func() time.Time
}

// LogValue keeps the secret out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("api_base", c.APIBase),
		slog.Duration("timeout", c.Timeout),
		slog.String("webhook_id", c.WebhookID),
		slog.Any("cert_hosts", c.CertHosts),
	)
}

// String keeps the secret out of %v and %+v.
func (c Config) String() string {
	return fmt.Sprintf("paypal.Config{APIBase:%s ClientID:%s Secret:<redacted> WebhookID:%s}", c.APIBase, c.ClientID, c.WebhookID)
}

// GoString keeps the secret out of %#v.
func (c Config) GoString() string { return c.String() }

// Validate reports a missing or malformed setting; the error matches
// models.ErrInvalid.
func (c Config) Validate() error {
	switch {
	case c.ClientID == "":
		return fmt.Errorf("paypal config: client id is required: %w", models.ErrInvalid)
	case c.Secret == "":
		return fmt.Errorf("paypal config: secret is required: %w", models.ErrInvalid)
	case c.APIBase == "":
		return fmt.Errorf("paypal config: api base is required: %w", models.ErrInvalid)
	case c.Timeout < 0:
		return fmt.Errorf("paypal config: negative timeout: %w", models.ErrInvalid)
	case c.PageSize < 0 || c.PageSize > 1000:
		return fmt.Errorf("paypal config: page size %d not in 1..1000: %w", c.PageSize, models.ErrInvalid)
	}
	u, err := url.Parse(c.APIBase)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("paypal config: api base %q is not an http(s) URL: %w", c.APIBase, models.ErrInvalid)
	}
	if _, err := parseCertHosts(c.CertHosts); err != nil {
		return fmt.Errorf("paypal config: %w", err)
	}
	return nil
}

// Client talks to PayPal Payouts. It is safe for concurrent use.
type Client struct {
	pp        *pp.Client
	http      *http.Client
	base      string
	log       *slog.Logger
	now       func() time.Time
	pageSize  int
	webhookID string
	certHosts certHosts

	// tokenSem serialises token fetches and guards every token field
	// below and pp.Token (which plutov's GetAccessToken writes without a
	// lock). Holding it is a channel send so waiting honours ctx.
	tokenSem     chan struct{}
	token        string
	tokenExpires time.Time // zero: valid until a 401
	tokenGen     uint64    // increments on every fetch

	certMu    sync.Mutex
	certCache map[string]*cachedCert
}

// NewClient returns a Client for cfg after applying defaults and
// validating it. No network call is made: the token is fetched on first
// use. The error matches models.ErrInvalid.
func NewClient(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base := strings.TrimRight(cfg.APIBase, "/")
	ppc, err := pp.NewClient(cfg.ClientID, cfg.Secret, base)
	if err != nil {
		return nil, fmt.Errorf("paypal client: %v: %w", err, models.ErrInvalid)
	}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.Timeout = cmp.Or(cfg.Timeout, hc.Timeout, DefaultTimeout)
	hc.Transport = observingTransport{base: cmp.Or[http.RoundTripper](hc.Transport, http.DefaultTransport)}
	// plutov's default HTTP client has no timeout.
	ppc.SetHTTPClient(&hc)

	hosts, _ := parseCertHosts(cfg.CertHosts) // validated above
	now := cfg.NowFunc
	if now == nil {
		now = time.Now
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		pp:        ppc,
		http:      &hc,
		base:      base,
		log:       logger,
		now:       now,
		pageSize:  cmp.Or(cfg.PageSize, DefaultPageSize),
		webhookID: cfg.WebhookID,
		certHosts: hosts,
		tokenSem:  make(chan struct{}, 1),
		certCache: make(map[string]*cachedCert),
	}, nil
}

// accessToken returns a usable bearer token and its generation. When
// staleGen is non-zero the caller saw a 401 with that generation: the token
// is refreshed unless someone already replaced it, so that concurrent 401s
// cause exactly one refresh.
func (c *Client) accessToken(ctx context.Context, staleGen uint64) (string, uint64, error) {
	select {
	case c.tokenSem <- struct{}{}:
	case <-ctx.Done():
		return "", 0, fmt.Errorf("access token: %w: %w", models.ErrTransient, ctx.Err())
	}
	defer func() { <-c.tokenSem }()

	valid := c.token != "" && (c.tokenExpires.IsZero() || c.now().Before(c.tokenExpires))
	if valid && (staleGen == 0 || staleGen != c.tokenGen) {
		return c.token, c.tokenGen, nil
	}

	ex := &exchange{}
	start := c.now()
	// plutov writes c.pp.Token here; nobody else reads it (we never call
	// SendWithAuth) and we hold tokenSem.
	tr, err := c.pp.GetAccessToken(withExchange(ctx, ex))
	if err == nil && (tr == nil || tr.Token == "") {
		err = errors.New("no access_token in response")
	}
	if err != nil {
		return "", 0, c.tokenError("access token", ex, err)
	}
	c.token = tr.Token
	c.tokenGen++
	c.tokenExpires = time.Time{}
	if ttl := time.Duration(tr.ExpiresIn) * time.Second; ttl > 0 {
		// Refresh a little early: a tenth of the lifetime, at most a minute.
		c.tokenExpires = start.Add(ttl - min(time.Minute, ttl/10))
	}
	c.log.DebugContext(ctx, "paypal access token fetched",
		slog.Uint64("token_gen", c.tokenGen), slog.Bool("after_401", staleGen != 0))
	return c.token, c.tokenGen, nil
}

// response is one finished exchange with PayPal.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends one API request with a bearer token. A 401 refreshes the token
// (once, serialised) and re-sends once. It returns the response for any
// HTTP status, or an error matching models.ErrTransient when no complete
// response was received. payload is marshalled by plutov (nil: no body).
func (c *Client) call(ctx context.Context, op, method, path string, query url.Values, payload any, header http.Header) (*response, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var staleGen uint64
	for attempt := 0; ; attempt++ {
		tok, gen, err := c.accessToken(ctx, staleGen)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		ex := &exchange{}
		req, err := c.pp.NewRequest(withExchange(ctx, ex), method, u, payload)
		if err != nil {
			return nil, fmt.Errorf("%s: build request: %v: %w", op, err, models.ErrInvalid)
		}
		for k, vs := range header {
			req.Header[k] = vs
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		var buf bytes.Buffer
		start := time.Now()
		// plutov's Send: with an io.Writer it copies a 2xx body verbatim,
		// so we decode ourselves; non-2xx bodies are captured by the
		// observing transport.
		sendErr := c.pp.Send(req, &limitedWriter{w: &buf, n: maxBody})
		c.log.DebugContext(ctx, "paypal call",
			slog.String("op", op), slog.String("method", method), slog.String("path", path),
			slog.Int("status", ex.status), slog.String("debug_id", ex.header.Get("Paypal-Debug-Id")),
			slog.Duration("elapsed", time.Since(start)))
		if ex.status == 0 {
			if sendErr == nil {
				sendErr = errors.New("no response")
			}
			// No response at all: timeout, reset, refused, cancelled.
			return nil, fmt.Errorf("%s: outcome unknown: %w: %w", op, models.ErrTransient, sendErr)
		}
		if ex.status == http.StatusUnauthorized && attempt == 0 {
			c.log.InfoContext(ctx, "paypal token rejected, refreshing",
				slog.String("op", op), slog.Uint64("token_gen", gen))
			staleGen = gen
			continue
		}
		r := &response{status: ex.status, header: ex.header}
		if ex.status >= 200 && ex.status <= 299 {
			if sendErr != nil {
				// Truncated or unreadable success body: PayPal may have
				// acted on the request.
				return nil, fmt.Errorf("%s: HTTP %d body unreadable, outcome unknown: %w: %w",
					op, ex.status, models.ErrTransient, sendErr)
			}
			r.body = buf.Bytes()
		} else {
			if ex.bodyErr != nil {
				return nil, fmt.Errorf("%s: HTTP %d body unreadable, outcome unknown: %w: %w",
					op, ex.status, models.ErrTransient, ex.bodyErr)
			}
			r.body = ex.body
		}
		return r, nil
	}
}

// tokenError turns a failed token fetch into an error. The API request was
// not sent, so an HTTP answer means nothing was created; a 4xx means our
// credentials are refused (operator problem).
func (c *Client) tokenError(op string, ex *exchange, err error) error {
	if ex.status == 0 {
		return fmt.Errorf("%s: %w: %w", op, models.ErrTransient, err)
	}
	if ex.status >= 200 && ex.status <= 299 {
		return fmt.Errorf("%s: HTTP %d: %w: %w", op, ex.status, models.ErrTransient, err)
	}
	ae := parseAPIError(op, ex.status, ex.header, ex.body)
	// The payout request was not sent (again) without a token.
	ae.nothingCreated = true
	if ex.status >= 400 && ex.status <= 499 && ex.status != http.StatusRequestTimeout && ex.status != http.StatusTooManyRequests {
		// invalid_client and friends: our credentials are wrong.
		ae.kind, ae.operator = models.ErrTransient, true
	} else {
		ae.kind = models.ErrTransient
	}
	return ae
}

// exchange records what the transport saw for one request.
type exchange struct {
	status  int
	header  http.Header
	body    []byte // non-2xx body, buffered
	bodyErr error
}

type exchangeKey struct{}

func withExchange(ctx context.Context, ex *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, ex)
}

// observingTransport records the status, headers and (for non-2xx) the body
// of a response before plutov sees it: plutov loses the status code of a
// non-JSON error body (an HTML 502 from a proxy) and drops Retry-After.
type observingTransport struct{ base http.RoundTripper }

func (t observingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	ex, _ := req.Context().Value(exchangeKey{}).(*exchange)
	if ex == nil {
		return resp, nil
	}
	ex.status = resp.StatusCode
	ex.header = resp.Header.Clone()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		ex.body, ex.bodyErr = b, rerr
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	return resp, nil
}

// limitedWriter fails once more than n bytes are written.
type limitedWriter struct {
	w io.Writer
	n int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		return 0, errors.New("response body too large")
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}
