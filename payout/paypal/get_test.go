package paypal

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

// pagedBatch serves a batch of n items in pages, as PayPal does with
// total_required=true; withTotals=false leaves total_items/total_pages out.
func pagedBatch(t *testing.T, n int, withTotals bool, ignorePaging bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/v1/payments/payouts/Q8KVJG9TZTNN4" {
			writeJSON(w, 404, `{"name":"INVALID_RESOURCE_ID","message":"Requested resource ID was not found.","debug_id":"x"}`)
			return
		}
		q := r.URL.Query()
		page, _ := strconv.Atoi(q.Get("page"))
		size, _ := strconv.Atoi(q.Get("page_size"))
		if q.Get("total_required") != "true" || page < 1 || size < 1 {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		if ignorePaging {
			page, size = 1, n
		}
		var items []map[string]any
		for i := (page - 1) * size; i < min(page*size, n); i++ {
			items = append(items, map[string]any{
				"payout_item_id":     fmt.Sprintf("ITEM%03d", i),
				"transaction_id":     fmt.Sprintf("TX%03d", i),
				"transaction_status": []string{"SUCCESS", "UNCLAIMED", "FAILED"}[i%3],
				"payout_item_fee":    map[string]string{"currency": "HUF", "value": "20"},
				"payout_batch_id":    "Q8KVJG9TZTNN4",
				"payout_item": map[string]any{
					"amount":         map[string]string{"currency": "HUF", "value": strconv.Itoa(1000 + i)},
					"recipient_type": "EMAIL", "receiver": fmt.Sprintf("r%d@example.com", i),
					"sender_item_id": fmt.Sprintf("award-%d", i),
				},
				"time_processed": "2026-01-02T03:04:25Z",
				"errors":         map[string]any{"name": "RECEIVER_UNREGISTERED", "message": "Receiver is unregistered", "details": []any{}},
			})
		}
		body := map[string]any{
			"batch_header": map[string]any{
				"payout_batch_id": "Q8KVJG9TZTNN4", "batch_status": "SUCCESS",
				"time_created": "2026-01-02T03:04:05Z", "time_completed": "2026-01-02T03:04:30Z",
				"sender_batch_header": map[string]string{"sender_batch_id": "bb-award-1-a1"},
				"amount":              map[string]string{"currency": "HUF", "value": "5010.00"},
				"fees":                map[string]string{"currency": "HUF", "value": "100"},
			},
			"items": items,
		}
		if withTotals {
			body["total_items"] = n
			body["total_pages"] = (n + size - 1) / size
		}
		b, _ := json.Marshal(body)
		writeJSON(w, 200, string(b))
	}
}

func TestGetBatchAllPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		n, pageSize  int
		totals       bool
		ignorePaging bool
		wantRequests int
	}{
		{"3 pages with totals", 5, 2, true, false, 3},
		{"3 full pages with totals", 6, 2, true, false, 3},
		{"3 pages without totals", 5, 2, false, false, 3},
		{"exact pages without totals needs an empty page", 6, 2, false, false, 4},
		{"one page", 3, 1000, true, false, 1},
		{"server ignores paging", 5, 2, false, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakePayPal(t, pagedBatch(t, tt.n, tt.totals, tt.ignorePaging))
			c := newTestClient(t, f, func(cfg *Config) { cfg.PageSize = tt.pageSize })
			got, err := c.GetBatch(ctxT(t), "Q8KVJG9TZTNN4")
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Items) != tt.n {
				t.Fatalf("%d items, want %d", len(got.Items), tt.n)
			}
			if r := len(f.recorded()); r != tt.wantRequests {
				t.Errorf("%d requests, want %d", r, tt.wantRequests)
			}
			if got.BatchID != "Q8KVJG9TZTNN4" || got.SenderBatchID != "bb-award-1-a1" || got.Status != "SUCCESS" ||
				got.Amount != (models.Money{Minor: 501000, Currency: "HUF"}) ||
				got.Fees != (models.Money{Minor: 10000, Currency: "HUF"}) ||
				!got.TimeCreated.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
				t.Errorf("header %+v", got)
			}
			for i, it := range got.Items {
				want := ItemStatus{
					PayoutItemID:      fmt.Sprintf("ITEM%03d", i),
					PayoutBatchID:     "Q8KVJG9TZTNN4",
					TransactionID:     fmt.Sprintf("TX%03d", i),
					TransactionStatus: []string{"SUCCESS", "UNCLAIMED", "FAILED"}[i%3],
					SenderItemID:      fmt.Sprintf("award-%d", i),
					Receiver:          fmt.Sprintf("r%d@example.com", i),
					RecipientType:     "EMAIL",
					Amount:            models.Money{Minor: int64(1000+i) * 100, Currency: "HUF"},
					Fee:               models.Money{Minor: 2000, Currency: "HUF"},
					TimeProcessed:     time.Date(2026, 1, 2, 3, 4, 25, 0, time.UTC),
					ErrorName:         "RECEIVER_UNREGISTERED",
					ErrorMessage:      "Receiver is unregistered",
				}
				if it != want {
					t.Errorf("item %d:\n got %+v\nwant %+v", i, it, want)
				}
			}
		})
	}
}

func TestGetBatchErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		id      string
		want    error
	}{
		{"404", jsonHandler(404, `{"name":"INVALID_RESOURCE_ID","message":"Requested resource ID was not found.","debug_id":"x","information_link":"https://developer.paypal.com/docs/api/payments.payouts-batch/#errors","links":[]}`), "NOPE", models.ErrNotFound},
		{"404 spec shape", jsonHandler(404, `{"name":"RESOURCE_NOT_FOUND","message":"The specified resource does not exist.","details":[{"issue":"INVALID_RESOURCE_ID"}]}`), "NOPE", models.ErrNotFound},
		{"500", jsonHandler(500, bodyInternal), "Q8KVJG9TZTNN4", models.ErrTransient},
		{"truncated", jsonHandler(200, `{"batch_header":{"payout_batch_id":"Q8`), "Q8KVJG9TZTNN4", models.ErrTransient},
		{"bad amount", jsonHandler(200, `{"batch_header":{"payout_batch_id":"Q8","amount":{"currency":"USD","value":"1.234"}}}`), "Q8", models.ErrTransient},
		{"totals lie", jsonHandler(200, `{"batch_header":{"payout_batch_id":"Q8"},"items":[],"total_items":3,"total_pages":1}`), "Q8", models.ErrTransient},
		{"403 scope", jsonHandler(403, `{"name":"REQUIRED_SCOPE_MISSING","message":"Access token does not have required scope."}`), "Q8", models.ErrTransient},
		{"malformed id", jsonHandler(200, `{}`), "../token", models.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakePayPal(t, tt.handler)
			c := newTestClient(t, f, nil)
			_, err := c.GetBatch(ctxT(t), tt.id)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestGetItem(t *testing.T) {
	t.Parallel()
	f := newFakePayPal(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/v1/payments/payouts-item/8AELMXH8UB2P8" {
			writeJSON(w, 404, `{"name":"INVALID_RESOURCE_ID","message":"Requested resource ID was not found."}`)
			return
		}
		writeJSON(w, 200, bodyItemSuccess)
	})
	c := newTestClient(t, f, nil)
	got, err := c.GetItem(ctxT(t), "8AELMXH8UB2P8")
	if err != nil {
		t.Fatal(err)
	}
	want := ItemStatus{
		PayoutItemID: "8AELMXH8UB2P8", PayoutBatchID: "Q8KVJG9TZTNN4", SenderBatchID: "bb-award-1-a1",
		TransactionID: "0C413693MN970190K", TransactionStatus: "SUCCESS", SenderItemID: "award-1",
		Receiver: "researcher@example.com", RecipientType: "EMAIL", Amount: usd(1000), Fee: usd(25),
		TimeProcessed: time.Date(2026, 1, 2, 3, 4, 25, 0, time.UTC),
	}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if _, err := c.GetItem(ctxT(t), "UNKNOWN"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown item: %v", err)
	}
}

func TestCancelItem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		body    string
		want    []error
		wantNot []error
	}{
		{"returned", 200, `{"payout_item_id":"ITEM1","transaction_status":"RETURNED","payout_batch_id":"B1","payout_item":{"amount":{"value":"10.00","currency":"USD"},"receiver":"r@example.com","sender_item_id":"award-1"}}`, nil, nil},
		{"incorrect status", 400, `{"name":"ITEM_INCORRECT_STATUS","message":"Item cannot be cancelled.","debug_id":"d"}`,
			[]error{ErrItemIncorrectStatus, models.ErrConflict}, []error{models.ErrTransient, ErrItemAlreadyCancelled}},
		{"already cancelled", 400, `{"name":"ITEM_ALREADY_CANCELLED","message":"Item already cancelled.","debug_id":"d"}`,
			[]error{ErrItemAlreadyCancelled, models.ErrConflict}, []error{models.ErrTransient, ErrItemIncorrectStatus}},
		{"cancellation failed", 400, `{"name":"ITEM_CANCELLATION_FAILED","message":"Item cancellation failed.","debug_id":"d"}`,
			[]error{models.ErrTransient}, []error{models.ErrConflict, models.ErrInvalid}},
		{"unknown", 404, `{"name":"INVALID_RESOURCE_ID","message":"Requested resource ID was not found."}`,
			[]error{models.ErrNotFound}, nil},
		{"502", 502, `<html>bad gateway</html>`, []error{models.ErrTransient}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakePayPal(t, jsonHandler(tt.status, tt.body))
			c := newTestClient(t, f, nil)
			got, err := c.CancelItem(ctxT(t), "ITEM1")
			reqs := f.recorded()
			if len(reqs) != 1 || reqs[0].method != http.MethodPost || reqs[0].path != "/v1/payments/payouts-item/ITEM1/cancel" || len(reqs[0].body) != 0 {
				t.Errorf("requests %+v", reqs)
			}
			if tt.want == nil {
				if err != nil || got.TransactionStatus != "RETURNED" || got.Amount != usd(1000) {
					t.Fatalf("got %+v, %v", got, err)
				}
				return
			}
			for _, k := range tt.want {
				if !errors.Is(err, k) {
					t.Errorf("errors.Is(%v, %v) = false", err, k)
				}
			}
			for _, k := range tt.wantNot {
				if errors.Is(err, k) {
					t.Errorf("errors.Is(%v, %v) = true", err, k)
				}
			}
		})
	}
}
