package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/plex/bountypay/models"
)

// Kind is the event an entry records. Persisted values are append-only.
type Kind string

// The entry kinds.
const (
	KindReportImported  Kind = "report_imported"   // a report arrived (no postings)
	KindReportRejected  Kind = "report_rejected"   // the policy gives nothing (no postings)
	KindAwardDecided    Kind = "award_decided"     // reserve: expense -> payable
	KindApproval        Kind = "approval"          // maker-checker approval (no postings)
	KindStateChanged    Kind = "state_changed"     // a transition without value movement
	KindScreened        Kind = "screened"          // screening decision (no postings)
	KindReviewDecision  Kind = "review_decision"   // compliance cleared or confirmed a match
	KindBlocked         Kind = "blocked"           // payable -> blocked
	KindSendStarted     Kind = "send_started"      // payable -> in flight (write-ahead)
	KindSendVoided      Kind = "send_voided"       // in flight -> payable (failed, returned)
	KindPaid            Kind = "paid"              // in flight -> asset:paypal, fee
	KindGranted         Kind = "granted"           // pass payable -> pass codes
	KindFulfilled       Kind = "fulfilled"         // other reward handed over
	KindReversed        Kind = "reversed"          // money came back after success
	KindCancelled       Kind = "cancelled"         // payable -> expense (reversal of the reserve)
	KindListLoaded      Kind = "list_loaded"       // a sanctions list version became current
	KindPassCodesLoaded Kind = "pass_codes_loaded" // pass codes imported (no postings)
	KindSeal            Kind = "seal"              // monthly seal: trial balance and head hash
	KindCorrection      Kind = "correction"        // adjusting entry by finance
	KindTaxForm         Kind = "tax_form"          // a payee's tax form status changed (no postings)
	KindPayeeVersion    Kind = "payee_version"     // a new payee version: fields changed, as hashes (no postings)
	KindPayeeDecision   Kind = "payee_decision"    // a payee change approved or rejected (no postings)
	KindPayeeRebound    Kind = "payee_rebound"     // an unsent award now names another payee version (no postings)
	KindIdentity        Kind = "identity"          // an identity added, changed or disabled (no postings)
)

// Posting moves Amount units of Asset from Credit to Debit.
// Amount is positive and in minor units (1 for a pass).
type Posting struct {
	Debit  string `json:"debit"`
	Credit string `json:"credit"`
	Asset  string `json:"asset"`
	Amount int64  `json:"amount"`
}

// Draft is an entry before the journal gives it a place in the chain.
type Draft struct {
	IdempotencyKey string
	Kind           Kind
	AwardID        string
	Actor          string
	EffectiveAt    time.Time
	Postings       []Posting
	// Data holds the entry's facts (reason, policy version, list hash,
	// PayPal ids, scores). Keys are encoded sorted.
	Data map[string]string
}

// Entry is one link of the hash chain.
type Entry struct {
	Seq            int64             `json:"seq"`
	IdempotencyKey string            `json:"idempotency_key"`
	InputHash      string            `json:"input_hash"`
	Kind           Kind              `json:"kind"`
	AwardID        string            `json:"award_id,omitempty"`
	Actor          string            `json:"actor"`
	EffectiveAt    time.Time         `json:"effective_at"`
	RecordedAt     time.Time         `json:"recorded_at"`
	Postings       []Posting         `json:"postings,omitempty"`
	Data           map[string]string `json:"data,omitempty"`
	PrevHash       string            `json:"prev_hash"`
	Hash           string            `json:"hash"`
}

// GenesisHash is the previous hash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Validate checks a draft: key, kind, actor, times and postings.
func (d *Draft) Validate() error {
	if d.IdempotencyKey == "" {
		return fmt.Errorf("ledger draft: empty idempotency key: %w", models.ErrInvalid)
	}
	if d.Kind == "" {
		return fmt.Errorf("ledger draft %s: empty kind: %w", d.IdempotencyKey, models.ErrInvalid)
	}
	if d.Actor == "" {
		return fmt.Errorf("ledger draft %s: empty actor: %w", d.IdempotencyKey, models.ErrInvalid)
	}
	if d.EffectiveAt.IsZero() {
		return fmt.Errorf("ledger draft %s: zero effective time: %w", d.IdempotencyKey, models.ErrInvalid)
	}
	for i, p := range d.Postings {
		if err := p.validate(); err != nil {
			return fmt.Errorf("ledger draft %s: posting %d: %w", d.IdempotencyKey, i, err)
		}
	}
	return nil
}

func (p Posting) validate() error {
	switch {
	case p.Debit == "" || p.Credit == "":
		return fmt.Errorf("empty account: %w", models.ErrInvalid)
	case p.Debit == p.Credit:
		return fmt.Errorf("debit and credit both %s: %w", p.Debit, models.ErrInvalid)
	case p.Asset == "":
		return fmt.Errorf("empty asset: %w", models.ErrInvalid)
	case p.Amount <= 0:
		return fmt.Errorf("amount %d not positive: %w", p.Amount, models.ErrInvalid)
	}
	return nil
}

// InputHash is the hash of a draft's content: everything an idempotent
// replay must repeat exactly.
func (d *Draft) InputHash() string {
	h := d.inputSum()
	return hex.EncodeToString(h[:])
}

func (d *Draft) inputSum() [32]byte {
	e := getEncoder()
	defer e.free()
	e.str("input-v1")
	e.str(string(d.Kind))
	e.str(d.AwardID)
	e.str(d.Actor)
	e.time(d.EffectiveAt)
	e.postings(d.Postings)
	e.data(d.Data)
	return e.sum()
}

// Seal turns a draft into the entry that follows prevSeq/prevHash.
func Seal(d Draft, prevSeq int64, prevHash string, recordedAt time.Time) Entry {
	e := Entry{
		Seq:            prevSeq + 1,
		IdempotencyKey: d.IdempotencyKey,
		InputHash:      d.InputHash(),
		Kind:           d.Kind,
		AwardID:        d.AwardID,
		Actor:          d.Actor,
		EffectiveAt:    d.EffectiveAt.UTC().Truncate(time.Microsecond),
		RecordedAt:     recordedAt.UTC().Truncate(time.Microsecond),
		Postings:       d.Postings,
		Data:           d.Data,
		PrevHash:       prevHash,
	}
	e.Hash = e.ComputeHash()
	return e
}

// ComputeHash recomputes the entry's hash from its content and PrevHash.
func (e *Entry) ComputeHash() string {
	h := e.sum()
	return hex.EncodeToString(h[:])
}

func (e *Entry) sum() [32]byte {
	enc := getEncoder()
	defer enc.free()
	enc.str("entry-v1")
	enc.str(e.PrevHash)
	enc.int(e.Seq)
	enc.str(e.IdempotencyKey)
	enc.str(e.InputHash)
	enc.str(string(e.Kind))
	enc.str(e.AwardID)
	enc.str(e.Actor)
	enc.time(e.EffectiveAt)
	enc.time(e.RecordedAt)
	enc.postings(e.Postings)
	enc.data(e.Data)
	return enc.sum()
}

// Draft returns the draft the entry was sealed from.
func (e *Entry) Draft() Draft {
	return Draft{IdempotencyKey: e.IdempotencyKey, Kind: e.Kind, AwardID: e.AwardID,
		Actor: e.Actor, EffectiveAt: e.EffectiveAt, Postings: e.Postings, Data: e.Data}
}

// encoder is the canonical encoding: every value length-prefixed, so no two
// different entries encode alike. Buffers are pooled: verify encodes every
// entry twice.
type encoder struct{ buf []byte }

var encoderPool = sync.Pool{New: func() any { return &encoder{buf: make([]byte, 0, 1024)} }}

func getEncoder() *encoder { return encoderPool.Get().(*encoder) }

func (e *encoder) free() {
	if cap(e.buf) <= 64<<10 {
		e.buf = e.buf[:0]
		encoderPool.Put(e)
	}
}

func (e *encoder) str(s string) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) bytes(b []byte) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) int(v int64) {
	var tmp [24]byte
	e.bytes(strconv.AppendInt(tmp[:0], v, 10))
}

// time encodes t as "2006-01-02T15:04:05.000000Z" (UTC, microseconds).
func (e *encoder) time(t time.Time) {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	if y < 0 || y > 9999 {
		var tmp [40]byte
		e.bytes(t.Truncate(time.Microsecond).AppendFormat(tmp[:0], "2006-01-02T15:04:05.000000Z"))
		return
	}
	us := t.Nanosecond() / 1000
	var b [27]byte
	put := func(at, width, v int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, 4, y)
	b[4] = '-'
	put(5, 2, int(mo))
	b[7] = '-'
	put(8, 2, d)
	b[10] = 'T'
	put(11, 2, h)
	b[13] = ':'
	put(14, 2, mi)
	b[16] = ':'
	put(17, 2, s)
	b[19] = '.'
	put(20, 6, us)
	b[26] = 'Z'
	e.bytes(b[:])
}

func (e *encoder) postings(ps []Posting) {
	e.int(int64(len(ps)))
	for _, p := range ps {
		e.str(p.Debit)
		e.str(p.Credit)
		e.str(p.Asset)
		e.int(p.Amount)
	}
}

func (e *encoder) data(m map[string]string) {
	var small [16]string
	keys := small[:0]
	if len(m) > len(small) {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.int(int64(len(keys)))
	for _, k := range keys {
		e.str(k)
		e.str(m[k])
	}
}

func (e *encoder) sum() [32]byte { return sha256.Sum256(e.buf) }

// hexEqual reports whether sum's lowercase hex is s, without allocating.
func hexEqual(sum [32]byte, s string) bool {
	var h [64]byte
	hex.Encode(h[:], sum[:])
	return string(h[:]) == s
}
