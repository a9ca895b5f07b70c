package paypal

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/models"
)

// Integration tests against internal/paypalsandbox, the local PayPal.

func startSandbox(t *testing.T, cfg paypalsandbox.Config) (*paypalsandbox.Sandbox, string) {
	t.Helper()
	cfg.ClientID, cfg.Secret = "client-id", "s3cret-value"
	sb := paypalsandbox.New(cfg)
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb, base
}

func sandboxClient(t *testing.T, sb *paypalsandbox.Sandbox, base string, mod func(*Config)) *Client {
	t.Helper()
	cfg := testConfig(base)
	cfg.Timeout = 5 * time.Second
	cfg.WebhookID = sb.WebhookID()
	cfg.CertHosts = []string{"http://" + strings.TrimPrefix(base, "http://")}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// settle moves the sandbox clock past processing.
func settle(sb *paypalsandbox.Sandbox) { sb.Advance(2 * time.Second) }

func TestSandboxCreateAndReconcile(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, paypalsandbox.Config{})
	c := sandboxClient(t, sb, base, nil)
	b := oneItemBatch("bb-award-1-a1")
	created, err := c.CreateBatch(ctxT(t), b)
	if err != nil {
		t.Fatal(err)
	}
	if created.Duplicate || created.Status != "PENDING" || len(created.BatchID) != 13 {
		t.Fatalf("created %+v", created)
	}
	settle(sb)
	got, err := c.GetBatch(ctxT(t), created.BatchID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "SUCCESS" || got.SenderBatchID != b.SenderBatchID || len(got.Items) != 1 {
		t.Fatalf("batch %+v", got)
	}
	it := got.Items[0]
	if it.TransactionStatus != "SUCCESS" || it.SenderItemID != "award-1" || it.Amount != usd(1000) ||
		it.Receiver != "researcher@example.com" || it.Fee.Currency != "USD" || it.Fee.Minor <= 0 || it.TransactionID == "" ||
		it.TimeProcessed.IsZero() {
		t.Errorf("item %+v", it)
	}
	one, err := c.GetItem(ctxT(t), it.PayoutItemID)
	if err != nil || one.SenderBatchID != b.SenderBatchID || one.PayoutBatchID != created.BatchID || one.TransactionStatus != "SUCCESS" {
		t.Errorf("GetItem = %+v, %v", one, err)
	}

	// Same sender_batch_id again: adopt, never a second batch.
	again, err := c.CreateBatch(ctxT(t), b)
	if err != nil || !again.Duplicate || again.BatchID != created.BatchID {
		t.Fatalf("re-create = %+v, %v", again, err)
	}
	if n := len(sb.Batches()); n != 1 {
		t.Errorf("%d batches, want 1", n)
	}
	for _, r := range sb.Requests() {
		if r.Path == "/v1/payments/payouts" && r.Method == http.MethodPost && r.Header.Get("PayPal-Request-Id") != b.SenderBatchID {
			t.Errorf("PayPal-Request-Id %q", r.Header.Get("PayPal-Request-Id"))
		}
	}

	if _, err := c.GetBatch(ctxT(t), "NOSUCHBATCH00"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown batch: %v", err)
	}
	if _, err := c.GetItem(ctxT(t), "NOSUCHITEM000"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown item: %v", err)
	}
}

// After every ambiguous failure, re-sending the same Batch ends with
// exactly one batch at the sandbox.
func TestSandboxFaultsThenRetryPaysOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		fault         paypalsandbox.Fault
		firstKind     error
		wantDuplicate bool // the retry adopts the committed batch
	}{
		{"500 before", paypalsandbox.Fault{Kind: paypalsandbox.FaultError500}, models.ErrTransient, false},
		{"500 after commit", paypalsandbox.Fault{Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageAfter}, models.ErrTransient, true},
		{"HTML 502", paypalsandbox.Fault{Kind: paypalsandbox.FaultHTML502}, models.ErrTransient, false},
		{"HTML 503 after commit", paypalsandbox.Fault{Kind: paypalsandbox.FaultHTML503, Stage: paypalsandbox.StageAfter}, models.ErrTransient, true},
		{"reset after commit", paypalsandbox.Fault{Kind: paypalsandbox.FaultReset}, models.ErrTransient, true},
		{"reset before", paypalsandbox.Fault{Kind: paypalsandbox.FaultReset, Stage: paypalsandbox.StageBefore}, models.ErrTransient, false},
		{"hang after commit", paypalsandbox.Fault{Kind: paypalsandbox.FaultHang}, models.ErrTransient, true},
		{"truncated 201", paypalsandbox.Fault{Kind: paypalsandbox.FaultTruncate}, models.ErrTransient, true},
		{"429", paypalsandbox.Fault{Kind: paypalsandbox.FaultRateLimit, RetryAfterSeconds: 3}, models.ErrTransient, false},
		{"token revoked mid-run", paypalsandbox.Fault{Kind: paypalsandbox.FaultTokenRevoked}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb, base := startSandbox(t, paypalsandbox.Config{})
			c := sandboxClient(t, sb, base, func(cfg *Config) { cfg.Timeout = time.Second })
			// Warm the token so token faults hit the create.
			if _, _, err := c.accessToken(ctxT(t), 0); err != nil {
				t.Fatal(err)
			}
			if err := sb.InjectFault(tt.fault); err != nil {
				t.Fatal(err)
			}
			b := oneItemBatch("bb-award-9-a1")
			first, err := c.CreateBatch(ctxT(t), b)
			if tt.firstKind == nil {
				if err != nil || first.BatchID == "" {
					t.Fatalf("first = %+v, %v", first, err)
				}
			} else {
				if !errors.Is(err, tt.firstKind) {
					t.Fatalf("first err = %v, want %v", err, tt.firstKind)
				}
				t.Logf("first: %v", err)
				if tt.fault.Kind == paypalsandbox.FaultRateLimit {
					if d, ok := RetryAfter(err); !ok || d != 3*time.Second {
						t.Errorf("RetryAfter = %v, %v", d, ok)
					}
				}
				retry, err := c.CreateBatch(ctxT(t), b)
				if err != nil {
					t.Fatalf("retry: %v", err)
				}
				if retry.Duplicate != tt.wantDuplicate {
					t.Errorf("retry %+v, want duplicate=%v", retry, tt.wantDuplicate)
				}
				// Adopt, then verify against the frozen request.
				held, err := c.GetBatch(ctxT(t), retry.BatchID)
				if err != nil {
					t.Fatal(err)
				}
				if err := held.Matches(b); err != nil {
					t.Errorf("adopted batch does not match: %v", err)
				}
				other := b
				other.Items = []Item{b.Items[0]}
				other.Items[0].Amount = usd(999)
				if err := held.Matches(other); !errors.Is(err, models.ErrConflict) {
					t.Errorf("Matches with another amount = %v", err)
				}
			}
			batches := sb.Batches()
			if len(batches) != 1 || batches[0].SenderBatchID != b.SenderBatchID {
				t.Fatalf("batches %+v, want exactly one", batches)
			}
		})
	}
}

func TestSandboxDuplicateWithoutLink(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, paypalsandbox.Config{})
	c := sandboxClient(t, sb, base, nil)
	b := oneItemBatch("bb-award-2-a1")
	if _, err := c.CreateBatch(ctxT(t), b); err != nil {
		t.Fatal(err)
	}
	if err := sb.InjectFault(paypalsandbox.Fault{Kind: paypalsandbox.FaultDuplicateNoLink}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateBatch(ctxT(t), b)
	if !errors.Is(err, ErrDuplicateNoLink) || !errors.Is(err, models.ErrConflict) || errors.Is(err, models.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}

func TestSandboxCreateErrors(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, paypalsandbox.Config{})
	c := sandboxClient(t, sb, base, nil)
	tests := []struct {
		note     string
		mod      func(*Batch)
		is       []error
		isNot    []error
		operator bool
	}{
		{note: "ERRPYO005", is: []error{models.ErrTransient}, isNot: []error{models.ErrInvalid}, operator: true},    // INSUFFICIENT_FUNDS
		{note: "ERRPYO001", is: []error{models.ErrTransient}, isNot: []error{models.ErrInvalid}, operator: true},    // SENDER_RESTRICTED
		{note: "ERRPYO038", is: []error{models.ErrTransient}, isNot: []error{models.ErrInvalid}, operator: true},    // NON_HOLDING_CURRENCY
		{note: "ERRPYO010", is: []error{models.ErrInvalid}, isNot: []error{models.ErrTransient}},                    // VALIDATION_ERROR
		{note: "ERRPYO006", is: []error{models.ErrTransient}, isNot: []error{models.ErrInvalid}},                    // INTERNAL_ERROR
		{note: "ERRPYO036", is: []error{models.ErrTransient}, isNot: []error{models.ErrInvalid}},                    // 504 REQUEST_TIMEOUT_EXCEEDED
		{note: "ERRPYO039", is: []error{models.ErrTransient}, isNot: []error{models.ErrInvalid}},                    // PREVIOUS_REQUEST_IN_PROGRESS
		{note: "ERRPYO014", is: []error{models.ErrConflict}, isNot: []error{models.ErrInvalid, ErrDuplicateNoLink}}, // USER_BUSINESS_ERROR, not a duplicate
		{note: "bad receiver", mod: func(b *Batch) { b.Items[0].Receiver = "not-an-email" },
			is: []error{models.ErrInvalid}, isNot: []error{models.ErrTransient}},
		{note: "SEK not held", mod: func(b *Batch) { b.Items[0].Amount = models.Money{Minor: 1, Currency: "SEK"} },
			is: []error{models.ErrTransient}, isNot: []error{models.ErrInvalid}, operator: true},
	}
	for i, tt := range tests {
		b := oneItemBatch("bb-err-" + string(rune('a'+i)))
		b.Items[0].Note = tt.note
		if tt.mod != nil {
			tt.mod(&b)
		}
		_, err := c.CreateBatch(ctxT(t), b)
		t.Logf("%s: %v", tt.note, err)
		for _, k := range tt.is {
			if !errors.Is(err, k) {
				t.Errorf("%s: err = %v, want %v", tt.note, err, k)
			}
		}
		for _, k := range tt.isNot {
			if errors.Is(err, k) {
				t.Errorf("%s: err = %v matches %v", tt.note, err, k)
			}
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.OperatorProblem() != tt.operator {
			t.Errorf("%s: OperatorProblem = %v", tt.note, ae.OperatorProblem())
		}
	}
	if n := len(sb.Batches()); n != 0 {
		t.Errorf("%d batches created by refused requests", n)
	}
}

func TestSandboxPagingAndCancel(t *testing.T) {
	t.Parallel()
	sb, base := startSandbox(t, paypalsandbox.Config{})
	c := sandboxClient(t, sb, base, func(cfg *Config) { cfg.PageSize = 2 })
	b := Batch{SenderBatchID: "bb-multi-a1"}
	receivers := []string{"a@example.com", "b+unclaimed@example.com", "c+fail@example.com", "d@example.com", "e+onhold@example.com"}
	for i, r := range receivers {
		b.Items = append(b.Items, Item{SenderItemID: "award-" + string(rune('0'+i)), Receiver: r, Amount: models.Money{Minor: int64(1000 * (i + 1)), Currency: "JPY"}})
	}
	created, err := c.CreateBatch(ctxT(t), b)
	if err != nil {
		t.Fatal(err)
	}
	settle(sb)
	got, err := c.GetBatch(ctxT(t), created.BatchID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != len(receivers) {
		t.Fatalf("%d items over pages, want %d", len(got.Items), len(receivers))
	}
	status := map[string]ItemStatus{}
	for _, it := range got.Items {
		status[it.Receiver] = it
	}
	for r, want := range map[string]string{"a@example.com": "SUCCESS", "b+unclaimed@example.com": "UNCLAIMED",
		"c+fail@example.com": "FAILED", "e+onhold@example.com": "ONHOLD"} {
		if status[r].TransactionStatus != want {
			t.Errorf("%s: %+v, want %s", r, status[r], want)
		}
	}
	if status["b+unclaimed@example.com"].ErrorName != "RECEIVER_UNREGISTERED" || status["c+fail@example.com"].ErrorName != "RECEIVER_ACCOUNT_INVALID" {
		t.Errorf("item errors: %+v", got.Items)
	}
	if status["d@example.com"].Amount != (models.Money{Minor: 4000, Currency: "JPY"}) {
		t.Errorf("JPY amount %+v", status["d@example.com"].Amount)
	}
	var getBatchCalls int
	for _, r := range sb.Requests() {
		if r.Method == http.MethodGet && strings.HasPrefix(r.Path, "/v1/payments/payouts/") {
			getBatchCalls++
		}
	}
	if getBatchCalls != 3 {
		t.Errorf("%d GET batch calls, want 3 pages", getBatchCalls)
	}

	unclaimed := status["b+unclaimed@example.com"].PayoutItemID
	ret, err := c.CancelItem(ctxT(t), unclaimed)
	if err != nil || ret.TransactionStatus != "RETURNED" {
		t.Fatalf("cancel = %+v, %v", ret, err)
	}
	if _, err := c.CancelItem(ctxT(t), unclaimed); !errors.Is(err, ErrItemAlreadyCancelled) {
		t.Errorf("second cancel: %v", err)
	}
	if _, err := c.CancelItem(ctxT(t), status["a@example.com"].PayoutItemID); !errors.Is(err, ErrItemIncorrectStatus) {
		t.Errorf("cancel SUCCESS item: %v", err)
	}
}

func TestSandboxWebhooksVerify(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		events []Event
		errs   []error
		c      *Client
		ready  = make(chan struct{})
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-ready
		body, _ := io.ReadAll(r.Body)
		ev, err := c.VerifyWebhook(r.Context(), r.Header, body)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		events = append(events, ev)
	}))
	defer hook.Close()
	sb, base := startSandbox(t, paypalsandbox.Config{WebhookURL: hook.URL, WebhookRetries: -1})
	c = sandboxClient(t, sb, base, nil)
	close(ready)

	created, err := c.CreateBatch(ctxT(t), oneItemBatch("bb-award-3-a1"))
	if err != nil {
		t.Fatal(err)
	}
	settle(sb)
	if err := sb.WaitIdle(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Fatalf("verification failed: %v", errs)
	}
	var sawItem, sawBatch bool
	for _, ev := range events {
		if ev.Resource.PayoutBatchID != created.BatchID || ev.Resource.SenderBatchID != "bb-award-3-a1" {
			t.Errorf("event %+v", ev)
		}
		switch ev.EventType {
		case "PAYMENT.PAYOUTS-ITEM.SUCCEEDED":
			sawItem = ev.Resource.TransactionStatus == "SUCCESS" && ev.Resource.SenderItemID == "award-1" && ev.Resource.PayoutItemID != ""
		case "PAYMENT.PAYOUTSBATCH.SUCCESS":
			sawBatch = ev.Resource.BatchStatus == "SUCCESS"
		}
	}
	if !sawItem || !sawBatch {
		t.Errorf("events %+v: want verified item SUCCEEDED and batch SUCCESS", events)
	}
	if len(sb.Events()) != len(events) {
		t.Errorf("%d events emitted, %d verified", len(sb.Events()), len(events))
	}
}
