package ledger_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

func benchEntries(n int) []ledger.Entry {
	es := make([]ledger.Entry, 0, n)
	seq, prev := int64(0), ledger.GenesisHash
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; len(es) < n; i++ {
		a := &models.Award{ID: "PLEX-" + strconv.Itoa(i) + "/money", ResearcherID: "res-" + strconv.Itoa(i%5000),
			Kind: models.AwardMoney, Amount: models.Money{Minor: int64(5000 + i), Currency: "USD"}}
		for _, d := range []ledger.Draft{
			{IdempotencyKey: "award/" + a.ID + "/decided", Kind: ledger.KindAwardDecided, Postings: ledger.DecidedPostings(a),
				Data: map[string]string{"report_id": "PLEX-" + strconv.Itoa(i), "kind": "money", "policy_version": "policy-v1", "severity": "high"}},
			{IdempotencyKey: "award/" + a.ID + "/send/1", Kind: ledger.KindSendStarted, Postings: ledger.SendPostings(a)},
			{IdempotencyKey: "award/" + a.ID + "/paid/1", Kind: ledger.KindPaid, Postings: ledger.PaidPostings(a, 25),
				Data: map[string]string{"sender_batch_id": "bp-1", "payout_batch_id": "PB", "from": "sent", "to": "paid"}},
		} {
			d.AwardID, d.Actor, d.EffectiveAt = a.ID, "bountypay", at
			e := ledger.Seal(d, seq, prev, at)
			es = append(es, e)
			seq, prev = e.Seq, e.Hash
			at = at.Add(time.Second)
		}
	}
	return es[:n]
}

func BenchmarkCheckEntry(b *testing.B) {
	es := benchEntries(1000)
	b.ResetTimer()
	for i := range b.N {
		if err := ledger.CheckEntry(&es[i%len(es)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLink(b *testing.B) {
	es := benchEntries(b.N)
	v := ledger.NewVerifier()
	b.ResetTimer()
	for i := range es {
		if err := v.Link(&es[i]); err != nil {
			b.Fatal(err)
		}
	}
}
