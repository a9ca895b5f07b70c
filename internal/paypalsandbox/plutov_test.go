package paypalsandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/plutov/paypal/v4"
)

// TestPlutovClient drives the sandbox with the real client bountypay uses.
func TestPlutovClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hooks := make(chan *http.Request, 64)
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		buf.ReadFrom(r.Body)
		r2 := r.Clone(context.Background())
		r2.Body = ioNopCloser(buf.Bytes())
		hooks <- r2
	}))
	t.Cleanup(hookSrv.Close)

	sb := New(Config{ClientID: "cid", Secret: "csecret", SigningKey: sharedKey(t), WebhookURL: hookSrv.URL})
	t.Cleanup(func() { sb.Close() })
	base, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	bad, _ := paypal.NewClient("cid", "wrong", base)
	if _, err := bad.GetAccessToken(ctx); err == nil {
		t.Error("token with a wrong secret")
	} else {
		var er *paypal.ErrorResponse
		if !errors.As(err, &er) || er.Response.StatusCode != 401 {
			t.Errorf("wrong secret: %v", err)
		}
	}

	c, err := paypal.NewClient("cid", "csecret", base)
	if err != nil {
		t.Fatal(err)
	}
	c.SetHTTPClient(&http.Client{Timeout: 5 * time.Second})
	tok, err := c.GetAccessToken(ctx)
	if err != nil || tok.Token == "" || tok.ExpiresIn != 32400 {
		t.Fatalf("token %+v: %v", tok, err)
	}

	p := paypal.Payout{
		SenderBatchHeader: &paypal.SenderBatchHeader{SenderBatchID: "bb-award-1-a1", EmailSubject: "Bounty", EmailMessage: "Thanks"},
		Items: []paypal.PayoutItem{{
			RecipientType: "EMAIL", RecipientWallet: paypal.PaypalRecipientWallet, Receiver: "researcher@example.com",
			Amount: &paypal.AmountPayout{Currency: "USD", Value: "150.00"}, SenderItemID: "award-1",
		}},
	}
	created, err := c.CreatePayout(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	bid := created.BatchHeader.PayoutBatchID
	if created.BatchHeader.BatchStatus != "PENDING" || created.BatchHeader.TimeCreated == nil || len(created.Links) != 1 {
		t.Errorf("created %+v", created.BatchHeader)
	}

	// The duplicate is detectable from its error body.
	_, err = c.CreatePayout(ctx, p)
	var er *paypal.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != 400 || er.Name != "USER_BUSINESS_ERROR" ||
		!strings.EqualFold(er.Details[0].Field, "SENDER_BATCH_ID") || path.Base(er.Details[0].Links[0].Href) != bid {
		t.Errorf("duplicate: %v", err)
	}

	sb.Advance(time.Second)
	got, err := c.GetPayout(ctx, bid)
	if err != nil {
		t.Fatal(err)
	}
	if got.BatchHeader.BatchStatus != "SUCCESS" || got.BatchHeader.Fees.Value != "1.00" || got.BatchHeader.TimeCompleted == nil ||
		len(got.Items) != 1 || got.Items[0].TransactionStatus != "SUCCESS" || got.Items[0].PayoutItem.SenderItemID != "award-1" {
		t.Errorf("batch %+v items %+v", got.BatchHeader, got.Items)
	}
	item, err := c.GetPayoutItem(ctx, got.Items[0].PayoutItemID)
	if err != nil {
		t.Fatal(err)
	}
	if item.TransactionStatus != "SUCCESS" || item.PayoutBatchID != bid || item.TimeProcessed == nil || item.PayoutItemFee.Value != "1.00" {
		t.Errorf("item %+v", item)
	}
	if _, err := c.CancelPayoutItem(ctx, item.PayoutItemID); !errors.As(err, &er) || er.Name != "ITEM_INCORRECT_STATUS" {
		t.Errorf("cancel success item: %v", err)
	}
	if _, err := c.GetPayout(ctx, "NOPE"); !errors.As(err, &er) || er.Response.StatusCode != 404 || er.Name != "INVALID_RESOURCE_ID" {
		t.Errorf("unknown batch: %v", err)
	}

	// Unclaimed, then cancelled through the client.
	p.SenderBatchHeader.SenderBatchID = "bb-award-2-a1"
	p.Items[0].Receiver = "new+unclaimed@example.com"
	created, err = c.CreatePayout(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	sb.Advance(time.Second)
	got, _ = c.GetPayout(ctx, created.BatchHeader.PayoutBatchID)
	if got.Items[0].TransactionStatus != "UNCLAIMED" || got.Items[0].Error.Name != "RECEIVER_UNREGISTERED" {
		t.Errorf("unclaimed item %+v", got.Items[0])
	}
	cancelled, err := c.CancelPayoutItem(ctx, got.Items[0].PayoutItemID)
	if err != nil || cancelled.TransactionStatus != "RETURNED" {
		t.Errorf("cancel: %+v %v", cancelled, err)
	}

	// The client's webhook verification round-trips the received body.
	select {
	case r := <-hooks:
		res, err := c.VerifyWebhookSignature(ctx, r, sb.WebhookID())
		if err != nil || res.VerificationStatus != "SUCCESS" {
			t.Errorf("verify: %+v %v", res, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook")
	}

	// Token expiry mid-run: plutov ignores 401, so the caller sees it.
	sb.RevokeTokens()
	if _, err := c.GetPayout(ctx, bid); !errors.As(err, &er) || er.Response.StatusCode != 401 {
		t.Errorf("revoked: %v", err)
	}
	if _, err := c.GetAccessToken(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPayout(ctx, bid); err != nil {
		t.Errorf("after refresh: %v", err)
	}

	// A truncated 201 is an error although the batch exists.
	sb.InjectFault(Fault{Kind: FaultTruncate})
	p.SenderBatchHeader.SenderBatchID = "bb-award-3-a1"
	if _, err := c.CreatePayout(ctx, p); err == nil {
		t.Error("truncated body decoded")
	}
	// An HTML 502 is a *json.SyntaxError, not an ErrorResponse.
	sb.InjectFault(Fault{Kind: FaultHTML502})
	p.SenderBatchHeader.SenderBatchID = "bb-award-4-a1"
	_, err = c.CreatePayout(ctx, p)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("HTML 502: %T %v", err, err)
	}
	n := 0
	for _, r := range sb.Requests() {
		if r.Endpoint == EndpointCreate {
			n++
		}
	}
	if n != 5 {
		t.Errorf("%d creates logged", n)
	}
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func ioNopCloser(b []byte) nopCloser { return nopCloser{bytes.NewReader(b)} }
