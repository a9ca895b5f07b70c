package paypalsandbox

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestProcessingOnClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	id := e.create(payout("p-1", "ok@example.com", "new+unclaimed@example.com", "bad+fail@example.com",
		"lim+onhold@example.com", "x+blocked@example.com", "u+unconfirmed@example.com", "l+locked@example.com"))
	steps := []struct {
		advance     time.Duration
		batch       string
		items       []string
		balanceUSD  string
		completed   bool
		processedAt string
	}{
		{0, "PENDING", []string{"PENDING", "PENDING", "PENDING", "PENDING", "PENDING", "PENDING", "PENDING"}, "999928.60", false, ""},
		{200 * time.Millisecond, "PROCESSING", []string{"PENDING", "PENDING", "PENDING", "PENDING", "PENDING", "PENDING", "PENDING"}, "999928.60", false, ""},
		{250 * time.Millisecond, "PROCESSING", []string{"SUCCESS", "UNCLAIMED", "FAILED", "ONHOLD", "BLOCKED", "UNCLAIMED", "FAILED"}, "999949.00", false, "2026-03-01T12:00:00Z"},
		{250 * time.Millisecond, "SUCCESS", []string{"SUCCESS", "UNCLAIMED", "FAILED", "ONHOLD", "BLOCKED", "UNCLAIMED", "FAILED"}, "999949.00", true, "2026-03-01T12:00:00Z"},
	}
	for i, st := range steps {
		e.sb.Advance(st.advance)
		m := e.getBatch(id, "")
		if got := batchStatus(m); got != st.batch {
			t.Errorf("step %d: batch %s, want %s", i, got, st.batch)
		}
		for j, it := range itemsOf(m) {
			if it["transaction_status"] != st.items[j] {
				t.Errorf("step %d item %d: %v, want %s", i, j, it["transaction_status"], st.items[j])
			}
		}
		if got := e.sb.Balances()["USD"]; got != st.balanceUSD {
			t.Errorf("step %d: balance %s, want %s", i, got, st.balanceUSD)
		}
		if _, ok := dig(m, "batch_header").(map[string]any)["time_completed"]; ok != st.completed {
			t.Errorf("step %d: time_completed present %v", i, ok)
		}
	}
	m := e.getBatch(id, "")
	wantErrs := []string{"", "RECEIVER_UNREGISTERED", "RECEIVER_ACCOUNT_INVALID", "RECEIVER_ACCOUNT_LIMITATION", "", "RECEIVER_UNCONFIRMED", "RECEIVER_ACCOUNT_LOCKED"}
	for j, it := range itemsOf(m) {
		name, _ := dig(it, "errors", "name").(string)
		if name != wantErrs[j] {
			t.Errorf("item %d error %q, want %q", j, name, wantErrs[j])
		}
		_, hasTxn := it["transaction_id"]
		if wantTxn := it["transaction_status"] != "FAILED" && it["transaction_status"] != "BLOCKED"; hasTxn != wantTxn {
			t.Errorf("item %d (%v) transaction_id present %v", j, it["transaction_status"], hasTxn)
		}
		if it["transaction_status"] == "FAILED" && dig(it, "payout_item_fee", "value") != "0.00" {
			t.Errorf("failed item charged a fee: %v", it["payout_item_fee"])
		}
	}
	// 5 items keep fees of 0.20 each; batch fees sum them.
	if got := dig(m, "batch_header", "fees", "value"); got != "1.00" {
		t.Errorf("batch fees %v", got)
	}
	if got := dig(m, "batch_header", "amount", "value"); got != "70.00" {
		t.Errorf("batch amount %v", got)
	}

	// 30 days after processing, UNCLAIMED items are RETURNED and funded back.
	e.sb.Advance(30*24*time.Hour - time.Second)
	if got := e.sb.Items()[1].TransactionStatus; got != ItemUnclaimed {
		t.Fatalf("before 30 days: %s", got)
	}
	e.sb.Advance(time.Second)
	for _, j := range []int{1, 5} {
		if got := e.sb.Items()[j].TransactionStatus; got != ItemReturned {
			t.Errorf("item %d after 30 days: %s", j, got)
		}
	}
	if got := e.sb.Balances()["USD"]; got != "999969.40" {
		t.Errorf("balance after returns %s", got)
	}
}

func TestDenied(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	id := e.create(payout("d-1", "a+fail@example.com", "b+locked@example.com"))
	e.sb.Advance(time.Second)
	m := e.getBatch(id, "")
	if batchStatus(m) != BatchDenied {
		t.Errorf("batch %s, want DENIED", batchStatus(m))
	}
	if got := e.sb.Balances()["USD"]; got != "1000000.00" {
		t.Errorf("balance %s: a denied batch must be credited back", got)
	}
	var types []string
	for _, ev := range e.sb.Events() {
		types = append(types, ev.EventType)
	}
	if want := "PAYMENT.PAYOUTSBATCH.PROCESSING PAYMENT.PAYOUTS-ITEM.FAILED PAYMENT.PAYOUTS-ITEM.FAILED PAYMENT.PAYOUTSBATCH.DENIED"; strings.Join(types, " ") != want {
		t.Errorf("events %v", types)
	}
}

func TestProcessingRealClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{}, envOpts{realClock: true})
	id := e.create(payout("rc-1", "a@example.com"))
	start := time.Now()
	for {
		if batchStatus(e.getBatch(id, "")) == BatchSuccess {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("batch not SUCCESS within 5 s on the real clock")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := e.sb.Items()[0].TransactionStatus; got != ItemSuccess {
		t.Errorf("item %s", got)
	}
	t.Logf("SUCCESS after %v on the real clock", time.Since(start))
}

func TestReceiverRegistry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	if err := e.sb.SetReceiver("Vip@Example.com", BehaviourOnHold); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.SetReceiver("x@example.com", "explode"); err == nil {
		t.Error("unknown behaviour accepted")
	}
	if r := e.do("POST", "/sandbox/receivers", `{"receiver":"plain+fail@example.com","behaviour":"success"}`); r.status != 200 {
		t.Fatalf("POST /sandbox/receivers: %d %s", r.status, r.body)
	}
	e.create(payout("reg", "vip@example.com", "plain+fail@example.com"))
	e.sb.Advance(time.Second)
	items := e.sb.Items()
	if items[0].TransactionStatus != ItemOnHold || items[1].TransactionStatus != ItemSuccess {
		t.Errorf("statuses %s %s", items[0].TransactionStatus, items[1].TransactionStatus)
	}
}

func TestLaterMoves(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.create(payout("lm", "a+unclaimed@example.com", "b+onhold@example.com", "c+onhold@example.com",
		"d@example.com", "e@example.com", "f+onhold@example.com"))
	e.sb.Advance(time.Second)
	ids := []string{}
	for _, it := range e.sb.Items() {
		ids = append(ids, it.PayoutItemID)
	}
	before := e.sb.Balances()["USD"] // 6 × 10.20 debited, none credited yet
	if before != "999938.80" {
		t.Fatalf("balance %s", before)
	}
	steps := []struct {
		name string
		do   func(string) error
		id   int
		want string
		bal  string
		err  error
	}{
		{"claim", e.sb.Claim, 0, ItemSuccess, "999938.80", nil},
		{"claim again", e.sb.Claim, 0, ItemSuccess, "999938.80", ErrIncorrectStatus},
		{"release", e.sb.ReleaseHold, 1, ItemSuccess, "999938.80", nil},
		{"fail hold", e.sb.FailHold, 2, ItemFailed, "999949.00", nil},
		{"refund", e.sb.Refund, 3, ItemRefunded, "999959.00", nil},
		{"reverse", e.sb.Reverse, 4, ItemReversed, "999969.00", nil},
		{"refund reversed", e.sb.Refund, 4, ItemReversed, "999969.00", ErrIncorrectStatus},
		{"return hold", e.sb.Return, 5, ItemReturned, "999979.20", nil},
	}
	for _, st := range steps {
		err := st.do(ids[st.id])
		if !errors.Is(err, st.err) {
			t.Errorf("%s: err %v, want %v", st.name, err, st.err)
		}
		if got := e.sb.Items()[st.id].TransactionStatus; got != st.want {
			t.Errorf("%s: %s, want %s", st.name, got, st.want)
		}
		if got := e.sb.Balances()["USD"]; got != st.bal {
			t.Errorf("%s: balance %s, want %s", st.name, got, st.bal)
		}
	}
	if err := e.sb.Claim("NOPE"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown item: %v", err)
	}
	// Over HTTP.
	if r := e.do("POST", "/sandbox/items/"+ids[0]+"/refund", nil); r.status != 200 || r.json(t)["transaction_status"] != "REFUNDED" {
		t.Errorf("HTTP refund: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/sandbox/items/"+ids[0]+"/refund", nil); r.status != 409 {
		t.Errorf("HTTP refund again: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/sandbox/items/NOPE/claim", nil); r.status != 404 {
		t.Errorf("HTTP unknown: %d %s", r.status, r.body)
	}
	for _, id := range ids {
		e.getItem(id)
	}
}

func TestGetBatchPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	recv := make([]string, 25)
	for i := range recv {
		recv[i] = fmt.Sprintf("r%d@example.com", i)
	}
	id := e.create(payout("pg", recv...))

	m := e.getBatch(id, "")
	if n := len(itemsOf(m)); n != 25 {
		t.Errorf("default page: %d items", n)
	}
	if _, ok := m["total_items"]; ok {
		t.Error("total_items without total_required")
	}
	if href := dig(m, "links", 0, "href"); href != e.base+"/v1/payments/payouts/"+id+"?page_size=1000&page=1" {
		t.Errorf("self link %v", href)
	}

	m = e.getBatch(id, "?page=2&page_size=10&total_required=true")
	items := itemsOf(m)
	if len(items) != 10 || dig(items[0], "payout_item", "receiver") != "r10@example.com" {
		t.Errorf("page 2: %d items, first %v", len(items), dig(items[0], "payout_item", "receiver"))
	}
	if m["total_items"] != float64(25) || m["total_pages"] != float64(3) {
		t.Errorf("totals %v %v", m["total_items"], m["total_pages"])
	}
	rels := []string{}
	for _, l := range m["links"].([]any) {
		rels = append(rels, l.(map[string]any)["rel"].(string))
	}
	if strings.Join(rels, ",") != "self,previous,next" {
		t.Errorf("links %v", rels)
	}
	if items := itemsOf(e.getBatch(id, "?page=3&page_size=10")); len(items) != 5 {
		t.Errorf("page 3: %d", len(items))
	}
	if items := e.getBatch(id, "?page=4&page_size=10")["items"].([]any); len(items) != 0 {
		t.Errorf("page 4: %d", len(items))
	}
	if m := e.getBatch(id, "?fields=batch_header"); m["items"] != nil {
		t.Error("fields=batch_header answered items")
	}
	for _, q := range []string{"?page=0", "?page_size=1001", "?page=x", "?total_required=maybe", "?fields=everything"} {
		r := e.do("GET", "/v1/payments/payouts/"+id+q, nil)
		if r.status != 400 || r.json(t)["name"] != "VALIDATION_ERROR" || dig(r.json(t), "details", 0, "location") != "query" {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
		assertSchema(t, "error", r.body)
	}
}

func TestGetItemAndNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	id := e.create(payout("gi", "a@example.com"))
	itemID := e.sb.Items()[0].PayoutItemID
	e.sb.Advance(time.Second)
	m := e.getItem(itemID)
	if m["sender_batch_id"] != "gi" || m["payout_batch_id"] != id || m["transaction_status"] != "SUCCESS" ||
		m["time_processed"] != "2026-03-01T12:00:00Z" || m["transaction_id"] == nil {
		t.Errorf("item: %v", m)
	}
	if dig(m, "links", 0, "rel") != "self" || dig(m, "links", 1, "rel") != "batch" || dig(m, "links", 1, "href") != e.base+"/v1/payments/payouts/"+id {
		t.Errorf("links: %v", m["links"])
	}
	for _, p := range []string{"/v1/payments/payouts/NOPE", "/v1/payments/payouts-item/NOPE"} {
		r := e.do("GET", p, nil)
		if r.status != 404 || r.json(t)["name"] != "INVALID_RESOURCE_ID" {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
		assertSchema(t, "error", r.body)
	}
	e2 := newEnv(t, Config{NotFoundName: "RESOURCE_NOT_FOUND"})
	r := e2.do("GET", "/v1/payments/payouts/NOPE", nil)
	if r.status != 404 || r.json(t)["name"] != "RESOURCE_NOT_FOUND" || dig(r.json(t), "details", 0, "issue") != "INVALID_RESOURCE_ID" {
		t.Errorf("spec 404: %d %s", r.status, r.body)
	}
	assertSchema(t, "error", r.body)
}

func TestCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	e.create(payout("c", "a+unclaimed@example.com", "b@example.com"))
	items := e.sb.Items()
	un, ok := items[0].PayoutItemID, items[1].PayoutItemID
	cancel := func(id string) resp { return e.do("POST", "/v1/payments/payouts-item/"+id+"/cancel", nil) }

	if r := cancel(un); r.status != 400 || r.json(t)["name"] != "ITEM_INCORRECT_STATUS" {
		t.Errorf("pending: %d %s", r.status, r.body)
	}
	e.sb.Advance(450 * time.Millisecond) // items decided, batch still PROCESSING
	if r := cancel(un); r.status != 400 || r.json(t)["name"] != "ITEM_INCORRECT_STATUS" {
		t.Errorf("batch processing: %d %s", r.status, r.body)
	}
	e.sb.Advance(time.Second)
	if r := cancel(ok); r.status != 400 || r.json(t)["name"] != "ITEM_INCORRECT_STATUS" {
		t.Errorf("success item: %d %s", r.status, r.body)
	}
	bal := e.sb.Balances()["USD"]
	r := cancel(un)
	if r.status != 200 || r.json(t)["transaction_status"] != "RETURNED" {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	assertSchema(t, "payout_item-2", r.body)
	if bal != "999979.60" || e.sb.Balances()["USD"] != "999989.80" {
		t.Errorf("balance %s → %s", bal, e.sb.Balances()["USD"])
	}
	r = cancel(un)
	if r.status != 400 || r.json(t)["name"] != "ITEM_ALREADY_CANCELLED" {
		t.Errorf("again: %d %s", r.status, r.body)
	}
	assertSchema(t, "error", r.body)
	if r := cancel("NOPE"); r.status != 404 {
		t.Errorf("unknown: %d", r.status)
	}
	// The 30-day return must not fire for a cancelled item.
	e.sb.Advance(31 * 24 * time.Hour)
	if got := e.sb.Balances()["USD"]; got != "999989.80" {
		t.Errorf("balance after 31 days %s", got)
	}
}

func TestMaxBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("15000-item batch in -short mode")
	}
	t.Parallel()
	e := newEnv(t, Config{})
	recv := make([]string, maxItems)
	for i := range recv {
		recv[i] = fmt.Sprintf("r%d@example.com", i)
	}
	id := e.create(payout("max", recv...))
	e.sb.Advance(time.Second)
	m := e.getBatch(id, "?page=15&total_required=true")
	if m["total_pages"] != float64(15) || len(itemsOf(m)) != 1000 || batchStatus(m) != BatchSuccess {
		t.Errorf("pages %v items %d status %s", m["total_pages"], len(itemsOf(m)), batchStatus(m))
	}
	if n := len(e.sb.Events()); n != maxItems+2 {
		t.Errorf("%d events", n)
	}
}
