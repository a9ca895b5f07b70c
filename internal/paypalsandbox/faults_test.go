package paypalsandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawPost posts a create with a fresh connection and returns the error of
// the transport, if any.
func (e *env) rawCreate(ctx context.Context, body any) (resp, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, "POST", e.base+"/v1/payments/payouts", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+e.tok)
	req.Header.Set("Content-Type", "application/json")
	cli := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := cli.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: data}, err
}

// assertStoredOnce checks that sender_batch_id sb was stored exactly once
// and that a retry answers the duplicate with a link to it.
func (e *env) assertStoredOnce(sbid string, stored bool) {
	e.t.Helper()
	n := 0
	var id string
	for _, b := range e.sb.Batches() {
		if b.SenderBatchID == sbid {
			n++
			id = b.PayoutBatchID
		}
	}
	want := 0
	if stored {
		want = 1
	}
	if n != want {
		e.t.Fatalf("%s stored %d times, want %d", sbid, n, want)
	}
	r := e.do("POST", "/v1/payments/payouts", payout(sbid, "a@example.com"))
	if stored {
		if r.status != 400 || !strings.HasSuffix(dig(r.json(e.t), "details", 0, "link", 0, "href").(string), "/"+id) {
			e.t.Errorf("retry of %s: %d %s", sbid, r.status, r.body)
		}
	} else if r.status != 201 {
		e.t.Errorf("retry of %s: %d %s", sbid, r.status, r.body)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name   string
		fault  Fault
		check  func(t *testing.T, r resp, err error)
		stored bool
	}{
		{"500 before", Fault{Kind: FaultError500}, func(t *testing.T, r resp, err error) {
			if err != nil || r.status != 500 || !strings.Contains(string(r.body), `"name":"INTERNAL_SERVER_ERROR"`) {
				t.Errorf("%v %d %s", err, r.status, r.body)
			}
			assertSchema(t, "error", r.body)
		}, false},
		{"500 after", Fault{Kind: FaultError500, Stage: StageAfter}, func(t *testing.T, r resp, err error) {
			if err != nil || r.status != 500 {
				t.Errorf("%v %d %s", err, r.status, r.body)
			}
		}, true},
		{"502 html", Fault{Kind: FaultHTML502}, func(t *testing.T, r resp, err error) {
			if err != nil || r.status != 502 || r.header.Get("Content-Type") != "text/html" || !strings.HasPrefix(string(r.body), "<html>") {
				t.Errorf("%v %d %s", err, r.status, r.body)
			}
		}, false},
		{"503 html after", Fault{Kind: FaultHTML503, Stage: StageAfter}, func(t *testing.T, r resp, err error) {
			if err != nil || r.status != 503 || !strings.Contains(string(r.body), "503 Service") {
				t.Errorf("%v %d %s", err, r.status, r.body)
			}
		}, true},
		{"429", Fault{Kind: FaultRateLimit, RetryAfterSeconds: 7}, func(t *testing.T, r resp, err error) {
			if err != nil || r.status != 429 || r.header.Get("Retry-After") != "7" || !strings.Contains(string(r.body), "RATE_LIMIT_REACHED") {
				t.Errorf("%v %d %v %s", err, r.status, r.header, r.body)
			}
			assertSchema(t, "error", r.body)
		}, false},
		{"truncated 201", Fault{Kind: FaultTruncate}, func(t *testing.T, r resp, err error) {
			var v any
			if err != nil || r.status != 201 || json.Unmarshal(r.body, &v) == nil || len(r.body) == 0 {
				t.Errorf("%v %d %s", err, r.status, r.body)
			}
		}, true},
		{"reset after", Fault{Kind: FaultReset}, func(t *testing.T, r resp, err error) {
			if err == nil {
				t.Errorf("no transport error: %d %s", r.status, r.body)
			}
		}, true},
		{"reset before", Fault{Kind: FaultReset, Stage: StageBefore}, func(t *testing.T, r resp, err error) {
			if err == nil {
				t.Errorf("no transport error: %d %s", r.status, r.body)
			}
		}, false},
		{"slow 201", Fault{Kind: FaultHang, HangMillis: 150}, func(t *testing.T, r resp, err error) {
			if err != nil || r.status != 201 {
				t.Errorf("%v %d %s", err, r.status, r.body)
			}
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Config{})
			if err := e.sb.InjectFault(tc.fault); err != nil {
				t.Fatal(err)
			}
			r, err := e.rawCreate(ctx, payout("f", "a@example.com"))
			tc.check(t, r, err)
			if len(e.sb.Faults()) != 0 {
				t.Error("fault not consumed")
			}
			if log := e.sb.Requests(); log[1].Endpoint != EndpointCreate || log[1].Fault != tc.fault.Kind {
				t.Errorf("request log %+v", log[1])
			}
			e.assertStoredOnce("f", tc.stored)
		})
	}
}

func TestFaultHangUntilClientGivesUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.sb.InjectFault(Fault{Kind: FaultHang})
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	giveUp := errors.New("client gave up")
	go func() {
		// Give up once the batch is stored, as a client timeout would.
		for len(e.sb.Batches()) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		cancel(giveUp)
	}()
	_, err := e.rawCreate(ctx, payout("h", "a@example.com"))
	if !errors.Is(context.Cause(ctx), giveUp) || err == nil {
		t.Errorf("err %v", err)
	}
	e.assertStoredOnce("h", true)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		log := e.sb.Requests()
		if log[1].Status == 0 && log[1].Fault == FaultHang {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hung request logged as %+v", log[1])
		}
	}

	// Close releases a hang.
	e2 := newEnv(t, Config{})
	e2.sb.InjectFault(Fault{Kind: FaultHang})
	done := make(chan error, 1)
	go func() {
		_, err := e2.rawCreate(context.Background(), payout("h", "a@example.com"))
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	go e2.sb.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("Close did not release the hang")
	}
}

func TestFaultTokenRevoked(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	id := e.create(payout("t", "a@example.com"))
	e.sb.InjectFault(Fault{Endpoint: EndpointGetBatch, Kind: FaultTokenRevoked})
	invalid := `{"error":"invalid_token","error_description":"Access Token not found in cache"}`
	for i := range 2 {
		if r := e.do("GET", "/v1/payments/payouts/"+id, nil); r.status != 401 || string(r.body) != invalid {
			t.Errorf("call %d: %d %s", i, r.status, r.body)
		}
	}
	old := e.tok
	e.tok = e.token("client-a", "secret")
	if e.tok == old || e.tok == "" {
		t.Fatal("no new token after revocation")
	}
	e.getBatch(id, "")
}

func TestFaultTargeting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	id := e.create(payout("tg", "a@example.com"))
	e.sb.InjectFault(Fault{Endpoint: EndpointGetItem, Kind: FaultError500, Count: 2},
		Fault{Endpoint: EndpointAny, Kind: FaultHTML503})
	itemID := e.sb.Items()[0].PayoutItemID
	// get_batch: only the "any" fault applies.
	if r := e.do("GET", "/v1/payments/payouts/"+id, nil); r.status != 503 {
		t.Errorf("get batch: %d", r.status)
	}
	e.getBatch(id, "")
	for range 2 {
		if r := e.do("GET", "/v1/payments/payouts-item/"+itemID, nil); r.status != 500 {
			t.Errorf("get item: %d", r.status)
		}
	}
	e.getItem(itemID)

	// Forever until cleared.
	e.sb.InjectFault(Fault{Endpoint: EndpointCancel, Kind: FaultRateLimit, Count: -1})
	for range 3 {
		if r := e.do("POST", "/v1/payments/payouts-item/"+itemID+"/cancel", nil); r.status != 429 {
			t.Errorf("cancel: %d", r.status)
		}
	}
	e.sb.ClearFaults()
	if r := e.do("POST", "/v1/payments/payouts-item/"+itemID+"/cancel", nil); r.status != 400 {
		t.Errorf("cancel after clear: %d", r.status)
	}

	// Token endpoint.
	e.sb.InjectFault(Fault{Endpoint: EndpointToken, Kind: FaultHTML502})
	if tok := e.token("client-a", "secret"); tok != "" {
		t.Error("token despite 502")
	}
	if tok := e.token("client-a", "secret"); tok == "" {
		t.Error("no token after the fault")
	}

	for _, bad := range []Fault{{Kind: "boom"}, {Endpoint: "nowhere", Kind: FaultReset},
		{Kind: FaultTruncate, Stage: StageBefore}, {Kind: FaultRateLimit, Stage: StageAfter},
		{Endpoint: EndpointGetBatch, Kind: FaultDuplicateNoLink}} {
		if err := e.sb.InjectFault(bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func TestFaultDuplicateNoLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.create(payout("dn", "a@example.com"))
	e.sb.InjectFault(Fault{Kind: FaultDuplicateNoLink})
	// A non-duplicate create does not consume it.
	e.create(payout("other", "a@example.com"))
	r := e.do("POST", "/v1/payments/payouts", payout("dn", "a@example.com"))
	if r.status != 400 || strings.Contains(string(r.body), `"link"`) || !strings.Contains(string(r.body), "Duplicate batch request") {
		t.Errorf("first duplicate: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/v1/payments/payouts", payout("dn", "a@example.com"))
	if !strings.Contains(string(r.body), `"link"`) {
		t.Errorf("second duplicate: %s", r.body)
	}
}

func TestFaultsOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	r := e.do("POST", "/sandbox/faults", `{"endpoint":"create","kind":"error_500","stage":"after","count":2}`)
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r = e.do("POST", "/sandbox/faults", `[{"kind":"rate_limit_429","retry_after_seconds":3},{"endpoint":"get_batch","kind":"hang","hang_ms":10}]`)
	var got []Fault
	json.Unmarshal(r.body, &got)
	if r.status != 201 || len(got) != 3 || got[0].Stage != StageAfter || got[1].Endpoint != EndpointCreate || got[2].HangMillis != 10 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := e.do("POST", "/sandbox/faults", `{"kind":"nope"}`); r.status != 400 {
		t.Errorf("bad fault: %d", r.status)
	}
	if r := e.do("GET", "/sandbox/faults", nil); !strings.Contains(string(r.body), "rate_limit_429") {
		t.Errorf("list: %s", r.body)
	}
	if r := e.do("DELETE", "/sandbox/faults", nil); r.status != 204 || len(e.sb.Faults()) != 0 {
		t.Errorf("clear: %d", r.status)
	}
}
