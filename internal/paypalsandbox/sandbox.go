package paypalsandbox

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults used when the matching Config field is zero.
const (
	DefaultTokenTTL             = 32400 * time.Second
	DefaultPendingFor           = 200 * time.Millisecond
	DefaultProcessingFor        = 500 * time.Millisecond
	DefaultDedupeWindow         = 30 * 24 * time.Hour
	DefaultUnclaimedReturnAfter = 30 * 24 * time.Hour
	DefaultRequestIDWindow      = 30 * 24 * time.Hour
	DefaultFeeBasisPoints       = 200 // 2%
	DefaultPageSize             = 1000
	DefaultTickInterval         = 25 * time.Millisecond
	DefaultWebhookRetries       = 25
	DefaultWebhookRetryBase     = 20 * time.Millisecond
	DefaultWebhookRetryMax      = time.Second
	DefaultWebhookTimeout       = 5 * time.Second
	DefaultReorderWindow        = 100 * time.Millisecond
	DefaultMaxHang              = 2 * time.Minute
	DefaultRequestLogLimit      = 100_000
	DefaultEntitlementSecret    = "sandbox-entitlement-secret"
	DefaultWebhookID            = "8PT597110X687430LKGECATA"
)

// Request-Id modes for Config.RequestIDMode.
const (
	// RequestIDIgnore ignores PayPal-Request-Id, as observed on PayPal's
	// sandbox (the same id twice with different sender_batch_ids makes
	// two batches). The default.
	RequestIDIgnore = "ignore"
	// RequestIDDocumented replays the stored answer of a create with the
	// same PayPal-Request-Id within 30 days and answers a concurrent reuse
	// with 409 PREVIOUS_REQUEST_IN_PROGRESS, as PayPal documents.
	RequestIDDocumented = "documented"
)

// DefaultBalances returns the balances a sandbox starts with when
// Config.Balances is nil: 1,000,000.00 in USD, EUR, GBP, CAD and AUD and
// 100,000,000 JPY.
func DefaultBalances() map[string]string {
	return map[string]string{
		"USD": "1000000.00", "EUR": "1000000.00", "GBP": "1000000.00",
		"CAD": "1000000.00", "AUD": "1000000.00", "JPY": "100000000",
	}
}

// Config configures a Sandbox. The zero value is usable: every zero field
// takes the documented default.
type Config struct {
	// ClientID and Secret, when both set, are the only credentials the
	// token endpoint accepts. Empty means any client id and secret are
	// accepted; each client id is then its own account for sender_batch_id
	// de-duplication.
	ClientID string
	Secret   string
	// TokenTTL is the lifetime of access tokens on the sandbox clock
	// (expires_in). Default 32400 s.
	TokenTTL time.Duration

	// Now is the clock (default time.Now). The sandbox adds its own
	// offset, moved by Advance, so a fixed Now plus Advance is a fully
	// controlled clock.
	Now func() time.Time

	// BaseURL is used in links, the duplicate error's link, the webhook
	// cert URL and webhook resources. Default: the address Start listened
	// on, or the request's Host when served through Handler only.
	BaseURL string

	// Balances per currency as decimal strings. nil means DefaultBalances.
	// A supported currency absent here is a non-holding currency (400
	// NON_HOLDING_CURRENCY).
	Balances map[string]string
	// MaxItemAmount overrides the per-item maximum per currency (decimal
	// strings). Default: USD 20,000.00 or a rough equivalent.
	MaxItemAmount map[string]string
	// FeeBasisPoints is the fee rate in 1/100 of a percent. Default 200
	// (2%). NoFees turns fees off.
	FeeBasisPoints int
	NoFees         bool
	// FeeCaps overrides the per-item fee cap per currency (decimal
	// strings). Default USD 1.00 or a rough equivalent.
	FeeCaps map[string]string

	// PendingFor is how long a batch stays PENDING; ProcessingFor how long
	// it then stays PROCESSING. Items are decided halfway through
	// PROCESSING. Defaults 200 ms and 500 ms: with the real clock a batch
	// is final about 700 ms after creation.
	PendingFor    time.Duration
	ProcessingFor time.Duration
	// DedupeWindow is how long a sender_batch_id stays used. Default 30 days.
	DedupeWindow time.Duration
	// UnclaimedReturnAfter is how long an item stays UNCLAIMED before it is
	// RETURNED. Default 30 days.
	UnclaimedReturnAfter time.Duration
	// DuplicateWithoutLink answers a duplicate sender_batch_id with the
	// 2015 link-less body instead of the current one.
	DuplicateWithoutLink bool
	// NotFoundName is the error name of a 404: "INVALID_RESOURCE_ID"
	// (default, observed) or "RESOURCE_NOT_FOUND" (spec).
	NotFoundName string
	// RequestIDMode is RequestIDIgnore (default) or RequestIDDocumented.
	RequestIDMode string
	// InsufficientFundsConsumesID makes a 422 INSUFFICIENT_FUNDS store a
	// DENIED batch under the sender_batch_id, so a retry gets the
	// duplicate error. Default false: nothing is stored.
	InsufficientFundsConsumesID bool

	// WebhookURL, if set, receives every event, signed for WebhookID.
	WebhookURL string
	// WebhookID is the id of the WebhookURL listener. Default
	// DefaultWebhookID.
	WebhookID string
	// WebhookRetries is how often a non-2xx delivery is retried. Default
	// 25; negative means never.
	WebhookRetries int
	// WebhookRetryBase and WebhookRetryMax shape the compressed retry
	// schedule: base·2^n capped at max. Defaults 20 ms and 1 s.
	WebhookRetryBase time.Duration
	WebhookRetryMax  time.Duration
	// WebhookDuplicates sends every delivery twice (same event id, new
	// transmission id).
	WebhookDuplicates bool
	// WebhookReorder holds new deliveries until no event was emitted for
	// WebhookReorderWindow (default 100 ms), then sends the newest first.
	WebhookReorder       bool
	WebhookReorderWindow time.Duration
	// WebhookStaleAfter, if positive, re-sends every event once more after
	// this (real) delay, as a late stale copy.
	WebhookStaleAfter time.Duration
	// WebhookClient sends webhooks. Default: a client with a 5 s timeout.
	WebhookClient *http.Client
	// SigningKey signs webhooks. Default: a 2048-bit RSA key generated
	// once per process (each sandbox still has its own certificate).
	SigningKey *rsa.PrivateKey

	// EntitlementSecret is the HMAC-SHA256 key of X-Signature on
	// POST /sandbox/entitlements. Default DefaultEntitlementSecret.
	EntitlementSecret string

	// TickInterval is how often the background loop moves batches along.
	// Default 25 ms.
	TickInterval time.Duration
	// MaxHang bounds a "hang" fault without a duration. Default 2 min.
	MaxHang time.Duration
	// RequestLogLimit is how many requests the log keeps (the oldest are
	// dropped). Default 100,000.
	RequestLogLimit int
	// Logger logs server-side problems. Default: discard.
	Logger *slog.Logger
}

// Sandbox is a local PayPal Payouts API. It is safe for concurrent use.
// Create it with New and release it with Close.
type Sandbox struct {
	cfg        Config
	log        *slog.Logger
	feeBP      int64
	maxItem    map[string]int64
	feeCaps    map[string]int64
	webhookCli *http.Client
	key        *rsa.PrivateKey
	certPEM    []byte
	certID     string
	mux        *http.ServeMux

	mu          sync.Mutex
	offset      time.Duration
	startedBase string
	seenBase    string
	tokens      map[string]*token
	accounts    map[string]*account
	batches     map[string]*batch
	batchList   []*batch
	active      []*batch
	items       map[string]*item
	unclaimed   map[string]*item
	nextReturn  time.Time // earliest returnAt in unclaimed (may be early)
	balances    map[string]int64
	receivers   map[string]Behaviour
	faults      []*Fault
	reqLog      []LoggedRequest
	reqDropped  int // requests dropped from the front of reqLog
	requestIDs  map[string]*storedResponse
	webhooks    []Webhook
	events      []*Event
	eventByID   map[string]*Event
	queue       deliveryQueue
	seq         int64
	lastEmit    time.Time
	inFlight    int
	deliveries  []Delivery
	ents        []Entitlement
	entKeys     map[string]*storedResponse
	closed      bool

	wake    chan struct{}
	stop    chan struct{}
	wg      sync.WaitGroup
	srv     *http.Server
	srvDone chan struct{}
}

// account holds what PayPal keeps per client id.
type account struct {
	senderIDs map[string]*batch
}

// storedResponse is a recorded answer replayed for an idempotency key.
type storedResponse struct {
	hash     [32]byte
	pending  bool
	status   int
	header   http.Header
	body     []byte
	storedAt time.Time
}

// New returns a running Sandbox: its background clock loop and webhook
// sender start now. Call Close to stop them. New panics only on a Config
// that cannot work (an unparsable configured amount, an unknown
// currency or RequestIDMode); use Validate to check first.
func New(cfg Config) *Sandbox {
	if err := cfg.Validate(); err != nil {
		panic("paypalsandbox: " + err.Error())
	}
	cfg.TokenTTL = cmp.Or(cfg.TokenTTL, DefaultTokenTTL)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.PendingFor = cmp.Or(cfg.PendingFor, DefaultPendingFor)
	cfg.ProcessingFor = cmp.Or(cfg.ProcessingFor, DefaultProcessingFor)
	cfg.DedupeWindow = cmp.Or(cfg.DedupeWindow, DefaultDedupeWindow)
	cfg.UnclaimedReturnAfter = cmp.Or(cfg.UnclaimedReturnAfter, DefaultUnclaimedReturnAfter)
	cfg.NotFoundName = cmp.Or(cfg.NotFoundName, "INVALID_RESOURCE_ID")
	cfg.RequestIDMode = cmp.Or(cfg.RequestIDMode, RequestIDIgnore)
	cfg.WebhookID = cmp.Or(cfg.WebhookID, DefaultWebhookID)
	cfg.WebhookRetries = cmp.Or(cfg.WebhookRetries, DefaultWebhookRetries)
	cfg.WebhookRetryBase = cmp.Or(cfg.WebhookRetryBase, DefaultWebhookRetryBase)
	cfg.WebhookRetryMax = cmp.Or(cfg.WebhookRetryMax, DefaultWebhookRetryMax)
	cfg.WebhookReorderWindow = cmp.Or(cfg.WebhookReorderWindow, DefaultReorderWindow)
	cfg.EntitlementSecret = cmp.Or(cfg.EntitlementSecret, DefaultEntitlementSecret)
	cfg.TickInterval = cmp.Or(cfg.TickInterval, DefaultTickInterval)
	cfg.MaxHang = cmp.Or(cfg.MaxHang, DefaultMaxHang)
	cfg.RequestLogLimit = cmp.Or(cfg.RequestLogLimit, DefaultRequestLogLimit)
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Balances == nil {
		cfg.Balances = DefaultBalances()
	}
	// Copy maps so later changes by the caller do not leak in.
	cfg.Balances = maps.Clone(cfg.Balances)
	cfg.MaxItemAmount = maps.Clone(cfg.MaxItemAmount)
	cfg.FeeCaps = maps.Clone(cfg.FeeCaps)

	s := &Sandbox{
		cfg:        cfg,
		log:        cfg.Logger,
		feeBP:      int64(cmp.Or(cfg.FeeBasisPoints, DefaultFeeBasisPoints)),
		maxItem:    map[string]int64{},
		feeCaps:    map[string]int64{},
		webhookCli: cfg.WebhookClient,
		tokens:     map[string]*token{},
		accounts:   map[string]*account{},
		batches:    map[string]*batch{},
		items:      map[string]*item{},
		unclaimed:  map[string]*item{},
		balances:   map[string]int64{},
		receivers:  map[string]Behaviour{},
		requestIDs: map[string]*storedResponse{},
		eventByID:  map[string]*Event{},
		entKeys:    map[string]*storedResponse{},
		wake:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
	}
	if cfg.NoFees {
		s.feeBP = 0
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.webhookCli == nil {
		s.webhookCli = &http.Client{Timeout: DefaultWebhookTimeout}
	}
	for cur := range currencies {
		s.maxItem[cur], _ = defaultMaxItem(cur)
		s.feeCaps[cur], _ = defaultFeeCap(cur)
	}
	for cur, v := range cfg.MaxItemAmount {
		s.maxItem[cur], _ = parseConfigAmount(cur, v)
	}
	for cur, v := range cfg.FeeCaps {
		s.feeCaps[cur], _ = parseConfigAmount(cur, v)
	}
	for cur, v := range cfg.Balances {
		s.balances[cur], _ = parseConfigAmount(cur, v)
	}
	if cfg.WebhookURL != "" {
		s.webhooks = append(s.webhooks, Webhook{ID: cfg.WebhookID, URL: cfg.WebhookURL})
	}
	s.initSigning(cfg.SigningKey)
	s.mux = s.routes()

	s.wg.Add(2)
	go s.tickLoop()
	go s.deliveryLoop()
	return s
}

// Validate reports a Config that New cannot use: an amount that does not
// parse, a currency PayPal Payouts does not support, an unknown
// RequestIDMode or NotFoundName.
func (c Config) Validate() error {
	var errs []error
	check := func(what string, m map[string]string) {
		for _, cur := range slices.Sorted(maps.Keys(m)) {
			if _, ok := currencies[cur]; !ok {
				errs = append(errs, fmt.Errorf("%s: currency %q not supported by PayPal Payouts", what, cur))
				continue
			}
			if _, err := parseConfigAmount(cur, m[cur]); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", what, err))
			}
		}
	}
	check("balances", c.Balances)
	check("max item amount", c.MaxItemAmount)
	check("fee caps", c.FeeCaps)
	switch c.RequestIDMode {
	case "", RequestIDIgnore, RequestIDDocumented:
	default:
		errs = append(errs, fmt.Errorf("request id mode %q: want %q or %q", c.RequestIDMode, RequestIDIgnore, RequestIDDocumented))
	}
	switch c.NotFoundName {
	case "", "INVALID_RESOURCE_ID", "RESOURCE_NOT_FOUND":
	default:
		errs = append(errs, fmt.Errorf("not found name %q: want INVALID_RESOURCE_ID or RESOURCE_NOT_FOUND", c.NotFoundName))
	}
	if c.FeeBasisPoints < 0 || c.FeeBasisPoints > 10000 {
		errs = append(errs, fmt.Errorf("fee basis points %d: want 0..10000", c.FeeBasisPoints))
	}
	return errors.Join(errs...)
}

// Handler returns the sandbox's HTTP handler: PayPal's endpoints under
// /v1/ and the sandbox's own under /sandbox/.
func (s *Sandbox) Handler() http.Handler { return s.mux }

// Start listens on addr (for example "127.0.0.1:0") and serves the
// sandbox in the background. It returns the base URL to use as the
// PayPal API base, for example "http://127.0.0.1:41234". Close stops it.
func (s *Sandbox) Start(addr string) (baseURL string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen %s: %w", addr, err)
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	if s.srv != nil || s.closed {
		s.mu.Unlock()
		ln.Close()
		return "", errors.New("sandbox already started or closed")
	}
	s.srv = srv
	s.startedBase = base
	s.srvDone = make(chan struct{})
	done := s.srvDone
	s.mu.Unlock()
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sandbox serve", slog.String("error", err.Error()))
		}
	}()
	return base, nil
}

// ListenAndServe serves the sandbox on addr until ctx is done, then
// closes it. It is what `bountypay paypal-sandbox --addr` runs. ready, if
// not nil, is called with the base URL once listening.
func (s *Sandbox) ListenAndServe(ctx context.Context, addr string, ready func(baseURL string)) error {
	base, err := s.Start(addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(base)
	}
	<-ctx.Done()
	return s.Close()
}

// BaseURL returns the base URL links use: Config.BaseURL, else the
// address Start listened on, else the last Host seen in a request.
func (s *Sandbox) BaseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseLocked()
}

func (s *Sandbox) baseLocked() string {
	return cmp.Or(s.cfg.BaseURL, s.startedBase, s.seenBase, "http://127.0.0.1")
}

// requestBase is the base for links in an answer to r.
func (s *Sandbox) requestBase(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	if r.Host != "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		return scheme + "://" + r.Host
	}
	return s.baseLocked()
}

// Close stops the server started by Start, the clock loop and webhook
// delivery, and releases hanging requests. Pending webhook deliveries are
// dropped. Close is idempotent.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	srv, done := s.srv, s.srvDone
	close(s.stop)
	s.mu.Unlock()
	var err error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = srv.Shutdown(ctx)
		if err != nil {
			err = srv.Close()
		}
		<-done
	}
	s.wg.Wait()
	return err
}

// now is the sandbox clock. Callers hold s.mu or accept a racy offset read;
// all callers hold s.mu.
func (s *Sandbox) nowLocked() time.Time {
	return s.cfg.Now().Add(s.offset).UTC()
}

// Now returns the sandbox clock: Config.Now plus everything Advance added.
func (s *Sandbox) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

// Advance moves the sandbox clock forward by d and applies every
// transition that became due (processing, 30-day returns, token expiry,
// de-duplication expiry), queuing their webhooks, before it returns.
func (s *Sandbox) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.offset += d
	}
	s.advanceLocked()
}

func (s *Sandbox) tickLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			s.advanceLocked()
			s.mu.Unlock()
		}
	}
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomID returns n characters from alphabet, from crypto/rand.
func randomID(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func newDebugID() string { return randomID(13, "0123456789abcdef") }

// uniqueID returns a 13-character upper-case alphanumeric id, unused by
// batches and items.
func (s *Sandbox) uniqueIDLocked() string {
	for {
		id := randomID(13, idAlphabet)
		if _, ok := s.batches[id]; ok {
			continue
		}
		if _, ok := s.items[id]; ok {
			continue
		}
		return id
	}
}

func ts(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }
